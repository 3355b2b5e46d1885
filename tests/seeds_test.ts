/**
 * Every seed document's cells, ported to TypeScript in `examples/seeds/`, print what the
 * seed shows. The expected output in `tests/seeds/NNN.expected.txt` is transcribed from the
 * seed files by hand (object addresses removed); a line starting with `re:` is a regular
 * expression, used where the seed prints digits drawn from PyTorch's random generator.
 */

import assert from "node:assert/strict";
import {
  capture,
  check,
  display,
  expectThrows,
  print,
  pyFloat,
  pyRepr,
  same,
} from "../examples/seeds/py.ts";
import { run as run000 } from "../examples/seeds/000_autograd_tutorial.ts";
import { run as run001 } from "../examples/seeds/001_autograd_dezero_notes.ts";
import { run as run002 } from "../examples/seeds/002_autograd_notebook.ts";
import { run as run003 } from "../examples/seeds/003_blog_backward.ts";
import { run as run004 } from "../examples/seeds/004_tensor_autograd.ts";
import { run as tour } from "../examples/tour.ts";
import { assertClose } from "../src/testing/mod.ts";
import { AutogradError, tensor } from "../mod.ts";
import { mismatch } from "./support/transcript.ts";
import expected000 from "./seeds/000.expected.txt" with { type: "text" };
import expected001 from "./seeds/001.expected.txt" with { type: "text" };
import expected002 from "./seeds/002.expected.txt" with { type: "text" };
import expected003 from "./seeds/003.expected.txt" with { type: "text" };
import expected004 from "./seeds/004.expected.txt" with { type: "text" };

// The transcripts are imported as text, so the test needs no read permission.
const SEEDS: [string, () => void, string][] = [
  ["000", run000, expected000],
  ["001", run001, expected001],
  ["002", run002, expected002],
  ["003", run003, expected003],
  ["004", run004, expected004],
];

Deno.test("seeds print what the seed documents show", async (t) => {
  for (const [id, run, transcript] of SEEDS) {
    await t.step(`seed ${id}`, () => {
      assert.equal(mismatch(capture(run), transcript), null, `seed ${id}`);
    });
  }
});

Deno.test("seeds print the same when run again (their random cells are seeded)", () => {
  for (const [id, run] of SEEDS) {
    assert.deepEqual(capture(run), capture(run), `seed ${id}`);
  }
});

Deno.test("the transcript comparison catches a changed, missing or extra line", () => {
  const out = capture(run004);
  assert.equal(mismatch(out, expected004), null);
  const changed = expected004.replace("tensor([20.])", "tensor([21.])");
  assert.match(mismatch(out, changed)!, /line 7: got "tensor\(\[20\.\]\)"/);
  assert.match(mismatch(out.slice(0, -1), expected004)!, /output ends before line 27/);
  assert.match(mismatch([...out, "x"], expected004)!, /extra output at line 28/);
  assert.match(mismatch(["tensor([1.5])"], "re:^tensor\\(\\[\\d\\.\\]\\)$")!, /line 1/);
});

Deno.test("print and display write Python's str and repr", () => {
  const lines = capture(() => {
    print(true, false, null, undefined, 1, 0.5, 1e-5, 1e16, NaN, -Infinity, "raw");
    print(`a\nb`);
    display("it's");
    display([1, "a", true, null]);
    print(tensor([1, 2]), tensor([1], { requiresGrad: true }).mul(2).gradFn);
    print();
  });
  assert.deepEqual(lines, [
    "True False None None 1.0 0.5 1e-05 1e+16 nan -inf raw",
    "a",
    "b",
    `"it's"`,
    "[1.0, 'a', True, None]",
    "tensor([1., 2.]) <MulBackward0>",
    "",
  ]);
  assert.equal(pyFloat(123456789012345.6), "123456789012345.6");
  assert.equal(pyFloat(-0), "-0.0");
  assert.equal(pyRepr("a'b\"c"), `'a\\'b"c'`);
});

Deno.test("capture nests and restores its sink when the function throws", () => {
  let inner: string[] = [];
  const outer = capture(() => {
    print("outer");
    inner = capture(() => print("inner"));
    assert.throws(() =>
      capture(() => {
        print("lost");
        throw new Error("boom");
      }), /boom/);
    print("after");
  });
  assert.deepEqual(outer, ["outer", "after"]);
  assert.deepEqual(inner, ["inner"]);
});

Deno.test("check, same and expectThrows fail loudly", () => {
  assert.throws(() => check(false, "x = 1"), /Seed invariant violated: x = 1/);
  assert.ok(same(tensor([1, 2]), tensor([1, 2])));
  assert.ok(!same(tensor([1, 2]), tensor([1, 2.001])));
  assert.ok(same(tensor([1, 2]), tensor([1, 2.001]), 0.01));
  assert.ok(!same(tensor([1, 2]), tensor([[1, 2]])));
  expectThrows(() => tensor([1]).backward(), AutogradError);
  assert.throws(() => expectThrows(() => 1, AutogradError), /Expected AutogradError/);
  assert.throws(() =>
    expectThrows(() => {
      throw new TypeError("other");
    }, AutogradError), /other/);
});

Deno.test("the tour computes what the mathematics says", () => {
  const lines: string[] = [];
  const r = tour((line) => lines.push(line));
  assert.ok(lines.length > 10);
  // The printed lines show the computed values.
  const printed = lines.join("\n");
  for (const t of [r.meanGrad, r.vjp, r.second, r.fourth, r.hessian]) {
    assert.ok(printed.includes(String(t)), `the tour prints ${t}`);
  }
  // Under noGrad, and after detach, results do not require grad.
  assert.deepEqual(r.stopped, [false, false]);
  // mean(3(x + 2)²) over 4 elements: d/dx = 6(x + 2)/4 = 4.5 at x = 1.
  assertClose(r.meanGrad, tensor([[4.5, 4.5], [4.5, 4.5]]));
  // y = 4x: the vector-Jacobian product is 4v.
  assertClose(r.vjp, tensor([0.4, 4, 0.0004]));
  // (x + 1)² summed: d/dx = 2(x + 1) = 4 on eye's ones, 2 elsewhere; twice after two calls.
  assertClose(r.accumulated[0], tensor([[8, 4, 4], [4, 8, 4]]));
  assertClose(r.accumulated[1], tensor([[4, 2, 2], [2, 4, 2]]));
  // d²(x³)/dx² = 6x = 12 at 2.
  assertClose(r.second, tensor(12));
  assertClose(r.secondByGrad, tensor(12));
  // sin'''' = sin.
  assertClose(r.fourth, tensor(Math.sin(0.5), { dtype: "float64" }), { atol: 1e-15, rtol: 0 });
  assertClose(r.hessian, tensor([[6, 0], [0, 12]]));
});
