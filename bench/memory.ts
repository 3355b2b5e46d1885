/**
 * Memory steadiness: trains the W2 network (64×256 inputs, 256-256-256-10 tanh MLP, float32)
 * with plain SGD for many steps and samples the process's memory as it goes. Every step's
 * graph must be freed after backward, so the resident set and the JS heap level off instead
 * of growing with the number of steps.
 *
 * `deno run bench/memory.ts [steps] [--tidy]` (default 10,000 steps). Prints one JSON line
 * per sample and a final JSON summary with the peak and the growth over the second half of the
 * run. With `--tidy` each step runs in `tidy()` and disposes the weights it replaces, so its
 * buffers come from the reuse pool: the summary then counts the fresh buffers of the second
 * half (none in a steady state).
 *
 * @module
 */

import {
  add,
  crossEntropy,
  dispose,
  Generator,
  matmul,
  memoryInfo,
  noGrad,
  randn,
  tanh,
  type Tensor,
  tensor,
  tidy,
  zeros,
} from "../mod.ts";

const useTidy = Deno.args.includes("--tidy");
const steps = Number(Deno.args.find((a) => !a.startsWith("--")) ?? 10_000);
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
let freshAtHalf = 0;
/** One SGD step: the loss, and the new weights (leaves that require grad). */
function step(): { value: number; next: Tensor[] } {
  const l = loss(params);
  l.backward();
  const next = noGrad(() => params.map((p) => p.sub(p.grad!.mul(0.05))));
  for (const p of params) p.grad = null; // as zero_grad(set_to_none=True): tidy reuses them
  return { value: l.item(), next: next.map((p) => p.requiresGrad_()) };
}
for (let k = 1; k <= steps; k++) {
  if (k === Math.floor(steps / 2)) freshAtHalf = memoryInfo().fresh;
  const { value, next } = useTidy ? tidy(step) : step();
  if (useTidy) dispose(params, next);
  params = next;
  const m = Deno.memoryUsage();
  peakRss = Math.max(peakRss, m.rss);
  if (k % every === 0 || k === 1) {
    const s = { step: k, rss: mib(m.rss), heap: mib(m.heapUsed), loss: value };
    samples.push(s);
    console.log(JSON.stringify(s));
  }
}
const half = samples.filter((s) => s.step >= steps / 2);
const growth = half.at(-1)!.rss - half[0].rss;
console.log(JSON.stringify({
  workload: useTidy ? "W2-memory-tidy" : "W2-memory",
  steps,
  ...(useTidy ? { fresh_buffers_second_half: memoryInfo().fresh - freshAtHalf } : {}),
  seconds: Math.round((performance.now() - t0) / 100) / 10,
  peak_rss_mib: mib(peakRss),
  rss_growth_second_half_mib: Math.round(growth * 10) / 10,
  steady: Math.abs(growth) < 32,
}));
