/**
 * The elementwise tanh kernel (`src/kernels/tanh.ts`): float64 within one ulp of the correctly
 * rounded value (mpmath fixture) and within two of `Math.tanh` (itself up to two ulps off);
 * float32 equal to the correctly rounded value; the WebAssembly and JavaScript paths bit for
 * bit the same at every length; ±0, NaN, ±∞, subnormals; one and several threads; the
 * committed WAT text and bytes are what `tests/tools/gen_tanh.ts` produces.
 */

import assert from "node:assert/strict";
import { getNumThreads, setNumThreads, tensor } from "../../mod.ts";
import { unaryKernel } from "../../src/kernels/elementwise.ts";
import { parallelFailures } from "../../src/kernels/parallel.ts";
import {
  setTanhPath,
  TANH_WASM_MIN,
  tanhBytes,
  tanhKernel,
  tanhWasm,
} from "../../src/kernels/tanh.ts";
import { TANH_WASM_BASE64 } from "../../src/kernels/wasm/tanh_wasm.ts";
import { renderTanh, tanhWat } from "../tools/gen_tanh.ts";
import fixture from "../fixtures/tanh.json" with { type: "json" };

/** Runs `fn` with the kernel forced onto one path, restoring the default. */
function onPath<T>(path: "js" | "wasm", fn: () => T): T {
  setTanhPath(path);
  try {
    return fn();
  } finally {
    setTanhPath("auto");
  }
}

function tanhOf<A extends Float32Array | Float64Array>(x: A, path?: "js" | "wasm"): A {
  const out = new (x.constructor as new (n: number) => A)(x.length);
  if (path) onPath(path, () => tanhKernel(x, out));
  else tanhKernel(x, out);
  return out;
}

/** The distance in ulps between two finite float64 of the same sign (or zero). */
function ulps(a: number, b: number): number {
  const v = new Float64Array([a, b]);
  const i = new BigInt64Array(v.buffer);
  return Math.abs(Number(i[0] - i[1]));
}

/** Seeded values across magnitudes: 10^u for u uniform in [lo, hi], random signs. */
function spread(n: number, seed: number, lo = -12, hi = 1.5): Float64Array {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Float64Array.from(
    { length: n },
    () => (next() < 0.5 ? -1 : 1) * 10 ** (lo + (hi - lo) * next()),
  );
}

/** Same bits, NaN equal to NaN (the kernels do not promise a NaN payload). */
function assertSameBits(
  a: Float32Array | Float64Array,
  b: Float32Array | Float64Array,
  x: ArrayLike<number>,
) {
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (!Object.is(a[i], b[i])) {
      assert.fail(`tanh(${x[i]}): ${a[i]} and ${b[i]} differ (element ${i})`);
    }
  }
}

const SPECIALS = [
  0,
  -0,
  Infinity,
  -Infinity,
  NaN,
  5e-324,
  -5e-324,
  2.2250738585072014e-308,
  -1e-310,
  1e-300,
  1e-9,
  -1e-9,
  0.625,
  -0.625,
  0.6249999999999999,
  22,
  -22,
  21.999999999999996,
  19.5,
  1e300,
  -1e300,
  Number.MAX_VALUE,
];

Deno.test("tanh kernel: float64 within one ulp of the correctly rounded value (mpmath)", () => {
  const x = Float64Array.from(fixture.x);
  for (const path of ["js", "wasm"] as const) {
    const y = tanhOf(x, path);
    let exact = 0;
    for (let i = 0; i < x.length; i++) {
      const d = ulps(y[i], fixture.tanh64[i]);
      assert.ok(d <= 1, `${path} tanh(${x[i]}) = ${y[i]}, correctly rounded ${fixture.tanh64[i]}`);
      if (d === 0) exact++;
    }
    // measured: 95% of float64 results are the correctly rounded value (Math.tanh: 73%)
    assert.ok(exact / x.length > 0.9, `${path}: only ${exact} of ${x.length} correctly rounded`);
  }
});

// The fixture holds the 497 float32 inputs whose float64 tanh lies nearest a float32 rounding
// midpoint (tests/tools/tanh_hard_cases.ts scans every float32; none within 2 float64 ulps)
Deno.test("tanh kernel: float32 results are tanh(x) correctly rounded to float32 (mpmath)", () => {
  const x = Float32Array.from(fixture.x);
  for (const path of ["js", "wasm"] as const) {
    const y = tanhOf(x, path);
    for (let i = 0; i < x.length; i++) {
      assert.ok(
        y[i] === fixture.tanh32[i],
        `${path} tanh(${x[i]}) = ${y[i]} not ${fixture.tanh32[i]}`,
      );
    }
  }
});

Deno.test("tanh kernel: within two ulps of Math.tanh over 300,000 values across magnitudes", () => {
  const x = spread(300_000, 7);
  const y = tanhOf(x);
  let differ = 0;
  for (let i = 0; i < x.length; i++) {
    const d = ulps(y[i], Math.tanh(x[i]));
    // fdlibm's tanh (V8's Math.tanh) is itself up to two ulps from the correctly rounded value
    assert.ok(d <= 2, `tanh(${x[i]}) = ${y[i]}, Math.tanh ${Math.tanh(x[i])}`);
    if (d) differ++;
  }
  assert.ok(differ / x.length < 0.25, `${differ} of ${x.length} differ from Math.tanh`);
});

