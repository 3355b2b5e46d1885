/**
 * Convolutions (`nn.conv1d`, `nn.conv2d`) as PyTorch's cross-correlation with stride,
 * padding, dilation and channel groups, built from differentiable operations only: the input
 * is padded, its windows are gathered with `indexSelect` (an unfold), and one matrix product
 * with the flattened kernel (one per group) does the rest. Every derivative, to any order and
 * in both modes, comes from those operations' rules; no convolution primitive is needed.
 *
 * @module
 */

import type { FloatDType } from "../dtype.ts";
import { ShapeError } from "../errors.ts";
import { sizeOf } from "../shape.ts";
import type { Generator } from "../random.ts";
import { Tensor } from "../tensor.ts";
import { tensor } from "../creation.ts";
import { indexSelect } from "../ops/indexing.ts";
import { pad } from "../ops/manipulation.ts";
import { checkOptions, positiveInt, required } from "../options.ts";
import { defaultWeightAndBias } from "./init.ts";
import { type Block, seeded } from "./layers.ts";

/** Options of the convolutions' `init`. */
export interface ConvOptions {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Kernel size: one number, or one per spatial dimension. */
  readonly kernelSize: number | readonly number[];
  /** Whether there is a bias (default true). */
  readonly bias?: boolean;
  /** Channel groups: both channel counts must divide by it (default 1). */
  readonly groups?: number;
  /** The dtype (default: the default dtype). */
  readonly dtype?: FloatDType;
}

/** Options of the convolutions' `apply` (PyTorch's, one number or one per spatial dimension). */
export interface ConvApplyOptions {
  /** Stride (default 1). */
  readonly stride?: number | readonly number[];
  /** Zero padding on both sides (default 0). */
  readonly padding?: number | readonly number[];
  /** Dilation of the kernel (default 1). */
  readonly dilation?: number | readonly number[];
  /** Channel groups (default 1): input channels `C` are split into `groups` blocks of `C/groups`, each seen by `outChannels/groups` filters. */
  readonly groups?: number;
}

/** Parameters of a convolution. */
export interface ConvParams {
  /** `[outChannels, inChannels, ...kernelSize]`. */
  readonly weight: Tensor;
  /** `[outChannels]`, absent without bias. */
  readonly bias?: Tensor;
}

function perDim(
  v: number | readonly number[],
  n: number,
  name: string,
  op: string,
  min: number,
): number[] {
  const list = typeof v === "number" ? new Array(n).fill(v) : [...v];
  if (list.length !== n || list.some((x) => !Number.isInteger(x) || x < min)) {
    throw new RangeError(
      `${op}: ${name} must be ${n === 1 ? "an integer" : `${n} integers`} ≥ ${min}; got ${
        JSON.stringify(v)
      }`,
    );
  }
  return list;
}

function convInit(
  op: string,
  n: number,
  options: ConvOptions,
  seed?: number | Generator,
): ConvParams {
  checkOptions(op, options, {
    inChannels: "number",
    outChannels: "number",
    kernelSize: "shape",
    bias: "boolean",
    groups: "number",
    dtype: "string",
  });
  required(op, options, ["inChannels", "outChannels", "kernelSize"]);
  positiveInt(op, "inChannels", options.inChannels);
  positiveInt(op, "outChannels", options.outChannels);
  const kernel = perDim(options.kernelSize, n, "kernelSize", op, 1);
  const g = seeded(seed);
  const groups = options.groups ?? 1;
  checkGroups(op, groups, options.inChannels, options.outChannels);
  const shape = [options.outChannels, options.inChannels / groups, ...kernel];
  return defaultWeightAndBias(shape, options.bias, { generator: g, dtype: options.dtype });
}

function checkGroups(op: string, groups: number, inC: number, outC: number): void {
  if (!Number.isInteger(groups) || groups < 1 || inC % groups !== 0 || outC % groups !== 0) {
    throw new RangeError(
      `${op}: groups must be a positive integer dividing both channel counts (${inC} in, ` +
        `${outC} out); got ${groups}`,
    );
  }
}

/**
 * The convolution over the last `n` dimensions of `x` (`[N, C, ...spatial]` or unbatched
 * `[C, ...spatial]`).
 */
