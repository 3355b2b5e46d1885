/**
 * Every operation over random shapes and values (fast-check, seeded): values against plain
 * JavaScript references of the mathematics, and first, second and third derivatives against
 * central finite differences in float64, in reverse and in forward mode (`checkDerivatives`).
 * Inputs keep away from kinks and poles, which `tests/ops/ops_torch_test.ts` covers against
 * PyTorch.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import * as tg from "../../mod.ts";
import type { Tensor } from "../../mod.ts";
import {
  broadcastAt,
  broadcastPairArb,
  checkDerivatives,
  property,
  shapeArb,
  tensorArb,
} from "../support/props.ts";
import { inputsOf, UNARY } from "../support/op_catalogue.ts";

const RUNS = 6;

function close(actual: number, expected: number, what: string, tol = 1e-12): void {
  if (Number.isNaN(expected)) {
    assert.ok(Number.isNaN(actual), `${what}: expected NaN, got ${actual}`);
    return;
  }
  const err = Math.abs(actual - expected);
  assert.ok(err <= tol * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

function values(t: Tensor): number[] {
  return [...t.toTypedArray()];
}

/** Row-major strides. */
function strides(shape: readonly number[]): number[] {
  const s = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** 1-D lanes of `x` along `dim`: the flat indices of each lane. */
function lanes(shape: readonly number[], dim: number): number[][] {
  const st = strides(shape);
  const n = shape.reduce((a, b) => a * b, 1);
  const out: number[][] = [];
  for (let flat = 0; flat < n; flat++) {
    if (Math.floor(flat / st[dim]) % shape[dim] !== 0) continue;
    out.push(Array.from({ length: shape[dim] }, (_, k) => flat + k * st[dim]));
  }
  return out;
}

// ---- elementwise, one argument ------------------------------------------------------------

Deno.test("elementwise functions of one argument", async (t) => {
  for (const u of UNARY) {
    await t.step(u.name, () => {
      property(inputsOf(u, 3, 3), (x) => {
        const y = u.f(x);
        assert.deepEqual(y.shape, x.shape);
        const xs = values(x);
        values(y).forEach((v, i) => close(v, u.ref(xs[i]), `${u.name}(${xs[i]})`));
        checkDerivatives((v) => tg.sum(u.f(v)), x);
      }, RUNS);
    });
  }
});

// ---- elementwise, two arguments, broadcasting ---------------------------------------------

type Binary = [
  string,
  (a: Tensor, b: Tensor) => Tensor,
  (a: number, b: number) => number,
  number,
  number,
];
const BINARY: Binary[] = [
  ["add", tg.add, (a, b) => a + b, -2, 2],
  ["sub", tg.sub, (a, b) => a - b, -2, 2],
  ["mul", tg.mul, (a, b) => a * b, -2, 2],
  ["div", tg.div, (a, b) => a / b, 0.3, 2],
  ["pow", tg.pow, (a, b) => a ** b, 0.3, 2],
  ["maximum", tg.maximum, Math.max, -2, 2],
  ["minimum", tg.minimum, Math.min, -2, 2],
  ["atan2", tg.atan2, Math.atan2, 0.2, 2],
  ["where", (a, b) => tg.where(tg.gt(a, 0.5), a, b), (a, b) => (a > 0.5 ? a : b), -2, 2],
];

function pairArb(lo: number, hi: number): fc.Arbitrary<[Tensor, Tensor]> {
  return broadcastPairArb().chain(([sa, sb]) =>
    fc.tuple(tensorArb(sa, lo, hi), tensorArb(sb, lo, hi))
  ).filter(([a, b]) => {
    // keep away from ties (maximum/minimum) and from where's switching point
    const out = tg.broadcastTo(a, tg.add(a, b).shape);
    const bb = tg.broadcastTo(b, out.shape);
    const av = values(out);
    const bv = values(bb);
    return av.every((v, i) => Math.abs(v - bv[i]) > 0.02 && Math.abs(v - 0.5) > 0.02);
  });
}

Deno.test("elementwise functions of two arguments, broadcasting", async (t) => {
  for (const [name, f, ref, lo, hi] of BINARY) {
    await t.step(name, () => {
      property(pairArb(lo, hi), ([a, b]) => {
        const y = f(a, b);
        const av = values(a);
        const bv = values(b);
        values(y).forEach((v, i) => {
          const x1 = broadcastAt(av, a.shape, y.shape, i);
          const x2 = broadcastAt(bv, b.shape, y.shape, i);
          close(v, ref(x1, x2), `${name}(${x1}, ${x2})`);
        });
        checkDerivatives((x, z) => tg.sum(f(x, z)), [a, b]);
      }, RUNS);
    });
  }
});

// ---- reductions over a random dim -------------------------------------------------------

type Reduction = [
  string,
  (x: Tensor, dim: number, keepdim: boolean) => Tensor,
  (lane: number[]) => number,
];
const mean = (l: number[]) => l.reduce((a, b) => a + b, 0) / l.length;
const REDUCTIONS: Reduction[] = [
  ["sum", (x, d, k) => tg.sum(x, d, k), (l) => l.reduce((a, b) => a + b, 0)],
  ["mean", (x, d, k) => tg.mean(x, d, k), mean],
  ["prod", (x, d, k) => tg.prod(x, d, k), (l) => l.reduce((a, b) => a * b, 1)],
  ["amax", (x, d, k) => tg.amax(x, d, k), (l) => Math.max(...l)],
  ["amin", (x, d, k) => tg.amin(x, d, k), (l) => Math.min(...l)],
  ["max(dim).values", (x, d, k) => tg.max(x, d, k).values, (l) => Math.max(...l)],
  ["min(dim).values", (x, d, k) => tg.min(x, d, k).values, (l) => Math.min(...l)],
  [
    "logsumexp",
    (x, d, k) => tg.logsumexp(x, d, k),
    (l) => Math.log(l.reduce((a, b) => a + Math.exp(b), 0)),
  ],
  [
    "variance",
    (x, d, k) => tg.variance(x, d, { keepdim: k }),
    (l) => (l.length < 2 ? NaN : l.reduce((a, b) => a + (b - mean(l)) ** 2, 0) / (l.length - 1)),
  ],
  [
    "std (correction 0)",
    (x, d, k) => tg.std(x, d, { keepdim: k, correction: 0 }),
    (l) => Math.sqrt(l.reduce((a, b) => a + (b - mean(l)) ** 2, 0) / l.length),
  ],
  ["norm 2", (x, d, k) => tg.norm(x, 2, d, k), (l) => Math.hypot(...l)],
  ["norm 1", (x, d, k) => tg.norm(x, 1, d, k), (l) => l.reduce((a, b) => a + Math.abs(b), 0)],
  [
    "norm 3",
    (x, d, k) => tg.norm(x, 3, d, k),
    (l) => l.reduce((a, b) => a + Math.abs(b) ** 3, 0) ** (1 / 3),
  ],
];

/**
 * A float64 tensor of `shape` whose values are distinct (at least 3.5/n apart) and away from
 * 0: random values replaced by their ranks on an evenly spaced grid over about [−1.75, 1.75].
 */
function distinctArb(shape: number[]): fc.Arbitrary<Tensor> {
  return tensorArb(shape).map((x) => {
    const v = values(x);
    const order = v.map((_, i) => i).sort((a, b) => v[a] - v[b]);
    const gap = 3.5 / v.length;
    const out = new Array<number>(v.length);
    order.forEach((i, r) => (out[i] = -1.75 + (r + 0.3) * gap));
    return tg.tensor(out, { dtype: "float64", shape });
  });
}

/** A tensor of rank ≥ 1 with distinct values away from 0, a dim of it, and keepdim. */
const withDim = fc.tuple(shapeArb(3, 4).filter((s) => s.length > 0), fc.boolean()).chain(
  ([shape, keepdim]) =>
    fc.tuple(
      distinctArb(shape),
      fc.integer({ min: -shape.length, max: shape.length - 1 }),
      fc.constant(keepdim),
    ),
);

Deno.test("reductions over a random dimension", async (t) => {
  for (const [name, f, ref] of REDUCTIONS) {
    await t.step(name, () => {
      property(withDim, ([x, dim, keepdim]) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        // one element: the variance divides by 0 and std is not differentiable (as PyTorch)
        if ((name.startsWith("variance") || name.startsWith("std")) && x.shape[d] < 2) return;
        const y = f(x, dim, keepdim);
        const expectShape = keepdim
          ? x.shape.map((s, i) => (i === d ? 1 : s))
          : x.shape.filter((_, i) => i !== d);
        assert.deepEqual(y.shape, expectShape);
        const xv = values(x);
        const yv = values(y);
        lanes(x.shape, d).forEach((lane, i) =>
          close(yv[i], ref(lane.map((j) => xv[j])), name, 1e-11)
        );
        checkDerivatives((v) => tg.sum(f(v, dim, keepdim).mul(f(v, dim, keepdim))), x);
      }, RUNS);
    });
  }
});

