/**
 * The ceiling of dense math in WebAssembly on this machine: the most floating-point operations
 * a 128-bit SIMD loop can do per second, on one thread and on every thread at once, measured
 * with a loop that does nothing but independent fused multiply-adds (12 chains of
 * `f32x4.relaxed_madd` / `f64x2.relaxed_madd`, or a multiply and an add where relaxed SIMD is
 * missing), and beside it the rate of Tapegrad's own matrix product (512², float32 and
 * float64) on the same threads. No matrix kernel can beat the first number; PyTorch's OpenBLAS
 * on an AVX-512 CPU runs 512-bit vectors, four times as wide.
 *
 * `deno task bench:ceiling` prints one JSON line per measurement.
 *
 * @module
 */

import { assemble } from "../tests/tools/build_wasm.ts";
import { getNumThreads, matmul, randn, setNumThreads } from "../mod.ts";

const CHAINS = 12;

/** WAT of `fma32(n)` / `fma64(n)`: `n` rounds of one multiply-add on each of 12 chains. */
function source(relaxed: boolean): string {
  const fn = (t: "f32x4" | "f64x2", scalar: "f32" | "f64") => {
    const acc = Array.from({ length: CHAINS }, (_, i) => `(local $c${i} v128)`).join(" ");
    const step = (i: number) =>
      relaxed
        ? `(local.set $c${i} (${t}.relaxed_madd (local.get $c${i}) (local.get $a) (local.get $b)))`
        : `(local.set $c${i} (${t}.add (${t}.mul (local.get $c${i}) (local.get $a)) (local.get $b)))`;
    const sum = Array.from({ length: CHAINS - 1 }, (_, i) => i + 1).reduce(
      (e, i) => `(${t}.add ${e} (local.get $c${i}))`,
      "(local.get $c0)",
    );
    return `
  (func (export "fma${scalar.slice(1)}") (param $n i32) (result ${scalar})
    (local $a v128) (local $b v128) ${acc}
    (local.set $a (${t}.splat (${scalar}.const 0.999999)))
    (local.set $b (${t}.splat (${scalar}.const 0.000001)))
    (loop $l
      ${Array.from({ length: CHAINS }, (_, i) => step(i)).join("\n      ")}
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (${t}.extract_lane 0 ${sum}))`;
  };
  return `(module${fn("f32x4", "f32")}${fn("f64x2", "f64")})`;
}

/** The module's bytes: with relaxed SIMD where this engine compiles it, else without. */
async function bytes(): Promise<{ wasm: Uint8Array; relaxed: boolean }> {
  for (const relaxed of [true, false]) {
    const wasm = await assemble("ceiling.wat", source(relaxed), relaxed);
    if (WebAssembly.validate(wasm as BufferSource)) return { wasm, relaxed };
  }
  throw new Error("this engine has no WebAssembly SIMD");
}

/** Runs `fma32`/`fma64` for `rounds` in a worker (module sent as bytes). */
const WORKER = `
let fns;
onmessage = async ({ data }) => {
  if (data.wasm) {
    fns = (await WebAssembly.instantiate(data.wasm)).instance.exports;
    postMessage("ready");
    return;
  }
  fns[data.fn](data.rounds);
  postMessage("done");
};`;

const { wasm, relaxed } = await bytes();
const { instance } = await WebAssembly.instantiate(wasm as BufferSource);
const fns = instance.exports as { [k: string]: (n: number) => number };
const flopsPerRound = (lanes: number) => CHAINS * lanes * 2;

const threads = navigator.hardwareConcurrency;
const workers: Worker[] = [];
const url = URL.createObjectURL(new Blob([WORKER], { type: "text/javascript" }));
const reply = (w: Worker) =>
  new Promise<void>((resolve) => {
    w.onmessage = () => resolve();
  });
for (let i = 1; i < threads; i++) {
  const w = new Worker(url, { type: "module" });
  const ready = reply(w);
  w.postMessage({ wasm });
  await ready;
  workers.push(w);
}

/** GFLOP/s of `fn` on `t` threads at once (the best of five runs of ~0.2 s). */
async function peak(fn: "fma32" | "fma64", t: number): Promise<number> {
  const lanes = fn === "fma32" ? 4 : 2;
  const rounds = 2e7;
  fns[fn](rounds / 10); // compiled and warm
  let best = 0;
  for (let r = 0; r < 5; r++) {
    const done = workers.slice(0, t - 1).map((w) => {
      const p = reply(w);
      w.postMessage({ fn, rounds });
      return p;
    });
    const t0 = performance.now();
    fns[fn](rounds);
    await Promise.all(done);
    const s = (performance.now() - t0) / 1000;
    best = Math.max(best, (t * rounds * flopsPerRound(lanes)) / s / 1e9);
  }
  return best;
}

/** GFLOP/s of Tapegrad's 512² product of `dtype` on `t` threads (median of 15). */
function product(dtype: "float32" | "float64", t: number): number {
  const was = getNumThreads();
  setNumThreads(t);
  try {
    const a = randn([512, 512], { dtype }), b = randn([512, 512], { dtype });
    for (let i = 0; i < 5; i++) matmul(a, b);
    const times: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      matmul(a, b);
      times.push(performance.now() - t0);
    }
    times.sort((x, y) => x - y);
    return (2 * 512 ** 3) / (times[7] / 1000) / 1e9;
  } finally {
    setNumThreads(was);
  }
}

const round = (x: number) => Math.round(x * 10) / 10;
for (let t = 1; t <= threads; t++) {
  for (const [fn, dtype] of [["fma32", "float32"], ["fma64", "float64"]] as const) {
    const top = await peak(fn, t);
    const mm = product(dtype, t);
    console.log(JSON.stringify({
      threads: t,
      dtype,
      simd128_peak_gflops: round(top),
      relaxed_simd: relaxed,
      matmul_512_gflops: round(mm),
      matmul_share_of_peak: Math.round((mm / top) * 100) / 100,
    }));
  }
}
for (const w of workers) w.terminate();
URL.revokeObjectURL(url);
