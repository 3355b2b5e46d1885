/**
 * The seven peer workloads (W1–W7) on Tapegrad, written exactly as `../shared/peers/README.md`
 * defines them, with the same data (mulberry32 uniforms and Box-Muller normals, seeded as the
 * JavaScript peers seed them) and the same timing discipline (warm up at least 2 calls and
 * 300 ms, then the median of up to `reps` timed calls). Prints one JSON line per workload in
 * the peers' schema with `"peer": "tapegrad"`, and checks every workload's values.
 *
 * `deno run bench/workloads.ts [--only=W1,W4]` (no permissions needed).
 *
 * @module
 */

import {
  add,
  autogradGrad,
  crossEntropy,
  derivative,
  diagonal,
  grad,
  hessian,
  hvp,
  laplacian,
  matmul,
  mean,
  setDefaultDtype,
  sum,
  type Tensor,
  tensor,
  tidy,
  valueAndGrad,
  vmap,
} from "../mod.ts";
import type { Node } from "../src/autograd/node.ts";
import tanhDerivatives from "../tests/fixtures/tanh_derivatives.json" with { type: "json" };
import { wasmGemm } from "../src/kernels/matmul.ts";

/** The exact derivatives of tanh at 1 of orders 0..100 (the peers' `tanh_derivatives.json`). */
export const TANH_DERIVATIVES: readonly number[] = Object.entries(tanhDerivatives)
  .sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);

/** The exact 8th derivative of tanh at 1 (the peers' golden value). */
export const TANH_D8_AT_1 = -277.062135603031;
const W1_OPS = 10_000;

/** The median of a list. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The `q` quantile of a list (nearest rank: the smallest value with `q` of them at or below). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

/** Timing options, as the peers' `bench()`. */
export interface BenchOptions {
  readonly warmup?: number;
  readonly warmupMs?: number;
  readonly reps?: number;
  readonly maxMs?: number;
}

/** Warm up, then time `fn`; the same discipline as `../shared/peers/common.mjs`. */
export function bench(
  fn: () => unknown,
  { warmup = 2, warmupMs = 300, reps = 15, maxMs = 20_000 }: BenchOptions = {},
): { median_ms: number; p90_ms: number; max_ms: number; reps: number } {
  const w0 = performance.now();
  for (let i = 0; i < warmup || (performance.now() - w0 < warmupMs && i < 1000); i++) fn();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    if (performance.now() - start > maxMs && times.length >= 3) break;
  }
  return {
    median_ms: median(times),
    p90_ms: quantile(times, 0.9),
    max_ms: Math.max(...times),
    reps: times.length,
  };
}

/** mulberry32 uniforms and Box-Muller normals: the peers' deterministic data. */
export function rng(seed: number): { uni: () => number; normal: () => number } {
  let state = seed >>> 0;
  const uni = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = 1 - uni();
    const v = uni();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  return { uni, normal };
}

function normals(r: ReturnType<typeof rng>, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => r.normal() * scale);
}

function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    num += (got[i] - ref[i]) ** 2;
    den += ref[i] ** 2;
  }
  return Math.sqrt(num / den);
}

/** One JSON record of a workload. */
export type Record = { workload: string; [key: string]: unknown };

/** W1: op overhead, a 10,000-op chain forward and backward. */
export function w1(): Record {
  const x = tensor([1], { requiresGrad: true });
  const run = () => {
    x.grad = null;
    let y = x;
    for (let i = 0; i < W1_OPS; i++) y = i % 2 === 0 ? y.mul(1.0001) : y.add(0.0001);
    sum(y).backward();
    return x.grad!.item();
  };
  const check = run();
  const r = bench(run, { warmup: 1, reps: 7 });
  return {
    workload: "W1",
    dtype: "float32",
    ...r,
    us_per_op: (r.median_ms * 1e3) / W1_OPS,
    check_grad: check,
    check_ok: Math.abs(check - 1.0001 ** 5000) < 1e-3,
  };
}

/** `x·w + b` for a row-major m×k `x`, k×n `w` and n-vector `b`, in float64. */
function linear(x: Float64Array, w: Float64Array, b: Float64Array, m: number, k: number) {
  const n = b.length;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const xv = x[i * k + p];
      for (let j = 0; j < n; j++) out[i * n + j] += xv * w[p * n + j];
    }
    for (let j = 0; j < n; j++) out[i * n + j] += b[j];
  }
  return out;
}

