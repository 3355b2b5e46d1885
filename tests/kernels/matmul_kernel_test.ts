/**
 * The matrix-product kernels (WebAssembly SIMD for large products, plain JavaScript otherwise)
 * against a naive float64 reference, over random sizes that cross the panel edges, both
 * transpose flags, offsets into storage, batches, and float32 and float64.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { matmul, tensor } from "../../mod.ts";
import { jsMatmul, loadGemm, matmul2d, wasmGemm, wasmMatmul } from "../../src/kernels/matmul.ts";
import { gemmBytes } from "../../src/kernels/gemm_instance.ts";
import { GEMM_RELAXED_WASM_BASE64, GEMM_WASM_BASE64 } from "../../src/kernels/wasm/gemm_wasm.ts";
import type { Storage } from "../../src/dtype.ts";
import { SEED } from "../support/props.ts";
import { render } from "../tools/build_wasm.ts";
import { gemmWat } from "../tools/gen_wat.ts";

function reference(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) {
        const av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
        const bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
        s += av * bv;
      }
      out.push(s);
    }
  }
  return out;
}

Deno.test("the WebAssembly kernels load, relaxed SIMD where the engine has it", () => {
  const g = wasmGemm();
  assert.ok(g !== null, "WebAssembly SIMD is available in Deno");
  // the relaxed-SIMD build (fused multiply-adds) is used wherever the engine validates it
  assert.equal(g.relaxed, loadGemm(true) !== null);
});

Deno.test("every build of the kernels is under the 4 KiB that browsers compile synchronously on the main thread", () => {
  for (const relaxed of [false, true]) {
    for (const shared of [false, true]) assert.ok(gemmBytes(relaxed, shared).length < 4096);
  }
});

Deno.test("matmul2d matches a float64 reference over random sizes, flags, offsets and dtypes", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 37 }),
      fc.integer({ min: 0, max: 41 }),
      fc.integer({ min: 1, max: 35 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 1, max: 1000 }),
      (m, k, n, transA, transB, f32, off, seed) => {
        const Arr = f32 ? Float32Array : Float64Array;
        const a = new Arr(off + m * k);
        const b = new Arr(off + k * n);
        for (let i = 0; i < a.length; i++) a[i] = Math.sin(seed + i * 1.3);
        for (let i = 0; i < b.length; i++) b[i] = Math.cos(seed * 0.7 + i * 0.9);
        const ref = reference(a, off, b, off, m, k, n, transA, transB);
        for (const [name, kernel] of [["matmul2d", matmul2d], ["jsMatmul", jsMatmul]] as const) {
          const out = new Arr(2 + m * n + 3).fill(7);
          kernel(a, off, b, off, out, 2, m, k, n, transA, transB);
          for (const i of [0, 1, 2 + m * n, 3 + m * n, 4 + m * n]) assert.equal(out[i], 7);
          const tol = f32 ? 2e-5 * Math.max(1, k) : 1e-13 * Math.max(1, k);
          ref.forEach((r, i) => {
            assert.ok(
              Math.abs(out[2 + i] - r) <= tol,
              `${name} m=${m} k=${k} n=${n} at ${i}: ${out[2 + i]} vs ${r}`,
            );
          });
        }
      },
    ),
    { seed: SEED, numRuns: 120 },
  );
});

Deno.test("both WebAssembly builds (plain and relaxed SIMD) match the reference at the edges", () => {
  const builds = [loadGemm(false), loadGemm(true)];
  assert.ok(builds[0] !== null, "the plain SIMD build loads");
  for (const g of builds) {
    if (g === null) continue; // an engine without relaxed SIMD
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 29 }),
        fc.integer({ min: 0, max: 33 }),
        fc.integer({ min: 1, max: 27 }),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }),
        (m, k, n, transA, transB, f32, off) => {
          const Arr = f32 ? Float32Array : Float64Array;
          const a = new Arr(off + m * k).map((_, i) => Math.sin(i * 0.71));
          const b = new Arr(off + k * n).map((_, i) => Math.cos(i * 0.43));
          const out = new Arr(1 + m * n + 1).fill(7);
          assert.ok(wasmMatmul(g, a, off, b, off, out, 1, m, k, n, transA, transB));
          assert.equal(out[0], 7);
          assert.equal(out[1 + m * n], 7);
          const ref = reference(a, off, b, off, m, k, n, transA, transB);
          const tol = f32 ? 2e-5 * Math.max(1, k) : 1e-13 * Math.max(1, k);
          ref.forEach((r, i) => {
            assert.ok(
              Math.abs(out[1 + i] - r) <= tol,
              `relaxed=${g.relaxed} m=${m} k=${k} n=${n} at ${i}: ${out[1 + i]} vs ${r}`,
            );
          });
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  }
});

Deno.test("products larger than the memory budget run in blocks and match the reference", () => {
  const g = wasmGemm();
  assert.ok(g !== null);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 45 }),
      fc.integer({ min: 1, max: 40 }),
      fc.integer({ min: 1, max: 45 }),
      fc.boolean(),
      fc.boolean(),
      fc.boolean(),
      fc.constantFrom(16384, 32768),
      (m, k, n, transA, transB, f32, budget) => {
        const Arr = f32 ? Float32Array : Float64Array;
        const a = new Arr(1 + m * k).map((_, i) => Math.sin(i * 0.61));
        const b = new Arr(2 + k * n).map((_, i) => Math.cos(i * 0.29));
        const out = new Arr(m * n + 2).fill(7);
        assert.ok(wasmMatmul(g, a, 1, b, 2, out, 1, m, k, n, transA, transB, budget));
        assert.equal(out[0], 7);
        assert.equal(out[m * n + 1], 7);
        const ref = reference(a, 1, b, 2, m, k, n, transA, transB);
        const tol = f32 ? 2e-5 * k : 1e-13 * k;
        ref.forEach((r, i) => {
          assert.ok(
            Math.abs(out[1 + i] - r) <= tol,
            `budget=${budget} m=${m} k=${k} n=${n} at ${i}: ${out[1 + i]} vs ${r}`,
          );
        });
      },
    ),
    { seed: SEED, numRuns: 150 },
  );
});

Deno.test("a long inner dimension runs in L2-sized row blocks and matches the reference", () => {
  const m = 131, k = 2003, n = 13; // a 1 MiB block of packed A holds fewer than m rows
  for (const Arr of [Float32Array, Float64Array]) {
    for (const transA of [false, true]) {
      const a = new Arr(m * k).map((_, i) => Math.sin(i * 0.37));
      const b = new Arr(k * n).map((_, i) => Math.cos(i * 0.11));
      const out = new Arr(m * n);
      matmul2d(a, 0, b, 0, out, 0, m, k, n, transA, false);
      const ref = reference(a, 0, b, 0, m, k, n, transA, false);
      const tol = Arr === Float32Array ? 1e-3 : 1e-11;
      ref.forEach((r, i) => assert.ok(Math.abs(out[i] - r) <= tol, `${i}: ${out[i]} vs ${r}`));
    }
  }
});

Deno.test("pack32/pack64 lay out every panel exactly and write at most 16 bytes past the last", () => {
  // dst[q][p][c] = src[(q·w + c)·sI + p·sP] for q·w + c < rows, else 0, for the layouts the
  // product uses: contiguous along the panel (B as stored, Aᵀ) and contiguous along p (Bᵀ,
  // the float32 4×4 SIMD transposition for the first k & ~3 elements, then one at a time)
  for (const g of [loadGemm(false), loadGemm(true)]) {
    if (g === null) continue;
    if (g.memory.buffer.byteLength < 2 ** 18) g.memory.grow(4);
    for (const es of [4, 8]) {
      const v: Float32Array | Float64Array = es === 4
        ? new Float32Array(g.memory.buffer)
        : new Float64Array(g.memory.buffer);
      const pack = es === 4 ? g.pack32 : g.pack64;
      for (let rows = 1; rows <= 19; rows++) {
        for (let k = 0; k <= 13; k++) {
          for (const w of [4, 6, 8]) {
            for (const alongP of [false, true]) {
              const src = 64, dst = 16384 / es;
              const sI = alongP ? k + 3 : 1, sP = alongP ? 1 : rows + 2;
              for (let i = 0; i < dst; i++) v[i] = i + 0.5;
              v.fill(-1, dst, dst + 4096 / es);
              pack(src * es, dst * es, rows, k, w, sI * es, sP * es);
              const panels = Math.ceil(rows / w);
              for (let q = 0; q < panels; q++) {
                for (let p = 0; p < k; p++) {
                  for (let c = 0; c < w; c++) {
                    const i = q * w + c;
                    const want: number = i < rows ? v[src + i * sI + p * sP] : 0;
                    const got: number = v[dst + (q * k + p) * w + c];
                    assert.equal(got, want, `es=${es} rows=${rows} k=${k} w=${w} q=${q} p=${p}`);
                  }
                }
              }
              const end = dst + panels * k * w + (alongP ? 0 : 16 / es);
              for (let i = end; i < end + 64; i++) assert.equal(v[i], -1, `es=${es} past ${i}`);
            }
          }
        }
      }
    }
  }
});

Deno.test("a large float64 product is exact to rounding", () => {
  const m = 67, k = 129, n = 45;
  const a = Float64Array.from({ length: m * k }, (_, i) => Math.sin(i));
  const b = Float64Array.from({ length: k * n }, (_, i) => Math.cos(i));
  const out = new Float64Array(m * n);
  matmul2d(a, 0, b, 0, out, 0, m, k, n, false, true);
  const ref = reference(a, 0, b, 0, m, k, n, false, true);
  ref.forEach((r, i) => assert.ok(Math.abs(out[i] - r) < 1e-12, `${i}`));
});

Deno.test("NaN and infinities propagate through every path (no skipped zeros)", () => {
  for (const [m, k, n] of [[1, 3, 1], [5, 3, 1], [1, 5, 7], [3, 5, 7], [9, 17, 13], [32, 32, 32]]) {
    for (const transA of [false, true]) {
      for (const Arr of [Float32Array, Float64Array]) {
        const a = new Arr(m * k).fill(1);
        const b = new Arr(k * n).fill(1);
        a[0] = Infinity; // A[0, 0] either way
        b[0] = 0; // B[0, 0]: ∞·0 is NaN in row 0, column 0
        const out = new Arr(m * n);
        matmul2d(a, 0, b, 0, out, 0, m, k, n, transA, false);
        assert.ok(Number.isNaN(out[0]), `m=${m} k=${k} n=${n} transA=${transA}: ${out[0]}`);
        if (n > 1) assert.equal(out[1], Infinity);
        if (m > 1) assert.equal(out[n], k - 1);
      }
    }
  }
});

Deno.test("operands of another storage type are converted, not reinterpreted", () => {
  const m = 12, k = 20, n = 16;
  const a = Float64Array.from({ length: m * k }, (_, i) => (i % 7) - 3);
  const b = Float32Array.from({ length: k * n }, (_, i) => (i % 5) - 2);
  const out = new Float32Array(m * n);
  matmul2d(a, 0, b, 0, out, 0, m, k, n);
  const ref = reference(a, 0, b, 0, m, k, n, false, false);
  ref.forEach((r, i) => assert.equal(out[i], r));
});

Deno.test("batched and broadcast products match per-matrix references", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 19 }),
      fc.integer({ min: 1, max: 23 }),
      fc.integer({ min: 1, max: 21 }),
      fc.boolean(),
      fc.constantFrom("float32", "float64"),
      (batch, m, k, n, broadcastB, dtype) => {
        const av = Array.from({ length: batch * m * k }, (_, i) => Math.sin(i * 0.37));
        const bn = broadcastB ? 1 : batch;
        const bv = Array.from({ length: bn * k * n }, (_, i) => Math.cos(i * 0.53));
        const a = tensor(av, { shape: [batch, m, k], dtype });
        const b = broadcastB
          ? tensor(bv, { shape: [k, n], dtype })
          : tensor(bv, { shape: [batch, k, n], dtype });
        const got = matmul(a, b);
        assert.deepEqual(got.shape, [batch, m, n]);
        const flat = got.toTypedArray();
        const tol = dtype === "float32" ? 1e-5 * k : 1e-13 * k;
        for (let s = 0; s < batch; s++) {
          const ref = reference(
            av,
            s * m * k,
            bv,
            broadcastB ? 0 : s * k * n,
            m,
            k,
            n,
            false,
            false,
          );
          ref.forEach((r, i) => {
            const g = flat[s * m * n + i];
            assert.ok(Math.abs(g - r) <= tol, `batch ${s} at ${i}: ${g} vs ${r}`);
          });
        }
      },
    ),
    { seed: SEED, numRuns: 40 },
  );
});

Deno.test({
  name: "the committed WAT text and WebAssembly bytes are what the scripts produce",
  // reading the .wat sources needs --allow-read=src/kernels/wasm (given by `deno task test`)
  ignore: Deno.permissions.querySync({ name: "read", path: "src/kernels/wasm" }).state !==
    "granted",
  async fn() {
    const dir = new URL("../../src/kernels/wasm/", import.meta.url);
    const plain = Deno.readTextFileSync(new URL("gemm.wat", dir));
    const relaxed = Deno.readTextFileSync(new URL("gemm_relaxed.wat", dir));
    assert.equal(plain, gemmWat(false), "gemm.wat is what tests/tools/gen_wat.ts writes");
    assert.equal(relaxed, gemmWat(true), "gemm_relaxed.wat is what tests/tools/gen_wat.ts writes");
    const rendered = await render(plain, relaxed);
    const strip = (s: string) => s.replace(/[\s+"]/g, "");
    assert.ok(strip(rendered).includes(GEMM_WASM_BASE64));
    assert.ok(strip(rendered).includes(GEMM_RELAXED_WASM_BASE64));
  },
});

Deno.test("matrix-vector products (plain, transposed, 1×k·B) are the in-order float64 sums, bit for bit", () => {
  // the reference adds A[i, p]·x[p] for p = 0, 1, ... in a float64 number starting at 0 and
  // rounds once: each kernel must keep that order whatever its unrolling (k crosses 2, 4 and
  // 12, m crosses 4 and 8)
  const values = [-0, 0, 1e-300, -3.5, 0.1, 7e12, -2.25e-7, 1 / 3];
  for (const Arr of [Float32Array, Float64Array]) {
    for (let m = 1; m <= 11; m++) {
      for (let k = 0; k <= 13; k++) {
        const a = new Arr(2 + m * k).map((_, i) =>
          values[(i * 5 + m) % values.length] * (1 + i / 7)
        );
        const x = new Arr(2 + Math.max(m, k)).map((_, i) =>
          values[(i * 3 + k) % values.length] - i
        );
        const cases: [number, number, number, boolean, Storage, Storage][] = [
          [m, k, 1, false, a, x], // A·x
          [m, k, 1, true, a, x], // Aᵀ·x, A stored k×m
          [1, k, m, false, x, a], // x·B, B stored k×m (small enough to stay in JavaScript)
        ];
        for (const [mm, kk, nn, transA, l, r] of cases) {
          const want = reference(l, 2, r, 2, mm, kk, nn, transA, false);
          const out = new Arr(1 + mm * nn).fill(9);
          matmul2d(l, 2, r, 2, out, 1, mm, kk, nn, transA, false);
          want.forEach((w, i) => {
            const rw = Arr === Float32Array ? Math.fround(w) : w;
            assert.ok(Object.is(out[1 + i], rw), `${Arr.name} ${mm}×${kk}·${nn} ${transA}: ${i}`);
          });
          assert.equal(out[0], 9);
        }
        // the output may be the vector itself (square, transposed)
        if (m === k) {
          const v = x.slice(2, 2 + m);
          const want = reference(a, 2, v, 0, m, m, 1, true, false);
          matmul2d(a, 2, v, 0, v, 0, m, m, 1, true, false);
          want.forEach((w, i) =>
            assert.ok(Object.is(v[i], Arr === Float32Array ? Math.fround(w) : w), `alias ${i}`)
          );
        }
      }
    }
  }
});
