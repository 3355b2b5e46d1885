/**
 * The forward Laplacian's collapsed unary step and its VJP in WebAssembly SIMD
 * (`wasm/lap.wat`, written by `tests/tools/gen_lap.ts`), for float64: two lanes at a time
 * where the JavaScript loops of `taylor.ts` run at about 1 ns an element. The operands are
 * copied into the module's memory and the results out. Each value is computed by the same
 * operations in the same order as those loops (no fused multiply-adds), so the results are
 * theirs (up to the sign of a zero gradient, which the one-pass loop for full series may give
 * as −0 where this gives +0). A second build imports a shared memory: on the worker pool's,
 * a step writes its rows where the matrix product then reads its A, and the last step reads a
 * product's result where the product left it (`lapStepInto`, and `lapLastWasm` given a view
 * of that memory), so neither is copied between the two modules' memories.
 *
 * @module
 */

import { LAP_SHARED_WASM_BASE64, LAP_WASM_BASE64 } from "./wasm/lap_wasm.ts";
import { compileWasm, decode, growMemory, WasmKernels } from "./wasm_module.ts";

/** Steps with fewer output elements stay in JavaScript (the copies and the call cost ~1 µs). */
export const LAP_MIN = 2048;

/** Larger operands stay in JavaScript, so that the module's memory (never given back) stays under ~8 MiB. */
export const LAP_MAX_BYTES = 2 ** 23;

type Step = (...args: number[]) => void;

interface LapKernels {
  readonly memory: WebAssembly.Memory;
  readonly step: Step;
  readonly vjp: Step;
  readonly riccati: Step;
}

/** The kernels of an instance of either build, running on `memory`. */
function bind(ex: WebAssembly.Exports, memory: WebAssembly.Memory): LapKernels {
  return {
    memory,
    step: ex.lap_f64 as Step,
    vjp: ex.lap_vjp_f64 as Step,
    riccati: ex.riccati_f64 as Step,
  };
}

const kernels = new WasmKernels<LapKernels>(
  "lap",
  LAP_WASM_BASE64,
  (ex) => bind(ex, ex.memory as WebAssembly.Memory),
);

/** The build importing a shared memory: compiled once (null where it cannot be), then instances. */
let sharedModule: WebAssembly.Module | null | undefined;
const onMemory = new WeakMap<WebAssembly.Memory, LapKernels | null>();

/** The kernels running on the shared `memory` (one instance per memory), or null. */
function kernelsOn(memory: WebAssembly.Memory): LapKernels | null {
  let k = onMemory.get(memory);
  if (k === undefined) {
    if (sharedModule === undefined) {
      const module = compileWasm(decode(LAP_SHARED_WASM_BASE64));
      sharedModule = typeof module === "string" ? null : module;
    }
    k = null;
    if (sharedModule !== null) {
      try {
        k = bind(new WebAssembly.Instance(sharedModule, { env: { memory } }).exports, memory);
      } catch {
        k = null;
      }
    }
    onMemory.set(memory, k);
  }
  if (k !== null && lastShared?.deref() !== memory) lastShared = new WeakRef(memory);
  return k;
}

/**
 * The shared memory the kernels last ran on (where a product's result may be read in place),
 * weakly: the pool drops its memory when it closes.
 */
let lastShared: WeakRef<WebAssembly.Memory> | null = null;

/** @ignore How many steps {@linkcode lapStepInto} ran (for the tests: that the path is taken). */
export let lapIntoCount = 0;

/** @ignore How many last rows were computed from a product's result where it lay (tests). */
export let lastInPlaceCount = 0;

/**
 * {@linkcode lapStepView}'s `(d + 1) n` elements written into the shared `memory` (the worker
 * pool's, where a matrix product then reads them as its A) from byte `out`, its operands and
 * scratch placed from byte `free` on (16-byte aligned, past the result); false (nothing
 * written) where the kernel is not used or the memory is not a shared one it can run on.
 */
