/**
 * The README's operations table cannot drift from the code: every row names an export of
 * `mod.ts`, every "yes" is a passing third-order gradcheck, and every operation exported
 * from `mod.ts` has a row.
 */

import assert from "node:assert/strict";
import * as tg from "../../mod.ts";
import { assertClose, gradcheck } from "../../src/testing/mod.ts";
import {
  extractOpsTable,
  lookup,
  normalizeTable,
  OPS,
  renderOpsTable,
  taylorOf,
} from "./ops_table.ts";
import { finiteDifferenceDerivatives, nestedJvpDerivatives } from "../support/taylor.ts";

/** Exports of `mod.ts` that are not tensor operations, so have no row. */
const NOT_OPS = new Set([
  // values, errors, nodes
  "Tensor",
  "Node",
  "AccumulateGrad",
  "Generator",
  "AutogradError",
  "DtypeError",
  "ShapeError",
  "LinAlgError",
  "TreeError",
  "ReleasedTensorError",
  "Range",
  // creation and dtypes
  "tensor",
  "zeros",
  "ones",
  "full",
  "eye",
  "arange",
  "linspace",
  "rand",
  "randn",
  "zerosLike",
  "onesLike",
  "fullLike",
  "randLike",
  "randnLike",
  "manualSeed",
  "cast",
  "getDefaultDtype",
  "setDefaultDtype",
  "withDefaultDtype",
  // backend and threads
  "backendInfo",
  "getNumThreads",
  "setNumThreads",
  "setWasmModule",
  "wasmKernelBytes",
  // memory
  "tidy",
  "dispose",
  "memoryInfo",
  // autograd and transforms
  "noGrad",
  "enableGrad",
  "isGradEnabled",
  "setGradEnabled",
  "backward",
  "autogradGrad",
  "grad",
  "valueAndGrad",
  "vjp",
  "jvp",
  "jacrev",
  "jacfwd",
  "jacobian",
  "hessian",
  "hvp",
  "derivative",
  "customVjp",
  "customJvp",
  "checkpoint",
  "defineFunction",
  "FunctionCtx",
  "derivatives",
  "jet",
  "laplacian",
  "vmap",
  "linearize",
  "toDot",
  // the `index` helper's range maker
  "range",
  // the namespace itself (its members have rows)
  "linalg",
  // data in and out, save and load, display (not operations)
  "fromJSON",
  "loadSafetensors",
  "saveSafetensors",
  "plot",
  "dotToSvg",
  "SvgImage",
]);

