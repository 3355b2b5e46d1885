/**
 * Parameter initializers with PyTorch's formulas (`torch.nn.init`): Kaiming (He) and
 * Xavier (Glorot) uniform and normal, plain normal and uniform. Fans are computed as PyTorch
 * computes them: for a weight of shape `[out, in, ...kernel]`, `fanIn = in · ∏kernel` and
 * `fanOut = out · ∏kernel`. Draws come from a seeded {@linkcode Generator}, so a seed
 * reproduces the parameters (the numbers differ from PyTorch's generator).
 *
 * @module
 */

import type { FloatDType } from "../dtype.ts";
import { Generator } from "../random.ts";
import type { Tensor } from "../tensor.ts";
import { rand, randn } from "../creation.ts";
import { sizeOf } from "../shape.ts";

/** Options shared by the initializers. */
export interface InitOptions {
  /** The dtype (default: the default dtype). */
  readonly dtype?: FloatDType;
  /** The random stream: a generator, or a seed for a new one (default: the default generator). */
  readonly generator?: Generator | number;
}

/** The generator named by `g` (a seed makes a new one). */
export function generatorOf(g: Generator | number | undefined): Generator | undefined {
  return typeof g === "number" ? new Generator(g) : g;
}

/**
 * PyTorch's default parameters of a linear or convolution layer: the weight by
 * {@linkcode kaimingUniform} (`a = √5`), then, unless `bias` is false, a bias of `shape[0]`
 * values uniform in `±1/√fanIn`, both drawn from `generator` in that order.
 */
export function defaultWeightAndBias(
  shape: readonly number[],
  bias: boolean | undefined,
  options: InitOptions,
): { weight: Tensor; bias?: Tensor } {
  const weight = kaimingUniform(shape, options);
  if (bias === false) return { weight };
  const bound = 1 / Math.sqrt(fans(shape)[0]);
  return { weight, bias: uniform([shape[0]], -bound, bound, options) };
}

/**
 * `[fanIn, fanOut]` of a weight shape, as `torch.nn.init._calculate_fan_in_and_fan_out`.
 *
 * @param shape a weight shape with at least 2 dimensions
 * @returns `[fanIn, fanOut]`
 * @throws {RangeError} for fewer than 2 dimensions
 * @example Fans of a conv2d weight
 * ```ts
 * import { nn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(nn.fans([8, 3, 5, 5]), [75, 200]);
 * ```
 */
export function fans(shape: readonly number[]): [number, number] {
  if (shape.length < 2) {
    throw new RangeError(
      `fans(): fan in and fan out need a shape with at least 2 dimensions; got [${shape}]`,
    );
  }
  const receptive = sizeOf(shape.slice(2));
  return [shape[1] * receptive, shape[0] * receptive];
}

/**
 * Uniform values in `[low, high)`.
 *
 * @param shape the shape
 * @param low the lower bound
 * @param high the upper bound
 * @param options `dtype` and `generator`
 * @returns a new tensor
 * @example Values within the bounds
 * ```ts
 * import { nn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const u = nn.uniform([100], -2, 3, { generator: 0 }).toArray() as number[];
 * assert.ok(u.every((v) => v >= -2 && v < 3));
 * ```
 */
export function uniform(
  shape: readonly number[],
  low: number,
  high: number,
  options: InitOptions = {},
): Tensor {
  const u = rand(shape, { dtype: options.dtype, generator: generatorOf(options.generator) });
  return u.mul(high - low).add(low);
}

/**
 * Normal values with the given mean and standard deviation, as `torch.nn.init.normal_`
 * (defaults 0 and 1).
 *
 * @param shape the shape
 * @param options `mean` (0), `std` (1), `dtype`, `generator`
 * @returns a new tensor
 * @example A seeded draw repeats
 * ```ts
 * import { nn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const a = nn.normal([3], { std: 0.1, generator: 4 });
 * assert.deepEqual(a.toArray(), nn.normal([3], { std: 0.1, generator: 4 }).toArray());
 * ```
 */
export function normal(
  shape: readonly number[],
  options: InitOptions & { readonly mean?: number; readonly std?: number } = {},
): Tensor {
  const { mean = 0, std = 1 } = options;
  const z = randn(shape, { dtype: options.dtype, generator: generatorOf(options.generator) });
  return z.mul(std).add(mean);
}

function gain(nonlinearity: string, a: number): number {
  switch (nonlinearity) {
    case "linear":
    case "sigmoid":
      return 1;
    case "tanh":
      return 5 / 3;
    case "relu":
      return Math.SQRT2;
    case "leaky_relu":
      return Math.sqrt(2 / (1 + a * a));
    default:
      throw new TypeError(`kaiming: unknown nonlinearity "${nonlinearity}"`);
  }
}

