/**
 * The forward-Laplacian kernels in WebAssembly SIMD (`src/kernels/lap.ts`) give the values of
 * the JavaScript loops they replace (the same operations in the same order: equal bits up to
 * the sign of a zero), for full and shared series, even and odd rows, and special values; the
 * committed text and bytes are what `tests/tools/gen_lap.ts` produces.
 */

import assert from "node:assert/strict";
import {
  LAP_MAX_BYTES,
  LAP_MIN,
  lapLastWasm,
  lapStepView,
  lapStepWasm,
  lapVjpWasm,
} from "../../src/kernels/lap.ts";
import {
  lapLastKernel,
  lapLastLoops,
  lapUnaryKernel,
  lapUnaryLoops,
  lapUnaryVjpLoops,
  riccatiDerivsKernel,
} from "../../src/kernels/taylor.ts";
import { lapWat, renderLap } from "../tools/gen_lap.ts";
import { LAP_SHARED_WASM_BASE64, LAP_WASM_BASE64 } from "../../src/kernels/wasm/lap_wasm.ts";
import { decode } from "../../src/kernels/wasm_module.ts";

/** A seeded generator of values, with some ±0, ±∞, NaN and huge ones when `special`. */
function values(n: number, seed: number, special: boolean): Float64Array {
  let s = seed >>> 0;
  const next = () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
  const odd = [0, -0, Infinity, -Infinity, NaN, 1e-310, 1e300, -1e200];
  return Float64Array.from(
    { length: n },
    () => special && next() < 0.03 ? odd[Math.floor(next() * odd.length)] : (next() - 0.5) * 4,
  );
}

/** Equal values: the same bits, or both zero (the one-pass loops may give −0 for +0). */
function same(got: Float64Array, want: Float64Array, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) {
    const ok = Object.is(got[i], want[i]) || (got[i] === 0 && want[i] === 0);
    assert.ok(ok, `${what} at ${i}: ${got[i]} vs ${want[i]}`);
  }
}

const CASES: readonly [number, number, number][] = [
  // d, m (elements of a stored row), repeats (n = m · repeats)
  [16, 64, 128], // W7's first layer: one row of directions for 128 points
  [16, 8192, 1], // W7's second layer: a full series
  [3, 63, 20], // odd rows: one element after the vector loop
  [1, 1, 2048], // one element a row
  [0, 2049, 1], // no directions, odd
  [5, 7, 61],
];

Deno.test("lapStepWasm gives the values of the JavaScript loops", () => {
  for (const special of [false, true]) {
    for (const [d, m, reps] of CASES) {
      const n = m * reps, seed = d * 1000 + m;
      const s = values((d + 1) * m, seed, special);
      const d1 = values(n, seed + 1, special), d2 = values(n, seed + 2, special);
      const got = lapStepWasm(s, d1, d2, d, n, m);
      assert.ok(got !== null, `d=${d} m=${m} n=${n}: the kernel runs`);
      same(got, lapUnaryLoops(s, d1, d2, d, n, m), `step d=${d} m=${m} n=${n} special=${special}`);
    }
  }
});

Deno.test("the step's last row alone and its view in memory are the whole step's", () => {
  for (const special of [false, true]) {
    for (const [d, m, reps] of CASES) {
      const n = m * reps, seed = d * 31 + m;
      const s = values((d + 1) * m, seed, special);
      const d1 = values(n, seed + 1, special), d2 = values(n, seed + 2, special);
      const whole = lapUnaryLoops(s, d1, d2, d, n, m);
      const what = `d=${d} m=${m} n=${n} special=${special}`;
      same(lapLastLoops(s, d1, d2, d, n, m), whole.subarray(d * n), `last row (loops) ${what}`);
      const last = lapLastWasm(s, d1, d2, d, n, m);
      assert.ok(last !== null, `${what}: the kernel runs`);
      same(last, whole.subarray(d * n), `last row ${what}`);
      const view = lapStepView(s, d1, d2, d, n, m);
      assert.ok(view !== null);
      same(view, whole, `view ${what}`);
    }
  }
});