Deno.test("cumsum, softmax and logSoftmax along a random dimension", async (t) => {
  const along: [string, (x: Tensor, d: number) => Tensor, (l: number[]) => number[]][] = [
    ["cumsum", tg.cumsum, (l) => l.map((_, i) => l.slice(0, i + 1).reduce((a, b) => a + b, 0))],
    ["softmax", tg.softmax, (l) => {
      const s = l.reduce((a, b) => a + Math.exp(b), 0);
      return l.map((v) => Math.exp(v) / s);
    }],
    ["logSoftmax", tg.logSoftmax, (l) => {
      const s = Math.log(l.reduce((a, b) => a + Math.exp(b), 0));
      return l.map((v) => v - s);
    }],
  ];
  for (const [name, f, ref] of along) {
    await t.step(name, () => {
      property(withDim, ([x, dim]) => {
        const d = dim < 0 ? dim + x.ndim : dim;
        const y = f(x, dim);
        const xv = values(x);
        const yv = values(y);
        for (const lane of lanes(x.shape, d)) {
          const r = ref(lane.map((j) => xv[j]));
          lane.forEach((j, k) => close(yv[j], r[k], name));
        }
        const w = tg.cos(tg.arange(x.numel, { dtype: "float64" }).reshape(x.shape));
        checkDerivatives((v) => tg.sum(f(v, dim).mul(w)), x);
      }, RUNS);
    });
  }
});

