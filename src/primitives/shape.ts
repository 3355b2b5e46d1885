/**
 * Shape and layout primitives. All are linear, so each tangent rule applies the same
 * primitive to the tangent, and each backward rule applies the transposed primitive:
 * reshape ↔ reshape, permute ↔ inverse permute, expand ↔ sum, slice ↔ sliceScatter,
 * cat ↔ slices. The {@linkcode linear} factory writes that rule shape once.
 *
 * Why each is a primitive: each is one kernel pass (or none: `reshape` shares the storage) and
 * together they are closed under transposition, so every derivative stays among them.
 * `alias` is not one: the identity on the tape is a `reshape` to the same shape.
 *
 * @module
 */

import type { DType } from "../dtype.ts";
import { sizeOf } from "../shape.ts";
import { poolState, SMALL_BYTES } from "../buffer_pool.ts";
import { Tensor, TRUSTED } from "../tensor.ts";
import { expandKernel } from "../kernels/elementwise.ts";
import {
  castKernel,
  catKernel,
  permuteKernel,
  scatterWindowKernel,
  sliceKernel,
} from "../kernels/layout.ts";
import { apply } from "../autograd/dispatch.ts";
import { cast, filled, sumToShape } from "../ops/shape.ts";
import { output } from "./helpers.ts";
import { linear } from "./factories.ts";
import type { RuleTable } from "./types.ts";
import {
  alongDim,
  type BatchTable,
  broadcasting,
  padBatched,
  reshape as batchReshape,
} from "../vmap/batching.ts";

/** Parameters of the shape primitives. */
export interface ShapeParams {
  /** Same storage, new shape. */
  reshape: { readonly shape: readonly number[] };
  /** Output dimension `i` is input dimension `perm[i]`. */
  permute: { readonly perm: readonly number[] };
  /** Broadcast to `shape`. */
  expand: { readonly shape: readonly number[] };
  /** Convert to `dtype`. */
  cast: { readonly dtype: DType };
  /** Concatenate along `dim`. */
  cat: { readonly dim: number };
  /** The window `starts[d] + steps[d] * i` for `i < shape[d]`. */
  slice: {
    readonly starts: readonly number[];
    readonly steps: readonly number[];
    readonly shape: readonly number[];
  };
  /** The transpose of `slice`: zeros of `inputShape` with the values placed in the window. */
  sliceScatter: {
    readonly inputShape: readonly number[];
    readonly starts: readonly number[];
    readonly steps: readonly number[];
  };
}

/**
 * The storage offset of a slice window that is one contiguous block of its input (sizes 1
 * before the first narrowed dimension, whole dimensions after it, unit steps), or −1.
 */
