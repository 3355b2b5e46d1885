/**
 * The operations table of the README, as data. `tests/ops/ops_table_test.ts` checks that every
 * entry is exported from `mod.ts`, that every differentiable entry passes a third-order
 * `gradcheck` (reverse and forward mode against finite differences) on its sample, and that
 * the README's table is exactly `renderOpsTable()`. Running this file rewrites the README's
 * table: `deno run --allow-read=README.md --allow-write=README.md tests/ops/ops_table.ts`.
 *
 * @module
 */

import * as tg from "../../mod.ts";
import type { Tensor } from "../../mod.ts";
import { samplePoints, unaryCase } from "../support/op_catalogue.ts";

/** A function and the float64 inputs it is checked at. */
export interface Sample {
  readonly f: (...xs: Tensor[]) => Tensor;
  readonly inputs: readonly Tensor[];
}

/** How far an operation differentiates. */
export type Higher =
  /** Derivatives of every order, checked to third order on the sample. */
  | "yes"
  /** Piecewise constant: the gradient is zero everywhere (as PyTorch). */
  | "zero gradient"
  /** The result is integer or boolean: no gradient flows (as PyTorch). */
  | "not differentiable";

/**
 * Taylor mode on the operation: "yes" (series of every order; checked against nested forward
 * mode to order 4 and finite differences, and its forward Laplacian against the Hessian's
 * trace), "zero" (piecewise constant: a zero series) or "—" (integer or boolean results).
 */
export type TaylorSupport = "yes" | "zero" | "no" | "—";

/**
 * Differentiable operations without Taylor rules: custom operations (`customJvp`) without an
 * inline definition, whose first-order rules cannot give series; Taylor mode raises a typed
 * error naming them.
 */
const NO_TAYLOR = new Set([
  "linalg.eigh",
  "linalg.eigvalsh",
  "linalg.svd",
  "linalg.svdvals",
  "linalg.qr",
  "linalg.matrixNorm",
  "linalg.pinv",
  "linalg.lstsq",
]);

/** The Taylor column of a row. */
export function taylorOf(e: OpEntry): TaylorSupport {
  if (e.higher === "not differentiable") return "—";
  if (NO_TAYLOR.has(e.name)) return "no";
  return e.higher === "yes" ? "yes" : "zero";
}

/** One row of the table. */
export interface OpEntry {
  /** The exported name (`linalg.inv` for namespace members). */
  readonly name: string;
  /** The PyTorch equivalent. */
  readonly torch: string;
  readonly section: string;
  readonly higher: Higher;
  /** Where `higher` is "yes" or "zero gradient": the function checked. */
  readonly sample?: () => Sample;
}

const f64 = (data: tg.NestedArray): Tensor => tg.tensor(data, { dtype: "float64" });
/** A 2×3 matrix away from 0, ±1 and from ties. */
const M = () => f64([[0.3, -0.8, 1.1], [0.55, 0.9, -0.45]]);
/** A vector in (0, 1), inside every restricted domain. */
const U = () => f64([0.2, 0.45, 0.7]);
/** A vector away from 0 and from ties. */
const V = () => f64([0.3, -0.8, 1.15]);
const SPD = () => f64([[2.0, 0.3, -0.2], [0.3, 1.5, 0.4], [-0.2, 0.4, 1.8]]);
const SQ = () => f64([[1.2, 0.3, -0.5], [0.1, 0.9, 0.4], [-0.3, 0.2, 1.4]]);
const LABELS = () => tg.tensor([2, 0], { dtype: "int64" });

/** The sample of a function of one tensor, from the op catalogue (its case of that name). */
const catalogued = (name: string) => (): Sample => {
  const u = unaryCase(name);
  return { f: u.f, inputs: [samplePoints(u)] };
};
const unary = (fn: (x: Tensor) => Tensor, x: () => Tensor = V) => (): Sample => ({
  f: fn,
  inputs: [x()],
});
const binary = (fn: (a: Tensor, b: Tensor) => Tensor) => (): Sample => ({
  f: fn,
  inputs: [M(), f64([0.7, 1.3, 0.35])],
});

function op(
  section: string,
  name: string,
  torch: string,
  higher: Higher,
  sample?: () => Sample,
): OpEntry {
  return { section, name, torch, higher, sample };
}

const E = "Elementwise";
const R = "Reductions";
const S = "Shape and indexing";
const L = "Linear algebra";
const N = "Neural networks";

