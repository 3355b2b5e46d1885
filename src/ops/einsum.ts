/**
 * `einsum`: Einstein summation over string equations, built from differentiable operations
 * (diagonal for repeated indices, sum for labels only one operand has, and for each pair of
 * operands one batched matrix product over the labels they share, or a broadcasting
 * multiplication when nothing is contracted), so it differentiates to any order.
 *
 * @module
 */

import { ShapeError } from "../errors.ts";
import { fmtShape, sizeOf } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { checkTensor, mul } from "./arithmetic.ts";
import { identity, permute, reshape } from "./shape.ts";
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

/** An operand with one label per dimension (no label twice). */
interface Labeled {
  readonly x: Tensor;
  readonly ls: readonly string[];
}

/** Sums `t` over the dimensions labeled `drop`. */
function sumOut(t: Labeled, drop: readonly string[]): Labeled {
  if (drop.length === 0) return t;
  const dims = drop.map((l) => t.ls.indexOf(l));
  return {
    x: apply("sum", [t.x], { dims, keepdim: false }),
    ls: t.ls.filter((l) => !drop.includes(l)),
  };
}

/** `t` with its dimensions in the order `ls` (a permutation of its labels). */
function arrange(t: Labeled, ls: readonly string[]): Tensor {
  const perm = ls.map((l) => t.ls.indexOf(l));
  return perm.every((p, i) => p === i) ? t.x : permute(t.x, perm);
}

function reshapeTo(x: Tensor, shape: readonly number[]): Tensor {
  return x.shape.length === shape.length && x.shape.every((s, i) => s === shape[i])
    ? x
    : reshape(x, shape);
}

/**
 * Contracts two operands over their shared labels not in `keep`: shared labels in `keep`
 * become batch dimensions of one matrix product `[..., M, K]·[..., K, N]`, where M (N) joins
 * the labels only `a` (`b`) has and K the contracted ones. Without contracted labels it is a
 * broadcasting multiplication. Kept labels are laid out in `order` (the output's) where
 * possible. Returns the result and whether it came from a matrix product.
 */
function contract(
  a: Labeled,
  b: Labeled,
  keep: ReadonlySet<string>,
  order: readonly string[],
): [Labeled, boolean] {
  a = sumOut(a, a.ls.filter((l) => !keep.has(l) && !b.ls.includes(l)));
  b = sumOut(b, b.ls.filter((l) => !keep.has(l) && !a.ls.includes(l)));
  const size = (t: Labeled, l: string) => t.x.shape[t.ls.indexOf(l)];
  // a contracted label of size 1 on one side (a broadcast "..." dim): Σ_l a·b = a · Σ_l b
  for (const l of a.ls.filter((l) => !keep.has(l) && b.ls.includes(l))) {
    if (size(a, l) !== size(b, l)) {
      a = sumOut(a, [l]);
      b = sumOut(b, [l]);
    }
  }
  // lay out the kept labels in the output's order where they are in it
  const rank = (l: string) => (order.includes(l) ? order.indexOf(l) : order.length);
  const byOrder = (ls: string[]) => ls.sort((x, y) => rank(x) - rank(y));
  const onlyOf = (t: Labeled, u: Labeled) => byOrder(t.ls.filter((l) => !u.ls.includes(l)));
  if (Math.min(...onlyOf(b, a).map(rank)) < Math.min(...onlyOf(a, b).map(rank))) [a, b] = [b, a];
  const batch = byOrder(a.ls.filter((l) => keep.has(l) && b.ls.includes(l)));
  const summed = a.ls.filter((l) => !keep.has(l) && b.ls.includes(l));
  const onlyA = onlyOf(a, b);
  const onlyB = onlyOf(b, a);
  const batchA = batch.map((l) => size(a, l));
  const batchB = batch.map((l) => size(b, l));
  const batchOut = batch.map((_, i) => Math.max(batchA[i], batchB[i]));
  const sizesA = onlyA.map((l) => size(a, l));
  const sizesB = onlyB.map((l) => size(b, l));
  const ls = [...batch, ...onlyA, ...onlyB];
  if (summed.length === 0) {
    const ones = (n: number) => new Array<number>(n).fill(1);
    const xa = reshapeTo(arrange(a, [...batch, ...onlyA]), [
      ...batchA,
      ...sizesA,
      ...ones(onlyB.length),
    ]);
    const xb = reshapeTo(arrange(b, [...batch, ...onlyB]), [
      ...batchB,
      ...ones(onlyA.length),
      ...sizesB,
    ]);
    return [{ x: mul(xa, xb), ls }, false];
  }
  const m = sizeOf(sizesA), n = sizeOf(sizesB), k = sizeOf(summed.map((l) => size(a, l)));
  const xa = reshapeTo(arrange(a, [...batch, ...onlyA, ...summed]), [...batchA, m, k]);
  const xb = reshapeTo(arrange(b, [...batch, ...summed, ...onlyB]), [...batchB, k, n]);
  const product = apply("matmul", [xa, xb], { transA: false, transB: false });
  return [{ x: reshapeTo(product, [...batchOut, ...sizesA, ...sizesB]), ls }, true];
}

