/**
 * Writes the WebAssembly text of the matrix-product kernels (`src/kernels/wasm/gemm.wat` and
 * `gemm_relaxed.wat`). The register tiles are fully unrolled, so the text is generated from
 * the tile shape here rather than kept by hand: 6 rows of A by 8 float32 (or 4 float64)
 * columns of B, twelve v128 accumulators. `tests/tools/build_wasm.ts` then assembles the text.
 *
 * `deno run --allow-write=src/kernels/wasm tests/tools/gen_wat.ts`
 *
 * @module
 */

/** Rows of A per panel, as `src/kernels/matmul.ts` packs them. */
export const ROWS = 6;

/** v128 vectors of B per panel row (8 float32 or 4 float64 columns). */
const VECS = 2;

/** The kernel `C[mp×np] = Apack · Bpack` for one element width, its tile unrolled. */
function kernel(bits: 32 | 64, relaxed: boolean): string {
  const es = bits / 8;
  const lanes = 16 / es;
  const cols = VECS * lanes;
  const ty = `f${bits}x${lanes}`;
  const acc: string[] = [];
  for (let r = 0; r < ROWS; r++) for (let v = 0; v < VECS; v++) acc.push(`$c${r}${v}`);
  const madd = (c: string, v: number) =>
    relaxed
      ? `(local.set ${c} (${ty}.relaxed_madd (local.get $av) (local.get $b${v}) (local.get ${c})))`
      : `(local.set ${c} (${ty}.add (local.get ${c}) (${ty}.mul (local.get $av) (local.get $b${v}))))`;
  const sa = Array.from({ length: ROWS - 1 }, (_, r) => `$sa${r + 1}`);
  const L: string[] = [
    `  ;; C[mp×np] = A · Bpack in f${bits}: A[i][p] is at byte a + (i/${ROWS})·sq + (i%${ROWS})·sa + p·sp`,
    `  ;; (packed panels [mp/${ROWS}][k][${ROWS}]: sa = ${es}, sp = ${ROWS * es}, sq = ${
      ROWS * es
    }·k; ` +
    `row-major: sa = ${es}·k, sp = ${es}, sq = ${ROWS}·sa),`,
    `  ;; Bpack is [np/${cols}][k][${cols}], C is row-major; mp is a multiple of ${ROWS} and np of ${cols}.`,
    `  ;; A ${ROWS}×${cols} tile of C stays in ${
      ROWS * VECS
    } vector registers for the whole k loop.`,
    `  (func $gemm_f${bits} (export "gemm_f${bits}")`,
    "    (param $mp i32) (param $np i32) (param $k i32) (param $a i32) (param $b i32) (param $c i32)",
    "    (param $sa i32) (param $sp i32) (param $sq i32)",
    "    (local $ib i32) (local $jb i32) (local $p i32) (local $ap i32) (local $bp i32) " +
    "(local $cp i32) (local $row i32)",
    "    " + sa.map((x) => `(local ${x} i32)`).join(" "),
    "    " + acc.map((c) => `(local ${c} v128)`).join(" "),
    "    " + Array.from({ length: VECS }, (_, v) => `(local $b${v} v128)`).join(" ") +
    " (local $av v128)",
    `    (local.set $row (i32.mul (local.get $np) (i32.const ${es})))`,
    ...sa.map((x, r) => `    (local.set ${x} (i32.mul (local.get $sa) (i32.const ${r + 1})))`),
    "    (local.set $jb (i32.const 0))",
    "    (block $jdone (loop $jloop",
    "      (br_if $jdone (i32.ge_u (local.get $jb) (local.get $np)))",
    "      (local.set $ib (i32.const 0))",
    "      (block $idone (loop $iloop",
    "        (br_if $idone (i32.ge_u (local.get $ib) (local.get $mp)))",
    "        (local.set $ap (i32.add (local.get $a) " +
    `(i32.mul (i32.div_u (local.get $ib) (i32.const ${ROWS})) (local.get $sq))))`,
    "        (local.set $bp (i32.add (local.get $b) " +
    `(i32.mul (i32.mul (local.get $jb) (local.get $k)) (i32.const ${es}))))`,
    ...acc.map((c) => `        (local.set ${c} (v128.const i64x2 0 0))`),
    "        (local.set $p (local.get $k))",
    "        (block $pdone (loop $ploop",
    "          (br_if $pdone (i32.eqz (local.get $p)))",
  ];
  const step = (bo: number) => {
    for (let v = 0; v < VECS; v++) {
      L.push(`          (local.set $b${v} (v128.load offset=${bo + 16 * v} (local.get $bp)))`);
    }
    for (let r = 0; r < ROWS; r++) {
      L.push(
        r === 0
          ? `          (local.set $av (v128.load${bits}_splat (local.get $ap)))`
          : `          (local.set $av (v128.load${bits}_splat ` +
            `(i32.add (local.get $ap) (local.get $sa${r}))))`,
      );
      for (let v = 0; v < VECS; v++) L.push(`          ${madd(`$c${r}${v}`, v)}`);
    }
    L.push("          (local.set $ap (i32.add (local.get $ap) (local.get $sp)))");
  };
  // two steps of p per iteration (then one if k is odd): the loop's own work is paid half as
  // often (float64 [2176,64]@[64,64]: 0.77 -> 0.71 ms in the kernel); the sums are the same
  L[L.length - 1] = "          (br_if $pdone (i32.lt_u (local.get $p) (i32.const 2)))";
  step(0);
  step(cols * es);
  L.push(
    `          (local.set $bp (i32.add (local.get $bp) (i32.const ${2 * cols * es})))`,
    "          (local.set $p (i32.sub (local.get $p) (i32.const 2)))",
    "          (br $ploop)))",
    "        (if (local.get $p) (then",
  );
  step(0);
  L.push(
    "        ))",
    "        (local.set $cp (i32.add (local.get $c) (i32.mul (i32.add " +
      `(i32.mul (local.get $ib) (local.get $np)) (local.get $jb)) (i32.const ${es}))))`,
  );
  for (let r = 0; r < ROWS; r++) {
    if (r > 0) L.push("        (local.set $cp (i32.add (local.get $cp) (local.get $row)))");
    for (let v = 0; v < VECS; v++) {
      L.push(`        (v128.store offset=${16 * v} (local.get $cp) (local.get $c${r}${v}))`);
    }
  }
  L.push(
    `        (local.set $ib (i32.add (local.get $ib) (i32.const ${ROWS})))`,
    "        (br $iloop)))",
    `      (local.set $jb (i32.add (local.get $jb) (i32.const ${cols})))`,
    "      (br $jloop)))",
    "  )",
  );
  return L.join("\n");
}

