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

interface Gemm {
  readonly memory: WebAssembly.Memory;
  readonly f32: (mp: number, np: number, k: number, a: number, b: number, c: number) => void;
  readonly f64: (mp: number, np: number, k: number, a: number, b: number, c: number) => void;
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
      relaxed,
    };
  } catch {
    gemm = null;
  }
  return gemm;
}

/** Products with at least this many multiply-adds go to WebAssembly. */
const WASM_MIN_WORK = 16 * 16 * 16;

/** The panel sizes the kernels expect: rows of A per panel, columns of B per panel. */
const ROWS = 4;

function wasmMatmul(
  g: Gemm,
  a: Storage,
  aOff: number,
  b: Storage,
  bOff: number,
  out: Storage,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): void {
  const f32 = out instanceof Float32Array;
  const es = f32 ? 4 : 8;
  const cols = f32 ? 8 : 4;
  const mp = Math.ceil(m / ROWS) * ROWS;
  const np = Math.ceil(n / cols) * cols;
  const aLen = mp * k;
  const bLen = np * k;
  const need = (aLen + bLen + mp * np) * es;
  const have = g.memory.buffer.byteLength;
  if (need > have) g.memory.grow(Math.ceil((need - have) / 65536));
  const v = f32 ? new Float32Array(g.memory.buffer) : new Float64Array(g.memory.buffer);
  // A into row panels: panel ib holds A[ib..ib+4, p] at ib·k + p·4 + r
  const sAi = transA ? 1 : k;
  const sAp = transA ? m : 1;
  for (let ib = 0; ib < mp; ib += ROWS) {
    const base = ib * k;
    for (let r = 0; r < ROWS; r++) {
      const i = ib + r;
      if (i >= m) {
        for (let p = 0; p < k; p++) v[base + p * ROWS + r] = 0;
        continue;
      }
      const ai = aOff + i * sAi;
      for (let p = 0; p < k; p++) v[base + p * ROWS + r] = a[ai + p * sAp];
    }
  }
  // B into column panels: panel jb holds B[p, jb..jb+cols] at aLen + jb·k + p·cols + c
  const sBp = transB ? 1 : n;
  const sBj = transB ? k : 1;
  for (let jb = 0; jb < np; jb += cols) {
    const base = aLen + jb * k;
    const w = Math.min(cols, n - jb);
    for (let p = 0; p < k; p++) {
      const o = base + p * cols;
      const bp = bOff + p * sBp + jb * sBj;
      for (let c = 0; c < w; c++) v[o + c] = b[bp + c * sBj];
      for (let c = w; c < cols; c++) v[o + c] = 0;
    }
  }
  const c0 = aLen + bLen;
  (f32 ? g.f32 : g.f64)(mp, np, k, 0, aLen * es, c0 * es);
  if (np === n) out.set(v.subarray(c0, c0 + m * n), outOff);
  else {
    for (let i = 0; i < m; i++) out.set(v.subarray(c0 + i * np, c0 + i * np + n), outOff + i * n);
  }
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
  const sAi = transA ? 1 : k; // stride of A along i
  const sAp = transA ? m : 1; // stride of A along p
  if (n === 1) {
    // matrix-vector: B is one column, contiguous either way
    for (let i = 0; i < m; i++) {
      const ai = aOff + i * sAi;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p * sAp] * b[bOff + p];
      out[outOff + i] = s;
    }
    return;
  }
  if (m >= ROWS && n >= 4 && m * n * k >= WASM_MIN_WORK && k > 0 && !(out instanceof Array)) {
    const g = wasmGemm();
    if (g !== null) {
      wasmMatmul(g, a, aOff, b, bOff, out, outOff, m, k, n, transA, transB);
      return;
    }
  }
  const acc = new Float64Array(n);
  if (!transB) {
    for (let i = 0; i < m; i++) {
      acc.fill(0);
      const ai = aOff + i * sAi;
      for (let p = 0; p < k; p++) {
        const av = a[ai + p * sAp];
        const bp = bOff + p * n;
        for (let j = 0; j < n; j++) acc[j] += av * b[bp + j];
      }
      const o = outOff + i * n;
      for (let j = 0; j < n; j++) out[o + j] = acc[j];
    }
    return;
  }
  // B transposed: each output element is a dot product of two contiguous rows.
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * sAi;
    const o = outOff + i * n;
    for (let j = 0; j < n; j++) {
      const bj = bOff + j * k;
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ai + p * sAp] * b[bj + p];
      out[o + j] = s;
    }
  }
}