/**
 * Einstein summation: `einsum("ij,jk->ik", a, b)` is a matrix product, `"ii->"` a trace,
 * `"ii->i"` a diagonal, `"bij,bjk->bik"` a batched product, `"...ij->...ji"` a transpose of
 * the last two dimensions. Without `->`, the output takes `...` and then the labels that
 * appear once, in alphabetical order (as NumPy and PyTorch); labels left out of an explicit
 * output, `...` included, are summed. Labels are letters; `...` stands for dimensions that
 * broadcast, and as in PyTorch a label of size 1 broadcasts against the same label's size
 * elsewhere. Each pair of operands is contracted with one batched matrix product, so a chain
 * such as `"ij,jk,kl->il"` costs what the matrix products cost.
 *
 * @param equation the subscripts, e.g. `"ij,jk->ik"`
 * @param operands one tensor per comma-separated term
 * @returns the result (gradFn `ViewBackward0` where a matrix product contracted, as PyTorch)
 * @throws {TypeError} when the equation is not a string or an operand is not a tensor
 * @throws {ShapeError} for a malformed equation, a term whose length does not match its
 *   operand, or one label with two different sizes (neither 1)
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
  } else {
    const counts = new Map<string, number>();
    for (const t of expanded) {
      for (const l of t) if (!l.startsWith("#")) counts.set(l, (counts.get(l) ?? 0) + 1);
    }
    outLabels = [...ell, ...[...counts].filter(([, c]) => c === 1).map(([l]) => l).sort()];
  }
  // sizes; a size of 1 broadcasts against any other, as in PyTorch
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
      else if (s !== prev && s !== 1) {
        fail(equation, `label "${l}" has sizes ${prev} and ${s}`);
      }
    });
    return { x, ls };
  });
  const target = outLabels.map((l) => sizes.get(l) ?? 1);
  if (prepared.length === 1) {
    // one operand: move the output labels first, then sum the rest
    const { x, ls } = prepared[0];
    const rest = ls.filter((l) => !outLabels.includes(l));
    let result = arrange({ x, ls }, [...outLabels, ...rest]);
    if (rest.length > 0) {
      const dims = rest.map((_, i) => outLabels.length + i);
      result = apply("sum", [result], { dims, keepdim: false });
    }
    return result;
  }
  // sum out the labels that only one operand has and the output lacks
  const uses = new Map<string, number>();
  for (const { ls } of prepared) for (const l of ls) uses.set(l, (uses.get(l) ?? 0) + 1);
  const ops = prepared.map(({ x, ls }) =>
    sumOut({ x, ls }, ls.filter((l) => uses.get(l) === 1 && !outLabels.includes(l)))
  );
  // contract left to right, each pair with one (batched) matrix product
  let acc = ops[0];
  let viaMatmul = false;
  for (let k = 1; k < ops.length; k++) {
    const keep = new Set([...outLabels, ...ops.slice(k + 1).flatMap((o) => o.ls)]);
    [acc, viaMatmul] = contract(acc, ops[k], keep, outLabels);
  }
  let result = arrange(acc, outLabels);
  // broadcast size-1 ellipsis dims that no operand sized
  if (result.shape.some((s, i) => s !== target[i])) result = result.expand(target);
  // PyTorch's einsum ends its matrix-product path with a view
  return viaMatmul ? identity(result, "ViewBackward0") : result;
}
