/**
 * A pool of Web Workers that run heavy kernels beside the calling thread: the WebAssembly
 * matrix product on one shared `WebAssembly.Memory`, and the registered JavaScript kernels
 * (`registry.ts`) on scratch `SharedArrayBuffer`s that the pool keeps and reuses.
 *
 * The workers are created from in-memory source (a `Blob` URL), so they need no permission
 * and no file outside the package. The call stays synchronous: the calling thread writes the
 * job into a shared control block and wakes the workers with `Atomics.notify`, takes chunks of
 * it itself, and blocks in `Atomics.wait` (or spins, where the engine forbids waiting on the
 * main thread) until every chunk is done. A matrix product is described by numbers alone, so
 * the workers read it from the control block; a job of a JavaScript kernel carries typed
 * arrays and is also posted as a message, which a worker woken for it goes back to its event
 * loop to receive. After a job a worker spins for {@linkcode SPIN_MS} (back-to-back jobs find
 * it awake: waking a blocked thread or delivering a message costs about as much as a chunk),
 * then blocks in `Atomics.wait` until the next one; a product that will wake them calls
 * {@linkcode Pool.prewake} before it copies and packs its operands, so that they poll for it
 * by the time it is posted. Chunks are handed out through one atomic counter, so a worker
 * that is still starting, or that the operating system does not schedule, simply takes none:
 * the job never waits for a particular worker. Every chunk is computed by the same code on
 * the same data whoever takes it, so results do not depend on the number of threads.
 *
 * A worker blocked in `Atomics.wait` keeps Deno from exiting even when terminated, so
 * {@linkcode Pool.close} first posts a quit job through the control block and wakes them.
 *
 * An exception in a chunk is caught where it happens, counted as a finished chunk, and
 * reported to the caller once the job is over; the workers keep running.
 *
 * @module
 */

import { type Gemm, type GemmBuild, instantiateGemm, type Parallel } from "./gemm_instance.ts";
import { kernelSource } from "./registry.ts";

// Slots of the control block (`runTickets`, which the workers run from its source text, names
// the first three by number).
const NEXT = 0; // (job number << 16) | chunks not yet taken
const DONE = 1; // chunks finished in the current job
const ERROR = 2; // 1 when a chunk of the current job threw
const READY = 3; // workers started and serving jobs
const JOB = 4; // the number of the job last posted (what the workers wait on)
const KIND = 5; // what that job is: one of the kinds below
const TOTAL = 6; // its chunks
const PER = 7; // rows or items per chunk
const NEED = 8; // messages a worker must have received to serve it (scratch buffers, names)
const FN = 9; // a row job: the kernel's name (its number among the names posted)
const NARGS = 10; // a row job: its arguments (in the float64 part)
const ROWS = 11; // a row job: its rows
const PARKED = 12; // workers blocked in Atomics.wait (for tests)
const ACK = 13; // the last job whose end the caller has seen
const PREWAKE = 14; // bumped by Pool.prewake: a polling worker polls spinMs from then
const WOKEN = 15; // times a worker was woken from Atomics.wait (for tests)
const PARAMS = 16; // a product's numeric parameters (GEMM_KEYS or BATCH_KEYS)
const SLOTS = 32;
/** The float64 part of the control block: four numbers per argument of a row job. */
const ARGS_BYTE = SLOTS * 4;
const MAX_ARGS = 16;

// Kinds of job (KIND).
const GEMM = 1; // a matrix product: gemmChunk over the parameters
const BATCH = 2; // a batched product: batchChunk over the parameters
const MESSAGE = 3; // a job that came as a message (arguments the control block cannot hold)
const QUIT = 4; // the pool is closing
const ROW = 5; // a JavaScript kernel's rows, the arguments in the control block

/**
 * The typed arrays that a row job's arguments in the control block may be, by their code.
 * An argument is four numbers: `[0, value]` a number, `[1, id]` a posted string, `[2 + code,
 * slot, s, length]` a {@linkcode RowArg} over scratch buffer `slot`, `[6 + code, slot, 0,
 * length]` a whole array in it.
 */
const VIEWS = [Float32Array, Float64Array, Uint8Array, Int32Array];