// ---- shape and indexing -----------------------------------------------------------------

/** A weighted sum with distinct weights: a scalar that sees every element's position. */
function probe(y: Tensor): Tensor {
  const w = tg.sin(tg.arange(y.numel, { dtype: "float64" }).add(1)).reshape(y.shape);
  return tg.sum(y.mul(w).mul(y));
}

Deno.test("shape and indexing operations over random shapes", async (t) => {
  const arb = fc.tuple(shapeArb(3, 4).filter((s) => s.length >= 1), fc.nat(100)).chain(
    ([shape, seed]) => fc.tuple(tensorArb(shape), fc.constant(seed)),
  );
  const cases: [
    string,
    (x: Tensor, seed: number) => Tensor,
    (x: Tensor, y: Tensor, seed: number) => void,
  ][] = [
    ["transpose", (x, s) => tg.transpose(x, s % x.ndim, 0), (x, y, s) => {
      assert.deepEqual(tg.transpose(y, s % x.ndim, 0).toArray(), x.toArray());
    }],
    ["flip", (x, s) => tg.flip(x, [s % x.ndim]), (x, y, s) => {
      assert.deepEqual(tg.flip(y, [s % x.ndim]).toArray(), x.toArray());
    }],
    ["roll", (x, s) => tg.roll(x, s % 5, s % x.ndim), (x, y, s) => {
      const d = s % x.ndim;
      assert.deepEqual(tg.roll(y, -(s % 5), d).toArray(), x.toArray());
    }],
    ["split + cat", (x, s) => tg.cat(tg.split(x, 1 + (s % 3), s % x.ndim), s % x.ndim), (x, y) => {
      assert.deepEqual(y.toArray(), x.toArray());
    }],
    ["stack + index", (x, s) => tg.stack([x, x.mul(2)], s % (x.ndim + 1)), (x, y, s) => {
      const d = s % (x.ndim + 1);
      const spec = Array.from({ length: d }, () => tg.range());
      assert.deepEqual(tg.index(y, ...spec, 1).toArray(), x.mul(2).toArray());
    }],
    [
      "unsqueeze + squeeze + flatten",
      (x, s) => tg.flatten(tg.unsqueeze(x, s % (x.ndim + 1))),
      (x, y) => {
        assert.deepEqual(y.toArray(), values(x));
      },
    ],
    ["slice with a step", (x, s) => tg.slice(x, s % x.ndim, null, null, 2), (x, y, s) => {
      const d = s % x.ndim;
      assert.equal(y.shape[d], Math.ceil(x.shape[d] / 2));
    }],
    ["indexSelect", (x, s) => {
      const d = s % x.ndim;
      const idx = tg.tensor([x.shape[d] - 1, 0, (s * 7) % x.shape[d]], { dtype: "int64" });
      return tg.indexSelect(x, d, idx);
    }, (x, y, s) => {
      const d = s % x.ndim;
      const spec = Array.from({ length: d }, () => tg.range());
      assert.deepEqual(tg.index(y, ...spec, 1).toArray(), tg.index(x, ...spec, 0).toArray());
    }],
    ["gather = take along dim", (x, s) => {
      const d = s % x.ndim;
      const idx = tg.tensor(values(x).map((_, i) => (i * 7 + s) % x.shape[d]), {
        dtype: "int64",
        shape: x.shape,
      });
      return tg.gather(x, d, idx);
    }, (x, y, s) => {
      const d = s % x.ndim;
      const st = strides(x.shape);
      const xv = values(x);
      values(y).forEach((v, i) => {
        const k = (i * 7 + s) % x.shape[d];
        const pos = Math.floor(i / st[d]) % x.shape[d];
        assert.equal(v, xv[i + (k - pos) * st[d]]);
      });
    }],
    [
      "pad constant and replicate",
      (x, s) => tg.pad(tg.pad(x, [1, 2]), [s % 2, 1], "replicate"),
      (x, y, s) => {
        const last = x.ndim - 1;
        assert.equal(y.shape[last], x.shape[last] + 3 + (s % 2) + 1);
        // the replicated edge repeats the constant-padded edge: a zero
        assert.equal(values(tg.index(y.reshape([-1, y.shape[last]]), 0, y.shape[last] - 1))[0], 0);
      },
    ],
  ];
  for (const [name, f, check] of cases) {
    await t.step(name, () => {
      property(arb, ([x, s]) => {
        const y = f(x, s);
        check(x, y, s);
        checkDerivatives((v) => probe(f(v, s)), x, { order: 2 });
      }, RUNS);
    });
  }
});