/** Gradients of `linear` given the output gradient `d` (m×n): dw = xᵀd, db = Σᵢ d, dx = d·wᵀ. */
function linearBack(d: Float64Array, x: Float64Array, w: Float64Array, m: number, k: number) {
  const n = d.length / m;
  const dw = new Float64Array(k * n);
  const db = new Float64Array(n);
  const dx = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const g = d[i * n + j];
      db[j] += g;
      for (let p = 0; p < k; p++) {
        dw[p * n + j] += x[i * k + p] * g;
        dx[i * k + p] += g * w[p * n + j];
      }
    }
  }
  return { dw, db, dx };
}

/**
 * The W2 step in plain float64 loops, independent of the library: the loss and the gradients
 * of (W1, b1, W2, b2, W3, b3).
 */
export function w2Reference(
  x: Float64Array,
  labels: readonly number[],
  [w1, b1, w2, b2, w3, b3]: readonly Float64Array[],
): { loss: number; grads: Float64Array[] } {
  const m = labels.length, d = x.length / m, h = b1.length, c = b3.length;
  const h1 = linear(x, w1, b1, m, d).map(Math.tanh);
  const h2 = linear(h1, w2, b2, m, h).map(Math.tanh);
  const logits = linear(h2, w3, b3, m, h);
  let loss = 0;
  const dl = new Float64Array(m * c);
  for (let i = 0; i < m; i++) {
    const row = logits.subarray(i * c, (i + 1) * c);
    const mx = Math.max(...row);
    let se = 0;
    for (const v of row) se += Math.exp(v - mx);
    loss += mx + Math.log(se) - row[labels[i]];
    for (let j = 0; j < c; j++) {
      dl[i * c + j] = (Math.exp(row[j] - mx) / se - (j === labels[i] ? 1 : 0)) / m;
    }
  }
  const g3 = linearBack(dl, h2, w3, m, h);
  const dz2 = g3.dx.map((g, i) => g * (1 - h2[i] * h2[i]));
  const g2 = linearBack(dz2, h1, w2, m, h);
  const dz1 = g2.dx.map((g, i) => g * (1 - h1[i] * h1[i]));
  const g1 = linearBack(dz1, x, w1, m, d);
  return { loss: loss / m, grads: [g1.dw, g1.db, g2.dw, g2.db, g3.dw, g3.db] };
}

/** W2: one step of a 256-256-256-10 tanh MLP on a 64×256 batch (float32). */
export function w2(): Record {
  const r = rng(0);
  const xd = normals(r, 64 * 256);
  const labelsd = Array.from({ length: 64 }, () => Math.floor(r.uni() * 10));
  const s = 1 / 16;
  const data = [
    normals(r, 256 * 256, s),
    new Array(256).fill(0),
    normals(r, 256 * 256, s),
    new Array(256).fill(0),
    normals(r, 256 * 10, s),
    new Array(10).fill(0),
  ];
  const shapes = [[256, 256], [256], [256, 256], [256], [256, 10], [10]];
  const X = tensor(xd, { shape: [64, 256] });
  const labels = tensor(labelsd, { dtype: "int64" });
  const params = data.map((v, i) => tensor(v, { shape: shapes[i] }));
  const loss = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, w3: Tensor, b3: Tensor) => {
    const h1 = add(matmul(X, w1), b1).tanh();
    const h2 = add(matmul(h1, w2), b2).tanh();
    return crossEntropy(add(matmul(h2, w3), b3), labels);
  };
  const vg = valueAndGrad(loss, { argnums: [0, 1, 2, 3, 4, 5] });
  const step = () => {
    const [value, grads] = vg(...(params as Parameters<typeof loss>));
    return { value: value.item(), grads: grads.map((g) => g.toTypedArray()) };
  };
  const got = step();
  const res = bench(step, { warmup: 3, reps: 20 });
  // the step in tidy(): its intermediate buffers come back to the pool for the next step
  const tidied = tidy(step);
  const resTidy = bench(() => tidy(step), { warmup: 3, reps: 20 });
  // the same step in float64 from the same float32-rounded data
  const f32 = (v: number[]) => Float64Array.from(v, Math.fround);
  const ref = w2Reference(f32(xd), labelsd, data.map(f32));
  const gradRelErr = Math.max(
    ...[...got.grads, ...tidied.grads].map((g, i) => relErr(g, ref.grads[i % 6])),
  );
  const lossErr = Math.max(Math.abs(got.value - ref.loss), Math.abs(tidied.value - ref.loss));
  return {
    workload: "W2",
    dtype: "float32",
    ...res,
    tidy_median_ms: resTidy.median_ms,
    check_loss: got.value,
    check_loss_err: lossErr,
    check_grad_rel_err: gradRelErr,
    check_ok: lossErr < 1e-5 && gradRelErr < 1e-4,
    rss_mib: Math.round(Deno.memoryUsage().rss / 2 ** 20),
  };
}

