/**
 * Thread scaling of the dense workloads: W3 (512² matmul forward and backward) and W2 (one
 * MLP step) with 1, 2, … threads, up to `navigator.hardwareConcurrency` or `--max=N`. Each
 * line is one JSON record with the thread count, the medians and tails, and `speedup` over
 * one thread measured in the same run. The workers start before each measurement, so the
 * numbers are the steady state of a training loop.
 *
 * `deno run bench/threads.ts [--max=4] [--only=W3]` (no permissions needed).
 *
 * @module
 */

import { backendInfo, setNumThreads } from "../mod.ts";
import { currentPool, gemmFor, PARALLEL_MIN_WORK } from "../src/kernels/backend.ts";
import { type Record, w2, w3 } from "./workloads.ts";

const arg = (name: string) => Deno.args.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const max = Number(arg("max") ?? navigator.hardwareConcurrency);
const only = arg("only")?.split(",") ?? ["W3", "W2"];
const base: { [w: string]: number } = {};

for (let t = 1; t <= max; t++) {
  setNumThreads(t);
  if (t > 1) {
    gemmFor(PARALLEL_MIN_WORK); // start the workers and let them come up
    for (let i = 0; i < 200 && (currentPool()?.ready ?? 0) < t - 1; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  for (const name of only) {
    const rec: Record = name === "W3" ? w3() : w2();
    const ms = rec.median_ms as number;
    base[name] ??= ms;
    console.log(JSON.stringify({
      workload: name,
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
console.log(JSON.stringify({ backend: backendInfo() }));
