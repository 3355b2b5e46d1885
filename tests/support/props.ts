/**
 * Shared helpers for property tests: fast-check arbitraries for shapes (broadcasting
 * included) and float64 tensors, and a seeded `property` runner. Every property runs with a
 * fixed seed; fast-check prints the seed and the counterexample path on failure.
 */

import fc from "fast-check";
import { type Tensor, tensor } from "../../mod.ts";
import { gradcheck, type GradcheckOptions } from "../../src/testing/mod.ts";

/** Default seed of every property test (change it locally to explore). */
export const SEED = 20261124;

/** A shape of rank 0..maxRank with sizes 1..maxDim. */
export function shapeArb(maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { maxLength: maxRank });
}

/** Two shapes that broadcast together: drawn from one output shape by dropping leading dims and setting some sizes to 1. */
export function broadcastPairArb(maxRank = 3, maxDim = 3): fc.Arbitrary<[number[], number[]]> {
  const derive = (out: number[]) =>
    fc.tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), {
        minLength: out.length,
        maxLength: out.length,
      }),
    ).map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
  return shapeArb(maxRank, maxDim).chain((out) => fc.tuple(derive(out), derive(out)));
}

/** Number of elements of a shape. */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Values for a tensor of `shape`, as doubles in [min, max] (no NaN). */
export function valuesArb(shape: readonly number[], min = -2, max = 2): fc.Arbitrary<number[]> {
  const n = numel(shape);
  return fc.array(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), {
    minLength: n,
    maxLength: n,
  });
}

/** A float64 tensor of `shape` with values in [min, max]. */
export function tensorArb(shape: readonly number[], min = -2, max = 2): fc.Arbitrary<Tensor> {
  return valuesArb(shape, min, max).map((v) => tensor(v, { dtype: "float64", shape }));
}

/** A float64 tensor of a random shape (rank ≤ maxRank) with values in [min, max]. */
export function anyTensorArb(min = -2, max = 2, maxRank = 3, maxDim = 4): fc.Arbitrary<Tensor> {
  return shapeArb(maxRank, maxDim).chain((s) => tensorArb(s, min, max));
}

/** Values in [min, max] kept at least `gap` away from each of `avoid` (kinks, poles). */
export function awayFrom(
  arb: fc.Arbitrary<Tensor>,
  avoid: readonly number[],
  gap = 0.05,
): fc.Arbitrary<Tensor> {
  return arb.filter((t) =>
    (t.toTypedArray() as Float64Array).every((v) => avoid.every((a) => Math.abs(v - a) > gap))
  );
}

/** Runs a property with the fixed seed and `numRuns` runs (default 25). */
export function property<T>(
  arb: fc.Arbitrary<T>,
  predicate: (value: T) => void,
  numRuns = 25,
): void {
  fc.assert(
    fc.property(arb, (v) => {
      predicate(v);
    }),
    { seed: SEED, numRuns },
  );
}

/** gradcheck with the project's defaults for property tests (third order, forward mode too). */
export function checkDerivatives(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor | readonly Tensor[],
  options: GradcheckOptions = {},
): void {
  gradcheck(f, inputs as Tensor[], { order: 3, ...options });
}

/** Row-major strides. */
function rowStrides(shape: readonly number[]): number[] {
  const s = shape.map(() => 1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** The value of `x` (shape `from`) at the broadcast position `flat` of shape `to`. */
export function broadcastAt(
  x: number[],
  from: readonly number[],
  to: readonly number[],
  flat: number,
) {
  const ts = rowStrides(to);
  const fs = rowStrides(from);
  const off = to.length - from.length;
  let idx = 0;
  for (let d = 0; d < to.length; d++) {
    const i = Math.floor(flat / ts[d]) % to[d];
    if (d >= off && from[d - off] !== 1) idx += i * fs[d - off];
  }
  return x[idx];
}
