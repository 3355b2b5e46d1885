/**
 * Splitting the expensive JavaScript kernels across the worker pool. A kernel calls
 * {@linkcode parallelRows} first; when the work is large and more than one thread is allowed,
 * its arrays are copied into the pool's shared scratch buffers, the rows are split between
 * the calling thread and the workers, the written arrays are copied back, and it returns
 * true; otherwise the kernel runs as it is. Each row is computed by the same code as on one
 * thread, so the results are the same bits.
 *
 * Tensors keep their own (unshared) storage: `SharedArrayBuffer`s are not counted by V8's
 * external-memory accounting, so a loop over fresh 4 MiB shared tensors grew to 2.4 GiB
 * before a collection (ordinary buffers: 0.4 GiB). The copies cost about a nanosecond per
 * element each way, so only kernels that spend several nanoseconds per element (exp, the
 * softmax family, pow; tanh's JavaScript loop only where its WebAssembly module is missing) are
 * split; memory-bound ones (add, relu, sums) stay here.
 *
 * @module
 */

import { threadPool } from "./backend.ts";
import { MAX_CHUNKS, ROW_COUNT, type RowArg } from "./pool.ts";

export { ROW_COUNT } from "./pool.ts";

/**
 * Work (elements times a rough cost per element: about 10 for a transcendental function)
 * under which a kernel stays on the calling thread. `deno run bench/threads.ts --cutover`
 * (2 threads, workers polling, 2-core VM, Deno 2.9): tanh of 4,096 elements 39 µs alone vs
 * 46 split, 6,144: 50 vs 37, 8,192: 67 vs 45, 16,384: 134 vs 77; 2^16 units is 6,554 tanh.
 */
export const PARALLEL_MIN_ELEMENT_WORK = 2 ** 16;

/**
 * Work under which a kernel's job does not wake workers blocked in `Atomics.wait` (see
 * `WAKE_MIN_MACS` in pool.ts: waking one costs the caller about 10 µs and the worker starts
 * 10-35 µs later); workers still polling after the previous job take part in any job. After
 * 1 ms alone, tanh of 16,384 elements woken: 102 µs (134 alone); 12,288 not woken: 107 (101).
 */
export const WAKE_MIN_ELEMENT_WORK = 2 ** 17;

let inside = false;
const failed = new Set<string>();

/** A chunked argument that the kernel reads: `s` elements of `a` per row. */
export function rowsOf(a: Float32Array | Float64Array | Uint8Array, s = 1): RowArg {
  return { a, s };
}

/** A chunked argument that the kernel writes: `s` elements of `a` per row. */
export function outRows(a: Float32Array | Float64Array | Uint8Array, s = 1): RowArg {
  return { a, s, out: true };
}

function shared(a: { buffer: ArrayBufferLike }): boolean {
  return typeof SharedArrayBuffer === "function" && a.buffer instanceof SharedArrayBuffer;
}

/**
 * Runs `fn(...args)` split by rows across the pool, where {@linkcode rowsOf} arguments are
 * narrowed to each chunk's rows and {@linkcode ROW_COUNT} becomes the chunk's row count.
 * Returns false (and runs nothing) where the work is small, one thread is allowed, an array
 * is not shared, or `fn` has failed in the workers before; the caller then runs `fn` itself.
 */
export function parallelRows(
  fn: CallableFunction,
  rows: number,
  work: number,
  args: readonly unknown[],
): boolean {
  if (inside || work < PARALLEL_MIN_ELEMENT_WORK || rows < 2 || failed.has(fn.name)) return false;
  const pool = threadPool();
  // a job too small to wake blocked workers would run here alone, after copies for nothing
  if (pool === null || (work < WAKE_MIN_ELEMENT_WORK && pool.sleepsThrough())) return false;
  const posted = args.slice();
  const copies: [RowArg, RowArg][] = []; // written arrays and their shared copies
  for (let i = 0; i < posted.length; i++) {
    const d = posted[i];
    if (typeof d === "object" && d !== null && "s" in d) {
      const r = d as RowArg;
      if (shared(r.a)) continue;
      const sab = pool.scratch(i, r.a.byteLength);
      if (sab === null) return false;
      const Ctor = r.a.constructor as new (
        b: SharedArrayBuffer,
        o: number,
        n: number,
      ) => RowArg["a"];
      const copy = { ...r, a: new Ctor(sab, 0, r.a.length) };
      if (r.out) copies.push([r, copy]);
      else copy.a.set(r.a);
      posted[i] = copy;
    } else if (ArrayBuffer.isView(d) && !shared(d)) {
      // a small operand that is not chunked (a broadcast scalar) goes whole into its scratch
      if (d.byteLength > 1024) return false;
      const sab = pool.scratch(i, d.byteLength)!;
      const a = d as Float32Array;
      const copy = new (a.constructor as Float32ArrayConstructor)(sab, 0, a.length);
      copy.set(a);
      posted[i] = copy;
    }
  }
  const per = Math.max(1, Math.ceil(rows / (pool.threads * 4)), Math.ceil(rows / MAX_CHUNKS));
  inside = true;
  try {
    if (pool.rows(fn, posted, rows, per, work >= WAKE_MIN_ELEMENT_WORK)) {
      for (const [r, copy] of copies) r.a.set(copy.a);
      return true;
    }
  } finally {
    inside = false;
  }
  // a chunk threw: run it all here; if that succeeds, the workers cannot run `fn`
  inside = true;
  try {
    fn(
      ...args.map((d) =>
        d === ROW_COUNT
          ? rows
          : typeof d === "object" && d !== null && "s" in d
          ? (d as RowArg).a
          : d
      ),
    );
  } finally {
    inside = false;
  }
  failed.add(fn.name);
  return true;
}

/** @ignore Kernels that failed in the workers and now stay on the calling thread (tests). */
export function parallelFailures(): readonly string[] {
  return [...failed];
}
