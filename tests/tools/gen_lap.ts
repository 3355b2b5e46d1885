/**
 * Writes the WebAssembly text of the forward-Laplacian kernels (`src/kernels/wasm/lap.wat`) and
 * assembles it into `src/kernels/wasm/lap_wasm.ts`: the collapsed second-order step of an
 * elementwise function and its VJP (`lapUnaryKernel` and `lapUnaryVjpKernel` of
 * `src/kernels/taylor.ts`), float64, two lanes at a time, each value computed by the same
 * operations in the same order as the JavaScript loops (no fused multiply-adds), so both give
 * the same bits. `tests/kernels/lap_test.ts` checks that the committed text and bytes are what
 * this script produces.
 *
 * `deno run --allow-read --allow-write=src/kernels/wasm tests/tools/gen_lap.ts`
 *
 * @module
 */

import {
  assemble,
  base64,
  renderKernelModule,
  sharedVariant,
  wrapBase64,
  writeKernelModule,
} from "./build_wasm.ts";

/** One width of the element loops: two lanes, or the one-element tail of an odd row. */
interface Width {
  readonly ld: (at: string) => string;
  readonly st: (at: string, v: string) => string;
  readonly op: "f64x2" | "f64";
  readonly two: string;
}

const VEC: Width = {
  ld: (at) => `(v128.load ${at})`,
  st: (at, v) => `(v128.store ${at} ${v})`,
  op: "f64x2",
  two: "(v128.const f64x2 2 2)",
};

const ONE: Width = {
  ld: (at) => `(f64.load ${at})`,
  st: (at, v) => `(f64.store ${at} ${v})`,
  op: "f64",
  two: "(f64.const 2)",
};

const get = (x: string) => `(local.get $${x})`;
/** The byte address `a + b + …` of locals or expressions. */
const at = (...xs: string[]): string =>
  xs.map((x) => (x.startsWith("(") ? x : get(x))).reduce((a, b) => `(i32.add ${a} ${b})`);

/**
 * `body` for the bytes `e` of one row of m elements (`$mb` bytes): 16 at a time up to `$mv`,
 * then the last element of an odd row.
 */
function row(label: string, body: (w: Width) => string): string {
  return `(local.set $e (i32.const 0))
      (block $${label} (loop $${label}_l
        (br_if $${label} (i32.ge_u (local.get $e) (local.get $mv)))
        ${body(VEC)}
        (local.set $e (i32.add (local.get $e) (i32.const 16)))
        (br $${label}_l)))
      (if (i32.lt_u (local.get $e) (local.get $mb)) (then ${body(ONE)}))`;
}

/** `inner` for every repeat `p` (a byte offset, `$mb` apart) of a row in the `$nb` bytes of n. */
function repeats(label: string, inner: string): string {
  return `(local.set $p (i32.const 0))
      (block $${label} (loop $${label}_l
        (br_if $${label} (i32.ge_u (local.get $p) (local.get $nb)))
        ${inner}
        (local.set $p (i32.add (local.get $p) (local.get $mb)))
        (br $${label}_l)))`;
}

/** Zeroes the bytes `[from, from + bytes)` (a multiple of 16). */
function zero(from: string, bytes: string): string {
  return `(local.set $e (i32.const 0))
    (block $z (loop $z_l
      (br_if $z (i32.ge_u (local.get $e) ${bytes}))
      (v128.store ${at(from, "e")} (v128.const i64x2 0 0))
      (local.set $e (i32.add (local.get $e) (i32.const 16)))
      (br $z_l)))`;
}

const SIZES = `(local.set $mb (i32.shl (local.get $m) (i32.const 3)))
    (local.set $nb (i32.shl (local.get $n) (i32.const 3)))
    (local.set $mv (i32.and (local.get $mb) (i32.const -16)))`;

/**
 * `out` (`[d + 1, n]`) from `s` (`[d + 1, m]`, each row repeated n/m times), `f'` and `f''`
 * (`[n]`): `out_r = s_r f'` for `r < d`, `out_d = s_d f' + sq f''` with `sq = Σ_{r<d} s_r²`
 * (`$sq`: m scratch elements, 16-byte padded). The last row goes to `$last` (`out + d n` for
 * the whole step); the rows `r < d` are written only when `$dirs` is not 0.
 */
