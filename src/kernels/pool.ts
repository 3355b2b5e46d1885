/**
 * A pool of Web Workers that run the WebAssembly matrix-product kernel beside the calling
 * thread, all on one shared `WebAssembly.Memory`.
 *
 * The workers are created from in-memory source (a `Blob` URL), so they need no permission
 * and no file outside the package. The call stays synchronous: the calling thread writes a
 * job into a control block (an `Int32Array` on a `SharedArrayBuffer`), wakes the workers with
 * `Atomics.notify`, takes chunks of the job itself, and blocks in `Atomics.wait` (or spins,
 * where the engine forbids waiting on the main thread) until every chunk is done. Chunks are
 * handed out through one atomic counter, so a worker that is still starting, or that the
 * operating system does not schedule, simply takes none: the job never waits for a
 * particular worker. Every chunk is computed by the same code on the same data whoever takes
 * it, so results do not depend on the number of threads.
 *
 * An exception in a kernel is caught where it happens, counted as a finished chunk, and
 * rethrown on the calling thread once the job is over; the workers keep running.
 *
 * @module
 */

import type { Gemm } from "./gemm_instance.ts";
import { instantiateGemm } from "./gemm_instance.ts";

// Slots of the control block. `runTickets` and `workerMain` run inside the workers from their
// source text, so they name the slots by number; the comments there give these names.
const EPOCH = 0; // job number (15 bits), bumped to start a job
const NEXT = 1; // (job number << 16) | next chunk index
const DONE = 2; // chunks finished in the current job
const ERROR = 3; // 1 when a chunk of the current job threw
const READY = 4; // workers instantiated and waiting for jobs
const QUIT = 5; // 1 tells the workers to close
const KIND = 6; // 0: float32 kernel, 1: float64 kernel
const PARAMS = 7; // mp, np, k, a, b, c, rows, total (slots 7..14)
const SLOTS = 16;

/** The most chunks one job may have (the chunk index has 16 bits). */
export const MAX_CHUNKS = 0xffff;

/**
 * Takes chunks of the current job (number `epoch`) until none is left, running the kernel on
 * each; returns how many it ran. Shared by the calling thread and the workers (which run it
 * from its source text, so it uses nothing outside its parameters).
 */
export function runTickets(
  c: Int32Array,
  kernels: { f32: CallableFunction; f64: CallableFunction },
  epoch: number,
): number {
  const kernel = c[6] === 0 ? kernels.f32 : kernels.f64; // KIND
  const es = c[6] === 0 ? 4 : 8;
  const mp = c[7], np = c[8], k = c[9], a = c[10], b = c[11], out = c[12]; // PARAMS
  const rows = c[13], total = c[14];
  const tag = (epoch & 0x7fff) << 16;
  let ran = 0;
  for (;;) {
    const v = Atomics.load(c, 1); // NEXT
    if ((v & 0x7fff0000) !== tag || (v & 0xffff) >= total) return ran; // another job, or done
    if (Atomics.compareExchange(c, 1, v, v + 1) !== v) continue;
    const r = (v & 0xffff) * rows;
    try {
      kernel(Math.min(rows, mp - r), np, k, a + r * k * es, b, out + r * np * es);
    } catch {
      Atomics.store(c, 3, 1); // ERROR
    }
    ran++;
    if (Atomics.add(c, 2, 1) + 1 === total) Atomics.notify(c, 2); // DONE
  }
}

/** The body of a worker: instantiate the kernels on the shared memory, then serve jobs. */
function workerMain(): void {
  // deno-lint-ignore no-explicit-any
  const scope = globalThis as any;
  scope.onmessage = (e: MessageEvent) => {
    const { memory, module, ctrl } = e.data;
    const ex = new WebAssembly.Instance(module, { env: { memory } }).exports;
    const c = new Int32Array(ctrl);
    Atomics.add(c, 4, 1); // READY
    let seen = Atomics.load(c, 0); // EPOCH
    for (;;) {
      Atomics.wait(c, 0, seen);
      if (Atomics.load(c, 5) === 1) break; // QUIT
      seen = Atomics.load(c, 0);
      scope.runTickets(c, { f32: ex.gemm_f32, f64: ex.gemm_f64 }, seen);
    }
    scope.close();
  };
}

/** The workers' source: the two functions above, by their text. */
function workerSource(): string {
  return `self.runTickets = ${runTickets.toString()};\n(${workerMain.toString()})();\n`;
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
  if (typeof WebAssembly !== "object") return "no WebAssembly";
  return null;
}

