/**
 * Writes the WebAssembly text of the row kernels (`src/kernels/wasm/rows.wat`) and assembles
 * it into `src/kernels/wasm/rows_wasm.ts`: a matrix plus a row broadcast along its rows (the
 * bias add of a linear layer) and the column sums of a matrix (the bias gradient), for
 * float32 and float64, four (two) lanes at a time. `tests/kernels/rows_test.ts` checks that the
 * committed text and bytes are what this script produces.
 *
 * `deno run --allow-write=src/kernels/wasm tests/tools/gen_rows.ts`
 *
 * @module
 */

import { renderKernelModule, writeKernelModule } from "./build_wasm.ts";

/** `o[i·n + j] = a[i·n + j] + b[j]` for `i < m`, `j < n`, in one element width. */
function addRows(bits: 32 | 64): string {
  const es = bits / 8, ty = `f${bits}`, vty = bits === 32 ? "f32x4" : "f64x2";
  return `  ;; o[i·n + j] = a[i·n + j] + b[j] (${ty}), i < m, j < n: 16 bytes at a time, then one element
  (func (export "add_rows_${ty}")
    (param $a i32) (param $b i32) (param $o i32) (param $m i32) (param $n i32)
    (local $j i32) (local $nb i32) (local $nv i32)
    (local.set $nb (i32.mul (local.get $n) (i32.const ${es})))
    (local.set $nv (i32.and (local.get $nb) (i32.const -16)))
    (block $idone (loop $iloop
      (br_if $idone (i32.eqz (local.get $m)))
      (local.set $j (i32.const 0))
      (block $vdone (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $nv)))
        (v128.store (i32.add (local.get $o) (local.get $j))
          (${vty}.add (v128.load (i32.add (local.get $a) (local.get $j)))
            (v128.load (i32.add (local.get $b) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $vloop)))
      (block $edone (loop $eloop
        (br_if $edone (i32.ge_u (local.get $j) (local.get $nb)))
        (${ty}.store (i32.add (local.get $o) (local.get $j))
          (${ty}.add (${ty}.load (i32.add (local.get $a) (local.get $j)))
            (${ty}.load (i32.add (local.get $b) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const ${es})))
        (br $eloop)))
      (local.set $a (i32.add (local.get $a) (local.get $nb)))
      (local.set $o (i32.add (local.get $o) (local.get $nb)))
      (local.set $m (i32.sub (local.get $m) (i32.const 1)))
      (br $iloop)))
  )`;
}

/**
 * `acc[j] += x[i·n + j]` for `i = 0, 1, …, m − 1` in that order, `acc` float64: two columns
 * at a time (float32 elements widened exactly), so each column is summed in the same order as
 * one scalar loop would.
 */
function colSums(bits: 32 | 64): string {
  const es = bits / 8, ty = `f${bits}`;
  const load2 = bits === 32
    ? "(f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $x) (local.get $j))))"
    : "(v128.load (i32.add (local.get $x) (local.get $j)))";
  const load1 = bits === 32
    ? "(f64.promote_f32 (f32.load (i32.add (local.get $x) (local.get $j))))"
    : "(f64.load (i32.add (local.get $x) (local.get $j)))";
  const at = bits === 32
    ? "(i32.add (local.get $acc) (i32.shl (local.get $j) (i32.const 1)))"
    : "(i32.add (local.get $acc) (local.get $j))";
  return `  ;; acc[j] += x[i·n + j] for i = 0 … m − 1 in order (${ty} x, float64 acc): two columns at a time
  (func (export "col_sums_${ty}")
    (param $x i32) (param $acc i32) (param $m i32) (param $n i32)
    (local $j i32) (local $nb i32) (local $nv i32)
    (local.set $nb (i32.mul (local.get $n) (i32.const ${es})))
    (local.set $nv (i32.and (local.get $nb) (i32.const ${-2 * es})))
    (block $idone (loop $iloop
      (br_if $idone (i32.eqz (local.get $m)))
      (local.set $j (i32.const 0))
      (block $vdone (loop $vloop
        (br_if $vdone (i32.ge_u (local.get $j) (local.get $nv)))
        (v128.store ${at} (f64x2.add (v128.load ${at}) ${load2}))
        (local.set $j (i32.add (local.get $j) (i32.const ${2 * es})))
        (br $vloop)))
      (if (i32.lt_u (local.get $j) (local.get $nb))
        (then (f64.store ${at} (f64.add (f64.load ${at}) ${load1}))))
      (local.set $x (i32.add (local.get $x) (local.get $nb)))
      (local.set $m (i32.sub (local.get $m) (i32.const 1)))
      (br $iloop)))
  )`;
}

/**
 * `o[i] = g[i] · (1 − y[i]²)` for `i < n` (tanh's backward from its output), every operation
 * in the element width, as the JavaScript kernel rounds to float32 after each.
 */
function tanhGrad(bits: 32 | 64): string {
  const es = bits / 8, ty = `f${bits}`, vty = bits === 32 ? "f32x4" : "f64x2";
  const grad = (t: string, load: string, one: string) =>
    `(${t}.mul (${load} (i32.add (local.get $g) (local.get $j)))
          (${t}.sub ${one} (${t}.mul (local.tee $v (${load} (i32.add (local.get $y) (local.get $j))))
            (local.get $v))))`;
  return `  ;; o[i] = g[i] · (1 − y[i]²) (${ty}, each operation rounded to ${ty}), i < n
  (func (export "tanh_grad_${ty}")
    (param $g i32) (param $y i32) (param $o i32) (param $n i32)
    (local $j i32) (local $nb i32) (local $nv i32) (local $v v128) (local $e ${ty})
    (local.set $nb (i32.mul (local.get $n) (i32.const ${es})))
    (local.set $nv (i32.and (local.get $nb) (i32.const -16)))
    (block $vdone (loop $vloop
      (br_if $vdone (i32.ge_u (local.get $j) (local.get $nv)))
      (v128.store (i32.add (local.get $o) (local.get $j))
        ${grad(vty, "v128.load", `(${vty}.splat (${ty}.const 1))`)})
      (local.set $j (i32.add (local.get $j) (i32.const 16)))
      (br $vloop)))
    (block $edone (loop $eloop
      (br_if $edone (i32.ge_u (local.get $j) (local.get $nb)))
      (${ty}.store (i32.add (local.get $o) (local.get $j))
        ${grad(ty, `${ty}.load`, `(${ty}.const 1)`).replaceAll("$v", "$e")})
      (local.set $j (i32.add (local.get $j) (i32.const ${es})))
      (br $eloop)))
  )`;
}

/** The module's text. */
export function rowsWat(): string {
  return [
    ";; Row kernels for Tapegrad in WebAssembly SIMD. Generated by tests/tools/gen_rows.ts: do not",
    ";; edit. The caller copies the operands into memory and the result out (src/kernels/rows.ts).",
    "(module",
    '  (memory (export "memory") 1)',
    addRows(32),
    addRows(64),
    colSums(32),
    colSums(64),
    tanhGrad(32),
    tanhGrad(64),
    ")",
    "",
  ].join("\n");
}

/** The TypeScript module holding the assembled bytes. */
export function renderRows(wat: string): Promise<string> {
  return renderKernelModule(
    "rows",
    wat,
    "The row kernels (bias add, column sums) in WebAssembly SIMD (base64).",
  );
}

if (import.meta.main) await writeKernelModule("rows", rowsWat(), renderRows);
