/**
 * Tests of `dot`, `outer`, `einsum` and the `linalg` namespace (`inv`, `det`, `slogdet`,
 * `solve`, `cholesky`): values, first and second derivatives and grad_fn names against
 * PyTorch 1.13 (fixture from `tests/fixtures/gen_linalg.py`), third-order derivative
 * properties in reverse and forward mode on random well-conditioned matrices (and for det at
 * singular ones), einsum against explicit matmul/sum compositions and a brute-force sum over
 * random equations, float32 results against float64 ones rounded once, the private
 * triangular solve, and the errors for bad arguments.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import * as tg from "../../mod.ts";
import { DtypeError, LinAlgError, ShapeError, type Tensor } from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import { apply } from "../../src/autograd/dispatch.ts";
import { checkDerivatives, property, tensorArb } from "../support/props.ts";
import data from "../fixtures/linalg.json" with { type: "json" };

type Fn = (...xs: Tensor[]) => Tensor;
type Nested = tg.NestedArray;

const f64 = (v: unknown, requiresGrad = false): Tensor =>
  tg.tensor(v as Nested, { dtype: "float64", requiresGrad });
const sym = (x: Tensor): Tensor => x.add(x.transpose(-1, -2)).div(2);
const eye = (n: number): Tensor => tg.eye(n, n, { dtype: "float64" });

/** The same cases as gen_linalg.py, by id. */
const CASES: Record<string, Fn> = {
  dot: tg.dot,
  outer: tg.outer,
  einsum_matmul: (a, b) => tg.einsum("ij,jk->ik", a, b),
  einsum_trace: (a) => tg.einsum("ii", a),
  einsum_diagonal: (a) => tg.einsum("ii->i", a),
  einsum_batch_matmul: (a, b) => tg.einsum("bij,bjk->bik", a, b),
  einsum_implicit: (a, b) => tg.einsum("kj,ji", a, b),
  einsum_bilinear: (x, a, y) => tg.einsum("bn,anm,bm->ba", x, a, y),
  einsum_outer3: (a, b, c) => tg.einsum("i,j,k->ijk", a, b, c),
  einsum_permute_sum: (a) => tg.einsum("ijk->ki", a),
  einsum_ellipsis_broadcast: (a, b) => tg.einsum("...ij,...jk->...ik", a, b),
  einsum_ellipsis_transpose: (a) => tg.einsum("...ij->...ji", a),
  einsum_repeated_3: (a) => tg.einsum("iii->i", a),
  einsum_diag_times: (a, b) => tg.einsum("ii,ij->j", a, b),
  einsum_frobenius: (a, b) => tg.einsum("ij,ij->", a, b),
  einsum_ellipsis_summed: (a, b) => tg.einsum("...i,...i->i", a, b),
  einsum_label_broadcast: (a, b) => tg.einsum("bi,bi->i", a, b),
  einsum_label_broadcast_batch: (a, b) => tg.einsum("bij,bjk->bik", a, b),
  einsum_chain: (a, b, c) => tg.einsum("ij,jk,kl->il", a, b, c),
  einsum_vecmat_implicit: (a, b) => tg.einsum("ba,b", a, b),
  inv: tg.linalg.inv,
  inv_batched: tg.linalg.inv,
  inv_pivoting: tg.linalg.inv,
  det: tg.linalg.det,
  det_negative: tg.linalg.det,
  det_batched: tg.linalg.det,
  det_1x1: tg.linalg.det,
  det_near_singular: tg.linalg.det,
  det_near_singular_3: tg.linalg.det,
  slogdet_logabsdet: (a) => tg.linalg.slogdet(a).logabsdet,
  slogdet_sign: (a) => tg.linalg.slogdet(a).sign,
  solve_vector: tg.linalg.solve,
  solve_matrix: tg.linalg.solve,
  solve_batched: tg.linalg.solve,
  solve_batched_vector: tg.linalg.solve,
  solve_broadcast: tg.linalg.solve,
  solve_broadcast_a: tg.linalg.solve,
  cholesky: (a) => tg.linalg.cholesky(sym(a)),
  cholesky_batched: (a) => tg.linalg.cholesky(sym(a)),
  cholesky_direct: tg.linalg.cholesky,
};