/** `i8x16.shuffle` of two f32x4 vectors: `lanes` index the 8 lanes of `a` then `b`. */
function shuffle32(lanes: readonly number[], a: string, b: string): string {
  const bytes = lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
  return `(i8x16.shuffle ${bytes.join(" ")} (local.get ${a}) (local.get ${b}))`;
}

/**
 * The float32 transposition for panels whose source rows are contiguous along p (B read
 * transposed): 4 rows × 4 elements at a time, loaded as four vectors, transposed with eight
 * shuffles and stored as four rows of the panel, for the first `k & ~3` elements of full
 * panels of a width divisible by 4; the per-column copy below finishes from `$p0`. The values
 * are copied, not computed: the kernels see the same bits.
 */
function transpose32(): string {
  const lo = [0, 4, 1, 5], hi = [2, 6, 3, 7], first = [0, 1, 4, 5], second = [2, 3, 6, 7];
  return `
          (local.set $p0 (i32.const 0))
          (if (i32.and (i32.and (i32.eq (local.get $sP) (i32.const 4))
                                (i32.eqz (i32.and (local.get $w) (i32.const 3))))
                       (i32.le_u (i32.add (local.get $q0) (local.get $w)) (local.get $rows)))
            (then
              (local.set $p0 (i32.and (local.get $k) (i32.const -4)))
              (local.set $c (i32.const 0))
              (block $tdone (loop $tloop
                (br_if $tdone (i32.ge_u (local.get $c) (local.get $w)))
                (local.set $s (i32.add (local.get $src)
                  (i32.mul (i32.add (local.get $q0) (local.get $c)) (local.get $sI))))
                (local.set $d (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const 2))))
                (local.set $p (local.get $p0))
                (block $t4done (loop $t4loop
                  (br_if $t4done (i32.eqz (local.get $p)))
                  (local.set $v (i32.add (local.get $s) (i32.shl (local.get $sI) (i32.const 1))))
                  (local.set $r0 (v128.load (local.get $s)))
                  (local.set $r1 (v128.load (i32.add (local.get $s) (local.get $sI))))
                  (local.set $r2 (v128.load (local.get $v)))
                  (local.set $r3 (v128.load (i32.add (local.get $v) (local.get $sI))))
                  (local.set $v (i32.add (local.get $d) (i32.shl (local.get $wb) (i32.const 1))))
                  (local.set $t0 ${shuffle32(lo, "$r0", "$r1")})
                  (local.set $t1 ${shuffle32(lo, "$r2", "$r3")})
                  (v128.store (local.get $d) ${shuffle32(first, "$t0", "$t1")})
                  (v128.store (i32.add (local.get $d) (local.get $wb)) ${
    shuffle32(second, "$t0", "$t1")
  })
                  (local.set $t0 ${shuffle32(hi, "$r0", "$r1")})
                  (local.set $t1 ${shuffle32(hi, "$r2", "$r3")})
                  (v128.store (local.get $v) ${shuffle32(first, "$t0", "$t1")})
                  (v128.store (i32.add (local.get $v) (local.get $wb)) ${
    shuffle32(second, "$t0", "$t1")
  })
                  (local.set $s (i32.add (local.get $s) (i32.const 16)))
                  (local.set $d (i32.add (local.get $d) (i32.shl (local.get $wb) (i32.const 2))))
                  (local.set $p (i32.sub (local.get $p) (i32.const 4)))
                  (br $t4loop)))
                (local.set $c (i32.add (local.get $c) (i32.const 4)))
                (br $tloop)))))`;
}

