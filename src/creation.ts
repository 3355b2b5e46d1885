/**
 * Creating tensors: from data (`tensor`), filled (`zeros`, `ones`, `full`, `eye`),
 * ranges (`arange`, `linspace`), random (`rand`, `randn`), and the `*Like` variants.
 *
 * @module
 */

import { allocate, checkDtype, type DType, getDefaultDtype, type Storage } from "./dtype.ts";
import { DtypeError, ShapeError } from "./errors.ts";
import { checkShape, checkSize, type Shape, sizeOf } from "./shape.ts";
import { type NestedArray, Tensor, TRUSTED } from "./tensor.ts";
import { type Generator, getDefaultGenerator } from "./random.ts";
import { sampleUnderVmap } from "./vmap/level.ts";

/** Options of the creation functions. */
export interface TensorOptions {
  /** The element type (default: the default dtype, `float32` unless changed). */
  readonly dtype?: DType;
  /** Make the result a leaf that requires grad. */
  readonly requiresGrad?: boolean;
}

/** Options of {@linkcode tensor}. */
export interface FromDataOptions extends TensorOptions {
  /** The shape of flat data (a typed array or flat list); default: inferred. */
  readonly shape?: readonly number[];
}

/** Options of the random creation functions. */
export interface RandomOptions extends TensorOptions {
  /** The generator to draw from (default: the one seeded by {@linkcode manualSeed}). */
  readonly generator?: Generator;
}

function finish(buf: Storage, shape: Shape, dtype: DType, options: TensorOptions): Tensor {
  const t = new Tensor(buf, shape, dtype, TRUSTED);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}

/**
 * A number as an int64 value, as PyTorch converts it: truncated toward zero (and without
 * `-0`); NaN, ±∞ and values beyond the int64 range are a RangeError naming `op`.
 */
function toInt64(v: number, op: string): number {
  if (!(v >= -(2 ** 63) && v < 2 ** 63)) { // −2⁶³ is an int64, 2⁶³ is not
    throw new RangeError(`${op}(): the value ${v} cannot be converted to int64 without overflow`);
  }
  return Math.trunc(v) + 0;
}

/** `allocate`, with an engine's refusal of a huge buffer as a RangeError naming `op`. */
function allocateFor(dtype: DType, n: number, op: string): Storage {
  try {
    return allocate(dtype, n);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    throw new RangeError(`${op}(): cannot allocate ${n} ${dtype} elements: ${e.message}`);
  }
}

function dtypeOf(options: TensorOptions, op: string): DType {
  return options.dtype === undefined ? getDefaultDtype() : checkDtype(options.dtype, op);
}

/** The deepest nesting tensor() reads (PyTorch refuses deep lists too: "too many dimensions"). */
const MAX_NESTING = 1000;

/** Shape of nested arrays, checked to be rectangular, and whether the leaves are booleans. */
function inspectNested(data: NestedArray): { shape: number[]; bools: boolean } {
  const shape: number[] = [];
  let cur: NestedArray = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur.length > 0 ? cur[0] : 0;
    if (shape.length > MAX_NESTING) {
      throw new ShapeError(
        `tensor(): nested arrays deeper than ${MAX_NESTING} levels are not supported`,
      );
    }
  }
  let bools = true; // bool only when every leaf is a boolean (`[true, 2]` holds numbers)
  const check = (x: NestedArray, depth: number, path: string) => {
    if (depth === shape.length) {
      if (typeof x !== "number" && typeof x !== "boolean") {
        throw new TypeError(`tensor() expects numbers or booleans; found ${typeof x} at ${path}`);
      }
      if (typeof x === "number") bools = false;
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw new ShapeError(
        `tensor() needs rectangular nested arrays: expected ${shape[depth]} entries at ` +
          `${path}, found ${Array.isArray(x) ? x.length : "a number"}`,
      );
    }
    for (let i = 0; i < x.length; i++) check(x[i], depth + 1, `${path}[${i}]`);
  };
  check(data, 0, "data");
  return { shape, bools: bools && sizeOf(shape) > 0 && typeof cur === "boolean" };
}