function contiguousOffset(
  inShape: readonly number[],
  starts: readonly number[],
  steps: readonly number[],
  shape: readonly number[],
): number {
  let d0 = 0;
  while (d0 < shape.length && shape[d0] === 1) d0++;
  for (let d = d0 + 1; d < shape.length; d++) {
    if (starts[d] !== 0 || shape[d] !== inShape[d] || steps[d] !== 1) return -1;
  }
  if (d0 < shape.length && steps[d0] !== 1 && shape[d0] > 1) return -1;
  let offset = 0, stride = 1;
  for (let d = inShape.length - 1; d >= 0; d--) {
    offset += starts[d] * stride;
    stride *= inShape[d];
  }
  return offset;
}

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Rules of the shape primitives. */
export const shapeRules: RuleTable<ShapeParams> = {
  // reshape ↔ reshape back
  reshape: linear(
    "reshape",
    "ReshapeAliasBackward0",
    ([x], { shape }) => new Tensor(x._buf, shape, x.dtype, TRUSTED),
    (g, [x]) => apply("reshape", [g], { shape: x.shape }),
  ),
  // permute ↔ the inverse permutation
  permute: linear("permute", "PermuteBackward0", ([x], { perm }) => {
    const out = output(perm.map((p) => x.shape[p]), x.dtype);
    permuteKernel(x._buf, x.shape, perm, out._buf);
    return out;
  }, (g, _i, { perm }) => apply("permute", [g], { perm: inversePerm(perm) })),
  // expand ↔ sum over the broadcast dims
  expand: linear("expand", "ExpandBackward0", ([x], { shape }) => {
    const out = output(shape, x.dtype);
    expandKernel(x._buf, x.shape, shape, out._buf);
    return out;
  }, (g, [x]) => sumToShape(g, x.shape)),
  // cast ↔ cast back
  cast: linear("cast", "ToCopyBackward0", ([x], { dtype }) => {
    const out = output(x.shape, dtype);
    castKernel(x._buf, dtype, out._buf);
    return out;
  }, (g, [x]) => cast(g, x.dtype)),
  // cat ↔ slices
  cat: {
    name: "CatBackward0",
    saves: false,
    forward(inputs, { dim }) {
      const shape = inputs[0].shape.slice();
      shape[dim] = inputs.reduce((n, x) => n + x.shape[dim], 0);
      const out = output(shape, inputs[0].dtype);
      catKernel(inputs.map((x) => x._buf), inputs.map((x) => x.shape), dim, out._buf);
      return out;
    },
    vjp(g, inputs, _o, { dim }, needs) {
      let offset = 0;
      return inputs.map((x, i) => {
        const start = offset;
        offset += x.shape[dim];
        if (!needs[i]) return null;
        const starts = g.shape.map((_, d) => (d === dim ? start : 0));
        return apply("slice", [g], { starts, steps: g.shape.map(() => 1), shape: x.shape });
      });
    },
    jvp(tangents, inputs, out, p) {
      if (tangents.every((t) => t === null)) return null;
      const parts = tangents.map((t, i) => t ?? filled(inputs[i].shape, out.dtype, 0));
      return apply("cat", parts, p);
    },
  },
  // slice ↔ sliceScatter
  slice: linear(
    "slice",
    "SliceBackward0",
    ([x], { starts, steps, shape }) => {
      // a contiguous window (e.g. leading rows) shares storage, as reshape does; not a small
      // window of a pooled buffer, which the pool would not count as one of its users
      const at = contiguousOffset(x.shape, starts, steps, shape);
      const bytes = sizeOf(shape) * x._buf.BYTES_PER_ELEMENT;
      if (at >= 0 && !(poolState.live && bytes <= SMALL_BYTES && x._buf.byteLength > SMALL_BYTES)) {
        return new Tensor(x._buf.subarray(at, at + sizeOf(shape)), shape, x.dtype, TRUSTED);
      }
      const out = output(shape, x.dtype);
      sliceKernel(x._buf, x.shape, starts, steps, shape, out._buf);
      return out;
    },
    (g, [x], { starts, steps }) =>
      apply("sliceScatter", [g], { inputShape: x.shape, starts, steps }),
  ),
  sliceScatter: linear("sliceScatter", "SliceScatterBackward0", ([v], p) => {
    const out = output(p.inputShape, v.dtype);
    scatterWindowKernel(v._buf, v.shape, p.inputShape, p.starts, p.steps, out._buf);
    return out;
  }, (g, [v], { starts, steps }) => apply("slice", [g], { starts, steps, shape: v.shape })),
};

/** The layout primitives: the batch dimension is one more leading dimension to carry along. */
export const shapeBatchRules: BatchTable<ShapeParams> = {
  reshape: ([p], _b, { shape }) => batchReshape(p, [p.shape[0], ...shape]),
  permute: ([p], _b, { perm }) => apply("permute", [p], { perm: [0, ...perm.map((d) => d + 1)] }),
  expand: ([p], _b, { shape }) =>
    apply("expand", [padBatched(p, shape.length - (p.ndim - 1))], {
      shape: [p.shape[0], ...shape],
    }),
  cast: broadcasting("cast"),
  cat: alongDim("cat"),
  slice: ([p], _b, { starts, steps, shape }) =>
    apply("slice", [p], {
      starts: [0, ...starts],
      steps: [1, ...steps],
      shape: [p.shape[0], ...shape],
    }),
  sliceScatter: ([p], _b, { inputShape, starts, steps }) =>
    apply("sliceScatter", [p], {
      inputShape: [p.shape[0], ...inputShape],
      starts: [0, ...starts],
      steps: [1, ...steps],
    }),
};
