/**
 * Matrix products. The 2-D kernel computes `C = A · B` for row-major `A` (m×k) and `B` (k×n)
 * given at offsets into their storage, either operand read transposed without a copy.
 *
 * Large products run in hand-written WebAssembly SIMD (`wasm/gemm.wat`, with relaxed-SIMD
 * fused multiply-adds where the engine has them): the operands are packed into panels in the
 * module's memory, a 4×8 (float32) or 4×4 (float64) tile of the result stays in registers
 * along the whole inner dimension, and the result is copied out. float64 stays float64
 * (f64x2 lanes); float32 accumulates in float32 as BLAS does. Small products, matrix-vector
 * products and runtimes without WebAssembly use the plain loops below, which accumulate in
 * float64.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";
import { GEMM_RELAXED_WASM_BASE64, GEMM_WASM_BASE64 } from "./wasm/gemm_wasm.ts";

type Kernel = (mp: number, np: number, k: number, a: number, b: number, c: number) => void;
type Pack = (
  src: number,
  dst: number,
  rows: number,
  k: number,
  w: number,
  sI: number,
  sP: number,
) => void;

interface Gemm {
  readonly memory: WebAssembly.Memory;
  readonly f32: Kernel;
  readonly f64: Kernel;
  readonly pack32: Pack;
  readonly pack64: Pack;
  readonly relaxed: boolean;
}

let gemm: Gemm | null | undefined;

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** @ignore The WebAssembly kernels, instantiated on first use; null where unavailable. */
export function wasmGemm(): Gemm | null {
  if (gemm !== undefined) return gemm;
  gemm = null;
  try {
    if (typeof WebAssembly !== "object") return null;
    const relaxedBytes = decode(GEMM_RELAXED_WASM_BASE64);
    const relaxed = WebAssembly.validate(relaxedBytes);
    const bytes = relaxed ? relaxedBytes : decode(GEMM_WASM_BASE64);
    if (!relaxed && !WebAssembly.validate(bytes)) return null;
    const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as Record<
      string,
      unknown
    >;
    gemm = {
      memory: ex.memory as WebAssembly.Memory,
      f32: ex.gemm_f32 as Gemm["f32"],
      f64: ex.gemm_f64 as Gemm["f64"],
      pack32: ex.pack32 as Pack,
      pack64: ex.pack64 as Pack,
      relaxed,
    };
  } catch {
    gemm = null;
  }
  return gemm;
}

/** Products with at least this many multiply-adds go to WebAssembly. */
const WASM_MIN_WORK = 16 * 16 * 16;

/** Rows of A per panel (both dtypes); columns of B per panel are 8 (float32) or 4 (float64). */
const ROWS = 4;

/** The most WebAssembly memory a product may use (byte addresses are 32-bit). */
const WASM_MAX_BYTES = 2 ** 30;

/** Rounds an element count up so that the next region starts 16-byte aligned. */
const align4 = (x: number) => (x + 3) & ~3;

/**
 * The product in WebAssembly: the operands' storage is copied into the module's memory as
 * it is (one memcpy each), packed there into zero-padded panels, multiplied, and the result
 * copied out. Returns false (and leaves `out` alone) where the product does not fit.
 */