function flatten(data: NestedArray): number[] {
  const out: number[] = [];
  const walk = (x: NestedArray) => {
    if (Array.isArray(x)) { for (const y of x) walk(y); }
    else out.push(Number(x));
  };
  walk(data);
  return out;
}

/** The largest integer a float64 (and so an int64 tensor here) holds exactly. */
const MAX_EXACT = 2 ** 53;

/**
 * The values of a typed array and the dtype its element type maps to: float32 and float64
 * arrays keep their type, a Float16Array widens to float32, every integer array (including
 * BigInt64Array and BigUint64Array, whose values must be exact in float64) becomes int64.
 * Tapegrad has no uint8 dtype, so a Uint8Array is refused unless a dtype is given.
 */
function typedArrayValues(
  data: ArrayBufferView,
  dtypeGiven: boolean,
): { values: ArrayLike<number>; inferred: DType } {
  const name = data.constructor.name;
  if (data instanceof DataView) {
    throw new TypeError("tensor() takes a typed array, not a DataView; wrap the bytes first");
  }
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const values = new Array<number>(data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v > BigInt(MAX_EXACT) || v < -BigInt(MAX_EXACT)) {
        throw new RangeError(
          `tensor(): ${name} value ${v} at index ${i} is beyond 2^53, which int64 tensors ` +
            `(stored as float64) cannot hold exactly`,
        );
      }
      values[i] = Number(v);
    }
    return { values, inferred: "int64" };
  }
  const values = data as unknown as ArrayLike<number>;
  if (data instanceof Float64Array) return { values, inferred: "float64" };
  if (data instanceof Float32Array || name === "Float16Array") {
    return { values, inferred: "float32" };
  }
  if ((data instanceof Uint8Array || data instanceof Uint8ClampedArray) && !dtypeGiven) {
    throw new DtypeError(
      `tensor(): Tapegrad has no uint8 dtype, so a ${name} needs an explicit dtype: ` +
        `{ dtype: "bool" } for a mask, "int64" or "float32" for values`,
    );
  }
  return { values, inferred: "int64" };
}

/**
 * Makes a tensor from a number, a boolean, nested arrays, a typed array or another tensor
 * (copied, detached). The dtype defaults to the default dtype, `bool` for booleans, and
 * for a typed array the one its element type maps to: `Float32Array` (and `Float16Array`)
 * → float32, `Float64Array` → float64, integer arrays (`Int32Array`, `BigInt64Array`, ...)
 * → int64. There is no uint8 dtype: a `Uint8Array` needs an explicit `dtype`.
 *
 * @param data the values
 * @param options `dtype`, `requiresGrad`, and `shape` for flat data
 * @returns a new leaf tensor
 * @throws {ShapeError} for ragged nested arrays or a `shape` that does not fit the data
 * @throws {DtypeError} when `requiresGrad` is asked of an integer or bool tensor, or for a
 *   `Uint8Array` without a dtype
 * @throws {RangeError} for a BigInt64Array value beyond 2^53
 * @example From nested arrays, and as a leaf that requires grad
 * ```ts
 * import { tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * assert.deepEqual(x.shape, [2, 2]);
 * assert.equal(String(x), "tensor([[1., 2.],\n        [3., 4.]], requires_grad=True)");
 * ```
 * @example Typed arrays keep their element type
 * ```ts
 * import { tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(tensor(new Float64Array([1, 2])).dtype, "float64");
 * assert.equal(tensor(new BigInt64Array([1n, 2n])).dtype, "int64");
 * assert.equal(tensor(new Uint8Array([1, 0]), { dtype: "bool" }).dtype, "bool");
 * assert.throws(() => tensor(new Uint8Array([1, 0])), TypeError);
 * ```
 */