export function lapStepInto(
  memory: WebAssembly.Memory,
  out: number,
  free: number,
  s: unknown,
  d1: unknown,
  d2: unknown,
  d: number,
  n: number,
  m: number,
  abc?: Riccati,
): boolean {
  if (!stepUsed(s, d1, d2, d, n, abc)) return false;
  const sab = typeof SharedArrayBuffer === "function" && memory.buffer instanceof SharedArrayBuffer;
  if (!sab || out % 16 !== 0 || free % 16 !== 0) {
    return false;
  }
  // s, f', f'', sq, after `free`
  const at = layout([(d + 1) * m, n, n, m]).map((x) => x + free);
  if (at[4] - free > LAP_MAX_BYTES || out + (d + 1) * n * 8 > free) return false;
  const k = kernelsOn(memory);
  if (k === null || !growMemory(memory, at[4])) return false;
  const v = new Float64Array(memory.buffer);
  v.set(s, at[0] / 8);
  putDerivs(k, v, at[1], at[2], d1, d2, n, abc);
  k.step(at[0], at[1], at[2], out, out + d * n * 8, at[3], 1, d, n, m);
  lapIntoCount++;
  return true;
}

/**
 * The coefficients `[a, b, c]` of a Riccati function (`f' = a + b y + c y²`): the step's `f'`
 * argument then holds the values `y`, and `f'`, `f''` are computed in the module (the
 * operations of `riccatiDerivsKernel`, so the same bits); `f''` is not read.
 */
export type Riccati = readonly [number, number, number];

/** Byte offsets of consecutive regions of `counts[i]` float64 elements, each 16-byte aligned. */
function layout(counts: readonly number[]): number[] {
  const at = [0];
  for (const c of counts) at.push(at[at.length - 1] + ((c * 8 + 15) & ~15));
  return at;
}

const f64 = (x: unknown): x is Float64Array => x instanceof Float64Array;

/** Whether the step runs in the module: float64 operands (`d2` unread with `abc`), enough elements. */
function stepUsed(
  s: unknown,
  d1: unknown,
  d2: unknown,
  d: number,
  n: number,
  abc: Riccati | undefined,
): s is Float64Array {
  return f64(s) && f64(d1) && (abc !== undefined || f64(d2)) && !((d + 1) * n < LAP_MIN);
}

/**
 * Places `f'` at byte `a1` and `f''` at byte `a2` of the module's memory (view `v`): copied,
 * or for a Riccati `abc` computed there from the values `y` that `d1` then holds (operands
 * that {@linkcode stepUsed} accepted).
 */
function putDerivs(
  k: LapKernels,
  v: Float64Array,
  a1: number,
  a2: number,
  d1: unknown,
  d2: unknown,
  n: number,
  abc: Riccati | undefined,
): void {
  v.set(d1 as Float64Array, a1 / 8);
  if (abc === undefined) v.set(d2 as Float64Array, a2 / 8);
  else k.riccati(a1, a1, a2, n, abc[0], abc[1], abc[2]); // f' over y, f''
}

/**
 * A copy of `count` elements of `v` from byte `at`, as a new array made from the view (V8 then
 * skips zeroing it first: a quarter faster than a new array filled by `set` at 1 MiB).
 */
function copyOut(v: Float64Array, at: number, count: number): Float64Array {
  return new Float64Array(v.subarray(at / 8, at / 8 + count));
}

/**
 * `lapUnaryKernel` (see `taylor.ts`) for float64 storage: the `[d + 1, n]` step of a series
 * `s` of `m` elements a row repeated `n / m` times, or null where the kernel is not used
 * (other types, sizes outside its range, no WebAssembly).
 */
export function lapStepWasm(
  s: unknown,
  d1: unknown,
  d2: unknown,
  d: number,
  n: number,
  m: number,
  abc?: Riccati,
): Float64Array | null {
  const v = lapStepView(s, d1, d2, d, n, m, abc);
  return v === null ? null : new Float64Array(v);
}

/**
 * The step of {@linkcode lapStepWasm} left in the module's memory: a view of its `(d + 1) n`
 * elements, valid until the next call into this module (a consumer that copies it elsewhere
 * saves a fresh array), or null where the kernel is not used.
 */
