/**
 * Which kernels run the heavy work and on how many threads: the WebAssembly instances, the
 * worker pool, `setNumThreads`/`getNumThreads` and `backendInfo`, and the release of both
 * when the kernels have been idle.
 *
 * Large matrix products run on `getNumThreads()` threads (the caller and a pool of Web
 * Workers sharing one WebAssembly memory) where the runtime has Workers, `SharedArrayBuffer`
 * and WebAssembly; elsewhere, and with `setNumThreads(1)`, they run on the calling thread
 * alone exactly as before the pool existed. After {@linkcode IDLE_MS} without a product the
 * workers are closed and both memories of the matrix kernels dropped, so an idle process holds
 * no memory for them and a script exits normally (idle workers would otherwise keep Deno
 * alive). The small modules of `wasm_module.ts` (tanh, rows, lap) keep theirs.
 *
 * @module
 */

import {
  compileGemm,
  type Gemm,
  type GemmBuild,
  gemmBytes,
  instantiateGemm,
  loadGemm,
} from "./gemm_instance.ts";
import { Pool, poolUnavailable, WAKE_MIN_MACS } from "./pool.ts";
import { compileWasm, wasmFamilies, type WasmStatus } from "./wasm_module.ts";
import { IdleRelease } from "../idle.ts";

/**
 * Milliseconds without a matrix product after which the pool's workers are closed and the
 * kernels' memory is dropped (the next product makes them again: about 0.1 ms for the
 * calling thread's instance, and the workers join as they start).
 */
export const IDLE_MS = 300;

/**
 * Products with fewer multiply-adds stay on the calling thread. Measured with
 * `deno run bench/threads.ts --cutover` (2 threads, 2-core VM, float32 s³, workers polling
 * from the previous product): 64³ 12.9 µs alone vs 14.1 split, 72³ 16.6 vs 15.9, 80³ (2^19)
 * 23.2 vs 20.3, 96³ 37 vs 30, 128³ 87 vs 66. After a pause (workers blocked in
 * `Atomics.wait`) products under `WAKE_MIN_MACS` (pool.ts) take the single-thread path: on
 * the pool's instance alone they took 3-5 µs more (its shared memory ~1-2 µs, the chunking
 * ~1-2 µs at 64³-96³).
 */
export const PARALLEL_MIN_WORK = 2 ** 19;

/** The threads a default pool uses: the runtime's logical processors. */
function hardwareThreads(): number {
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
    ?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? Math.floor(n) : 1;
}

let requested: number | null = null;
let userModule: WebAssembly.Module | null = null;
let single: Gemm | null | undefined;
let pool: Pool | null | undefined;
let sharedModule: GemmBuild | null | undefined;
/** Drops the workers and the kernels' memory once they have been idle for `IDLE_MS`. */
const idle = new IdleRelease(IDLE_MS, releaseKernels);

function touch(): void {
  idle.use();
  idle.arm();
}

/**
 * @ignore Closes the pool's workers and drops the kernels' WebAssembly memory now (the next
 * product makes them again).
 */
export function releaseKernels(): void {
  pool?.close();
  pool = undefined;
  single = undefined;
  idle.cancel();
}

/** The compiled shared-memory build, or null where shared WebAssembly memory is unavailable. */
function sharedBuild(): GemmBuild | null {
  if (sharedModule === undefined) {
    sharedModule = null;
    try {
      new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
      for (const relaxed of [true, false]) {
        const module = compileGemm(relaxed, true);
        if (module !== null) {
          sharedModule = { module, relaxed };
          break;
        }
      }
    } catch {
      // no shared memory: one thread
    }
  }
  return sharedModule;
}

/** Why large products run on one thread, or null when the pool can run them. */
function singleThreadReason(): string | null {
  if (getNumThreads() === 1) return "setNumThreads(1)";
  if (userModule !== null) return "a precompiled module was given (calling thread only)";
  const why = poolUnavailable();
  if (why !== null) return why;
  if (sharedBuild() === null) return "no shared WebAssembly memory";
  if (pool === null) return "the worker pool could not be created";
  return null;
}

/**
 * @ignore The instance that runs on the calling thread alone (own memory): the precompiled
 * module where one was given, else relaxed SIMD where the engine validates it, else plain
 * SIMD; null without WebAssembly SIMD.
 */
