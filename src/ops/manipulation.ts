/**
 * Shape manipulation: flatten, squeeze, unsqueeze, view, cat, stack, split, chunk, flip,
 * roll, pad, tril, triu, diag, diagonal, trace, movedim. All are built from the shape
 * primitives (reshape, permute, slice, cat) and the index primitives, so they differentiate
 * to any order. Tensors are immutable, so a "view" never needs to copy or alias.
 *
 * @module
 */

import { ShapeError } from "../errors.ts";
import { fmtShape, normalizeDim, normalizeDims, sizeOf } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { checkTensor } from "./arithmetic.ts";
import { ge, le, select } from "./compare.ts";
import { arange, full } from "../creation.ts";
import { cast, identity, inferShape, permute, reshape, reshapeAs } from "./shape.ts";
import { promoteTypes } from "../dtype.ts";
import { indexSelect, scatterAdd, slice, window } from "./indexing.ts";
import { sub } from "./arithmetic.ts";

/**
 * Flattens dimensions `startDim..endDim` (inclusive) into one.
 *
 * @param x a tensor
 * @param startDim the first dimension to flatten (default 0)
 * @param endDim the last dimension to flatten (default -1)
 * @returns the reshaped tensor (a 0-d input gives shape `[1]`, as PyTorch; gradFn
 *   `ReshapeAliasBackward0`)
 * @throws {ShapeError} for dimensions out of range or `startDim` after `endDim`
 * @example Flatten all but the batch dimension
 * ```ts
 * import { flatten, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(flatten(zeros([2, 3, 4]), 1).shape, [2, 12]);
 * ```
 */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  checkTensor(x, "flatten");
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, "flatten");
  const e = normalizeDim(endDim, x.ndim, "flatten");
  if (s > e) {
    throw new ShapeError(`flatten() needs startDim (${startDim}) <= endDim (${endDim})`);
  }
  const shape = [...x.shape.slice(0, s), -1, ...x.shape.slice(e + 1)];
  const n = sizeOf(x.shape.slice(s, e + 1));
  shape[s] = n;
  return reshape(x, shape);
}

/**
 * Removes dimensions of size 1: all of them, or only `dim` (left alone if its size is not 1,
 * as PyTorch).
 *
 * @param x a tensor
 * @param dim a dimension or a list of them (default: all of size 1)
 * @returns the reshaped tensor (gradFn `SqueezeBackward0`, or `SqueezeBackward1` with `dim`)
 * @throws {ShapeError} for a dimension out of range
 * @example Calling squeeze
 * ```ts
 * import { squeeze, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(squeeze(zeros([1, 3, 1])).shape, [3]);
 * assert.deepEqual(squeeze(zeros([1, 3, 1]), 0).shape, [3, 1]);
 * ```
 */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  checkTensor(x, "squeeze");
  const dims = dim === undefined
    ? null
    : (typeof dim === "number" ? [dim] : dim).map((d) => normalizeDim(d, x.ndim, "squeeze"));
  const shape = x.shape.filter((n, i) => !(n === 1 && (dims === null || dims.includes(i))));
  return reshapeAs(x, shape, dims === null ? "SqueezeBackward0" : "SqueezeBackward1");
}

/**
 * Inserts a dimension of size 1 at `dim` (negative counts from the end of the result).
 *
 * @param x a tensor
 * @param dim the position of the new dimension, in `[-ndim-1, ndim]`
 * @returns the reshaped tensor (gradFn `UnsqueezeBackward0`)
 * @throws {ShapeError} for a position out of range
 * @example Calling unsqueeze
 * ```ts
 * import { unsqueeze, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(unsqueeze(zeros([2, 3]), 1).shape, [2, 1, 3]);
 * assert.deepEqual(unsqueeze(zeros([2, 3]), -1).shape, [2, 3, 1]);
 * ```
 */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  checkTensor(x, "unsqueeze");
  const d = normalizeDim(dim, x.ndim + 1, "unsqueeze");
  const shape = x.shape.slice();
  shape.splice(d, 0, 1);
  return reshapeAs(x, shape, "UnsqueezeBackward0");
}