const pos = () => f64([0.4, 1.3, 2.2]);

/** Every operation of the library, grouped as in the README. */
export const OPS: readonly OpEntry[] = [
  op(E, "add", "torch.add", "yes", binary(tg.add)),
  op(E, "sub", "torch.sub", "yes", binary(tg.sub)),
  op(E, "mul", "torch.mul", "yes", binary(tg.mul)),
  op(E, "div", "torch.div", "yes", binary(tg.div)),
  op(E, "neg", "torch.neg", "yes", catalogued("neg")),
  op(E, "pow", "torch.pow", "yes", () => ({ f: tg.pow, inputs: [pos(), V()] })),
  op(E, "exp", "torch.exp", "yes", catalogued("exp")),
  op(E, "expm1", "torch.expm1", "yes", catalogued("expm1")),
  op(E, "log", "torch.log", "yes", catalogued("log")),
  op(E, "log1p", "torch.log1p", "yes", catalogued("log1p")),
  op(E, "log2", "torch.log2", "yes", catalogued("log2")),
  op(E, "sqrt", "torch.sqrt", "yes", catalogued("sqrt")),
  op(E, "rsqrt", "torch.rsqrt", "yes", catalogued("rsqrt")),
  op(E, "square", "torch.square", "yes", catalogued("square")),
  op(E, "abs", "torch.abs", "yes", catalogued("abs")),
  op(E, "sign", "torch.sign", "zero gradient", catalogued("sign")),
  op(E, "sin", "torch.sin", "yes", catalogued("sin")),
  op(E, "cos", "torch.cos", "yes", catalogued("cos")),
  op(E, "tan", "torch.tan", "yes", catalogued("tan")),
  op(E, "asin", "torch.asin", "yes", catalogued("asin")),
  op(E, "acos", "torch.acos", "yes", catalogued("acos")),
  op(E, "atan", "torch.atan", "yes", catalogued("atan")),
  op(E, "atan2", "torch.atan2", "yes", binary(tg.atan2)),
  op(E, "sinh", "torch.sinh", "yes", catalogued("sinh")),
  op(E, "cosh", "torch.cosh", "yes", catalogued("cosh")),
  op(E, "tanh", "torch.tanh", "yes", catalogued("tanh")),
  op(E, "asinh", "torch.asinh", "yes", catalogued("asinh")),
  op(E, "acosh", "torch.acosh", "yes", catalogued("acosh")),
  op(E, "atanh", "torch.atanh", "yes", catalogued("atanh")),
  op(E, "sigmoid", "torch.sigmoid", "yes", catalogued("sigmoid")),
  op(E, "logSigmoid", "F.logsigmoid", "yes", catalogued("logSigmoid")),
  op(E, "softplus", "F.softplus", "yes", catalogued("softplus")),
  op(E, "relu", "torch.relu", "yes", catalogued("relu")),
  op(E, "leakyRelu", "F.leaky_relu", "yes", catalogued("leakyRelu")),
  op(E, "elu", "F.elu", "yes", catalogued("elu")),
  op(E, "gelu", "F.gelu", "yes", catalogued("gelu")),
  op(E, "silu", "F.silu", "yes", catalogued("silu")),
  op(E, "erf", "torch.erf", "yes", catalogued("erf")),
  op(E, "maximum", "torch.maximum", "yes", binary(tg.maximum)),
  op(E, "minimum", "torch.minimum", "yes", binary(tg.minimum)),
  op(E, "clamp", "torch.clamp", "yes", catalogued("clamp")),
  op(E, "where", "torch.where", "yes", () => ({
    f: (a, b) => tg.where(tg.gt(a, 0), a, b),
    inputs: [M(), f64([0.7, 1.3, 0.35])],
  })),
  op(E, "reciprocal", "torch.reciprocal", "yes", catalogued("reciprocal")),
  op(E, "floor", "torch.floor", "zero gradient", catalogued("floor")),
  op(E, "ceil", "torch.ceil", "zero gradient", catalogued("ceil")),
  op(E, "round", "torch.round", "zero gradient", catalogued("round")),
  op(E, "eq", "torch.eq", "not differentiable"),
  op(E, "ne", "torch.ne", "not differentiable"),
  op(E, "lt", "torch.lt", "not differentiable"),
  op(E, "le", "torch.le", "not differentiable"),
  op(E, "gt", "torch.gt", "not differentiable"),
  op(E, "ge", "torch.ge", "not differentiable"),
  op(E, "logicalAnd", "torch.logical_and", "not differentiable"),
  op(E, "logicalOr", "torch.logical_or", "not differentiable"),
  op(E, "logicalNot", "torch.logical_not", "not differentiable"),

  op(R, "sum", "torch.sum", "yes", unary((x) => tg.sum(x, 1), M)),
  op(R, "mean", "torch.mean", "yes", unary((x) => tg.mean(x, 0), M)),
  op(R, "prod", "torch.prod", "yes", unary((x) => tg.prod(x, 1), M)),
  op(R, "max", "torch.max", "yes", unary((x) => tg.max(x, 1).values, M)),
  op(R, "min", "torch.min", "yes", unary((x) => tg.min(x, 1).values, M)),
  op(R, "amax", "torch.amax", "yes", unary((x) => tg.amax(x, 0), M)),
  op(R, "amin", "torch.amin", "yes", unary((x) => tg.amin(x, 0), M)),
  op(R, "argmax", "torch.argmax", "not differentiable"),
  op(R, "argmin", "torch.argmin", "not differentiable"),
  op(R, "logsumexp", "torch.logsumexp", "yes", unary((x) => tg.logsumexp(x, 1), M)),
  op(R, "variance", "torch.var", "yes", unary((x) => tg.variance(x, 1), M)),
  op(R, "std", "torch.std", "yes", unary((x) => tg.std(x, 1), M)),
  op(R, "norm", "torch.norm", "yes", unary((x) => tg.norm(x), M)),
  op(R, "cumsum", "torch.cumsum", "yes", unary((x) => tg.cumsum(x, 1), M)),
  op(R, "cumprod", "torch.cumprod", "yes", unary((x) => tg.cumprod(x, 1), M)),

  op(S, "reshape", "torch.reshape", "yes", unary((x) => tg.reshape(x, [3, 2]), M)),
  op(S, "view", "Tensor.view", "yes", unary((x) => tg.view(x, [6]), M)),
  op(S, "flatten", "torch.flatten", "yes", unary((x) => tg.flatten(x), M)),
  op(S, "squeeze", "torch.squeeze", "yes", unary((x) => tg.squeeze(tg.reshape(x, [1, 6])), M)),
  op(S, "unsqueeze", "torch.unsqueeze", "yes", unary((x) => tg.unsqueeze(x, 1), M)),
  op(S, "permute", "torch.permute", "yes", unary((x) => tg.permute(x, [1, 0]), M)),
  op(S, "transpose", "torch.transpose", "yes", unary((x) => tg.transpose(x, 0, 1), M)),
  op(S, "t", "torch.t", "yes", unary(tg.t, M)),
  op(S, "expand", "Tensor.expand", "yes", unary((x) => tg.expand(x, [2, 3]))),
  op(S, "broadcastTo", "torch.broadcast_to", "yes", unary((x) => tg.broadcastTo(x, [2, 3]))),
  op(S, "cat", "torch.cat", "yes", binary((a, b) => tg.cat([a, tg.unsqueeze(b, 0)]))),
  op(S, "stack", "torch.stack", "yes", binary((a, b) => tg.stack([tg.index(a, 0), b], 1))),
  op(S, "split", "torch.split", "yes", unary((x) => tg.split(x, 2, 1)[0], M)),
  op(S, "chunk", "torch.chunk", "yes", unary((x) => tg.chunk(x, 3, 1)[2], M)),
  op(S, "slice", "x[a:b:c]", "yes", unary((x) => tg.slice(x, 1, 0, 3, 2), M)),
  op(S, "index", "x[i, a:b, None]", "yes", unary((x) => tg.index(x, 1, tg.range(1), null), M)),
  op(S, "indexSelect", "torch.index_select", "yes", () => ({
    f: (x) => tg.indexSelect(x, 1, tg.tensor([2, 0, 2], { dtype: "int64" })),
    inputs: [M()],
  })),
  op(S, "gather", "torch.gather", "yes", () => ({
    f: (x) => tg.gather(x, 1, tg.tensor([[2, 0], [1, 1]], { dtype: "int64" })),
    inputs: [M()],
  })),
  op(S, "scatterAdd", "torch.scatter_add", "yes", () => ({
    f: (x, s) => tg.scatterAdd(x, 1, tg.tensor([[2, 0], [1, 1]], { dtype: "int64" }), s),
    inputs: [M(), f64([[0.5, -0.25], [1.5, 0.75]])],
  })),
  op(S, "pad", "F.pad", "yes", unary((x) => tg.pad(x, [1, 2]), M)),
  op(S, "flip", "torch.flip", "yes", unary((x) => tg.flip(x, [1]), M)),
  op(S, "roll", "torch.roll", "yes", unary((x) => tg.roll(x, 1, 1), M)),
  op(S, "tril", "torch.tril", "yes", unary((x) => tg.tril(x), SQ)),
  op(S, "triu", "torch.triu", "yes", unary((x) => tg.triu(x), SQ)),
  op(S, "diag", "torch.diag", "yes", unary((x) => tg.diag(x), V)),
  op(S, "diagonal", "torch.diagonal", "yes", unary((x) => tg.diagonal(x), SQ)),
  op(S, "trace", "torch.trace", "yes", unary(tg.trace, SQ)),
  op(S, "movedim", "torch.movedim", "yes", unary((x) => tg.movedim(x, 0, 1), M)),

  op(L, "matmul", "torch.matmul", "yes", () => ({ f: tg.matmul, inputs: [M(), SQ()] })),
  op(L, "dot", "torch.dot", "yes", () => ({ f: tg.dot, inputs: [V(), U()] })),
  op(L, "outer", "torch.outer", "yes", () => ({ f: tg.outer, inputs: [V(), U()] })),
  op(L, "einsum", "torch.einsum", "yes", () => ({
    f: (a, b) => tg.einsum("ij,jk->ik", a, b),
    inputs: [M(), SQ()],
  })),
  op(L, "linalg.inv", "torch.linalg.inv", "yes", unary(tg.linalg.inv, SQ)),
  op(L, "linalg.det", "torch.linalg.det", "yes", unary(tg.linalg.det, SQ)),
  op(
    L,
    "linalg.slogdet",
    "torch.linalg.slogdet",
    "yes",
    unary((x) => tg.linalg.slogdet(x).logabsdet, SQ),
  ),
  op(L, "linalg.solve", "torch.linalg.solve", "yes", () => ({
    f: tg.linalg.solve,
    inputs: [SQ(), U()],
  })),
  op(
    L,
    "linalg.cholesky",
    "torch.linalg.cholesky",
    "yes",
    // Differentiate through the symmetric part, so that finite differences stay symmetric.
    unary((x) => tg.linalg.cholesky(tg.add(x, tg.t(x)).div(2)), SPD),
  ),
  // Eigenvectors and singular vectors are defined up to sign: the samples are sign-invariant.
  op(
    L,
    "linalg.eigh",
    "torch.linalg.eigh",
    "yes",
    unary((x) => {
      const { eigenvalues, eigenvectors } = tg.linalg.eigh(tg.add(x, tg.t(x)).div(2));
      return tg.mul(tg.square(eigenvectors), eigenvalues);
    }, SQ),
  ),
  op(
    L,
    "linalg.eigvalsh",
    "torch.linalg.eigvalsh",
    "yes",
    unary((x) => tg.linalg.eigvalsh(tg.add(x, tg.t(x)).div(2)), SQ),
  ),
  op(
    L,
    "linalg.svd",
    "torch.linalg.svd",
    "yes",
    unary((x) => {
      const { U, S, Vh } = tg.linalg.svd(x, { fullMatrices: false });
      return tg.matmul(tg.mul(U, tg.exp(S)), Vh);
    }, M),
  ),
  op(L, "linalg.svdvals", "torch.linalg.svdvals", "yes", unary(tg.linalg.svdvals, M)),
  op(
    L,
    "linalg.qr",
    "torch.linalg.qr",
    "yes",
    unary((x) => {
      const { Q, R } = tg.linalg.qr(tg.t(x));
      return tg.add(tg.sum(Q), tg.sum(R, 0));
    }, M),
  ),
  op(
    L,
    "linalg.matrixNorm",
    "torch.linalg.matrix_norm",
    "yes",
    unary((x) => tg.linalg.matrixNorm(x, "nuc").add(tg.linalg.matrixNorm(x, 2)), M),
  ),
  op(L, "linalg.pinv", "torch.linalg.pinv", "yes", unary(tg.linalg.pinv, M)),
  op(L, "linalg.lstsq", "torch.linalg.lstsq", "yes", () => ({
    f: (a, b) => tg.linalg.lstsq(a, b).solution,
    inputs: [tg.t(M()), f64([0.7, 1.3, 0.35])],
  })),

  op(N, "softmax", "torch.softmax", "yes", unary((x) => tg.softmax(x, 1), M)),
  op(N, "logSoftmax", "F.log_softmax", "yes", unary((x) => tg.logSoftmax(x, 1), M)),
  op(N, "crossEntropy", "F.cross_entropy", "yes", unary((x) => tg.crossEntropy(x, LABELS()), M)),
  op(N, "nllLoss", "F.nll_loss", "yes", unary((x) => tg.nllLoss(x, LABELS()), M)),
  op(N, "mseLoss", "F.mse_loss", "yes", binary((a, b) => tg.mseLoss(a, tg.expand(b, [2, 3])))),
  op(N, "l1Loss", "F.l1_loss", "yes", binary((a, b) => tg.l1Loss(a, tg.expand(b, [2, 3])))),
  op(
    N,
    "huberLoss",
    "F.huber_loss",
    "yes",
    binary((a, b) => tg.huberLoss(a, tg.expand(b, [2, 3]))),
  ),
  op(N, "binaryCrossEntropy", "F.binary_cross_entropy", "yes", () => ({
    f: (p, y) => tg.binaryCrossEntropy(p, y),
    inputs: [U(), f64([0.9, 0.1, 0.35])],
  })),
  op(
    N,
    "binaryCrossEntropyWithLogits",
    "F.binary_cross_entropy_with_logits",
    "yes",
    () => ({ f: (x, y) => tg.binaryCrossEntropyWithLogits(x, y), inputs: [V(), U()] }),
  ),
  op(N, "dropout", "F.dropout", "yes", () => ({
    // A fixed seed keeps the same mask at every evaluation, so the function is smooth.
    f: (x) => tg.dropout(x, 0.5, { generator: new tg.Generator(7) }),
    inputs: [V()],
  })),
  op(N, "linear", "F.linear", "yes", () => ({
    f: (x, w) => tg.linear(x, w),
    inputs: [M(), SQ()],
  })),
];

