/**
 * Every seed document's cells, ported to TypeScript in `examples/seeds/`, print what the
 * seed shows. The expected output in `tests/seeds/NNN.expected.txt` is transcribed from the
 * seed files by hand (object addresses removed); a line starting with `re:` is a regular
 * expression, used where the seed prints digits drawn from PyTorch's random generator.
 */

import assert from "node:assert/strict";
import { capture } from "../examples/seeds/py.ts";
import { run as run000 } from "../examples/seeds/000_autograd_tutorial.ts";
import { run as run001 } from "../examples/seeds/001_autograd_dezero_notes.ts";
import { run as run002 } from "../examples/seeds/002_autograd_notebook.ts";
import { run as run003 } from "../examples/seeds/003_blog_backward.ts";
import { run as run004 } from "../examples/seeds/004_tensor_autograd.ts";
import { run as tour } from "../examples/tour.ts";
import { assertClose } from "../src/testing/mod.ts";
import { tensor } from "../mod.ts";

const SEEDS: [string, () => void][] = [
  ["000", run000],
  ["001", run001],
  ["002", run002],
  ["003", run003],
  ["004", run004],
];

function expectedLines(id: string): string[] {
  const text = Deno.readTextFileSync(new URL(`./seeds/${id}.expected.txt`, import.meta.url));
  return text.replace(/\n$/, "").split("\n");
}

Deno.test("seeds print what the seed documents show", async (t) => {
  for (const [id, run] of SEEDS) {
    await t.step(`seed ${id}`, () => {
      const actual = capture(run);
      const expected = expectedLines(id);
      for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
        const want = expected[i];
        const got = actual[i];
        assert.ok(got !== undefined, `seed ${id}: output ends before line ${i + 1}: ${want}`);
        assert.ok(want !== undefined, `seed ${id}: extra output at line ${i + 1}: ${got}`);
        if (want.startsWith("re:")) {
          assert.match(got, new RegExp(want.slice(3)), `seed ${id}, line ${i + 1}`);
        } else {
          assert.equal(got, want, `seed ${id}, line ${i + 1}`);
        }
      }
    });
  }
});

Deno.test("the tour computes what the mathematics says", () => {
  const lines: string[] = [];
  const r = tour((line) => lines.push(line));
  assert.ok(lines.length > 10);
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
