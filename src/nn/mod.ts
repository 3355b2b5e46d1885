/**
 * Functional neural-network blocks (`nn` namespace): each block is an
 * `init(options, seed) → params` and `apply(params, x, options?)` pair over pytrees of
 * tensors (`linear`, `mlp`, `layerNorm`, `embedding`, `conv1d`, `conv2d`), initializers with
 * PyTorch's formulas, and `parameterCount`. The losses and activations are the top-level
 * operations (`mseLoss`, `crossEntropy`, `relu`, ...); the top-level `linear(x, w, b)` is the
 * operation that `nn.linear.apply` calls.
 *
 * @example Fitting a line with an MLP
 * ```ts
 * import { grad, mseLoss, nn, optim, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[-1], [0], [1], [2]], { dtype: "float64" });
 * const y = x.mul(2).add(1);
 * let params = nn.mlp.init({ sizes: [1, 16, 1], dtype: "float64" }, 0);
 * const loss = (p: nn.MlpParams) => mseLoss(nn.mlp.apply(p, x, { activation: "tanh" }), y);
 * const opt = optim.adam({ lr: 0.05 });
 * let state = opt.init(params);
 * for (let i = 0; i < 200; i++) ({ params, state } = opt.update(grad(loss)(params), state, params));
 * assert.ok(loss(params).item() < 1e-3);
 * ```
 *
 * @module
 */

export {
  fans,
  kaimingNormal,
  kaimingUniform,
  normal,
  uniform,
  xavierNormal,
  xavierUniform,
} from "./init.ts";
export type { InitOptions, KaimingOptions } from "./init.ts";
export { embedding, layerNorm, linear, mlp, parameterCount } from "./layers.ts";
export type {
  Activation,
  Block,
  EmbeddingOptions,
  EmbeddingParams,
  LayerNormApplyOptions,
  LayerNormOptions,
  LayerNormParams,
  LinearOptions,
  LinearParams,
  MlpApplyOptions,
  MlpOptions,
  MlpParams,
} from "./layers.ts";
export { conv1d, conv2d } from "./conv.ts";
export type { ConvApplyOptions, ConvOptions, ConvParams } from "./conv.ts";