function convApply(
  op: string,
  n: number,
  params: ConvParams,
  x: Tensor,
  options: ConvApplyOptions = {},
): Tensor {
  checkOptions(op, options, {
    stride: "shape",
    padding: "shape",
    dilation: "shape",
    groups: "number",
  });
  const groups = options.groups ?? 1;
  const w = params.weight;
  if (!(x instanceof Tensor) || (x.ndim !== n + 1 && x.ndim !== n + 2)) {
    throw new ShapeError(
      `${op}: expects an input of ${n + 1} or ${n + 2} dimensions ([C, ...] or [N, C, ...]); got ${
        x instanceof Tensor ? `[${x.shape}]` : typeof x
      }`,
    );
  }
  if (w.ndim !== n + 2) {
    throw new ShapeError(`${op}: the weight must have ${n + 2} dimensions; got [${w.shape}]`);
  }
  const unbatched = x.ndim === n + 1;
  const xb = unbatched ? x.unsqueeze(0) : x;
  const [batch, channels] = xb.shape;
  const [outC, perGroup] = w.shape;
  const inC = perGroup * groups;
  if (channels !== inC) {
    throw new ShapeError(
      `${op}: input of shape [${x.shape}] has ${channels} channels but the weight [${w.shape}] ` +
        `with ${groups} group(s) expects ${inC}`,
    );
  }
  checkGroups(op, groups, inC, outC);
  const kernel = w.shape.slice(2);
  const stride = perDim(options.stride ?? 1, n, "stride", op, 1);
  const padding = perDim(options.padding ?? 0, n, "padding", op, 0);
  const dilation = perDim(options.dilation ?? 1, n, "dilation", op, 1);
  const amounts: number[] = [];
  for (let i = n - 1; i >= 0; i--) amounts.push(padding[i], padding[i]);
  const xp = padding.some((p) => p > 0) ? pad(xb, amounts) : xb;
  const outSizes = kernel.map((k, i) =>
    Math.floor((xp.shape[2 + i] - dilation[i] * (k - 1) - 1) / stride[i]) + 1
  );
  if (outSizes.some((s) => s < 1)) {
    throw new ShapeError(
      `${op}: the kernel [${kernel}] (dilation ${dilation}) is larger than the padded input [${
        xp.shape.slice(2)
      }]`,
    );
  }
  // unfold: for each spatial dim, gather positions o·stride + j·dilation into [out, k] blocks
  let cols = xp;
  for (let i = 0; i < n; i++) {
    const dim = 2 + 2 * i; // earlier spatial dims have become [out_i, k_i] pairs
    const idx: number[] = [];
    for (let o = 0; o < outSizes[i]; o++) {
      for (let j = 0; j < kernel[i]; j++) idx.push(o * stride[i] + j * dilation[i]);
    }
    const picked = indexSelect(cols, dim, tensor(idx, { dtype: "int64" }));
    const s = picked.shape;
    cols = picked.reshape([...s.slice(0, dim), outSizes[i], kernel[i], ...s.slice(dim + 1)]);
  }
  // cols: [N, C, o1, k1, o2, k2, ...] → [N, o1, o2, ..., C, k1, k2, ...]
  const outDims = outSizes.map((_, i) => 2 + 2 * i);
  const kDims = outSizes.map((_, i) => 3 + 2 * i);
  const patches = cols.permute([0, ...outDims, 1, ...kDims]);
  const positions = sizeOf(outSizes);
  const window = perGroup * sizeOf(kernel);
  let y: Tensor;
  if (groups === 1) {
    const flat = patches.reshape([batch, positions, window]);
    y = flat.matmul(w.reshape([outC, -1]).t()); // [N, positions, outC]
  } else {
    // one product per group: [g, N·P, window] @ [g, window, outC/g]
    const flat = patches.reshape([batch * positions, groups, window]).permute([1, 0, 2]);
    const wg = w.reshape([groups, outC / groups, window]).permute([0, 2, 1]);
    y = flat.matmul(wg).permute([1, 0, 2]).reshape([batch, positions, outC]);
  }
  if (params.bias !== undefined) y = y.add(params.bias);
  const out = y.permute([0, 2, 1]).reshape([batch, outC, ...outSizes]);
  return unbatched ? out.squeeze(0) : out;
}

/**
 * A 1-D convolution block, as `torch.nn.Conv1d` (cross-correlation; weight
 * `[out, in, k]` and bias initialized as PyTorch does). `apply` takes `[N, C, L]` or
 * `[C, L]` and the options `stride`, `padding`, `dilation`.
 *
 * @example A moving sum
 * ```ts
 * import { nn, ones, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const params = { weight: ones([1, 1, 2]) };
 * const y = nn.conv1d.apply(params, tensor([[[1, 2, 3, 4]]]));
 * assert.deepEqual(y.toArray(), [[[3, 5, 7]]]);
 * ```
 */
export const conv1d: Block<ConvOptions, ConvParams, ConvApplyOptions> = {
  init: (options, seed) => convInit("nn.conv1d.init()", 1, options, seed),
  apply: (params, x, options) => convApply("nn.conv1d.apply()", 1, params, x, options),
};

/**
 * A 2-D convolution block, as `torch.nn.Conv2d` (cross-correlation; weight
 * `[out, in, kh, kw]` and bias initialized as PyTorch does). `apply` takes `[N, C, H, W]` or
 * `[C, H, W]` and the options `stride`, `padding`, `dilation` (a number or a pair).
 *
 * @example Output size with stride and padding
 * ```ts
 * import { nn, ones } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const params = nn.conv2d.init({ inChannels: 3, outChannels: 8, kernelSize: 3 }, 0);
 * const y = nn.conv2d.apply(params, ones([2, 3, 9, 9]), { stride: 2, padding: 1 });
 * assert.deepEqual(y.shape, [2, 8, 5, 5]);
 * ```
 */
export const conv2d: Block<ConvOptions, ConvParams, ConvApplyOptions> = {
  init: (options, seed) => convInit("nn.conv2d.init()", 2, options, seed),
  apply: (params, x, options) => convApply("nn.conv2d.apply()", 2, params, x, options),
};
