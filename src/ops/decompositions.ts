/**
 * Spectral decompositions in `linalg`: `eigh`/`eigvalsh`, `svd`/`svdvals` and `qr`, on
 * matrices or batches of them. Each decomposition is one operation whose output packs its
 * factors into one tensor (so that one node carries all of them) and whose derivative is a
 * Jacobian-vector product written in Tensor operations from the factors themselves
 * (`customJvp`): forward mode runs it, reverse mode transposes it, and both differentiate
 * again to any order. The kernels (Jacobi eigenvalues, one-sided Jacobi SVD, Householder QR)
 * compute in float64.
 *
 * @module
 */

import { DtypeError, LinAlgError, ShapeError } from "../errors.ts";
import { isFloating } from "../dtype.ts";
import { fmtShape } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { customJvp } from "../functional/custom.ts";
import {
  allFinite,
  asymmetry,
  householderQr,
  jacobiSvd,
  orthonormalComplement,
  symmetricEigen,
} from "../kernels/spectral.ts";
import { output } from "../primitives/helpers.ts";
import { mm, mT } from "../primitives/matmul.ts";
import { add, checkTensor, div, mul, sub } from "./arithmetic.ts";
import { eq } from "./compare.ts";
import { band, cast, filled, identity, reshapeAs } from "./shape.ts";

/** Rows `start..end−1` of each matrix (the second-to-last dimension). */
export function rows(x: Tensor, start: number, end: number): Tensor {
  const d = x.ndim - 2;
  return apply("slice", [x], {
    starts: x.shape.map((_, i) => (i === d ? start : 0)),
    steps: x.shape.map(() => 1),
    shape: x.shape.map((s, i) => (i === d ? end - start : s)),
  });
}

/** Columns `start..end−1` of each matrix. */
export function cols(x: Tensor, start: number, end: number): Tensor {
  return mT(rows(mT(x), start, end));
}

/** Concatenation along the rows (`-2`) or columns (`-1`) of matrices. */
export function catAt(xs: readonly Tensor[], dim: -1 | -2): Tensor {
  return apply("cat", xs, { dim: xs[0].ndim + dim });
}

/** The constant `n×n` identity. */
export function eyeOf(n: number, like: Tensor): Tensor {
  return band(n, n, 0, 0, like.dtype);
}

/** The diagonal of each matrix as a row (`[..., 1, n]`). */
function diagRow(x: Tensor): Tensor {
  const n = x.shape[x.ndim - 1];
  return apply("sum", [mul(x, eyeOf(n, x))], { dims: [x.ndim - 2], keepdim: true });
}

/**
 * `1/d`, with 0 where `d` is exactly 0 (the coupling of exactly repeated eigenvalues or
 * singular values, and the diagonal, are left out instead of giving ∞ or NaN).
 */
export function safeReciprocal(d: Tensor): Tensor {
  const zero = cast(eq(d.detach(), 0), d.dtype);
  return div(sub(1, zero), add(d, zero));
}

function matrixCount(a: Tensor, r: number, c: number): number {
  return r * c === 0 ? 0 : a.numel / (r * c);
}

/** Checks a floating matrix or batch of them (`[..., m, n]`; square when `square`). */
export function checkMatrix(a: Tensor, op: string, square: boolean): void {
  checkTensor(a, `linalg.${op}`, "A");
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  if (a.ndim < 2 || (square && m !== n)) {
    throw new ShapeError(
      `linalg.${op}() expects ${square ? "a square matrix" : "a matrix"} or a batch of them ` +
        `(${square ? "[..., n, n]" : "[..., m, n]"}); got ${fmtShape(a.shape)}`,
    );
  }
  if (!isFloating(a.dtype)) {
    throw new DtypeError(`linalg.${op}() expects a floating-point matrix; got ${a.dtype}`);
  }
}

/** Above this relative asymmetry, `eigh` refuses its input. */
function symmetryTolerance(a: Tensor): number {
  return a.dtype === "float64" ? 1e-10 : 1e-5;
}

function checkSymmetric(a: Tensor, op: string): void {
  if (a._bat !== null) return; // checked per example by the kernel's caller
  const n = a.shape[a.ndim - 1];
  const r = asymmetry(a._buf, matrixCount(a, n, n), n);
  if (Number.isNaN(r)) {
    throw new LinAlgError(
      `linalg.${op}(): the input of shape ${fmtShape(a.shape)} has NaN or infinite entries`,
    );
  }
  if (!(r <= symmetryTolerance(a))) {
    throw new LinAlgError(
      `linalg.${op}(): the input of shape ${fmtShape(a.shape)} is not symmetric (largest ` +
        `|A[i,j] − A[j,i]| is ${r.toExponential(2)} of its largest entry). PyTorch would ` +
        `silently read only its lower triangle; pass (A + Aᵀ)/2, or tril(A) + tril(A, −1)ᵀ ` +
        `for PyTorch's result`,
    );
  }
}

