/**
 * The `linalg` namespace, like `torch.linalg`: `inv`, `det`, `slogdet`, `solve` and
 * `cholesky` on square matrices or batches of them, each differentiable to any order.
 *
 * @module
 */

export { cholesky, det, inv, slogdet, solve } from "./ops/linalg_dense.ts";
export type { Slogdet } from "./ops/linalg_dense.ts";
