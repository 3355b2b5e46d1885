/**
 * Linear-algebra primitives on batches of square matrices (`[..., n, n]`): `solve`,
 * `det`, `logabsdet` and `cholesky`. Their derivative rules are written with `solve` itself,
 * `matmul` with transpose flags and elementwise operations, so they differentiate to any
 * order. Kernels compute in float64.
 *
 * @module
 */

import { LinAlgError } from "../errors.ts";
import { fmtShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { choleskyFactor, luFactor, luSolve } from "../kernels/linalg.ts";
import { apply } from "../autograd/dispatch.ts";
import { add, mul, neg, sub } from "../ops/arithmetic.ts";
import { filled } from "../ops/shape.ts";
import { output } from "./helpers.ts";
import type { MaybeTensor, RuleTable } from "./types.ts";

/** Parameters of the linear-algebra primitives. */
export interface LinalgParams {
  /** `X = A⁻¹B` (or `A⁻ᵀB` when `adjoint`); inputs `[A, B]`, batch shapes equal, B `[..., n, m]`. */
  solve: { readonly adjoint: boolean; readonly op: string };
  /** The determinant; input `[..., n, n]`, output `[...]`. */
  det: { readonly op: string };
  /** `log |det A|`. */
  logabsdet: { readonly op: string };
  /** The lower Cholesky factor of a symmetric positive-definite matrix. */
  cholesky: { readonly op: string };
}

/** Swaps the last two dimensions. */
function mT(x: Tensor): Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[x.ndim - 1] = x.ndim - 2;
  perm[x.ndim - 2] = x.ndim - 1;
  return apply("permute", [x], { perm });
}

function mm(a: Tensor, b: Tensor, transA = false, transB = false): Tensor {
  return apply("matmul", [a, b], { transA, transB });
}

function solve(a: Tensor, b: Tensor, adjoint: boolean, op: string): Tensor {
  return apply("solve", [a, b], { adjoint, op });
}

/** The identity matrices of `a`'s batch shape. */
function eyeLike(a: Tensor): Tensor {
  const n = a.shape[a.ndim - 1];
  const out = filled(a.shape, a.dtype, 0);
  const batch = a.numel / (n * n);
  for (let b = 0; b < batch; b++) for (let i = 0; i < n; i++) out._buf[b * n * n + i * n + i] = 1;
  return out;
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
  const mask = filled([n, n], x.dtype, 0);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) mask._buf[i * n + j] = 1;
    mask._buf[i * n + i] = 0.5;
  }
  return mul(x, mask);
}

/** Rules of the linear-algebra primitives. */
export const linalgRules: RuleTable<LinalgParams> = {
  // X = A⁻¹B: dX = A⁻¹(dB − dA·X); vjp: gB = A⁻ᵀG, gA = −gB·Xᵀ (and the transposed forms)
  solve: {
    name: ({ op }) => (op === "inv" ? "LinalgInvExBackward0" : "LinalgSolveExBackward0"),
    saves: true,
    forward([a, b], { adjoint, op }) {
      const n = a.shape[a.ndim - 1];
      const m = b.shape[b.ndim - 1];
      const out = output(b.shape, a.dtype);
      const lu = new Float64Array(n * n);
      const perm = new Int32Array(n);
      const at = new Float64Array(n * n);
      for (let k = 0; k < batches(a); k++) {
        let src = a._buf;
        let off = k * n * n;
        if (adjoint) {
          for (let i = 0; i < n; i++) {
            for (let j = 0; j < n; j++) at[i * n + j] = src[off + j * n + i];
          }
          src = at;
          off = 0;
        }
        const sign = luFactor(src, off, n, lu, perm);
        if (sign === 0 || Number.isNaN(sign)) {
          throw new LinAlgError(
            `linalg.${op}(): the matrix${batches(a) > 1 ? ` at batch index ${k}` : ""} of ` +
              `shape ${fmtShape(a.shape)} is ${sign === 0 ? "singular" : "not finite"}`,
          );
        }
        luSolve(lu, perm, n, b._buf, k * n * m, m, out._buf, k * n * m);
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
  // d det A = det A · tr(A⁻¹ dA); vjp: g · det · A⁻ᵀ
  det: {
    name: "LinalgDetBackward0",
    saves: true,
    forward([a]) {
      const n = a.shape[a.ndim - 1];
      const out = output(a.shape.slice(0, -2), a.dtype);
      const lu = new Float64Array(n * n);
      const perm = new Int32Array(n);
      for (let k = 0; k < batches(a); k++) {
        const sign = luFactor(a._buf, k * n * n, n, lu, perm);
        let d = sign;
        for (let i = 0; i < n && d !== 0; i++) d *= lu[i * n + i];
        out._buf[k] = Number.isNaN(sign) ? NaN : d;
      }
      if (n === 0) out._buf.fill(1);
      return out;
    },
    vjp: (g, [a], det, { op }) => [
      mul(asMatrix(mul(g, det)), solve(a, eyeLike(a), true, op)),
    ],
    jvp: ([t], [a], det, { op }) =>
      t === null ? null : mul(det, frobenius(solve(a, eyeLike(a), true, op), t)),
  },
  // d log|det A| = tr(A⁻¹ dA); vjp: g · A⁻ᵀ
  logabsdet: {
    name: "LinalgSlogdetBackward0",
    saves: true,
    forward([a]) {
      const n = a.shape[a.ndim - 1];
      const out = output(a.shape.slice(0, -2), a.dtype);
      const lu = new Float64Array(n * n);
      const perm = new Int32Array(n);
      for (let k = 0; k < batches(a); k++) {
        const sign = luFactor(a._buf, k * n * n, n, lu, perm);
        let s = 0;
        for (let i = 0; i < n; i++) s += Math.log(Math.abs(lu[i * n + i]));
        out._buf[k] = sign === 0 ? -Infinity : Number.isNaN(sign) ? NaN : s;
      }
      return out;
    },
    vjp: (g, [a], _o, { op }) => [mul(asMatrix(g), solve(a, eyeLike(a), true, op))],
    jvp: ([t], [a], _o, { op }) => t === null ? null : frobenius(solve(a, eyeLike(a), true, op), t),
  },
  // dL = L·Φ(L⁻¹ dA L⁻ᵀ); vjp: S = L⁻ᵀ Φ(Lᵀ Ḡ) L⁻¹, symmetrized
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
            `linalg.${op}(): the matrix${batches(a) > 1 ? ` at batch index ${k}` : ""} of ` +
              `shape ${fmtShape(a.shape)} is not positive-definite (leading minor of order ` +
              `${bad + 1} is not positive)`,
          );
        }
      }
      return out;
    },
    vjp(g, _i, l, { op }) {
      const p = phi(mm(l, g, true, false));
      const y = solve(l, p, true, op); // L⁻ᵀ P
      const s = mT(solve(l, mT(y), true, op)); // (L⁻ᵀ Yᵀ)ᵀ = Y L⁻¹
      return [mul(add(s, mT(s)), 0.5)];
    },
    jvp([t], _i, l, { op }) {
      if (t === null) return null;
      const z = solve(l, t, false, op); // L⁻¹ dA
      const c = mT(solve(l, mT(z), false, op)); // L⁻¹ dA L⁻ᵀ
      return mm(l, phi(c));
    },
  },
};