export function tensor(
  data: NestedArray | ArrayLike<number> | BigInt64Array | BigUint64Array | Tensor,
  options: FromDataOptions = {},
): Tensor {
  let values: ArrayLike<number>;
  let shape: number[];
  let inferred: DType | undefined;
  if (data instanceof Tensor && data._bat !== null) return fromBatched(data, options);
  if (data instanceof Tensor) {
    values = data._buf;
    shape = data.shape.slice();
    inferred = data.dtype;
  } else if (typeof data === "number" || typeof data === "boolean") {
    values = [Number(data)];
    shape = [];
    if (typeof data === "boolean") inferred = "bool";
  } else if (ArrayBuffer.isView(data)) {
    ({ values, inferred } = typedArrayValues(data, options.dtype !== undefined));
    shape = [values.length];
  } else if (Array.isArray(data)) {
    const info = inspectNested(data as NestedArray);
    shape = info.shape;
    values = flatten(data as NestedArray);
    if (info.bools) inferred = "bool";
  } else {
    throw new TypeError(
      `tensor() expects a number, boolean, nested arrays, a typed array or a Tensor; got ` +
        `${data === null ? "null" : typeof data}`,
    );
  }
  if (options.shape !== undefined) {
    const s = checkShape(options.shape, "tensor");
    if (sizeOf(s) !== values.length) {
      throw new ShapeError(
        `tensor(): shape [${s.join(", ")}] needs ${
          sizeOf(s)
        } values; the data has ${values.length}`,
      );
    }
    shape = s.slice();
  }
  const dtype = options.dtype !== undefined
    ? checkDtype(options.dtype, "tensor")
    : inferred ?? getDefaultDtype();
  const buf = allocateFor(dtype, values.length, "tensor");
  if (dtype === "bool") {
    // any non-zero number is true, NaN included (as Python's bool(nan))
    for (let i = 0; i < buf.length; i++) buf[i] = Number(values[i]) !== 0 ? 1 : 0;
  } else if (dtype === "int64") {
    for (let i = 0; i < buf.length; i++) buf[i] = toInt64(values[i], "tensor");
  } else buf.set(values);
  return finish(buf, shape, dtype, options);
}

/**
 * `tensor(x)` of a batched tensor inside `vmap`: the same values, detached (a wrapper has no
 * storage of its own to copy, so copying its `_buf` would give zeros).
 */
function fromBatched(data: Tensor, options: FromDataOptions): Tensor {
  if (options.requiresGrad) {
    throw new TypeError(
      `tensor() cannot make a leaf that requires grad from a batched tensor inside vmap(); ` +
        `use grad() or vjp() inside the vmapped function instead`,
    );
  }
  let t = data.detach();
  if (options.dtype !== undefined) t = t.to(checkDtype(options.dtype, "tensor"));
  if (options.shape !== undefined) t = t.reshape(checkShape(options.shape, "tensor"));
  return t;
}

/**
 * A tensor of `shape` filled with `value`.
 *
 * @param shape the shape, e.g. `[2, 3]`
 * @param value the fill value
 * @param options `dtype` and `requiresGrad`
 * @returns a new leaf tensor
 * @throws {ShapeError} for an invalid shape
 * @example A 2×2 matrix of sevens
 * ```ts
 * import { full } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(full([2, 2], 7).toArray(), [[7, 7], [7, 7]]);
 * ```
 */
export function full(shape: readonly number[], value: number, options: TensorOptions = {}): Tensor {
  return filled(shape, value, options, "full");
}

/** `full` with errors naming `op` (zeros, ones and the `*Like` forms call it). */
function filled(
  shape: readonly number[],
  value: number,
  options: TensorOptions,
  op: string,
): Tensor {
  const s = checkShape(shape, op);
  const dtype = dtypeOf(options, op);
  if (typeof value !== "number" && typeof value !== "boolean") {
    throw new TypeError(`${op}() expects a number as the fill value; got ${typeof value}`);
  }
  // bool storage holds 0 or 1 only: full(2, bool) is true, not a 2 that sums to 4
  const v = dtype === "int64"
    ? toInt64(value, op)
    : dtype === "bool"
    ? (Number(value) !== 0 ? 1 : 0)
    : Number(value);
  const buf = allocateFor(dtype, sizeOf(s), op);
  if (v !== 0) buf.fill(v);
  return finish(buf, s, dtype, options);
}

