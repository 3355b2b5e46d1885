/**
 * Plain data in and out: the JSON form `{ dtype, shape, data }` of a tensor and its reader.
 *
 * @module
 */

import { allocate, checkDtype, type DType } from "../dtype.ts";
import { DtypeError, ShapeError } from "../errors.ts";
import { fmtShape, sizeOf } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import type { TensorOptions } from "../creation.ts";

/**
 * A tensor as plain JSON: its dtype, its shape and its values flat in row-major order.
 * `data` holds numbers (booleans for a bool tensor); the floats that JSON numbers cannot
 * carry are written as the strings `"NaN"`, `"Infinity"`, `"-Infinity"` and `"-0"`.
 */
export interface TensorJSON {
  /** The element type. */
  readonly dtype: DType;
  /** The size of each dimension. */
  readonly shape: readonly number[];
  /** The values, flat and row-major. */
  readonly data: readonly (number | boolean | string)[];
}

const SPECIAL: Record<string, number> = {
  "-0": -0,
  NaN: NaN,
  Infinity: Infinity,
  "-Infinity": -Infinity,
};

/** @ignore The JSON form of a concrete tensor (`Tensor.toJSON`). */
export function toJSONForm(t: Tensor): TensorJSON {
  const buf = t._buf;
  const data = new Array<number | boolean | string>(buf.length);
  if (t.dtype === "bool") { for (let i = 0; i < buf.length; i++) data[i] = buf[i] !== 0; }
  else {
    for (let i = 0; i < buf.length; i++) {
      const v = buf[i];
      data[i] = Object.is(v, -0) ? "-0" : Number.isFinite(v) ? v : String(v);
    }
  }
  return { dtype: t.dtype, shape: t.shape.slice(), data };
}

/**
 * Reads a tensor from its JSON form (the object {@linkcode Tensor.toJSON} returns, or the
 * string `JSON.stringify` made of it).
 *
 * @param json the `{ dtype, shape, data }` object or its JSON text
 * @param options `requiresGrad` makes the result a leaf that requires grad
 * @returns a new leaf tensor
 * @throws {TypeError} when `json` is not of that form
 * @throws {DtypeError} for an unknown dtype or an int64 value that is not an integer
 * @throws {ShapeError} when `data` does not have as many values as `shape` needs
 * @example Save a tensor as JSON text and read it back
 * ```ts
 * import { fromJSON, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, NaN], [Infinity, 4]], { dtype: "float64" });
 * const text = JSON.stringify({ weights: x });
 * const back = fromJSON(JSON.parse(text).weights);
 * assert.equal(back.dtype, "float64");
 * assert.deepEqual(back.tolist(), [[1, NaN], [Infinity, 4]]);
 * ```
 */
export function fromJSON(
  json: TensorJSON | string,
  options: Pick<TensorOptions, "requiresGrad"> = {},
): Tensor {
  const obj: unknown = typeof json === "string" ? JSON.parse(json) : json;
  if (
    typeof obj !== "object" || obj === null || !("dtype" in obj) || !("shape" in obj) ||
    !("data" in obj) || !Array.isArray(obj.shape) || !Array.isArray(obj.data)
  ) {
    throw new TypeError(
      "fromJSON() expects an object { dtype, shape, data } with array shape and data",
    );
  }
  const dtype = checkDtype(obj.dtype, "fromJSON");
  const shape = obj.shape as unknown[];
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new ShapeError(`fromJSON(): invalid size ${JSON.stringify(d)} in shape`);
    }
  }
  const dims = shape as number[];
  const data = obj.data as unknown[];
  if (sizeOf(dims) !== data.length) {
    throw new ShapeError(
      `fromJSON(): shape ${fmtShape(dims)} needs ${sizeOf(dims)} values; data has ${data.length}`,
    );
  }
  const buf = allocate(dtype, data.length);
  for (let i = 0; i < data.length; i++) {
    const raw = data[i];
    const v = typeof raw === "number"
      ? raw
      : typeof raw === "boolean"
      ? Number(raw)
      : typeof raw === "string" && Object.hasOwn(SPECIAL, raw)
      ? SPECIAL[raw]
      : undefined;
    if (v === undefined) {
      throw new TypeError(`fromJSON(): data[${i}] is ${JSON.stringify(raw)}, not a number`);
    }
    if (dtype === "int64" && !Number.isInteger(v)) {
      throw new DtypeError(`fromJSON(): int64 values must be integers; data[${i}] is ${raw}`);
    }
    buf[i] = dtype === "bool" ? (v !== 0 ? 1 : 0) : v;
  }
  const t = new Tensor(buf, dims.slice(), dtype);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}
