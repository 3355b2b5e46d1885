/**
 * The random-program fuzzer in CI: a seeded short run (reverse mode against forward mode and
 * finite differences to third order, vmap against a loop), and the committed sample of
 * programs against PyTorch (tests/fixtures/fuzz_torch.json, from gen_fuzz.py). The long run
 * is `deno task fuzz`.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import * as tg from "../mod.ts";
import type { Tensor } from "../mod.ts";
import { assertClose } from "../src/testing/mod.ts";
import {
  checkProgram,
  inputsOf,
  isSmooth,
  OP_NAMES,
  type Program,
  programArb,
  run,
  samplePrograms,
} from "./support/fuzz.ts";
import { SEED } from "./support/props.ts";
import programs from "./fixtures/fuzz_programs.json" with { type: "json" };
import torch from "./fixtures/fuzz_torch.json" with { type: "json" };

Deno.test("fuzzer (seeded short run): reverse = forward = finite differences, vmap = loop", () => {
  let k = 0;
  fc.assert(
    fc.property(programArb, (prog) => {
      const order = 1 + (k++ % 3);
      checkProgram(prog, order, k);
    }),
    { seed: SEED, numRuns: 1000 },
  );
});

Deno.test("fuzzer sample is what the generator draws (regenerate with deno task fuzz:sample)", () => {
  const sample = programs.programs as unknown as Program[];
  assert.deepEqual(JSON.parse(JSON.stringify(samplePrograms())), sample);
  const ops = new Set(sample.flatMap((p) => p.steps.map((s) => s.op)));
  const missing = OP_NAMES.filter((o) => !ops.has(o));
  assert.ok(missing.length <= 3, `ops missing from the PyTorch sample: ${missing.join(", ")}`);
});

Deno.test("fuzzer sample matches PyTorch: values, gradients, Hessian-vector products", async (t) => {
  const sample = programs.programs as unknown as Program[];
  const results = torch.results as {
    out: number[];
    shape: number[];
    dtype: string;
    grads: number[][];
    hvp?: number[][];
  }[];
  assert.equal(results.length, sample.length);
  for (let i = 0; i < sample.length; i++) {
    const prog = sample[i];
    const want = results[i];
    await t.step(`program ${i}: ${prog.steps.map((s) => s.op).join(" ")}`, () => {
      const xs = inputsOf(prog).map((x) => x.requiresGrad_());
      const out = run(prog, xs);
      assert.deepEqual(out.shape, want.shape, "shape");
      assert.equal(out.dtype, want.dtype, "dtype");
      const f32 = prog.inputs.some((x) => x.dtype === "float32");
      const tol = (t: number) => ({ atol: f32 ? 1e-4 : t, rtol: f32 ? 1e-4 : t });
      assertClose(out.reshape([-1]), want.out, { ...tol(1e-10), message: "value" });
      const w = tg.arange(out.numel, { dtype: out.dtype }).mul(0.1).add(1);
      const smooth = isSmooth(prog);
      const grads = tg.autogradGrad(out.reshape([-1]).mul(w).sum(), xs, {
        materializeGrads: true,
        createGraph: smooth,
      }) as Tensor[];
      grads.forEach((g, k) =>
        assertClose(g.reshape([-1]), want.grads[k], { ...tol(1e-9), message: `gradient ${k}` })
      );
      if (!smooth || want.hvp === undefined) return;
      let dot = tg.tensor(0, { dtype: "float64" });
      for (const g of grads) {
        const v = tg.arange(g.numel, { dtype: g.dtype }).mul(-0.05).add(1);
        dot = dot.add(g.reshape([-1]).mul(v).sum());
      }
      if (!dot.requiresGrad) {
        want.hvp.forEach((h) => assert.ok(h.every((x) => x === 0), "hvp is zero"));
        return;
      }
      const hvp = tg.autogradGrad(dot, xs, { materializeGrads: true }) as Tensor[];
      hvp.forEach((h, k) =>
        assertClose(h.reshape([-1]), want.hvp![k], { ...tol(1e-8), message: `hvp ${k}` })
      );
    });
  }
});