/**
 * A tensor of zeros.
 *
 * @param shape the shape, e.g. `[2, 3]`
 * @param options `dtype` and `requiresGrad`
 * @returns a new leaf tensor
 * @throws {ShapeError} for an invalid shape
 * @example Zeros
 * ```ts
 * import { zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(String(zeros([3])), "tensor([0., 0., 0.])");
 * ```
 */
export function zeros(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled(shape, 0, options, "zeros");
}

/**
 * A tensor of ones.
 *
 * @param shape the shape, e.g. `[2, 2]`
 * @param options `dtype` and `requiresGrad`
 * @returns a new leaf tensor
 * @throws {ShapeError} for an invalid shape
 * @example Ones that require grad
 * ```ts
 * import { ones } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = ones([2, 2], { requiresGrad: true });
 * assert.equal(x.requiresGrad, true);
 * ```
 */
export function ones(shape: readonly number[], options: TensorOptions = {}): Tensor {
  return filled(shape, 1, options, "ones");
}

/**
 * The `n`×`m` identity matrix (ones on the main diagonal).
 *
 * @param n rows
 * @param m columns (default `n`)
 * @param options `dtype` and `requiresGrad`
 * @returns a new leaf tensor
 * @throws {ShapeError} for negative or non-integer sizes
 * @example A 2×3 identity
 * ```ts
 * import { eye } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(eye(2, 3).toArray(), [[1, 0, 0], [0, 1, 0]]);
 * ```
 */
export function eye(n: number, m: number = n, options: TensorOptions = {}): Tensor {
  const s = checkShape([n, m], "eye");
  const dtype = dtypeOf(options, "eye");
  const buf = allocateFor(dtype, n * m, "eye");
  for (let i = 0; i < Math.min(n, m); i++) buf[i * m + i] = 1;
  return finish(buf, s, dtype, options);
}

/**
 * Evenly spaced values in `[start, end)` with `step` (PyTorch's `arange`). With only integer
 * arguments the dtype is `int64`, as in PyTorch; otherwise the default floating dtype.
 *
 * @param start the first value (or the end, when it is the only number)
 * @param end the end, excluded
 * @param step the spacing (default 1)
 * @param options `dtype` and `requiresGrad`
 * @returns a new 1-D leaf tensor
 * @throws {RangeError} for a zero step or a step of the wrong sign
 * @example Integers and floats
 * ```ts
 * import { arange } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(String(arange(4)), "tensor([0, 1, 2, 3])");
 * assert.deepEqual(arange(0, 1, 0.25).toArray(), [0, 0.25, 0.5, 0.75]);
 * ```
 */
export function arange(end: number, options?: TensorOptions): Tensor;
/** Values in `[start, end)` spaced by `step` (default 1). */
export function arange(start: number, end: number, step?: number, options?: TensorOptions): Tensor;
export function arange(
  a: number,
  b?: number | TensorOptions,
  c?: number | TensorOptions,
  d?: TensorOptions,
): Tensor {
  let start = 0, end: number, step = 1;
  let options: TensorOptions = {};
  if (typeof b !== "number") {
    end = a;
    options = b ?? {};
  } else {
    start = a;
    end = b;
    if (typeof c === "number") {
      step = c;
      options = d ?? {};
    } else options = c ?? {};
  }
  for (const [name, v] of [["start", start], ["end", end], ["step", step]] as const) {
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new RangeError(
        `arange(): unsupported range: ${name} must be a finite number; got ${v}`,
      );
    }
  }
  const dtypeGiven = options.dtype !== undefined ? checkDtype(options.dtype, "arange") : undefined;
  if (dtypeGiven === "bool") {
    throw new DtypeError(`arange() does not support dtype bool (as PyTorch)`);
  }
  if (dtypeGiven === "int64") {
    // as PyTorch: the bounds and the step are converted to integers first
    [start, end, step] = [start, end, step].map((v) => toInt64(v, "arange"));
  }
  if (step === 0) {
    throw new RangeError(`arange(): step must be non-zero (as an integer for int64); got ${step}`);
  }
  if ((end - start) * step < 0) {
    throw new RangeError(
      `arange(): the step ${step} goes away from the end (start ${start}, end ${end})`,
    );
  }
  const n = Math.max(0, Math.ceil((end - start) / step));
  checkSize(n, "arange");
  const ints = Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step);
  const dtype = dtypeGiven !== undefined ? dtypeGiven : ints ? "int64" : getDefaultDtype();
  const buf = allocateFor(dtype, n, "arange");
  for (let i = 0; i < n; i++) buf[i] = start + i * step;
  return finish(buf, [n], dtype, options);
}