Deno.test("the step of a Riccati function from its values computes f' and f'' as the loops do", () => {
  // tanh, sigmoid, exp and 1 + y²'s coefficients
  const fns: [number, number, number][] = [[1, 0, -1], [0, 1, -1], [0, 1, 0], [1, 0, 1]];
  for (const special of [false, true]) {
    for (const [d, m, reps] of [...CASES, [2, 5, 3] as const]) {
      for (const abc of fns) {
        const n = m * reps, seed = d * 13 + m + abc[2];
        const s = values((d + 1) * m, seed, special), y = values(n, seed + 1, special);
        const [d1, d2] = riccatiDerivsKernel(y, ...abc);
        const whole = lapUnaryLoops(s, d1, d2, d, n, m);
        const what = `d=${d} m=${m} n=${n} abc=${abc} special=${special}`;
        // WebAssembly where the step is large enough, else the loops
        same(lapUnaryKernel(s, y, y, d, n, m, abc), whole, `step ${what}`);
        same(lapLastKernel(s, y, y, d, n, m, abc), whole.subarray(d * n), `last row ${what}`);
        if ((d + 1) * n >= LAP_MIN) {
          same(lapStepView(s, y, y, d, n, m, abc)!, whole, `view ${what}`);
          same(lapLastWasm(s, y, y, d, n, m, abc)!, whole.subarray(d * n), `wasm last ${what}`);
        }
      }
    }
  }
});

Deno.test("lapVjpWasm gives the values of the JavaScript loops", () => {
  const all = [true, true, true];
  for (const special of [false, true]) {
    for (const [d, m, reps] of CASES) {
      const n = m * reps, seed = d * 7 + m;
      const g = values((d + 1) * n, seed, special), s = values((d + 1) * m, seed + 3, special);
      const d1 = values(n, seed + 1, special), d2 = values(n, seed + 2, special);
      const got = lapVjpWasm(g, s, d1, d2, d, n, m);
      assert.ok(got !== null, `d=${d} m=${m} n=${n}: the kernel runs`);
      const want = lapUnaryVjpLoops(g, s, d1, d2, d, n, all, m);
      ["series", "f'", "f''"].forEach((what, i) =>
        same(got[i], want[i] as Float64Array, `${what} gradient d=${d} m=${m} n=${n} ${special}`)
      );
    }
  }
});

Deno.test("the WebAssembly kernels leave other types and sizes to JavaScript", () => {
  const f32 = new Float32Array(4096), f64 = new Float64Array(4096);
  assert.equal(lapStepWasm(f32, f32, f32, 1, 2048, 2048), null);
  assert.equal(lapStepWasm(f64, f64, f64, 0, LAP_MIN - 1, LAP_MIN - 1), null);
  const big = Math.ceil(LAP_MAX_BYTES / 16) + 1; // (d + 1)·n elements over the limit
  const s = new Float64Array(2 * big), d1 = new Float64Array(big);
  assert.equal(lapStepWasm(s, d1, d1, 1, big, big), null);
  assert.equal(lapVjpWasm(s, s, d1, d1, 1, big, big), null);
});

Deno.test("the committed lap.wat and lap_wasm.ts are what gen_lap.ts writes", async () => {
  const wat = lapWat();
  const dir = new URL("../../src/kernels/wasm/", import.meta.url);
  assert.equal(Deno.readTextFileSync(new URL("lap.wat", dir)), wat);
  const rendered = await renderLap(wat);
  assert.equal(Deno.readTextFileSync(new URL("lap_wasm.ts", dir)), rendered);
});

Deno.test("both lap builds (own memory, shared memory) are under the 4 KiB compiled synchronously on the main thread", () => {
  for (const b64 of [LAP_WASM_BASE64, LAP_SHARED_WASM_BASE64]) {
    const bytes = decode(b64);
    assert.ok(bytes.length < 4096, `${bytes.length} bytes`);
    assert.ok(WebAssembly.validate(bytes));
  }
});