// --- eigh: packed [..., n+1, n] = [eigenvalues; eigenvectors] -----------------------------

function eighForward(a: Tensor): Tensor {
  checkSymmetric(a, "eigh");
  const n = a.shape[a.ndim - 1];
  const out = output([...a.shape.slice(0, -2), n + 1, n], a.dtype);
  symmetricEigen(a._buf, matrixCount(a, n, n), n, out._buf);
  return out;
}

// A = V Λ Vᵀ, P = Vᵀ dA V (dA symmetrized): dλ = diag P, dV = V (F ∘ P), F_ij = 1/(λ_j − λ_i)
function eighTangent(da: Tensor, packed: Tensor): Tensor {
  const n = da.shape[da.ndim - 1];
  const lam = rows(packed, 0, 1);
  const v = rows(packed, 1, n + 1);
  const sym = mul(add(da, mT(da)), 0.5);
  const p = mm(mm(v, sym, true, false), v);
  const f = safeReciprocal(sub(lam, mT(lam)));
  return catAt([diagRow(p), mm(v, mul(p, f))], -2);
}

let eighOp: ((a: Tensor) => Tensor) | null = null;

function eighPacked(a: Tensor): Tensor {
  eighOp ??= customJvp(eighForward, (_p, [da], packed) => [packed, eighTangent(da, packed)], {
    name: "linalg.eigh",
    vectorized: true,
  });
  return eighOp(a);
}

/** The eigenvalues and eigenvectors of a symmetric matrix ({@linkcode eigh}). */
export interface Eigh {
  /** The eigenvalues in ascending order, `[..., n]`. */
  readonly eigenvalues: Tensor;
  /** The orthonormal eigenvectors as columns, `[..., n, n]`. */
  readonly eigenvectors: Tensor;
}

/**
 * The eigendecomposition `A = V·diag(λ)·Vᵀ` of a symmetric matrix or batch of them (PyTorch's
 * `torch.linalg.eigh`), by Jacobi rotations in float64. Eigenvectors are defined up to sign
 * (each is returned with its largest entry positive) and, for a repeated eigenvalue, up to a
 * rotation within its eigenspace, so only functions invariant to that choice have
 * well-defined derivatives. As in PyTorch, the eigenvectors' derivative divides by the gaps
 * `λ_j − λ_i` and is large for close eigenvalues; for exactly repeated ones those terms are
 * left out (PyTorch gives ∞ or NaN there), which is exact for invariant functions such as the
 * projector on the eigenspace. The eigenvalues' first derivative `vᵢᵀ dA vᵢ` is always finite.
 *
 * PyTorch reads only the lower triangle of a non-symmetric input; Tapegrad refuses it with a
 * `LinAlgError` instead (an asymmetric input is almost always a bug).
 *
 * @param a a symmetric `[..., n, n]` matrix
 * @returns `{ eigenvalues, eigenvectors }` (gradFn `LinalgEighBackward0`)
 * @throws {ShapeError} unless square
 * @throws {DtypeError} for an integer or bool matrix
 * @throws {LinAlgError} when a matrix is not symmetric (relative asymmetry above 1e-10 in
 *   float64, 1e-5 in float32) or has NaN or infinite entries
 * @example Eigenvalues of a 2×2 matrix, and the gradient of the largest
 * ```ts
 * import { grad, linalg, tensor, type Tensor } from "@tapegrad/core";
 * import { assertClose } from "@tapegrad/core/testing";
 *
 * const a = tensor([[2, 1], [1, 2]], { dtype: "float64" });
 * const { eigenvalues, eigenvectors } = linalg.eigh(a);
 * assertClose(eigenvalues, tensor([1, 3], { dtype: "float64" }));
 * assertClose(eigenvectors.abs(), tensor([[1, 1], [1, 1]], { dtype: "float64" }).mul(Math.SQRT1_2));
 * // dλ_max/dA = v vᵀ
 * const g = grad((x: Tensor) => linalg.eigvalsh(x).max())(a);
 * assertClose(g, tensor([[0.5, 0.5], [0.5, 0.5]], { dtype: "float64" }));
 * ```
 */
