/**
 * The row kernels (bias add, column sums and tanh's backward in WebAssembly SIMD,
 * `src/kernels/rows.ts`) give exactly the bits of the element-by-element JavaScript loops they
 * replace, through the kernels and through `add`, `sum` and a bias gradient, at sizes that
 * cross the vector tails.
 */

import assert from "node:assert/strict";
import { add, grad, sum, type Tensor, tensor } from "../../mod.ts";
import { addRows, columnSums, ROWS_MAX_BYTES, ROWS_MIN, tanhGrad } from "../../src/kernels/rows.ts";
import { ROWS_WASM_BASE64 } from "../../src/kernels/wasm/rows_wasm.ts";
import { renderRows, rowsWat } from "../tools/gen_rows.ts";

/** A seeded generator of awkward values: ordinary, tiny, huge, ±0, ±∞ and NaN. */
function values(n: number, seed: number, special: boolean): number[] {
  let s = seed >>> 0;
  const next = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const odd = [0, -0, Infinity, -Infinity, NaN, 1e-40, -1e-310, 3e38, -3.4e38, 1e300];
  return Array.from(
    { length: n },
    () => special && next() < 0.05 ? odd[Math.floor(next() * odd.length)] : (next() - 0.5) * 8,
  );
}

const sameBits = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) => {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    assert.ok(Object.is(got[i], want[i]), `${what} at ${i}: ${got[i]} vs ${want[i]}`);
  }
};

Deno.test("addRows gives the bits of out[i, j] = a[i, j] + row[j] in JavaScript", () => {
  for (const Arr of [Float32Array, Float64Array]) {
    for (
      const [m, n, special] of [
        [64, 256, true],
        [33, 37, true],
        [1030, 1, false],
        [7, 150, false],
        [257, 9, true],
        [5, 1023, true],
      ] as const
    ) {
      const a = Arr.from(values(m * n, m * 31 + n, special));
      const row = Arr.from(values(n, n * 7 + 1, special));
      const want = new Arr(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) want[i * n + j] = a[i * n + j] + row[j];
      }
      const out = new Arr(m * n);
      const used = addRows(a, row, out, m, n);
      assert.equal(
        used,
        m * n >= ROWS_MIN,
        `${Arr.name} ${m}×${n}: the kernel is used from ROWS_MIN`,
      );
      if (used) sameBits(out, want, `${Arr.name} ${m}×${n}`);
    }
  }
  // mixed types and oversized operands stay in JavaScript, writing nothing
  const out = new Float32Array(4096).fill(7);
  assert.equal(addRows(new Float32Array(4096), new Float64Array(64), out, 64, 64), false);
  assert.equal(addRows(new Float64Array(4096), new Float64Array(64), out, 64, 64), false);
  const big = ROWS_MAX_BYTES / 8 + 64; // a and out alone need more than the cap
  assert.equal(
    addRows(new Float32Array(big), new Float32Array(64), new Float32Array(big), big / 64, 64),
    false,
  );
  assert.equal(out[0], 7);
});

Deno.test("columnSums adds each column in row order in float64, as the JavaScript loop does", () => {
  for (const Arr of [Float32Array, Float64Array]) {
    for (
      const [outer, n, inner, special] of [
        [1, 64, 256, true],
        [3, 40, 51, true],
        [2, 700, 2, false],
        [1, 1000, 3, false],
        [4, 9, 33, true],
      ] as const
    ) {
      const x = Arr.from(values(outer * n * inner, outer + n + inner, special));
      const want = new Float64Array(outer * inner);
      for (let o = 0; o < outer; o++) {
        for (let k = 0; k < n; k++) {
          for (let i = 0; i < inner; i++) want[o * inner + i] += x[(o * n + k) * inner + i];
        }
      }
      const got = columnSums(x, outer, n, inner);
      assert.ok(got !== null, `${Arr.name} [${outer}, ${n}, ${inner}] uses the kernel`);
      sameBits(got, want, `${Arr.name} [${outer}, ${n}, ${inner}]`);
    }
  }
  // one column (a sum over the last axis) and small inputs stay in JavaScript
  assert.equal(columnSums(new Float32Array(4096), 1, 4096, 1), null);
  assert.equal(columnSums(new Float32Array(100), 1, 10, 10), null);
});

