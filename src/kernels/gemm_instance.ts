/**
 * Instances of the WebAssembly matrix-product kernels (`wasm/gemm_wasm.ts`): the builds that
 * own their memory, used by the calling thread alone, and the builds that import one shared
 * memory, used by the calling thread and the worker pool together. Both run the same code, so
 * a product gives the same bits whichever build and however many threads compute it.
 *
 * @module
 */

import {
  GEMM_RELAXED_SHARED_WASM_BASE64,
  GEMM_RELAXED_WASM_BASE64,
  GEMM_SHARED_WASM_BASE64,
  GEMM_WASM_BASE64,
} from "./wasm/gemm_wasm.ts";
import { compileWasm, decode } from "./wasm_module.ts";

/**
 * `C[mp×np] = A · Bpack` at byte addresses `a`, `b`, `c` of the module's memory, where row `i`
 * of A, element `p`, is at byte `a + ⌊i/6⌋·sq + (i mod 6)·sa + p·sp`: packed panels
 * (`sa` = element size, `sp` = 6 elements, `sq` = 6k elements) or row-major A as stored
 * (`sa` = k elements, `sp` = 1 element, `sq` = 6k elements). Rows past the last read what lies
 * after A in memory; they give rows of C that the caller drops.
 */
export type Kernel = (
  mp: number,
  np: number,
  k: number,
  a: number,
  b: number,
  c: number,
  sa: number,
  sp: number,
  sq: number,
) => void;

/** Packs a strided matrix into zero-padded panels (see `wasm/gemm.wat`). */
export type Pack = (
  src: number,
  dst: number,
  rows: number,
  k: number,
  w: number,
  sI: number,
  sP: number,
) => void;

/**
 * Runs the kernel over row panels `0..mp` in chunks of `rows` rows, on as many threads as the
 * pool has, A's rows and elements `sa` and `sp` bytes apart (see {@linkcode Kernel}); returns
 * when every chunk is done.
 */
export type Parallel = (
  f32: boolean,
  mp: number,
  np: number,
  k: number,
  a: number,
  b: number,
  c: number,
  rows: number,
  sa: number,
  sp: number,
) => void;

/** A compiled build of the kernels, and whether it is the relaxed-SIMD one. */
export interface GemmBuild {
  readonly module: WebAssembly.Module;
  readonly relaxed: boolean;
}

/** An instance of the WebAssembly kernels. */
export interface Gemm {
  readonly memory: WebAssembly.Memory;
  readonly f32: Kernel;
  readonly f64: Kernel;
  readonly pack32: Pack;
  readonly pack64: Pack;
  /** Whether this is the relaxed-SIMD build (fused multiply-adds). */
  readonly relaxed: boolean;
  /** The worker pool's runner, for an instance on the pool's shared memory. */
  readonly parallel?: Parallel;
}

/** The bytes of one build: relaxed SIMD or plain, own memory or imported shared memory. */
export function gemmBytes(relaxed: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  return decode(
    shared
      ? (relaxed ? GEMM_RELAXED_SHARED_WASM_BASE64 : GEMM_SHARED_WASM_BASE64)
      : (relaxed ? GEMM_RELAXED_WASM_BASE64 : GEMM_WASM_BASE64),
  );
}

/**
 * Compiles one build; null where this engine cannot run it. Compiled synchronously: each
 * build is about 3.3 KiB, under the 4 KiB that browsers allow on the main thread (checked by
 * `tests/kernels/matmul_kernel_test.ts`; unrolling the inner loop four times instead of two
 * would gain 3% and cross it).
 */
export function compileGemm(relaxed: boolean, shared: boolean): WebAssembly.Module | null {
  const module = compileWasm(gemmBytes(relaxed, shared));
  return typeof module === "string" ? null : module;
}

/**
 * Instantiates a compiled build (with `memory` for the shared builds); null where the
 * instance cannot be made or does not have the kernels' exports.
 */
export function instantiateGemm(
  module: WebAssembly.Module,
  relaxed: boolean,
  memory?: WebAssembly.Memory,
  parallel?: Parallel,
): Gemm | null {
  try {
    const ex = new WebAssembly.Instance(module, memory ? { env: { memory } } : {}).exports;
    const mem = memory ?? (ex.memory as WebAssembly.Memory);
    if (!(mem instanceof WebAssembly.Memory) || typeof ex.gemm_f32 !== "function") return null;
    return {
      memory: mem,
      f32: ex.gemm_f32 as Kernel,
      f64: ex.gemm_f64 as Kernel,
      pack32: ex.pack32 as Pack,
      pack64: ex.pack64 as Pack,
      relaxed,
      parallel,
    };
  } catch {
    return null;
  }
}

/** Instantiates one own-memory build of the kernels; null where this engine cannot run it. */
export function loadGemm(relaxed: boolean): Gemm | null {
  const module = compileGemm(relaxed, false);
  return module === null ? null : instantiateGemm(module, relaxed);
}
