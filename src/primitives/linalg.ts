/**
 * Linear-algebra primitives (inverse, determinant, Cholesky, solve). Filled in by the
 * operation-set work; empty for now.
 *
 * @module
 */

import type { RuleTable } from "./types.ts";

/** Parameters of the linear-algebra primitives. */
export type LinalgParams = Record<never, never>;

/** Rules of the linear-algebra primitives. */
export const linalgRules: RuleTable<LinalgParams> = {};
