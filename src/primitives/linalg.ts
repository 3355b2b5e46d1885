/**
 * Linear-algebra primitives on batches of square matrices (`[..., n, n]`): `solve`,
 * `triangularSolve`, `det`, `detSign`, `logabsdet` and `cholesky`. Their derivative rules
 * are written with `solve`, `triangularSolve` and `det` themselves, `matmul` with transpose
 * flags, and elementwise operations with constant masks, so they differentiate to any order.
 * Kernels compute in float64.
 *
 * Why each is a primitive: each is a factorization (LU, Cholesky) or a substitution that no
 * composite of elementwise and matrix products can express. `det`, `logabsdet` and `detSign`
 * are three because `sign · exp(logabsdet)` would overflow or underflow where the
 * determinant does not, and `det`'s derivative at singular matrices needs the determinant
 * itself (through the minors); `triangularSolve` halves the work of `solve` where the
 * Cholesky derivative needs it.
 *
 * @module
 */

import { LinAlgError } from "../errors.ts";
import { fmtShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import {
  choleskyFactor,
  conditionAtMost,
  determinantKernel,
  solveKernel,
  triangularSolve,
} from "../kernels/linalg.ts";
import { allNonZero, bandKernel } from "../kernels/layout.ts";
import { apply } from "../autograd/dispatch.ts";
import { add, mul, neg, sub } from "../ops/arithmetic.ts";
import { band, filled } from "../ops/shape.ts";
import { output } from "./helpers.ts";
import { mm, mT } from "./matmul.ts";
import { type Forward, zeroTangent } from "./factories.ts";
import type { MaybeTensor, RuleTable } from "./types.ts";
import { type BatchTable, each, leadingBatch } from "../vmap/batching.ts";

/** Parameters of the linear-algebra primitives. */
export interface LinalgParams {
  /** `X = A⁻¹B` (or `A⁻ᵀB` when `adjoint`); inputs `[A, B]`, batch shapes equal, B `[..., n, m]`. */
  solve: { readonly adjoint: boolean; readonly op: string };
  /**
   * `X = M⁻¹B` for triangular `M = T` (or `Tᵀ` when `trans`), `T` lower or upper as `lower`
   * says (its other triangle is not read); inputs `[T, B]`, batch shapes equal.
   */
  triangularSolve: { readonly lower: boolean; readonly trans: boolean; readonly op: string };
  /** The determinant; input `[..., n, n]`, output `[...]`. */
  det: { readonly op: string };
  /** The sign of the determinant (−1, 0 or 1), with a zero derivative. */
  detSign: { readonly op: string };
  /** `log |det A|`. */
  logabsdet: { readonly op: string };
  /** The lower Cholesky factor of a symmetric positive-definite matrix. */
  cholesky: { readonly op: string };
}

function solve(a: Tensor, b: Tensor, adjoint: boolean, op: string): Tensor {
  return apply("solve", [a, b], { adjoint, op });
}

/** `L⁻¹B` (or `L⁻ᵀB` when `trans`) for the lower-triangular `L`. */
function lowerSolve(l: Tensor, b: Tensor, trans: boolean, op: string): Tensor {
  return apply("triangularSolve", [l, b], { lower: true, trans, op });
}

/** The constant 0/1 mask of the lower (or upper) triangle, diagonal included. */
function triangleMask(n: number, lower: boolean, like: Tensor): Tensor {
  return lower ? band(n, n, -Infinity, 0, like.dtype) : band(n, n, 0, Infinity, like.dtype);
}

function where(k: number, a: Tensor): string {
  return batches(a) > 1 ? ` at batch index ${k}` : "";
}

/** The identity matrices of `a`'s batch shape. */
function eyeLike(a: Tensor): Tensor {
  const n = a.shape[a.ndim - 1];
  return apply("expand", [band(n, n, 0, 0, a.dtype)], { shape: a.shape });
}

/** `x` with two trailing dimensions of size 1, to broadcast against matrices. */
function asMatrix(x: Tensor): Tensor {
  return apply("reshape", [x], { shape: [...x.shape, 1, 1] });
}

/** `Σ_ij a_ij b_ij` over the last two dimensions. */
function frobenius(a: Tensor, b: Tensor): Tensor {
  const p = mul(a, b);
  return apply("sum", [p], { dims: [p.ndim - 2, p.ndim - 1], keepdim: false });
}

function batches(a: Tensor): number {
  const n = a.shape[a.ndim - 1];
  return n === 0 ? 0 : a.numel / (n * n);
}

/** Lower triangle with a halved diagonal: Φ in the Cholesky derivative. */
function phi(x: Tensor): Tensor {
  const n = x.shape[x.ndim - 1];
  const mask = band(n, n, -Infinity, 0, x.dtype);
  bandKernel(mask._buf, n, n, 0, 0, 0.5); // a constant made here, not yet shared
  return mul(x, mask);
}

/** Largest singular matrix whose determinant is differentiated through its minors. */
const MAX_MINORS_N = 32;

/** The constant `(n−1)×n` matrix that drops row `skip` (a left factor selecting rows). */
function dropRow(n: number, skip: number, like: Tensor): Tensor {
  // rows before `skip` keep their column, the later ones take the next
  const s = band(n - 1, n, 0, 0, like.dtype, 1, 0, skip);
  bandKernel(s._buf, n - 1, n, 1, 1, 1, skip, n - 1); // a constant made here, not yet shared
  return s;
}

/** Above this condition number (‖A‖·‖A⁻¹‖, Frobenius) det's derivative uses the minors. */
const MAX_COND = 1e4;

/** Whether `‖A‖·‖A⁻¹‖ ≤ MAX_COND` for every matrix of the batch (`inv` holds `A⁻ᵀ`). */
function wellConditioned(a: Tensor, inv: Tensor): boolean {
  return conditionAtMost(a._buf, inv._buf, batches(a), a.shape[a.ndim - 1], MAX_COND);
}

/**
 * The cofactor matrix `C = ∂ det A / ∂A` (the transposed adjugate), for each matrix of a
 * batch: `det A · A⁻ᵀ` when every matrix is well-conditioned, else `(−1)^(i+j)` times the
 * minors' determinants (exact at and near singular matrices, where `A⁻¹` does not exist or
 * loses its accuracy; n² determinants of size n−1, so used up to n = 32).
 */
function cofactors(a: Tensor, det: Tensor, op: string): Tensor {
  const n = a.shape[a.ndim - 1];
  if (n === 1) return filled(a.shape, a.dtype, 1);
  if (allNonZero(det._buf)) {
    let inv: Tensor | null = null;
    try {
      inv = solve(a, eyeLike(a), true, op);
    } catch (e) {
      // rounding left a tiny determinant where the factorization of Aᵀ finds a zero pivot
      if (!(e instanceof LinAlgError) || n > MAX_MINORS_N) throw e;
    }
    if (inv !== null && (n > MAX_MINORS_N || wellConditioned(a, inv))) {
      return mul(asMatrix(det), inv);
    }
  }
  if (n > MAX_MINORS_N) {
    throw new LinAlgError(
      `linalg.${op}(): the derivative at a singular matrix of shape ${fmtShape(a.shape)} ` +
        `goes through its minors, which is supported up to ${MAX_MINORS_N}×${MAX_MINORS_N}`,
    );
  }
  const rows = Array.from({ length: n }, (_, i) => dropRow(n, i, a));
  let c: Tensor | null = null;
  for (let i = 0; i < n; i++) {
    const without = mm(rows[i], a); // [..., n−1, n]
    for (let j = 0; j < n; j++) {
      const minor = mm(without, rows[j], false, true); // [..., n−1, n−1]
      const e = band(n, n, j - i, j - i, a.dtype, (i + j) % 2 === 0 ? 1 : -1, i, i + 1);
      const term = mul(asMatrix(apply("det", [minor], { op })), e);
      c = c === null ? term : add(c, term);
    }
  }
  return c!;
}

/** The forward of `det`, `logabsdet` or `detSign`: one LU factorization per matrix. */
function determinant(kind: "det" | "logabsdet" | "sign"): Forward<{ readonly op: string }> {
  return ([a]) => {
    const n = a.shape[a.ndim - 1];
    const out = output(a.shape.slice(0, -2), a.dtype);
    determinantKernel(kind, a._buf, batches(a), n, out._buf);
    return out;
  };
}

/** Rules of the linear-algebra primitives. */
export const linalgRules: RuleTable<LinalgParams> = {
  // X = A⁻¹B: dX = A⁻¹(dB − dA·X); vjp: gB = A⁻ᵀG, gA = −gB·Xᵀ (and the transposed forms)
  solve: {
    name: "LinalgSolveExBackward0",
    nameFor: ({ op }) => (op === "inv" ? "LinalgInvExBackward0" : "LinalgSolveExBackward0"),
    saves: true,
    forward([a, b], { adjoint, op }) {
      const n = a.shape[a.ndim - 1];
      const out = output(b.shape, a.dtype);
      const bad = solveKernel(
        a._buf,
        batches(a),
        n,
        adjoint,
        b._buf,
        b.shape[b.ndim - 1],
        out._buf,
      );
      if (bad !== null) {
        throw new LinAlgError(
          `linalg.${op}(): the matrix${where(bad.batch, a)} of shape ${fmtShape(a.shape)} is ` +
            (bad.notFinite ? "not finite" : "singular"),
        );
      }
      return out;
    },
    vjp(g, [a], x, { adjoint, op }, needs) {
      const gb = solve(a, g, !adjoint, op);
      const ga = needs[0] ? neg(adjoint ? mm(x, gb, false, true) : mm(gb, x, false, true)) : null;
      return [ga, needs[1] ? gb : null];
    },
    jvp([ta, tb], [a], x, { adjoint, op }): MaybeTensor {
      let rhs: MaybeTensor = tb;
      if (ta !== null) {
        const dax = mm(ta, x, adjoint, false);
        rhs = rhs === null ? neg(dax) : sub(rhs, dax);
      }
      return rhs === null ? null : solve(a, rhs, adjoint, op);
    },
  },
  // X = M⁻¹B with M = T or Tᵀ triangular: dX = M⁻¹(dB − op(dT)·X); vjp: gB = M⁻ᵀG,
  // gM = −gB·Xᵀ, restricted to T's triangle (the other one is not read)
  triangularSolve: {
    name: "LinalgSolveTriangularBackward0",
    saves: true,
    forward([t, b], { lower, trans, op }) {
      const n = t.shape[t.ndim - 1];
      const m = b.shape[b.ndim - 1];
      const out = output(b.shape, t.dtype);
      for (let k = 0; k < batches(t); k++) {
        const ok = triangularSolve(
          t._buf,
          k * n * n,
          n,
          lower,
          trans,
          b._buf,
          k * n * m,
          m,
          out._buf,
          k * n * m,
        );
        if (!ok) {
          throw new LinAlgError(
            `linalg.${op}(): the triangular matrix${where(k, t)} of shape ` +
              `${fmtShape(t.shape)} is singular (a zero on its diagonal)`,
          );
        }
      }
      return out;
    },
    vjp(g, [t], x, { lower, trans, op }, needs) {
      const gb = apply("triangularSolve", [t, g], { lower, trans: !trans, op });
      const n = t.shape[t.ndim - 1];
      const gt = needs[0]
        ? mul(
          neg(trans ? mm(x, gb, false, true) : mm(gb, x, false, true)),
          triangleMask(n, lower, t),
        )
        : null;
      return [gt, needs[1] ? gb : null];
    },
    jvp([tt, tb], [t], x, { lower, trans, op }): MaybeTensor {
      let rhs: MaybeTensor = tb;
      if (tt !== null) {
        const n = t.shape[t.ndim - 1];
        const dtx = mm(mul(tt, triangleMask(n, lower, t)), x, trans, false);
        rhs = rhs === null ? neg(dtx) : sub(rhs, dtx);
      }
      return rhs === null ? null : apply("triangularSolve", [t, rhs], { lower, trans, op });
    },
  },
  // the sign is locally constant: zero derivative
  detSign: zeroTangent("LinalgSlogdetBackward0", determinant("sign")),
  // d det A = det A · tr(A⁻¹ dA) = Σ C∘dA with C the cofactors; vjp: g · C
  det: {
    name: "LinalgDetBackward0",
    saves: true,
    forward: determinant("det"),
    vjp: (g, [a], det, { op }) => [mul(asMatrix(g), cofactors(a, det, op))],
    jvp: ([t], [a], det, { op }) => t === null ? null : frobenius(cofactors(a, det, op), t),
  },
  // d log|det A| = tr(A⁻¹ dA); vjp: g · A⁻ᵀ
  logabsdet: {
    name: "LinalgSlogdetBackward0",
    saves: true,
    forward: determinant("logabsdet"),
    vjp: (g, [a], _o, { op }) => [mul(asMatrix(g), solve(a, eyeLike(a), true, op))],
    jvp: ([t], [a], _o, { op }) => t === null ? null : frobenius(solve(a, eyeLike(a), true, op), t),
  },
  // dL = L·Φ(L⁻¹ dA L⁻ᵀ) for symmetric dA; vjp: S = L⁻ᵀ Φ(Lᵀ Ḡ) L⁻¹, symmetrized
  cholesky: {
    name: "LinalgCholeskyExBackward0",
    saves: true,
    forward([a], { op }) {
      const n = a.shape[a.ndim - 1];
      const out = output(a.shape, a.dtype);
      for (let k = 0; k < batches(a); k++) {
        const bad = choleskyFactor(a._buf, k * n * n, n, out._buf);
        if (bad >= 0) {
          throw new LinAlgError(
            `linalg.${op}(): the matrix${where(k, a)} of shape ${fmtShape(a.shape)} is not ` +
              `positive-definite (leading minor of order ` +
              `${bad + 1} is not positive)`,
          );
        }
      }
      return out;
    },
    vjp(g, _i, l, { op }) {
      const p = phi(mm(l, g, true, false));
      const y = lowerSolve(l, p, true, op); // L⁻ᵀ P
      const s = mT(lowerSolve(l, mT(y), true, op)); // (L⁻ᵀ Yᵀ)ᵀ = Y L⁻¹
      return [mul(add(s, mT(s)), 0.5)];
    },
    jvp([t], _i, l, { op }) {
      if (t === null) return null;
      // the symmetric part of dA, so that forward mode is the adjoint of the symmetric vjp
      const z = lowerSolve(l, mul(add(t, mT(t)), 0.5), false, op); // L⁻¹ dA
      const c = mT(lowerSolve(l, mT(z), false, op)); // L⁻¹ dA L⁻ᵀ
      return mm(l, phi(c));
    },
  },
};

/** Batching rules of the linear-algebra primitives: their kernels take batches of matrices. */
export const linalgBatchRules: BatchTable<LinalgParams> = each<LinalgParams>(
  linalgRules,
  leadingBatch,
);