/** The packing routine for one element width. */
function pack(bits: 32 | 64): string {
  const es = bits / 8;
  const sh = bits === 32 ? 2 : 3;
  const t = bits === 32 ? "i32" : "i64";
  const simd = bits === 32
    ? " (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)" +
      " (local $t0 v128) (local $t1 v128)"
    : "";
  return `  ;; Packs a strided matrix into zero-padded panels of $w rows for the kernels above:
  ;; dst[q][p][c] = src[(q·w + c)·sI + p·sP] where q·w + c < rows, else 0; $sI and $sP are
  ;; byte strides. Full panels that are contiguous along the panel dimension copy 32 bytes
  ;; at a time (so up to 16 bytes past a panel row are read and written: 8 for float32 panels
  ;; of 6, 16 for float64 panels of 6; the caller leaves room); the others copy one panel row at a time (a transposition)${
    bits === 32
      ? ",\n  ;; after a 4×4 SIMD transposition of what it can where rows are contiguous along p"
      : ""
  }.
  (func $pack${bits} (export "pack${bits}")
    (param $src i32) (param $dst i32) (param $rows i32) (param $k i32) (param $w i32) (param $sI i32) (param $sP i32)
    (local $q0 i32) (local $c i32) (local $p i32) (local $s i32) (local $d i32) (local $wb i32) (local $v i32)
    (local $p0 i32)${simd}
    (local.set $wb (i32.shl (local.get $w) (i32.const ${sh})))
    (local.set $q0 (i32.const 0))
    (block $qdone (loop $qloop
      (br_if $qdone (i32.ge_u (local.get $q0) (local.get $rows)))
      (if (i32.and (i32.eq (local.get $sI) (i32.const ${es}))
                   (i32.le_u (i32.add (local.get $q0) (local.get $w)) (local.get $rows)))
        (then
          (local.set $s (i32.add (local.get $src) (i32.shl (local.get $q0) (i32.const ${sh}))))
          (local.set $p (local.get $k))
          (block $vpdone (loop $vploop
            (br_if $vpdone (i32.eqz (local.get $p)))
            (local.set $v (i32.const 0))
            (block $vdone (loop $vloop
              (br_if $vdone (i32.ge_u (local.get $v) (local.get $wb)))
              (v128.store (i32.add (local.get $dst) (local.get $v))
                (v128.load (i32.add (local.get $s) (local.get $v))))
              (v128.store offset=16 (i32.add (local.get $dst) (local.get $v))
                (v128.load offset=16 (i32.add (local.get $s) (local.get $v))))
              (local.set $v (i32.add (local.get $v) (i32.const 32)))
              (br $vloop)))
            (local.set $s (i32.add (local.get $s) (local.get $sP)))
            (local.set $dst (i32.add (local.get $dst) (local.get $wb)))
            (local.set $p (i32.sub (local.get $p) (i32.const 1)))
            (br $vploop))))
        (else${bits === 32 ? transpose32() : ""}
          (local.set $c (i32.const 0))
          (block $cdone (loop $cloop
            (br_if $cdone (i32.ge_u (local.get $c) (local.get $w)))
            (local.set $d (i32.add (i32.add (local.get $dst) (i32.shl (local.get $c) (i32.const ${sh})))
              (i32.mul (local.get $p0) (local.get $wb))))
            (local.set $p (i32.sub (local.get $k) (local.get $p0)))
            (if (i32.lt_u (i32.add (local.get $q0) (local.get $c)) (local.get $rows))
              (then
                (local.set $s (i32.add (i32.add (local.get $src)
                  (i32.mul (i32.add (local.get $q0) (local.get $c)) (local.get $sI)))
                  (i32.mul (local.get $p0) (local.get $sP))))
                (block $spdone (loop $sploop
                  (br_if $spdone (i32.eqz (local.get $p)))
                  (${t}.store (local.get $d) (${t}.load (local.get $s)))
                  (local.set $s (i32.add (local.get $s) (local.get $sP)))
                  (local.set $d (i32.add (local.get $d) (local.get $wb)))
                  (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                  (br $sploop))))
              (else
                (block $zdone (loop $zloop
                  (br_if $zdone (i32.eqz (local.get $p)))
                  (${t}.store (local.get $d) (${t}.const 0))
                  (local.set $d (i32.add (local.get $d) (local.get $wb)))
                  (local.set $p (i32.sub (local.get $p) (i32.const 1)))
                  (br $zloop)))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $cloop)))
          (local.set $dst (i32.add (local.get $dst) (i32.mul (local.get $wb) (local.get $k))))))
      (local.set $q0 (i32.add (local.get $q0) (local.get $w)))
      (br $qloop)))
  )`;
}

