/**
 * Elementwise `tanh` for float64 and float32: a WebAssembly SIMD kernel (`wasm/tanh.wat`,
 * two float64 lanes per vector) for arrays of {@linkcode TANH_WASM_MIN} elements or more, and
 * a JavaScript loop running the same algorithm, operation for operation, for shorter arrays
 * and for runtimes without WebAssembly SIMD. Both give the same bits, so a result does not
 * depend on the array's length, on the runtime or on the number of threads.
 *
 * The algorithm (constants in {@linkcode tanhTable}, the rational fit from
 * `tests/fixtures/gen_tanh.py --fit`), on `a = |x|`, the sign put back at the end:
 * - `a < 0.625`: `a + a·s·(s·P(s)/Q(s) − 1/3)` with `s = a²`, a rational fit of
 *   `(tanh(a)/a − 1 + s/3)/s²`; odd, so no cancellation near 0 (tiny and subnormal `a` give
 *   `a`, ±0 keeps its sign).
 * - `0.625 ≤ a < 22`: `1 − 2/(e^{2a} + 1)` with `e^{2a} = 2^k·(1 + p)`, `p = expm1(r)` by its
 *   Taylor series to `r^13/13!` on `|r| ≤ ln2/2`; the rounding of `e^{2a} + 1` and of `1 − q`
 *   are carried as correction terms, so only the division and the last addition round.
 * - `a ≥ 22` and ±∞: ±1; NaN stays NaN.
 *
 * No fused multiply-add anywhere (the JavaScript loop has none), so the two paths agree bit
 * for bit. Measured against mpmath, float64 results are at most 0.76 ulp from the exact value
 * (2,000,000 points across magnitudes; 95% are the correctly rounded value, where `Math.tanh`,
 * fdlibm's algorithm, is up to 2 ulps off and correctly rounded 73% of the time). Float32
 * inputs are computed in float64 and rounded once: the result equals
 * `Math.fround(Math.tanh(x))` for every one of the 4.28·10⁹ float32 values (checked
 * exhaustively), and is the correctly rounded float32: no float32 input has its float64 tanh
 * within 2 ulps of a float32 rounding midpoint (`tests/tools/tanh_hard_cases.ts`; the 497
 * nearest are checked against mpmath). `tests/kernels/tanh_kernel_test.ts` checks a sample.
 *
 * Speed (2-core AMD EPYC, Deno 2.9, medians): the WebAssembly kernel 5.1–5.7 ns per element
 * for float32 and float64 at 16k and 1M elements, the JavaScript loop 8–16, `Math.tanh`
 * 11–19 on one thread and 8.5–13 split across the worker pool. Large arrays stay on the
 * calling thread: the pool running the JavaScript loop took 5.9–9.7 ns per element at 16k
 * and 8.4–9.2 at 1M on two threads, slower than the kernel on one (it copies each array in
 * and out).
 *
 * @module
 */

import type { Storage } from "../dtype.ts";
import { outRows, parallelRows, ROW_COUNT, rowsOf } from "./parallel.ts";
import { registerKernels } from "./registry.ts";
import { TANH_WASM_BASE64 } from "./wasm/tanh_wasm.ts";
import { WasmKernels } from "./wasm_module.ts";

/**
 * The constants of the algorithm as {@linkcode tanhRange} takes them (written out here, not
 * imported, so the worker pool can run this function from its source text):
 * - 0 `small` = 0.625: below it the rational form, from it the exponential form;
 * - 1 `big` = 22: from it ±1 (`tanh` rounds to 1 in float64 from 19.06);
 * - 2 1/3; 3 `shift` = 1.5·2⁵², added and subtracted to round to an integer (ties to even);
 * - 4 1/ln 2; 5, 6 ln 2 in two parts, the first with 32 significant bits so `k·ln2Hi` is exact;
 * - 7–9 `P(s)` and 10–12 `Q(s) = 1 + q₁s + q₂s² + q₃s³`: the fit of
 *   `(tanh(a)/a − 1 + s/3)/s² ≈ P(s)/Q(s)` on `s ∈ [0, 0.625²]`
 *   (`tests/fixtures/gen_tanh.py --fit`);
 * - 13–24 `1/2!, 1/3!, …, 1/13!`: `expm1(r) = r + r²·(1/2! + r/3! + …)`;
 * - 25–88 `2^k` for `k = 0..63`.
 */
