/**
 * The `custom` primitive: an operation whose forward computation and derivative rules are
 * closures carried in its parameters, built by `customVjp`, `customJvp` and `checkpoint`.
 * The closures are written in Tensor operations, so what they compute is recorded and
 * differentiable like any other rule.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { MaybeTensor, RuleTable } from "./types.ts";
import { type BatchTable, leadingBatch, loop } from "../vmap/batching.ts";

/** One call of a custom operation: its name and the closures that define it. */
export interface CustomCall {
  /** The gradFn name, such as `LogSumExpBackward`. */
  readonly name: string;
  /** The user-facing name for error messages, such as `customVjp(logSumExp)`. */
  readonly op: string;
  /** Which transform built the call (`taylor`: a fused step of a Taylor-mode rule). */
  readonly kind: "customVjp" | "customJvp" | "checkpoint" | "taylor";
  /**
   * The same function written in Tensor operations, for a level that has no rule for this
   * call (Taylor mode runs it on series), or `null` when there is none (then such a level
   * must refuse the call with an error naming `op`).
   */
  readonly inline: ((inputs: readonly Tensor[]) => Tensor) | null;
  /**
   * Whether `forward` and the rules accept inputs with extra leading batch dimensions
   * (all inputs batched alike), so that `vmap` calls them once instead of once per example.
   */
  readonly vectorized: boolean;
  /** The output's value for these inputs (nothing recorded on the returned tensor). */
  forward(inputs: readonly Tensor[]): Tensor;
  /** The gradients of the inputs given the output's gradient `g` and the output. */
  vjp(g: Tensor, inputs: readonly Tensor[], out: Tensor, needs: readonly boolean[]): MaybeTensor[];
  /** The output's tangent given the inputs' tangents (`null` for zero). */
  jvp(tangents: readonly MaybeTensor[], inputs: readonly Tensor[], out: Tensor): MaybeTensor;
}

/** Parameters of the custom primitive. */
export interface CustomParams {
  /** An operation defined by closures (see {@linkcode CustomCall}). */
  custom: CustomCall;
}

/** Rules of the custom primitive: each delegates to the call's closure. */
export const customRules: RuleTable<CustomParams> = {
  custom: {
    name: "custom",
    nameFor: (call) => call.name,
    saves: true,
    forward: (inputs, call) => call.forward(inputs),
    vjp: (g, inputs, out, call, needs) => call.vjp(g, inputs, out, needs),
    jvp: (tangents, inputs, out, call) => call.jvp(tangents, inputs, out),
  },
};

/** Batching rule of the custom primitive: a vectorized call (the decompositions) takes the batch as one more leading dimension; others loop over the examples. */
export const customBatchRules: BatchTable<CustomParams> = {
  custom: (phys, batched, call, size) =>
    call.vectorized
      ? leadingBatch("custom")(phys, batched, call, size)
      : loop("custom")(phys, batched, call, size),
};