/**
 * `steps` evenly spaced values from `start` to `end`, both included (computed from both ends,
 * as PyTorch does, so the last value is exactly `end`).
 *
 * @param start the first value
 * @param end the last value
 * @param steps how many values
 * @param options `dtype` and `requiresGrad`
 * @returns a new 1-D leaf tensor
 * @throws {RangeError} for a negative or non-integer `steps`
 * @example Five points on [0, 1]
 * ```ts
 * import { linspace } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(linspace(0, 1, 5).toArray(), [0, 0.25, 0.5, 0.75, 1]);
 * ```
 */
export function linspace(
  start: number,
  end: number,
  steps: number,
  options: TensorOptions = {},
): Tensor {
  if (!Number.isInteger(steps) || steps < 0) {
    throw new RangeError(`linspace(): steps must be a non-negative integer; got ${steps}`);
  }
  checkSize(steps, "linspace");
  const dtype = dtypeOf(options, "linspace");
  if (dtype === "bool") throw new DtypeError(`linspace() does not support dtype bool`);
  if (dtype === "int64") {
    // as PyTorch: the float64 values, truncated
    const f = linspace(start, end, steps, { dtype: "float64" })._buf;
    const buf = allocateFor("int64", steps, "linspace");
    for (let i = 0; i < steps; i++) buf[i] = toInt64(f[i], "linspace");
    return finish(buf, [steps], dtype, options);
  }
  const buf = allocateFor(dtype, steps, "linspace");
  if (steps === 1) buf[0] = start;
  else if (steps > 1) {
    // In the dtype's own arithmetic, as PyTorch's CPU kernel (AVX2 build, where the compiler
    // fuses each `a + b·c` into one multiply-add: the exact product in float64, one rounding).
    // Whole blocks of two 256-bit vectors take one base per vector, from the start or the
    // end, plus k·step per lane; the remainder is computed element by element.
    const r = dtype === "float32" ? Math.fround : (v: number) => v;
    const s0 = r(start);
    const s1 = r(end);
    const step = r(r(s1 - s0) / (steps - 1));
    const half = Math.floor(steps / 2);
    const at = (i: number) => i < half ? r(s0 + step * i) : r(s1 - step * (steps - 1 - i));
    const lanes = dtype === "float32" ? 8 : 4;
    let i = 0;
    for (; i + 2 * lanes <= steps; i += 2 * lanes) {
      for (const v of [i, i + lanes]) {
        const base = at(v);
        for (let k = 0; k < lanes; k++) buf[v + k] = r(base + k * step);
      }
    }
    for (; i < steps; i++) buf[i] = at(i);
  }
  return finish(buf, [steps], dtype, options);
}

function random(
  shape: readonly number[],
  options: RandomOptions,
  op: string,
  draw: (g: Generator) => number,
): Tensor {
  const s = checkShape(shape, op);
  const dtype = dtypeOf(options, op);
  if (dtype === "int64" || dtype === "bool") {
    throw new DtypeError(`${op}() draws floating-point values; dtype ${dtype} is not supported`);
  }
  const g = options.generator ?? getDefaultGenerator();
  return sampleUnderVmap(s, op, (shape) => {
    const buf = allocateFor(dtype, sizeOf(shape), op);
    for (let i = 0; i < buf.length; i++) buf[i] = draw(g);
    return finish(buf, shape.slice(), dtype, options);
  });
}