Deno.test("tanh kernel: ±0 keeps its sign, NaN stays NaN, ±∞ and large |x| give ±1, tiny x gives x", () => {
  for (const path of ["js", "wasm"] as const) {
    for (const T of [Float64Array, Float32Array]) {
      // the WebAssembly kernel takes 8 elements a step: repeat the specials to fill its steps
      const x = new T(SPECIALS.length * 8).map((_, i) => SPECIALS[i % SPECIALS.length]);
      const y = tanhOf(x, path);
      for (let i = 0; i < x.length; i++) {
        const v = x[i], t = y[i];
        if (Number.isNaN(v)) assert.ok(Number.isNaN(t), `${path} tanh(NaN)`);
        else if (v === 0 || Math.abs(v) < 1e-9) {
          assert.ok(
            Object.is(t, v),
            `${path} ${T.name} tanh(${Object.is(v, -0) ? "-0" : v}) = ${t}`,
          );
        } else if (Math.abs(v) > 19.1) {
          // 1 − tanh(x) < 2^-54 from x > 19.06: float64 (and float32) round to ±1
          assert.equal(t, Math.sign(v), `${path} tanh(${v})`);
        } else {
          assert.ok(Math.abs(t) < 1 && Math.sign(t) === Math.sign(v), `${path} tanh(${v}) = ${t}`);
        }
      }
    }
  }
});

Deno.test("tanh kernel: the WebAssembly and JavaScript paths give the same bits", () => {
  assert.ok(tanhWasm() !== null, "WebAssembly SIMD is available in Deno");
  const x = spread(200_003, 11, -320, 2);
  for (let i = 0; i < SPECIALS.length; i++) x[i * 1000] = SPECIALS[i];
  assertSameBits(tanhOf(x, "wasm"), tanhOf(x, "js"), x);
  const uniform = spread(200_000, 13, 0, 0).map((v, i) => v * 23 * ((i * 0.6180339887) % 1));
  assertSameBits(tanhOf(uniform, "wasm"), tanhOf(uniform, "js"), uniform);
  const x32 = Float32Array.from(spread(200_003, 12, -46, 1.2));
  assertSameBits(tanhOf(x32, "wasm"), tanhOf(x32, "js"), x32);
  // every 7th float32 from 0.5 to 0.94, across the switch of the two forms at 0.625
  const dense = new Float32Array(1 << 20);
  const bits = new Uint32Array(dense.buffer);
  const start = new Uint32Array(new Float32Array([0.5]).buffer)[0];
  for (let i = 0; i < bits.length; i++) bits[i] = start + i * 7;
  assertSameBits(tanhOf(dense, "wasm"), tanhOf(dense, "js"), dense);
});

Deno.test("tanh kernel: every length around the WebAssembly step and cut-over gives the same bits", () => {
  const lengths = [0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, TANH_WASM_MIN - 1, TANH_WASM_MIN, 33];
  lengths.push(16383, 16384, 16385, 16392, 40_000);
  const all = spread(40_000, 3, -10, 1.6);
  for (const n of lengths) {
    for (const T of [Float64Array, Float32Array]) {
      const x = T.from(all.subarray(0, n));
      const want = tanhOf(x, "js");
      assertSameBits(tanhOf(x), want, x);
      assertSameBits(tanhOf(x, "wasm"), want, x);
    }
  }
  // in place: the output may be the input
  const x = spread(1000, 5);
  const want = tanhOf(x, "js");
  tanhKernel(x, x);
  assertSameBits(x, want, want);
});

Deno.test("tanh kernel: unaryKernel and Tensor.tanh() use it, at one thread and at several", () => {
  const x = spread(20_000, 9, -3, 1.3);
  const want = tanhOf(x, "js");
  const out = new Float64Array(x.length);
  unaryKernel("tanh", x, out);
  assertSameBits(out, want, x);
  assertSameBits(tensor(x).tanh().toTypedArray() as Float64Array, want, x);
  const before = getNumThreads();
  try {
    for (const threads of [1, 2, 3]) {
      setNumThreads(threads);
      // the JavaScript path splits large arrays across the worker pool
      const js = onPath("js", () => tensor(x).tanh().toTypedArray() as Float64Array);
      assertSameBits(js, want, x);
      assertSameBits(tensor(x).tanh().toTypedArray() as Float64Array, want, x);
    }
  } finally {
    setNumThreads(before);
  }
  assert.ok(!parallelFailures().includes("tanhRange"), "the workers run tanhRange");
});

Deno.test("the tanh WebAssembly module is under the 4 KiB that browsers compile synchronously", () => {
  assert.ok(tanhBytes().length < 4096, `${tanhBytes().length} bytes`);
  assert.ok(WebAssembly.validate(tanhBytes()));
});

Deno.test({
  name:
    "the committed tanh WAT text and WebAssembly bytes are what tests/tools/gen_tanh.ts produces",
  // reading the .wat source needs --allow-read=src/kernels/wasm (given by `deno task test`)
  ignore: Deno.permissions.querySync({ name: "read", path: "src/kernels/wasm" }).state !==
    "granted",
  async fn() {
    const wat = Deno.readTextFileSync(new URL("../../src/kernels/wasm/tanh.wat", import.meta.url));
    assert.equal(wat, tanhWat(), "tanh.wat is what tests/tools/gen_tanh.ts writes");
    const rendered = await renderTanh(wat);
    const literal = [...rendered.matchAll(/"([A-Za-z0-9+/=]+)"/g)].map((m) => m[1]).join("");
    assert.equal(literal, TANH_WASM_BASE64);
  },
});
