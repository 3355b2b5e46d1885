/**
 * The cases of tests/fixtures/torch_ops.json (written by tests/fixtures/gen_torch.py), by id:
 * the Tapegrad function each case runs, and the fixture's record. Shared by
 * tests/ops/ops_torch_test.ts and the runtime smoke suite (tests/runtimes/smoke.ts).
 */

import * as tg from "../../mod.ts";
import type { Tensor } from "../../mod.ts";
import ops from "../fixtures/torch_ops.json" with { type: "json" };

const L = (d: number[] | number[][]) => tg.tensor(d, { dtype: "int64" });
const W = tg.tensor([0.5, 2, 1], { dtype: "float64" });

/** A case's function of its inputs. */
export type Fn = (...xs: Tensor[]) => Tensor;
/** The same cases as gen_torch.py, by id. */
export const CASES: Record<string, Fn> = {
  relu_kink: tg.relu,
  abs_kink: tg.abs,
  sign_kink: tg.sign,
  leaky_relu_kink: (x) => tg.leakyRelu(x, 0.1),
  elu_kink: (x) => tg.elu(x, 1.5),
  clamp_bounds: (x) => tg.clamp(x, -0.5, 1),
  clamp_tensor_bounds: (x, lo, hi) => tg.clamp(x, lo, hi),
  maximum_ties: tg.maximum,
  minimum_ties: tg.minimum,
  amax_ties: (x) => tg.amax(x, 1),
  amin_ties_all: (x) => tg.amin(x),
  max_all_ties: (x) => tg.max(x),
  max_dim_ties: (x) => tg.max(x, 1).values,
  min_dim: (x) => tg.min(x, 0).values,
  round_half_even: tg.round,
  norm_at_zero: (x) => tg.norm(x),
  norm_dim: (x) => tg.norm(x, 2, 1),
  norm_inf: (x) => tg.norm(x, Infinity),
  prod_with_zero: (x) => tg.prod(x),
  prod_two_zeros: (x) => tg.prod(x),
  prod_dim: (x) => tg.prod(x, 1),
  var: (x) => tg.variance(x, 1),
  std_all: (x) => tg.std(x),
  var_correction0: (x) => tg.variance(x, 0, { correction: 0 }),
  cumsum: (x) => tg.cumsum(x, 1),
  logsumexp: (x) => tg.logsumexp(x, 1),
  logsumexp_big: (x) => tg.logsumexp(x, 1),
  softmax: (x) => tg.softmax(x, 1),
  softmax_big: (x) => tg.softmax(x, 1),
  log_softmax_big: (x) => tg.logSoftmax(x, 1),
  softplus_big: (x) => tg.softplus(x),
  softplus_beta: (x) => tg.softplus(x, 2, 1),
  logsigmoid_big: tg.logSigmoid,
  gelu: (x) => tg.gelu(x),
  gelu_tanh: (x) => tg.gelu(x, "tanh"),
  silu: tg.silu,
  erf: tg.erf,
  atan2: tg.atan2,
  pow_zero_base: tg.pow,
  cross_entropy: (x) => tg.crossEntropy(x, L([2, 0])),
  cross_entropy_big: (x) => tg.crossEntropy(x, L([0, 1])),
  cross_entropy_sum_weight: (x) => tg.crossEntropy(x, L([2, 0]), { weight: W, reduction: "sum" }),
  cross_entropy_ignore: (x) => tg.crossEntropy(x, L([2, -100])),
  cross_entropy_smoothing: (x) => tg.crossEntropy(x, L([2, 0]), { labelSmoothing: 0.2, weight: W }),
  cross_entropy_probs: (x, p) => tg.crossEntropy(x, p),
  cross_entropy_probs_smoothing: (x, p) => tg.crossEntropy(x, p, { labelSmoothing: 0.1 }),
  cross_entropy_3d: (x) => tg.crossEntropy(x, L([[0, 2], [1, 1]])),
  nll_loss: (x) => tg.nllLoss(x, L([2, 0])),
  nll_loss_none: (x) => tg.nllLoss(x, L([2, 0]), { reduction: "none" }),
  mse_loss: (a, b) => tg.mseLoss(a, b),
  l1_loss: (a, b) => tg.l1Loss(a, b),
  huber_loss: (a, b) => tg.huberLoss(a, b, { delta: 0.5 }),
  bce: (p, y) => tg.binaryCrossEntropy(p, y),
  bce_extreme: (p, y) => tg.binaryCrossEntropy(p, y),
  bce_logits: (x, y) => tg.binaryCrossEntropyWithLogits(x, y),
  bce_logits_big: (x, y) => tg.binaryCrossEntropyWithLogits(x, y),
  bce_logits_pos_weight: (x, y) =>
    tg.binaryCrossEntropyWithLogits(x, y, {
      posWeight: tg.tensor([1, 2, 3], { dtype: "float64" }),
      reduction: "sum",
    }),
  linear: (x, w, b) => tg.linear(x, w, b),
  gather: (x) => tg.gather(x, 1, L([[2, 0], [1, 1]])),
  index_select: (x) => tg.indexSelect(x, 1, L([2, 0, 2])),
  scatter_add: (x, s) => tg.scatterAdd(x, 1, L([[2, 0], [1, 1]]), s),
  pad_reflect: (x) => tg.pad(x, [2, 1], "reflect"),
  pad_replicate: (x) => tg.pad(x, [1, 2], "replicate"),
  pad_constant: (x) => tg.pad(x, [1, 0, 0, 2], "constant", 0.5),
  tril: (x) => tg.tril(x, -1),
  triu: (x) => tg.triu(x, 1),
  diag_embed: (x) => tg.diag(x, 1),
  diagonal: (x) => tg.diagonal(x, -1),
  trace: tg.trace,
  roll: (x) => tg.roll(x, 1, 1),
  flip: (x) => tg.flip(x, [0, 1]),
  einsum_bilinear: (a, m, b) => tg.einsum("i,ij,j->", a, m, b),
  einsum_trace: (m) => tg.einsum("ii", m),
  einsum_batch: (a, b) => tg.einsum("bij,jk->bik", a, b),
  inv: tg.linalg.inv,
  det: tg.linalg.det,
  slogdet: (a) => tg.linalg.slogdet(a).logabsdet,
  solve: tg.linalg.solve,
  solve_batched: tg.linalg.solve,
  cholesky: tg.linalg.cholesky,
  matmul_batched_broadcast: tg.matmul,
  matmul_vec_mat: tg.matmul,
  matmul_mat_vec: tg.matmul,
  dot: tg.dot,
  outer: tg.outer,
};