function forward(): string {
  const w = (x: Width) => x.op;
  return `  ;; the collapsed step: out_r = s_r f' (r < d), out_d = s_d f' + (Σ_r s_r²) f''
  (func (export "lap_f64")
    (param $s i32) (param $d1 i32) (param $d2 i32) (param $out i32) (param $last i32)
    (param $sq i32) (param $dirs i32) (param $d i32) (param $n i32) (param $m i32)
    (local $r i32) (local $p i32) (local $e i32) (local $mb i32) (local $nb i32) (local $mv i32)
    (local $srow i32) (local $orow i32)
    ${SIZES}
    ${zero("sq", "(i32.and (i32.add (local.get $mb) (i32.const 15)) (i32.const -16))")}
    (local.set $srow (local.get $s))
    (local.set $orow (local.get $out))
    (local.set $r (i32.const 0))
    (block $rows (loop $rows_l
      (br_if $rows (i32.ge_u (local.get $r) (local.get $d)))
      ${
    row("sqr", (x) =>
      x.st(
        at("sq", "e"),
        `(${w(x)}.add ${x.ld(at("sq", "e"))} (${w(x)}.mul ${x.ld(at("srow", "e"))} ${
          x.ld(at("srow", "e"))
        }))`,
      ))
  }
      (if (local.get $dirs) (then ${
    repeats(
      "fr",
      row("fe", (x) =>
        x.st(
          at("orow", "p", "e"),
          `(${w(x)}.mul ${x.ld(at("srow", "e"))} ${x.ld(at("d1", "p", "e"))})`,
        )),
    )
  }))
      (local.set $srow (i32.add (local.get $srow) (local.get $mb)))
      (local.set $orow (i32.add (local.get $orow) (local.get $nb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows_l)))
    ${
    repeats(
      "lr",
      row("le", (x) =>
        x.st(
          at("last", "p", "e"),
          `(${w(x)}.add (${w(x)}.mul ${x.ld(at("srow", "e"))} ${x.ld(at("d1", "p", "e"))}) (${
            w(x)
          }.mul ${x.ld(at("sq", "e"))} ${x.ld(at("d2", "p", "e"))}))`,
        )),
    )
  }
  )`;
}

/**
 * The VJP: from `g` (`[d + 1, n]`), `s`, `f'`, `f''`, the gradients `gs` (`[d + 1, m]`, summed
 * over the repeats), `g1`, `g2` (`[n]`), with scratch `b` and `sq` (m elements each). `b`, `sq`,
 * `gs` and `g1` lie one after the other from `$b` (each 16-byte padded), zeroed together.
 */
function vjp(): string {
  const w = (x: Width) => x.op;
  const acc = (x: Width, to: string, v: string) => x.st(to, `(${w(x)}.add ${x.ld(to)} ${v})`);
  return `  ;; its VJP: gs_r = Σ_p f' g_r (+ b s_r, r < d), g1 = Σ_r g_r s_r, g2 = g_d Σ_r s_r², b = Σ_p 2 f'' g_d
  (func (export "lap_vjp_f64")
    (param $g i32) (param $s i32) (param $d1 i32) (param $d2 i32) (param $b i32) (param $sq i32)
    (param $gs i32) (param $g1 i32) (param $g2 i32) (param $zeroed i32)
    (param $d i32) (param $n i32) (param $m i32)
    (local $r i32) (local $p i32) (local $e i32) (local $mb i32) (local $nb i32) (local $mv i32)
    (local $srow i32) (local $grow i32) (local $gsrow i32) (local $glast i32) (local $w v128)
    (local $w1 f64)
    ${SIZES}
    ${zero("b", "(local.get $zeroed)")}
    (local.set $glast (i32.add (local.get $g) (i32.mul (local.get $d) (local.get $nb))))
    ${
    repeats(
      "br",
      row("be", (x) =>
        acc(
          x,
          at("b", "e"),
          `(${w(x)}.mul (${w(x)}.mul ${x.two} ${x.ld(at("d2", "p", "e"))}) ${
            x.ld(at("glast", "p", "e"))
          })`,
        )),
    )
  }
    (local.set $srow (local.get $s))
    (local.set $grow (local.get $g))
    (local.set $gsrow (local.get $gs))
    (local.set $r (i32.const 0))
    (block $rows (loop $rows_l
      ${
    repeats(
      "gr",
      row("ge", (x) => {
        const wv = x === VEC ? "(local.get $w)" : "(local.get $w1)";
        const set = x === VEC
          ? `(local.set $w ${x.ld(at("grow", "p", "e"))})`
          : `(local.set $w1 ${x.ld(at("grow", "p", "e"))})`;
        return `${set}
        ${acc(x, at("gsrow", "e"), `(${w(x)}.mul ${x.ld(at("d1", "p", "e"))} ${wv})`)}
        ${acc(x, at("g1", "p", "e"), `(${w(x)}.mul ${wv} ${x.ld(at("srow", "e"))})`)}`;
      }),
    )
  }
      (br_if $rows (i32.ge_u (local.get $r) (local.get $d)))
      ${
    row("se", (x) =>
      `${acc(x, at("gsrow", "e"), `(${w(x)}.mul ${x.ld(at("b", "e"))} ${x.ld(at("srow", "e"))})`)}
        ${
        acc(x, at("sq", "e"), `(${w(x)}.mul ${x.ld(at("srow", "e"))} ${x.ld(at("srow", "e"))})`)
      }`)
  }
      (local.set $srow (i32.add (local.get $srow) (local.get $mb)))
      (local.set $grow (i32.add (local.get $grow) (local.get $nb)))
      (local.set $gsrow (i32.add (local.get $gsrow) (local.get $mb)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows_l)))
    ${
    repeats(
      "g2r",
      row("g2e", (x) =>
        x.st(
          at("g2", "p", "e"),
          `(${w(x)}.mul ${x.ld(at("glast", "p", "e"))} ${x.ld(at("sq", "e"))})`,
        )),
    )
  }
  )`;
}

