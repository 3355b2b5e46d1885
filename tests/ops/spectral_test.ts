/**
 * Spectral linear algebra against PyTorch 1.13 (tests/fixtures/gen_spectral.py): values,
 * gradients and second derivatives of eigh, eigvalsh, svd, svdvals, qr, matrixNorm, pinv and
 * lstsq through sign-invariant functions of the factors; the factorizations' identities;
 * third-order gradchecks in both modes; vmap; degenerate spectra; typed errors.
 */

import assert from "node:assert/strict";
import {
  autogradGrad,
  DtypeError,
  grad,
  linalg,
  LinAlgError,
  manualSeed,
  matmul,
  randn,
  ShapeError,
  slice,
  type Tensor,
  tensor,
  tril,
  vmap,
} from "../../mod.ts";
import { assertClose, gradcheck } from "../../src/testing/mod.ts";
import data from "../fixtures/spectral.json" with { type: "json" };

type Nested = number | Nested[];
interface Case {
  fn: string;
  inputs: Nested[];
  out: Nested;
  gradFn: string;
  w: Nested;
  grads: Nested[];
  v: Nested[];
  second: Nested[];
}
const fixture = data;

const f64 = (d: Nested) => tensor(d as number[], { dtype: "float64" });
const mT = (a: Tensor) => a.transpose(-1, -2);
const sym = (a: Tensor) => a.add(mT(a)).div(2);

const FNS: Record<string, (...xs: Tensor[]) => Tensor> = {
  "eigvalsh": (a) => linalg.eigvalsh(sym(a)),
  "eigh.values": (a) => linalg.eigh(sym(a)).eigenvalues,
  "eigh.vectors2": (a) => linalg.eigh(sym(a)).eigenvectors.pow(2),
  "eigh.expm": (a) => {
    const { eigenvalues, eigenvectors } = linalg.eigh(sym(a));
    return matmul(eigenvectors.mul(eigenvalues.exp().unsqueeze(-2)), mT(eigenvectors));
  },
  "svdvals": (a) => linalg.svdvals(a),
  "svd.S": (a) => linalg.svd(a, { fullMatrices: false }).S,
  "svd.U2": (a) => linalg.svd(a, { fullMatrices: false }).U.pow(2),
  "svd.Vh2": (a) => linalg.svd(a, { fullMatrices: false }).Vh.pow(2),
  "svd.UVh": (a) => {
    const { U, Vh } = linalg.svd(a, { fullMatrices: false });
    return matmul(U, Vh);
  },
  "qr.Q": (a) => linalg.qr(a).Q,
  "qr.R": (a) => linalg.qr(a).R,
  "matrix_norm.fro": (a) => linalg.matrixNorm(a),
  "matrix_norm.nuc": (a) => linalg.matrixNorm(a, "nuc"),
  "matrix_norm.2": (a) => linalg.matrixNorm(a, 2),
  "matrix_norm.-2": (a) => linalg.matrixNorm(a, -2),
  "matrix_norm.1": (a) => linalg.matrixNorm(a, 1),
  "matrix_norm.-1": (a) => linalg.matrixNorm(a, -1),
  "matrix_norm.inf": (a) => linalg.matrixNorm(a, Infinity),
  "matrix_norm.-inf": (a) => linalg.matrixNorm(a, -Infinity),
  "matrix_norm.nuc.dim02.keepdim": (a) => linalg.matrixNorm(a, "nuc", [0, 2], true),
  "pinv": (a) => linalg.pinv(a),
  "lstsq": (a, b) => linalg.lstsq(a, b).solution,
};