export function tanhTable(): Float64Array {
  const t = new Float64Array(89);
  t.set([
    0.625,
    22,
    1 / 3,
    6755399441055744,
    1.4426950408889634,
    6.93147180369123816490e-01,
    1.90821492927058770002e-10,
    0.13333333333333333,
    0.007933822249076444,
    8.496510168953813e-05,
    0.46426557162997806,
    0.024533091329833542,
    0.00025494777690953513,
    1 / 2,
    1 / 6,
    1 / 24,
    1 / 120,
    1 / 720,
    1 / 5040,
    1 / 40320,
    1 / 362880,
    1 / 3628800,
    1 / 39916800,
    1 / 479001600,
    1 / 6227020800,
  ]);
  for (let k = 0, e = 1; k < 64; k++, e *= 2) t[25 + k] = e;
  return t;
}

const TABLE = tanhTable();

/** The constants of {@linkcode tanhTable} by name, for the WebAssembly generator. */
export const TANH_CONSTANTS = {
  small: TABLE[0],
  big: TABLE[1],
  third: TABLE[2],
  shift: TABLE[3],
  invLn2: TABLE[4],
  ln2Hi: TABLE[5],
  ln2Lo: TABLE[6],
  p: [TABLE[7], TABLE[8], TABLE[9]],
  q: [TABLE[10], TABLE[11], TABLE[12]],
  expm1: Array.from(TABLE.subarray(13, 25)),
} as const;

/**
 * Writes `tanh(x[i])` into `out[i]` for `i` in `0..n`, with the constants `c` of
 * {@linkcode tanhTable} (an argument, not a module constant, so the worker pool can run it from
 * its source text). The WebAssembly kernel computes exactly these operations.
 */
export function tanhRange(
  x: Storage,
  out: Storage,
  c: Float64Array,
  n: number,
): void {
  const small = c[0], big = c[1], third = c[2], shift = c[3], invLn2 = c[4];
  const ln2Hi = c[5], ln2Lo = c[6], p0 = c[7], p1 = c[8], p2 = c[9];
  const q1 = c[10], q2 = c[11], q3 = c[12];
  const f2 = c[13], f3 = c[14], f4 = c[15], f5 = c[16], f6 = c[17], f7 = c[18];
  const f8 = c[19], f9 = c[20], f10 = c[21], f11 = c[22], f12 = c[23], f13 = c[24];
  for (let i = 0; i < n; i++) {
    const v = x[i];
    const a = Math.abs(v);
    let w: number;
    if (a < small) {
      if (a === 0) {
        out[i] = v; // ±0
        continue;
      }
      const s = a * a;
      const p = p0 + s * (p1 + s * p2);
      const q = 1 + s * (q1 + s * (q2 + s * q3));
      w = a + (a * s) * (s * (p / q) - third);
    } else if (a < big) {
      const y = a + a;
      const k = (y * invLn2 + shift) - shift; // y = k·ln2 + r
      const rh = y - k * ln2Hi;
      const rl = k * ln2Lo;
      const r = rh - rl;
      const r2 = r * r;
      const r4 = r2 * r2;
      const g0 = (f2 + r * f3) + r2 * (f4 + r * f5); // Estrin's scheme for h(r) …
      const g1 = (f6 + r * f7) + r2 * (f8 + r * f9);
      const g2 = (f10 + r * f11) + r2 * (f12 + r * f13);
      const h = (g0 + r4 * g1) + (r4 * r4) * g2;
      const p = rh + (r2 * h - rl); // … and expm1(r) = r + r²·h(r)
      const e = c[25 + k]; // 2^k
      const e1 = e + 1;
      const ep = e * p;
      const d = e1 + ep; // e^y + 1 …
      const dl = ep - (d - e1); // … and what rounding it lost
      const q = 2 / d;
      const u = 1 - q;
      w = u + (((1 - u) - q) + (q * q) * (dl * 0.5)); // 1 − 2/(d + dl)
    } else {
      out[i] = v > 0 ? 1 : v < 0 ? -1 : v; // saturated, ±∞, NaN
      continue;
    }
    out[i] = v < 0 ? -w : w;
  }
}