/**
 * `f' = a + (b + c y) y` and `f'' = (b + 2c y) f'` of a Riccati function from its values `y`
 * (`[n]`; `f'` may overwrite `y`), by the operations of `riccatiDerivsKernel` in their order.
 */
function derivs(): string {
  const body = (x: Width) => {
    const w = x.op, v = x === VEC ? "v" : "s";
    const g = (name: string) => `(local.get $${name}${v})`;
    return `(local.set $y${v} ${x.ld(at("y", "e"))})
        (local.set $p${v} (${w}.add ${g("a")} (${w}.mul (${w}.add ${g("b")} (${w}.mul ${g("c")} ${
      g("y")
    })) ${g("y")})))
        ${x.st(at("d1", "e"), g("p"))}
        ${
      x.st(
        at("d2", "e"),
        `(${w}.mul (${w}.add ${g("b")} (${w}.mul ${g("c2")} ${g("y")})) ${g("p")})`,
      )
    }`;
  };
  const splat = (name: string) => `(local.set $${name}v (f64x2.splat (local.get $${name}s)))`;
  return `  ;; f' = a + (b + c y) y, f'' = (b + 2c y) f' (a Riccati function's, from its values)
  (func (export "riccati_f64")
    (param $y i32) (param $d1 i32) (param $d2 i32) (param $n i32)
    (param $as f64) (param $bs f64) (param $cs f64)
    (local $e i32) (local $mb i32) (local $mv i32) (local $c2s f64)
    (local $av v128) (local $bv v128) (local $cv v128) (local $c2v v128) (local $yv v128)
    (local $pv v128) (local $ys f64) (local $ps f64)
    (local.set $mb (i32.shl (local.get $n) (i32.const 3)))
    (local.set $mv (i32.and (local.get $mb) (i32.const -16)))
    (local.set $c2s (f64.mul (f64.const 2) (local.get $cs)))
    ${splat("a")} ${splat("b")} ${splat("c")} ${splat("c2")}
    ${row("de", body)}
  )`;
}

/** The module's text. */
export function lapWat(): string {
  return [
    ";; Forward-Laplacian kernels for Tapegrad in WebAssembly SIMD. Generated by",
    ";; tests/tools/gen_lap.ts: do not edit. The caller copies the operands into memory and the",
    ";; results out (src/kernels/lap.ts).",
    "(module",
    '  (memory (export "memory") 1)',
    forward(),
    vjp(),
    derivs(),
    ")",
    "",
  ].join("\n");
}

/**
 * The TypeScript module holding the assembled bytes: the build that owns its memory, and the
 * same kernels importing a shared memory (`env.memory`), run on the worker pool's memory so that
 * a step writes its rows where the matrix product reads them.
 */
export async function renderLap(wat: string): Promise<string> {
  const own = await renderKernelModule(
    "lap",
    wat,
    "The forward-Laplacian kernels (collapsed unary step and its VJP) in WebAssembly SIMD (base64).",
  );
  const shared = base64(await assemble("lap_shared.wat", sharedVariant(wat), false));
  return `${own}
/** The same kernels importing a shared memory \`env.memory\` (base64), for the pool's memory. */
export const LAP_SHARED_WASM_BASE64 =
${wrapBase64(shared)};
`;
}

if (import.meta.main) await writeKernelModule("lap", lapWat(), renderLap);