Deno.test("matmul in every PyTorch case, and linalg on random well-conditioned matrices", async (t) => {
  const dims = fc.integer({ min: 1, max: 3 });
  await t.step("matmul: 1-D, 2-D and broadcast batches against explicit sums", () => {
    property(
      fc.tuple(
        dims,
        dims,
        dims,
        fc.constantFrom<number[]>([], [2], [2, 1]),
        fc.integer({ min: 0, max: 3 }),
      ),
      ([m, k, n, batch, kind]) => {
        const sa = kind === 0 || kind === 2 ? [k] : [...batch, m, k];
        const sb = kind === 0 || kind === 1 ? [k] : [...batch.slice(1), k, n];
        fc.assert(
          fc.property(fc.tuple(tensorArb(sa), tensorArb(sb)), ([a, b]) => {
            const y = tg.matmul(a, b);
            const a2 = a.ndim === 1 ? a.reshape([1, k]) : a;
            const b2 = b.ndim === 1 ? b.reshape([k, 1]) : b;
            const ref = tg.sum(tg.mul(a2.unsqueeze(-1), b2.unsqueeze(-3)), -2);
            assert.deepEqual(values(y).length, ref.numel);
            values(y).forEach((v, i) => close(v, values(ref)[i], "matmul"));
            checkDerivatives((x, z) => probe(tg.matmul(x, z)), [a, b]);
          }),
          { numRuns: 1, seed: m * 100 + k * 10 + n },
        );
      },
      12,
    );
  });
  await t.step("inv, det, slogdet, solve, cholesky", () => {
    const n = fc.integer({ min: 1, max: 3 });
    property(n.chain((k) => tensorArb([k, k], -0.5, 0.5)), (m) => {
      const k = m.shape[0];
      const a = m.add(tg.eye(k, k, { dtype: "float64" }).mul(k));
      const spd = tg.matmul(m, m.t()).add(tg.eye(k, k, { dtype: "float64" }).mul(k));
      const eye = tg.eye(k, k, { dtype: "float64" });
      values(tg.matmul(a, tg.linalg.inv(a)).sub(eye)).forEach((v) => close(v, 0, "A·A⁻¹"));
      close(
        tg.linalg.det(a).item(),
        Math.exp(tg.linalg.slogdet(a).logabsdet.item()) * tg.linalg.slogdet(a).sign.item(),
        "det",
      );
      const l = tg.linalg.cholesky(spd);
      values(tg.matmul(l, l.t()).sub(spd)).forEach((v) => close(v, 0, "L·Lᵀ"));
      checkDerivatives((x) => probe(tg.linalg.inv(x)), a);
      checkDerivatives((x) => tg.linalg.det(x), a);
      checkDerivatives((x) => tg.linalg.slogdet(x).logabsdet, a);
      checkDerivatives((x, b) => probe(tg.linalg.solve(x, b)), [a, m]);
      checkDerivatives((x) => probe(tg.linalg.cholesky(x.add(x.t()).div(2))), spd);
    }, RUNS);
  });
});