export function eigh(a: Tensor): Eigh {
  checkMatrix(a, "eigh", true);
  checkSymmetric(a, "eigh");
  const n = a.shape[a.ndim - 1];
  const packed = eighPacked(a);
  const batch = a.shape.slice(0, -2);
  return {
    eigenvalues: reshapeAs(rows(packed, 0, 1), [...batch, n], "LinalgEighBackward0"),
    eigenvectors: identity(rows(packed, 1, n + 1), "LinalgEighBackward0"),
  };
}

/**
 * The eigenvalues of a symmetric matrix or batch of them, ascending (PyTorch's
 * `torch.linalg.eigvalsh`): `eigh(a).eigenvalues`. Their first derivative is finite even
 * for repeated eigenvalues; see {@linkcode eigh} for the higher ones.
 *
 * @param a a symmetric `[..., n, n]` matrix
 * @returns the eigenvalues `[..., n]` (gradFn `LinalgEighBackward0`)
 * @throws {ShapeError} unless square
 * @throws {DtypeError} for an integer or bool matrix
 * @throws {LinAlgError} when a matrix is not symmetric
 * @example Calling eigvalsh
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(linalg.eigvalsh(tensor([[3, 0], [0, -1]])).toArray(), [-1, 3]);
 * ```
 */
export function eigvalsh(a: Tensor): Tensor {
  checkMatrix(a, "eigvalsh", true);
  checkSymmetric(a, "eigvalsh");
  return eigh(a).eigenvalues;
}

// --- svd: packed [..., m+1+n, n] = [U; S; V] for m ≥ n -----------------------------------

function svdForward(a: Tensor): Tensor {
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  if (!allFinite(a._buf)) {
    // as PyTorch: the SVD of a matrix with NaN or ∞ is an error, not NaNs
    throw new LinAlgError(
      `linalg.svd(): the input of shape ${fmtShape(a.shape)} has NaN or infinite entries`,
    );
  }
  const out = output([...a.shape.slice(0, -2), m + 1 + n, n], a.dtype);
  jacobiSvd(a._buf, matrixCount(a, m, n), m, n, out._buf);
  return out;
}

// dP = Uᵀ dA V: dS = diag dP, dU = U (F ∘ (dP S + S dPᵀ)) + (I − UUᵀ) dA V S⁻¹,
// dV = V (F ∘ (S dP + dPᵀ S)), F_ij = 1/(s_j² − s_i²)
function svdTangent(da: Tensor, packed: Tensor): Tensor {
  const m = da.shape[da.ndim - 2], n = da.shape[da.ndim - 1];
  const u = rows(packed, 0, m);
  const sRow = rows(packed, m, m + 1);
  const v = rows(packed, m + 1, m + 1 + n);
  const sCol = mT(sRow);
  const dav = mm(da, v);
  const dp = mm(u, dav, true, false);
  const dpT = mT(dp);
  const f = safeReciprocal(sub(mul(sRow, sRow), mul(sCol, sCol)));
  const du = add(
    mm(u, mul(f, add(mul(dp, sRow), mul(dpT, sCol)))),
    mul(sub(dav, mm(u, dp)), safeReciprocal(sRow)),
  );
  const dv = mm(v, mul(f, add(mul(sCol, dp), mul(dpT, sRow))));
  return catAt([du, diagRow(dp), dv], -2);
}

let svdOp: ((a: Tensor) => Tensor) | null = null;

/** `[U, S (a row), V]` of the thin SVD of a matrix with at least as many rows as columns. */
function svdTall(a: Tensor): [Tensor, Tensor, Tensor] {
  svdOp ??= customJvp(svdForward, (_p, [da], packed) => [packed, svdTangent(da, packed)], {
    name: "linalg.svd",
    vectorized: true,
  });
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  const p = svdOp(a);
  return [rows(p, 0, m), rows(p, m, m + 1), rows(p, m + 1, m + 1 + n)];
}

/** `[U, S (a row), V]` of the thin SVD (`k = min(m, n)` columns). */
function thinSvd(a: Tensor): [Tensor, Tensor, Tensor] {
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  if (m >= n) return svdTall(a);
  const [u, s, v] = svdTall(mT(a)); // Aᵀ = U S Vᵀ, so A = V S Uᵀ
  return [v, s, u];
}

let complementOp: ((u: Tensor) => Tensor) | null = null;

/**
 * Columns completing the orthonormal columns of `u` to a basis; a constant for derivatives,
 * as PyTorch ignores the gradient of these columns.
 */