export function singleGemm(): Gemm | null {
  if (single === undefined) {
    // a given module is reported as plain SIMD: its bytes are not at hand to tell
    single = userModule !== null
      ? instantiateGemm(userModule, false)
      : loadGemm(true) ?? loadGemm(false);
  }
  if (single !== null) touch();
  return single;
}

/**
 * @ignore The worker pool, made on first use, when more than one thread is allowed and the
 * runtime can make one; null otherwise.
 */
export function threadPool(): Pool | null {
  const threads = getNumThreads();
  if (threads === 1 || userModule !== null) return null;
  if (pool && pool.threads !== threads) {
    pool.close();
    pool = undefined;
  }
  if (pool === undefined) {
    try {
      pool = poolUnavailable() === null ? new Pool(threads, sharedBuild()) : null;
    } catch {
      pool = null;
    }
  }
  if (pool !== null) touch();
  return pool;
}

/**
 * @ignore Wakes the pool's blocked workers ahead of a product of `macs` multiply-adds in
 * `chunks` chunks about to be posted to it, where posting it would wake them (see
 * `Pool.prewake`).
 */
export function prewake(macs: number, chunks: number): void {
  pool?.prewake(macs, chunks);
}

/**
 * @ignore The instance for a product of `work` multiply-adds: the pool's (which splits the
 * product across threads) when the work is large and more than one thread is allowed, else
 * the calling thread's.
 */
export function gemmFor(work: number): Gemm | null {
  if (work >= PARALLEL_MIN_WORK) {
    const p = threadPool();
    // a product too small to wake blocked workers would run on the caller alone
    if (p?.gemm && (work >= WAKE_MIN_MACS || !p.sleepsThrough())) return p.gemm;
  }
  return singleGemm();
}

/**
 * Sets the number of threads that large matrix products use, like `torch.set_num_threads`.
 * `1` runs everything on the calling thread, exactly as without a pool; larger values split
 * large products between the calling thread and `n - 1` Web Workers. The workers start on
 * the next large product and close after 300 ms without one.
 *
 * @param n a positive integer (the default is `navigator.hardwareConcurrency`)
 * @throws {RangeError} when `n` is not a positive integer
 * @example One thread, then back to the default
 * ```ts
 * import { getNumThreads, setNumThreads } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const before = getNumThreads();
 * setNumThreads(1);
 * assert.equal(getNumThreads(), 1);
 * setNumThreads(before);
 * ```
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) {
    throw new RangeError(`setNumThreads() takes a positive integer; got ${n}`);
  }
  requested = n; // a pool of another size is replaced at the next large product
}

/**
 * The number of threads that large matrix products may use (see {@linkcode setNumThreads}).
 *
 * @returns the value last set, else `navigator.hardwareConcurrency` (1 where unknown)
 * @example Read it
 * ```ts
 * import { getNumThreads } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.ok(getNumThreads() >= 1);
 * ```
 */
export function getNumThreads(): number {
  return requested ?? hardwareThreads();
}

/**
 * Gives the kernels as a precompiled `WebAssembly.Module`, for runtimes that forbid
 * compiling code at run time (compile {@linkcode wasmKernelBytes} ahead of time, or import
 * it as a module where the platform does that). Such a module runs on the calling thread;
 * pass `null` to go back to the built-in bytes.
 *
 * @param module a module compiled from `wasmKernelBytes()`, or null
 * @throws {TypeError} when `module` is not a module with the kernels' exports
 * @example Compile the bytes once and hand them over
 * ```ts
 * import { backendInfo, setWasmModule, wasmKernelBytes } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * setWasmModule(new WebAssembly.Module(wasmKernelBytes()));
 * assert.equal(backendInfo().precompiled, true);
 * setWasmModule(null);
 * ```
 */
export function setWasmModule(module: WebAssembly.Module | null): void {
  if (module !== null) {
    const names = module instanceof WebAssembly.Module
      ? WebAssembly.Module.exports(module).map((e) => e.name)
      : [];
    for (const need of ["gemm_f32", "gemm_f64", "pack32", "pack64", "memory"]) {
      if (!names.includes(need)) {
        throw new TypeError(`setWasmModule() needs a module compiled from wasmKernelBytes()`);
      }
    }
  }
  userModule = module;
  releaseKernels();
}

