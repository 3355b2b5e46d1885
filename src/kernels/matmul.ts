/**
 * Matrix products. The 2-D kernel computes `C = A · B` for row-major `A` (m×k) and `B` (k×n)
 * given at offsets into their storage, either operand read transposed without a copy.
 *
 * Large products run in WebAssembly SIMD (`wasm/gemm.wat`, written by `tests/tools/gen_wat.ts`,
 * with relaxed-SIMD fused multiply-adds where the engine has them): each operand's storage is copied into the
 * module's memory with one memcpy, packed there (16 bytes at a time where the layout allows)
 * into zero-padded panels (B always, A when it is read transposed; row-major A is read as
 * stored, six rows at a time), a 6×8 (float32) or 6×4 (float64) tile of the result stays in
 * registers along the whole inner dimension, and the result is copied out. A is walked in
 * L2-sized blocks of panels, and products beyond a memory budget run in blocks of rows and
 * columns, so the module's memory stays bounded. float64 stays float64 (f64x2
 * lanes); float32 accumulates in float32 lanes, as BLAS does. Small products,
 * matrix-vector products and runtimes without WebAssembly use plain JavaScript (a 4×4
 * register tile, cache blocked), which accumulates in float64 for both dtypes.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";
import type { Gemm } from "./gemm_instance.ts";
import { gemmFor, prewake, singleGemm } from "./backend.ts";
import { MAX_CHUNKS, PREWAKE_MIN_BYTES } from "./pool.ts";
import { growMemory } from "./wasm_module.ts";

export type { Gemm } from "./gemm_instance.ts";
export { loadGemm } from "./gemm_instance.ts";

/**
 * The kernels that run on the calling thread alone: the relaxed-SIMD build where the engine
 * validates it, else plain SIMD; null without WebAssembly SIMD.
 */
export function wasmGemm(): Gemm | null {
  return singleGemm();
}

/** Products with at least this many multiply-adds go to WebAssembly. */
export const WASM_MIN_WORK = 8 * 8 * 8;

/** Rows of A per panel (both dtypes); columns of B per panel are 8 (float32) or 4 (float64). */
export const ROWS = 6;

/**
 * The WebAssembly memory one product may use. Larger products run in blocks of rows of A
 * and columns of B that fit, so the module's memory stays bounded.
 */
export const WASM_BUDGET_BYTES = 2 ** 28;

/**
 * Bytes of A (packed or as stored) that one kernel call walks for every column panel of B: about an L2
 * cache, so that the block stays there while B streams past (measured best on Zen 5, where
 * 2048² products run 35 → 50 GFLOP/s in float32 with it; 512² and smaller are one block).
 */
const L2_BLOCK_BYTES = 2 ** 20;

/** Rounds an element count up so that the next region starts 16-byte aligned. */
const align4 = (x: number) => (x + 3) & ~3;

/** Element offsets of the regions of one block: A and B as stored, packed, and C. */
export function layout(mc: number, nc: number, k: number, cols: number) {
  const mp = Math.ceil(mc / ROWS) * ROWS;
  const np = Math.ceil(nc / cols) * cols;
  const bRaw = align4(mc * k);
  const aPack = align4(bRaw + k * nc);
  const bPack = align4(aPack + mp * k + 3); // room for pack's overrun (≤ 16 bytes)
  const c = align4(bPack + np * k + 3);
  return { mp, np, bRaw, aPack, bPack, c, end: c + mp * np };
}

/**
 * A producer of A's rows `[i0, i0 + rows)` (row-major, `k` elements each), writing them into
 * `v` from element `at`: a product whose A is computed on the way into the module's memory
 * (the forward Laplacian's scaled directions) instead of copied from storage.
 */
export type RowSource = (
  v: Float32Array | Float64Array,
  at: number,
  i0: number,
  rows: number,
) => void;

/**
 * The product in WebAssembly: the operands' storage is copied into the module's memory as
 * it is (one memcpy each when the product fits in `budget` bytes, else one block of rows of
 * A and columns of B at a time), packed there into zero-padded panels (A only when it is read
 * transposed), multiplied, and the result copied out. Returns false (and leaves `out` alone)
 * where not even a block of one panel fits, or the memory cannot grow.
 */
