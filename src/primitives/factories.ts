/**
 * Rule factories: one function per rule *shape*, so that a primitive's entry in its family
 * table says only what is particular to it (as JAX's `defvjp`/`deflinear`/`defzero`).
 *
 * - {@linkcode elementwise}: the partial derivatives `∂out/∂xᵢ` are written once and serve
 *   both modes: `vjpᵢ = g · ∂ᵢ`, `jvp = Σ tᵢ · ∂ᵢ`; only the partials in use are computed.
 * - {@linkcode linear}: a primitive linear in its (single) input; the tangent rule applies the
 *   primitive itself to the tangent, the backward rule is the transpose.
 * - {@linkcode weighted}: a reduction whose derivative is `Σ w ⊙ dx` over the reduced dims.
 * - {@linkcode zeroTangent}: piecewise-constant or non-differentiable outputs.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { div, mul } from "../ops/arithmetic.ts";
import { filled } from "../ops/shape.ts";
import type { MaybeTensor, Params, Primitive, Rule } from "./types.ts";

/** A partial derivative `1 / d`, applied as an exact division (no reciprocal taken). */
export class Quotient {
  /** The divisor. */
  readonly over: Tensor | number;
  /** Wraps the divisor. */
  constructor(over: Tensor | number) {
    this.over = over;
  }
}

/** The partial derivative `1 / d`. */
export function over(d: Tensor | number): Quotient {
  return new Quotient(d);
}

/** A partial derivative `∂out/∂xᵢ`: a factor, a {@linkcode Quotient}, or `null` for zero. */
export type Partial = Tensor | number | Quotient | null;

/** `v · ∂`, or `null` when the partial is zero. */
function scale(v: Tensor, d: Partial): MaybeTensor {
  if (d === null) return null;
  if (d instanceof Quotient) return div(v, d.over);
  if (typeof d === "number") return d === 1 ? v : mul(v, d);
  // two floating tensors: the primitive itself, without the public op's argument checks
  return apply("mul", [v, d], null);
}

/** The forward computation of a rule. */
export type Forward<T> = (inputs: readonly Tensor[], params: T) => Tensor;

/** The partial derivative `∂out/∂xᵢ` of an elementwise primitive, for input `i`. */
export type PartialOf<T> = (
  i: number,
  inputs: readonly Tensor[],
  out: Tensor,
  params: T,
) => Partial;

/**
 * An elementwise rule from its partial derivatives, written once for both modes; each
 * partial is computed only where a gradient or tangent needs it.
 */
export function elementwise<T>(
  name: string,
  forward: Forward<T>,
  partial: PartialOf<T>,
  saves = true,
): Rule<T> {
  const term = (v: Tensor | null, i: number, inputs: readonly Tensor[], out: Tensor, p: T) =>
    v === null ? null : scale(v, partial(i, inputs, out, p));
  return {
    name,
    saves,
    forward,
    vjp(g, inputs, out, params, needs) {
      // array literals for the common arities: this runs once per node of every backward
      if (inputs.length === 1) return [needs[0] ? term(g, 0, inputs, out, params) : null];
      if (inputs.length === 2) {
        return [
          needs[0] ? term(g, 0, inputs, out, params) : null,
          needs[1] ? term(g, 1, inputs, out, params) : null,
        ];
      }
      return inputs.map((_, i) => (needs[i] ? term(g, i, inputs, out, params) : null));
    },
    jvp(tangents, inputs, out, params) {
      let sum: MaybeTensor = null;
      for (let i = 0; i < tangents.length; i++) {
        const t = term(tangents[i], i, inputs, out, params);
        if (t !== null) sum = sum === null ? t : apply("add", [sum, t], ADD);
      }
      return sum;
    },
  };
}

/** The parameters of a plain `add`. */
export const ADD: Params["add"] = Object.freeze({ alpha: 1 });

/**
 * A primitive linear in its single input: `jvp(t) = prim(t)`, `vjp(g) = transpose(g)`.
 */
export function linear<P extends Primitive>(
  prim: P,
  name: string,
  forward: Forward<Params[P]>,
  transpose: (g: Tensor, inputs: readonly Tensor[], params: Params[P]) => Tensor,
): Rule<Params[P]> {
  return {
    name,
    saves: false,
    forward,
    vjp: (g, inputs, _out, params) => [transpose(g, inputs, params)],
    jvp: ([t], _inputs, _out, params) => (t === null ? null : apply(prim, [t], params)),
  };
}

/** Which dimensions a reduction reduces, and whether it keeps them with size 1. */
export interface ReduceDims {
  readonly dims: readonly number[];
  readonly keepdim: boolean;
}

/** The output shape of reducing `shape` over `dims`. */
export function reducedShape(shape: readonly number[], { dims, keepdim }: ReduceDims): number[] {
  if (keepdim) return shape.map((d, i) => (dims.includes(i) ? 1 : d));
  return shape.filter((_, i) => !dims.includes(i));
}

/** `t` (of the reduced shape) reshaped to keep the reduced dims, then broadcast to `shape`. */
export function unreduce(t: Tensor, shape: readonly number[], p: ReduceDims): Tensor {
  const kept = p.keepdim ? t : apply("reshape", [t], {
    shape: reducedShape(shape, { dims: p.dims, keepdim: true }),
  });
  return apply("expand", [kept], { shape });
}

/**
 * A reduction with `d out = Σ w ⊙ dx` over the reduced dims, for weights `w` of the input's
 * shape (`null` for all ones): `vjp = unreduce(g) ⊙ w`, `jvp = Σ w ⊙ t`.
 */
export function weighted<T>(
  name: string,
  forward: Forward<T>,
  dimsOf: (params: T) => ReduceDims,
  weights: ((x: Tensor, out: Tensor, params: T) => Tensor) | null,
): Rule<T> {
  return {
    name,
    saves: weights !== null,
    forward,
    vjp(g, [x], out, params) {
      const spread = unreduce(g, x.shape, dimsOf(params));
      return [weights === null ? spread : mul(spread, weights(x, out, params))];
    },
    jvp([t], [x], out, params) {
      if (t === null) return null;
      const w = weights === null ? t : mul(t, weights(x, out, params));
      return apply("sum", [w], dimsOf(params));
    },
  };
}

/**
 * A rule with a zero derivative: piecewise-constant ops, and integer or bool outputs. With
 * `zeroGrads`, the backward gives zeros (PyTorch's `floor`, `sign`, ...) rather than none.
 */
export function zeroTangent<T>(
  name: string,
  forward: Forward<T>,
  zeroGrads = false,
): Rule<T> {
  return {
    name,
    saves: false,
    forward,
    vjp: (g, inputs) => inputs.map(() => (zeroGrads ? filled(g.shape, g.dtype, 0) : null)),
    jvp: () => null,
  };
}