/** The parameters of a matrix-product job, in their slots' order from `PARAMS`. */
const GEMM_KEYS = ["f32", "mp", "np", "k", "a", "b", "c", "sa", "sp"] as const;

/** The parameters of a batched product, in their slots' order from `PARAMS`. */
const BATCH_KEYS = [
  "f32",
  "m",
  "k",
  "n",
  "transA",
  "transB",
  "base",
  "stride",
  "bRaw",
  "aPack",
  "bPack",
  "c",
  "mp",
  "np",
  "count",
] as const;

if (PARAMS + BATCH_KEYS.length > SLOTS) throw new Error("The pool's control block is too small");

/**
 * Milliseconds a worker keeps polling for the next job after one, before it blocks in
 * `Atomics.wait` (sooner when it sees it was descheduled, or that the caller has not come
 * back for the job's result). A training step's kernels come a few to a few hundred
 * microseconds apart; waking a blocked worker costs the caller about 10 µs and the worker
 * starts 10-35 µs later. W2 with 2 threads on the 2-core VM (medians of 1,000 steps): polling
 * 0.05 ms 1.28 ms/step, 0.15 ms 1.26-1.29, 0.2 ms 1.26-1.28, 0.5 ms 1.22-1.75, 2 ms 1.76-1.88
 * (a thread polling that long takes the core from the caller's own helper threads, or the
 * caller itself when another process holds the other core: with one core kept busy by
 * another process, 0.2 ms 1.86 vs 0.5 ms 2.04-2.07; one thread 1.75).
 */
export const SPIN_MS = 0.2;

/**
 * Multiply-adds under which a product does not wake workers blocked in `Atomics.wait`: on
 * the 2-core development VM `Atomics.notify` of a blocked thread costs the caller about
 * 10 µs and the worker starts 10-35 µs later, so products under ~100 µs (128³) ran slower
 * woken (64³: 16 -> 27 µs, 96³: 41 -> 48 µs; 128³ 91 -> 84, 192³ 284 -> 204). Workers still
 * polling after the previous job take part in any job.
 */
export const WAKE_MIN_MACS = 2 ** 21;

/**
 * Bytes of operands under which a product does not wake the workers ahead of its job
 * ({@linkcode Pool.prewake}): copying fewer takes less than a blocked worker needs to start
 * (10-35 µs on the 2-core VM), so the worker would only poll longer beside the copy. W7's
 * float64 (2176×64)·(64×64), 1.1 MB copied in ~75 µs: the worker was blocked when the job came
 * in 95% of products before, 5% with the prewake; 387 -> 370 µs. W2 (float32, 64×256 by
 * 256×256, 320 KB), prewaking every product: 0.5-1% slower, within the noise.
 */
export const PREWAKE_MIN_BYTES = 2 ** 19;

/**
 * A product of fewer chunks runs on the caller alone. Each chunk multiplies its rows of A by
 * all of B, so a worker first pulls B from the caller's cache: with a few chunks of a long
 * product that costs more than the worker saves (float64 (2176×16)ᵀ·(2176×64), 3 chunks:
 * 305 µs alone, 322-331 split on the 2-core VM).
 */
const MIN_GEMM_CHUNKS = 4;

/**
 * A job under {@linkcode WAKE_MIN_MACS} still wakes blocked workers when it starts within this
 * many milliseconds of the previous job's end (or of a small job that took the single-thread
 * path): jobs that come that close together keep the workers polling once woken.
 */
const STREAM_MS = 1;

/**
 * Milliseconds the calling thread polls for the workers' last chunks before it blocks (they
 * are running: a chunk takes tens of microseconds at the sizes that go parallel).
 */