/**
 * Cases whose grad_fn name is PyTorch's implementation detail rather than part of the op
 * (none now: einsum contracts with matmul and ends in `ViewBackward0`, as PyTorch's).
 */
export const NAME_EXCEPTIONS: Record<string, string> = {};

/**
 * Cases whose gradient differs from PyTorch's on purpose: at p = 0 or 1 exactly, PyTorch's
 * binary cross-entropy backward divides by max(p(1 − p), 1e−12) (giving ±2.8e11, ±inf), while
 * ours is the derivative of the clamped logs (0 and ±100). The values agree.
 */
export const GRAD_EXCEPTIONS = new Set(["bce_extreme"]);

/** One recorded case: inputs, output shape and values, gradients, grad_fn name. */
export interface Case {
  inputs: unknown[];
  shape: number[];
  out: (number | string)[];
  grads: ((number | string)[] | null)[];
  grad_fn: string | null;
}

/** Decodes the fixture's "inf", "-inf" and "nan" strings. */
export function nums(values: readonly (number | string)[]): number[] {
  return values.map((
    v,
  ) => (typeof v === "number" ? v : v === "nan" ? NaN : v === "inf" ? Infinity : -Infinity));
}

/** The fixture's records by id. */
export const FIXTURE = ops as unknown as Record<string, Case>;