/**
 * PyTorch's `view`, for code ported from PyTorch: the same as {@linkcode reshape}. Tensors
 * are immutable here, so there is no difference between a view and a copy to observe.
 *
 * @param x a tensor
 * @param shape the new shape; one entry may be -1
 * @returns the reshaped tensor (gradFn `ViewBackward0`)
 * @throws {ShapeError} when the sizes do not match
 * @example Calling view
 * ```ts
 * import { view, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(view(zeros([2, 6]), [3, -1]).shape, [3, 4]);
 * ```
 */
export function view(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor(x, "view");
  return reshapeAs(x, inferShape(shape, x.numel, x.shape, "view"), "ViewBackward0");
}

function checkList(tensors: readonly Tensor[], op: string): void {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new TypeError(`${op}() expects a non-empty array of tensors`);
  }
  tensors.forEach((t, i) => checkTensor(t, op, `tensors[${i}]`));
}

/**
 * Concatenates tensors along an existing dimension. All must have the same shape except
 * along `dim`; mixed dtypes promote as in arithmetic.
 *
 * @param tensors the tensors, in order
 * @param dim the dimension to join along (default 0)
 * @returns the concatenation (gradFn `CatBackward0`)
 * @throws {ShapeError} for mismatched shapes or `dim` out of range
 * @example Calling cat
 * ```ts
 * import { cat, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const a = tensor([[1, 2]]);
 * const b = tensor([[3, 4], [5, 6]]);
 * assert.deepEqual(cat([a, b]).toArray(), [[1, 2], [3, 4], [5, 6]]);
 * ```
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return catAs(tensors, dim, "CatBackward0");
}

/** {@linkcode cat} as a node named `name` (`stack` is a concatenation named StackBackward0). */
function catAs(tensors: readonly Tensor[], dim: number, name: string): Tensor {
  checkList(tensors, "cat");
  const ref = tensors[0];
  const d = normalizeDim(dim, Math.max(ref.ndim, 1), "cat");
  for (const t of tensors) {
    if (t.ndim === 0) throw new ShapeError(`cat() cannot concatenate 0-d tensors; use stack()`);
    if (t.ndim !== ref.ndim || t.shape.some((n, i) => i !== d && n !== ref.shape[i])) {
      throw new ShapeError(
        `cat() expects the same shape except in dimension ${d}; got ` +
          tensors.map((x) => fmtShape(x.shape)).join(" and "),
      );
    }
  }
  if (tensors.length === 1) return identity(ref, name);
  const dtype = tensors.map((t) => t.dtype).reduce(promoteTypes);
  return apply("cat", tensors.map((t) => cast(t, dtype)), { dim: d }, name);
}

/**
 * Stacks tensors of the same shape along a new dimension.
 *
 * @param tensors the tensors, all of one shape
 * @param dim where the new dimension goes (default 0)
 * @returns the stacked tensor (gradFn `StackBackward0`)
 * @throws {ShapeError} for mismatched shapes
 * @example Calling stack
 * ```ts
 * import { stack, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray(), [[1, 3], [2, 4]]);
 * ```
 */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  checkList(tensors, "stack");
  const ref = tensors[0];
  for (const t of tensors) {
    if (t.ndim !== ref.ndim || t.shape.some((n, i) => n !== ref.shape[i])) {
      throw new ShapeError(
        `stack() expects tensors of one shape; got ` +
          tensors.map((x) => fmtShape(x.shape)).join(" and "),
      );
    }
  }
  const d = normalizeDim(dim, ref.ndim + 1, "stack");
  return catAs(tensors.map((t) => unsqueeze(t, d)), d, "StackBackward0");
}

/**
 * Splits a tensor into pieces along `dim`: of `splitSize` each (the last may be smaller), or
 * of the listed sizes.
 *
 * @param x a tensor
 * @param splitSizeOrSections a piece size, or the list of sizes (summing to the dimension)
 * @param dim the dimension to split (default 0)
 * @returns the pieces (each with gradFn `SplitBackward0`, or `SplitWithSizesBackward0` for a
 *   list of sizes, as PyTorch)
 * @throws {ShapeError} for sizes that do not add up, or a non-positive size
 * @example Calling split
 * ```ts
 * import { split, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const parts = split(tensor([1, 2, 3, 4, 5]), 2);
 * assert.deepEqual(parts.map((p) => p.toArray()), [[1, 2], [3, 4], [5]]);
 * ```
 */