/** Resolves an entry's exported value (`linalg.inv` looks inside the namespace). */
export function lookup(name: string): unknown {
  let v: unknown = tg;
  for (const part of name.split(".")) v = (v as Record<string, unknown>)[part];
  return v;
}

const MARK_START = "<!-- ops-table:start (generated by tests/ops/ops_table.ts; do not edit) -->";
const MARK_END = "<!-- ops-table:end -->";

/** The README's operations table, as Markdown between its markers. */
export function renderOpsTable(): string {
  const lines: string[] = [MARK_START];
  let section = "";
  for (const e of OPS) {
    if (e.section !== section) {
      section = e.section;
      lines.push(
        "",
        `**${section}**`,
        "",
        "| Tapegrad | PyTorch | Higher-order | Taylor |",
        "| --- | --- | --- | --- |",
      );
    }
    lines.push(`| \`${e.name}\` | \`${e.torch}\` | ${e.higher} | ${taylorOf(e)} |`);
  }
  lines.push("", MARK_END);
  return lines.join("\n");
}

/**
 * The table's text with alignment padding removed (`deno fmt` pads Markdown table columns),
 * for comparing what the README shows with what `renderOpsTable` makes.
 */
export function normalizeTable(text: string): string {
  return text.split("\n").map((l) => l.replace(/\s+/g, " ").replace(/-{3,}/g, "---").trim())
    .join("\n");
}

/** The table found in `readme` between the markers, or null. */
export function extractOpsTable(readme: string): string | null {
  const a = readme.indexOf(MARK_START);
  const b = readme.indexOf(MARK_END);
  if (a < 0 || b < a) return null;
  return readme.slice(a, b + MARK_END.length);
}

if (import.meta.main) {
  const path = new URL("../../README.md", import.meta.url);
  const readme = Deno.readTextFileSync(path);
  const old = extractOpsTable(readme);
  if (old === null) throw new Error("README.md has no ops-table markers");
  Deno.writeTextFileSync(path, readme.replace(old, renderOpsTable()));
  console.log(`README.md: wrote ${OPS.length} operations`);
}
