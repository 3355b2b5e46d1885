/**
 * The shape of a primitive's rules. Every primitive has a forward computation (a kernel
 * call), a vector-Jacobian product (reverse mode) and a Jacobian-vector product (forward
 * mode), both written only with Tensor operations so that they can be differentiated again.
 *
 * The set of primitives is the union of the family parameter maps below; the rule table in
 * `table.ts` is typed `{ [P in Primitive]: Rule<P> }`, so a primitive without rules is a
 * compile error.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { UnaryParams } from "./unary.ts";
import type { BinaryParams } from "./binary.ts";
import type { ReduceParams } from "./reduce.ts";
import type { ShapeParams } from "./shape.ts";
import type { MatmulParams } from "./matmul.ts";
import type { IndexParams } from "./indexing.ts";
import type { LinalgParams } from "./linalg.ts";
import type { CustomParams } from "./custom.ts";

/** Parameters of every primitive, by name. */
export interface Params
  extends
    UnaryParams,
    BinaryParams,
    ReduceParams,
    ShapeParams,
    MatmulParams,
    IndexParams,
    LinalgParams,
    CustomParams {}

/** The name of a primitive. */
export type Primitive = keyof Params;

/** A gradient or tangent slot: `null` stands for zeros. */
export type MaybeTensor = Tensor | null;

/** The rules of one primitive whose parameters have type `T`. */
export interface Rule<T> {
  /** PyTorch's grad_fn name, fixed or depending on the parameters and inputs. */
  readonly name: string;
  /** The name when it depends on the parameters or inputs (else `name`). */
  nameFor?(params: T, inputs: readonly Tensor[]): string;
  /**
   * Whether the backward rule reads saved values (inputs or output). Such nodes refuse a
   * second backward after their graph was freed, as in PyTorch.
   */
  readonly saves: boolean;
  /** Computes the output from the inputs' values, without autograd. */
  forward(inputs: readonly Tensor[], params: T): Tensor;
  /**
   * Vector-Jacobian product: the gradient for each input given the output's gradient `g`.
   * Results may have the broadcast (output) shape; the engine sums them to the input's
   * shape. `needs[i]` says whether input `i` needs a gradient.
   */
  vjp(
    g: Tensor,
    inputs: readonly Tensor[],
    out: Tensor,
    params: T,
    needs: readonly boolean[],
  ): readonly MaybeTensor[];
  /**
   * Jacobian-vector product: the output's tangent given the inputs' tangents (`null` for
   * zero). May return a tangent of a broadcastable shape; the dispatcher expands it.
   */
  jvp(
    tangents: readonly MaybeTensor[],
    inputs: readonly Tensor[],
    out: Tensor,
    params: T,
  ): MaybeTensor;
}

/** An exhaustive rule table for a family of primitives. */
export type RuleTable<F> = { [P in keyof F]: Rule<F[P]> };
