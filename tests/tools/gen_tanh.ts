/**
 * Writes the WebAssembly text of the elementwise tanh kernel (`src/kernels/wasm/tanh.wat`)
 * from the constants in `src/kernels/tanh.ts`, and assembles it (wabt, as
 * `tests/tools/build_wasm.ts` does for the matrix product) into
 * `src/kernels/wasm/tanh_wasm.ts`. `tests/kernels/tanh_kernel_test.ts` checks that the
 * committed text and bytes are what this script produces.
 *
 * `deno run --allow-write=src/kernels/wasm tests/tools/gen_tanh.ts`
 *
 * @module
 */

import { TANH_CONSTANTS as C } from "../../src/kernels/tanh.ts";
import { renderKernelModule, writeKernelModule } from "./build_wasm.ts";

/** A float64 as an exact hexadecimal literal (`0x1.8p+52`). */
export function hexFloat(v: number): string {
  if (v === 0) return Object.is(v, -0) ? "-0x0p+0" : "0x0p+0";
  const bits = new BigUint64Array(new Float64Array([v]).buffer)[0];
  const sign = bits >> 63n ? "-" : "";
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = (bits & 0xfffffffffffffn).toString(16).padStart(13, "0").replace(/0+$/, "");
  if (exp === 0) throw new Error("subnormal constant");
  return `${sign}0x1${frac ? "." + frac : ""}p${exp - 1023 >= 0 ? "+" : ""}${exp - 1023}`;
}

/**
 * The constants, each a float64 at its offset in memory's first bytes (a data segment): V8
 * builds a `v128.const` from immediates with three or four instructions at every use, while
 * a load from memory is one.
 */
let constants: bigint[] = [];

/** The bit pattern of a float64. */
function bitsOf(v: number): bigint {
  return new BigUint64Array(new Float64Array([v]).buffer)[0];
}

/** A constant: its bits, loaded into both lanes. */
function kBits(b: bigint): string {
  let i = constants.indexOf(b);
  if (i < 0) i = constants.push(b) - 1;
  return `(v128.load64_splat offset=${i * 8} (i32.const 0))`;
}

const k = (v: number) => kBits(bitsOf(v));
const add = (a: string, b: string) => `(f64x2.add ${a} ${b})`;
const sub = (a: string, b: string) => `(f64x2.sub ${a} ${b})`;
const mul = (a: string, b: string) => `(f64x2.mul ${a} ${b})`;
const div = (a: string, b: string) => `(f64x2.div ${a} ${b})`;
const sel = (a: string, b: string, m: string) => `(v128.bitselect ${a} ${b} ${m})`;

/** The locals of one vector's computation (suffixed by the vector's index). */
const LOCALS = ["a", "m", "s", "pa", "qa", "ra", "y", "kb", "kf", "rh", "rl", "r", "r2", "r4"]
  .concat(["e0", "e1", "e2", "e3", "e4", "e5", "g0", "g1", "g2", "h", "p", "e", "eo", "ep", "d"])
  .concat(["q", "u", "rb"]);

/**
 * The statements computing `tanh` of `$x{i}` into `$t{i}`, in the order of `tanhRange()` in
 * `src/kernels/tanh.ts` (see there for the algorithm). Both forms are computed for every
 * lane and the right one selected: cheaper than a branch on data where lanes mix.
 */
