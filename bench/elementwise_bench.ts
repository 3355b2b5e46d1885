/** Elementwise kernels: contiguous, broadcast, scalar and unary, float32 and float64. */

import { add, exp, mul, randn, tanh } from "../mod.ts";

for (const dtype of ["float32", "float64"] as const) {
  const a = randn([512, 512], { dtype });
  const b = randn([512, 512], { dtype });
  const row = randn([512], { dtype });
  Deno.bench(`add 512×512 (${dtype})`, { group: `binary ${dtype}`, baseline: true }, () => {
    add(a, b);
  });
  Deno.bench(`add 512×512 + row broadcast (${dtype})`, { group: `binary ${dtype}` }, () => {
    add(a, row);
  });
  Deno.bench(`mul by a number (${dtype})`, { group: `binary ${dtype}` }, () => {
    mul(a, 1.5);
  });
  Deno.bench(`exp 512×512 (${dtype})`, { group: `unary ${dtype}` }, () => {
    exp(a);
  });
  Deno.bench(`tanh 512×512 (${dtype})`, { group: `unary ${dtype}` }, () => {
    tanh(a);
  });
}

const small = randn([4]);
Deno.bench("add of two 4-element tensors (dispatch overhead)", { group: "small" }, () => {
  add(small, small);
});