/** W3: 512² matmul forward and backward (float32): loss = sum(A@B), grads of A and B. */
export function w3(): Record {
  const r = rng(1);
  const n = 512;
  const ad = normals(r, n * n);
  const bd = normals(r, n * n);
  const A = tensor(ad, { shape: [n, n] });
  const B = tensor(bd, { shape: [n, n] });
  const g = grad((a: Tensor, b: Tensor) => sum(matmul(a, b)), { argnums: [0, 1] });
  const step = () => g(A, B).map((t) => t.toTypedArray());
  const [ga, gb] = step();
  const res = bench(step, { warmup: 2, reps: 10, maxMs: 30_000 });
  // d sum(AB)/dA[i, p] = Σⱼ B[p, j] and d sum(AB)/dB[p, j] = Σᵢ A[i, p], in float64
  const rowSumB = new Float64Array(n);
  const colSumA = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      rowSumB[i] += Math.fround(bd[i * n + j]);
      colSumA[j] += Math.fround(ad[i * n + j]);
    }
  }
  const refA = new Float64Array(n * n).map((_, i) => rowSumB[i % n]);
  const refB = new Float64Array(n * n).map((_, i) => colSumA[Math.floor(i / n)]);
  const check = Math.max(relErr(ga, refA), relErr(gb, refB));
  return {
    workload: "W3",
    dtype: "float32",
    ...res,
    gflops: (3 * 2 * n ** 3) / (res.median_ms / 1e3) / 1e9,
    check_rel_err: check,
    check_ok: check < 1e-5,
  };
}

/** Unique recorded nodes reachable from `t` (AccumulateGrad excluded), walked iteratively. */
function countNodes(t: Tensor): number {
  const seen = new Set<Node>();
  const stack: Node[] = t.gradFn ? [t.gradFn] : [];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const x of n.inputs) if (x.gradFn !== null && !seen.has(x.gradFn)) stack.push(x.gradFn);
  }
  return seen.size;
}

/** W4: the 8th derivative of tanh at 1 in float64, by backward with createGraph 8 times. */
export function w4(): Record {
  const run = () => {
    const x = tensor(1, { dtype: "float64", requiresGrad: true });
    let y = x.tanh();
    for (let k = 0; k < 8; k++) [y] = autogradGrad([y], [x], { createGraph: true }) as Tensor[];
    return y;
  };
  const y = run();
  const value = y.item();
  const res = bench(() => run().item(), { warmup: 1, reps: 15 });
  const relErr8 = Math.abs(value - TANH_D8_AT_1) / Math.abs(TANH_D8_AT_1);
  return {
    workload: "W4",
    dtype: "float64",
    ...res,
    value,
    rel_err: relErr8,
    graph_nodes: countNodes(y),
    nodes_note: "unique recorded nodes reachable from the 8th derivative",
    check_ok: relErr8 < 1e-12,
  };
}

/**
 * W4n: the same derivatives by `grad` nested `order` times beside the `autogradGrad` loop,
 * orders 2 to 8, timed alternately in one process so both see the same machine; medians and
 * 90th percentiles of each, and their ratios (the target is nested ≤ 1.5× the loop). Below
 * order 6 a call takes a few microseconds, so each sample times a batch of calls (`batch`)
 * and reports the time per call: single calls would measure the timer and the scheduler.
 */
