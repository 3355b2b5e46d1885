/**
 * Shape and layout primitives. All are linear, so each tangent rule applies the same
 * primitive to the tangent, and each backward rule applies the transposed primitive:
 * reshape ↔ reshape, permute ↔ inverse permute, expand ↔ sum, slice ↔ sliceScatter,
 * cat ↔ slices.
 *
 * @module
 */

import { allocate, type DType } from "../dtype.ts";
import { sizeOf } from "../shape.ts";
import { Tensor, TRUSTED } from "../tensor.ts";
import { expandKernel, toInt64Values } from "../kernels/elementwise.ts";
import { catKernel, permuteKernel, sliceKernel } from "../kernels/layout.ts";
import { apply } from "../autograd/dispatch.ts";
import { cast, filled, sumToShape } from "../ops/shape.ts";
import { output } from "./helpers.ts";
import type { MaybeTensor, RuleTable } from "./types.ts";

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
  /** Identity (a new tensor object on the tape). */
  alias: null;
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

function inversePerm(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

/** Rules of the shape primitives. */
export const shapeRules: RuleTable<ShapeParams> = {
  reshape: {
    name: "ReshapeAliasBackward0",
    saves: false,
    forward: ([x], { shape }) => new Tensor(x._buf, shape, x.dtype, TRUSTED),
    vjp: (g, [x]) => [apply("reshape", [g], { shape: x.shape })],
    jvp: ([t], _i, _o, p) => (t === null ? null : apply("reshape", [t], p)),
  },
  permute: {
    name: "PermuteBackward0",
    saves: false,
    forward([x], { perm }) {
      const out = output(perm.map((p) => x.shape[p]), x.dtype);
      permuteKernel(x._buf, x.shape, perm, out._buf);
      return out;
    },
    vjp: (g, _i, _o, { perm }) => [apply("permute", [g], { perm: inversePerm(perm) })],
    jvp: ([t], _i, _o, p) => (t === null ? null : apply("permute", [t], p)),
  },
  expand: {
    name: "ExpandBackward0",
    saves: false,
    forward([x], { shape }) {
      const out = output(shape, x.dtype);
      expandKernel(x._buf, x.shape, shape, out._buf);
      return out;
    },
    vjp: (g, [x]) => [sumToShape(g, x.shape)],
    jvp: ([t], _i, _o, p) => (t === null ? null : apply("expand", [t], p)),
  },
  cast: {
    name: "ToCopyBackward0",
    saves: false,
    forward([x], { dtype }) {
      const buf = allocate(dtype, x.numel);
      if (dtype === "bool") {
        for (let i = 0; i < buf.length; i++) {
          buf[i] = x._buf[i] !== 0 ? 1 : 0;
        }
      } else if (dtype === "int64") {
        buf.set(x._buf);
        toInt64Values(buf); // truncate; NaN and ±∞ give −2⁶³ as in PyTorch
      } else buf.set(x._buf);
      return new Tensor(buf, x.shape, dtype, TRUSTED);
    },
    vjp: (g, [x]) => [cast(g, x.dtype)],
    jvp: ([t], _i, _o, { dtype }) => (t === null ? null : cast(t, dtype)),
  },
  alias: {
    name: "AliasBackward0",
    saves: false,
    forward: ([x]) => new Tensor(x._buf, x.shape, x.dtype, TRUSTED),
    vjp: (g) => [g],
    jvp: ([t]) => t,
  },
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
  slice: {
    name: "SliceBackward0",
    saves: false,
    forward([x], { starts, steps, shape }) {
      const out = output(shape, x.dtype);
      sliceKernel(x._buf, x.shape, starts, steps, shape, out._buf);
      return out;
    },
    vjp: (g, [x], _o, { starts, steps }) => [
      apply("sliceScatter", [g], { inputShape: x.shape, starts, steps }),
    ],
    jvp: ([t], _i, _o, p) => (t === null ? null : apply("slice", [t], p)),
  },
  sliceScatter: {
    name: "SliceScatterBackward0",
    saves: false,
    forward([v], { inputShape, starts, steps }) {
      const out = output(inputShape, v.dtype);
      scatterWindow(v, inputShape, starts, steps, out);
      return out;
    },
    vjp: (g, [v], _o, { starts, steps }) => [
      apply("slice", [g], { starts, steps, shape: v.shape }),
    ],
    jvp: ([t], _i, _o, p): MaybeTensor => (t === null ? null : apply("sliceScatter", [t], p)),
  },
};

/** Writes the values of `v` into the window of `out` (which starts as zeros). */
function scatterWindow(
  v: Tensor,
  inputShape: readonly number[],
  starts: readonly number[],
  steps: readonly number[],
  out: Tensor,
): void {
  const nd = inputShape.length;
  const strides = new Array<number>(nd);
  let acc = 1;
  for (let d = nd - 1; d >= 0; d--) {
    strides[d] = acc * steps[d];
    acc *= inputShape[d];
  }
  let base = 0;
  acc = 1;
  for (let d = nd - 1; d >= 0; d--) {
    base += starts[d] * acc;
    acc *= inputShape[d];
  }
  const n = sizeOf(v.shape);
  const idx = new Array<number>(nd).fill(0);
  let pos = base;
  const src = v._buf;
  const dst = out._buf;
  for (let k = 0; k < n; k++) {
    dst[pos] = src[k];
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      pos += strides[d];
      if (idx[d] < v.shape[d]) break;
      pos -= strides[d] * v.shape[d];
      idx[d] = 0;
    }
  }
}