function core(i: number): string[] {
  const g = (n: string) => `(local.get $${n}${i})`;
  const set = (n: string, e: string) => `(local.set $${n}${i} ${e})`;
  const f = C.expm1;
  return [
    set("a", `(f64x2.abs ${g("x")})`),
    set("m", `(f64x2.lt ${g("a")} ${k(C.small)})`),
    // a < small: a + a·s·(s·P(s)/Q(s) − 1/3), s = a²
    set("s", mul(g("a"), g("a"))),
    set("pa", add(k(C.p[0]), mul(g("s"), add(k(C.p[1]), mul(g("s"), k(C.p[2])))))),
    set(
      "qa",
      add(k(1), mul(g("s"), add(k(C.q[0]), mul(g("s"), add(k(C.q[1]), mul(g("s"), k(C.q[2]))))))),
    ),
    // a ≥ small: 1 − 2/(e^{2a} + 1), e^{2a} = 2^k·(1 + expm1(r)), y = 2a = k·ln2 + r
    set("y", add(g("a"), g("a"))),
    set("kb", add(mul(g("y"), k(C.invLn2)), k(C.shift))), // k + 1.5·2^52: k in the low bits
    set("kf", sub(g("kb"), k(C.shift))),
    set("rh", sub(g("y"), mul(g("kf"), k(C.ln2Hi)))),
    set("rl", mul(g("kf"), k(C.ln2Lo))),
    set("r", sub(g("rh"), g("rl"))),
    set("r2", mul(g("r"), g("r"))),
    set("r4", mul(g("r2"), g("r2"))),
    // expm1(r) = r + r²·h(r), h by Estrin's scheme
    set("e0", add(k(f[0]), mul(g("r"), k(f[1])))),
    set("e1", add(k(f[2]), mul(g("r"), k(f[3])))),
    set("e2", add(k(f[4]), mul(g("r"), k(f[5])))),
    set("e3", add(k(f[6]), mul(g("r"), k(f[7])))),
    set("e4", add(k(f[8]), mul(g("r"), k(f[9])))),
    set("e5", add(k(f[10]), mul(g("r"), k(f[11])))),
    set("g0", add(g("e0"), mul(g("r2"), g("e1")))),
    set("g1", add(g("e2"), mul(g("r2"), g("e3")))),
    set("g2", add(g("e4"), mul(g("r2"), g("e5")))),
    set("h", add(add(g("g0"), mul(g("r4"), g("g1"))), mul(mul(g("r4"), g("r4")), g("g2")))),
    set("p", add(g("rh"), sub(mul(g("r2"), g("h")), g("rl")))),
    // 2^k: the exponent field k + 1023 (the high bits of 1.5·2^52 shift out)
    set("e", `(i64x2.shl (i64x2.add ${g("kb")} ${kBits(1023n)}) (i32.const 52))`),
    set("eo", add(g("e"), k(1))),
    set("ep", mul(g("e"), g("p"))),
    set("d", add(g("eo"), g("ep"))),
    // one division for both forms: P/Q in the lanes below small, 2/d in the others
    set("q", div(sel(g("pa"), k(2), g("m")), sel(g("qa"), g("d"), g("m")))),
    set("ra", add(g("a"), mul(mul(g("a"), g("s")), sub(mul(g("s"), g("q")), k(C.third))))),
    set("u", sub(k(1), g("q"))),
    // u + (((1 − u) − q) + q²·dl/2), dl = ep − (d − eo) what d lost in rounding
    set(
      "rb",
      add(
        g("u"),
        add(
          sub(sub(k(1), g("u")), g("q")),
          mul(mul(g("q"), g("q")), mul(sub(g("ep"), sub(g("d"), g("eo"))), k(0.5))),
        ),
      ),
    ),
    set("rb", `(v128.bitselect ${k(1)} ${g("rb")} (f64x2.ge ${g("a")} ${k(C.big)}))`), // ±1 from big
    // the sign of x put back (±0 stays ±0, NaN stays NaN)
    set(
      "x",
      `(v128.or (v128.bitselect ${g("ra")} ${g("rb")} ${g("m")}) ` +
        `(v128.and ${g("x")} ${kBits(1n << 63n)}))`,
    ),
  ];
}

/**
 * Pages of memory: the constants in the first, then the input and output chunks of
 * `tanhKernel()` (16384 float64 each, from byte 65536).
 */
const MEMORY_PAGES = 5;

/**
 * Vectors per step of the kernels' loops, their computations interleaved so the processor
 * overlaps their long dependency chains (measured on the 2-core development machine: one
 * vector 7.7 ns per element, two 6.0, four 5.5; six would not fit in 4 KiB). One loop serves
 * both widths, so the core is written once and runs without a call per step.
 */
const WAYS = 4;