/**
 * Uniform random values in `[0, 1)`, from a seeded generator.
 *
 * @param shape the shape
 * @param options `dtype`, `requiresGrad`, `generator`
 * @returns a new leaf tensor
 * @throws {ShapeError} for an invalid shape
 * @example Values lie in [0, 1)
 * ```ts
 * import { manualSeed, rand } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * manualSeed(0);
 * const u = rand([100]).toArray() as number[];
 * assert.ok(u.every((v) => v >= 0 && v < 1));
 * ```
 */
export function rand(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return random(shape, options, "rand", (g) => g.uniform());
}

/**
 * Standard normal random values, from a seeded generator.
 *
 * @param shape the shape
 * @param options `dtype`, `requiresGrad`, `generator`
 * @returns a new leaf tensor
 * @throws {ShapeError} for an invalid shape
 * @example A 2×3 sample
 * ```ts
 * import { manualSeed, randn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * manualSeed(0);
 * assert.deepEqual(randn([2, 3]).shape, [2, 3]);
 * ```
 */
export function randn(shape: readonly number[], options: RandomOptions = {}): Tensor {
  return random(shape, options, "randn", (g) => g.normal());
}

function likeOptions(x: Tensor, options: TensorOptions): TensorOptions {
  return { dtype: options.dtype ?? x.dtype, requiresGrad: options.requiresGrad };
}

/**
 * Zeros with the shape (and, unless given, the dtype) of `x`.
 *
 * @param x the tensor to copy the shape from
 * @param options `dtype` and `requiresGrad`
 * @returns a new leaf tensor
 * @example Zeros like a matrix
 * ```ts
 * import { ones, zerosLike } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(zerosLike(ones([2, 2])).toArray(), [[0, 0], [0, 0]]);
 * ```
 */
export function zerosLike(x: Tensor, options: TensorOptions = {}): Tensor {
  return full(x.shape, 0, likeOptions(x, options));
}

/**
 * Ones with the shape (and, unless given, the dtype) of `x`.
 *
 * @param x the tensor to copy the shape from
 * @param options `dtype` and `requiresGrad`
 * @returns a new leaf tensor
 * @example The gradient for a vector-Jacobian product
 * ```ts
 * import { onesLike, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(onesLike(tensor([5, 6])).toArray(), [1, 1]);
 * ```
 */
export function onesLike(x: Tensor, options: TensorOptions = {}): Tensor {
  return full(x.shape, 1, likeOptions(x, options));
}

/**
 * `value` everywhere, with the shape (and, unless given, the dtype) of `x`.
 *
 * @param x the tensor to copy the shape from
 * @param value the fill value
 * @param options `dtype` and `requiresGrad`
 * @returns a new leaf tensor
 * @example Fill like
 * ```ts
 * import { fullLike, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(fullLike(tensor([5, 6]), 2).toArray(), [2, 2]);
 * ```
 */
export function fullLike(x: Tensor, value: number, options: TensorOptions = {}): Tensor {
  return full(x.shape, value, likeOptions(x, options));
}

/**
 * Standard normal values with the shape (and, unless given, the dtype) of `x`.
 *
 * @param x the tensor to copy the shape from
 * @param options `dtype`, `requiresGrad`, `generator`
 * @returns a new leaf tensor
 * @example Noise like a tensor
 * ```ts
 * import { randnLike, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(randnLike(zeros([4, 2])).shape, [4, 2]);
 * ```
 */
export function randnLike(x: Tensor, options: RandomOptions = {}): Tensor {
  return randn(x.shape, { ...likeOptions(x, options), generator: options.generator });
}

/**
 * Uniform values in `[0, 1)` with the shape (and, unless given, the dtype) of `x`.
 *
 * @param x the tensor to copy the shape from
 * @param options `dtype`, `requiresGrad`, `generator`
 * @returns a new leaf tensor
 * @example Uniform noise like a tensor
 * ```ts
 * import { randLike, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(randLike(zeros([3])).shape, [3]);
 * ```
 */
export function randLike(x: Tensor, options: RandomOptions = {}): Tensor {
  return rand(x.shape, { ...likeOptions(x, options), generator: options.generator });
}
