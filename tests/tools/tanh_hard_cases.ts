/**
 * Finds the float32 inputs whose float64 tanh (src/kernels/tanh.ts) lies within 1024 float64
 * ulps of a float32 rounding midpoint, scanning every positive float32 (about 30 s), and
 * writes them to `tests/fixtures/tanh_hard32.json`; `tests/fixtures/gen_tanh.py` adds them to
 * the fixture with their correctly rounded tanh. These are the inputs where a float64 error of
 * an ulp could change the float32 result: none lies within 2 ulps (measured: 497 within 1024,
 * none within 2), so with the kernel's error under one ulp every float32 result is the
 * correctly rounded one (tanh is odd and the kernel exactly so: negative inputs mirror these).
 *
 * `deno run --allow-write=tests/fixtures tests/tools/tanh_hard_cases.ts`
 *
 * @module
 */

import { tanhKernel } from "../../src/kernels/tanh.ts";

/** Positive float32 inputs whose float64 tanh is within `window` ulps of a float32 midpoint. */
export function hardCases(window = 1024): number[] {
  const C = 1 << 20;
  const bits = new Uint32Array(C), x32 = new Float32Array(bits.buffer);
  const x64 = new Float64Array(C), y = new Float64Array(C);
  const f = new Float64Array(1), fb = new BigUint64Array(f.buffer);
  const hard: number[] = [];
  const end = new Uint32Array(new Float32Array([Infinity]).buffer)[0];
  for (let b = 0; b < end; b += C) {
    const m = Math.min(C, end - b);
    for (let i = 0; i < m; i++) bits[i] = b + i;
    for (let i = 0; i < m; i++) x64[i] = x32[i];
    tanhKernel(x64.subarray(0, m), y.subarray(0, m));
    for (let i = 0; i < m; i++) {
      if (y[i] === 0 || y[i] === 1 || y[i] < 2 ** -126) continue; // exact, or float32 subnormal
      f[0] = y[i];
      // float32 keeps 24 of float64's 53 significant bits: the low 29 decide the rounding,
      // and 1 << 28 there is the midpoint
      if (Math.abs(Number(fb[0] & 0x1fffffffn) - 0x10000000) <= window) hard.push(x32[i]);
    }
  }
  return hard;
}

if (import.meta.main) {
  const hard = hardCases();
  const url = new URL("../fixtures/tanh_hard32.json", import.meta.url);
  Deno.writeTextFileSync(url, JSON.stringify(hard) + "\n");
  console.log(`wrote tests/fixtures/tanh_hard32.json (${hard.length} inputs)`);
}