export function wasmMatmul(
  g: Gemm,
  a: Float32Array | Float64Array | RowSource,
  aOff: number,
  b: Float32Array | Float64Array,
  bOff: number,
  out: Float32Array | Float64Array | null,
  outOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  budget: number = WASM_BUDGET_BYTES,
): boolean {
  const f32 = (out ?? b) instanceof Float32Array;
  const es = f32 ? 4 : 8;
  const cols = f32 ? 8 : 4;
  const cap = Math.floor(budget / es); // elements
  let mc = m, nc = n;
  if (layout(m, n, k, cols).end > cap) {
    if (out === null) return false; // (left in memory: one block only)
    // blocks: all of B if it takes at most half the budget (else the columns that do), then
    // the rows of A that fit beside it
    if (layout(ROWS, n, k, cols).end > cap / 2) {
      nc = Math.max(cols, Math.floor(cap / 2 / (2 * k) / cols) * cols - cols);
    }
    const np = Math.ceil(nc / cols) * cols;
    mc = Math.min(
      m,
      Math.max(ROWS, Math.floor((cap - 2 * k * np) / (2 * k + np) / ROWS - 1) * ROWS),
    );
    if (layout(mc, nc, k, cols).end > cap) return false;
  }
  const L = layout(mc, nc, k, cols); // regions sized for the largest block
  if (!growMemory(g.memory, L.end * es)) return false;
  const v = f32 ? new Float32Array(g.memory.buffer) : new Float64Array(g.memory.buffer);
  const pack = f32 ? g.pack32 : g.pack64;
  const kernel = f32 ? g.f32 : g.f64;
  // a few panels of A per kernel call, so that they stay in L2 while all of B streams past
  const rows = Math.max(ROWS, Math.floor(L2_BLOCK_BYTES / (k * es * ROWS)) * ROWS);
  if (
    g.parallel !== undefined && (Math.min(mc, m) + Math.min(nc, n)) * k * es >= PREWAKE_MIN_BYTES
  ) {
    // the pool's blocked workers start polling now, while the operands are copied and packed
    const mp = Math.ceil(Math.min(mc, m) / ROWS) * ROWS;
    prewake(mp * Math.ceil(Math.min(nc, n) / cols) * cols * k, Math.ceil(mp / poolRows(mp, rows)));
  }
  for (let j0 = 0; j0 < n; j0 += nc) {
    const nb = Math.min(nc, n - j0);
    const np = Math.ceil(nb / cols) * cols;
    // B's block as stored: columns j0.. of B (p·n + j), or rows j0.. of Bᵀ (j·k + p)
    if (transB) v.set(b.subarray(bOff + j0 * k, bOff + (j0 + nb) * k), L.bRaw);
    else if (nb === n) v.set(b.subarray(bOff, bOff + k * n), L.bRaw);
    else {
      for (let p = 0; p < k; p++) {
        v.set(b.subarray(bOff + p * n + j0, bOff + p * n + j0 + nb), L.bRaw + p * nb);
      }
    }
    pack(L.bRaw * es, L.bPack * es, nb, k, cols, (transB ? k : 1) * es, (transB ? 1 : nb) * es);
    for (let i0 = 0; i0 < m; i0 += mc) {
      const mb = Math.min(mc, m - i0);
      const mp = Math.ceil(mb / ROWS) * ROWS;
      // A's block as stored: rows i0.. of A (i·k + p), which the kernel reads as they are, or
      // columns i0.. of Aᵀ (p·m + i), packed into panels
      if (typeof a === "function") a(v, 0, i0, mb); // (never transposed)
      else if (!transA) v.set(a.subarray(aOff + i0 * k, aOff + (i0 + mb) * k), 0);
      else if (mb === m) v.set(a.subarray(aOff, aOff + k * m), 0);
      else {
        for (let p = 0; p < k; p++) {
          v.set(a.subarray(aOff + p * m + i0, aOff + p * m + i0 + mb), p * mb);
        }
      }
      if (transA) pack(0, L.aPack * es, mb, k, ROWS, es, mb * es);
      const aAt = transA ? L.aPack * es : 0;
      const sa = transA ? es : k * es, sp = transA ? ROWS * es : es, sq = ROWS * k * es;
      if (g.parallel !== undefined) {
        g.parallel(f32, mp, np, k, aAt, L.bPack * es, L.c * es, poolRows(mp, rows), sa, sp);
      } else {
        for (let r = 0; r < mp; r += rows) {
          const mr = Math.min(rows, mp - r);
          kernel(mr, np, k, aAt + r * k * es, L.bPack * es, (L.c + r * np) * es, sa, sp, sq);
        }
      }
      if (out !== null) copyRows(v, L.c, np, out, outOff + i0 * n + j0, n, mb, nb);
    }
  }
  return true;
}

/**
 * The rows of a pool chunk of a product of `mp` rows (whole panels): at least 16 chunks when
 * the product allows, at most `rows` (the L2 block), at most `MAX_CHUNKS` chunks (which chunk
 * a thread takes changes no bits).
 */