Deno.test("tanhGrad gives the bits of g·(1 − y²) rounded after each operation", () => {
  for (const Arr of [Float32Array, Float64Array]) {
    const r = Arr === Float32Array ? Math.fround : (v: number) => v;
    for (const n of [ROWS_MIN, ROWS_MIN + 3, 4097, 64 * 256]) {
      const g = Arr.from(values(n, n, true));
      // y in [-1, 1] as tanh gives, plus ±0, ±1, NaN and an out-of-range ±∞
      const y = Arr.from(values(n, n + 1, false).map(Math.tanh));
      y.set([0, -0, 1, -1, NaN, Infinity, -Infinity], n - 7);
      const want = Arr.from(Array.from(g, (gi, i) => r(gi * r(1 - r(y[i] * y[i])))));
      const out = new Arr(n);
      assert.ok(tanhGrad(g, y, out), `${Arr.name} n=${n} uses the kernel`);
      sameBits(out, want, `${Arr.name} n=${n}`);
    }
  }
  assert.equal(
    tanhGrad(new Float32Array(4096), new Float64Array(4096), new Float32Array(4096)),
    false,
  );
  assert.equal(
    tanhGrad(new Float32Array(100), new Float32Array(100), new Float32Array(100)),
    false,
  );
  const third = ROWS_MAX_BYTES / 12 + 64; // g, y and out need more than the cap together
  const out = new Float32Array(third).fill(7);
  assert.equal(tanhGrad(new Float32Array(third), new Float32Array(third), out), false);
  assert.equal(out[0], 7);
});

Deno.test("a bias add, a sum over dim 0 and a bias gradient have the bits of the plain loops", () => {
  const m = 64, n = 200;
  const xs = values(m * n, 5, false), bs = values(n, 6, false), gs = values(m * n, 7, false);
  const x = tensor(xs, { shape: [m, n] }), b = tensor(bs), g = tensor(gs, { shape: [m, n] });
  const r = Math.fround;
  const want = Float32Array.from({ length: m * n }, (_, i) => r(xs[i]) + r(bs[i % n]));
  sameBits(add(x, b).toTypedArray(), want, "x + b");
  sameBits(add(b, x).toTypedArray(), want, "b + x");
  sameBits(add(x, b.reshape([1, n])).toTypedArray(), want, "x + b[None]");
  const colSum = new Float64Array(n);
  for (let k = 0; k < m; k++) for (let j = 0; j < n; j++) colSum[j] += r(gs[k * n + j]);
  sameBits(sum(g, 0).toTypedArray(), Float32Array.from(colSum), "sum(g, 0)");
  // d Σ g·(x + b) / db = Σ_rows g: the bias gradient goes through sumToShape
  const gb = grad((bias: Tensor) => sum(add(x, bias).mul(g)))(b).toTypedArray();
  sameBits(gb, Float32Array.from(colSum), "the bias gradient");
});

Deno.test({
  name: "the committed row-kernel WAT text and bytes are what tests/tools/gen_rows.ts produces",
  ignore: Deno.permissions.querySync({ name: "read", path: "src/kernels/wasm" }).state !==
    "granted",
  async fn() {
    const dir = new URL("../../src/kernels/wasm/", import.meta.url);
    const wat = Deno.readTextFileSync(new URL("rows.wat", dir));
    assert.equal(wat, rowsWat(), "rows.wat is what tests/tools/gen_rows.ts writes");
    const rendered = await renderRows(wat);
    assert.ok(rendered.replace(/[\s+"]/g, "").includes(ROWS_WASM_BASE64));
  },
});
