/**
 * The worker pool: products split across threads give the same bits as one thread, the pool
 * survives a failing kernel, closes when idle, and `setNumThreads`/`backendInfo` report what
 * runs. The products are checked against a float64 reference too, so a pool that computed
 * the same wrong bits on every thread count would fail.
 */

import assert from "node:assert/strict";
import {
  backendInfo,
  getNumThreads,
  matmul,
  setNumThreads,
  setWasmModule,
  sum,
  type Tensor,
  tensor,
  wasmKernelBytes,
} from "../../mod.ts";
import {
  currentPool,
  gemmFor,
  IDLE_MS,
  PARALLEL_MIN_WORK,
  threadPool,
} from "../../src/kernels/backend.ts";
import { parallelFailures } from "../../src/kernels/parallel.ts";
import { WAKE_MIN_MACS } from "../../src/kernels/pool.ts";
import { unaryKernel } from "../../src/kernels/elementwise.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/**
 * How many 2 ms polls a test waits for the worker to park or wake: up to 2 s, since on a loaded
 * machine (the parallel test run) the worker thread may not be scheduled for a while; the loops
 * end as soon as the state is reached.
 */
const POLLS = 1000;

/** Seeded uniform values in [-1, 1). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Runs `fn` with `n` threads, restoring the previous setting. */
function withThreads<T>(n: number, fn: () => T): T {
  const before = getNumThreads();
  setNumThreads(n);
  try {
    return fn();
  } finally {
    setNumThreads(before);
  }
}

/** Starts a pool of `n` threads and waits until all its workers serve products. */
async function readyPool(n: number): Promise<void> {
  setNumThreads(n);
  gemmFor(PARALLEL_MIN_WORK); // makes the pool
  for (let i = 0; i < 200 && (currentPool()?.ready ?? 0) < n - 1; i++) await sleep(25);
  assert.equal(currentPool()?.ready, n - 1, "the workers started");
}

function bits(t: Tensor): number[] {
  return Array.from(t.toTypedArray());
}

const CASES = [
  // [batch, m, k, n, dtype]: sizes over the cut-over, edges off the 6×8 / 6×4 tiles
  [[], 97, 301, 133, "float32"],
  [[], 64, 256, 256, "float32"],
  [[], 130, 90, 77, "float64"],
  [[3], 70, 80, 90, "float32"],
  // batches of small products: split by items
  [[40], 20, 30, 25, "float32"],
  [[2, 16], 23, 27, 29, "float64"],
] as const;

Deno.test("matmul with 1 and with 4 threads gives bit-identical results that match a float64 reference", async () => {
  const before = getNumThreads();
  try {
    await readyPool(4);
    for (const [batch, m, k, n, dtype] of CASES) {
      const nb = batch.reduce((x: number, y: number) => x * y, 1);
      const av = values(nb * m * k, m), bv = values(nb * k * n, n);
      const a = tensor(av, { dtype }).reshape([...batch, m, k]);
      const b = tensor(bv, { dtype }).reshape([...batch, k, n]);
      // the product and both gradients: G·Bᵀ and Aᵀ·G run the kernels with transposed operands
      const w = tensor(values(nb * m * n, k), { dtype }).reshape([...batch, m, n]);
      const run = () => {
        const x = a.detach().requiresGrad_(), y = b.detach().requiresGrad_();
        const out = matmul(x, y);
        sum(out.mul(w)).backward();
        return [bits(out), bits(x.grad!), bits(y.grad!)];
      };
      // the workers alone compute the product, then the calling thread alone
      const chunksBefore = currentPool()!.workerChunks;
      currentPool()!.callerWorks = false;
      let many: number[][];
      try {
        many = run();
      } finally {
        currentPool()!.callerWorks = true;
      }
      assert.ok(
        currentPool()!.workerChunks > chunksBefore,
        `the workers took chunks: ${[...batch, m, k, n]}`,
      );
      const one = withThreads(1, run);
      for (let r = 0; r < 3; r++) {
        assert.deepEqual(many[r], one[r], `${dtype} ${[...batch, m, k, n]} result ${r}`);
      }
      // against float64 sums of the same (dtype-rounded) operands
      const ar = bits(a), br = bits(b);
      for (const [bi, i, j] of [[0, 0, 0], [nb - 1, m - 1, n - 1], [0, m >> 1, n >> 2]]) {
        let s = 0;
        for (let p = 0; p < k; p++) s += ar[bi * m * k + i * k + p] * br[bi * k * n + p * n + j];
        const got = many[0][bi * m * n + i * n + j];
        assert.ok(Math.abs(got - s) <= 1e-4 * k, `${got} vs ${s}`);
      }
    }
  } finally {
    setNumThreads(before);
  }
});

