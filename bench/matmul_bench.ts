/** Matrix products: square float32/float64, with transposes, matrix-vector, and batched. */

import { matmul, randn, t } from "../mod.ts";

for (const dtype of ["float32", "float64"] as const) {
  for (const n of [64, 256, 512]) {
    const a = randn([n, n], { dtype });
    const b = randn([n, n], { dtype });
    Deno.bench(`${n}×${n} @ ${n}×${n} (${dtype})`, { group: `square ${dtype}` }, () => {
      matmul(a, b);
    });
  }
  const a = randn([256, 256], { dtype });
  Deno.bench(`256² Aᵀ @ B (${dtype})`, { group: `transposed ${dtype}` }, () => {
    matmul(t(a), a);
  });
  const v = randn([256], { dtype });
  Deno.bench(`256×256 @ vector (${dtype})`, { group: `matvec ${dtype}` }, () => {
    matmul(a, v);
  });
}
const batch = randn([32, 64, 64]);
Deno.bench("batched 32 × (64×64 @ 64×64)", { group: "batched" }, () => {
  matmul(batch, batch);
});