Deno.test("spectral functions match PyTorch: values, gradients, second derivatives", () => {
  const tol = { atol: 1e-9, rtol: 1e-7 };
  for (const c of fixture.cases as Case[]) {
    const f = FNS[c.fn];
    const label = `${c.fn} at ${JSON.stringify((c.inputs as Nested[][]).map((x) => f64(x).shape))}`;
    const xs = c.inputs.map((x) => f64(x).requiresGrad_());
    const out = f(...xs);
    assertClose(out, f64(c.out), { ...tol, message: label });
    if (c.gradFn.startsWith("Linalg")) assert.equal(out.gradFn?.name, c.gradFn, label);
    const gs = autogradGrad(out.mul(f64(c.w)).sum(), xs, { createGraph: true });
    gs.forEach((g, i) =>
      assertClose(g!, f64(c.grads[i]), { ...tol, message: `${label} grad ${i}` })
    );
    let phi: Tensor | null = null;
    gs.forEach((g, i) => {
      const t = g!.mul(f64(c.v[i])).sum();
      phi = phi === null ? t : phi.add(t);
    });
    const second = autogradGrad(phi!, xs, { materializeGrads: true });
    second.forEach((s, i) =>
      assertClose(s!, f64(c.second[i]), { atol: 1e-7, rtol: 1e-6, message: `${label} second ${i}` })
    );
  }
});

Deno.test("eigh of a non-symmetric matrix is a LinAlgError; PyTorch reads its lower triangle", () => {
  const { input, eigenvalues, lowerEigenvalues } = fixture.nonSymmetric;
  const a = f64(input);
  assert.throws(
    () => linalg.eigh(a),
    (e: unknown) =>
      e instanceof LinAlgError && /linalg\.eigh\(\).*not symmetric.*lower triangle/.test(e.message),
  );
  assert.throws(
    () => linalg.eigvalsh(a),
    (e: unknown) => e instanceof LinAlgError && /linalg\.eigvalsh/.test(e.message),
  );
  // what PyTorch computes is the eigh of the matrix its lower triangle describes
  assert.deepEqual(eigenvalues, lowerEigenvalues);
  const low = tril(a).add(mT(tril(a, -1)));
  assertClose(linalg.eigvalsh(low), f64(eigenvalues), { atol: 1e-12 });
});

Deno.test("lstsq fills PyTorch's fields by driver", () => {
  const { a, b, drivers, bVector, vectorSolution } = fixture.lstsqFields;
  for (const [driver, want] of Object.entries(drivers) as [string, Record<string, Nested>][]) {
    const r = linalg.lstsq(f64(a), f64(b), { driver: driver as linalg.LstsqDriver });
    assertClose(r.residuals, f64(want.residuals), { atol: 1e-12, message: driver });
    assert.deepEqual(r.rank.toArray(), want.rank, driver);
    assertClose(r.singularValues, f64(want.singularValues), { atol: 1e-12, message: driver });
  }
  assertClose(linalg.lstsq(f64(a), f64(bVector)).solution, f64(vectorSolution), { atol: 1e-12 });
  const { a: low, pinv, rank } = fixture.rankDeficient;
  assertClose(linalg.pinv(f64(low)), f64(pinv), { atol: 1e-10 });
  assert.equal(linalg.lstsq(f64(low), f64([[1], [2], [3], [4]])).rank.item(), rank);
});

Deno.test("factorization identities hold on random batches, float32 and float64", () => {
  manualSeed(7);
  for (const dtype of ["float64", "float32"] as const) {
    const tol = dtype === "float64" ? 1e-11 : 2e-5;
    for (const [m, n] of [[5, 3], [3, 5], [4, 4]]) {
      const a = randn([2, m, n], { dtype });
      const eye = (k: number) =>
        tensor(
          Array.from(
            { length: k },
            (_, i) => Array.from({ length: k }, (_, j) => (i === j ? 1 : 0)),
          ),
          { dtype },
        );
      const { U, S, Vh } = linalg.svd(a);
      assert.deepEqual([U.shape, S.shape, Vh.shape], [[2, m, m], [2, Math.min(m, n)], [2, n, n]]);
      assertClose(matmul(mT(U), U), eye(m).expand([2, m, m]), { atol: tol });
      assertClose(matmul(Vh, mT(Vh)), eye(n).expand([2, n, n]), { atol: tol });
      const thin = linalg.svd(a, { fullMatrices: false });
      assertClose(matmul(thin.U.mul(thin.S.unsqueeze(-2)), thin.Vh), a, { atol: tol });
      const sv = S.toTypedArray();
      for (let i = 1; i < Math.min(m, n); i++) assert.ok(sv[i] <= sv[i - 1]);
      const { Q, R } = linalg.qr(a);
      assertClose(matmul(Q, R), a, { atol: tol });
      assertClose(R, R.triu(), { atol: 0 });
      const full = linalg.qr(a, "complete");
      assertClose(matmul(full.Q, full.R), a, { atol: tol });
      assertClose(matmul(mT(full.Q), full.Q), eye(m).expand([2, m, m]), { atol: tol });
      assert.deepEqual(linalg.qr(a, "r").Q.shape, [0]);
      const p = linalg.pinv(a);
      assertClose(matmul(matmul(a, p), a), a, { atol: tol * 10 });
    }
    const s = sym(randn([3, 4, 4], { dtype }));
    const { eigenvalues: l, eigenvectors: v } = linalg.eigh(s);
    assertClose(matmul(v.mul(l.unsqueeze(-2)), mT(v)), s, { atol: tol });
  }
});