function complement(u: Tensor): Tensor {
  complementOp ??= customJvp(
    function orthonormalCompletion(x: Tensor) {
      const m = x.shape[x.ndim - 2], k = x.shape[x.ndim - 1];
      const out = output([...x.shape.slice(0, -2), m, m - k], x.dtype);
      orthonormalComplement(x._buf, matrixCount(x, m, k), m, k, out._buf);
      return out;
    },
    (_p, _t, value) => [value, filled(value.shape, value.dtype, 0)],
    { name: "linalg.svd", vectorized: true },
  );
  return complementOp(u);
}

/** The singular value decomposition ({@linkcode svd}). */
export interface Svd {
  /** Left singular vectors as columns: `[..., m, m]`, or `[..., m, k]` without full matrices. */
  readonly U: Tensor;
  /** Singular values, descending: `[..., k]` with `k = min(m, n)`. */
  readonly S: Tensor;
  /** Right singular vectors as rows: `[..., n, n]`, or `[..., k, n]` without full matrices. */
  readonly Vh: Tensor;
}

/** Options of {@linkcode svd}. */
export interface SvdOptions {
  /** Return square U and Vh (default `true`, as PyTorch); else the thin factors. */
  readonly fullMatrices?: boolean;
}

/**
 * The singular value decomposition `A = U·diag(S)·Vh` of a matrix or batch of them
 * (PyTorch's `torch.linalg.svd`), by one-sided Jacobi rotations in float64. Singular vectors
 * are defined up to a simultaneous sign change of a pair `(uᵢ, vᵢ)` (each `vᵢ` is returned
 * with its largest entry positive) and, for repeated singular values, up to a rotation, so
 * only functions invariant to that choice have well-defined derivatives. As in PyTorch,
 * the vectors' derivative divides by `s_j² − s_i²` and by `s_i` (large for close or small
 * singular values); exactly repeated or zero ones leave those terms out (PyTorch gives ∞ or
 * NaN). With `fullMatrices` (the default), the columns that complete U or Vh to square
 * matrices get no gradient, as in PyTorch.
 *
 * @param a `[..., m, n]`
 * @param options `fullMatrices` (default `true`)
 * @returns `{ U, S, Vh }` (gradFn `LinalgSvdBackward0`)
 * @throws {ShapeError} unless at least 2-D
 * @throws {DtypeError} for an integer or bool matrix
 * @throws {LinAlgError} when an entry is NaN or infinite (as PyTorch)
 * @example Reconstructing a matrix from its thin SVD
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import { assertClose } from "@tapegrad/core/testing";
 *
 * const a = tensor([[3, 0], [4, 5], [0, 0]], { dtype: "float64" });
 * const { U, S, Vh } = linalg.svd(a, { fullMatrices: false });
 * assertClose(S, tensor([Math.sqrt(45), Math.sqrt(5)], { dtype: "float64" }));
 * assertClose(U.mul(S.unsqueeze(0)).matmul(Vh), a, { atol: 1e-12 });
 * ```
 */
export function svd(a: Tensor, options: SvdOptions = {}): Svd {
  checkMatrix(a, "svd", false);
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  const batch = a.shape.slice(0, -2);
  let [u, s, v] = thinSvd(a);
  if (options.fullMatrices ?? true) {
    if (m > n) u = catAt([u, complement(u)], -1);
    if (n > m) v = catAt([v, complement(v)], -1);
  }
  const name = "LinalgSvdBackward0";
  return {
    U: identity(u, name),
    S: reshapeAs(s, [...batch, Math.min(m, n)], name),
    Vh: identity(mT(v), name),
  };
}

/**
 * The singular values of a matrix or batch of them, descending (PyTorch's
 * `torch.linalg.svdvals`). Their first derivative `uᵢvᵢᵀ` is finite for repeated singular
 * values; see {@linkcode svd} for the higher ones.
 *
 * @param a `[..., m, n]`
 * @returns `[..., min(m, n)]` (gradFn `LinalgSvdBackward0`)
 * @throws {ShapeError} unless at least 2-D
 * @throws {DtypeError} for an integer or bool matrix
 * @throws {LinAlgError} when an entry is NaN or infinite (as PyTorch)
 * @example Calling svdvals
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(linalg.svdvals(tensor([[0, 2], [-3, 0]])).toArray(), [3, 2]);
 * ```
 */
export function svdvals(a: Tensor): Tensor {
  checkMatrix(a, "svdvals", false);
  return svd(a, { fullMatrices: false }).S;
}

// --- qr: packed [..., m+n, n] = [Q; R] for m ≥ n ------------------------------------------

