/**
 * Testing helpers for Tapegrad users and for Tapegrad itself: `assertClose` compares
 * tensors within tolerances, and `gradcheck` checks derivatives to any order against
 * finite differences.
 *
 * @example Check a user-defined function to second order
 * ```ts
 * import { type Tensor, tensor } from "@tapegrad/core";
 * import { gradcheck } from "@tapegrad/core/testing";
 * import assert from "node:assert/strict";
 *
 * const f = (x: Tensor) => x.exp().mul(x.sin()).sum();
 * assert.equal(gradcheck(f, tensor([0.1, 0.7, -0.4])), true);
 * ```
 *
 * @module
 */

export { assertClose } from "./assert_close.ts";
export type { CloseOptions } from "./assert_close.ts";
export { gradcheck } from "./gradcheck.ts";
export type { GradcheckOptions } from "./gradcheck.ts";
