/**
 * Shape arithmetic: sizes, strides, broadcasting and dimension checks. Pure functions on
 * `readonly number[]`; no tensors.
 *
 * @module
 */

import { ShapeError } from "./errors.ts";

/** A tensor shape: one non-negative integer per dimension. */
export type Shape = readonly number[];

/** Number of elements of a shape (1 for the 0-d shape `[]`). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Row-major (C-contiguous) strides of a shape, in elements. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Whether two shapes are equal. */
export function shapesEqual(a: Shape, b: Shape): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** `[2, 3]` for messages. */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(", ")}]`;
}

/**
 * The NumPy/PyTorch broadcast of two shapes.
 *
 * @throws {ShapeError} naming `op` and both shapes when they do not broadcast
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): Shape {
  if (b.length === 0 || shapesEqual(a, b)) return a;
  if (a.length === 0) return b;
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      throw new ShapeError(
        `Shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast in ${op}(): ` +
          `sizes ${da} and ${db} differ at dimension ${i - n}`,
      );
    }
  }
  return out;
}

/** Whether shape `from` broadcasts to exactly shape `to`. */
export function broadcastsTo(from: Shape, to: Shape): boolean {
  if (from.length > to.length) return false;
  const off = to.length - from.length;
  for (let i = 0; i < from.length; i++) {
    if (from[i] !== 1 && from[i] !== to[i + off]) return false;
  }
  return true;
}

/**
 * Turns a possibly negative dimension into an index in `[0, ndim)`.
 *
 * @throws {ShapeError} naming `op` when `dim` is out of range or not an integer
 */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const lo = ndim === 0 ? -1 : -ndim;
  const hi = ndim === 0 ? 0 : ndim - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new ShapeError(
      `Dimension ${dim} is out of range in ${op}() for a tensor with ${ndim} dimension${
        ndim === 1 ? "" : "s"
      } (expected an integer in [${lo}, ${hi}])`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/**
 * Normalizes a `dim` argument that may be one number, a list, or absent (all dimensions) into
 * a sorted list of distinct non-negative dimensions.
 *
 * @throws {ShapeError} for a dimension out of range or repeated
 */
export function normalizeDims(
  dim: number | readonly number[] | undefined | null,
  ndim: number,
  op: string,
): number[] {
  if (dim === undefined || dim === null) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dim === "number" ? [dim] : dim;
  const out: number[] = [];
  for (const d of list) {
    const nd = ndim === 0 ? 0 : normalizeDim(d, ndim, op);
    if (ndim === 0) normalizeDim(d, 0, op);
    if (out.includes(nd) && ndim > 0) {
      throw new ShapeError(`Dimension ${d} appears more than once in ${op}()`);
    }
    if (ndim > 0) out.push(nd);
  }
  return out.sort((x, y) => x - y);
}

/**
 * Checks that every entry of a user-given shape is a non-negative integer.
 *
 * @throws {ShapeError} naming `op` and the shape otherwise
 */
export function checkShape(shape: readonly number[], op: string): Shape {
  if (!Array.isArray(shape)) {
    throw new ShapeError(`${op}() expects a shape as an array of integers; got ${String(shape)}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        `Invalid shape ${fmtShape(shape)} in ${op}(): sizes must be non-negative integers`,
      );
    }
  }
  checkSize(sizeOf(shape), op, shape);
  return shape.slice();
}

/** The most elements one tensor can hold: the longest typed array JavaScript engines allow. */
export const MAX_ELEMENTS = 2 ** 32 - 1;

/**
 * Checks that a tensor of `n` elements can be allocated.
 *
 * @throws {RangeError} naming `op` (and the shape, when given) otherwise
 */
export function checkSize(n: number, op: string, shape?: Shape): void {
  if (n > MAX_ELEMENTS) {
    const what = shape === undefined ? "" : ` of shape ${fmtShape(shape)}`;
    throw new RangeError(
      `${op}(): a tensor${what} would have ${n} elements; at most ${MAX_ELEMENTS} are supported`,
    );
  }
}