/**
 * Where our grad_fn name differs from PyTorch's: PyTorch's einsum takes diagonals with a
 * strided view and ends in a permute, where ours ends in the diagonal; and a contracted label
 * broadcast from size 1 is summed on its own side (`Σ_l a·b = a · Σ_l b`), leaving a
 * product without contraction, where PyTorch still runs bmm. Every other case, einsum's
 * included, has PyTorch's name.
 */
const NAME_EXCEPTIONS: Record<string, string> = {
  einsum_diagonal: "DiagonalBackward0",
  einsum_repeated_3: "DiagonalBackward0",
  einsum_ellipsis_summed: "MulBackward0",
  einsum_label_broadcast: "MulBackward0",
};

Deno.test("dot, outer, einsum and linalg match PyTorch's values, gradients, second derivatives and grad_fn names", async (t) => {
  assert.equal(data.cases.length, Object.keys(CASES).length);
  for (const c of data.cases) {
    await t.step(c.id, () => {
      const fn = CASES[c.id];
      assert.ok(fn, `no case ${c.id}`);
      const xs = c.inputs.map((v) => f64(v, true));
      const out = fn(...xs);
      assertClose(out, c.out as Nested, { atol: 1e-12, rtol: 1e-10, message: `${c.id}: value` });
      assert.equal(out.gradFn?.name, NAME_EXCEPTIONS[c.id] ?? c.gradFn, `${c.id}: grad_fn`);
      const w = f64(c.w);
      const loss = (...ys: Tensor[]) => tg.sum(tg.mul(fn(...ys), w));
      const firstGrads = (...ys: Tensor[]) => tg.grad(loss, { argnums: c.diff })(...ys);
      const inputs = c.inputs.map((v) => f64(v));
      firstGrads(...inputs).forEach((g, i) =>
        assertClose(g, c.grads[i] as Nested, {
          atol: 1e-10,
          rtol: 1e-8,
          message: `${c.id}: grad ${i}`,
        })
      );
      if (c.ggrads !== undefined) {
        const v = (c.v ?? []).map((x) => f64(x));
        const second = (...ys: Tensor[]) =>
          firstGrads(...ys).reduce((s: Tensor, g, i) => s.add(tg.sum(tg.mul(g, v[i]))), f64(0));
        tg.grad(second, { argnums: c.diff })(...inputs).forEach((g, i) =>
          assertClose(g, c.ggrads[i] as Nested, {
            atol: 1e-9,
            rtol: 1e-7,
            message: `${c.id}: second derivative ${i}`,
          })
        );
      }
    });
  }
});

Deno.test("det and slogdet at a singular matrix, and slogdet where det underflows, match PyTorch", () => {
  const { det_singular: ds, slogdet_singular: ss, slogdet_underflow: su } = data.extra;
  assert.equal(Math.abs(tg.linalg.det(f64(ds.input)).item()), Math.abs(ds.out));
  const s = tg.linalg.slogdet(f64(ss.input));
  assert.equal(Math.abs(s.sign.item()), Math.abs(ss.sign));
  assert.equal(s.logabsdet.item(), ss.logabsdet === "-inf" ? -Infinity : Number(ss.logabsdet));
  const big = eye(su.n).mul(su.scale);
  const u = tg.linalg.slogdet(big);
  assert.equal(u.sign.item(), su.sign);
  assertClose(u.logabsdet, su.logabsdet, { atol: 0, rtol: 1e-13 });
  assert.equal(Math.abs(tg.linalg.det(big).item()), Math.abs(su.det));
});

