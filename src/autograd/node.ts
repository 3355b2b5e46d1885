/**
 * The tape node: one per recorded operation, reachable from its output's `gradFn`.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Params, Primitive, Rule } from "../primitives/types.ts";

let nodesMade = 0;

/** @ignore How many nodes have been made so far: a node made later has a larger `_seq`. */
export function nodeCount(): number {
  return nodesMade;
}

/**
 * The gradient accumulator of a leaf tensor, as it appears in
 * {@linkcode Node.nextFunctions} (PyTorch's `AccumulateGrad`).
 */
export class AccumulateGrad {
  /** Always `"AccumulateGrad"`. */
  readonly name = "AccumulateGrad";
  /** The leaf tensor whose `grad` this accumulates into. */
  readonly variable: Tensor;
  /** Wraps a leaf. */
  constructor(variable: Tensor) {
    this.variable = variable;
  }
  /** `<AccumulateGrad>` */
  toString(): string {
    return "<AccumulateGrad>";
  }
}

/**
 * A recorded operation: the `gradFn` of the tensor it produced. It holds the operation's
 * inputs and parameters; its backward rule is written in Tensor operations, so the backward
 * pass can itself be recorded (`createGraph`). Prints as `<MulBackward0>`.
 */
export class Node {
  /** PyTorch's name for the backward of this operation, such as `MulBackward0`. */
  readonly name: string;
  /** @ignore */
  readonly _prim: Primitive;
  /**
   * @ignore The primitive's rules, kept here so the engine looks nothing up. Typed over all
   * primitives: the dispatcher stores a `Rule<Params[P]>` with its `Params[P]`, and the
   * rule's methods take parameters bivariantly, so no cast is needed on either side.
   */
  readonly _rule: Rule<Params[Primitive]>;
  /** @ignore */
  readonly _inputs: readonly Tensor[];
  /** @ignore */
  readonly _params: Params[Primitive];
  /** @ignore Whether the backward reads saved values, which a backward without retainGraph frees. */
  readonly _saves: boolean;
  /** @ignore The tensor this node produced. */
  _out: Tensor | null = null;
  /** @ignore Set when a backward without retainGraph has run through this node. */
  _freed = false;
  /** @ignore Creation order, as PyTorch's `sequence_nr`. */
  readonly _seq: number = ++nodesMade;
  /** @ignore Engine scratch: the pass that last visited this node. */
  _visit = 0;
  /** @ignore Scratch of the graph walks of the transforms: the walk that last saw this node. */
  _walk = 0;
  /** @ignore Engine scratch: whether the pass needs this node's input gradients. */
  _needed = false;
  /** @ignore Engine scratch: the gradient accumulated for this node's output. */
  _g: Tensor | null = null;
  /** @ignore Engine scratch: the pass for which this node's output is a target. */
  _target = 0;

  /** @ignore Built by the dispatcher only. */
  constructor(
    name: string,
    prim: Primitive,
    rule: Rule<Params[Primitive]>,
    inputs: readonly Tensor[],
    params: Params[Primitive],
    saves: boolean,
  ) {
    this.name = name;
    this._prim = prim;
    this._rule = rule;
    this._inputs = inputs;
    this._params = params;
    this._saves = saves;
  }

  /**
   * The nodes this one sends gradients to, one pair per input, as in PyTorch:
   * `[node, 0]` for a computed input, `[AccumulateGrad, 0]` for a leaf that requires grad,
   * `[null, 0]` for an input that does not require grad.
   */
  get nextFunctions(): readonly (readonly [Node | AccumulateGrad | null, number])[] {
    return this._inputs.map((t) => {
      if (t.gradFn !== null) return [t.gradFn, 0] as const;
      if (t.requiresGrad) return [new AccumulateGrad(t), 0] as const;
      return [null, 0] as const;
    });
  }

  /** The inputs of the recorded operation. */
  get inputs(): readonly Tensor[] {
    return this._inputs;
  }

  /** `<MulBackward0>` */
  toString(): string {
    return `<${this.name}>`;
  }

  /** @ignore Deno's console.log */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }

  /** @ignore Node's console.log */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }
}