// ---- losses and the remaining shape operations over random shapes ---------------------------

Deno.test("losses over random batch sizes and classes, against their definitions", async (t) => {
  const batch = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 5 }));
  const logitsArb = batch.chain(([n, c]) =>
    fc.tuple(
      tensorArb([n, c], -3, 3),
      fc.array(fc.integer({ min: 0, max: c - 1 }), { minLength: n, maxLength: n }),
      tensorArb([n, c], 0.05, 0.95),
    )
  );
  const lse = (row: number[]) => {
    const m = Math.max(...row);
    return m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
  };
  await t.step("crossEntropy with class indices and with probabilities", () => {
    property(logitsArb, ([x, labels, p]) => {
      const rows = x.toArray() as number[][];
      const y = tg.tensor(labels, { dtype: "int64" });
      const expected = rows.reduce((a, r, i) => a + lse(r) - r[labels[i]], 0) / rows.length;
      close(tg.crossEntropy(x, y).item(), expected, "crossEntropy");
      const probs = tg.div(p, tg.sum(p, 1, true));
      const pr = probs.toArray() as number[][];
      const soft = rows.reduce(
        (a, r, i) => a + pr[i].reduce((s, q, j) => s + q * (lse(r) - r[j]), 0),
        0,
      ) / rows.length;
      close(tg.crossEntropy(x, probs).item(), soft, "crossEntropy (probabilities)");
      checkDerivatives((v) => tg.crossEntropy(v, y), x);
      checkDerivatives((v, q) => tg.crossEntropy(v, q), [x, probs]);
      checkDerivatives((v) => tg.nllLoss(tg.logSoftmax(v, 1), y, { reduction: "sum" }), x);
    }, RUNS);
  });
  await t.step("mse, l1, huber and the binary cross-entropies", () => {
    property(logitsArb, ([x, , p]) => {
      const a = values(x);
      const b = values(p);
      const n = a.length;
      const mse = a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / n;
      close(tg.mseLoss(x, p).item(), mse, "mseLoss");
      const l1 = a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / n;
      close(tg.l1Loss(x, p).item(), l1, "l1Loss");
      const hub = a.reduce((s, v, i) => {
        const d = Math.abs(v - b[i]);
        return s + (d < 0.5 ? 0.5 * d * d : 0.5 * (d - 0.25));
      }, 0) / n;
      close(tg.huberLoss(x, p, { delta: 0.5 }).item(), hub, "huberLoss");
      const bce = b.reduce((s, q, i) => {
        const sg = 1 / (1 + Math.exp(-a[i]));
        return s - (q * Math.log(sg) + (1 - q) * Math.log(1 - sg));
      }, 0) / n;
      close(tg.binaryCrossEntropyWithLogits(x, p).item(), bce, "bceWithLogits", 1e-11);
      close(tg.binaryCrossEntropy(tg.sigmoid(x), p).item(), bce, "bce", 1e-11);
      checkDerivatives((u, v) => tg.mseLoss(u, v), [x, p]);
      checkDerivatives((u, v) => tg.binaryCrossEntropyWithLogits(u, v), [x, p]);
      checkDerivatives((u) => tg.binaryCrossEntropy(tg.sigmoid(u), p), x);
      checkDerivatives((u) => tg.huberLoss(u, p, { delta: 5 }), x);
    }, RUNS);
  });
  await t.step("linear and dropout", () => {
    property(logitsArb, ([x, , p]) => {
      const w = tg.t(p);
      const y = tg.linear(x, tg.t(w), tg.ones([x.shape[0]], { dtype: "float64" }).mul(0.5));
      assert.deepEqual(y.shape, [x.shape[0], x.shape[0]]);
      const ref = values(tg.matmul(x, w).add(0.5));
      values(y).forEach((v, i) => close(v, ref[i], "linear"));
      checkDerivatives((u, v) => tg.linear(u, v).sum(), [x, p]);
      const g = new tg.Generator(3);
      const d = tg.dropout(x, 0.3, { generator: g });
      values(d).forEach((v, i) => assert.ok(v === 0 || Math.abs(v - values(x)[i] / 0.7) < 1e-12));
    }, RUNS);
  });
});

