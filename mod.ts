/**
 * Tapegrad: automatic differentiation for Deno, with PyTorch's semantics and JAX's
 * composable transforms. Tensors are immutable; every operation on tensors that require
 * grad is recorded on a tape whose backward rules are themselves differentiable, so
 * gradients of gradients work to any order.
 *
 * @example The seeds' first example: d(mean(3(x + 2)²))/dx = 4.5 at x = 1
 * ```ts
 * import { ones } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = ones([2, 2], { requiresGrad: true });
 * const y = x.add(2);
 * const out = y.mul(y).mul(3).mean();
 * out.backward();
 * assert.equal(String(x.grad), "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])");
 * ```
 *
 * @module
 */

// tensors, dtypes, errors, creation and randomness
export { Tensor } from "./src/tensor.ts";
export type { NestedArray, TensorLike } from "./src/tensor.ts";
export type { DType, FloatDType, Storage } from "./src/dtype.ts";
export { getDefaultDtype, setDefaultDtype, withDefaultDtype } from "./src/dtype.ts";
export {
  AutogradError,
  DtypeError,
  LinAlgError,
  ReleasedTensorError,
  ShapeError,
  TreeError,
} from "./src/errors.ts";
export { dispose, tidy } from "./src/memory.ts";
export { memoryInfo } from "./src/buffer_pool.ts";
export type { MemoryInfo } from "./src/buffer_pool.ts";
export type { Shape } from "./src/shape.ts";
export { Generator, manualSeed } from "./src/random.ts";
export {
  arange,
  eye,
  full,
  fullLike,
  linspace,
  ones,
  onesLike,
  rand,
  randLike,
  randn,
  randnLike,
  tensor,
  zeros,
  zerosLike,
} from "./src/creation.ts";
export type { FromDataOptions, RandomOptions, TensorOptions } from "./src/creation.ts";

// autograd: the tape, grad mode, and extending it with custom rules, checkpoints and hooks
export { enableGrad, isGradEnabled, noGrad, setGradEnabled } from "./src/autograd/grad_mode.ts";
export { autogradGrad, backward } from "./src/autograd/engine.ts";
export { AccumulateGrad, Node } from "./src/autograd/node.ts";
export {
  checkpoint,
  customJvp,
  customVjp,
  defineFunction,
  FunctionCtx,
} from "./src/functional/custom.ts";
export type { AutogradGradOptions, BackwardOptions } from "./src/autograd/engine.ts";
export type {
  CustomJvpOptions,
  CustomVjpOptions,
  FunctionDefinition,
  TensorFn,
} from "./src/functional/custom.ts";
export type { GradHook, RemovableHandle } from "./src/tensor.ts";

// operations: arithmetic and elementwise math
export { add, div, mul, neg, pow, sub } from "./src/ops/arithmetic.ts";
export {
  abs,
  acos,
  acosh,
  asin,
  asinh,
  atan,
  atanh,
  ceil,
  cos,
  cosh,
  erf,
  exp,
  expm1,
  floor,
  log,
  log1p,
  log2,
  reciprocal,
  relu,
  round,
  rsqrt,
  sigmoid,
  sign,
  sin,
  sinh,
  sqrt,
  square,
  tan,
  tanh,
} from "./src/ops/math.ts";

// operations: comparisons and logic
export {
  eq,
  ge,
  gt,
  le,
  logicalAnd,
  logicalNot,
  logicalOr,
  lt,
  ne,
  where,
} from "./src/ops/compare.ts";

// operations: reductions and statistics
export { mean, norm, sum } from "./src/ops/reduce.ts";
export {
  amax,
  amin,
  argmax,
  argmin,
  cumprod,
  cumsum,
  logsumexp,
  max,
  min,
  prod,
  std,
  variance,
} from "./src/ops/statistics.ts";
export type { Dims } from "./src/ops/reduce.ts";
export type { ValuesIndices, VarianceOptions } from "./src/ops/statistics.ts";

