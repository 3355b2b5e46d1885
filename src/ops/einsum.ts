/**
 * `einsum`: Einstein summation over string equations, built from differentiable operations
 * (diagonal for repeated indices, permute, reshape, broadcasting multiplication and sum), so
 * it differentiates to any order.
 *
 * @module
 */

import { ShapeError } from "../errors.ts";
import { fmtShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { checkTensor, mul } from "./arithmetic.ts";
import { permute, reshape } from "./shape.ts";
import { diagonal } from "./manipulation.ts";

function fail(equation: string, why: string): never {
  throw new ShapeError(`einsum("${equation}"): ${why}`);
}

/** Parses one operand's subscripts into labels; "..." becomes `ellipsis` placeholder -1. */
function parseTerm(term: string, equation: string): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < term.length; i++) {
    if (term.startsWith("...", i)) {
      if (out.includes(null)) fail(equation, `"..." appears twice in "${term}"`);
      out.push(null);
      i += 2;
    } else if (/[a-zA-Z]/.test(term[i])) out.push(term[i]);
    else if (term[i] !== " ") fail(equation, `unexpected character "${term[i]}"`);
  }
  return out;
}

/**
 * Einstein summation: `einsum("ij,jk->ik", a, b)` is a matrix product, `"ii->"` a trace,
 * `"ii->i"` a diagonal, `"bij,bjk->bik"` a batched product, `"...ij->...ji"` a transpose of
 * the last two dimensions. Without `->`, the output takes the labels that appear once, in
 * alphabetical order (as NumPy and PyTorch). Labels are letters; `...` stands for broadcast
 * dimensions.
 *
 * @param equation the subscripts, e.g. `"ij,jk->ik"`
 * @param operands one tensor per comma-separated term
 * @returns the result
 * @throws {ShapeError} for a malformed equation, a term whose length does not match its
 *   operand, or one label with two different sizes
 * @example Matrix product, trace and outer product
 * ```ts
 * import { einsum, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const a = tensor([[1, 2], [3, 4]]);
 * assert.deepEqual(einsum("ij,jk->ik", a, a).toArray(), [[7, 10], [15, 22]]);
 * assert.equal(einsum("ii", a).item(), 5);
 * assert.deepEqual(einsum("i,j", tensor([1, 2]), tensor([3, 4])).toArray(), [[3, 4], [6, 8]]);
 * ```
 */
export function einsum(equation: string, ...operands: Tensor[]): Tensor {
  if (typeof equation !== "string") throw new TypeError(`einsum() expects an equation string`);
  operands.forEach((t, i) => checkTensor(t, "einsum", `operand ${i}`));
  const [lhs, rhs, extra] = equation.replace(/\s+/g, "").split("->");
  if (extra !== undefined) fail(equation, `"->" appears more than once`);
  const terms = lhs.split(",");
  if (terms.length !== operands.length) {
    fail(equation, `${terms.length} terms but ${operands.length} operands`);
  }
  // expand "..." into numbered labels, right-aligned across operands
  let ellipsisRank = 0;
  const parsed = terms.map((term, k) => {
    const labels = parseTerm(term, equation);
    const named = labels.filter((l) => l !== null).length;
    const x = operands[k];
    if (labels.includes(null)) {
      if (x.ndim < named) {
        fail(equation, `term "${term}" has more labels than ${fmtShape(x.shape)} has dimensions`);
      }
      ellipsisRank = Math.max(ellipsisRank, x.ndim - named);
    } else if (x.ndim !== named) {
      fail(
        equation,
        `term "${term}" has ${named} labels for an operand of shape ${fmtShape(x.shape)}`,
      );
    }
    return labels;
  });
  const ell = Array.from({ length: ellipsisRank }, (_, i) => `#${i}`);
  const expanded = parsed.map((labels, k) => {
    const out: string[] = [];
    const named = labels.filter((l) => l !== null).length;
    for (const l of labels) {
      if (l === null) out.push(...ell.slice(ellipsisRank - (operands[k].ndim - named)));
      else out.push(l);
    }
    return out;
  });
  // output labels
  let outLabels: string[];
  if (rhs !== undefined) {
    const parsedOut = parseTerm(rhs, equation);
    outLabels = [];
    for (const l of parsedOut) {
      if (l === null) outLabels.push(...ell);
      else {
        if (outLabels.includes(l)) fail(equation, `output label "${l}" appears twice`);
        if (!expanded.some((t) => t.includes(l))) {
          fail(equation, `output label "${l}" is not in any input`);
        }
        outLabels.push(l);
      }
    }
    if (!parsedOut.includes(null) && ellipsisRank > 0) outLabels = [...ell, ...outLabels];
  } else {
    const counts = new Map<string, number>();
    for (const t of expanded) {
      for (const l of t) if (!l.startsWith("#")) counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    outLabels = [...ell, ...[...counts].filter(([, c]) => c === 1).map(([l]) => l).sort()];
  }
  // sizes, with 1 broadcasting only in ellipsis dimensions
  const sizes = new Map<string, number>();
  // remove repeated labels inside one operand by taking diagonals
  const prepared = expanded.map((labels, k) => {
    let x = operands[k];
    let ls = labels.slice();
    for (;;) {
      const dup = ls.findIndex((l, i) => ls.indexOf(l) !== i);
      if (dup < 0) break;
      const first = ls.indexOf(ls[dup]);
      if (x.shape[first] !== x.shape[dup]) {
        fail(equation, `label "${ls[dup]}" has sizes ${x.shape[first]} and ${x.shape[dup]}`);
      }
      x = diagonal(x, 0, first, dup);
      const l = ls[dup];
      ls = [...ls.filter((_, i) => i !== first && i !== dup), l];
    }
    ls.forEach((l, i) => {
      const s = x.shape[i];
      const prev = sizes.get(l);
      if (prev === undefined || prev === 1) sizes.set(l, s);
      else if (s !== prev && !(s === 1 && l.startsWith("#"))) {
        fail(equation, `label "${l}" has sizes ${prev} and ${s}`);
      }
    });
    return { x, ls };
  });
  const order = [...outLabels];
  for (const { ls } of prepared) for (const l of ls) if (!order.includes(l)) order.push(l);
  // align every operand to `order` and multiply
  let acc: Tensor | null = null;
  for (const { x, ls } of prepared) {
    const present = order.filter((l) => ls.includes(l));
    const moved = permute(x, present.map((l) => ls.indexOf(l)));
    const aligned = reshape(moved, order.map((l) => (ls.includes(l) ? x.shape[ls.indexOf(l)] : 1)));
    acc = acc === null ? aligned : mul(acc, aligned);
  }
  let result = acc!;
  const summed = order.map((_, i) => i).filter((i) => i >= outLabels.length);
  if (summed.length > 0) {
    result = apply("sum", [result], { dims: summed, keepdim: false });
  }
  // broadcast size-1 ellipsis dims that no operand sized
  const target = outLabels.map((l) => sizes.get(l) ?? 1);
  if (result.shape.some((s, i) => s !== target[i])) result = result.expand(target);
  return result;
}