Deno.test("ops table", async (t) => {
  await t.step("the README shows exactly the rendered table", () => {
    const readme = Deno.readTextFileSync(new URL("../../README.md", import.meta.url));
    const table = extractOpsTable(readme);
    assert.ok(table !== null, "README.md lacks the ops-table markers");
    assert.equal(
      normalizeTable(table),
      normalizeTable(renderOpsTable()),
      "README's table is stale: run `deno run --allow-read=README.md --allow-write=README.md tests/ops/ops_table.ts`",
    );
  });

  await t.step("every row names an exported function, once", () => {
    const seen = new Set<string>();
    for (const e of OPS) {
      assert.equal(typeof lookup(e.name), "function", `${e.name} is not exported from mod.ts`);
      assert.ok(!seen.has(e.name), `${e.name} has two rows`);
      seen.add(e.name);
      assert.equal(e.sample === undefined, e.higher === "not differentiable", e.name);
    }
  });

  await t.step("every exported operation has a row", () => {
    const rows = new Set(OPS.map((e) => e.name));
    const missing = Object.entries(tg)
      .filter(([name, v]) => typeof v === "function" && !NOT_OPS.has(name) && !rows.has(name))
      .map(([name]) => name);
    assert.deepEqual(missing, [], `exports without a row in tests/ops/ops_table.ts`);
  });

  for (const e of OPS) {
    if (e.sample === undefined) continue;
    await t.step(`${e.name}: third-order gradcheck`, () => {
      const { f, inputs } = e.sample!();
      assert.ok(gradcheck(f, [...inputs], { order: 3 }));
      if (e.higher === "zero gradient") {
        const g = tg.grad((...xs: tg.Tensor[]) => tg.sum(f(...xs)))(...inputs);
        assert.ok(g.toTypedArray().every((v) => v === 0), `${e.name}: non-zero gradient`);
      }
    });
  }

  await t.step("forward-over-forward Hessians equal reverse-over-reverse ones, every op", () => {
    for (const e of OPS) {
      if (e.sample === undefined) continue;
      const { f, inputs } = e.sample();
      const rest = inputs.slice(1);
      const w = tg.sin(tg.arange(f(...inputs).numel, { dtype: "float64" }).add(1));
      const phi = (x: tg.Tensor) => tg.sum(tg.mul(tg.flatten(f(x, ...rest)), w));
      const x = tg.flatten(inputs[0]);
      const g = (v: tg.Tensor) => phi(tg.reshape(v, inputs[0].shape));
      const hRev = tg.jacrev(tg.jacrev(g))(x);
      const hFwd = tg.jacfwd(tg.jacfwd(g))(x);
      assertClose(hFwd, hRev, { atol: 1e-10, rtol: 1e-10 });
    }
  });

  /** Deterministic series terms for every input of a sample (orders 1..4). */
  const seriesFor = (inputs: readonly tg.Tensor[]) =>
    inputs.map((x, i) =>
      [1, 2, 3, 4].map((k) =>
        tg.sin(tg.arange(x.numel, { dtype: "float64" }).mul(0.7 * k + i).add(k))
          .reshape(x.shape).mul(0.5)
      )
    );

  for (const e of OPS) {
    if (e.sample === undefined || taylorOf(e) === "—") continue;
    await t.step(`${e.name}: Taylor column "${taylorOf(e)}" holds`, () => {
      const { f, inputs } = e.sample!();
      const series = seriesFor(inputs);
      if (taylorOf(e) === "no") {
        assert.throws(() => tg.jet(f, [...inputs], series), tg.AutogradError);
        assert.throws(() => tg.jet(f, [...inputs], series), /has no Taylor-mode rule/);
        return;
      }
      const [y, ys] = tg.jet(f, [...inputs], series);
      assertClose(y, f(...inputs), { atol: 1e-14 });
      if (taylorOf(e) === "zero") {
        for (const d of ys) assert.ok(d.toTypedArray().every((v) => v === 0), e.name);
        return;
      }
      // order 4 against nested forward mode
      const expected = nestedJvpDerivatives(f, inputs, series, 4);
      ys.forEach((d, k) =>
        assertClose(d, expected[k], { rtol: 1e-8, atol: 1e-9, message: `${e.name} order ${k + 1}` })
      );
      // orders 1 and 2 against finite differences along the curve
      const [d1, d2] = finiteDifferenceDerivatives(f, inputs, series);
      const shaped = (v: Float64Array) => tg.tensor([...v], { dtype: "float64", shape: y.shape });
      assertClose(ys[0], shaped(d1), { rtol: 1e-6, atol: 1e-6, message: `${e.name} FD order 1` });
      assertClose(ys[1], shaped(d2), { rtol: 1e-4, atol: 1e-4, message: `${e.name} FD order 2` });
      // the forward Laplacian in every argument against the Hessian's trace
      const w = tg.sin(tg.arange(y.numel, { dtype: "float64" }).add(1));
      inputs.forEach((x, arg) => {
        const phi = (v: tg.Tensor) =>
          tg.sum(tg.mul(tg.flatten(f(...inputs.map((u, i) => (i === arg ? v : u)))), w));
        const n = x.numel;
        const trace = tg.hessian(phi)(x).reshape([n, n]).mul(tg.eye(n, n, { dtype: "float64" }));
        assertClose(tg.laplacian(phi)(x), trace.sum(), {
          rtol: 1e-9,
          atol: 1e-9,
          message: `${e.name} laplacian in argument ${arg}`,
        });
      });
    });
  }

  await t.step("not differentiable: integer or boolean results, no grad", () => {
    const a = tg.tensor([[0.3, -0.8], [1.1, 0.5]], { requiresGrad: true });
    const b = tg.tensor([0.3, 0.9], { requiresGrad: true });
    const results: Record<string, tg.Tensor> = {
      eq: tg.eq(a, b),
      ne: tg.ne(a, b),
      lt: tg.lt(a, b),
      le: tg.le(a, b),
      gt: tg.gt(a, b),
      ge: tg.ge(a, b),
      logicalAnd: tg.logicalAnd(a, b),
      logicalOr: tg.logicalOr(a, b),
      logicalNot: tg.logicalNot(a),
      argmax: tg.argmax(a),
      argmin: tg.argmin(a, 1),
    };
    for (const e of OPS.filter((e) => e.higher === "not differentiable")) {
      const r = results[e.name];
      assert.ok(r !== undefined, `no check for ${e.name}`);
      assert.ok(r.dtype === "bool" || r.dtype === "int64", `${e.name} gives ${r.dtype}`);
      assert.equal(r.requiresGrad, false, e.name);
    }
  });
});