function poolRows(mp: number, rows: number): number {
  const chunk = Math.min(rows, Math.max(ROWS, Math.ceil(mp / ROWS / 16) * ROWS));
  return Math.max(chunk, Math.ceil(mp / ROWS / MAX_CHUNKS) * ROWS);
}

/**
 * `A · op(B)` (A `m×k`, `op(B)` `k×n`) in WebAssembly with A's rows written by `source` into
 * the module's memory, as a new array (made from the result in memory where it lies there
 * contiguous: V8 then skips zeroing it), or null where such a product does not run there
 * (small products, matrix-vector products, no WebAssembly).
 */
export function matmulRows(
  source: RowSource,
  m: number,
  k: number,
  b: Float32Array | Float64Array,
  n: number,
  transB: boolean,
): Float32Array | Float64Array | null {
  const v = matmulRowsView(source, m, k, b, n, transB);
  if (v !== null) return v instanceof Float32Array ? new Float32Array(v) : new Float64Array(v);
  const g = n === 1 || m * n * k < WASM_MIN_WORK ? null : gemmFor(m * n * k);
  if (g === null) return null;
  const out = b instanceof Float32Array ? new Float32Array(m * n) : new Float64Array(m * n);
  return wasmMatmul(g, source, 0, b, 0, out, 0, m, k, n, false, transB) ? out : null;
}

/**
 * {@linkcode matmulRows}'s product left in the module's memory: a view of it, valid until the
 * memory is used again, or null (nothing computed) where it would not lie there contiguous
 * (n not a multiple of the panel width, more than one block) or does not run there.
 */
export function matmulRowsView(
  source: RowSource,
  m: number,
  k: number,
  b: Float32Array | Float64Array,
  n: number,
  transB: boolean,
): Float32Array | Float64Array | null {
  const f32 = b instanceof Float32Array, cols = f32 ? 8 : 4;
  if (n === 1 || m * n * k < WASM_MIN_WORK || n % cols !== 0) return null;
  const g = gemmFor(m * n * k);
  if (g === null || !wasmMatmul(g, source, 0, b, 0, null, 0, m, k, n, false, transB)) return null;
  const at = layout(m, n, k, cols).c;
  return f32
    ? new Float32Array(g.memory.buffer, at * 4, m * n)
    : new Float64Array(g.memory.buffer, at * 8, m * n);
}

/**
 * {@linkcode matmulRows} (or, `inMemory`, {@linkcode matmulRowsView}) for float64 with A
 * written in place: where the product runs on the worker pool's shared memory in one block,
 * `fill(memory, free)` writes A's `m·k` elements row-major at byte 0 of that memory (where the
 * kernel reads A as stored), using only the bytes from `free` on for anything else, before B is
 * copied in. Null where this does not apply or `fill` gives false (nothing computed then).
 */
export function matmulFilled(
  fill: (memory: WebAssembly.Memory, free: number) => boolean,
  m: number,
  k: number,
  b: Float64Array,
  n: number,
  transB: boolean,
  inMemory: boolean,
): Float64Array | null {
  if (n === 1 || m * n * k < WASM_MIN_WORK || (inMemory && n % 4 !== 0)) return null;
  const g = gemmFor(m * n * k);
  const L = layout(m, n, k, 4);
  if (g === null || g.parallel === undefined || L.end * 8 > WASM_BUDGET_BYTES) return null;
  if (!growMemory(g.memory, L.end * 8)) return null;
  // the pool's blocked workers start polling now, while A is computed into place
  const rows = Math.max(ROWS, Math.floor(L2_BLOCK_BYTES / (k * 8 * ROWS)) * ROWS);
  prewake(L.mp * L.np * k, Math.ceil(L.mp / poolRows(L.mp, rows)));
  if (!fill(g.memory, L.end * 8)) return null;
  const out = inMemory || n % 4 === 0 ? null : new Float64Array(m * n);
  if (!wasmMatmul(g, () => {}, 0, b, 0, out, 0, m, k, n, false, transB)) return null;
  if (out !== null) return out;
  const view = new Float64Array(g.memory.buffer, L.c * 8, m * n);
  return inMemory ? view : new Float64Array(view);
}

/**
 * Rows of narrower results than this are copied out of the module's memory element by element:
 * a `set` per row costs about 30 ns, what ~40 elements take one at a time (a 256×10 result:
 * 7.8 µs by rows, 1.9 µs by elements).
 */
const NARROW_ROWS = 32;