// operations: shape, manipulation and indexing
export { broadcastTo, cast, expand, permute, reshape, t, transpose } from "./src/ops/shape.ts";
export {
  cat,
  chunk,
  diag,
  diagonal,
  flatten,
  flip,
  movedim,
  pad,
  roll,
  split,
  squeeze,
  stack,
  trace,
  tril,
  triu,
  unsqueeze,
  view,
} from "./src/ops/manipulation.ts";
export { gather, index, indexSelect, Range, range, scatterAdd, slice } from "./src/ops/indexing.ts";
export type { IndexSpec } from "./src/ops/indexing.ts";

// operations: activations and losses
export { binaryCrossEntropyWithLogits } from "./src/ops/nn.ts";
export {
  atan2,
  clamp,
  elu,
  gelu,
  leakyRelu,
  logSigmoid,
  maximum,
  minimum,
  silu,
  softplus,
} from "./src/ops/activations.ts";
export {
  binaryCrossEntropy,
  crossEntropy,
  dropout,
  huberLoss,
  l1Loss,
  linear,
  logSoftmax,
  mseLoss,
  nllLoss,
  softmax,
} from "./src/ops/nn.ts";
export type {
  BinaryCrossEntropyOptions,
  BinaryCrossEntropyWithLogitsOptions,
  CrossEntropyOptions,
  DropoutOptions,
  NllLossOptions,
  Reduction,
} from "./src/ops/nn.ts";

// operations: linear algebra (the matrix product, dense and spectral linalg)
export { matmul } from "./src/ops/matmul.ts";
export { dot, outer } from "./src/ops/linalg_dense.ts";
export { einsum } from "./src/ops/einsum.ts";
export * as linalg from "./src/linalg.ts";
export type { Slogdet } from "./src/ops/linalg_dense.ts";

// transforms (over pytrees; the tensor cores live in src/functional/transforms.ts), vmap and
// Taylor mode (jet and laplacian come from the pytree layer over src/taylor/transforms.ts)
export {
  grad,
  hessian,
  hvp,
  jacfwd,
  jacobian,
  jacrev,
  jet,
  jvp,
  laplacian,
  valueAndGrad,
  vjp,
  vmap,
} from "./src/functional/pytree.ts";
export { derivative, derivatives } from "./src/taylor/transforms.ts";
export type {
  ArgLike,
  ArgsLike,
  Grad,
  GradArgs,
  Hessian,
  Jacobian,
  JacobianTransform,
  TreeJacobianOptions,
  TreeVmapOptions,
  VjpOptions,
} from "./src/functional/pytree.ts";
export type {
  GradOptions,
  JacobianOptions,
  TensorFunction,
  ValueAndGradOptions,
} from "./src/functional/transforms.ts";
export type { LaplacianOptions, TaylorFunction } from "./src/taylor/transforms.ts";
export type { Randomness, VmapOptions } from "./src/vmap/vmap.ts";

// training: pytrees, optimizers, nn blocks
export * as tree from "./src/tree.ts";
export * as optim from "./src/optim/mod.ts";
export * as nn from "./src/nn/mod.ts";
export type { MapLeaves, Tree, TreeDef } from "./src/tree.ts";

// data in and out: JSON, safetensors
export { fromJSON } from "./src/io/json.ts";
export { loadSafetensors, saveSafetensors } from "./src/io/safetensors.ts";
export type { TensorJSON } from "./src/io/json.ts";
export type {
  LoadSafetensorsOptions,
  SaveSafetensorsOptions,
  TensorTree,
} from "./src/io/safetensors.ts";

// visualization and display: graphs, plots, SVG
export { toDot } from "./src/viz/dot.ts";
export { plot } from "./src/viz/plot.ts";
export { dotToSvg } from "./src/viz/dot_svg.ts";
export { SvgImage } from "./src/viz/svg_image.ts";
export type { DotOptions } from "./src/viz/dot.ts";
export type { PlotFunction, PlotOptions } from "./src/viz/plot.ts";

// backend: WebAssembly kernels and threads
export {
  backendInfo,
  getNumThreads,
  setNumThreads,
  setWasmModule,
  wasmKernelBytes,
} from "./src/kernels/backend.ts";
export type { BackendInfo } from "./src/kernels/backend.ts";
export type { WasmStatus } from "./src/kernels/wasm_module.ts";
