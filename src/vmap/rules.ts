/**
 * The batching table: every primitive's batching rule, assembled from the family files of
 * `src/primitives/` (each family's rules stand beside its forward, VJP and JVP rules, built
 * from the rule shapes in `batching.ts`). Typed `{ [P in Primitive]: BatchRule<Params[P]> }`,
 * so a primitive without a batching rule does not compile.
 *
 * @module
 */

import type { Params, Primitive } from "../primitives/types.ts";
import { unaryBatchRules } from "../primitives/unary.ts";
import { binaryBatchRules } from "../primitives/binary.ts";
import { reduceBatchRules } from "../primitives/reduce.ts";
import { shapeBatchRules } from "../primitives/shape.ts";
import { matmulBatchRules } from "../primitives/matmul.ts";
import { indexBatchRules } from "../primitives/indexing.ts";
import { linalgBatchRules } from "../primitives/linalg.ts";
import { customBatchRules } from "../primitives/custom.ts";
import type { BatchRule } from "./batching.ts";

export { type BatchRule, materialize } from "./batching.ts";

/** Every primitive's batching rule, by family. */
export const BATCH_RULES: { readonly [P in Primitive]: BatchRule<Params[P]> } = {
  ...unaryBatchRules,
  ...binaryBatchRules,
  ...reduceBatchRules,
  ...shapeBatchRules,
  ...matmulBatchRules,
  ...indexBatchRules,
  ...linalgBatchRules,
  ...customBatchRules,
};
