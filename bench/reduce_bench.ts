/** Reductions over all elements and over each dimension, and the stable log-sum-exp. */

import { amax, logsumexp, randn, softmax, sum } from "../mod.ts";

const x = randn([512, 512]);
Deno.bench("sum of all 512×512", { group: "sum", baseline: true }, () => {
  sum(x);
});
Deno.bench("sum over rows (dim 1)", { group: "sum" }, () => {
  sum(x, 1);
});
Deno.bench("sum over columns (dim 0)", { group: "sum" }, () => {
  sum(x, 0);
});
Deno.bench("amax over dim 1", { group: "extremes" }, () => {
  amax(x, 1);
});
Deno.bench("logsumexp over dim 1", { group: "stable" }, () => {
  logsumexp(x, 1);
});
Deno.bench("softmax over dim 1", { group: "stable" }, () => {
  softmax(x, 1);
});