export function w4n(): Record {
  const loop = (order: number) => {
    const x = tensor(1, { dtype: "float64", requiresGrad: true });
    let y = x.tanh();
    for (let k = 0; k < order; k++) [y] = autogradGrad([y], [x], { createGraph: true }) as Tensor[];
    return y.item();
  };
  const nestedFns: ((x: Tensor) => Tensor)[] = [];
  for (let order = 0, g = (x: Tensor) => x.tanh(); order <= 8; order++, g = grad(g)) {
    nestedFns.push(g);
  }
  const nested = (order: number) => nestedFns[order](tensor(1, { dtype: "float64" })).item();
  const orders: { [order: string]: unknown } = {};
  let worst = 0;
  let agree = true;
  for (let order = 2; order <= 8; order++) {
    const batch = order <= 3 ? 20 : order <= 5 ? 5 : 1;
    const samples = order <= 5 ? 200 : 150;
    const a: number[] = [], b: number[] = [];
    for (let i = 0; i < (samples * batch) / 5; i++) loop(order), nested(order);
    for (let i = 0; i < samples; i++) {
      let t = performance.now();
      for (let j = 0; j < batch; j++) loop(order);
      a.push((performance.now() - t) / batch);
      t = performance.now();
      for (let j = 0; j < batch; j++) nested(order);
      b.push((performance.now() - t) / batch);
    }
    const l = loop(order), n = nested(order);
    agree &&= Math.abs(l - n) <= 1e-12 * Math.abs(l);
    const r50 = median(b) / median(a), r90 = quantile(b, 0.9) / quantile(a, 0.9);
    worst = Math.max(worst, r50, r90);
    orders[order] = {
      batch,
      loop_p50_ms: median(a),
      loop_p90_ms: quantile(a, 0.9),
      nested_p50_ms: median(b),
      nested_p90_ms: quantile(b, 0.9),
      ratio_p50: r50,
      ratio_p90: r90,
    };
  }
  const value8 = nested(8);
  return {
    workload: "W4n",
    dtype: "float64",
    orders,
    worst_ratio: worst,
    check_ok: agree && Math.abs(value8 - TANH_D8_AT_1) < 1e-12 * Math.abs(TANH_D8_AT_1),
  };
}

/** W5: gradient, Hessian-vector product and full Hessian of sum(tanh(Wx)²), float64. */
export function w5(): Record {
  const r = rng(2);
  const Wd = normals(r, 100 * 100, 0.1);
  const xd = normals(r, 100);
  const vd = normals(r, 100);
  const f64 = { dtype: "float64" } as const;
  const W = tensor(Wd, { ...f64, shape: [100, 100] });
  const x = tensor(xd, f64);
  const v = tensor(vd, f64);
  const f = (z: Tensor) => sum(matmul(W, z).tanh().pow(2));
  const gradF = grad(f);
  const hessF = hessian(f);
  const g = bench(() => gradF(x).toTypedArray(), { warmup: 3, reps: 50 });
  const h = bench(() => hvp(f, x, v).toTypedArray(), { warmup: 3, reps: 50 });
  const H = bench(() => hessF(x).toTypedArray(), { warmup: 2, reps: 15 });
  // plain float64 reference: grad = Wᵀ(2t(1 − t²)), Hv = Wᵀ(2(1 − t²)(1 − 3t²) ⊙ Wv)
  const n = 100;
  const gradRef = new Float64Array(n);
  const hvpRef = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let u = 0;
    let wv = 0;
    for (let j = 0; j < n; j++) {
      u += Wd[i * n + j] * xd[j];
      wv += Wd[i * n + j] * vd[j];
    }
    const t = Math.tanh(u);
    for (let j = 0; j < n; j++) {
      gradRef[j] += Wd[i * n + j] * 2 * t * (1 - t * t);
      hvpRef[j] += Wd[i * n + j] * 2 * (1 - t * t) * (1 - 3 * t * t) * wv;
    }
  }
  const gradRel = relErr(gradF(x).toTypedArray(), gradRef);
  const hvpRel = relErr(hvp(f, x, v).toTypedArray(), hvpRef);
  const Hv = matmul(hessF(x), v).toTypedArray();
  return {
    workload: "W5",
    dtype: "float64",
    grad_ms: g.median_ms,
    hvp_ms: h.median_ms,
    hessian_ms: H.median_ms,
    median_ms: H.median_ms,
    hvp_over_grad: h.median_ms / g.median_ms,
    reps: { grad: g.reps, hvp: h.reps, hessian: H.reps },
    grad_rel_err: gradRel,
    hvp_rel_err: hvpRel,
    hvp_correct: hvpRel < 1e-4,
    hessian_rel_err: relErr(Hv, hvpRef),
    hessian_method: "hessian() = jacfwd(grad) vectorized with vmap (forward over reverse)",
    check_ok: gradRel < 1e-12 && hvpRel < 1e-12 && relErr(Hv, hvpRef) < 1e-12,
  };
}

