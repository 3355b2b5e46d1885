/**
 * Thread scaling: W3 (512² matmul forward and backward), W2 (one MLP step) and the split
 * elementwise kernels (tanh and softmax over 512×512) with 1, 2, … threads, up to
 * `navigator.hardwareConcurrency` or `--max=N`. Each line is one JSON record with the thread
 * count, the median and tails, and `speedup` over one thread measured in the same run. The
 * workers start before each measurement, so the numbers are the steady state of a training
 * loop.
 *
 * `--cutover` instead prints, for growing sizes, the time of one matrix product and of one
 * tanh on the calling thread alone and split across all threads, to place the cut-overs
 * (`PARALLEL_MIN_WORK` in `src/kernels/backend.ts`, `PARALLEL_MIN_ELEMENT_WORK` in
 * `src/kernels/parallel.ts`). Run it on a quiet machine.
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

/** Median time of `fn` over `reps` calls, in µs. */
function time(fn: () => unknown, reps = 100): number {
  for (let i = 0; i < 5; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    fn();
    ts.push(performance.now() - t);
  }
  return median(ts) * 1e3;
}

async function cutover(): Promise<void> {
  await warm(max);
  const pooled = threadPool()!.gemm!, single = wasmGemm()!;
  for (const s of [24, 32, 48, 64, 96, 128, 192, 256]) {
    const a = new Float32Array(s * s).fill(1), o = new Float32Array(s * s);
    const one = time(() => wasmMatmul(single, a, 0, a, 0, o, 0, s, s, s, false, false));
    const all = time(() => wasmMatmul(pooled, a, 0, a, 0, o, 0, s, s, s, false, false));
    console.log(
      JSON.stringify({ kernel: "matmul", size: s, macs: s ** 3, one_us: one, pool_us: all }),
    );
  }
  for (const n of [1024, 2048, 4096, 8192, 16384, 65536]) {
    const x = new Float32Array(n).fill(0.5), o = new Float32Array(n);
    setNumThreads(1);
    const one = time(() => unaryKernel("tanh", x, o));
    setNumThreads(max);
    const all = time(() => unaryKernel("tanh", x, o));
    console.log(JSON.stringify({ kernel: "tanh", elements: n, one_us: one, pool_us: all }));
  }
}

if (Deno.args.includes("--cutover")) await cutover();
else await scaling();
console.log(JSON.stringify({ backend: backendInfo() }));
