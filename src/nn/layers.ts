/**
 * Functional building blocks in the style of Flax and Equinox: each block is a pair
 * `init(options, seed) → params` and `apply(params, x, options?) → y`, where `params` is a
 * pytree of tensors, so blocks compose with `grad`, `vmap` and the optimizers with no
 * module state. Initializations follow PyTorch's layers.
 *
 * @module
 */

import { type FloatDType, getDefaultDtype } from "../dtype.ts";
import { ShapeError } from "../errors.ts";
import { Tensor } from "../tensor.ts";
import { filled } from "../ops/shape.ts";
import { linear as linearOp } from "../ops/nn.ts";
import { indexSelect } from "../ops/indexing.ts";
import { mean } from "../ops/reduce.ts";
import { variance } from "../ops/statistics.ts";
import { elu, gelu, leakyRelu, silu } from "../ops/activations.ts";
import { relu, sigmoid, tanh } from "../ops/math.ts";
import { leaves } from "../tree.ts";
import { checkOptions, positiveInt, required } from "../options.ts";
import { defaultWeightAndBias, normal } from "./init.ts";
import { Generator } from "../random.ts";

/** A functional block: parameters from options and a seed, and the function they define. */
export interface Block<O, P, A = undefined> {
  /**
   * New parameters.
   *
   * @param options the block's sizes and switches
   * @param seed a seed or a generator for the random initialization (default 0)
   * @returns the parameters, a pytree of tensors
   */
  init(options: O, seed?: number | Generator): P;
  /**
   * The block applied to `x`.
   *
   * @param params the parameters
   * @param x the input
   * @param options what the block needs beyond its parameters
   * @returns the output
   */
  apply(params: P, x: Tensor, options?: A): Tensor;
}

/** A generator from a seed (default 0) or the generator itself. */
export function seeded(seed: number | Generator | undefined): Generator {
  return seed === undefined
    ? new Generator(0)
    : typeof seed === "number"
    ? new Generator(seed)
    : seed;
}

/**
 * The number of elements in all tensor leaves of a parameter tree.
 *
 * @param params a pytree of tensors
 * @returns the total count
 * @example A 3 → 2 linear layer has 8 parameters
 * ```ts
 * import { nn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(nn.parameterCount(nn.linear.init({ inFeatures: 3, outFeatures: 2 })), 8);
 * ```
 */
export function parameterCount(params: unknown): number {
  return leaves(params).reduce<number>(
    (n, l) => n + (l instanceof Tensor ? l.numel : 0),
    0,
  );
}

/** Options of {@linkcode linear}'s `init`. */
export interface LinearOptions {
  /** Input features. */
  readonly inFeatures: number;
  /** Output features. */
  readonly outFeatures: number;
  /** Whether there is a bias (default true). */
  readonly bias?: boolean;
  /** The dtype (default: the default dtype). */
  readonly dtype?: FloatDType;
}

/** Parameters of {@linkcode linear}. */
export interface LinearParams {
  /** `[outFeatures, inFeatures]`. */
  readonly weight: Tensor;
  /** `[outFeatures]`, absent without bias. */
  readonly bias?: Tensor;
}

/**
 * The affine block `y = x Wᵀ + b`, initialized as `torch.nn.Linear`: weight by
 * `nn.kaimingUniform` (`a = √5`, bound `1/√in`), bias uniform in `±1/√in`.
 *
 * @example A layer applied to a batch
 * ```ts
 * import { nn, ones } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const params = nn.linear.init({ inFeatures: 4, outFeatures: 3 }, 0);
 * assert.deepEqual(nn.linear.apply(params, ones([5, 4])).shape, [5, 3]);
 * ```
 */
export const linear: Block<LinearOptions, LinearParams> = {
  init(options, seed) {
    const op = "nn.linear.init()";
    checkOptions(op, options, {
      inFeatures: "number",
      outFeatures: "number",
      bias: "boolean",
      dtype: "string",
    });
    required(op, options, ["inFeatures", "outFeatures"]);
    positiveInt(op, "inFeatures", options.inFeatures);
    positiveInt(op, "outFeatures", options.outFeatures);
    const g = seeded(seed);
    const shape = [options.outFeatures, options.inFeatures];
    return defaultWeightAndBias(shape, options.bias, { generator: g, dtype: options.dtype });
  },
  apply(params, x) {
    return linearOp(x, params.weight, params.bias);
  },
};