export function lapStepView(
  s: unknown,
  d1: unknown,
  d2: unknown,
  d: number,
  n: number,
  m: number,
  abc?: Riccati,
): Float64Array | null {
  const r = runStep(s, d1, d2, d, n, m, true, abc);
  return r === null ? null : r.v.subarray(r.out / 8, r.out / 8 + (d + 1) * n);
}

/**
 * The last row alone (`[n]`: `s_d f' + (Σ_r s_r²) f''`) of {@linkcode lapStepWasm}'s step,
 * the same bits, or null where the kernel is not used.
 */
export function lapLastWasm(
  s: unknown,
  d1: unknown,
  d2: unknown,
  d: number,
  n: number,
  m: number,
  abc?: Riccati,
): Float64Array | null {
  const r = runStep(s, d1, d2, d, n, m, false, abc);
  return r === null ? null : copyOut(r.v, r.out, n);
}

/**
 * Runs the step in the module (every row, or the last one alone when not `dirs`): the view of
 * its memory and the byte offset of the result, or null where the kernel is not used.
 */
function runStep(
  s: unknown,
  d1: unknown,
  d2: unknown,
  d: number,
  n: number,
  m: number,
  dirs: boolean,
  abc?: Riccati,
): { v: Float64Array; out: number } | null {
  if (!stepUsed(s, d1, d2, d, n, abc)) return null;
  const shared = dirs ? undefined : lastShared?.deref();
  if (shared !== undefined && s.buffer === shared.buffer) {
    // s lies in the shared memory the kernels ran on (a product's result): read it there
    const k = kernelsOn(shared);
    const free = (s.byteOffset + s.byteLength + 15) & ~15;
    // f', f'', the last row, sq, past s
    const at = layout([n, n, n, m]).map((x) => x + free);
    if (k !== null && s.byteOffset % 16 === 0 && growMemory(k.memory, at[4])) {
      const v = new Float64Array(k.memory.buffer);
      putDerivs(k, v, at[0], at[1], d1, d2, n, abc);
      k.step(s.byteOffset, at[0], at[1], at[2], at[2], at[3], 0, d, n, m);
      lastInPlaceCount++;
      return { v, out: at[2] };
    }
  }
  // s, f', f'', out (or its last row), sq
  const at = layout([(d + 1) * m, n, n, (dirs ? d + 1 : 1) * n, m]);
  if (at[5] > LAP_MAX_BYTES) return null;
  const k = kernels.withMemory(at[5]);
  if (k === null) return null;
  const v = new Float64Array(k.memory.buffer);
  v.set(s, 0);
  putDerivs(k, v, at[1], at[2], d1, d2, n, abc);
  const last = at[3] + (dirs ? d * n * 8 : 0);
  k.step(at[0], at[1], at[2], at[3], last, at[4], dirs ? 1 : 0, d, n, m);
  return { v, out: at[3] };
}

/**
 * `lapUnaryVjpKernel` (see `taylor.ts`) for float64 storage: the gradients of the series
 * (`[d + 1, m]`), of `f'` and of `f''` (`[n]`), or null where the kernel is not used.
 */
export function lapVjpWasm(
  g: unknown,
  s: unknown,
  d1: unknown,
  d2: unknown,
  d: number,
  n: number,
  m: number,
): [Float64Array, Float64Array, Float64Array] | null {
  if (!f64(g) || !f64(s) || !f64(d1) || !f64(d2) || (d + 1) * n < LAP_MIN) return null;
  // b, sq, gs, g1 (zeroed together), then g2, g, s, f', f''
  const at = layout([m, m, (d + 1) * m, n, n, (d + 1) * n, (d + 1) * m, n, n]);
  if (at[9] > LAP_MAX_BYTES) return null;
  const k = kernels.withMemory(at[9]);
  if (k === null) return null;
  const v = new Float64Array(k.memory.buffer);
  v.set(g, at[5] / 8);
  v.set(s, at[6] / 8);
  v.set(d1, at[7] / 8);
  v.set(d2, at[8] / 8);
  k.vjp(at[5], at[6], at[7], at[8], at[0], at[1], at[2], at[3], at[4], at[4], d, n, m);
  return [copyOut(v, at[2], (d + 1) * m), copyOut(v, at[3], n), copyOut(v, at[4], n)];
}