Deno.test("expensive elementwise maps and the softmax family computed by the workers give the same bits as one thread", async () => {
  const before = getNumThreads();
  try {
    await readyPool(3);
    const pool = currentPool()!;
    const x = tensor(values(300 * 257, 7)).reshape([300, 257]);
    const y = tensor(values(300 * 257, 8)).reshape([300, 257]);
    const split: [string, () => Tensor][] = [
      ["exp", () => x.exp()],
      ["sigmoid", () => x.sigmoid()],
      ["pow", () => x.abs().pow(y)],
      // a broadcast scalar: the whole array goes through a scratch buffer
      ["pow(scalar, x)", () => tensor(1.7).pow(x)],
      ["softmax(dim 1)", () => x.softmax(1)],
      ["logSoftmax(dim 1)", () => x.logSoftmax(1)],
      ["logsumexp(dim 1)", () => x.logsumexp(1)],
    ];
    for (const [name, f] of split) {
      const chunks = pool.workerChunks;
      pool.callerWorks = false;
      let many: number[];
      try {
        many = bits(f());
      } finally {
        pool.callerWorks = true;
      }
      assert.ok(pool.workerChunks > chunks, `${name}: the workers ran it`);
      const one = withThreads(1, () => bits(f()));
      assert.deepEqual(many, one, name);
    }
    assert.deepEqual(parallelFailures(), []);
    assert.equal(pool.messageJobs, 0, "the arguments went through the control block");
    // memory-bound kernels, reductions (whose order of summation would change if split) and
    // the softmax family over the first dimension stay on the calling thread
    const here: [string, () => Tensor][] = [
      ["tanh (WebAssembly SIMD on one thread, faster than the pool here)", () => x.tanh()],
      ["relu", () => x.relu()],
      ["add", () => x.add(y)],
      ["sum", () => sum(x)],
      ["sum(dim 1)", () => sum(x, 1)],
      ["logSoftmax(dim 0)", () => x.logSoftmax(0)],
    ];
    for (const [name, f] of here) {
      const chunks = pool.workerChunks;
      assert.deepEqual(bits(f()), withThreads(1, () => bits(f())), name);
      assert.equal(pool.workerChunks, chunks, `${name} stays on the calling thread`);
    }
  } finally {
    setNumThreads(before);
  }
});

Deno.test("a row job whose arrays are not the pool's scratch is posted as a message and gives the same bits", async () => {
  const before = getNumThreads();
  try {
    await readyPool(2);
    const pool = currentPool()!;
    const n = 20_000;
    const x = new Float32Array(new SharedArrayBuffer(n * 4)).map((_, i) => Math.sin(i) * 3);
    const out = new Float32Array(new SharedArrayBuffer(n * 4));
    const jobs = pool.messageJobs, chunks = pool.workerChunks;
    pool.callerWorks = false;
    try {
      const args = ["tanh", { a: x, s: 1 }, { a: out, s: 1, out: true }];
      assert.ok(pool.rows(unaryKernel, args, n, 1000));
    } finally {
      pool.callerWorks = true;
    }
    assert.equal(pool.messageJobs, jobs + 1);
    assert.equal(pool.workerChunks, chunks + 20, "the worker ran every chunk");
    const one = new Float32Array(n);
    withThreads(1, () => unaryKernel("tanh", x, one));
    assert.deepEqual(out, new Float32Array(one));
  } finally {
    setNumThreads(before);
  }
});