function qrForward(a: Tensor): Tensor {
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  const out = output([...a.shape.slice(0, -2), m + n, n], a.dtype);
  householderQr(a._buf, matrixCount(a, m, n), m, n, out._buf);
  return out;
}

/** The constant mask of the strictly lower triangle. */
function strictLower(n: number, like: Tensor): Tensor {
  return band(n, n, -Infinity, -1, like.dtype);
}

// X = Qᵀ dA R⁻¹, Ω = tril(X, −1) − tril(X, −1)ᵀ: dQ = Q (Ω − X) + dA R⁻¹, dR = (X − Ω) R
function qrTangent(da: Tensor, packed: Tensor): Tensor {
  const m = da.shape[da.ndim - 2], n = da.shape[da.ndim - 1];
  const q = rows(packed, 0, m);
  const r = rows(packed, m, m + n);
  // dA R⁻¹ = (R⁻ᵀ dAᵀ)ᵀ
  const dar = mT(apply("triangularSolve", [r, mT(da)], { lower: false, trans: true, op: "qr" }));
  const x = mm(q, dar, true, false);
  const low = mul(x, strictLower(n, x));
  const omega = sub(low, mT(low));
  return catAt([add(mm(q, sub(omega, x)), dar), mm(sub(x, omega), r)], -2);
}

let qrOp: ((a: Tensor) => Tensor) | null = null;

function qrTall(a: Tensor): [Tensor, Tensor] {
  qrOp ??= customJvp(qrForward, (_p, [da], packed) => [packed, qrTangent(da, packed)], {
    name: "linalg.qr",
    vectorized: true,
  });
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  const p = qrOp(a);
  return [rows(p, 0, m), rows(p, m, m + n)];
}

/** The QR decomposition ({@linkcode qr}). */
export interface Qr {
  /** Orthonormal columns: `[..., m, k]` (reduced), `[..., m, m]` (complete), empty for "r". */
  readonly Q: Tensor;
  /** Upper triangular: `[..., k, n]` (reduced, "r") or `[..., m, n]` (complete). */
  readonly R: Tensor;
}

/** The mode of {@linkcode qr}, as PyTorch's. */
export type QrMode = "reduced" | "complete" | "r";

/**
 * The QR decomposition `A = Q·R` of a matrix or batch of them (PyTorch's `torch.linalg.qr`),
 * by Householder reflections with LAPACK's sign convention (R's diagonal may be negative).
 * The derivative is written in operations (for `m < n`, through the QR of the first `m`
 * columns) and needs R's diagonal nonzero (full rank), as in PyTorch. In "complete" mode with
 * `m > n`, the columns that complete Q get no gradient (PyTorch refuses to differentiate
 * that case).
 *
 * @param a `[..., m, n]`
 * @param mode "reduced" (default, `k = min(m, n)`), "complete", or "r" (R only; Q is empty)
 * @returns `{ Q, R }` (gradFn `LinalgQrBackward0`)
 * @throws {ShapeError} unless at least 2-D
 * @throws {DtypeError} for an integer or bool matrix
 * @throws {TypeError} for an unknown mode
 * @example Calling qr
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import { assertClose } from "@tapegrad/core/testing";
 *
 * const a = tensor([[3, 1], [4, 2]], { dtype: "float64" });
 * const { Q, R } = linalg.qr(a);
 * assertClose(R, tensor([[-5, -2.2], [0, 0.4]], { dtype: "float64" }), { atol: 1e-12 });
 * assertClose(Q.matmul(R), a, { atol: 1e-12 });
 * ```
 */
export function qr(a: Tensor, mode: QrMode = "reduced"): Qr {
  checkMatrix(a, "qr", false);
  if (mode !== "reduced" && mode !== "complete" && mode !== "r") {
    throw new TypeError(
      `linalg.qr(): mode must be "reduced", "complete" or "r"; got ${String(mode)}`,
    );
  }
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  let q: Tensor, r: Tensor;
  if (m >= n) [q, r] = qrTall(a);
  else {
    const [q0, r0] = qrTall(cols(a, 0, m));
    q = q0;
    r = catAt([r0, mm(q0, cols(a, m, n), true, false)], -1);
  }
  if (mode === "complete" && m > n) {
    q = catAt([q, complement(q)], -1);
    r = catAt([r, filled([...r.shape.slice(0, -2), m - n, n], r.dtype, 0)], -2);
  }
  const name = "LinalgQrBackward0";
  if (mode === "r") return { Q: filled([0], a.dtype, 0), R: identity(r, name) };
  return { Q: identity(q, name), R: identity(r, name) };
}