function wasmMatmul(
  g: Gemm,
  a: Float32Array | Float64Array,
  aOff: number,
  b: Float32Array | Float64Array,
  bOff: number,
  out: Float32Array | Float64Array,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): boolean {
  const f32 = out instanceof Float32Array;
  const es = f32 ? 4 : 8;
  const cols = f32 ? 8 : 4;
  const mp = Math.ceil(m / ROWS) * ROWS;
  const np = Math.ceil(n / cols) * cols;
  // regions, in elements: A as stored, B as stored, A packed, B packed, C padded
  const aRaw = 0;
  const bRaw = align4(aRaw + m * k);
  const aPack = align4(bRaw + k * n);
  const bPack = aPack + mp * k;
  const c0 = bPack + np * k;
  const need = (c0 + mp * np) * es;
  if (need > WASM_MAX_BYTES) return false;
  const have = g.memory.buffer.byteLength;
  if (need > have) {
    try {
      g.memory.grow(Math.ceil((need - have) / 65536));
    } catch {
      return false;
    }
  }
  const v = f32 ? new Float32Array(g.memory.buffer) : new Float64Array(g.memory.buffer);
  v.set(a.subarray(aOff, aOff + m * k), aRaw);
  v.set(b.subarray(bOff, bOff + k * n), bRaw);
  const pack = f32 ? g.pack32 : g.pack64;
  // A[i, p] sits at i·k + p (or p·m + i when transposed); B[p, j] at p·n + j (or j·k + p)
  pack(aRaw * es, aPack * es, m, k, ROWS, (transA ? 1 : k) * es, (transA ? m : 1) * es);
  pack(bRaw * es, bPack * es, n, k, cols, (transB ? k : 1) * es, (transB ? 1 : n) * es);
  (f32 ? g.f32 : g.f64)(mp, np, k, aPack * es, bPack * es, c0 * es);
  if (np === n) out.set(v.subarray(c0, c0 + m * n), outOff);
  else {
    for (let i = 0; i < m; i++) out.set(v.subarray(c0 + i * np, c0 + i * np + n), outOff + i * n);
  }
  return true;
}

/**
 * `out[outOff + i*n + j] = Σ_p A[i, p] · B[p, j]`, where `A[i, p]` is `a[aOff + i*k + p]`
 * (or `a[aOff + p*m + i]` when `transA`) and `B[p, j]` is `b[bOff + p*n + j]`
 * (or `b[bOff + j*k + p]` when `transB`).
 */
export function matmul2d(
  a: Storage,
  aOff: number,
  b: Storage,
  bOff: number,
  out: Storage,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
): void {
  if (n === 1) {
    matvec(a, aOff, b, bOff, out, outOff, m, k, transA);
    return;
  }
  if (
    m >= ROWS && n >= 4 && m * n * k >= WASM_MIN_WORK && !(out instanceof Uint8Array) &&
    !(a instanceof Uint8Array) && !(b instanceof Uint8Array)
  ) {
    const g = wasmGemm();
    if (g !== null && wasmMatmul(g, a, aOff, b, bOff, out, outOff, m, k, n, transA, transB)) {
      return;
    }
  }
  jsMatmul(a, aOff, b, bOff, out, outOff, m, k, n, transA, transB);
}

/** Columns of B per cache block of the plain-JS kernel (a k×64 strip stays in cache). */
const JS_BLOCK = 64;

/**
 * The same product in plain JavaScript, for small products and runtimes without WebAssembly:
 * a 4×4 tile of the result is accumulated in 16 local numbers (float64, whatever the dtype)
 * while the inner dimension is walked once, B is visited in strips of 64 columns so a strip
 * stays in cache across all rows, and the edges fall back to dot products.
 */
