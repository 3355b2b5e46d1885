/**
 * The README's operations table cannot drift from the code: every row names an export of
 * `mod.ts`, every "yes" is a passing third-order gradcheck, and every operation exported
 * from `mod.ts` has a row.
 */

import assert from "node:assert/strict";
import * as tg from "../mod.ts";
import { assertClose, gradcheck } from "../src/testing/mod.ts";
import { extractOpsTable, lookup, normalizeTable, OPS, renderOpsTable } from "./ops_table.ts";

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
    const readme = Deno.readTextFileSync(new URL("../README.md", import.meta.url));
    const table = extractOpsTable(readme);
    assert.ok(table !== null, "README.md lacks the ops-table markers");
    assert.equal(
      normalizeTable(table),
      normalizeTable(renderOpsTable()),
      "README's table is stale: run `deno run --allow-read=README.md --allow-write=README.md tests/ops_table.ts`",
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
    assert.deepEqual(missing, [], `exports without a row in tests/ops_table.ts`);
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
