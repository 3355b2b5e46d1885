/**
 * The batched matrix product primitive `op(A) · op(B)` on tensors of at least 2
 * dimensions, where `op` transposes the last two dimensions when `transA`/`transB` is set
 * and the batch dimensions broadcast. The flags make the backward products free of
 * transposed copies, and the rules are closed under them:
 *
 * - `C = A·B`:   `dA = G·Bᵀ`, `dB = Aᵀ·G`
 * - `C = Aᵀ·B`:  `dA = B·Gᵀ`, `dB = A·G`
 * - `C = A·Bᵀ`:  `dA = G·B`,  `dB = Gᵀ·A`
 * - `C = Aᵀ·Bᵀ`: `dA = Bᵀ·Gᵀ`, `dB = Gᵀ·Aᵀ`
 *
 * Why it is a primitive: a blocked (WebAssembly SIMD) kernel is many times faster than a
 * broadcast product followed by a sum, and needs no `[m, k, n]` intermediate.
 *
 * @module
 */

import { promoteTypes } from "../dtype.ts";
import { ShapeError } from "../errors.ts";
import { broadcastShapes, fmtShape, sizeOf, stridesOf } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { matmul2d } from "../kernels/matmul.ts";
import { batchedMatmul } from "../kernels/batched_matmul.ts";
import { apply } from "../autograd/dispatch.ts";
import { addMaybe, output } from "./helpers.ts";
import type { RuleTable } from "./types.ts";
import {
  type BatchRule,
  type BatchTable,
  logicalRank,
  padBatched,
  reshape as batchReshape,
} from "../vmap/batching.ts";

/** Whether each operand enters transposed (last two dimensions swapped). */
export interface MatmulFlags {
  readonly transA: boolean;
  readonly transB: boolean;
}

/** Parameters of the matrix product primitive. */
export interface MatmulParams {
  matmul: MatmulFlags;
}

/** @ignore `op(A)·op(B)` over the last two dimensions (batch dimensions broadcast). */
export function mm(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  return apply("matmul", [a, b], { transA, transB });
}

/** @ignore `x` with its last two dimensions swapped. */
export function mT(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[x.ndim - 1] = x.ndim - 2;
  perm[x.ndim - 2] = x.ndim - 1;
  return apply("permute", [x], { perm });
}

/** Rules of the matrix product. */
export const matmulRules: RuleTable<MatmulParams> = {
  matmul: {
    name: "MmBackward0",
    saves: true,
    forward([a, b], { transA, transB }) {
      const ra = a.ndim, rb = b.ndim;
      const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
      const ka = transA ? a.shape[ra - 2] : a.shape[ra - 1];
      const kb = transB ? b.shape[rb - 1] : b.shape[rb - 2];
      const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
      if (ka !== kb) {
        throw new ShapeError(
          `matmul(): shapes ${fmtShape(a.shape)}${transA ? "ᵀ" : ""} and ` +
            `${fmtShape(b.shape)}${transB ? "ᵀ" : ""} cannot be multiplied (${ka} vs ${kb})`,
        );
      }
      if (ra === 2 && rb === 2) {
        // two matrices (every matrix-vector product of ops/matmul): no batch to work out
        const out = output([m, n], promoteTypes(a.dtype, b.dtype));
        matmul2d(a._buf, 0, b._buf, 0, out._buf, 0, m, ka, n, transA, transB);
        return out;
      }
      const batchA = a.shape.slice(0, ra - 2);
      const batchB = b.shape.slice(0, rb - 2);
      const batch = broadcastShapes(batchA, batchB, "matmul");
      const out = output([...batch, m, n], promoteTypes(a.dtype, b.dtype));
      const nb = sizeOf(batch);
      const sa = batchStrides(batchA, batch, m * ka);
      const sb = batchStrides(batchB, batch, ka * n);
      if (nb === 1) {
        matmul2d(a._buf, 0, b._buf, 0, out._buf, 0, m, ka, n, transA, transB);
        return out;
      }
      const idx = new Array<number>(batch.length).fill(0);
      const offsA = new Array<number>(nb), offsB = new Array<number>(nb);
      for (let i = 0; i < nb; i++) {
        let offA = 0, offB = 0;
        for (let d = 0; d < batch.length; d++) {
          offA += idx[d] * sa[d];
          offB += idx[d] * sb[d];
        }
        offsA[i] = offA, offsB[i] = offB;
        for (let d = batch.length - 1; d >= 0; d--) {
          if (++idx[d] < batch[d]) break;
          idx[d] = 0;
        }
      }
      batchedMatmul(a._buf, offsA, b._buf, offsB, out._buf, m, ka, n, transA, transB);
      return out;
    },
    vjp(g, [a, b], _o, { transA, transB }, needs) {
      let ga: Tensor | null = null;
      let gb: Tensor | null = null;
      if (needs[0]) ga = transA ? mm(b, g, transB, true) : mm(g, b, false, !transB);
      if (needs[1]) gb = transB ? mm(g, a, true, transA) : mm(a, g, !transA, false);
      return [ga, gb];
    },
    jvp: ([ta, tb], [a, b], _o, { transA, transB }) =>
      addMaybe(
        ta === null ? null : mm(ta, b, transA, transB),
        tb === null ? null : mm(a, tb, transA, transB),
      ),
  },
};

/** Element strides of each batch dimension of an operand (0 where it broadcasts). */
function batchStrides(own: readonly number[], batch: readonly number[], matrix: number): number[] {
  const off = batch.length - own.length;
  const s = stridesOf(own).map((x) => x * matrix);
  return batch.map((d, i) => (i < off || own[i - off] === 1 && d !== 1 ? 0 : s[i - off]));
}

/** The matrix product: fold the batch into rows or columns when one side is a plain matrix. */
const matmulBatch: BatchRule<MatmulFlags> = ([a, b], [ba, bb], flags, size) => {
  const { transA, transB } = flags;
  // Only A batched, A a plain matrix per example, B a matrix: stack the rows.
  if (ba && !bb && a.ndim === 3 && b.ndim === 2 && !transA) {
    const [, m, k] = a.shape;
    const r = apply("matmul", [batchReshape(a, [size * m, k]), b], flags);
    return batchReshape(r, [size, m, r.shape[1]]);
  }
  // Only B batched, both plain matrices: put the examples side by side as columns.
  if (!ba && bb && a.ndim === 2 && b.ndim === 3 && !transB) {
    const [, k, n] = b.shape;
    const cols = batchReshape(apply("permute", [b], { perm: [1, 0, 2] }), [k, size * n]);
    const r = apply("matmul", [a, cols], flags);
    const m = r.shape[0];
    return apply("permute", [batchReshape(r, [m, size, n])], { perm: [1, 0, 2] });
  }
  // General case: align the batch ranks and let matmul broadcast.
  const ra = logicalRank(a, ba) - 2, rb = logicalRank(b, bb) - 2;
  const r = Math.max(ra, rb);
  const pa = ba ? padBatched(a, r - ra) : a;
  const pb = bb ? padBatched(b, r - rb) : b;
  return apply("matmul", [pa, pb], flags);
};

/** Batching rules of the matrix product. */
export const matmulBatchRules: BatchTable<MatmulParams> = { matmul: matmulBatch };