/** Workers beside the calling thread, and the calling thread's instance on their memory. */
export class Pool {
  /** The calling thread's instance of the kernels on the shared memory. */
  readonly gemm: Gemm;
  /** Threads that take chunks: the calling thread and the workers. */
  readonly threads: number;
  readonly #workers: Worker[];
  readonly #ctrl: Int32Array;
  readonly #url: string;
  readonly #wait: boolean;
  #epoch = 0;
  /** Chunks that the workers (not the calling thread) have run, for tests and benchmarks. */
  workerChunks = 0;
  /** Whether the calling thread takes chunks too (tests turn it off to check the workers). */
  callerWorks = true;

  private constructor(
    module: WebAssembly.Module,
    relaxed: boolean,
    threads: number,
    memory: WebAssembly.Memory,
  ) {
    this.#ctrl = new Int32Array(new SharedArrayBuffer(SLOTS * 4));
    this.#wait = mayWait();
    const gemm = instantiateGemm(
      module,
      relaxed,
      memory,
      (f32, mp, np, k, a, b, c, rows) => this.#run(f32, mp, np, k, a, b, c, rows),
    );
    if (gemm === null) throw new Error("The shared-memory kernels did not instantiate");
    this.gemm = gemm;
    this.threads = threads;
    this.#url = URL.createObjectURL(new Blob([workerSource()], { type: "text/javascript" }));
    this.#workers = [];
    try {
      for (let i = 1; i < threads; i++) {
        const w = new Worker(this.#url, { type: "module" });
        // a worker that fails to start takes no chunks; keep its error from the caller
        w.onerror = (e) => e.preventDefault();
        w.postMessage({ memory, module, ctrl: this.#ctrl.buffer });
        this.#workers.push(w);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /**
   * A pool of `threads` threads (the caller and `threads - 1` workers) for a compiled
   * shared-memory build; null where one cannot be made.
   */
  static create(module: WebAssembly.Module, relaxed: boolean, threads: number): Pool | null {
    if (poolUnavailable() !== null) return null;
    try {
      const memory = new WebAssembly.Memory({ initial: 1, maximum: 8192, shared: true });
      return new Pool(module, relaxed, threads, memory);
    } catch {
      return null;
    }
  }

  /** Workers that have instantiated the kernels and take chunks. */
  get ready(): number {
    return Atomics.load(this.#ctrl, READY);
  }

  /** Runs one job (see {@linkcode Parallel}); throws when a chunk threw. */
  #run(
    f32: boolean,
    mp: number,
    np: number,
    k: number,
    a: number,
    b: number,
    out: number,
    rows: number,
  ): void {
    const c = this.#ctrl;
    const total = Math.ceil(mp / rows);
    if (total > MAX_CHUNKS) throw new RangeError(`Pool job of ${total} chunks`);
    const epoch = this.#epoch = (this.#epoch + 1) & 0x7fff;
    c[KIND] = f32 ? 0 : 1;
    c[PARAMS] = mp, c[PARAMS + 1] = np, c[PARAMS + 2] = k;
    c[PARAMS + 3] = a, c[PARAMS + 4] = b, c[PARAMS + 5] = out;
    c[PARAMS + 6] = rows, c[PARAMS + 7] = total;
    Atomics.store(c, DONE, 0);
    Atomics.store(c, ERROR, 0);
    Atomics.store(c, NEXT, epoch << 16);
    Atomics.store(c, EPOCH, epoch);
    Atomics.notify(c, EPOCH);
    const own = this.callerWorks ? runTickets(c, this.gemm, epoch) : 0;
    for (let d = Atomics.load(c, DONE); d < total; d = Atomics.load(c, DONE)) {
      if (this.#wait) Atomics.wait(c, DONE, d, 100);
    }
    this.workerChunks += total - own;
    if (Atomics.load(c, ERROR) !== 0) {
      throw new Error("A matrix-product kernel failed in the worker pool");
    }
  }

  /** Tells the workers to close and terminates them. */
  close(): void {
    Atomics.store(this.#ctrl, QUIT, 1);
    Atomics.add(this.#ctrl, EPOCH, 1);
    Atomics.notify(this.#ctrl, EPOCH);
    for (const w of this.#workers) w.terminate();
    this.#workers.length = 0;
    URL.revokeObjectURL(this.#url);
  }
}