Deno.test("after a job the workers poll for a moment, then block until the next one", async () => {
  const before = getNumThreads();
  try {
    await readyPool(3);
    const pool = currentPool()!;
    const a = tensor(values(200 * 200, 2)).reshape([200, 200]);
    const want = withThreads(1, () => bits(matmul(a, a)));
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(bits(matmul(a, a)), want);
      // SPIN_MS is well under a millisecond: both workers are blocked long before 50 ms
      for (let i = 0; i < 50 && pool.parked < 2; i++) await sleep(1);
      assert.equal(pool.parked, 2, "both workers blocked in Atomics.wait");
    }
  } finally {
    setNumThreads(before);
  }
});

Deno.test("after a pause, a mid-size product runs on the caller without waking the blocked workers", async () => {
  const before = getNumThreads();
  try {
    await readyPool(2);
    const pool = currentPool()!;
    // 90 × 100 × 100 = 900,000 multiply-adds: over PARALLEL_MIN_WORK, under WAKE_MIN_MACS
    assert.ok(90 * 100 * 100 >= PARALLEL_MIN_WORK && 90 * 100 * 100 < WAKE_MIN_MACS);
    const a = tensor(values(90 * 100, 4)).reshape([90, 100]);
    const b = tensor(values(100 * 100, 5)).reshape([100, 100]);
    const want = withThreads(1, () => bits(matmul(a, b)));
    for (let i = 0; i < POLLS && pool.parked < 1; i++) await sleep(2);
    await sleep(5); // past the stream window after the last job
    assert.equal(pool.parked, 1);
    const chunks = pool.workerChunks;
    assert.deepEqual(bits(matmul(a, b)), want);
    assert.equal(pool.workerChunks, chunks, "the blocked worker was not woken");
    assert.equal(pool.parked, 1);
  } finally {
    setNumThreads(before);
  }
});

Deno.test("a prewake makes blocked workers poll ahead of a large product, then block again; a small one after a pause does not", async () => {
  const before = getNumThreads();
  try {
    await readyPool(2);
    const pool = currentPool()!;
    const parked = async () => {
      for (let i = 0; i < POLLS && pool.parked < 1; i++) await sleep(2);
      await sleep(5); // past the stream window after the last job
      assert.equal(pool.parked, 1);
    };
    const a = tensor(values(300 * 200, 6)).reshape([300, 200]);
    const b = tensor(values(200 * 64, 7)).reshape([200, 64]);
    const want = withThreads(1, () => bits(matmul(a, b)));
    for (let round = 0; round < 3; round++) {
      // a product (which keeps the pool from its idle shutdown) after a prewake with no job
      assert.deepEqual(bits(matmul(a, b)), want);
      await parked();
      assert.equal(threadPool(), pool); // (touched: its idle shutdown is 300 ms away)
      // fewer chunks than the pool splits (run on the caller), or under WAKE_MIN_MACS after a
      // pause (run on the caller): the worker stays blocked
      let w = pool.wakeups;
      pool.prewake(WAKE_MIN_MACS, 3);
      pool.prewake(WAKE_MIN_MACS - 1, 16);
      await sleep(10);
      assert.equal(pool.wakeups, w, "a prewake for a job that would not wake it woke the worker");
      assert.equal(pool.parked, 1);
      w = pool.wakeups;
      pool.prewake(WAKE_MIN_MACS, 16);
      for (let i = 0; i < POLLS && pool.wakeups === w; i++) await sleep(2);
      assert.equal(pool.wakeups, w + 1, "the prewake woke the blocked worker");
      // with no job it polls for SPIN_MS only, then blocks again
      await parked();
    }
  } finally {
    setNumThreads(before);
  }
});

