/**
 * Memory of kept small results: trains a tiny MLP (4×8 inputs, 8-16-1 tanh, float32, plain
 * SGD) for `n` steps and keeps every step's loss, detached, as a training loop that records
 * its loss history does. Prints the resident-set growth per kept loss; the same loop in
 * PyTorch is `bench/kept_torch.py`. Small tensors share slabs of storage, so this measures
 * how much memory one kept scalar pins.
 *
 * `deno run bench/kept.ts [n]` (default 50,000; no permissions needed).
 *
 * @module
 */

import { add, Generator, matmul, mean, noGrad, randn, type Tensor, zeros } from "../mod.ts";

const n = Number(Deno.args[0] ?? 50_000);
const gen = new Generator(3);
const X = randn([4, 8], { generator: gen });
const Y = randn([4, 1], { generator: gen });
let params: Tensor[] = [
  randn([8, 16], { generator: gen }).div(4),
  zeros([16]),
  randn([16, 1], { generator: gen }).div(4),
  zeros([1]),
].map((p) => p.requiresGrad_());

const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
const kept: Tensor[] = [];
const step = () => {
  const [w1, b1, w2, b2] = params;
  const h = add(matmul(X, w1), b1).tanh();
  const loss = mean(add(matmul(h, w2), b2).sub(Y).pow(2));
  loss.backward();
  params = noGrad(() => params.map((p) => p.sub(p.grad!.mul(0.01)))).map((p) => p.requiresGrad_());
  return loss.detach();
};
for (let i = 0; i < 2000; i++) step(); // warm up: compiled code and heap at steady state
(globalThis as { gc?: () => void }).gc?.();
const before = Deno.memoryUsage();
const t0 = performance.now();
for (let i = 0; i < n; i++) kept.push(step());
(globalThis as { gc?: () => void }).gc?.();
const after = Deno.memoryUsage();
console.log(JSON.stringify({
  workload: "kept-losses",
  kept: n,
  seconds: Math.round((performance.now() - t0) / 100) / 10,
  rss_growth_mib: mib(after.rss - before.rss),
  heap_growth_mib: mib(after.heapUsed - before.heapUsed),
  external_growth_mib: mib(after.external - before.external),
  bytes_per_kept: Math.round((after.rss - before.rss) / n),
  last_loss: kept.at(-1)!.item(),
}));
