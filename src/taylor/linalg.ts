/**
 * Taylor rules of the linear-algebra primitives, through their defining identities:
 * `A X = B` for `solve` (`A_0 X_k = B_k − Σ_{j≥1} A_j X_{k−j}`), `L Lᵀ = A` for `cholesky`
 * (`L_0 L_kᵀ + L_k L_0ᵀ = A_k − Σ_{0<j<k} L_j L_{k−j}ᵀ`, solved by `L_0 Φ(L_0⁻¹ · L_0⁻ᵀ)`),
 * `(log|det A|)' = tr(A⁻¹ A')` for `logabsdet`, and `det = sign · exp(log|det|)`.
 *
 * @module
 */

import { LinAlgError } from "../errors.ts";
import { fmtShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import type { MaybeTensor, Params } from "../primitives/types.ts";
import { apply } from "../autograd/dispatch.ts";
import { add, mul, neg, sub } from "../ops/arithmetic.ts";
import { filled } from "../ops/shape.ts";
import { mT } from "../primitives/matmul.ts";
import {
  addLastRow,
  catRows,
  column,
  lift,
  overRows,
  row,
  rows,
  sumRows,
  type TaylorCtx,
  type TaylorRule,
} from "./series.ts";
import { cauchy, full, riccati, unaryRule, weightedRows } from "./shapes.ts";

interface Solver {
  /** `op(A)⁻¹ R` for one right-hand side `[..., n, m]` */
  one(a0: Tensor, r: Tensor): Tensor;
  /** whether the coefficient matrices enter transposed */
  readonly trans: boolean;
  /** the part of `A`'s series that is read (a triangle for triangular solves) */
  mask(s: Tensor): Tensor;
}

/** `op(A)⁻¹ R_i` for every row `R_i` of `r` (`[rows, ..., n, m]`), in one solve. */
function solveRows(solver: Solver, a0: Tensor, r: Tensor): Tensor {
  const nd = r.ndim;
  const rowsN = r.shape[0];
  const perm = [...Array.from({ length: nd - 2 }, (_, i) => i + 1), 0, nd - 1];
  const moved = apply("permute", [r], { perm }); // [..., n, rows, m]
  const n = r.shape[nd - 2], m = r.shape[nd - 1];
  const batch = r.shape.slice(1, nd - 2);
  const flat = apply("reshape", [moved], { shape: [...batch, n, rowsN * m] });
  const x = solver.one(a0, flat);
  const back = apply("reshape", [x], { shape: [...batch, n, rowsN, m] });
  const inv = new Array<number>(nd);
  perm.forEach((p, i) => (inv[p] = i));
  return apply("permute", [back], { perm: inv });
}

function mmRows(a: Tensor, b: Tensor, sa: boolean, sb: boolean, transA = false, transB = false) {
  return overRows("matmul", [a, b], [sa, sb], { transA, transB });
}

/** The series of `X = op(A)⁻¹ B` (jet layout) with `x0` its value. */
function solveJet(
  solver: Solver,
  a0: Tensor,
  sa: MaybeTensor,
  sb: MaybeTensor,
  x0: Tensor,
  k: number,
): Tensor {
  if (sa === null) return solveRows(solver, a0, sb as Tensor);
  const am = solver.mask(sa);
  const out: Tensor[] = [];
  let xr = lift(x0); // [X_{m−1}, …, X_0]
  for (let m = 1; m <= k; m++) {
    const acc = sumRows(mmRows(rows(am, 0, m), xr, true, true, solver.trans));
    const rhs = sb === null ? neg(acc) : sub(row(sb, m - 1), acc);
    const xm = solver.one(a0, rhs);
    out.push(lift(xm));
    xr = catRows([lift(xm), xr]);
  }
  return catRows(out);
}

/** The collapsed second-order series of `X = op(A)⁻¹ B`. */
function solveLap(
  solver: Solver,
  a0: Tensor,
  sa: MaybeTensor,
  sb: MaybeTensor,
  x0: Tensor,
  ctx: TaylorCtx,
): Tensor {
  if (sa === null) return solveRows(solver, a0, sb as Tensor);
  const am = solver.mask(sa);
  const ax = mmRows(am, x0, true, false, solver.trans);
  const lin = solveRows(solver, a0, sb === null ? neg(ax) : sub(sb, ax));
  // ΔX gets −2 op(A)⁻¹ Σ_d A_d X_d
  const d = ctx.rows - 1;
  const cross = sumRows(mmRows(rows(am, 0, d), rows(lin, 0, d), true, true, solver.trans));
  return addLastRow(lin, mul(solver.one(a0, cross), -2));
}

function solverRule<T>(solver: (params: T) => Solver): TaylorRule<T> {
  return ([sa, sb], [a], x, params, ctx) => {
    const s = solver(params);
    return ctx.mode === "jet"
      ? solveJet(s, a, sa, sb, x, ctx.rows)
      : solveLap(s, a, sa, sb, x, ctx);
  };
}

const generalSolver = ({ adjoint, op }: Params["solve"]): Solver => ({
  one: (a0, r) => apply("solve", [a0, r], { adjoint, op }),
  trans: adjoint,
  mask: (s) => s,
});

/** A constant 0/1 (or `diag` on the diagonal) lower or upper triangle mask. */
function triangle(n: number, lower: boolean, like: Tensor, diag = 1): Tensor {
  const mask = filled([n, n], like.dtype, 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) mask._buf[i * n + j] = diag;
      else if (lower ? j < i : j > i) mask._buf[i * n + j] = 1;
    }
  }
  return mask;
}

