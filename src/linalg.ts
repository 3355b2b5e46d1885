/**
 * The `linalg` namespace, like `torch.linalg`: `inv`, `det`, `slogdet`, `solve` and
 * `cholesky` on square matrices or batches of them (`[..., n, n]`), computed in float64 and
 * differentiable to any order in reverse and forward mode.
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
