/**
 * The rule table: every primitive's forward, backward and tangent rules, by name. Typed
 * `{ [P in Primitive]: Rule<P> }`, so a primitive without rules does not compile.
 *
 * @module
 */

import type { Params, Primitive, Rule } from "./types.ts";
import { unaryRules } from "./unary.ts";
import { binaryRules } from "./binary.ts";
import { reduceRules } from "./reduce.ts";
import { shapeRules } from "./shape.ts";
import { matmulRules } from "./matmul.ts";
import { indexRules } from "./indexing.ts";
import { linalgRules } from "./linalg.ts";
import { customRules } from "./custom.ts";

/** @ignore Every primitive's rules. */
export const RULES: { readonly [P in Primitive]: Rule<Params[P]> } = {
  ...unaryRules,
  ...binaryRules,
  ...reduceRules,
  ...shapeRules,
  ...matmulRules,
  ...indexRules,
  ...linalgRules,
  ...customRules,
};
