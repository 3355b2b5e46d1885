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

// the products of one W2 step (64×256 batch, 256-256-256-10 MLP), forward and backward
const x = randn([64, 256]);
const w = randn([256, 256]);
const w3 = randn([256, 10]);
const g3 = randn([64, 10]);
Deno.bench("W2 forward: 64×256 @ 256×256", { group: "W2 shapes", baseline: true }, () => {
  matmul(x, w);
});
Deno.bench("W2 forward: 64×256 @ 256×10", { group: "W2 shapes" }, () => {
  matmul(x, w3);
});
Deno.bench("W2 backward: (64×256)ᵀ @ 64×256", { group: "W2 shapes" }, () => {
  matmul(t(x), x);
});
Deno.bench("W2 backward: 64×256 @ (256×256)ᵀ", { group: "W2 shapes" }, () => {
  matmul(x, t(w));
});
Deno.bench("W2 backward: 64×10 @ (256×10)ᵀ", { group: "W2 shapes" }, () => {
  matmul(g3, t(w3));
});
