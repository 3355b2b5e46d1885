/**
 * Thread scaling: W3 (512² matmul forward and backward), W2 (one MLP step) and the split
 * elementwise kernels (tanh and softmax over 512×512) with 1, 2, … threads, up to
 * `navigator.hardwareConcurrency` or `--max=N`. Each line is one JSON record with the thread
 * count, the median and tails, and `speedup` over one thread measured in the same run. The
 * workers start before each measurement, so the numbers are the steady state of a training
 * loop.
 *
 * `--cutover` instead prints, for growing sizes, the time of one matrix product and of one
 * exp (a JavaScript loop; tanh has its own WebAssembly kernel) on the calling thread alone and split across all threads, back to back (the workers
 * still polling from the previous call) and after 1 ms of work on the calling thread alone
 * (the workers blocked in `Atomics.wait`), to place the cut-overs (`PARALLEL_MIN_WORK` in
 * `src/kernels/backend.ts`, `PARALLEL_MIN_ELEMENT_WORK` and `WAKE_MIN_ELEMENT_WORK` in
 * `src/kernels/parallel.ts`, `WAKE_MIN_MACS` in `src/kernels/pool.ts`). The exp sizes under
 * `PARALLEL_MIN_ELEMENT_WORK` stay on the calling thread. Run it on a quiet machine.
 *
 * `deno run bench/threads.ts [--max=4] [--only=W3,W2,tanh,softmax] [--cutover]` (no
 * permissions needed).
 *
 * @module
 */

import { randn, setNumThreads, softmax, tanh, type Tensor } from "../mod.ts";
import { backendInfo } from "../mod.ts";
import { currentPool, gemmFor, PARALLEL_MIN_WORK, threadPool } from "../src/kernels/backend.ts";
import { wasmGemm, wasmMatmul } from "../src/kernels/matmul.ts";
import { unaryKernel } from "../src/kernels/elementwise.ts";
import { bench, median, type Record, w2, w3 } from "./workloads.ts";

const arg = (name: string) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const max = Number(arg("max") ?? navigator.hardwareConcurrency);
const only = arg("only")?.split(",") ?? ["W3", "W2", "tanh", "softmax"];

/** Starts a pool of `t` threads and waits until its workers serve jobs. */
async function warm(t: number): Promise<void> {
  setNumThreads(t);
  if (t === 1) return;
  gemmFor(PARALLEL_MIN_WORK);
  for (let i = 0; i < 200 && (currentPool()?.ready ?? 0) < t - 1; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
}

function elementwise(name: string, f: (x: Tensor) => Tensor): Record {
  const x = randn([512, 512]);
  return { workload: name, ...bench(() => f(x), { warmup: 3, reps: 30 }), check_ok: true };
}

async function scaling(): Promise<void> {
  const base: { [w: string]: number } = {};
  for (let t = 1; t <= max; t++) {
    await warm(t);
    for (const name of only) {
      const rec: Record = name === "W3"
        ? w3()
        : name === "W2"
        ? w2()
        : name === "tanh"
        ? elementwise("tanh 512²", tanh)
        : elementwise("softmax 512² dim 1", (x) => softmax(x, 1));
      const ms = rec.median_ms as number;
      base[name] ??= ms;
      console.log(JSON.stringify({
        workload: rec.workload,
        threads: t,
        workers_ready: currentPool()?.ready ?? 0,
        median_ms: ms,
        p90_ms: rec.p90_ms,
        max_ms: rec.max_ms,
        gflops: rec.gflops,
        speedup: base[name] / ms,
        check_ok: rec.check_ok,
      }));
    }
  }
}

/**
 * Median time of `fn` over `reps` calls, in µs; with `gapMs`, each call follows that long a
 * stretch of busy work on this thread alone, so that the workers have stopped polling and
 * block (a product between long single-threaded stretches of a program).
 */
function time(fn: () => unknown, reps = 100, gapMs = 0): number {
  for (let i = 0; i < 5; i++) fn();
  const ts: number[] = [];
  let sink = 0;
  for (let i = 0; i < reps; i++) {
    for (const t0 = performance.now(); performance.now() - t0 < gapMs;) sink++;
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  return sink < 0 ? NaN : median(ts) * 1e3;
}

async function cutover(): Promise<void> {
  await warm(max);
  const pooled = threadPool()!.gemm!, single = wasmGemm()!;
  const round = (x: number) => Math.round(x * 10) / 10;
  for (const s of [24, 32, 48, 56, 64, 72, 80, 96, 112, 128, 160, 192, 256]) {
    const a = new Float32Array(s * s).fill(1), o = new Float32Array(s * s);
    const one = () => wasmMatmul(single, a, 0, a, 0, o, 0, s, s, s, false, false);
    const all = () => wasmMatmul(pooled, a, 0, a, 0, o, 0, s, s, s, false, false);
    const chosen = () => wasmMatmul(gemmFor(s ** 3)!, a, 0, a, 0, o, 0, s, s, s, false, false);
    console.log(JSON.stringify({
      kernel: "matmul",
      size: s,
      macs: s ** 3,
      one_us: round(time(one)),
      pool_us: round(time(all)),
      one_after_1ms_us: round(time(one, 60, 1)),
      pool_after_1ms_us: round(time(all, 60, 1)),
      // what matmul does: the pool from PARALLEL_MIN_WORK, but after a pause the caller
      // alone up to WAKE_MIN_MACS
      chosen_after_1ms_us: round(time(chosen, 60, 1)),
    }));
  }
  for (const n of [1024, 2048, 4096, 6144, 8192, 12288, 16384, 32768, 65536]) {
    const x = new Float32Array(n).fill(0.5), o = new Float32Array(n);
    const f = () => unaryKernel("exp", x, o);
    setNumThreads(1);
    const one = [time(f), time(f, 60, 1)];
    setNumThreads(max);
    console.log(JSON.stringify({
      kernel: "exp",
      elements: n,
      one_us: round(one[0]),
      pool_us: round(time(f)),
      one_after_1ms_us: round(one[1]),
      pool_after_1ms_us: round(time(f, 60, 1)),
    }));
  }
}

if (Deno.args.includes("--cutover")) await cutover();
else await scaling();
console.log(JSON.stringify({ backend: backendInfo() }));