/**
 * Copies `rows` rows of `cols` elements from `src` (rows `srcRow` elements apart, from
 * `srcOff`) into `out` (rows `outRow` apart, from `outOff`): one `set` when both are
 * contiguous, else one per row, or element by element for narrow rows.
 */
export function copyRows(
  src: Float32Array | Float64Array,
  srcOff: number,
  srcRow: number,
  out: Float32Array | Float64Array,
  outOff: number,
  outRow: number,
  rows: number,
  cols: number,
): void {
  if (srcRow === cols && outRow === cols) {
    out.set(src.subarray(srcOff, srcOff + rows * cols), outOff);
  } else if (cols < NARROW_ROWS) {
    for (let i = 0; i < rows; i++) {
      const s = srcOff + i * srcRow, o = outOff + i * outRow;
      for (let j = 0; j < cols; j++) out[o + j] = src[s + j];
    }
  } else {
    for (let i = 0; i < rows; i++) {
      const s = srcOff + i * srcRow;
      out.set(src.subarray(s, s + cols), outOff + i * outRow);
    }
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
  if (n === 1) {
    matvec(a, aOff, b, bOff, out, outOff, m, k, transA);
    return;
  }
  if (
    m * n * k >= WASM_MIN_WORK && !(out instanceof Uint8Array) && !(a instanceof Uint8Array) &&
    !(b instanceof Uint8Array)
  ) {
    const g = gemmFor(m * n * k);
    if (g !== null && wasmMatmul(g, a, aOff, b, bOff, out, outOff, m, k, n, transA, transB)) {
      return;
    }
  }
  if (m === 1 && !transB) {
    matvecT(b, bOff, a, aOff, out, outOff, n, k); // x·B = Bᵀx, B read row by row
    return;
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
  let acc: Float64Array | null = null; // row accumulator of the last rows
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
      // the last columns of the strip, four rows at a time
      for (let j = j4; j < j1; j++) {
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let p = 0, pa = 0, pb = bOff + j * sBj; p < k; p++, pa += sAp, pb += sBp) {
          const y = b[pb];
          s0 += a[a0 + pa] * y, s1 += a[a1 + pa] * y, s2 += a[a2 + pa] * y, s3 += a[a3 + pa] * y;
        }
        out[o0 + j] = s0, out[o1 + j] = s1, out[o2 + j] = s2, out[o3 + j] = s3;
      }
    }
    // the last rows: whole rows of B at a time (or dot products with rows of Bᵀ)
    for (let i = m4; i < m; i++) {
      const ai = aOff + i * sAi, o = outOff + i * n;
      if (!transB) {
        if (acc === null) acc = new Float64Array(Math.min(n, JS_BLOCK));
        else acc.fill(0);
        for (let p = 0, pa = ai, pb = bOff + j0; p < k; p++, pa += sAp, pb += n) {
          const x = a[pa];
          for (let j = 0; j < j1 - j0; j++) acc[j] += x * b[pb + j];
        }
        for (let j = j0; j < j1; j++) out[o + j] = acc[j - j0];
        continue;
      }
      for (let j = j0; j < j1; j++) {
        let t = 0;
        for (let p = 0, pa = ai, pb = bOff + j * k; p < k; p++, pa += sAp, pb++) t += a[pa] * b[pb];
        out[o + j] = t;
      }
    }
  }
}

/** Scratch accumulator of the transposed matrix-vector product (grown, never shrunk). */
let mvScratch = new Float64Array(256);

