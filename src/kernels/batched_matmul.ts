/**
 * Batches of matrix products. Each product large enough for the worker pool on its own is
 * split by rows (`matmul2d`); a batch of smaller ones is split by items instead: the operands
 * of a group of items are copied into the pool's shared WebAssembly memory, each thread packs
 * and multiplies whole items, exactly as `wasmMatmul` does for one product, and the results
 * are copied out. Every item is computed by the same code as on one thread: the same bits.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";
import { PARALLEL_MIN_WORK, threadPool } from "./backend.ts";
import { copyRows, layout, matmul2d, ROWS, WASM_BUDGET_BYTES, WASM_MIN_WORK } from "./matmul.ts";
import { PREWAKE_MIN_BYTES } from "./pool.ts";

/**
 * `out[outOffs + i·m·n …] = op(A_i) · op(B_i)` for the items `i` of a batch, where item `i` of
 * A starts at `a[aOffs[i]]` and of B at `b[bOffs[i]]` (see `matmul2d` for the layouts).
 */
export function batchedMatmul(
  a: Storage,
  aOffs: readonly number[],
  b: Storage,
  bOffs: readonly number[],
  out: Storage,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): void {
  const count = aOffs.length;
  const work = m * n * k;
  if (
    count < 2 || n === 1 || work < WASM_MIN_WORK || work >= PARALLEL_MIN_WORK ||
    work * count < PARALLEL_MIN_WORK || out instanceof Uint8Array || a instanceof Uint8Array ||
    b instanceof Uint8Array || !byItems(a, aOffs, b, bOffs, out, m, k, n, transA, transB)
  ) {
    for (let i = 0; i < count; i++) {
      matmul2d(a, aOffs[i], b, bOffs[i], out, i * m * n, m, k, n, transA, transB);
    }
  }
}

/** The batch split by items across the pool; false (nothing written) where it cannot be. */
function byItems(
  a: Float32Array | Float64Array,
  aOffs: readonly number[],
  b: Float32Array | Float64Array,
  bOffs: readonly number[],
  out: Float32Array | Float64Array,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): boolean {
  const pool = threadPool();
  const g = pool?.gemm;
  if (!g || pool === null) return false;
  const f32 = out instanceof Float32Array;
  const es = f32 ? 4 : 8;
  const L = layout(m, n, k, f32 ? 8 : 4);
  const stride = (L.end + 3) & ~3;
  const group = Math.min(aOffs.length, Math.floor(WASM_BUDGET_BYTES / es / stride));
  if (group < 2) return false;
  const need = group * stride * es;
  if (need > g.memory.buffer.byteLength) {
    try {
      g.memory.grow(Math.ceil((need - g.memory.buffer.byteLength) / 65536));
    } catch {
      return false;
    }
  }
  const v = f32 ? new Float32Array(g.memory.buffer) : new Float64Array(g.memory.buffer);
  const per = Math.max(1, Math.ceil(group / (pool.threads * 4)));
  for (let i0 = 0; i0 < aOffs.length; i0 += group) {
    const count = Math.min(group, aOffs.length - i0);
    // the blocked workers start polling now, while the items are copied in (if that is long)
    if (count * (m + n) * k * es >= PREWAKE_MIN_BYTES) {
      pool.prewake(count * L.mp * L.np * k, Math.ceil(count / per));
    }
    for (let t = 0; t < count; t++) {
      const at = t * stride;
      v.set(a.subarray(aOffs[i0 + t], aOffs[i0 + t] + m * k), at);
      v.set(b.subarray(bOffs[i0 + t], bOffs[i0 + t] + k * n), at + L.bRaw);
    }
    pool.batch({
      f32,
      m,
      k,
      n,
      transA,
      transB,
      base: 0,
      stride,
      bRaw: L.bRaw,
      aPack: L.aPack,
      bPack: L.bPack,
      c: L.c,
      mp: L.mp,
      np: L.np,
      count,
    }, per);
    for (let t = 0; t < count; t++) {
      copyRows(v, t * stride + L.c, L.np, out, (i0 + t) * m * n, n, m, n);
    }
  }
  return true;
}

// the chunks pack panels of ROWS rows of A: `batchChunk` in pool.ts writes the number out
if (ROWS !== 6) throw new Error("batchChunk in pool.ts assumes panels of 6 rows");