/**
 * Arrays shorter than this run the JavaScript loop: under it the call into WebAssembly and
 * the copies in and out cost more than the SIMD saves (measured: at 16 elements 10.7 ns per
 * element in JavaScript against 10–16 in WebAssembly, at 24 9.0 against 8.2–8.6, at 64 9
 * against 7.3).
 */
export const TANH_WASM_MIN = 24;

/** Elements the WebAssembly kernels take per step (the rest of an array runs in JavaScript). */
export const TANH_WASM_STEP = 8;

/** Elements per call into WebAssembly: the input and output chunks fill 256 KiB. */
const CHUNK = 16384;

/** Byte addresses of the input and output chunks (the module's constants lie below). */
const SRC = 65536, DST = SRC + CHUNK * 8;

type Run = (src: number, dst: number, n: number) => void;

/** The instance's kernels and its input and output chunks as arrays of both widths. */
interface TanhWasm {
  readonly memory: WebAssembly.Memory;
  readonly f64: Run;
  readonly f32: Run;
  readonly src64: Float64Array;
  readonly dst64: Float64Array;
  readonly src32: Float32Array;
  readonly dst32: Float32Array;
}

const kernels = new WasmKernels<TanhWasm>("tanh", TANH_WASM_BASE64, (ex) => {
  const memory = ex.memory as WebAssembly.Memory;
  if (memory.buffer.byteLength < DST + CHUNK * 8) throw new Error("memory too small");
  const heap = memory.buffer; // fixed: the module never grows its memory
  return {
    memory,
    f64: ex.tanh_f64 as Run,
    f32: ex.tanh_f32 as Run,
    src64: new Float64Array(heap, SRC, CHUNK),
    dst64: new Float64Array(heap, DST, CHUNK),
    src32: new Float32Array(heap, SRC, CHUNK),
    dst32: new Float32Array(heap, DST, CHUNK),
  };
});

/** The bytes of the WebAssembly tanh kernel. */
export function tanhBytes(): Uint8Array<ArrayBuffer> {
  return kernels.bytes();
}

/**
 * The WebAssembly kernel, compiled and instantiated on first use (synchronously: the module
 * is 3.3 KiB); null where WebAssembly SIMD is unavailable or code generation is refused.
 */
export function tanhWasm(): TanhWasm | null {
  return kernels.load();
}

let wasmMin = TANH_WASM_MIN;

/**
 * @ignore For tests and measurements: `"js"` runs the JavaScript loop at every length,
 * `"wasm"` the WebAssembly kernel at every length (the last `n mod 8` elements in
 * JavaScript), `"auto"` the default.
 */
export function setTanhPath(path: "auto" | "js" | "wasm"): void {
  kernels.force(path === "js" ? 'setTanhPath("js")' : null);
  wasmMin = path === "wasm" ? 0 : TANH_WASM_MIN;
}

/**
 * Writes `tanh(x[i])` into `out[i]`: the WebAssembly kernel for float arrays of
 * {@linkcode TANH_WASM_MIN} elements or more where it loads, else the JavaScript loop (split
 * across the worker pool when the array is large and the pool is there).
 */
export function tanhKernel(x: Storage, out: Storage): void {
  const n = x.length;
  const same = (x instanceof Float64Array && out instanceof Float64Array) ||
    (x instanceof Float32Array && out instanceof Float32Array);
  const w = same && n >= wasmMin ? tanhWasm() : null;
  if (w === null) {
    if (
      n < 4096 || !parallelRows(tanhRange, n, n * 10, [rowsOf(x), outRows(out), TABLE, ROW_COUNT])
    ) {
      tanhRange(x, out, TABLE, n);
    }
    return;
  }
  const f32 = x instanceof Float32Array;
  const src = f32 ? w.src32 : w.src64, dst = f32 ? w.dst32 : w.dst64;
  const run = f32 ? w.f32 : w.f64;
  for (let i = 0; i < n; i += CHUNK) {
    const m = Math.min(CHUNK, n - i);
    const body = m - (m % TANH_WASM_STEP);
    src.set(m === n ? x : x.subarray(i, i + m));
    run(SRC, DST, body);
    out.set(body === CHUNK ? dst : dst.subarray(0, body), i);
    if (body < m) {
      tanhRange(x.subarray(i + body, i + m), out.subarray(i + body, i + m), TABLE, m - body);
    }
  }
}

registerKernels(tanhRange, tanhTable);
