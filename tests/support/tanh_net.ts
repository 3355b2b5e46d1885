/**
 * W7's network in the Taylor-mode tests: a `d`-`h`-`h`-1 tanh network with deterministic
 * parameters and points, shared by the broadcast-series and lazy-series tests.
 */

import { type DType, matmul, type Tensor, tensor } from "../../mod.ts";

/** A deterministic generator of numbers in [-0.5, 0.5). */
export function numbers(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

/**
 * Parameters of a `d`-`h`-`h`-1 network, `u(x) = Σ tanh(tanh(x W1 + b1) W2 + b2) W3` for x of
 * shape `[d]` (two tanh layers), and `points(b)`: `b` points of shape `[d]` to evaluate it at.
 * The parameters are drawn first, then the points, from one generator seeded by `seed`.
 */
export function net(d: number, h: number, seed: number, dtype: DType = "float64") {
  const rnd = numbers(seed);
  const mat = (r: number, c: number) =>
    tensor(Array.from({ length: r * c }, () => 2 * rnd()), { dtype, shape: [r, c] });
  const params = [mat(d, h), mat(1, h).reshape([h]), mat(h, h), mat(1, h).reshape([h]), mat(h, 1)];
  const u = (ps: readonly Tensor[], x: Tensor) => {
    const [w1, b1, w2, b2, w3] = ps;
    return matmul(matmul(matmul(x, w1).add(b1).tanh(), w2).add(b2).tanh(), w3).sum();
  };
  const points = (b: number) =>
    tensor(Array.from({ length: b * d }, () => 2 * rnd()), { dtype, shape: [b, d] });
  return { params, u, points };
}