/** The text of `src/kernels/wasm/tanh.wat`. */
export function tanhWat(ways = WAYS): string {
  constants = [];
  const cores = Array.from({ length: ways }, (_, i) => core(i));
  const data = constants.map((b) => {
    let h = "";
    for (let j = 0n; j < 8n; j++) {
      h += "\\" + ((b >> (8n * j)) & 0xffn).toString(16).padStart(2, "0");
    }
    return h;
  });
  const body: string[] = [];
  for (let i = 0; i < cores[0].length; i++) for (const c of cores) body.push("      " + c[i]);
  const idx = Array.from({ length: ways }, (_, i) => i);
  const n64 = 2 * ways, n32 = 4 * Math.ceil(ways / 2);
  const load64 = idx.map((i) => `(v128.load offset=${16 * i} (local.get $src))`);
  // float32: vector j of the input gives the float64 vectors 2j (low half) and 2j + 1
  const load32 = idx.map((i) =>
    i % 2 === 0
      ? `(f64x2.promote_low_f32x4 (local.get $v${i >> 1}))`
      : `(f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 ` +
        `(local.get $v${i >> 1}) (local.get $v${i >> 1})))`
  );
  const L = [
    ";; Elementwise tanh for Tapegrad in WebAssembly SIMD, two float64 lanes per vector.",
    ";; Generated by tests/tools/gen_tanh.ts from the constants of src/kernels/tanh.ts: do not",
    ";; edit. The same operations, in the same order and without fused multiply-adds, as",
    ";; tanhRange() there, so both give the same bits.",
    "(module",
    `  (memory (export "memory") ${MEMORY_PAGES})`,
    "  ;; the constants of the algorithm, float64 bits, little-endian",
    `  (data (i32.const 0) "${data.join("")}")`,
    `  ;; dst[i] = tanh(src[i]) for n elements at byte addresses src, dst: float32 (n a multiple`,
    `  ;; of ${n32}, computed in float64 and rounded once) or float64 (n a multiple of ${n64});`,
    `  ;; ${ways} vectors a step, their computations interleaved`,
    "  (func $run (param $src i32) (param $dst i32) (param $n i32) (param $f32 i32)",
    "    (local $end i32) (local $step i32) " +
    idx.filter((i) => i % 2 === 0).map((i) => `(local $v${i >> 1} v128)`).join(" ") + " " +
    idx.map((i) => `(local $x${i} v128)`).join(" "),
    "    " + LOCALS.flatMap((n) => idx.map((i) => `(local $${n}${i} v128)`)).join(" "),
    "    (local.set $end (i32.add (local.get $src) " +
    "(i32.shl (local.get $n) (i32.sub (i32.const 3) (local.get $f32)))))",
    `    (local.set $step (i32.shr_u (i32.const ${16 * ways}) (local.get $f32)))`,
    "    (block $done (loop $next",
    "      (br_if $done (i32.ge_u (local.get $src) (local.get $end)))",
    "      (if (local.get $f32) (then",
    ...idx.filter((i) => i % 2 === 0).map((i) =>
      `        (local.set $v${i >> 1} (v128.load offset=${8 * i} (local.get $src)))`
    ),
    ...idx.map((i) => `        (local.set $x${i} ${load32[i]})`),
    "      ) (else",
    ...idx.map((i) => `        (local.set $x${i} ${load64[i]})`),
    "      ))",
    ...body,
    "      (if (local.get $f32) (then",
    ...idx.filter((i) => i % 2 === 0).map((i) =>
      `        (v128.store offset=${8 * i} (local.get $dst) ` +
      "(i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 " +
      `(f32x4.demote_f64x2_zero (local.get $x${i})) (f32x4.demote_f64x2_zero (local.get $x${
        i + 1
      }))))`
    ),
    "      ) (else",
    ...idx.map((i) => `        (v128.store offset=${16 * i} (local.get $dst) (local.get $x${i}))`),
    "      ))",
    "      (local.set $src (i32.add (local.get $src) (local.get $step)))",
    "      (local.set $dst (i32.add (local.get $dst) (local.get $step)))",
    "      (br $next))))",
    '  (func (export "tanh_f64") (param $src i32) (param $dst i32) (param $n i32)',
    "    (call $run (local.get $src) (local.get $dst) (local.get $n) (i32.const 0)))",
    '  (func (export "tanh_f32") (param $src i32) (param $dst i32) (param $n i32)',
    "    (call $run (local.get $src) (local.get $dst) (local.get $n) (i32.const 1)))",
    ")",
    "",
  ];
  return L.join("\n");
}

/** The TypeScript module holding the assembled bytes. */
export function renderTanh(wat: string): Promise<string> {
  return renderKernelModule(
    "tanh",
    wat,
    "The elementwise tanh kernel in WebAssembly SIMD (base64).",
  );
}

if (import.meta.main) await writeKernelModule("tanh", tanhWat(), renderTanh);
