/**
 * The `linalg` namespace, like `torch.linalg`: `inv`, `det`, `slogdet`, `solve` and
 * `cholesky` on square matrices or batches of them (`[..., n, n]`); the decompositions
 * `eigh`/`eigvalsh`, `svd`/`svdvals` and `qr`; and `matrixNorm`, `pinv` and `lstsq`. All
 * compute in float64 and differentiate to any order in reverse and forward mode (see each
 * function for its degenerate cases).
 *
 * @example Solving a system and differentiating log |det A|
 * ```ts
 * import { grad, linalg, tensor } from "@tapegrad/core";
 * import type { Tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const a = tensor([[4, 1], [2, 3]], { dtype: "float64" });
 * assert.deepEqual(linalg.solve(a, tensor([6, 8], { dtype: "float64" })).toArray(), [1, 2]);
 * // d log|det A| / dA = A⁻ᵀ
 * const g = grad((x: Tensor) => linalg.slogdet(x).logabsdet)(a);
 * assert.deepEqual(g.toArray(), linalg.inv(a).t().toArray());
 * ```
 *
 * @module
 */

export { cholesky, det, inv, slogdet, solve } from "./ops/linalg_dense.ts";
export type { Slogdet } from "./ops/linalg_dense.ts";
export { eigh, eigvalsh, qr, svd, svdvals } from "./ops/decompositions.ts";
export type { Eigh, Qr, QrMode, Svd, SvdOptions } from "./ops/decompositions.ts";
export { lstsq, matrixNorm, pinv } from "./ops/linalg_spectral.ts";
export type {
  Lstsq,
  LstsqDriver,
  LstsqOptions,
  MatrixNormOrd,
  PinvOptions,
} from "./ops/linalg_spectral.ts";
