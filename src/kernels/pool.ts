/**
 * A pool of Web Workers that run heavy kernels beside the calling thread: the WebAssembly
 * matrix product on one shared `WebAssembly.Memory`, and the registered JavaScript kernels
 * (`registry.ts`) on scratch `SharedArrayBuffer`s that the pool keeps and reuses.
 *
 * The workers are created from in-memory source (a `Blob` URL), so they need no permission
 * and no file outside the package. The call stays synchronous: the calling thread posts the
 * job to every worker, takes chunks of it itself, and blocks in `Atomics.wait` (or spins,
 * where the engine forbids waiting on the main thread) until every chunk is done. Chunks are
 * handed out through one atomic counter in a control block, so a worker that is still
 * starting, or that the operating system does not schedule, simply takes none: the job never
 * waits for a particular worker. Every chunk is computed by the same code on the same data
 * whoever takes it, so results do not depend on the number of threads.
 *
 * An exception in a chunk is caught where it happens, counted as a finished chunk, and
 * reported to the caller once the job is over; the workers keep running.
 *
 * @module
 */

import { type Gemm, type GemmBuild, instantiateGemm, type Parallel } from "./gemm_instance.ts";
import { kernelSource } from "./registry.ts";

// Slots of the control block. `runTickets` runs inside the workers from its source text, so
// it names the slots by number; the comments there give these names.
const NEXT = 0; // (job number << 16) | next chunk index
const DONE = 1; // chunks finished in the current job
const ERROR = 2; // 1 when a chunk of the current job threw
const READY = 3; // workers started and serving jobs
const SLOTS = 4;

/**
 * The largest scratch buffer of a JavaScript job: larger arrays stay on the calling thread
 * (the pool's scratch is memory held while it is warm).
 */
export const SCRATCH_MAX_BYTES = 2 ** 27;

/** The most chunks one job may have (the chunk index has 16 bits). */
export const MAX_CHUNKS = 0xffff;

/** A chunked array argument of a row job: `s` elements per row of `a`; `out` if written. */
export interface RowArg {
  readonly a: Float32Array | Float64Array | Uint8Array;
  readonly s: number;
  readonly out?: boolean;
}

/** The argument a row job replaces by the number of rows of the chunk. */
export const ROW_COUNT = "$rows";

/**
 * Takes chunks of job `epoch` until none is left, running `chunk` on each; returns how many
 * it ran. Shared by the calling thread and the workers (which run it from its source text, so
 * it uses nothing outside its parameters).
 */
export function runTickets(
  c: Int32Array,
  epoch: number,
  total: number,
  chunk: (i: number) => void,
): number {
  const tag = (epoch & 0x7fff) << 16;
  let ran = 0;
  for (;;) {
    const v = Atomics.load(c, 0); // NEXT
    if ((v & 0x7fff0000) !== tag || (v & 0xffff) >= total) return ran; // another job, or done
    if (Atomics.compareExchange(c, 0, v, v + 1) !== v) continue;
    try {
      chunk(v & 0xffff);
    } catch {
      Atomics.store(c, 2, 1); // ERROR
    }
    ran++;
    if (Atomics.add(c, 1, 1) + 1 === total) Atomics.notify(c, 1); // DONE
  }
}

/**
 * Chunk `i` of a matrix product: `rows` rows of A (packed, or row-major: byte strides `sa`,
 * `sp`) against all of packed B.
 */
export function gemmChunk(
  kernels: { f32: CallableFunction; f64: CallableFunction },
  p: {
    f32: boolean;
    mp: number;
    np: number;
    k: number;
    a: number;
    b: number;
    c: number;
    sa: number;
    sp: number;
  },
  rows: number,
): (i: number) => void {
  const es = p.f32 ? 4 : 8;
  const kernel = p.f32 ? kernels.f32 : kernels.f64;
  return (i) => {
    const r = i * rows, step = r * p.k * es; // 6-row panels start 6k elements apart either way
    kernel(
      Math.min(rows, p.mp - r),
      p.np,
      p.k,
      p.a + step,
      p.b,
      p.c + r * p.np * es,
      p.sa,
      p.sp,
      6 * p.k * es,
    );
  };
}

/** Where the items of a batched product lie in the shared memory (elements; see `batched_matmul.ts`). */
export interface BatchLayout {
  readonly f32: boolean;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
  /** Item `i` starts at element `base + i · stride`, A as stored first. */
  readonly base: number;
  readonly stride: number;
  readonly bRaw: number;
  readonly aPack: number;
  readonly bPack: number;
  readonly c: number;
  readonly mp: number;
  readonly np: number;
  readonly count: number;
}

/**
 * Chunk `i` of a batched product: items `i·per …`, each packed and multiplied exactly as the
 * calling thread's `wasmMatmul` does for one product that fits its memory (the same bits).
 */
