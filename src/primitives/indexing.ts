/**
 * Indexing primitives (gather, scatter, index selection). Filled in by the operation-set
 * work; empty for now.
 *
 * @module
 */

import type { RuleTable } from "./types.ts";

/** Parameters of the indexing primitives. */
export type IndexParams = Record<never, never>;

/** Rules of the indexing primitives. */
export const indexRules: RuleTable<IndexParams> = {};