export function split(
  x: Tensor,
  splitSizeOrSections: number | readonly number[],
  dim = 0,
): Tensor[] {
  checkTensor(x, "split");
  const d = normalizeDim(dim, x.ndim, "split");
  const n = x.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === "number") {
    const s = splitSizeOrSections;
    if (!Number.isInteger(s) || s <= 0) {
      throw new ShapeError(`split() expects a positive integer size; got ${s}`);
    }
    sizes = [];
    for (let at = 0; at < n; at += s) sizes.push(Math.min(s, n - at));
    if (n === 0) sizes.push(0);
  } else {
    sizes = [...splitSizeOrSections];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new ShapeError(
        `split() sizes ${fmtShape(sizes)} must be non-negative integers adding up to ` +
          `${n}, the size of dimension ${d} of ${fmtShape(x.shape)}`,
      );
    }
  }
  const name = typeof splitSizeOrSections === "number"
    ? "SplitBackward0"
    : "SplitWithSizesBackward0";
  let at = 0;
  return sizes.map((s) => {
    const part = window(x, d, at, s, 1, name);
    at += s;
    return part;
  });
}

/**
 * Splits a tensor into `chunks` pieces of equal size along `dim` (the last may be smaller;
 * there may be fewer pieces, as in PyTorch).
 *
 * @param x a tensor
 * @param chunks the number of pieces wanted
 * @param dim the dimension to split (default 0)
 * @returns the pieces
 * @throws {ShapeError} when `chunks` is not a positive integer
 * @example Calling chunk
 * ```ts
 * import { chunk, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(chunk(tensor([1, 2, 3, 4, 5]), 3).map((p) => p.toArray()), [[1, 2], [3, 4], [5]]);
 * ```
 */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor(x, "chunk");
  if (!Number.isInteger(chunks) || chunks <= 0) {
    throw new ShapeError(`chunk() expects a positive integer number of chunks; got ${chunks}`);
  }
  const d = normalizeDim(dim, x.ndim, "chunk");
  const size = Math.max(1, Math.ceil(x.shape[d] / chunks));
  return split(x, size, d);
}

/**
 * Reverses the order of elements along the given dimensions.
 *
 * @param x a tensor
 * @param dims the dimensions to reverse
 * @returns the flipped tensor (gradFn `FlipBackward0`)
 * @throws {ShapeError} for a dimension out of range or repeated
 * @example Calling flip
 * ```ts
 * import { flip, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(flip(tensor([[1, 2], [3, 4]]), [1]).toArray(), [[2, 1], [4, 3]]);
 * ```
 */
export function flip(x: Tensor, dims: number | readonly number[]): Tensor {
  checkTensor(x, "flip");
  const list = normalizeDims(dims, x.ndim, "flip");
  if (x.ndim === 0) return identity(x, "FlipBackward0");
  const starts = x.shape.map((n, d) => (list.includes(d) ? n - 1 : 0));
  const steps = x.shape.map((_, d) => (list.includes(d) ? -1 : 1));
  return apply("slice", [x], { starts, steps, shape: x.shape }, "FlipBackward0");
}

/**
 * Rolls elements along dimensions: `shifts[i]` positions along `dims[i]`, wrapping around.
 * Without `dims` the tensor is flattened, rolled and reshaped back, as PyTorch.
 *
 * @param x a tensor
 * @param shifts a shift, or one per dimension
 * @param dims the dimensions (default: the flattened tensor)
 * @returns the rolled tensor (gradFn `RollBackward0`)
 * @throws {ShapeError} when `shifts` and `dims` differ in length
 * @throws {TypeError} for a non-integer shift
 * @example Calling roll
 * ```ts
 * import { roll, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(roll(tensor([1, 2, 3, 4]), 1).toArray(), [4, 1, 2, 3]);
 * ```
 */