export function batchChunk(
  kernels: {
    f32: CallableFunction;
    f64: CallableFunction;
    pack32: CallableFunction;
    pack64: CallableFunction;
  },
  p: BatchLayout,
  per: number,
): (i: number) => void {
  const es = p.f32 ? 4 : 8;
  const cols = p.f32 ? 8 : 4;
  const kernel = p.f32 ? kernels.f32 : kernels.f64;
  const pack = p.f32 ? kernels.pack32 : kernels.pack64;
  return (i) => {
    for (let t = i * per; t < Math.min(p.count, (i + 1) * per); t++) {
      const at = (p.base + t * p.stride) * es;
      pack(
        at + p.bRaw * es,
        at + p.bPack * es,
        p.n,
        p.k,
        cols,
        (p.transB ? p.k : 1) * es,
        (
          p.transB ? 1 : p.n
        ) * es,
      );
      if (p.transA) {
        pack(at, at + p.aPack * es, p.m, p.k, 6, es, p.m * es);
        kernel(
          p.mp,
          p.np,
          p.k,
          at + p.aPack * es,
          at + p.bPack * es,
          at + p.c * es,
          es,
          6 * es,
          6 * p.k * es,
        );
      } else {
        // row-major A is read as stored: no packing
        kernel(p.mp, p.np, p.k, at, at + p.bPack * es, at + p.c * es, p.k * es, es, 6 * p.k * es);
      }
    }
  };
}

/**
 * Chunk `i` of a row job: `fn` called with every {@linkcode RowArg} narrowed to rows
 * `i·per … (i+1)·per` of `rows`, and {@linkcode ROW_COUNT} replaced by their number.
 */
export function rowChunk(
  fn: CallableFunction,
  args: readonly unknown[],
  per: number,
  rows: number,
): (i: number) => void {
  return (i) => {
    const r0 = i * per, r1 = Math.min(rows, r0 + per);
    const a = new Array(args.length);
    for (let j = 0; j < args.length; j++) {
      const d = args[j] as { a: Float32Array; s: number } | string;
      a[j] = d === "$rows" // ROW_COUNT
        ? r1 - r0
        : typeof d === "object" && d !== null && "s" in d
        ? d.a.subarray(r0 * d.s, r1 * d.s)
        : d;
    }
    fn(...a);
  };
}

/** The body of a worker: serve jobs posted by the calling thread. */
function workerMain(): void {
  // deno-lint-ignore no-explicit-any
  const scope = globalThis as any;
  let c: Int32Array | null = null;
  let gemm: {
    f32: CallableFunction;
    f64: CallableFunction;
    pack32: CallableFunction;
    pack64: CallableFunction;
  } | null = null;
  scope.onmessage = (e: MessageEvent) => {
    const m = e.data;
    if (m.init) {
      c = new Int32Array(m.ctrl);
      if (m.module) {
        const ex = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports;
        gemm = {
          f32: ex.gemm_f32 as CallableFunction,
          f64: ex.gemm_f64 as CallableFunction,
          pack32: ex.pack32 as CallableFunction,
          pack64: ex.pack64 as CallableFunction,
        };
      }
      Atomics.add(c, 3, 1); // READY
      return;
    }
    const chunk = m.gemm
      ? scope.gemmChunk(gemm, m.gemm, m.per)
      : m.batch
      ? scope.batchChunk(gemm, m.batch, m.per)
      : scope.rowChunk(scope.K[m.name], m.args, m.per, m.rows);
    scope.runTickets(c, m.epoch, m.total, chunk);
  };
}

/** The workers' source: the registered kernels and the functions above, by their text. */
function workerSource(): string {
  // the kernels' calls into parallel.ts: the workers run every chunk themselves
  const stubs = "const parallelRows = () => false;\nconst rowsOf = (a, s = 1) => ({ a, s });\n" +
    "const outRows = (a, s = 1) => ({ a, s, out: true });\n" +
    `const ROW_COUNT = "${ROW_COUNT}";\n`;
  return "const K = {};\n" + stubs + kernelSource() +
    `self.K = K;\nself.runTickets = ${runTickets.toString()};\n` +
    `self.gemmChunk = ${gemmChunk.toString()};\nself.rowChunk = ${rowChunk.toString()};\n` +
    `self.batchChunk = ${batchChunk.toString()};\n` +
    `(${workerMain.toString()})();\n`;
}