/**
 * `out = A·x` for an m×k `A` (read transposed when `transA`) and a contiguous `x`.
 *
 * Every output is summed over p in increasing order in a float64 number, rounded once when it
 * is stored, in both forms (so the transposed form gives the same bits as the plain one).
 */
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
    matvecT(a, aOff, x, xOff, out, outOff, m, k);
    return;
  }
  // eight rows at a time: eight independent sums share each load of x
  let i = 0;
  for (; i + 8 <= m; i += 8) {
    const r0 = aOff + i * k, r1 = r0 + k, r2 = r1 + k, r3 = r2 + k;
    const r4 = r3 + k, r5 = r4 + k, r6 = r5 + k, r7 = r6 + k;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
    for (let p = 0; p < k; p++) {
      const xp = x[xOff + p];
      s0 += a[r0 + p] * xp, s1 += a[r1 + p] * xp, s2 += a[r2 + p] * xp, s3 += a[r3 + p] * xp;
      s4 += a[r4 + p] * xp, s5 += a[r5 + p] * xp, s6 += a[r6 + p] * xp, s7 += a[r7 + p] * xp;
    }
    const o = outOff + i;
    out[o] = s0, out[o + 1] = s1, out[o + 2] = s2, out[o + 3] = s3;
    out[o + 4] = s4, out[o + 5] = s5, out[o + 6] = s6, out[o + 7] = s7;
  }
  for (; i + 4 <= m; i += 4) {
    const r0 = aOff + i * k;
    const r1 = r0 + k;
    const r2 = r1 + k;
    const r3 = r2 + k;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    let p = 0;
    for (; p + 2 <= k; p += 2) {
      const xp = x[xOff + p], xq = x[xOff + p + 1];
      s0 = s0 + a[r0 + p] * xp + a[r0 + p + 1] * xq;
      s1 = s1 + a[r1 + p] * xp + a[r1 + p + 1] * xq;
      s2 = s2 + a[r2 + p] * xp + a[r2 + p + 1] * xq;
      s3 = s3 + a[r3 + p] * xp + a[r3 + p + 1] * xq;
    }
    if (p < k) {
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

/**
 * `out = Aᵀ·x` with A stored k×m: `out[i] = Σ_p A[p, i]·x[p]`, adding rows of the storage
 * scaled by `x[p]` (read contiguously). Four rows are folded into each accumulator per pass,
 * added one after another in increasing p, so each sum is formed in the same order as a dot
 * product would be, with a quarter of the accumulator loads and stores. A float64 `out` that
 * shares no memory with the operands is the accumulator itself; otherwise a reused scratch is.
 */
function matvecT(
  a: Storage,
  aOff: number,
  x: Storage,
  xOff: number,
  out: Storage,
  outOff: number,
  m: number,
  k: number,
): void {
  let acc: Float64Array, o: number;
  if (out instanceof Float64Array && out.buffer !== a.buffer && out.buffer !== x.buffer) {
    acc = out, o = outOff;
  } else {
    if (mvScratch.length < m) mvScratch = new Float64Array(Math.max(m, 2 * mvScratch.length));
    acc = mvScratch, o = 0;
  }
  const e = o + m;
  let p = 0;
  if (k >= 4) {
    const x0 = x[xOff], x1 = x[xOff + 1], x2 = x[xOff + 2], x3 = x[xOff + 3];
    const r0 = aOff, r1 = r0 + m, r2 = r1 + m, r3 = r2 + m;
    // the first pass starts each sum at 0 (0 + a·x keeps a negative zero positive, as before)
    for (let i = 0, q = o; q < e; i++, q++) {
      acc[q] = 0 + a[r0 + i] * x0 + a[r1 + i] * x1 + a[r2 + i] * x2 + a[r3 + i] * x3;
    }
    for (p = 4; p + 8 <= k; p += 8) {
      const y0 = x[xOff + p], y1 = x[xOff + p + 1], y2 = x[xOff + p + 2], y3 = x[xOff + p + 3];
      const y4 = x[xOff + p + 4], y5 = x[xOff + p + 5], y6 = x[xOff + p + 6];
      const y7 = x[xOff + p + 7];
      const s0 = aOff + p * m, s1 = s0 + m, s2 = s1 + m, s3 = s2 + m;
      const s4 = s3 + m, s5 = s4 + m, s6 = s5 + m, s7 = s6 + m;
      for (let i = 0, q = o; q < e; i++, q++) {
        acc[q] = acc[q] + a[s0 + i] * y0 + a[s1 + i] * y1 + a[s2 + i] * y2 + a[s3 + i] * y3 +
          a[s4 + i] * y4 + a[s5 + i] * y5 + a[s6 + i] * y6 + a[s7 + i] * y7;
      }
    }
    for (; p + 4 <= k; p += 4) {
      const y0 = x[xOff + p], y1 = x[xOff + p + 1], y2 = x[xOff + p + 2], y3 = x[xOff + p + 3];
      const s0 = aOff + p * m, s1 = s0 + m, s2 = s1 + m, s3 = s2 + m;
      for (let i = 0, q = o; q < e; i++, q++) {
        acc[q] = acc[q] + a[s0 + i] * y0 + a[s1 + i] * y1 + a[s2 + i] * y2 + a[s3 + i] * y3;
      }
    }
  } else {
    acc.fill(0, o, e);
  }
  for (; p < k; p++) {
    const xp = x[xOff + p];
    const row = aOff + p * m;
    for (let i = 0, q = o; q < e; i++, q++) acc[q] += a[row + i] * xp;
  }
  if (acc !== out) { for (let i = 0; i < m; i++) out[outOff + i] = acc[i]; }
}