/**
 * The bytes of the WebAssembly kernels, to compile ahead of time for
 * {@linkcode setWasmModule}.
 *
 * @param options `relaxed: true` for the relaxed-SIMD build (fused multiply-adds), which
 * not every engine has
 * @returns the module's bytes
 * @example Check that this engine can compile them
 * ```ts
 * import { wasmKernelBytes } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.ok(WebAssembly.validate(wasmKernelBytes()));
 * ```
 */
export function wasmKernelBytes(options: { relaxed?: boolean } = {}): Uint8Array<ArrayBuffer> {
  return gemmBytes(options.relaxed ?? false, false);
}

/** @ignore The live pool, if any (for tests and benchmarks). */
export function currentPool(): Pool | null {
  return pool ?? null;
}

/** What {@linkcode backendInfo} reports. */
export interface BackendInfo {
  /** The kernels of large products: WebAssembly SIMD (relaxed or plain) or plain JavaScript. */
  readonly kernels: "wasm-relaxed-simd" | "wasm-simd" | "javascript";
  /** Threads that large products run on now (1: the calling thread only). */
  readonly threads: number;
  /** What {@linkcode setNumThreads} asked for (by default the hardware's threads). */
  readonly requestedThreads: number;
  /** `navigator.hardwareConcurrency` (1 where unknown). */
  readonly hardwareThreads: number;
  /** Workers started and serving products (0 before the first large product and when idle). */
  readonly workersReady: number;
  /** Why large products run on one thread, or null when they use the pool. */
  readonly singleThreadReason: string | null;
  /** Whether the kernels come from a module given to {@linkcode setWasmModule}. */
  readonly precompiled: boolean;
  /**
   * Every family of WebAssembly kernels, by name, and whether it runs in WebAssembly or fell
   * back to JavaScript (same results, slower) and why: `gemm` (matrix products), `tanh`
   * (elementwise tanh), `rows` (bias add, bias gradient, tanh's backward) and `lap` (the
   * forward Laplacian's step and its VJP).
   */
  readonly wasm: Readonly<Record<string, WasmStatus>>;
}

/** Why the matrix products run in JavaScript (where {@linkcode singleGemm} gave null). */
function gemmFallbackReason(): string {
  if (userModule !== null) return "the module given to setWasmModule() could not be instantiated";
  const module = compileWasm(gemmBytes(false, false));
  return typeof module === "string" ? module : "instantiating WebAssembly failed";
}

/**
 * Which backend runs the heavy kernels and on how many threads, and which families of
 * WebAssembly kernels are in use (each is compiled and instantiated here if it has not been
 * yet).
 *
 * @returns the kernels, the threads in use and, where only one is, why; each WebAssembly
 * family's status, with the reason where it fell back to JavaScript
 * @example Ask which kernels run
 * ```ts
 * import { backendInfo } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const info = backendInfo();
 * assert.ok(info.threads >= 1 && info.threads <= info.requestedThreads);
 * assert.ok(["wasm-relaxed-simd", "wasm-simd", "javascript"].includes(info.kernels));
 * for (const family of ["gemm", "tanh", "rows", "lap"]) {
 *   const { active, reason } = info.wasm[family];
 *   assert.equal(reason === null, active); // a reason exactly where it fell back
 * }
 * ```
 */
export function backendInfo(): BackendInfo {
  const g = singleGemm();
  const reason = singleThreadReason();
  return {
    kernels: g === null ? "javascript" : g.relaxed ? "wasm-relaxed-simd" : "wasm-simd",
    threads: reason === null && g !== null ? getNumThreads() : 1,
    requestedThreads: getNumThreads(),
    hardwareThreads: hardwareThreads(),
    workersReady: pool ? pool.ready : 0,
    singleThreadReason: g === null ? "no WebAssembly SIMD" : reason,
    precompiled: userModule !== null,
    wasm: {
      gemm: { active: g !== null, reason: g === null ? gemmFallbackReason() : null },
      ...wasmFamilies(),
    },
  };
}