/** The W6 orders, in the order they are run. */
export const W6_ORDERS = [4, 8, 12, 16, 24, 32, 48, 64];
const W6_STOP_MS = 250;

/** One order of W6. */
export interface OrderTiming {
  order: number;
  ms: number;
  reps: number;
  value: number;
  rel_err: number;
}

/**
 * Times `nth(order)` for the W6 orders: median of up to 5 runs after one warm-up run (one run
 * when a run takes over 1 s), stopping after the first order whose run takes over 0.25 s.
 */
function orderScaling(nth: (order: number) => number, orders = W6_ORDERS): OrderTiming[] {
  const rows: OrderTiming[] = [];
  for (const order of orders) {
    const t0 = performance.now();
    const value = nth(order);
    const first = performance.now() - t0;
    const { median_ms, reps } = first > 1000
      ? { median_ms: first, reps: 1 }
      : bench(() => nth(order), { warmup: 0, warmupMs: 0, reps: 5 });
    const exact = TANH_DERIVATIVES[order];
    rows.push({
      order,
      ms: median_ms,
      reps,
      value,
      rel_err: Math.abs(value - exact) / Math.abs(exact),
    });
    if (Math.max(first, median_ms) > W6_STOP_MS) break;
  }
  return rows;
}

/**
 * W6: the n-th derivative of tanh at 1 (float64) for n = 4 … 64, by Taylor mode
 * (`derivative(f, n)`: one pass); the same orders by nesting reverse mode (`autogradGrad` with
 * `createGraph`, as PyTorch does) are reported beside it as `nested_orders`, up to order 12
 * (order 16 that way takes about half a minute).
 */
export function w6(): Record {
  const x = tensor(1, { dtype: "float64" });
  const tanh = (v: Tensor) => v.tanh();
  const orders = orderScaling((n) => derivative(tanh, n)(x).item());
  const nested = orderScaling((n) => {
    const xv = tensor(1, { dtype: "float64", requiresGrad: true });
    let y = xv.tanh();
    for (let k = 0; k < n; k++) [y] = autogradGrad([y], [xv], { createGraph: true }) as Tensor[];
    return y.item();
  }, W6_ORDERS.filter((n) => n <= 12));
  const maxErr = Math.max(...orders.map((o) => o.rel_err));
  return {
    workload: "W6",
    dtype: "float64",
    orders,
    max_order_done: Math.max(...orders.map((o) => o.order)),
    max_rel_err: maxErr,
    method: "derivative(f, n): one Taylor-mode pass",
    nested_orders: nested,
    nested_max_order_done: Math.max(...nested.map((o) => o.order)),
    nested_method: "autogradGrad(createGraph: true) nested n times",
    median_ms: orders[orders.length - 1].ms,
    check_ok: maxErr <= 1e-12 && nested.every((o) => o.rel_err <= 1e-11),
  };
}

/** The W7 network's weights `[W1, b1, W2, b2, W3, b3]` (16-64-64-1) and points `X` (128×16). */
export function w7Data(): { params: Float64Array[]; X: Float64Array } {
  const r = rng(3);
  const d = 16, h = 64, B = 128;
  const X = Float64Array.from(normals(r, B * d));
  const params = [
    Float64Array.from(normals(r, d * h, 1 / 4)),
    new Float64Array(h),
    Float64Array.from(normals(r, h * h, 1 / 8)),
    new Float64Array(h),
    Float64Array.from(normals(r, h, 1 / 8)),
    new Float64Array(1),
  ];
  return { params, X };
}

