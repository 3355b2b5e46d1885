/**
 * Memory steadiness: trains the W2 network (64×256 inputs, 256-256-256-10 tanh MLP, float32)
 * with plain SGD for many steps and samples the process's memory as it goes. Every step's
 * graph must be freed after backward, so the resident set and the JS heap level off instead
 * of growing with the number of steps.
 *
 * `deno run bench/memory.ts [steps]` (default 10,000). Prints one JSON line per sample and
 * a final JSON summary with the peak and the growth over the second half of the run.
 *
 * @module
 */

import {
  add,
  crossEntropy,
  Generator,
  matmul,
  noGrad,
  randn,
  tanh,
  type Tensor,
  tensor,
  zeros,
} from "../mod.ts";

const steps = Number(Deno.args[0] ?? 10_000);
const gen = new Generator(2);
const X = randn([64, 256], { generator: gen });
const labels = tensor(Array.from({ length: 64 }, (_, i) => (i * 7) % 10), { dtype: "int64" });
let params: Tensor[] = [
  randn([256, 256], { generator: gen }).div(16),
  zeros([256]),
  randn([256, 256], { generator: gen }).div(16),
  zeros([256]),
  randn([256, 10], { generator: gen }).div(16),
  zeros([10]),
].map((p) => p.requiresGrad_());

function loss([w1, b1, w2, b2, w3, b3]: Tensor[]): Tensor {
  const h1 = tanh(add(matmul(X, w1), b1));
  const h2 = tanh(add(matmul(h1, w2), b2));
  return crossEntropy(add(matmul(h2, w3), b3), labels);
}

const mib = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const samples: { step: number; rss: number; heap: number; loss: number }[] = [];
const every = Math.max(1, Math.floor(steps / 20));
let peakRss = 0;
const t0 = performance.now();
for (let step = 1; step <= steps; step++) {
  const l = loss(params);
  l.backward();
  params = noGrad(() => params.map((p) => p.sub(p.grad!.mul(0.05)))).map((p) => p.requiresGrad_());
  const m = Deno.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  if (step % every === 0 || step === 1) {
    const s = { step, rss: mib(m.rss), heap: mib(m.heapUsed), loss: l.item() };
    samples.push(s);
    console.log(JSON.stringify(s));
  }
}
const half = samples.filter((s) => s.step >= steps / 2);
const growth = half.at(-1)!.rss - half[0].rss;
console.log(JSON.stringify({
  workload: "W2-memory",
  steps,
  seconds: Math.round((performance.now() - t0) / 100) / 10,
  peak_rss_mib: mib(peakRss),
  rss_growth_second_half_mib: Math.round(growth * 10) / 10,
  steady: Math.abs(growth) < 32,
}));
