/**
 * `linalg` functions built on the spectral decompositions: `matrixNorm`, `pinv` and
 * `lstsq`. They are compositions of differentiable operations, so their derivatives need no
 * rule of their own and differentiate to any order.
 *
 * @module
 */

import { DtypeError, ShapeError } from "../errors.ts";
import { fmtShape, normalizeDim } from "../shape.ts";
import type { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { checkTensor, mul, sub } from "./arithmetic.ts";
import { gt } from "./compare.ts";
import { abs } from "./math.ts";
import { maximum } from "./activations.ts";
import { norm, sum } from "./reduce.ts";
import { amax, amin } from "./statistics.ts";
import { cast, filled, identity, permute, reshape, reshapeAs } from "./shape.ts";
import { squeeze, unsqueeze } from "./manipulation.ts";
import { matmul } from "./matmul.ts";
import { checkMatrix, qr, safeReciprocal, svd, svdvals } from "./decompositions.ts";
import { mm, mT } from "../primitives/matmul.ts";

/** The order of a {@linkcode matrixNorm}, as PyTorch's `ord`. */
export type MatrixNormOrd = "fro" | "nuc" | 2 | -2 | 1 | -1 | number;

/**
 * A matrix norm over two dimensions (PyTorch's `torch.linalg.matrix_norm`): `"fro"`
 * (Frobenius, the default), `"nuc"` (nuclear: the sum of singular values), `2` / `-2` (the
 * largest / smallest singular value), `1` / `-1` (max / min absolute column sum),
 * `Infinity` / `-Infinity` (max / min absolute row sum). Derivatives come from the
 * operations used (`svdvals`, `amax`, `abs`); ties in `amax`/`amin` share the gradient
 * evenly, as in PyTorch.
 *
 * @param a a tensor with at least 2 dimensions
 * @param ord the norm (default `"fro"`)
 * @param dim the two dimensions holding the matrices (default `[-2, -1]`)
 * @param keepdim keep the reduced dimensions with size 1
 * @returns the norms
 * @throws {ShapeError} for fewer than 2 dimensions or a bad `dim`
 * @throws {DtypeError} for an integer or bool tensor
 * @throws {RangeError} for an unknown `ord`
 * @example Five norms of one matrix
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import { assertClose } from "@tapegrad/core/testing";
 *
 * const a = tensor([[1, -2], [3, 4]], { dtype: "float64" });
 * assertClose(linalg.matrixNorm(a), tensor(Math.sqrt(30), { dtype: "float64" }));
 * assertClose(linalg.matrixNorm(a, 1), tensor(6, { dtype: "float64" }));
 * assertClose(linalg.matrixNorm(a, Infinity), tensor(7, { dtype: "float64" }));
 * const s = linalg.svdvals(a);
 * assertClose(linalg.matrixNorm(a, "nuc"), s.sum());
 * assertClose(linalg.matrixNorm(a, -2), s.min());
 * ```
 */
export function matrixNorm(
  a: Tensor,
  ord: MatrixNormOrd = "fro",
  dim: readonly [number, number] = [-2, -1],
  keepdim = false,
): Tensor {
  checkMatrix(a, "matrixNorm", false);
  if (!Array.isArray(dim) || dim.length !== 2) {
    throw new ShapeError(`linalg.matrixNorm(): dim must be two dimensions; got ${String(dim)}`);
  }
  const d0 = normalizeDim(dim[0], a.ndim, "linalg.matrixNorm");
  const d1 = normalizeDim(dim[1], a.ndim, "linalg.matrixNorm");
  if (d0 === d1) {
    throw new ShapeError(
      `linalg.matrixNorm(): dim must name two different dimensions; got ${d0} twice`,
    );
  }
  const rest = a.shape.map((_, i) => i).filter((i) => i !== d0 && i !== d1);
  const x = rest.length === a.ndim - 2 && d0 === a.ndim - 2 && d1 === a.ndim - 1
    ? a
    : permute(a, [...rest, d0, d1]);
  const last = x.ndim - 1;
  let r: Tensor;
  if (ord === "fro") r = identity(norm(x, 2, [last - 1, last]), "LinalgVectorNormBackward0");
  else if (ord === "nuc") r = sum(svdvals(x), -1);
  else if (ord === 2) r = amax(svdvals(x), -1);
  else if (ord === -2) r = amin(svdvals(x), -1);
  else if (ord === 1) r = amax(sum(abs(x), last - 1), -1);
  else if (ord === -1) r = amin(sum(abs(x), last - 1), -1);
  else if (ord === Infinity) r = amax(sum(abs(x), last), -1);
  else if (ord === -Infinity) r = amin(sum(abs(x), last), -1);
  else {
    throw new RangeError(
      `linalg.matrixNorm(): ord must be "fro", "nuc", 2, -2, 1, -1, Infinity or -Infinity; ` +
        `got ${String(ord)}`,
    );
  }
  if (!keepdim) return r;
  return reshape(r, a.shape.map((s, i) => (i === d0 || i === d1 ? 1 : s)));
}

/** Options of {@linkcode pinv}. */
export interface PinvOptions {
  /** Singular values at or below `atol` count as zero (default 0). */
  readonly atol?: number;
  /**
   * Singular values at or below `rtol·σ_max` count as zero (default `eps·max(m, n)`, or 0
   * when a positive `atol` is given, as in PyTorch).
   */
  readonly rtol?: number;
}

function epsOf(a: Tensor): number {
  return a.dtype === "float64" ? 2.220446049250313e-16 : 1.1920928955078125e-7;
}

/** The cutoff `max(atol, rtol·σ_max)` for each matrix, `[..., 1]`, from the singular values. */
function cutoff(s: Tensor, atol: number, rtol: number): Tensor {
  const t = mul(amax(s, -1, true), rtol);
  return atol > 0 ? maximum(t, atol) : t;
}

function tolerances(a: Tensor, options: PinvOptions): [number, number] {
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  const atol = options.atol ?? 0;
  const rtol = options.rtol ?? (atol > 0 ? 0 : epsOf(a) * Math.max(m, n));
  return [atol, rtol];
}

/** Whether every matrix of `a` (concrete values) has all singular values above the cutoff. */
function fullRank(a: Tensor, atol: number, rtol: number): boolean {
  if (a._bat !== null || a.numel === 0) return false;
  return noGrad(() => {
    const s = svdvals(a.detach());
    const keep = gt(s, cutoff(s, atol, rtol));
    return keep._buf.every((v) => v !== 0);
  });
}

/**
 * The Moore–Penrose pseudo-inverse of a matrix or batch of them (PyTorch's
 * `torch.linalg.pinv`). When every singular value is above the cutoff (full rank), it is
 * computed from the QR decomposition, `R⁻¹Qᵀ` (or its transpose for wide matrices), whose
 * derivative holds for any singular values, repeated included; otherwise from the SVD with
 * the small singular values dropped, whose derivative needs distinct nonzero singular values
 * and a rank that does not change nearby (as PyTorch documents). Inside `vmap` the SVD path
 * is used.
 *
 * @param a `[..., m, n]`
 * @param options `atol`, `rtol`: which singular values count as zero
 * @returns `[..., n, m]` (gradFn `LinalgPinvBackward0`)
 * @throws {ShapeError} unless at least 2-D
 * @throws {DtypeError} for an integer or bool matrix
 * @example The pseudo-inverse of a tall matrix solves least squares
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import { assertClose } from "@tapegrad/core/testing";
 *
 * const a = tensor([[1, 0], [0, 1], [1, 1]], { dtype: "float64" });
 * const p = linalg.pinv(a);
 * assertClose(p, tensor([[2, -1, 1], [-1, 2, 1]], { dtype: "float64" }).div(3), { atol: 1e-12 });
 * assertClose(p.matmul(a), tensor([[1, 0], [0, 1]], { dtype: "float64" }), { atol: 1e-12 });
 * ```
 */
export function pinv(a: Tensor, options: PinvOptions = {}): Tensor {
  checkMatrix(a, "pinv", false);
  return identity(pinvOf(a, options), "LinalgPinvBackward0");
}

function pinvOf(a: Tensor, options: PinvOptions): Tensor {
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  if (m < n) return mT(pinvOf(mT(a), options));
  const [atol, rtol] = tolerances(a, options);
  if (fullRank(a, atol, rtol)) {
    const { Q, R } = qr(a);
    return apply("triangularSolve", [R, mT(Q)], { lower: false, trans: false, op: "pinv" });
  }
  const { U, S, Vh } = svd(a, { fullMatrices: false });
  const s = S.detach();
  const keep = cast(gt(s, cutoff(s, atol, rtol)), S.dtype);
  const inv = mul(keep, safeReciprocal(S)); // [..., k]
  return mm(mul(mT(Vh), unsqueeze(inv, -2)), U, false, true);
}

/** The drivers of {@linkcode lstsq}, as PyTorch's (they choose which extra fields are filled). */
export type LstsqDriver = "gelsy" | "gels" | "gelsd" | "gelss";

/** Options of {@linkcode lstsq}. */
export interface LstsqOptions {
  /** Singular values at or below `rcond·σ_max` count as zero (default `eps·max(m, n)`). */
  readonly rcond?: number;
  /** Which of PyTorch's drivers to imitate for the extra fields (default "gelsy"). */
  readonly driver?: LstsqDriver;
}

/** The result of {@linkcode lstsq}, with PyTorch's field names. */
export interface Lstsq {
  /** The minimum-norm least-squares solution `[..., n, k]` (or `[..., n]` for a vector B). */
  readonly solution: Tensor;
  /**
   * `‖A·X − B‖²` per column (`[..., k]`) for drivers other than "gelsy" when `m > n` and every
   * matrix has full rank; otherwise empty.
   */
  readonly residuals: Tensor;
  /** The rank of each matrix (int64, `[...]`); empty for "gels". */
  readonly rank: Tensor;
  /** The singular values (`[..., min(m, n)]`) for "gelsd" and "gelss"; otherwise empty. */
  readonly singularValues: Tensor;
}

const DRIVERS: readonly LstsqDriver[] = ["gelsy", "gels", "gelsd", "gelss"];

/**
 * The least-squares solution of `A·X = B` of minimum norm (PyTorch's `torch.linalg.lstsq`):
 * `pinv(A, { rtol: rcond })·B`, differentiable to any order in both A and B (see
 * {@linkcode pinv} for when the derivative in A holds). `B` is `[..., m, k]`, or `[..., m]`
 * for one right-hand side; batch dimensions broadcast.
 *
 * @param a `[..., m, n]`
 * @param b `[..., m, k]` or `[..., m]`
 * @param options `rcond`, `driver`
 * @returns `{ solution, residuals, rank, singularValues }` (solution's gradFn
 *   `LinalgLstsqBackward0`)
 * @throws {ShapeError} when B's rows do not match A's
 * @throws {DtypeError} for integer or bool inputs, or different dtypes
 * @throws {TypeError} for an unknown driver
 * @example Fitting a line
 * ```ts
 * import { linalg, tensor } from "@tapegrad/core";
 * import { assertClose } from "@tapegrad/core/testing";
 *
 * const a = tensor([[1, 0], [1, 1], [1, 2]], { dtype: "float64" });
 * const b = tensor([1, 2, 4], { dtype: "float64" });
 * const { solution, residuals } = linalg.lstsq(a, b, { driver: "gelsd" });
 * assertClose(solution, tensor([5 / 6, 1.5], { dtype: "float64" }), { atol: 1e-12 });
 * assertClose(residuals, tensor(1 / 6, { dtype: "float64" }), { atol: 1e-12 });
 * ```
 */
export function lstsq(a: Tensor, b: Tensor, options: LstsqOptions = {}): Lstsq {
  checkMatrix(a, "lstsq", false);
  checkTensor(b, "linalg.lstsq", "B");
  const driver = options.driver ?? "gelsy";
  if (!DRIVERS.includes(driver)) {
    throw new TypeError(
      `linalg.lstsq(): driver must be one of ${DRIVERS.join(", ")}; got ${String(driver)}`,
    );
  }
  if (b.dtype !== a.dtype) {
    throw new DtypeError(
      `linalg.lstsq(): A and B must have the same dtype; got ${a.dtype} and ${b.dtype}`,
    );
  }
  const m = a.shape[a.ndim - 2], n = a.shape[a.ndim - 1];
  const vector = b.ndim === a.ndim - 1;
  const rhs = vector ? unsqueeze(b, -1) : b;
  if (rhs.ndim < 2 || rhs.shape[rhs.ndim - 2] !== m) {
    throw new ShapeError(
      `linalg.lstsq(): B of shape ${fmtShape(b.shape)} does not match A of shape ` +
        `${fmtShape(a.shape)} (B needs ${m} rows: [..., ${m}, k] or [..., ${m}])`,
    );
  }
  const rtol = options.rcond ?? epsOf(a) * Math.max(m, n);
  const x = matmul(pinv(a, { rtol }), rhs);
  const solution = vector
    ? reshapeAs(x, x.shape.slice(0, -1), "LinalgLstsqBackward0")
    : identity(x, "LinalgLstsqBackward0");
  const empty = filled([0], a.dtype, 0);
  const s = noGrad(() => svdvals(a.detach()));
  const ranks = sum(cast(gt(s, cutoff(s, 0, rtol)), "int64"), -1);
  const rank = driver === "gels" ? filled([0], "int64", 0) : ranks;
  let residuals = empty;
  const full = a._bat === null && a.numel > 0 && ranks._buf.every((r) => r === n);
  if (driver !== "gelsy" && m > n && full) {
    const r = sub(matmul(a, x), rhs);
    residuals = sum(mul(r, r), -2);
    if (vector) residuals = squeeze(residuals, -1);
  }
  const singularValues = driver === "gelsd" || driver === "gelss" ? svdvals(a) : empty;
  return { solution, residuals, rank, singularValues };
}