/**
 * The Laplacian of `u(x) = tanh(tanh(x W1 + b1) W2 + b2) W3 + b3` at each row of `X`, in plain
 * float64 loops, independent of the library: the value, the d input derivatives and the
 * Laplacian of every hidden unit are carried through the layers (with `h = tanh z`,
 * `∇h = (1 − h²)∇z` and `Δh = (1 − h²)Δz − 2h(1 − h²)|∇z|²`).
 */
export function w7LaplacianReference(
  [w1, b1, w2, b2, w3]: readonly Float64Array[],
  X: Float64Array,
  d: number,
): Float64Array {
  const h = b1.length, B = X.length / d;
  const out = new Float64Array(B);
  // layer 1: ∇z1 = W1 rows (constant), Δz1 = 0
  const colNorm1 = new Float64Array(h);
  for (let i = 0; i < d; i++) for (let j = 0; j < h; j++) colNorm1[j] += w1[i * h + j] ** 2;
  for (let b = 0; b < B; b++) {
    const x = X.subarray(b * d, (b + 1) * d);
    const z1 = linear(x, w1, b1, 1, d);
    const h1 = z1.map(Math.tanh);
    const s1 = h1.map((t) => 1 - t * t);
    const lap1 = h1.map((t, j) => -2 * t * s1[j] * colNorm1[j]);
    // ∇h1[i][j] = s1[j] W1[i, j]; z2 = h1 W2 + b2
    const z2 = linear(h1, w2, b2, 1, h);
    const grad2 = new Float64Array(d * h); // ∇z2[i][k] = Σ_j s1[j] W1[i, j] W2[j, k]
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < h; j++) {
        const g = s1[j] * w1[i * h + j];
        for (let k = 0; k < h; k++) grad2[i * h + k] += g * w2[j * h + k];
      }
    }
    let lap = 0;
    for (let k = 0; k < h; k++) {
      let lapZ2 = 0;
      for (let j = 0; j < h; j++) lapZ2 += lap1[j] * w2[j * h + k];
      let sq = 0;
      for (let i = 0; i < d; i++) sq += grad2[i * h + k] ** 2;
      const t = Math.tanh(z2[k]);
      lap += ((1 - t * t) * lapZ2 - 2 * t * (1 - t * t) * sq) * w3[k];
    }
    out[b] = lap;
  }
  return out;
}

/**
 * W7: the Laplacian of a 16-64-64-1 tanh MLP at 128 points (float64) with `laplacian` (forward
 * Laplacian, batched by `vmap`), and one gradient step of `mean((Δu − 1)²)` with respect to
 * the six weights (reverse over Taylor mode). Beside it, Tapegrad's own other ways: the trace
 * of `vmap(hessian(u))`, and nested `grad` (one backward for ∇u with `createGraph`, then one
 * per input dimension, as PINN code in PyTorch does).
 */