export function roll(
  x: Tensor,
  shifts: number | readonly number[],
  dims?: number | readonly number[],
): Tensor {
  checkTensor(x, "roll");
  const s = typeof shifts === "number" ? [shifts] : [...shifts];
  const bad = s.find((k) => !Number.isInteger(k));
  if (bad !== undefined) throw new TypeError(`roll() expects integer shifts; got ${bad}`);
  if (dims === undefined) {
    if (s.length !== 1) throw new ShapeError(`roll() without dims takes a single shift`);
    return reshapeAs(roll(flatten(x), s[0], 0), x.shape, "RollBackward0");
  }
  const ds = typeof dims === "number" ? [dims] : [...dims];
  if (ds.length !== s.length) {
    throw new ShapeError(
      `roll() needs one shift per dimension; got shifts ${fmtShape(s)} and dims ${fmtShape(ds)}`,
    );
  }
  let out = x;
  for (let i = 0; i < ds.length; i++) {
    const d = normalizeDim(ds[i], x.ndim, "roll");
    const n = x.shape[d];
    if (n === 0) continue;
    const k = ((s[i] % n) + n) % n;
    if (k === 0) continue;
    out = cat([slice(out, d, n - k), slice(out, d, 0, n - k)], d);
  }
  // a composite of slices and concatenations: one node named for the whole op
  return identity(out, "RollBackward0");
}

/**
 * Pads a tensor, PyTorch's `F.pad`: `pad` lists (before, after) amounts for the last
 * dimension first, then the one before it, and so on. Negative amounts crop. Modes:
 * `"constant"` (with `value`), `"reflect"` (mirror without repeating the edge) and
 * `"replicate"` (repeat the edge).
 *
 * @param x a tensor
 * @param pad an even-length list `[lastBefore, lastAfter, prevBefore, prevAfter, ...]`
 * @param mode `"constant"` (default), `"reflect"` or `"replicate"`
 * @param value the fill value in constant mode (default 0)
 * @returns the padded tensor
 * @throws {ShapeError} for an odd-length list, too many entries, or a reflection wider than
 *   the dimension
 * @throws {TypeError} for an unknown mode
 * @example Calling pad
 * ```ts
 * import { pad, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(pad(tensor([1, 2, 3]), [1, 2]).toArray(), [0, 1, 2, 3, 0, 0]);
 * assert.deepEqual(pad(tensor([1, 2, 3]), [2, 1], "reflect").toArray(), [3, 2, 1, 2, 3, 2]);
 * ```
 */
export function pad(
  x: Tensor,
  pad: readonly number[],
  mode: "constant" | "reflect" | "replicate" = "constant",
  value = 0,
): Tensor {
  checkTensor(x, "pad");
  if (mode !== "constant" && mode !== "reflect" && mode !== "replicate") {
    throw new TypeError(
      `pad() expects mode "constant", "reflect" or "replicate"; got ${JSON.stringify(mode)}`,
    );
  }
  if (pad.length % 2 !== 0 || pad.length / 2 > x.ndim || pad.some((p) => !Number.isInteger(p))) {
    throw new ShapeError(
      `pad() expects an even number of integer amounts, at most two per dimension of ` +
        `${fmtShape(x.shape)}; got ${fmtShape(pad)}`,
    );
  }
  let out = x;
  for (let i = 0; i < pad.length / 2; i++) {
    const d = x.ndim - 1 - i;
    const before = pad[2 * i];
    const after = pad[2 * i + 1];
    const n = out.shape[d];
    if (mode === "constant") {
      if (before < 0) out = slice(out, d, -before);
      if (after < 0) out = slice(out, d, 0, out.shape[d] + after);
      const parts: Tensor[] = [];
      const block = (k: number) =>
        full(out.shape.map((s, j) => (j === d ? k : s)), value, { dtype: out.dtype });
      if (before > 0) parts.push(block(before));
      parts.push(out);
      if (after > 0) parts.push(block(after));
      if (parts.length > 1) out = cat(parts, d);
      continue;
    }
    if (mode === "reflect" && (before >= n || after >= n)) {
      throw new ShapeError(
        `pad() in reflect mode needs amounts smaller than the dimension; got ${before} and ` +
          `${after} for dimension ${d} of size ${n}`,
      );
    }
    if (n === 0) throw new ShapeError(`pad() cannot ${mode} an empty dimension ${d}`);
    const idx: number[] = [];
    for (let j = -before; j < n + after; j++) {
      if (mode === "replicate") idx.push(Math.min(Math.max(j, 0), n - 1));
      else {
        const period = 2 * (n - 1);
        let m = period === 0 ? 0 : ((j % period) + period) % period;
        if (m >= n) m = period - m;
        idx.push(m);
      }
    }
    out = indexSelect(out, d, new Tensor(Float64Array.from(idx), [idx.length], "int64"));
  }
  const k = pad.length / 2;
  const name = mode === "constant"
    ? "ConstantPadNdBackward0"
    : mode === "reflect"
    ? `ReflectionPad${k}DBackward0`
    : `ReplicationPad${k}DBackward0`;
  // a composite of concatenations and selections: one node named for the whole op
  return identity(out, name);
}