Deno.test("the pool survives a kernel that fails, and the next product runs on it", async () => {
  const before = getNumThreads();
  try {
    await readyPool(2);
    const g = currentPool()!.gemm!;
    assert.ok(g.parallel !== undefined);
    // a product whose operands lie past the end of the memory: every chunk traps
    assert.throws(() => g.parallel!(true, 60, 8, 1000, 2 ** 30, 2 ** 30, 0, 6, 4, 24), /pool/);
    const a = tensor(values(200 * 200, 1)).reshape([200, 200]);
    const many = bits(matmul(a, a));
    assert.equal(currentPool()?.ready, 1, "the worker is still serving");
    assert.deepEqual(many, withThreads(1, () => bits(matmul(a, a))));
  } finally {
    setNumThreads(before);
  }
});

Deno.test("a caller that may not block (a browser's main thread) spins for the workers and gets the same bits", async () => {
  const before = getNumThreads();
  try {
    await readyPool(2);
    const pool = currentPool()!;
    const a = tensor(values(150 * 170, 5)).reshape([150, 170]);
    const one = withThreads(1, () => [bits(matmul(a, a.t())), bits(a.tanh())]);
    pool.blocking = false;
    pool.callerWorks = false;
    try {
      const chunks = pool.workerChunks;
      assert.deepEqual([bits(matmul(a, a.t())), bits(a.tanh())], one);
      assert.ok(pool.workerChunks > chunks);
    } finally {
      pool.blocking = true;
      pool.callerWorks = true;
    }
  } finally {
    setNumThreads(before);
  }
});

Deno.test("the workers close after the kernels have been idle", async () => {
  const before = getNumThreads();
  try {
    await readyPool(2);
    await sleep(IDLE_MS * 2 + 100);
    assert.equal(currentPool(), null);
    assert.equal(backendInfo().workersReady, 0);
  } finally {
    setNumThreads(before);
  }
});

Deno.test("backendInfo reports the threads in use and why one thread", () => {
  const before = getNumThreads();
  try {
    setNumThreads(3);
    const info = backendInfo();
    assert.equal(info.requestedThreads, 3);
    assert.equal(info.threads, 3, "Deno has Workers, SharedArrayBuffer and shared memory");
    assert.equal(info.singleThreadReason, null);
    assert.equal(info.kernels.startsWith("wasm"), true);
    setNumThreads(1);
    assert.equal(backendInfo().threads, 1);
    assert.equal(backendInfo().singleThreadReason, "setNumThreads(1)");
  } finally {
    setNumThreads(before);
  }
});

Deno.test("setNumThreads rejects what is not a positive integer", () => {
  for (const bad of [0, -1, 1.5, NaN, Infinity]) {
    assert.throws(() => setNumThreads(bad), RangeError);
  }
});

Deno.test("a precompiled module runs the products on the calling thread with the same bits", () => {
  const a = tensor(values(120 * 120, 3)).reshape([120, 120]);
  const builtIn = withThreads(1, () => bits(matmul(a, a)));
  setWasmModule(new WebAssembly.Module(wasmKernelBytes()));
  try {
    assert.equal(backendInfo().precompiled, true);
    assert.equal(backendInfo().threads, 1);
    const given = bits(matmul(a, a));
    // the plain-SIMD build: equal to the built-in one where that is plain SIMD too, and
    // within float32 rounding of the relaxed (fused multiply-add) build
    for (let i = 0; i < given.length; i++) {
      assert.ok(Math.abs(given[i] - builtIn[i]) <= 1e-5 * Math.max(1, Math.abs(builtIn[i])));
    }
  } finally {
    setWasmModule(null);
  }
  assert.throws(() => setWasmModule({} as WebAssembly.Module), TypeError);
});