export function w7(): Record {
  const d = 16, B = 128;
  const data = w7Data();
  const f64 = { dtype: "float64" } as const;
  const shapes = [[d, 64], [64], [64, 64], [64], [64, 1], [1]];
  const params = data.params.map((v, i) => tensor(v, { ...f64, shape: shapes[i] }));
  const X = tensor(data.X, { ...f64, shape: [B, d] });
  const mlp = (ps: readonly Tensor[], x: Tensor) => {
    const [w1, b1, w2, b2, w3, b3] = ps;
    return matmul(add(matmul(add(matmul(x, w1), b1).tanh(), w2), b2).tanh(), w3).add(b3);
  };
  const lapOf = (ps: readonly Tensor[]) => vmap(laplacian((x: Tensor) => sum(mlp(ps, x))))(X);
  const lapHessian = () =>
    sum(diagonal(vmap(hessian((x: Tensor) => sum(mlp(params, x))))(X), 0, 1, 2), -1);
  const lapNested = () => {
    const x = tensor(data.X, { ...f64, shape: [B, d], requiresGrad: true });
    const [g] = autogradGrad([sum(mlp(params, x))], [x], { createGraph: true }) as Tensor[];
    let lap: Tensor | null = null;
    for (let i = 0; i < d; i++) {
      const [gi] = autogradGrad([sum(g.index("...", i))], [x], { retainGraph: true }) as Tensor[];
      lap = lap === null ? gi.index("...", i) : lap.add(gi.index("...", i));
    }
    return lap!;
  };
  const loss = (...ps: Tensor[]) => mean(lapOf(ps).sub(1).pow(2));
  const step = valueAndGrad(loss, { argnums: [0, 1, 2, 3, 4, 5] });
  const lossByHessian = (...ps: Tensor[]) => {
    const u1 = (x: Tensor) => sum(mlp(ps, x));
    const lap = sum(diagonal(vmap(hessian(u1))(X), 0, 1, 2), -1);
    return mean(lap.sub(1).pow(2));
  };

  const ref = w7LaplacianReference(data.params, data.X, d);
  const lap = lapOf(params).toTypedArray() as Float64Array;
  const lapErr = relErr(lap, ref);
  const hessErr = relErr(lapHessian().toTypedArray(), ref);
  const nestedErr = relErr(lapNested().toTypedArray(), ref);
  const [, grads] = step(...params);
  const [, gradsH] = valueAndGrad(lossByHessian, { argnums: [0, 1, 2, 3, 4, 5] })(...params);
  const gradErr = Math.max(
    ...grads.slice(0, 5).map((g, i) => relErr(g.toTypedArray(), gradsH[i].toTypedArray())),
  );
  const b3Grad = Math.abs(grads[5].item());

  const timed = (fn: () => Tensor | [Tensor, Tensor[]]) =>
    bench(() => {
      const r = fn();
      return Array.isArray(r) ? r[1].map((g) => g.toTypedArray()) : r.toTypedArray();
    }, { warmup: 2, reps: 10 }).median_ms;
  const laplacianMs = timed(() => lapOf(params));
  const stepMs = timed(() => step(...params));
  const hessianMs = timed(lapHessian);
  const nestedMs = timed(lapNested);
  return {
    workload: "W7",
    dtype: "float64",
    d,
    width: 64,
    points: B,
    check_lap_mean: lap.reduce((a, b) => a + b, 0) / B,
    laplacian_ms: laplacianMs,
    pinn_step_ms: stepMs,
    laplacian_hessian_ms: hessianMs,
    laplacian_nested_ms: nestedMs,
    median_ms: stepMs,
    method: "vmap(laplacian(u)): forward Laplacian; step: valueAndGrad over it",
    lap_rel_err: lapErr,
    lap_hessian_rel_err: hessErr,
    lap_nested_rel_err: nestedErr,
    step_grad_rel_err_vs_hessian: gradErr,
    check_ok: lapErr < 1e-12 && hessErr < 1e-12 && nestedErr < 1e-12 && gradErr < 1e-10 &&
      b3Grad === 0,
  };
}

/** The workloads by name. */
export const WORKLOADS: { [name: string]: () => Record } = {
  W1: w1,
  W2: w2,
  W3: w3,
  W4: w4,
  W4n: w4n,
  W5: w5,
  W6: w6,
  W7: w7,
};

/** Runs the selected workloads and returns their records. */
export function runWorkloads(only?: readonly string[], log = true): Record[] {
  const names = only && only.length > 0 ? only : Object.keys(WORKLOADS);
  const out: Record[] = [];
  const gemm = wasmGemm();
  for (const name of names) {
    const fn = WORKLOADS[name];
    if (fn === undefined) continue;
    setDefaultDtype("float32");
    let rec: Record;
    try {
      rec = fn();
    } catch (e) {
      rec = { workload: name, error: String(e instanceof Error ? e.message : e) };
    }
    const full = {
      ...rec,
      peer: "tapegrad",
      version: "0.1.0",
      runtime: `deno ${Deno.version.deno}`,
      wasm_simd: gemm !== null,
      relaxed_simd: gemm?.relaxed ?? false,
    };
    out.push(full);
    if (log) console.log(JSON.stringify(full));
  }
  return out;
}

if (import.meta.main) {
  const only = Deno.args.find((a) => a.startsWith("--only="))?.slice(7).split(",");
  runWorkloads(only);
}
