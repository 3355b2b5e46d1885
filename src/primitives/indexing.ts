/**
 * Indexing primitives along one dimension. `gather` and `scatterAdd` are each other's
 * transposes, so each one's derivative rules are written with the other and both
 * differentiate to any order. The index (an int64 tensor) is an input without a gradient.
 *
 * Why each is a primitive: indexing by a tensor of positions cannot be written with the
 * other primitives short of one-hot products, which cost a dimension's size more work.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import { gatherKernel, scatterAddKernel } from "../kernels/indexing.ts";
import { apply } from "../autograd/dispatch.ts";
import { zerosOf } from "../ops/shape.ts";
import { output } from "./helpers.ts";
import { shapesEqual } from "../shape.ts";
import type { MaybeTensor, RuleTable } from "./types.ts";
import { alongDim, type BatchTable, each } from "../vmap/batching.ts";

/** Parameters of the indexing primitives. */
export interface IndexParams {
  /** `out = x[..., index, ...]` along `dim`; inputs `[x, index]`. */
  gather: { readonly dim: number };
  /** `out = x` with `src` added at `index` along `dim`; inputs `[x, index, src]`. */
  scatterAdd: { readonly dim: number };
}

/** Rules of the indexing primitives. */
export const indexRules: RuleTable<IndexParams> = {
  gather: {
    name: "GatherBackward0",
    saves: true,
    forward: ([x, index], { dim }) => {
      const out = output(index.shape, x.dtype);
      gatherKernel(x._buf, x.shape, dim, index._buf, index.shape, out._buf);
      return out;
    },
    vjp: (g, [x, index], _o, { dim }) => [
      apply("scatterAdd", [zerosOf(x.shape, g.dtype), index, g], { dim }),
      null,
    ],
    jvp: ([t], [_x, index], _o, p): MaybeTensor =>
      t === null ? null : apply("gather", [t, index], p),
  },
  scatterAdd: {
    name: "ScatterAddBackward0",
    saves: true,
    forward: ([x, index, src], { dim }) => {
      const out = output(x.shape, x.dtype);
      out._buf.set(x._buf);
      scatterAddKernel(out._buf, x.shape, dim, index._buf, index.shape, src._buf, src.shape);
      return out;
    },
    vjp: (g, [_x, index, src], _o, { dim }, needs) => {
      if (!needs[2]) return [g, null, null];
      const gs = apply("gather", [g, index], { dim });
      return [g, null, shapesEqual(gs.shape, src.shape) ? gs : padTo(gs, src)];
    },
    jvp: ([tx, _ti, ts], [x, index, src], _o, p): MaybeTensor => {
      if (tx === null && ts === null) return null;
      return apply("scatterAdd", [
        tx ?? zerosOf(x.shape, x.dtype),
        index,
        ts ?? zerosOf(src.shape, src.dtype),
      ], p);
    },
  },
};

/**
 * `src` may be larger than `index` (only the index-shaped corner is scattered): the
 * gradient of the rest of `src` is zero, so pad the gathered gradient with zeros.
 */
function padTo(t: Tensor, like: Tensor): Tensor {
  return apply("sliceScatter", [t], {
    inputShape: like.shape,
    starts: like.shape.map(() => 0),
    steps: like.shape.map(() => 1),
  });
}

/** Batching rules of the indexing primitives: every input gets the batch, `dim` shifts by one. */
export const indexBatchRules: BatchTable<IndexParams> = each<IndexParams>(indexRules, alongDim);