Deno.test("third-order gradchecks, reverse and forward mode, on invariant functions", () => {
  manualSeed(11);
  const a = randn([4, 3], { dtype: "float64" });
  const sq = randn([3, 3], { dtype: "float64" });
  const w = randn([3, 3], { dtype: "float64" });
  const checks: [string, (x: Tensor) => Tensor, Tensor][] = [
    [
      "eigh",
      (x) =>
        linalg.eigh(sym(x)).eigenvectors.pow(2).mul(w).sum().add(
          linalg.eigvalsh(sym(x)).pow(3).sum(),
        ),
      sq,
    ],
    [
      "svd",
      (x) =>
        matmul(linalg.svd(x, { fullMatrices: false }).U, linalg.svd(x, { fullMatrices: false }).Vh)
          .sin(),
      a,
    ],
    ["svdvals wide", (x) => linalg.svdvals(mT(x)).exp(), a],
    ["qr", (x) => linalg.qr(x).Q.mul(linalg.qr(x).R.sum()), a],
    ["qr wide", (x) => linalg.qr(mT(x)).R.cos(), a],
    ["pinv", (x) => linalg.pinv(x), a],
    ["nuclear norm", (x) => linalg.matrixNorm(x, "nuc"), a],
  ];
  for (const [name, f, x] of checks) assert.ok(gradcheck(f, [x], { order: 3 }), name);
});

Deno.test("vmap over the decompositions gives the per-example results", () => {
  manualSeed(12);
  const a = randn([3, 4, 3], { dtype: "float64" });
  assertClose(vmap((x: Tensor) => linalg.svdvals(x))(a), linalg.svdvals(a));
  assertClose(vmap((x: Tensor) => linalg.pinv(x))(a), linalg.pinv(a), { atol: 1e-12 });
  const s = sym(randn([3, 3, 3], { dtype: "float64" }));
  assertClose(vmap((x: Tensor) => linalg.eigvalsh(x))(s), linalg.eigvalsh(s));
  // per-example gradients of the largest eigenvalue: v vᵀ
  const g = vmap(grad((x: Tensor) => linalg.eigvalsh(x).max()))(s);
  const v = slice(linalg.eigh(s).eigenvectors, -1, 2, 3);
  assertClose(g, matmul(v, mT(v)), { atol: 1e-12 });
  assertClose(vmap((x: Tensor) => linalg.qr(x).R)(a), linalg.qr(a).R, { atol: 1e-12 });
});