/** An activation: a name or a function of a tensor. */
export type Activation =
  | "relu"
  | "tanh"
  | "sigmoid"
  | "gelu"
  | "silu"
  | "elu"
  | "leakyRelu"
  | "identity"
  | ((x: Tensor) => Tensor);

/** The activation named `a`. */
export function activation(a: Activation, op: string): (x: Tensor) => Tensor {
  if (typeof a === "function") return a;
  const table: Record<string, (x: Tensor) => Tensor> = {
    relu,
    tanh,
    sigmoid,
    gelu: (x) => gelu(x),
    silu,
    elu: (x) => elu(x),
    leakyRelu: (x) => leakyRelu(x),
    identity: (x) => x,
  };
  const f = table[a];
  if (f === undefined) {
    throw new TypeError(
      `${op}: unknown activation "${a}" (known: ${Object.keys(table).join(", ")})`,
    );
  }
  return f;
}

/** Options of {@linkcode mlp}'s `init`. */
export interface MlpOptions {
  /** Layer widths from input to output, e.g. `[1, 40, 40, 1]`. */
  readonly sizes: readonly number[];
  /** Whether the layers have biases (default true). */
  readonly bias?: boolean;
  /** The dtype (default: the default dtype). */
  readonly dtype?: FloatDType;
}

/** Options of {@linkcode mlp}'s `apply`. */
export interface MlpApplyOptions {
  /** The activation between layers (default `"relu"`); none after the last layer. */
  readonly activation?: Activation;
}

/** Parameters of {@linkcode mlp}. */
export interface MlpParams {
  /** One {@linkcode linear} layer per consecutive pair of sizes. */
  readonly layers: readonly LinearParams[];
}

/**
 * A multilayer perceptron: {@linkcode linear} layers with an activation between them.
 *
 * @example A 2 → 8 → 1 network
 * ```ts
 * import { nn, ones } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const params = nn.mlp.init({ sizes: [2, 8, 1] }, 0);
 * assert.equal(nn.parameterCount(params), 2 * 8 + 8 + 8 + 1);
 * assert.deepEqual(nn.mlp.apply(params, ones([3, 2]), { activation: "tanh" }).shape, [3, 1]);
 * ```
 */
export const mlp: Block<MlpOptions, MlpParams, MlpApplyOptions> = {
  init(options, seed) {
    const op = "nn.mlp.init()";
    checkOptions(op, options, { sizes: "numbers", bias: "boolean", dtype: "string" });
    required(op, options, ["sizes"]);
    if (options.sizes.length < 2) {
      throw new RangeError(
        `${op}: sizes needs at least an input and an output size; got [${options.sizes}]`,
      );
    }
    const g = seeded(seed);
    const layers = options.sizes.slice(1).map((out, i) =>
      linear.init({
        inFeatures: options.sizes[i],
        outFeatures: out,
        bias: options.bias,
        dtype: options.dtype,
      }, g)
    );
    return { layers };
  },
  apply(params, x, options = {}) {
    const op = "nn.mlp.apply()";
    checkOptions(op, options, { activation: "string" });
    const act = activation(options.activation ?? "relu", op);
    let h = x;
    params.layers.forEach((l, i) => {
      h = linear.apply(l, h);
      if (i < params.layers.length - 1) h = act(h);
    });
    return h;
  },
};

/** Options of {@linkcode layerNorm}'s `init`. */
export interface LayerNormOptions {
  /** The trailing shape normalized over (a number for one dimension). */
  readonly normalizedShape: number | readonly number[];
  /** Learnable scale and shift (default true). */
  readonly elementwiseAffine?: boolean;
  /** The dtype (default: the default dtype). */
  readonly dtype?: FloatDType;
}

/** Options of {@linkcode layerNorm}'s `apply`. */
export interface LayerNormApplyOptions {
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
  /** The normalized shape, needed only when there are no affine parameters. */
  readonly normalizedShape?: number | readonly number[];
}

/** Parameters of {@linkcode layerNorm} (empty without affine parameters). */
export interface LayerNormParams {
  /** The scale, ones at init. */
  readonly weight?: Tensor;
  /** The shift, zeros at init. */
  readonly bias?: Tensor;
}

