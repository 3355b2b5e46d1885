/**
 * Memory-bound kernels of every linear layer in WebAssembly SIMD (`wasm/rows.wat`, written by
 * `tests/tools/gen_rows.ts`): a matrix plus a row broadcast along its rows (the bias add), the
 * sums of a matrix's columns (the bias gradient, a sum over the leading dimension), and
 * `g·(1 − y²)` (the backward of a tanh activation from its output).
 * The operands are copied into the module's memory and the result out, and still a 64×256
 * float32 bias add takes ~9 µs against ~27 µs in the JavaScript kernels, whose loops over
 * typed arrays of several types run at 1-2 ns an element (measured on Deno 2.9).
 *
 * The bits are those of the JavaScript loops: the float32 sum of two float32 values, rounded
 * once, is the float64 sum rounded to float32 (float64 has more than twice the digits), and
 * the column sums add each column in the same order in float64. Only calls that need at most
 * {@linkcode ROWS_MAX_BYTES} come here, so the module's memory (which WebAssembly never gives
 * back) stays small.
 *
 * @module
 */

import { ROWS_WASM_BASE64 } from "./wasm/rows_wasm.ts";
import { WasmKernels } from "./wasm_module.ts";

/** Results with fewer elements stay in JavaScript (the copies and the call cost ~1 µs). */
export const ROWS_MIN = 1024;

/**
 * The most memory a call may need (its operands and result side by side): larger ones stay in
 * JavaScript, so that the module's memory stays at most 8 MiB.
 */
export const ROWS_MAX_BYTES = 2 ** 23;

type Rows = (a: number, b: number, o: number, m: number, n: number) => void;
type Sums = (x: number, acc: number, m: number, n: number) => void;
type Map2 = (g: number, y: number, o: number, n: number) => void;

interface RowKernels {
  readonly memory: WebAssembly.Memory;
  readonly addRows32: Rows;
  readonly addRows64: Rows;
  readonly colSums32: Sums;
  readonly colSums64: Sums;
  readonly tanhGrad32: Map2;
  readonly tanhGrad64: Map2;
}

const kernels = new WasmKernels<RowKernels>("rows", ROWS_WASM_BASE64, (ex) => ({
  memory: ex.memory as WebAssembly.Memory,
  addRows32: ex.add_rows_f32 as Rows,
  addRows64: ex.add_rows_f64 as Rows,
  colSums32: ex.col_sums_f32 as Sums,
  colSums64: ex.col_sums_f64 as Sums,
  tanhGrad32: ex.tanh_grad_f32 as Map2,
  tanhGrad64: ex.tanh_grad_f64 as Map2,
}));

/** The instance with at least `bytes` of memory, or null (also beyond ROWS_MAX_BYTES). */
function withMemory(bytes: number): RowKernels | null {
  return bytes > ROWS_MAX_BYTES ? null : kernels.withMemory(bytes);
}

/** Rounds a byte count up to a multiple of 16. */
const align16 = (x: number) => (x + 15) & ~15;

type Float = Float32Array | Float64Array;

/** Whether `x` is float32 or float64 storage. */
const isFloat = (x: unknown): x is Float => x instanceof Float32Array || x instanceof Float64Array;

/**
 * `out[i·n + j] = a[i·n + j] + row[j]` for an m×n `a` (float32 or float64, all three the same
 * type). Returns false, writing nothing, where the kernels are not used (other types, sizes
 * outside their range, no WebAssembly).
 */
export function addRows(a: unknown, row: unknown, out: unknown, m: number, n: number): boolean {
  if (!isFloat(a) || !isFloat(row) || !isFloat(out) || m * n < ROWS_MIN) return false;
  const f32 = a instanceof Float32Array;
  if (row.constructor !== a.constructor || out.constructor !== a.constructor) return false;
  const bytes = a.byteLength;
  const rowAt = align16(bytes), outAt = rowAt + align16(row.byteLength);
  const k = withMemory(outAt + bytes);
  if (k === null) return false;
  const v = f32 ? new Float32Array(k.memory.buffer) : new Float64Array(k.memory.buffer);
  const es = a.BYTES_PER_ELEMENT;
  v.set(a, 0);
  v.set(row, rowAt / es);
  (f32 ? k.addRows32 : k.addRows64)(0, rowAt, outAt, m, n);
  out.set(v.subarray(outAt / es, outAt / es + m * n));
  return true;
}

/**
 * The sums over the middle axis of `x` viewed as `[outer, n, inner]`, in float64, each in the
 * order of the rows; null where the kernels are not used (see {@linkcode addRows}). The result
 * is a view of the kernels' memory: read or copy it before the next kernel of this module.
 */
export function columnSums(
  x: unknown,
  outer: number,
  n: number,
  inner: number,
): Float64Array | null {
  if (!isFloat(x) || x.length < ROWS_MIN || inner < 2) return null;
  const accAt = align16(x.byteLength), es = x.BYTES_PER_ELEMENT;
  const k = withMemory(accAt + outer * inner * 8);
  if (k === null) return null;
  const f32 = x instanceof Float32Array;
  (f32 ? new Float32Array(k.memory.buffer) : new Float64Array(k.memory.buffer)).set(x, 0);
  const acc = new Float64Array(k.memory.buffer, accAt, outer * inner).fill(0);
  const sums = f32 ? k.colSums32 : k.colSums64;
  for (let o = 0; o < outer; o++) sums(o * n * inner * es, accAt + o * inner * 8, n, inner);
  return acc;
}

/**
 * `out[i] = g[i] · (1 − y[i]²)`, tanh's backward from its output, each operation rounded to
 * the storage type (float32 or float64, all three the same), as `tanhBackwardKernel` rounds;
 * false, writing nothing, where the kernels are not used (see {@linkcode addRows}).
 */
export function tanhGrad(g: unknown, y: unknown, out: unknown): boolean {
  if (!isFloat(g) || !isFloat(y) || !isFloat(out) || out.length < ROWS_MIN) return false;
  if (g.constructor !== out.constructor || y.constructor !== out.constructor) return false;
  const bytes = out.byteLength;
  if (g.length !== out.length || y.length !== out.length) return false;
  const yAt = align16(bytes), outAt = 2 * yAt;
  const k = withMemory(outAt + bytes);
  if (k === null) return false;
  const f32 = out instanceof Float32Array, es = out.BYTES_PER_ELEMENT;
  const v = f32 ? new Float32Array(k.memory.buffer) : new Float64Array(k.memory.buffer);
  v.set(g, 0);
  v.set(y, yAt / es);
  (f32 ? k.tanhGrad32 : k.tanhGrad64)(0, yAt, outAt, out.length);
  out.set(v.subarray(outAt / es, outAt / es + out.length));
  return true;
}