export function jsMatmul(
  a: Storage,
  aOff: number,
  b: Storage,
  bOff: number,
  out: Storage,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA = false,
  transB = false,
): void {
  const sAi = transA ? 1 : k, sAp = transA ? m : 1; // strides of A along i and p
  const sBj = transB ? k : 1, sBp = transB ? 1 : n; // strides of B along j and p
  const m4 = m - (m % 4);
  for (let j0 = 0; j0 < n; j0 += JS_BLOCK) {
    const j1 = Math.min(n, j0 + JS_BLOCK);
    const j4 = j0 + ((j1 - j0) - ((j1 - j0) % 4));
    for (let i = 0; i < m4; i += 4) {
      const a0 = aOff + i * sAi, a1 = a0 + sAi, a2 = a1 + sAi, a3 = a2 + sAi;
      const o0 = outOff + i * n, o1 = o0 + n, o2 = o1 + n, o3 = o2 + n;
      for (let j = j0; j < j4; j += 4) {
        const b0 = bOff + j * sBj, b1 = b0 + sBj, b2 = b1 + sBj, b3 = b2 + sBj;
        let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (let p = 0, pa = 0, pb = 0; p < k; p++, pa += sAp, pb += sBp) {
          const x0 = a[a0 + pa], x1 = a[a1 + pa], x2 = a[a2 + pa], x3 = a[a3 + pa];
          const y0 = b[b0 + pb], y1 = b[b1 + pb], y2 = b[b2 + pb], y3 = b[b3 + pb];
          c00 += x0 * y0, c01 += x0 * y1, c02 += x0 * y2, c03 += x0 * y3;
          c10 += x1 * y0, c11 += x1 * y1, c12 += x1 * y2, c13 += x1 * y3;
          c20 += x2 * y0, c21 += x2 * y1, c22 += x2 * y2, c23 += x2 * y3;
          c30 += x3 * y0, c31 += x3 * y1, c32 += x3 * y2, c33 += x3 * y3;
        }
        out[o0 + j] = c00, out[o0 + j + 1] = c01, out[o0 + j + 2] = c02, out[o0 + j + 3] = c03;
        out[o1 + j] = c10, out[o1 + j + 1] = c11, out[o1 + j + 2] = c12, out[o1 + j + 3] = c13;
        out[o2 + j] = c20, out[o2 + j + 1] = c21, out[o2 + j + 2] = c22, out[o2 + j + 3] = c23;
        out[o3 + j] = c30, out[o3 + j + 1] = c31, out[o3 + j + 2] = c32, out[o3 + j + 3] = c33;
      }
      for (let r = 0; r < 4; r++) {
        dots(a, a0 + r * sAi, sAp, b, bOff, sBj, sBp, out, o0 + r * n, k, j4, j1);
      }
    }
    for (let i = m4; i < m; i++) {
      dots(a, aOff + i * sAi, sAp, b, bOff, sBj, sBp, out, outOff + i * n, k, j0, j1);
    }
  }
}

/** `out[o + j] = Σ_p A[i, p]·B[p, j]` for j in [j0, j1), row i of A starting at `ai`. */
function dots(
  a: Storage,
  ai: number,
  sAp: number,
  b: Storage,
  bOff: number,
  sBj: number,
  sBp: number,
  out: Storage,
  o: number,
  k: number,
  j0: number,
  j1: number,
): void {
  for (let j = j0; j < j1; j++) {
    const bj = bOff + j * sBj;
    let s = 0;
    for (let p = 0; p < k; p++) s += a[ai + p * sAp] * b[bj + p * sBp];
    out[o + j] = s;
  }
}

/** `out = A·x` for an m×k `A` (read transposed when `transA`) and a contiguous `x`. */
function matvec(
  a: Storage,
  aOff: number,
  x: Storage,
  xOff: number,
  out: Storage,
  outOff: number,
  m: number,
  k: number,
  transA: boolean,
): void {
  if (transA) {
    // A is stored k×m: accumulate x[p]·(row p of the storage), reading it contiguously
    const acc = new Float64Array(m);
    for (let p = 0; p < k; p++) {
      const xp = x[xOff + p];
      const row = aOff + p * m;
      for (let i = 0; i < m; i++) acc[i] += a[row + i] * xp;
    }
    for (let i = 0; i < m; i++) out[outOff + i] = acc[i];
    return;
  }
  // four rows at a time: four independent sums share each load of x
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const r0 = aOff + i * k;
    const r1 = r0 + k;
    const r2 = r1 + k;
    const r3 = r2 + k;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let p = 0; p < k; p++) {
      const xp = x[xOff + p];
      s0 += a[r0 + p] * xp;
      s1 += a[r1 + p] * xp;
      s2 += a[r2 + p] * xp;
      s3 += a[r3 + p] * xp;
    }
    out[outOff + i] = s0;
    out[outOff + i + 1] = s1;
    out[outOff + i + 2] = s2;
    out[outOff + i + 3] = s3;
  }
  for (; i < m; i++) {
    const r = aOff + i * k;
    let s = 0;
    for (let p = 0; p < k; p++) s += a[r + p] * x[xOff + p];
    out[outOff + i] = s;
  }
}