/** The mask `col - row >= diagonal` (or `<=`) over the last two dimensions. */
function checkOffset(k: number, op: string, name: string): void {
  if (!Number.isInteger(k)) throw new TypeError(`${op}() expects an integer ${name}; got ${k}`);
}

function triMask(x: Tensor, diagonal: number, lower: boolean, op: string): Tensor {
  if (x.ndim < 2) {
    throw new ShapeError(`${op}() expects at least 2 dimensions; got ${fmtShape(x.shape)}`);
  }
  if (!Number.isInteger(diagonal)) {
    throw new TypeError(`${op}() expects an integer diagonal; got ${diagonal}`);
  }
  const rows = x.shape[x.ndim - 2];
  const cols = x.shape[x.ndim - 1];
  const diff = sub(
    reshape(arange(cols, { dtype: "float64" }), [1, cols]),
    reshape(arange(rows, { dtype: "float64" }), [rows, 1]),
  );
  return lower ? le(diff, diagonal) : ge(diff, diagonal);
}

/**
 * The lower triangle of the last two dimensions: elements with `col - row <= diagonal`,
 * zeros elsewhere.
 *
 * @param x a tensor with at least 2 dimensions
 * @param diagonal which diagonal bounds the triangle (default 0, the main one)
 * @returns the masked tensor (gradFn `TrilBackward0`)
 * @throws {ShapeError} for fewer than 2 dimensions
 * @example Calling tril
 * ```ts
 * import { tensor, tril } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(tril(tensor([[1, 2], [3, 4]])).toArray(), [[1, 0], [3, 4]]);
 * ```
 */
export function tril(x: Tensor, diagonal = 0): Tensor {
  checkTensor(x, "tril");
  return select(triMask(x, diagonal, true, "tril"), x, 0, "TrilBackward0");
}

/**
 * The upper triangle of the last two dimensions: elements with `col - row >= diagonal`,
 * zeros elsewhere.
 *
 * @param x a tensor with at least 2 dimensions
 * @param diagonal which diagonal bounds the triangle (default 0, the main one)
 * @returns the masked tensor (gradFn `TriuBackward0`)
 * @throws {ShapeError} for fewer than 2 dimensions
 * @example Calling triu
 * ```ts
 * import { tensor, triu } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(triu(tensor([[1, 2], [3, 4]]), 1).toArray(), [[0, 2], [0, 0]]);
 * ```
 */
export function triu(x: Tensor, diagonal = 0): Tensor {
  checkTensor(x, "triu");
  return select(triMask(x, diagonal, false, "triu"), x, 0, "TriuBackward0");
}

const int64 = (values: number[], shape: number[]) =>
  new Tensor(Float64Array.from(values), shape, "int64");

/**
 * The diagonal of `x` over dimensions `dim1` and `dim2` (moved to the end), offset above
 * (`offset > 0`) or below the main diagonal.
 *
 * @param x a tensor with at least 2 dimensions
 * @param offset which diagonal (default 0)
 * @param dim1 the first dimension (default 0)
 * @param dim2 the second dimension (default 1)
 * @returns the other dimensions followed by the diagonal (gradFn `DiagonalBackward0`)
 * @throws {ShapeError} for fewer than 2 dimensions or equal dims
 * @throws {TypeError} for a non-integer offset
 * @example Calling diagonal
 * ```ts
 * import { diagonal, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * assert.deepEqual(diagonal(x).toArray(), [1, 5]);
 * assert.deepEqual(diagonal(x, 1).toArray(), [2, 6]);
 * ```
 */
export function diagonal(x: Tensor, offset = 0, dim1 = 0, dim2 = 1): Tensor {
  checkTensor(x, "diagonal");
  checkOffset(offset, "diagonal", "offset");
  if (x.ndim < 2) {
    throw new ShapeError(`diagonal() expects at least 2 dimensions; got ${fmtShape(x.shape)}`);
  }
  const a = normalizeDim(dim1, x.ndim, "diagonal");
  const b = normalizeDim(dim2, x.ndim, "diagonal");
  if (a === b) throw new ShapeError(`diagonal() needs two different dimensions; got ${a} twice`);
  return diagonalAs(x, offset, a, b, "DiagonalBackward0");
}