/** The whole module's text: plain SIMD, or relaxed-SIMD fused multiply-adds. */
export function gemmWat(relaxed: boolean): string {
  return [
    ";; Matrix-product microkernels for Tapegrad in WebAssembly SIMD. Generated by",
    ";; tests/tools/gen_wat.ts (the register tiles are unrolled there): do not edit; assembled by",
    ";; tests/tools/build_wasm.ts into src/kernels/wasm/gemm_wasm.ts.",
    ";; The caller copies the operands into memory and packs them (pack32/pack64 below) into",
    ";; zero-padded row panels of A and column panels of B, so the kernels' inner loop reads",
    ";; both sequentially, and copies C out of the padded result.",
    ...(relaxed ? [";; This variant uses relaxed-SIMD fused multiply-adds (relaxed_madd)."] : []),
    "(module",
    '  (memory (export "memory") 1)',
    kernel(32, relaxed),
    kernel(64, relaxed),
    pack(32),
    pack(64),
    ")",
    "",
  ].join("\n");
}

if (import.meta.main) {
  const dir = new URL("../../src/kernels/wasm/", import.meta.url);
  Deno.writeTextFileSync(new URL("gemm.wat", dir), gemmWat(false));
  Deno.writeTextFileSync(new URL("gemm_relaxed.wat", dir), gemmWat(true));
  console.log("wrote src/kernels/wasm/gemm.wat and gemm_relaxed.wat");
}