/** Options of the Kaiming initializers. */
export interface KaimingOptions extends InitOptions {
  /** The negative slope of the rectifier after the layer (default √5, as `nn.Linear`). */
  readonly a?: number;
  /** `"fanIn"` (default) or `"fanOut"`. */
  readonly mode?: "fanIn" | "fanOut";
  /** `"leaky_relu"` (default), `"relu"`, `"tanh"`, `"sigmoid"` or `"linear"`. */
  readonly nonlinearity?: "leaky_relu" | "relu" | "tanh" | "sigmoid" | "linear";
}

/**
 * Kaiming (He) uniform values in `±gain·√(3/fan)`, as `torch.nn.init.kaiming_uniform_`. The
 * defaults (`a = √5`, fan in, leaky ReLU) are those `nn.Linear` and `nn.Conv*d` use, giving
 * the bound `1/√fanIn`.
 *
 * @param shape the weight shape (`[out, in, ...kernel]`)
 * @param options `a`, `mode`, `nonlinearity`, `dtype`, `generator`
 * @returns a new tensor
 * @throws {RangeError} for fewer than 2 dimensions
 * @example nn.Linear's bound
 * ```ts
 * import { nn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const w = nn.kaimingUniform([30, 16], { generator: 1 }).toArray() as number[][];
 * assert.ok(w.flat().every((v) => Math.abs(v) <= 1 / 4));
 * ```
 */
export function kaimingUniform(shape: readonly number[], options: KaimingOptions = {}): Tensor {
  const { a = Math.sqrt(5), mode = "fanIn", nonlinearity = "leaky_relu" } = options;
  const [fanIn, fanOut] = fans(shape);
  const fan = mode === "fanIn" ? fanIn : fanOut;
  const bound = gain(nonlinearity, a) * Math.sqrt(3 / fan);
  return uniform(shape, -bound, bound, options);
}

/**
 * Kaiming (He) normal values with standard deviation `gain/√fan`, as
 * `torch.nn.init.kaiming_normal_` (defaults `a = 0`, fan in, leaky ReLU: `√(2/fanIn)`).
 *
 * @param shape the weight shape
 * @param options `a` (0), `mode`, `nonlinearity`, `dtype`, `generator`
 * @returns a new tensor
 * @throws {RangeError} for fewer than 2 dimensions
 * @example Shape of a draw
 * ```ts
 * import { nn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(nn.kaimingNormal([4, 2], { generator: 0 }).shape, [4, 2]);
 * ```
 */
export function kaimingNormal(shape: readonly number[], options: KaimingOptions = {}): Tensor {
  const { a = 0, mode = "fanIn", nonlinearity = "leaky_relu" } = options;
  const [fanIn, fanOut] = fans(shape);
  const std = gain(nonlinearity, a) / Math.sqrt(mode === "fanIn" ? fanIn : fanOut);
  return normal(shape, { ...options, std });
}

/** `gain·√(c/(fanIn + fanOut))`: Xavier's bound (c = 6) or standard deviation (c = 2). */
function glorot(shape: readonly number[], gain: number | undefined, c: number): number {
  const [fanIn, fanOut] = fans(shape);
  return (gain ?? 1) * Math.sqrt(c / (fanIn + fanOut));
}

/**
 * Xavier (Glorot) uniform values in `±gain·√(6/(fanIn + fanOut))`, as
 * `torch.nn.init.xavier_uniform_`.
 *
 * @param shape the weight shape
 * @param options `gain` (1), `dtype`, `generator`
 * @returns a new tensor
 * @throws {RangeError} for fewer than 2 dimensions
 * @example The Glorot bound
 * ```ts
 * import { nn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const w = nn.xavierUniform([3, 3], { generator: 2 }).toArray() as number[][];
 * assert.ok(w.flat().every((v) => Math.abs(v) <= 1));
 * ```
 */
export function xavierUniform(
  shape: readonly number[],
  options: InitOptions & { readonly gain?: number } = {},
): Tensor {
  const bound = glorot(shape, options.gain, 6);
  return uniform(shape, -bound, bound, options);
}

/**
 * Xavier (Glorot) normal values with standard deviation `gain·√(2/(fanIn + fanOut))`, as
 * `torch.nn.init.xavier_normal_`.
 *
 * @param shape the weight shape
 * @param options `gain` (1), `dtype`, `generator`
 * @returns a new tensor
 * @throws {RangeError} for fewer than 2 dimensions
 * @example Shape of a draw
 * ```ts
 * import { nn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(nn.xavierNormal([5, 2], { generator: 0 }).shape, [5, 2]);
 * ```
 */
export function xavierNormal(
  shape: readonly number[],
  options: InitOptions & { readonly gain?: number } = {},
): Tensor {
  const std = glorot(shape, options.gain, 2);
  return normal(shape, { ...options, std });
}