Deno.test("diag, diagonal, trace, tril, triu and einsum over random sizes", async (t) => {
  const square = fc.integer({ min: 1, max: 4 }).chain((n) =>
    fc.tuple(tensorArb([n, n]), fc.integer({ min: -2, max: 2 }))
  );
  await t.step("against index arithmetic", () => {
    property(square, ([m, k]) => {
      const n = m.shape[0];
      const a = m.toArray() as number[][];
      const diagK = a.flatMap((row, i) => (i + k >= 0 && i + k < n ? [row[i + k]] : []));
      assert.deepEqual(tg.diagonal(m, k).toArray(), diagK);
      close(tg.trace(m).item(), a.reduce((s, row, i) => s + row[i], 0), "trace");
      const lower = tg.tril(m, k).toArray() as number[][];
      const upper = tg.triu(m, k).toArray() as number[][];
      a.forEach((row, i) =>
        row.forEach((v, j) => {
          assert.equal(lower[i][j], j - i <= k ? v : 0);
          assert.equal(upper[i][j], j - i >= k ? v : 0);
        })
      );
      const v = tg.diagonal(m);
      const e = tg.diag(v, k).toArray() as number[][];
      assert.equal(e.length, n + Math.abs(k));
      checkDerivatives((u) => probe(tg.diagonal(u, k)), m, { order: 2 });
      checkDerivatives((u) => probe(tg.tril(u, k)), m, { order: 2 });
      checkDerivatives((u) => probe(tg.diag(tg.diagonal(u), k)), m, { order: 2 });
    }, RUNS);
  });
  await t.step("einsum equals the explicit contractions", () => {
    const dims = fc.tuple(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 3 }),
    );
    property(
      dims.chain(([i, j, k]) =>
        fc.tuple(tensorArb([i, j]), tensorArb([j, k]), tensorArb([2, i, j]))
      ),
      ([a, b, c]) => {
        close(
          values(tg.einsum("ij,jk->ik", a, b)).reduce((s, v) => s + v, 0),
          values(tg.matmul(a, b)).reduce((s, v) => s + v, 0),
          "einsum matmul",
        );
        assert.deepEqual(tg.einsum("ij->ji", a).toArray(), tg.t(a).toArray());
        close(tg.einsum("ij,ij->", a, a).item(), tg.sum(tg.mul(a, a)).item(), "einsum frobenius");
        assert.deepEqual(tg.einsum("bij->bj", c).shape, [2, c.shape[2]]);
        assert.deepEqual(tg.einsum("...ij->...ji", c).shape, [2, c.shape[2], c.shape[1]]);
        checkDerivatives((u, v) => probe(tg.einsum("ij,jk->ik", u, v)), [a, b], { order: 2 });
      },
      RUNS,
    );
  });
});