/** The diagonal at `offset` of dimensions `a` and `b` (checked), as a node named `name`. */
function diagonalAs(x: Tensor, offset: number, a: number, b: number, name: string): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const moved = permute(x, [...rest, a, b]);
  const rows = x.shape[a];
  const cols = x.shape[b];
  const len = Math.max(
    0,
    offset >= 0 ? Math.min(rows, cols - offset) : Math.min(rows + offset, cols),
  );
  const positions: number[] = [];
  for (let i = 0; i < len; i++) {
    positions.push(offset >= 0 ? i * cols + i + offset : (i - offset) * cols + i);
  }
  const lead = rest.map((i) => x.shape[i]);
  const flat = reshape(moved, [...lead, rows * cols]);
  const idx = reshape(int64(positions, [len]), [...lead.map(() => 1), len]);
  const full = lead.length === 0 ? idx : idx.expand([...lead, len]);
  return apply("gather", [flat, full], { dim: lead.length }, name);
}

/**
 * PyTorch's `torch.diag`: a 1-D input becomes a square matrix with it on the `diagonal`-th
 * diagonal; a 2-D input gives its `diagonal`-th diagonal.
 *
 * @param x a 1-D or 2-D tensor
 * @param diagonal which diagonal (default 0)
 * @returns a matrix or a vector (gradFn `DiagBackward0`)
 * @throws {ShapeError} for other ranks
 * @throws {TypeError} for a non-integer diagonal
 * @example Calling diag
 * ```ts
 * import { diag, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(diag(tensor([1, 2])).toArray(), [[1, 0], [0, 2]]);
 * assert.deepEqual(diag(tensor([[1, 2], [3, 4]])).toArray(), [1, 4]);
 * ```
 */
export function diag(x: Tensor, diagonal_ = 0): Tensor {
  checkTensor(x, "diag");
  checkOffset(diagonal_, "diag", "diagonal");
  if (x.ndim === 2) return diagonalAs(x, diagonal_, 0, 1, "DiagBackward0");
  if (x.ndim !== 1) {
    throw new ShapeError(`diag() expects a 1-D or 2-D tensor; got ${fmtShape(x.shape)}`);
  }
  const n = x.shape[0];
  const k = Math.abs(diagonal_);
  const size = n + k;
  const positions: number[] = [];
  for (let i = 0; i < n; i++) {
    positions.push(diagonal_ >= 0 ? i * size + i + k : (i + k) * size + i);
  }
  const zeros = full([size * size], 0, { dtype: x.dtype });
  const flat = scatterAdd(zeros, 0, int64(positions, [n]), x);
  return reshapeAs(flat, [size, size], "DiagBackward0");
}

/**
 * The sum of the main diagonal of a matrix.
 *
 * @param x a 2-D tensor
 * @returns a 0-d tensor (gradFn `TraceBackward0`)
 * @throws {ShapeError} unless `x` is 2-D
 * @example Calling trace
 * ```ts
 * import { tensor, trace } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(trace(tensor([[1, 2], [3, 4]])).item(), 5);
 * ```
 */
export function trace(x: Tensor): Tensor {
  checkTensor(x, "trace");
  if (x.ndim !== 2) {
    throw new ShapeError(`trace() expects a 2-D tensor; got ${fmtShape(x.shape)}`);
  }
  const d = diagonal(x);
  return apply("sum", [d], { dims: [0], keepdim: false }, "TraceBackward0");
}

/**
 * Moves dimension `source` to position `destination`, keeping the others in order.
 *
 * @param x a tensor
 * @param source the dimension to move
 * @param destination where it goes
 * @returns the permuted tensor
 * @throws {ShapeError} for dimensions out of range
 * @example Calling movedim
 * ```ts
 * import { movedim, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.deepEqual(movedim(zeros([2, 3, 4]), 0, -1).shape, [3, 4, 2]);
 * ```
 */
export function movedim(x: Tensor, source: number, destination: number): Tensor {
  checkTensor(x, "movedim");
  const s = normalizeDim(source, x.ndim, "movedim");
  const d = normalizeDim(destination, x.ndim, "movedim");
  const order = x.shape.map((_, i) => i).filter((i) => i !== s);
  order.splice(d, 0, s);
  return permute(x, order);
}