/**
 * Layer normalization over the trailing `normalizedShape`, as `torch.nn.LayerNorm`:
 * `(x − mean) / √(var + ε) · weight + bias` with the biased variance.
 *
 * @example Each row comes out with mean 0 and variance 1
 * ```ts
 * import { nn, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const p = nn.layerNorm.init({ normalizedShape: 4, dtype: "float64" });
 * const y = nn.layerNorm.apply(p, tensor([[1, 2, 3, 4]], { dtype: "float64" }), { eps: 0 });
 * assert.ok(Math.abs(y.mean().item()) < 1e-15);
 * assert.ok(Math.abs(y.pow(2).mean().item() - 1) < 1e-14);
 * ```
 */
export const layerNorm: Block<LayerNormOptions, LayerNormParams, LayerNormApplyOptions> = {
  init(options) {
    const op = "nn.layerNorm.init()";
    checkOptions(op, options, {
      normalizedShape: "shape",
      elementwiseAffine: "boolean",
      dtype: "string",
    });
    required(op, options, ["normalizedShape"]);
    const shape = typeof options.normalizedShape === "number"
      ? [options.normalizedShape]
      : [...options.normalizedShape];
    shape.forEach((n) => positiveInt(op, "normalizedShape entry", n));
    if (options.elementwiseAffine === false) return {};
    const w = filled(shape, options.dtype ?? getDefaultDtype(), 1);
    return { weight: w, bias: filled(shape, w.dtype, 0) };
  },
  apply(params, x, options = {}) {
    const op = "nn.layerNorm.apply()";
    checkOptions(op, options, { eps: "number", normalizedShape: "shape" });
    const given = options.normalizedShape;
    const shape = params.weight?.shape ??
      (given === undefined ? undefined : typeof given === "number" ? [given] : given);
    if (shape === undefined) {
      throw new TypeError(`${op}: without affine parameters, give normalizedShape in the options`);
    }
    const k = shape.length;
    if (x.ndim < k || shape.some((n, i) => x.shape[x.ndim - k + i] !== n)) {
      throw new ShapeError(
        `${op}: input of shape [${x.shape}] does not end with the normalized shape [${shape}]`,
      );
    }
    const dims = shape.map((_, i) => x.ndim - k + i);
    const mu = mean(x, dims, true);
    const v = variance(x, dims, { correction: 0, keepdim: true });
    let y = x.sub(mu).div(v.add(options.eps ?? 1e-5).sqrt());
    if (params.weight !== undefined) y = y.mul(params.weight);
    if (params.bias !== undefined) y = y.add(params.bias);
    return y;
  },
};

/** Options of {@linkcode embedding}'s `init`. */
export interface EmbeddingOptions {
  /** The number of rows (the vocabulary size). */
  readonly numEmbeddings: number;
  /** The size of each row. */
  readonly embeddingDim: number;
  /** The dtype (default: the default dtype). */
  readonly dtype?: FloatDType;
}

/** Parameters of {@linkcode embedding}. */
export interface EmbeddingParams {
  /** `[numEmbeddings, embeddingDim]`, standard normal at init as in PyTorch. */
  readonly weight: Tensor;
}

/**
 * A lookup table, as `torch.nn.Embedding`: `apply(params, indices)` gathers rows, giving
 * shape `[...indices.shape, embeddingDim]`; the gradient adds into the rows used.
 *
 * @example Looking up two rows
 * ```ts
 * import { nn, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const p = nn.embedding.init({ numEmbeddings: 10, embeddingDim: 3 }, 0);
 * const e = nn.embedding.apply(p, tensor([[1, 7]], { dtype: "int64" }));
 * assert.deepEqual(e.shape, [1, 2, 3]);
 * ```
 */
export const embedding: Block<EmbeddingOptions, EmbeddingParams> = {
  init(options, seed) {
    const op = "nn.embedding.init()";
    checkOptions(op, options, { numEmbeddings: "number", embeddingDim: "number", dtype: "string" });
    required(op, options, ["numEmbeddings", "embeddingDim"]);
    positiveInt(op, "numEmbeddings", options.numEmbeddings);
    positiveInt(op, "embeddingDim", options.embeddingDim);
    return {
      weight: normal([options.numEmbeddings, options.embeddingDim], {
        generator: seeded(seed),
        dtype: options.dtype,
      }),
    };
  },
  apply(params, indices) {
    if (!(indices instanceof Tensor) || indices.dtype !== "int64") {
      throw new TypeError(`nn.embedding.apply(): indices must be an int64 Tensor`);
    }
    const flat = indices.ndim === 1 ? indices : indices.reshape([-1]);
    const rows = indexSelect(params.weight, 0, flat);
    return rows.reshape([...indices.shape, params.weight.shape[1]]);
  },
};