const CALLER_SPIN_MS = 0.2;

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
 *
 * The counter holds the chunks not yet taken, so taking one does not depend on `total`: a
 * worker that read the parameters of a job while the next one was being written gets no
 * chunk (its job is over), and once it has one, the job is open and its parameters are the
 * ones it read.
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
    if ((v & 0x7fff0000) !== tag || (v & 0xffff) === 0) return ran; // another job, or done
    if (Atomics.compareExchange(c, 0, v, v - 1) !== v) continue;
    try {
      chunk(total - (v & 0xffff));
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

/** What `workerMain` needs from this module, passed in its source text as JSON. */
const WORKER_CONFIG = {
  gemmKeys: GEMM_KEYS,
  batchKeys: BATCH_KEYS,
  spinMs: SPIN_MS,
  argsByte: ARGS_BYTE,
  slot: {
    READY,
    JOB,
    KIND,
    TOTAL,
    PER,
    NEED,
    FN,
    NARGS,
    ROWS,
    PARKED,
    ACK,
    PREWAKE,
    WOKEN,
    PARAMS,
  },
  kind: { GEMM, BATCH, MESSAGE, QUIT },
};

/**
 * The body of a worker: wait for jobs in the control block and serve them; go back to the
 * event loop for the messages a job needs (a scratch buffer or a name posted before it, or
 * the job itself), and close on the quit job.
 */
function workerMain(config: typeof WORKER_CONFIG): void {
  const { slot: S, kind: K, gemmKeys, batchKeys, spinMs, argsByte } = config;
  // deno-lint-ignore no-explicit-any
  const scope = globalThis as any;
  let c = new Int32Array(0), f = new Float64Array(0);
  let gemm: {
    f32: CallableFunction;
    f64: CallableFunction;
    pack32: CallableFunction;
    pack64: CallableFunction;
  } | null = null;
  let seen = 0; // the last job served (or skipped)
  let received = 0; // messages received
  const scratch: ArrayBuffer[] = [], names: string[] = []; // shared, as the views take them
  const views = [Float32Array, Float64Array, Uint8Array, Int32Array]; // VIEWS
  const pause = typeof Atomics.pause === "function" ? Atomics.pause : () => {};
  const params = (keys: readonly string[]) => {
    const p: Record<string, number> = {};
    for (let i = 0; i < keys.length; i++) p[keys[i]] = c[S.PARAMS + i];
    return p;
  };
  /** The arguments of a row job, read from the control block. */
  const rowArgs = () => {
    const a = new Array(c[S.NARGS]);
    for (let j = 0; j < a.length; j++) {
      const t = f[4 * j], x = f[4 * j + 1];
      // an integer as a small integer, as the caller's was: read from float64 it would be a
      // double, and kernels compiled for double counts and offsets index arrays slower
      if (t === 0) a[j] = x === (x | 0) && !Object.is(x, -0) ? x | 0 : x;
      else if (t === 1) a[j] = names[x];
      else {
        const v = new views[(t - 2) & 3](scratch[x], 0, f[4 * j + 3] | 0);
        a[j] = t < 6 ? { a: v, s: f[4 * j + 2] | 0 } : v;
      }
    }
    return a;
  };
  /** Serves jobs until one needs a message not yet received (its handler calls this again). */
  const serve = () => {
    for (;;) {
      let job = Atomics.load(c, S.JOB);
      if (job === seen) {
        // poll for spinMs, then block; block sooner when this thread was descheduled while
        // polling (another thread wants its core), or when the caller has not come back for
        // the last job's result (it is not running: it may be waiting for this core)
        let start = performance.now(), last = start, ahead = Atomics.load(c, S.PREWAKE);
        for (let i = 1; (job = Atomics.load(c, S.JOB)) === seen; i++) {
          if ((i & 63) !== 0) pause();
          else {
            const now = performance.now();
            if (Atomics.load(c, S.PREWAKE) !== ahead) {
              // a job is coming (Pool.prewake): poll for spinMs from now
              ahead = Atomics.load(c, S.PREWAKE);
              start = now;
            } else if (
              now - start > spinMs || now - last > 0.05 ||
              (now - start > 0.05 && Atomics.load(c, S.ACK) !== seen)
            ) {
              Atomics.add(c, S.PARKED, 1);
              if (
                Atomics.load(c, S.PREWAKE) === ahead && Atomics.wait(c, S.JOB, seen) === "ok"
              ) Atomics.add(c, S.WOKEN, 1);
              Atomics.sub(c, S.PARKED, 1);
              // woken for a job, or ahead of one (Pool.prewake): poll for spinMs again
              start = last = performance.now();
              ahead = Atomics.load(c, S.PREWAKE);
              continue;
            }
            last = now;
          }
        }
      }
      const kind = Atomics.load(c, S.KIND);
      if (kind === K.QUIT) {
        scope.close();
        return;
      }
      // a job that came as a message, or one that needs messages posted before it: they are
      // queued, and their handlers call serve again
      if (kind === K.MESSAGE || Atomics.load(c, S.NEED) > received) return;
      seen = job;
      try {
        const total = c[S.TOTAL], per = c[S.PER];
        const chunk = kind === K.GEMM
          ? scope.gemmChunk(gemm, params(gemmKeys), per)
          : kind === K.BATCH
          ? scope.batchChunk(gemm, params(batchKeys), per)
          : scope.rowChunk(scope.K[names[c[S.FN]]], rowArgs(), per, c[S.ROWS]);
        scope.runTickets(c, job, total, chunk);
      } catch {
        // the parameters of a job that ended while they were read: it gives no chunk
      }
    }
  };
  scope.onmessage = (e: MessageEvent) => {
    const m = e.data;
    received++;
    if (m.init) {
      c = new Int32Array(m.ctrl, 0, argsByte / 4);
      f = new Float64Array(m.ctrl, argsByte);
      if (m.module) {
        const ex = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports;
        gemm = {
          f32: ex.gemm_f32 as CallableFunction,
          f64: ex.gemm_f64 as CallableFunction,
          pack32: ex.pack32 as CallableFunction,
          pack64: ex.pack64 as CallableFunction,
        };
      }
      Atomics.add(c, S.READY, 1);
    } else if (m.scratch !== undefined) scratch[m.scratch] = m.buffer;
    else if (m.name !== undefined) names[m.id] = m.name;
    else {
      seen = m.epoch;
      scope.runTickets(c, m.epoch, m.total, scope.rowChunk(scope.K[m.fn], m.args, m.per, m.rows));
    }
    serve();
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
    `(${workerMain.toString()})(${JSON.stringify(WORKER_CONFIG)});\n`;
}

/** A hint to the processor inside a polling loop, where the engine has `Atomics.pause`. */
const pause: () => void = typeof Atomics.pause === "function" ? () => Atomics.pause() : () => {};

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
  /** Jobs posted to the workers as messages (their arguments did not fit the control block). */
  messageJobs = 0;
  readonly #workers: Worker[] = [];
  readonly #ctrl: Int32Array;
  /** The control block's float64 part: a row job's arguments. */
  readonly #args: Float64Array;
  readonly #url: string;
  /**
   * Whether the caller blocks in `Atomics.wait` for the workers; false where the engine forbids
   * it on this thread (a browser's main thread), and the caller spins instead.
   */
  blocking: boolean;
  readonly #scratch: SharedArrayBuffer[] = [];
  /** The strings posted to the workers (kernel names, string arguments), by their number. */
  readonly #names = new Map<string, number>();
  /** Messages posted to every worker so far. */
  #posted = 0;
  /** When the last job ended or a small one took the single-thread path (`performance.now()`). */
  #lastUse = -Infinity;
  #epoch = 0;
  /** The matrix-product job (see {@linkcode Parallel}); throws when a chunk threw. */
  readonly #gemm: Parallel = (f32, mp, np, k, a, b, c, rows, sa, sp) => {
    const p = { f32, mp, np, k, a, b, c, sa, sp };
    const chunk = gemmChunk(this.gemm!, p, rows), total = Math.ceil(mp / rows);
    if (total < MIN_GEMM_CHUNKS && this.callerWorks) {
      for (let i = 0; i < total; i++) chunk(i);
      return;
    }
    this.#params(GEMM_KEYS.map((key) => +p[key]));
    const wake = mp * np * k >= WAKE_MIN_MACS;
    if (!this.#run(total, rows, GEMM, null, chunk, wake)) {
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
    const ctrl = new SharedArrayBuffer(ARGS_BYTE + MAX_ARGS * 4 * 8);
    this.#ctrl = new Int32Array(ctrl, 0, SLOTS);
    this.#args = new Float64Array(ctrl, ARGS_BYTE);
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
        ctrl,
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
      this.#posted = 1;
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** Workers that have started and serve jobs. */
  get ready(): number {
    return Atomics.load(this.#ctrl, READY);
  }

  /** Workers blocked in `Atomics.wait` for the next job (not polling for it). */
  get parked(): number {
    return Atomics.load(this.#ctrl, PARKED);
  }

  /** Times a worker was woken from `Atomics.wait` (for tests). */
  get wakeups(): number {
    return Atomics.load(this.#ctrl, WOKEN);
  }

  /**
   * Whether a job too small to wake blocked workers (under {@linkcode WAKE_MIN_MACS}, or the
   * kernels' own threshold) should take the single-thread path: every worker is blocked and
   * no job came in the last `STREAM_MS`, so it would run on the caller alone. Counts as a
   * job for that window: the next small job soon after goes to the pool and wakes them.
   */
  sleepsThrough(): boolean {
    const now = performance.now(), quiet = now - this.#lastUse >= STREAM_MS;
    this.#lastUse = now;
    return quiet && this.callerWorks && this.parked === this.#workers.length;
  }

  /**
   * Wakes the blocked workers ahead of a product of `macs` multiply-adds in `chunks` chunks
   * that is about to be posted (the caller still has to copy and pack its operands), where the
   * job itself would wake them: they then poll for it (up to {@linkcode SPIN_MS}, then block
   * again) instead of starting 10-35 µs after it is posted.
   */
  prewake(macs: number, chunks: number): void {
    const c = this.#ctrl;
    if (
      chunks < MIN_GEMM_CHUNKS ||
      (macs < WAKE_MIN_MACS && performance.now() - this.#lastUse >= STREAM_MS)
    ) return;
    Atomics.add(c, PREWAKE, 1); // polling workers keep polling
    if (Atomics.load(c, PARKED) > 0) Atomics.notify(c, JOB);
  }

  /** Posts `m` to every worker (a job's `NEED` counts it). */
  #post(m: Record<string, unknown>): void {
    for (const w of this.#workers) w.postMessage(m);
    this.#posted++;
  }

  /** Writes a product's parameters into the control block. */
  #params(p: readonly number[]): void {
    for (let i = 0; i < p.length; i++) this.#ctrl[PARAMS + i] = p[i];
  }

  /** The number of string `s` among those posted to the workers (posted now if new). */
  #name(s: string): number {
    let id = this.#names.get(s);
    if (id === undefined) {
      this.#names.set(s, id = this.#names.size);
      this.#post({ name: s, id });
    }
    return id;
  }

  /**
   * Writes a row job's arguments into the control block (see {@linkcode VIEWS}); false where
   * one cannot go there (an array that is not a whole scratch buffer's, too many arguments).
   */
  #rowArgs(fn: string, args: readonly unknown[], rows: number): boolean {
    if (args.length > MAX_ARGS) return false;
    const f = this.#args;
    for (let j = 0; j < args.length; j++) {
      const d = args[j];
      if (typeof d === "number") {
        f[4 * j] = 0;
        f[4 * j + 1] = d;
      } else if (typeof d === "string") {
        f[4 * j] = 1;
        f[4 * j + 1] = this.#name(d);
      } else {
        const r = typeof d === "object" && d !== null && "s" in d ? d as RowArg : null;
        const a = r === null ? d : r.a;
        if (!ArrayBuffer.isView(a) || a.byteOffset !== 0) return false;
        const slot = this.#scratch.indexOf(a.buffer as SharedArrayBuffer);
        const code = VIEWS.indexOf(a.constructor as typeof VIEWS[number]);
        if (slot < 0 || code < 0) return false;
        f[4 * j] = (r === null ? 6 : 2) + code;
        f[4 * j + 1] = slot;
        f[4 * j + 2] = r === null ? 0 : r.s;
        f[4 * j + 3] = (a as Float32Array).length;
      }
    }
    const c = this.#ctrl;
    c[FN] = this.#name(fn);
    c[NARGS] = args.length;
    c[ROWS] = rows;
    return true;
  }

  /**
   * Runs one job of `total` chunks of `per` rows or items, its parameters written into the
   * control block (or, for a job with a `message`, posted to the workers with it): wakes the
   * blocked workers if `wake` (the polling ones see it anyway) and runs `chunk` here. Returns
   * false when a chunk threw.
   */
  #run(
    total: number,
    per: number,
    kind: number,
    message: Record<string, unknown> | null,
    chunk: (i: number) => void,
    wake: boolean,
  ): boolean {
    if (total > MAX_CHUNKS) throw new RangeError(`Pool job of ${total} chunks`);
    const c = this.#ctrl;
    const epoch = this.#next();
    if (message !== null) this.#post({ ...message, epoch, total, per });
    c[TOTAL] = total;
    c[PER] = per;
    c[NEED] = this.#posted;
    Atomics.store(c, KIND, kind);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERROR, 0);
    Atomics.store(c, NEXT, (epoch << 16) | total);
    Atomics.store(c, JOB, epoch);
    // a small job wakes blocked workers only when it follows another closely (a stream of
    // jobs, which keeps them polling from then on)
    if (wake || !this.callerWorks || performance.now() - this.#lastUse < STREAM_MS) {
      Atomics.notify(c, JOB);
    }
    const own = this.callerWorks ? runTickets(c, epoch, total, chunk) : 0;
    if (Atomics.load(c, DONE) < total) {
      // the workers are running the last chunks: poll a little, then block
      const until = performance.now() + CALLER_SPIN_MS;
      for (let i = 1; Atomics.load(c, DONE) < total; i++) {
        if (!this.blocking || (i & 63) !== 0 || performance.now() < until) pause();
        else break;
      }
      for (let d = Atomics.load(c, DONE); d < total; d = Atomics.load(c, DONE)) {
        Atomics.wait(c, DONE, d, 100);
      }
    }
    Atomics.store(c, ACK, epoch);
    this.#lastUse = performance.now();
    this.workerChunks += total - own;
    return Atomics.load(c, ERROR) === 0;
  }

  /** The next job number: 1 … 0x7fff (a worker that has served nothing has seen 0). */
  #next(): number {
    return this.#epoch = this.#epoch % 0x7fff + 1;
  }

  /**
   * Runs a batched product laid out in the shared memory as `p` says, `per` items a chunk;
   * throws when a chunk threw.
   */
  batch(p: BatchLayout, per: number): void {
    const chunk = batchChunk(this.gemm!, p, per);
    this.#params(BATCH_KEYS.map((k) => +p[k]));
    const wake = p.count * p.mp * p.np * p.k >= WAKE_MIN_MACS;
    if (!this.#run(Math.ceil(p.count / per), per, BATCH, null, chunk, wake)) {
      throw new Error("A matrix-product kernel failed in the worker pool");
    }
  }

  /**
   * Runs registered kernel `fn` over `rows` rows in chunks of `per` rows (see
   * {@linkcode rowChunk}), waking blocked workers if `wake`. Returns false when a chunk
   * threw; the caller reruns the job.
   */
  rows(
    fn: CallableFunction,
    args: readonly unknown[],
    rows: number,
    per: number,
    wake = true,
  ): boolean {
    const total = Math.ceil(rows / per), chunk = rowChunk(fn, args, per, rows);
    if (this.#rowArgs(fn.name, args, rows)) return this.#run(total, per, ROW, null, chunk, wake);
    this.messageJobs++;
    return this.#run(total, per, MESSAGE, { fn: fn.name, args, rows }, chunk, wake);
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
    this.#post({ scratch: slot, buffer: sab });
    return sab;
  }

  /** Terminates the workers (woken first: a worker blocked in `Atomics.wait` would hang the exit). */
  close(): void {
    if (this.#workers.length > 0) {
      Atomics.store(this.#ctrl, KIND, QUIT);
      Atomics.store(this.#ctrl, JOB, this.#next());
      Atomics.notify(this.#ctrl, JOB);
    }
    for (const w of this.#workers) w.terminate();
    this.#workers.length = 0;
    URL.revokeObjectURL(this.#url);
  }
}