const triangularSolver = ({ lower, trans, op }: Params["triangularSolve"]): Solver => ({
  one: (t0, r) => apply("triangularSolve", [t0, r], { lower, trans, op }),
  trans,
  mask: (s) => mul(s, triangle(s.shape[s.ndim - 1], lower, s)),
});

/** `X = A⁻¹B`. */
export const solveRule: TaylorRule<Params["solve"]> = solverRule(generalSolver);
/** `X = op(T)⁻¹B` for triangular `T`. */
export const triangularSolveRule: TaylorRule<Params["triangularSolve"]> = solverRule(
  triangularSolver,
);

/** `L_0 Φ(L_0⁻¹ R L_0⁻ᵀ)` for every row `R` (symmetric) of `r`: the Cholesky factor's step. */
function cholStep(l0: Tensor, r: Tensor, op: string): Tensor {
  const lower: Solver = {
    one: (t0, b) => apply("triangularSolve", [t0, b], { lower: true, trans: false, op }),
    trans: false,
    mask: (s) => s,
  };
  const z = solveRows(lower, l0, r); // L⁻¹ R
  const c = mT(solveRows(lower, l0, mT(z))); // L⁻¹ R L⁻ᵀ
  const n = l0.shape[l0.ndim - 1];
  return mmRows(l0, mul(c, triangle(n, true, c, 0.5)), false, true);
}

function sym(s: Tensor): Tensor {
  return mul(add(s, mT(s)), 0.5);
}

/** `L = cholesky(A)` through `L Lᵀ = A` (the symmetric part of A's series, as the JVP). */
export const choleskyRule: TaylorRule<Params["cholesky"]> = ([sa], _i, l0, { op }, ctx) => {
  if (sa === null) return null;
  const a = sym(sa);
  if (ctx.mode === "lap") {
    const d = ctx.rows - 1;
    const lin = cholStep(l0, a, op);
    const l1 = rows(lin, 0, d);
    const cross = sumRows(mmRows(l1, l1, true, true, false, true));
    return addLastRow(lin, row(cholStep(l0, lift(mul(cross, -2)), op), 0));
  }
  const out: Tensor[] = [];
  for (let m = 1; m <= ctx.rows; m++) {
    let r = row(a, m - 1);
    if (m > 1) {
      // Σ_{0<j<m} L_j L_{m−j}ᵀ
      const lf = catRows(out.slice(0, m - 1));
      const lr = catRows(out.slice(0, m - 1).reverse());
      r = sub(r, sumRows(mmRows(lf, lr, true, true, false, true)));
    }
    out.push(cholStep(l0, lift(r), op));
  }
  return catRows(out);
};

/** `Σ_i z_ii` over the last two dimensions. */
function trace(z: Tensor): Tensor {
  const n = z.shape[z.ndim - 1];
  const eye = filled([n, n], z.dtype, 0);
  for (let i = 0; i < n; i++) eye._buf[i * n + i] = 1;
  return apply("sum", [mul(z, eye)], {
    dims: [z.ndim - 2, z.ndim - 1],
    keepdim: false,
  });
}

function identity(a: Tensor): Tensor {
  const n = a.shape[a.ndim - 1];
  const e = filled(a.shape, a.dtype, 0);
  for (let b = 0; b < a.numel / (n * n); b++) {
    for (let i = 0; i < n; i++) e._buf[b * n * n + i * n + i] = 1;
  }
  return e;
}

/** `y = log|det A|`: `y' = tr(A⁻¹ A')`. */
export const logabsdetRule: TaylorRule<Params["logabsdet"]> = ([sa], [a], _y, { op }, ctx) => {
  if (sa === null) return null;
  const solver = generalSolver({ adjoint: false, op });
  const inv0 = solver.one(a, identity(a));
  if (ctx.mode === "lap") {
    const g = mmRows(inv0, sa, false, true); // A⁻¹ A_d, A⁻¹ ΔA
    const d = ctx.rows - 1;
    const g1 = rows(g, 0, d);
    const cross = apply("sum", [mul(g1, mT(g1))], {
      dims: g1.shape.map((_, i) => i).filter((i) => i === 0 || i >= g1.ndim - 2),
      keepdim: false,
    });
    return addLastRow(trace(g), neg(cross));
  }
  const k = ctx.rows;
  const invS = k === 1 ? null : solveJet(solver, a, rows(sa, 0, k - 1), null, inv0, k - 1);
  const invFull = invS === null ? lift(inv0) : full(inv0, invS);
  const z = cauchy("matmul", { transA: false, transB: false }, invFull, weightedRows(sa), 0);
  const t = trace(z);
  return mul(t, column(k, t.ndim, t, (i) => 1 / (i + 1)));
};

const expShape = unaryRule<unknown>(riccati(0, 1, 0));

/** `det A = sign · exp(log|det A|)`, refused at singular matrices (no silent zero series). */
export const detRule: TaylorRule<Params["det"]> = ([sa], [a], det0, { op }, ctx) => {
  if (sa === null) return null;
  if (det0._buf.some((v) => v === 0)) {
    throw new LinAlgError(
      `linalg.${op}(): Taylor mode at a singular matrix of shape ${fmtShape(a.shape)} is not ` +
        `supported (its determinant is 0)`,
    );
  }
  const logdet = apply("logabsdet", [a], { op });
  const sl = logabsdetRule([sa], [a], logdet, { op }, ctx) as Tensor;
  return expShape([sl], [logdet], det0, null, ctx);
};