Deno.test("det differentiates at singular matrices through the cofactors, to third order", () => {
  // PyTorch 1.13 returns zeros here; the derivative of det is the cofactor matrix (adj Aᵀ)
  const rank1 = f64([[1, 2], [2, 4]]);
  assert.deepEqual(tg.grad(tg.linalg.det)(rank1).toArray(), [[4, -2], [-2, 1]]);
  const rank2 = f64([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  const cof = [[-3, 6, -3], [6, -12, 6], [-3, 6, -3]];
  assertClose(tg.grad(tg.linalg.det)(rank2), cof, { atol: 1e-12 });
  // rank n − 2: the adjugate is zero, the second derivative is not
  const rank0 = tg.zeros([3, 3], { dtype: "float64" });
  assert.deepEqual(tg.grad(tg.linalg.det)(rank0).toArray(), tg.zeros([3, 3]).toArray());
  const h = tg.hessian(tg.linalg.det)(f64([[1, 0, 0], [0, 0, 0], [0, 0, 0]]));
  // ∂²det/∂a22∂a33 = a11 = 1
  assert.equal(h.index(2, 2, 1, 1).item(), 1);
  assert.ok(h.toTypedArray().every((v) => Number.isFinite(v)));
  // a batch with one singular matrix, and derivatives of every order at singular points
  const batch = tg.stack([rank1, f64([[2, 1], [1, 3]])]);
  checkDerivatives((x) => probe(tg.linalg.det(x)), batch);
  checkDerivatives((x) => tg.linalg.det(x), rank2);
  checkDerivatives((x) => tg.linalg.det(x), rank0);
  // beyond 32×32 the minors are too many: a clear error instead
  assert.throws(
    () => tg.grad(tg.linalg.det)(tg.zeros([33, 33], { dtype: "float64" })),
    (e: unknown) =>
      e instanceof LinAlgError && /linalg\.det\(\).*singular.*\[33, 33\].*32/.test(e.message),
  );
});

Deno.test("slogdet's gradient at a singular matrix raises a LinAlgError naming linalg.slogdet", () => {
  assert.throws(
    () => tg.grad((x: Tensor) => tg.linalg.slogdet(x).logabsdet)(f64([[1, 2], [2, 4]])),
    (e: unknown) => e instanceof LinAlgError && /linalg\.slogdet\(\).*singular/.test(e.message),
  );
});

// ---- closed forms ------------------------------------------------------------------------

Deno.test("inv, det, slogdet, solve and cholesky satisfy their defining identities on random batches", () => {
  property(
    fc.tuple(
      fc.constantFrom<number[]>([], [2], [2, 1]),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
    ).chain(([batch, n, k]) =>
      fc.tuple(tensorArb([...batch, n, n], -0.5, 0.5), tensorArb([...batch, n, k]))
    ),
    ([m, b]) => {
      const n = m.shape[m.ndim - 1];
      const a = m.add(eye(n).mul(n));
      const spd = tg.matmul(m, m.transpose(-1, -2)).add(eye(n).mul(n));
      assertClose(tg.matmul(a, tg.linalg.inv(a)), eye(n).expand(a.shape), { atol: 1e-12 });
      assertClose(tg.matmul(a, tg.linalg.solve(a, b)), b, { atol: 1e-12 });
      const { sign, logabsdet } = tg.linalg.slogdet(a);
      assertClose(tg.linalg.det(a), sign.mul(logabsdet.exp()), { atol: 1e-12, rtol: 1e-12 });
      const l = tg.linalg.cholesky(spd);
      assertClose(tg.matmul(l, l.transpose(-1, -2)), spd, { atol: 1e-12 });
      // L is lower triangular with a positive diagonal
      const lv = l.toTypedArray();
      for (let i = 0; i < l.numel; i++) {
        const r = Math.floor(i / n) % n, c = i % n;
        if (c > r) assert.equal(lv[i], 0);
        if (c === r) assert.ok(lv[i] > 0);
      }
    },
    20,
  );
});

Deno.test("det of triangular and permuted matrices is the signed product of the diagonal", () => {
  const u = f64([[2, 5, -1], [0, -3, 4], [0, 0, 0.5]]);
  assert.equal(tg.linalg.det(u).item(), -3);
  // swapping two rows flips the sign; pivoting handles a zero leading entry
  const p = f64([[0, -3, 4], [2, 5, -1], [0, 0, 0.5]]);
  assertClose(tg.linalg.det(p), 3, { atol: 1e-14 });
  assert.equal(tg.linalg.slogdet(p).sign.item(), 1);
  assert.equal(tg.linalg.det(f64([[7]])).item(), 7);
});

Deno.test("float32 inputs stay float32 and are computed in float64 inside", () => {
  const a = tg.tensor([[4, 1], [1, 3]]);
  assert.equal(tg.linalg.inv(a).dtype, "float32");
  assert.equal(tg.linalg.det(a).dtype, "float32");
  assert.equal(tg.linalg.cholesky(a).dtype, "float32");
  assert.equal(tg.linalg.solve(a, tg.tensor([1, 2])).dtype, "float32");
  assertClose(tg.linalg.det(a), 11, { atol: 1e-6 });
  // mixed dtypes promote to float64, as torch.linalg.solve
  assert.equal(tg.linalg.solve(a, f64([1, 2])).dtype, "float64");
  // float64 inside: a float32 result is the float64 result rounded once
  property(tensorArb([6, 6], -0.5, 0.5), (m) => {
    const spd64 = tg.matmul(m, m.transpose(-1, -2)).add(eye(6).mul(6));
    const spd32 = spd64.to("float32");
    const exact = spd32.to("float64"); // the same values, held in float64
    const rounded = (t: Tensor) => Array.from(t.toTypedArray() as Float64Array, Math.fround);
    const same = (t32: Tensor, t64: Tensor, what: string) =>
      assert.deepEqual(Array.from(t32.toTypedArray() as Float32Array), rounded(t64), what);
    same(tg.linalg.cholesky(spd32), tg.linalg.cholesky(exact), "cholesky");
    same(tg.linalg.inv(spd32), tg.linalg.inv(exact), "inv");
    same(tg.linalg.det(spd32), tg.linalg.det(exact), "det");
    same(tg.linalg.slogdet(spd32).logabsdet, tg.linalg.slogdet(exact).logabsdet, "slogdet");
    const b = exact.index("...", 0);
    same(tg.linalg.solve(spd32, b.to("float32")), tg.linalg.solve(exact, b), "solve");
  }, 10);
});

Deno.test("the Tensor methods dot, outer, det, inverse, cholesky and slogdet are the functions", () => {
  const v = f64([1, 2, 3]);
  const a = f64([[4, 2], [2, 3]]);
  assert.equal(v.dot(v).item(), 14);
  assert.deepEqual(v.outer(f64([1, -1])).toArray(), [[1, -1], [2, -2], [3, -3]]);
  assert.equal(a.det().item(), 8);
  assertClose(a.inverse(), [[3 / 8, -2 / 8], [-2 / 8, 4 / 8]], { atol: 1e-15 });
  assertClose(a.cholesky(), [[2, 0], [1, Math.SQRT2]], { atol: 1e-15 });
  assert.equal(a.neg().slogdet().sign.item(), 1);
  assertClose(a.slogdet().logabsdet, Math.log(8), { atol: 1e-15 });
});

// ---- einsum against explicit compositions ------------------------------------------------

Deno.test("einsum equals explicit matmul, mul and sum compositions over random sizes", () => {
  const d = fc.integer({ min: 1, max: 3 });
  property(
    fc.tuple(d, d, d, d).chain(([b, i, j, k]) =>
      fc.tuple(
        tensorArb([b, i, j]),
        tensorArb([b, j, k]),
        tensorArb([i, i]),
        tensorArb([j]),
      )
    ),
    ([x, y, sq, v]) => {
      const close = (a: Tensor, e: Tensor) => assertClose(a, e, { atol: 1e-12, rtol: 1e-12 });
      close(tg.einsum("bij,bjk->bik", x, y), tg.matmul(x, y));
      // implicit output: the labels that appear once, sorted ("ik"); b is summed
      close(tg.einsum("bij,bjk", x, y), tg.sum(tg.matmul(x, y), 0));
      close(tg.einsum("bij,bjk->ik", x, y), tg.sum(tg.matmul(x, y), 0));
      close(tg.einsum("bij,bjk->", x, y), tg.sum(tg.matmul(x, y)));
      close(tg.einsum("bij->bji", x), x.transpose(-1, -2));
      close(tg.einsum("...ij->...ji", x), x.transpose(-1, -2));
      close(tg.einsum("bij,j->bi", x, v), tg.matmul(x, v));
      close(tg.einsum("bij,j", x, v), tg.matmul(x, v));
      close(tg.einsum("bij,bij->b", x, x), tg.sum(tg.mul(x, x), [1, 2]));
      close(tg.einsum("ii", sq), tg.sum(tg.mul(sq, eye(sq.shape[0]))));
      close(tg.einsum("ii->i", sq), tg.sum(tg.mul(sq, eye(sq.shape[0])), 1));
      close(tg.einsum("j,j->", v, v), tg.dot(v, v));
      close(tg.einsum("i,j->ij", v, v), tg.outer(v, v));
      close(tg.einsum("ij->", sq), tg.sum(sq));
    },
    20,
  );
});

/** Einstein summation by brute force over every assignment of the labels (the reference). */
function naiveEinsum(terms: string[], out: string, xs: Tensor[], size: Record<string, number>) {
  const labels = [...new Set([...terms.join(""), ...out])];
  const result = new Float64Array(out.split("").reduce((p, l) => p * size[l], 1));
  const at: Record<string, number> = {};
  const offset = (term: string, shape: readonly number[]) =>
    term.split("").reduce((o, l, d) => o * shape[d] + (shape[d] === 1 ? 0 : at[l]), 0);
  const visit = (k: number): void => {
    if (k === labels.length) {
      let p = 1;
      xs.forEach((x, i) => (p *= x.toTypedArray()[offset(terms[i], x.shape)] as number));
      result[offset(out, out.split("").map((l) => size[l]))] += p;
      return;
    }
    for (let v = 0; v < size[labels[k]]; v++) {
      at[labels[k]] = v;
      visit(k + 1);
    }
  };
  visit(0);
  return result;
}

Deno.test("einsum matches a brute-force sum on random equations, broadcasting included", () => {
  const letters = ["a", "b", "c", "d"];
  const checked = new Set<string>();
  const termArb = fc.subarray(letters, { minLength: 1, maxLength: 3 }).chain((ls) =>
    fc.shuffledSubarray(ls, { minLength: ls.length, maxLength: ls.length })
  );
  property(
    fc.tuple(
      fc.array(termArb, { minLength: 1, maxLength: 3 }),
      fc.array(fc.integer({ min: 2, max: 3 }), { minLength: 4, maxLength: 4 }),
      fc.array(fc.integer({ min: 0, max: 4 }).map((k) => k === 0), { minLength: 9, maxLength: 9 }),
      fc.boolean(),
      fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    ).chain(([terms, sizes, ones, implicit, keep]) => {
      const size: Record<string, number> = {};
      letters.forEach((l, i) => (size[l] = sizes[i]));
      // some operand dims of size 1 broadcast against the label's size
      let bit = 0;
      const shapes = terms.map((t) => t.map((l) => (ones[bit++ % 9] ? 1 : size[l])));
      const used = letters.filter((l) => terms.some((t) => t.includes(l)));
      const counts = (l: string) => terms.reduce((c, t) => c + (t.includes(l) ? 1 : 0), 0);
      const out = implicit
        ? used.filter((l) => counts(l) === 1)
        : used.filter((_, i) => keep[i]).reverse();
      return fc.tuple(
        fc.constant(terms.map((t) => t.join(""))),
        fc.constant(out.join("")),
        fc.constant(implicit),
        fc.constant(size),
        fc.tuple(...shapes.map((sh) => tensorArb(sh))),
      );
    }),
    ([terms, out, implicit, size, xs]) => {
      // a label's size is the largest one its operands give (1 broadcasts)
      const actual: Record<string, number> = {};
      terms.forEach((t, i) =>
        t.split("").forEach((l, d) => (actual[l] = Math.max(actual[l] ?? 1, xs[i].shape[d])))
      );
      Object.keys(size).forEach((l) => (actual[l] ??= size[l]));
      const equation = terms.join(",") + (implicit ? "" : `->${out}`);
      const y = tg.einsum(equation, ...xs);
      assert.deepEqual(y.shape, out.split("").map((l) => actual[l]), equation);
      const ref = naiveEinsum(terms, out, xs, actual);
      if (equation.length > 0) checked.add(equation);
      assertClose(y, tg.tensor(Array.from(ref), { dtype: "float64", shape: y.shape }), {
        atol: 1e-12,
        message: equation,
      });
    },
    150,
  );
  assert.ok(checked.size > 100);
});

Deno.test("einsum differentiates to third order in reverse and forward mode", () => {
  const d = fc.integer({ min: 1, max: 3 });
  property(
    fc.tuple(d, d, d).chain(([i, j, k]) =>
      fc.tuple(tensorArb([i, j]), tensorArb([j, k]), tensorArb([j, j]), tensorArb([2, 1, j]))
    ),
    ([a, b, s, e]) => {
      checkDerivatives((x, y) => probe(tg.einsum("ij,jk->ik", x, y)), [a, b]);
      checkDerivatives((x, y) => tg.einsum("ij,jk,ij->", x, y, x), [a, b]);
      checkDerivatives((x) => probe(tg.einsum("ii->i", x)), s);
      checkDerivatives((x, y) => probe(tg.einsum("...ij,jk->...ik", x, y)), [e, b]);
    },
    16,
  );
});

// ---- third-order derivative properties ---------------------------------------------------

/** A fixed-weight reduction of a tensor to a scalar, so every output entry is checked. */
function probe(y: Tensor): Tensor {
  const n = y.numel;
  const w = tg.tensor(Array.from({ length: n }, (_, i) => Math.sin(i + 1)), {
    dtype: "float64",
    shape: y.shape,
  });
  return tg.sum(tg.mul(y, w));
}

/** A well-conditioned `[..., n, n]` matrix `M + n·I` and a right-hand side, over random sizes. */
const matrices = fc.tuple(
  fc.constantFrom<number[]>([], [2]),
  fc.integer({ min: 1, max: 4 }),
  fc.integer({ min: 1, max: 2 }),
).chain(([batch, n, k]) =>
  fc.tuple(tensorArb([...batch, n, n], -0.5, 0.5), tensorArb([...batch, n, k]))
);

Deno.test("inv, det and slogdet differentiate to third order in reverse and forward mode", () => {
  property(matrices, ([m]) => {
    const n = m.shape[m.ndim - 1];
    const a = m.add(eye(n).mul(n));
    checkDerivatives((x) => probe(tg.linalg.inv(x)), a);
    checkDerivatives((x) => probe(tg.linalg.det(x)), a);
    checkDerivatives((x) => probe(tg.linalg.slogdet(x).logabsdet), a);
    // a negative determinant: log |det| is smooth through the sign
    checkDerivatives((x) => probe(tg.linalg.slogdet(x.neg()).logabsdet), a);
  }, 20);
});

Deno.test("solve differentiates to third order in both arguments, vector and broadcast cases", () => {
  property(matrices, ([m, b]) => {
    const n = m.shape[m.ndim - 1];
    const a = m.add(eye(n).mul(n));
    checkDerivatives((x, y) => probe(tg.linalg.solve(x, y)), [a, b]);
    const v = b.index("...", 0); // [..., n]: the vector case
    checkDerivatives((x, y) => probe(tg.linalg.solve(x, y)), [a, v]);
    // one A for a batch of right-hand sides
    const a2 = a.ndim === 2 ? a : a.index(0);
    checkDerivatives((x, y) => probe(tg.linalg.solve(x, y)), [a2, b.unsqueeze(0)]);
  }, 20);
});

Deno.test("cholesky differentiates to third order through symmetric perturbations", () => {
  property(matrices, ([m]) => {
    const n = m.shape[m.ndim - 1];
    const spd = tg.matmul(m, m.transpose(-1, -2)).add(eye(n).mul(n));
    checkDerivatives((x) => probe(tg.linalg.cholesky(sym(x))), spd);
    // log det A = 2 Σ log L_ii: the two routes agree to third order
    checkDerivatives((x) => tg.sum(tg.linalg.slogdet(sym(x)).logabsdet), spd);
    const viaL = (x: Tensor) =>
      tg.sum(tg.log(tg.einsum("...ii->...i", tg.linalg.cholesky(sym(x))))).mul(2);
    assertClose(viaL(spd), tg.sum(tg.linalg.slogdet(spd).logabsdet), { atol: 1e-12 });
    checkDerivatives(viaL, spd);
  }, 20);
});

Deno.test("the cholesky gradient is the symmetric one PyTorch returns", () => {
  const a = f64([[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]]);
  const w = f64([[1, 0, 0], [2, 3, 0], [4, 5, 6]]);
  const g = tg.grad((x: Tensor) => tg.sum(tg.mul(tg.linalg.cholesky(x), w)))(a);
  assertClose(g, g.transpose(-1, -2), { atol: 1e-15 });
  // only the lower triangle is read, as PyTorch: the upper one does not change the value
  const upper = f64([[0, 9, 9], [0, 0, 9], [0, 0, 0]]);
  assertClose(tg.linalg.cholesky(a.add(upper)), tg.linalg.cholesky(a), { atol: 0 });
});

Deno.test("cholesky's forward mode is the adjoint of its symmetric reverse mode for any tangent", () => {
  property(
    fc.integer({ min: 1, max: 4 }).chain((n) =>
      fc.tuple(tensorArb([n, n], -0.5, 0.5), tensorArb([n, n]), tensorArb([n, n]))
    ),
    ([m, t, g]) => {
      const n = m.shape[0];
      const spd = tg.matmul(m, m.transpose(-1, -2)).add(eye(n).mul(n));
      // ⟨G, J·T⟩ = ⟨Jᵀ·G, T⟩ even for a non-symmetric tangent T
      const [, jt] = tg.jvp(tg.linalg.cholesky, [spd], [t]);
      const [, pullback] = tg.vjp(tg.linalg.cholesky, spd);
      const [jg] = pullback(g);
      assertClose(tg.sum(tg.mul(g, jt)), tg.sum(tg.mul(jg, t)).item(), { atol: 1e-12 });
    },
    20,
  );
});

// ---- the private triangular solve behind the cholesky rules ------------------------------

/** `M⁻¹B` for `M` the lower (or upper) triangle of `t`, transposed when `trans`. */
const trsolve = (t: Tensor, b: Tensor, lower: boolean, trans: boolean): Tensor =>
  apply("triangularSolve", [t, b], { lower, trans, op: "test" });

Deno.test("the triangular solve reads one triangle and differentiates to third order", () => {
  property(
    fc.tuple(fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.boolean()).chain((
      [n, lower, trans],
    ) =>
      fc.tuple(
        tensorArb([2, n, n], -0.5, 0.5),
        tensorArb([2, n, 2]),
        fc.constant(lower),
        fc.constant(trans),
      )
    ),
    ([m, b, lower, trans]) => {
      const n = m.shape[1];
      const t = m.add(eye(n).mul(2)); // both triangles filled; only one is read
      const mask = tg.tensor(
        Array.from({ length: n * n }, (_, k) => {
          const i = Math.floor(k / n), j = k % n;
          return (lower ? j <= i : j >= i) ? 1 : 0;
        }),
        { dtype: "float64", shape: [n, n] },
      );
      const tri = t.mul(mask);
      const dense = trans ? tri.transpose(-1, -2) : tri;
      assertClose(trsolve(t, b, lower, trans), tg.linalg.solve(dense, b), { atol: 1e-12 });
      checkDerivatives((x, y) => probe(trsolve(x, y, lower, trans)), [t, b]);
    },
    16,
  );
});

// ---- errors ------------------------------------------------------------------------------

Deno.test("bad arguments raise typed errors naming the op and the shapes", () => {
  const sq = f64([[1, 2], [2, 4]]);
  const rect = f64([[1, 2, 3], [4, 5, 6]]);
  const cases: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
    ["dot of 2-D", () => tg.dot(rect, rect), ShapeError, /dot\(\).*\[2, 3\]/],
    ["dot of two lengths", () => tg.dot(f64([1, 2]), f64([1, 2, 3])), ShapeError, /\[2\].*\[3\]/],
    ["outer of 2-D", () => tg.outer(rect, f64([1])), ShapeError, /outer\(\).*\[2, 3\]/],
    ["inv of non-square", () => tg.linalg.inv(rect), ShapeError, /linalg\.inv\(\).*\[2, 3\]/],
    ["inv of 1-D", () => tg.linalg.inv(f64([1, 2])), ShapeError, /linalg\.inv\(\).*\[2\]/],
    [
      "inv of singular",
      () => tg.linalg.inv(sq),
      LinAlgError,
      /linalg\.inv\(\).*\[2, 2\].*singular/,
    ],
    [
      "inv of one singular matrix in a batch",
      () => tg.linalg.inv(tg.stack([eye(2), sq])),
      LinAlgError,
      /linalg\.inv\(\).*batch index 1.*singular/,
    ],
    [
      "inv of integers",
      () => tg.linalg.inv(tg.tensor([[1, 0], [0, 1]], { dtype: "int64" })),
      DtypeError,
      /linalg\.inv\(\).*int64/,
    ],
    ["det of non-square", () => tg.linalg.det(rect), ShapeError, /linalg\.det\(\).*\[2, 3\]/],
    [
      "slogdet of non-square",
      () => tg.linalg.slogdet(rect),
      ShapeError,
      /linalg\.slogdet\(\).*\[2, 3\]/,
    ],
    [
      "solve with singular A",
      () => tg.linalg.solve(sq, f64([1, 2])),
      LinAlgError,
      /linalg\.solve\(\).*singular/,
    ],
    [
      "solve with non-square A",
      () => tg.linalg.solve(rect, f64([1, 2])),
      ShapeError,
      /linalg\.solve\(\).*\[2, 3\]/,
    ],
    [
      "solve with a wrong B",
      () => tg.linalg.solve(eye(2), f64([1, 2, 3])),
      ShapeError,
      /linalg\.solve\(\).*\[3\]/,
    ],
    [
      "solve with batches that do not broadcast",
      () => tg.linalg.solve(eye(2).expand([3, 2, 2]), tg.zeros([4, 2, 1], { dtype: "float64" })),
      ShapeError,
      /linalg\.solve.*3.*4|4.*3/,
    ],
    [
      "solve with a non-tensor",
      () => tg.linalg.solve(eye(2), [1, 2] as unknown as Tensor),
      TypeError,
      /linalg\.solve/,
    ],
    [
      "cholesky of non-square",
      () => tg.linalg.cholesky(rect),
      ShapeError,
      /linalg\.cholesky\(\).*\[2, 3\]/,
    ],
    [
      "cholesky of an indefinite matrix",
      () => tg.linalg.cholesky(f64([[1, 2], [2, 1]])),
      LinAlgError,
      /linalg\.cholesky\(\).*not positive-definite.*order 2/,
    ],
    [
      "einsum with too few operands",
      () => tg.einsum("ij,jk->ik", rect),
      ShapeError,
      /einsum\("ij,jk->ik"\).*2 terms but 1/,
    ],
    [
      "einsum with a size mismatch",
      () => tg.einsum("ij,jk->ik", rect, rect),
      ShapeError,
      /einsum.*"j".*3.*2/,
    ],
    [
      "einsum with a wrong label count",
      () => tg.einsum("ijk->i", rect),
      ShapeError,
      /einsum.*"ijk".*\[2, 3\]/,
    ],
    [
      "einsum with an unknown output label",
      () => tg.einsum("ij->k", rect),
      ShapeError,
      /einsum.*"k"/,
    ],
    ["einsum with a bad character", () => tg.einsum("i1->i", rect), ShapeError, /einsum.*"1"/],
    [
      "einsum with a repeated output label",
      () => tg.einsum("ij->ii", rect),
      ShapeError,
      /einsum.*"i" appears twice/,
    ],
    [
      "einsum without an equation",
      () => tg.einsum(3 as unknown as string, rect),
      TypeError,
      /einsum/,
    ],
  ];
  for (const [what, f, type, message] of cases) {
    assert.throws(f, (e: unknown) => {
      assert.ok(e instanceof type, `${what}: ${e}`);
      assert.match((e as Error).message, message, what);
      return true;
    });
  }
});