Deno.test("degenerate spectra: repeated eigenvalues and singular values", () => {
  const eye3 = f64([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  // the first derivative of the eigenvalues is finite at a repeated eigenvalue: the sum of
  // the eigenvalues is the trace, with gradient I
  assertClose(grad((x: Tensor) => linalg.eigvalsh(sym(x)).sum())(eye3.mul(2)), eye3);
  // eigenvectors at a repeated eigenvalue: the invariant projector V Vᵀ = I is constant, and
  // the coupling terms left out keep its gradient finite (PyTorch gives NaN here)
  const g = grad((x: Tensor) => {
    const v = linalg.eigh(sym(x)).eigenvectors;
    return matmul(v, mT(v)).mul(f64([[1, 2, 3], [4, 5, 6], [7, 8, 9]])).sum();
  })(eye3);
  assertClose(g, eye3.mul(0), { atol: 1e-12 });
  // the nuclear norm of an orthogonal matrix (all singular values 1): gradient U Vᵀ = A
  const rot = f64([[0.6, -0.8], [0.8, 0.6]]);
  assertClose(grad((x: Tensor) => linalg.matrixNorm(x, "nuc"))(rot), rot, { atol: 1e-12 });
  // pinv at repeated singular values goes through QR, whose derivative holds there:
  // pinv(A) = A⁻¹ for an invertible A, so the derivatives agree with inv's
  const f = (x: Tensor) => linalg.pinv(x).mul(f64([[1, 2], [3, 4]])).sum();
  const h = (x: Tensor) => linalg.inv(x).mul(f64([[1, 2], [3, 4]])).sum();
  assertClose(grad(f)(rot), grad(h)(rot), { atol: 1e-12 });
  const sq = (k: (x: Tensor) => Tensor) => (x: Tensor) => grad(k)(x).pow(2).sum();
  assertClose(grad(sq(f))(rot), grad(sq(h))(rot), { atol: 1e-10 });
  // svdvals of a rank-deficient matrix: finite gradient u₁v₁ᵀ for the top singular value
  const low = f64([[1, 2], [2, 4]]);
  const gs = grad((x: Tensor) => linalg.svdvals(x).sum())(low);
  assert.ok(gs.toTypedArray().every(Number.isFinite));
});

Deno.test("spectral functions reject bad input with typed errors naming the function", () => {
  assert.throws(
    () => linalg.eigh(f64([1, 2])),
    (e: unknown) => e instanceof ShapeError && /linalg\.eigh/.test(e.message),
  );
  assert.throws(() => linalg.eigh(f64([[1, 2, 3], [4, 5, 6]])), ShapeError);
  // as PyTorch: the SVD (and pinv and the spectral norms through it) refuses NaN
  for (const f of [linalg.svdvals, linalg.pinv, (x: Tensor) => linalg.matrixNorm(x, "nuc")]) {
    assert.throws(
      () => f(f64([[1, NaN], [2, 3]])),
      (e: unknown) => e instanceof LinAlgError && /linalg\.svd.*NaN or infinite/.test(e.message),
    );
  }
  assert.throws(
    () => linalg.eigvalsh(f64([[1, NaN], [NaN, 1]])),
    (e: unknown) => e instanceof LinAlgError && /linalg\.eigvalsh.*NaN or infinite/.test(e.message),
  );
  assert.throws(
    () => linalg.svd(tensor([[1, 2], [3, 4]], { dtype: "int64" })),
    (e: unknown) => e instanceof DtypeError && /linalg\.svd/.test(e.message),
  );
  assert.throws(
    () => linalg.qr(f64([[1]]), "full" as never),
    (e: unknown) => e instanceof TypeError && /linalg\.qr/.test(e.message),
  );
  assert.throws(
    () => linalg.matrixNorm(f64([[1]]), 3),
    (e: unknown) => e instanceof RangeError && /linalg\.matrixNorm/.test(e.message),
  );
  assert.throws(() => linalg.matrixNorm(f64([[1]]), "fro", [0, 0]), ShapeError);
  assert.throws(
    () => linalg.lstsq(f64([[1, 2], [3, 4]]), f64([1, 2, 3])),
    (e: unknown) => e instanceof ShapeError && /linalg\.lstsq/.test(e.message),
  );
  assert.throws(() => linalg.lstsq(f64([[1]]), f64([[1]]), { driver: "x" as never }), TypeError);
});

Deno.test("the kernels on larger and clustered inputs match PyTorch", () => {
  const l = fixture.large;
  assertClose(linalg.eigvalsh(f64(l.symmetric)), f64(l.eigenvalues), { atol: 1e-12 });
  const c = f64(l.clustered);
  assertClose(linalg.eigvalsh(c), f64(l.clusteredEigenvalues), { atol: 1e-12 });
  const v = linalg.eigh(c).eigenvectors;
  const n = v.shape[0];
  const eye = f64(
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => +(i === j))),
  );
  assertClose(matmul(mT(v), v), eye, { atol: 1e-12 });
  assertClose(linalg.svdvals(f64(l.tall)), f64(l.singularValues), { atol: 1e-12 });
  assertClose(linalg.qr(f64(l.tall)).R, f64(l.R), { atol: 1e-12 });
});
