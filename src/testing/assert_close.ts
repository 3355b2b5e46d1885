/**
 * `assertClose`: elementwise comparison of tensors (or numbers, or nested arrays) within
 * absolute and relative tolerances, with a message that says where and by how much.
 *
 * @module
 */

import { ShapeError } from "../errors.ts";
import { fmtShape, shapesEqual } from "../shape.ts";
import { type NestedArray, Tensor } from "../tensor.ts";
import { tensor } from "../creation.ts";

/** Tolerances of {@linkcode assertClose}: `|actual − expected| ≤ atol + rtol·|expected|`. */
export interface CloseOptions {
  /** Absolute tolerance (default 1e-8 for float64, 1e-5 for float32). */
  readonly atol?: number;
  /** Relative tolerance (default 1e-7 for float64, 1.3e-6 for float32). */
  readonly rtol?: number;
  /** Treat NaN as equal to NaN (default true). */
  readonly equalNan?: boolean;
  /** A prefix for the failure message. */
  readonly message?: string;
}

function asTensor(x: Tensor | NestedArray): Tensor {
  return x instanceof Tensor ? x : tensor(x as NestedArray, { dtype: "float64" });
}

/**
 * Throws unless `actual` and `expected` have the same shape and every element satisfies
 * `|actual − expected| ≤ atol + rtol·|expected|` (PyTorch's `assert_close` rule).
 *
 * @param actual the computed value
 * @param expected the reference value
 * @param options `atol`, `rtol`, `equalNan`, `message`
 * @throws {ShapeError} when the shapes differ
 * @throws {Error} naming the worst element when a value is out of tolerance
 * @example Close enough, and not
 * ```ts
 * import { tensor } from "@tapegrad/core";
 * import { assertClose } from "@tapegrad/core/testing";
 * import assert from "node:assert/strict";
 *
 * assertClose(tensor([1, 2]).div(3), [1 / 3, 2 / 3], { atol: 1e-6 });
 * assert.throws(() => assertClose(tensor([1]), [1.1], { atol: 1e-3, rtol: 0 }));
 * ```
 */
export function assertClose(
  actual: Tensor | NestedArray,
  expected: Tensor | NestedArray,
  options: CloseOptions = {},
): void {
  const a = asTensor(actual);
  const e = asTensor(expected);
  const prefix = options.message ? `${options.message}: ` : "";
  if (!shapesEqual(a.shape, e.shape)) {
    throw new ShapeError(
      `${prefix}assertClose(): shape ${fmtShape(a.shape)} differs from the expected ` +
        fmtShape(e.shape),
    );
  }
  const single = a.dtype === "float32" || e.dtype === "float32";
  const atol = options.atol ?? (single ? 1e-5 : 1e-8);
  const rtol = options.rtol ?? (single ? 1.3e-6 : 1e-7);
  const equalNan = options.equalNan ?? true;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.numel; i++) {
    const x = a._buf[i], y = e._buf[i];
    if (x !== x || y !== y) {
      if (equalNan && x !== x && y !== y) continue;
      worst = i;
      worstExcess = Infinity;
      break;
    }
    if (x === y) continue; // also equal infinities
    const excess = Math.abs(x - y) - (atol + rtol * Math.abs(y));
    if (excess > 0 && (worst < 0 || excess > worstExcess)) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    const x = a._buf[worst], y = e._buf[worst];
    throw new Error(
      `${prefix}assertClose(): element ${worst} of ${a.numel} (shape ${fmtShape(a.shape)}) ` +
        `is ${x}, expected ${y} (difference ${Math.abs(x - y)}, allowed ` +
        `${atol + rtol * Math.abs(y)} from atol ${atol}, rtol ${rtol})`,
    );
  }
}