/** Whether this thread may block in `Atomics.wait` (browsers forbid it on the main thread). */
function mayWait(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Why a pool cannot be made here, or null when it can. */
export function poolUnavailable(): string | null {
  if (typeof Worker !== "function") return "no Worker";
  if (typeof SharedArrayBuffer !== "function") {
    return "no SharedArrayBuffer (a page needs cross-origin isolation)";
  }
  if (typeof Blob !== "function" || typeof URL?.createObjectURL !== "function") {
    return "no Blob URLs";
  }
  return null;
}

/** Workers beside the calling thread, and the calling thread's kernels on their memory. */
export class Pool {
  /** The calling thread's instance of the WebAssembly kernels on the shared memory, if any. */
  readonly gemm: Gemm | null;
  /** Threads that take chunks: the calling thread and the workers. */
  readonly threads: number;
  /** Chunks that the workers (not the calling thread) have run, for tests and benchmarks. */
  workerChunks = 0;
  /** Whether the calling thread takes chunks too (tests turn it off to check the workers). */
  callerWorks = true;
  readonly #workers: Worker[] = [];
  readonly #ctrl: Int32Array;
  readonly #url: string;
  /**
   * Whether the caller blocks in `Atomics.wait` for the workers; false where the engine forbids
   * it on this thread (a browser's main thread), and the caller spins instead.
   */
  blocking: boolean;
  readonly #scratch: SharedArrayBuffer[] = [];
  #epoch = 0;
  /** The matrix-product job (see {@linkcode Parallel}); throws when a chunk threw. */
  readonly #gemm: Parallel = (f32, mp, np, k, a, b, c, rows, sa, sp) => {
    const p = { f32, mp, np, k, a, b, c, sa, sp };
    if (!this.#run(Math.ceil(mp / rows), { gemm: p, per: rows }, gemmChunk(this.gemm!, p, rows))) {
      throw new Error("A matrix-product kernel failed in the worker pool");
    }
  };

  /**
   * A pool of `threads` threads (the caller and `threads - 1` workers), with the compiled
   * shared-memory build of the WebAssembly kernels where one is given.
   *
   * @throws where the workers or the shared memory cannot be made
   */
  constructor(threads: number, build: GemmBuild | null) {
    this.threads = threads;
    this.#ctrl = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    this.blocking = mayWait();
    const memory = build
      ? new WebAssembly.Memory({ initial: 1, maximum: 8192, shared: true })
      : undefined;
    this.gemm = build
      ? instantiateGemm(
        build.module,
        build.relaxed,
        memory,
        this.#gemm,
      )
      : null;
    this.#url = URL.createObjectURL(new Blob([workerSource()], { type: "text/javascript" }));
    try {
      const init = {
        init: true,
        ctrl: this.#ctrl.buffer,
        module: this.gemm ? build!.module : null,
        memory,
      };
      for (let i = 1; i < threads; i++) {
        const w = new Worker(this.#url, { type: "module" });
        // a worker that fails to start takes no chunks; keep its error from the caller
        w.onerror = (e) => e.preventDefault();
        w.postMessage(init);
        this.#workers.push(w);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Workers that have started and serve jobs. */
  get ready(): number {
    return Atomics.load(this.#ctrl, READY);
  }

  /**
   * Runs one job of `total` chunks: posts `message` to the workers and runs `chunk` here.
   * Returns false when a chunk threw.
   */
  #run(total: number, message: Record<string, unknown>, chunk: (i: number) => void): boolean {
    if (total > MAX_CHUNKS) throw new RangeError(`Pool job of ${total} chunks`);
    const c = this.#ctrl;
    const epoch = this.#epoch = (this.#epoch + 1) & 0x7fff;
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERROR, 0);
    Atomics.store(c, NEXT, epoch << 16);
    const m = { ...message, epoch, total };
    for (const w of this.#workers) w.postMessage(m);
    const own = this.callerWorks ? runTickets(c, epoch, total, chunk) : 0;
    for (let d = Atomics.load(c, DONE); d < total; d = Atomics.load(c, DONE)) {
      if (this.blocking) Atomics.wait(c, DONE, d, 100);
    }
    this.workerChunks += total - own;
    return Atomics.load(c, ERROR) === 0;
  }

  /**
   * Runs a batched product laid out in the shared memory as `p` says, `per` items a chunk;
   * throws when a chunk threw.
   */
  batch(p: BatchLayout, per: number): void {
    const chunk = batchChunk(this.gemm!, p, per);
    if (!this.#run(Math.ceil(p.count / per), { batch: p, per }, chunk)) {
      throw new Error("A matrix-product kernel failed in the worker pool");
    }
  }

  /**
   * Runs registered kernel `fn` over `rows` rows in chunks of `per` rows (see
   * {@linkcode rowChunk}). Returns false when a chunk threw; the caller reruns the job.
   */
  rows(fn: CallableFunction, args: readonly unknown[], rows: number, per: number): boolean {
    const message = { name: fn.name, args, per, rows };
    return this.#run(Math.ceil(rows / per), message, rowChunk(fn, args, per, rows));
  }

  /**
   * Shared scratch buffer `slot` of at least `bytes` bytes, reused from job to job (grown by
   * powers of two) and dropped with the pool; null beyond {@linkcode SCRATCH_MAX_BYTES}.
   */
  scratch(slot: number, bytes: number): SharedArrayBuffer | null {
    if (bytes > SCRATCH_MAX_BYTES) return null;
    const have = this.#scratch[slot];
    if (have !== undefined && have.byteLength >= bytes) return have;
    const sab = new SharedArrayBuffer(2 ** Math.ceil(Math.log2(Math.max(bytes, 65536))));
    this.#scratch[slot] = sab;
    return sab;
  }

  /** Terminates the workers. */
  close(): void {
    for (const w of this.#workers) w.terminate();
    this.#workers.length = 0;
    URL.revokeObjectURL(this.#url);
  }
}
