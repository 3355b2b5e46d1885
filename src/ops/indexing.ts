/**
 * Indexing: strided slices, a readable multi-dimensional indexing helper (`index(x, 0,
 * range(1, 3), null)` reads as PyTorch's `x[0, 1:3, None]`), and index-tensor operations
 * (`gather`, `scatterAdd`, `indexSelect`). Every one is differentiable to any order:
 * slices scatter their gradient back, and gather and scatter-add are each other's
 * transposes.
 *
 * @module
 */

import { DtypeError, ShapeError } from "../errors.ts";
import { broadcastShapes, fmtShape, normalizeDim, stridesOf } from "../shape.ts";
import type { NestedArray, Tensor } from "../tensor.ts";
import { apply } from "../autograd/dispatch.ts";
import { add, checkTensor, mul } from "./arithmetic.ts";
import { expand, identity, permute, reshape, reshapeAs } from "./shape.ts";
import { lt, where } from "./compare.ts";
import { tensor } from "../creation.ts";
import { concreteStorage } from "../vmap/level.ts";

/** Python-style bounds: negative counts from the end, out-of-range clamps. */
function pyBounds(
  size: number,
  start: number | null | undefined,
  end: number | null | undefined,
  step: number,
  op: string,
): [number, number] {
  for (const [name, v] of [["start", start], ["end", end]] as const) {
    if (v !== null && v !== undefined && !Number.isInteger(v)) {
      throw new TypeError(`${op}() expects an integer ${name}; got ${v}`);
    }
  }
  if (!Number.isInteger(step) || step === 0) {
    throw new RangeError(`${op}() expects a non-zero integer step; got ${step}`);
  }
  const norm = (v: number, lo: number, hi: number) =>
    Math.min(Math.max(v < 0 ? v + size : v, lo), hi);
  if (step > 0) {
    const s = start === null || start === undefined ? 0 : norm(start, 0, size);
    const e = end === null || end === undefined ? size : norm(end, 0, size);
    return [s, Math.max(0, Math.ceil((e - s) / step))];
  }
  const s = start === null || start === undefined ? size - 1 : norm(start, -1, size - 1);
  const e = end === null || end === undefined ? -1 : norm(end, -1, size - 1);
  return [s, Math.max(0, Math.ceil((e - s) / step))];
}

/** A strided window along one dimension. */
/** @ignore `count` elements from `start` by `step` along `dim` (in range), named `name`. */
export function window(
  x: Tensor,
  dim: number,
  start: number,
  count: number,
  step: number,
  name?: string,
): Tensor {
  const starts = x.shape.map((_, d) => (d === dim ? start : 0));
  const steps = x.shape.map((_, d) => (d === dim ? step : 1));
  const shape = x.shape.map((n, d) => (d === dim ? count : n));
  return apply("slice", [x], { starts, steps, shape }, name);
}

/**
 * The elements `start, start + step, …` before `end` along `dim`: Python's `x[start:end:step]`
 * on that dimension. Negative bounds count from the end and out-of-range bounds clamp, as in
 * Python; a negative `step` walks backwards (which PyTorch does not allow, NumPy does).
 *
 * @param x a tensor
 * @param dim the dimension to slice
 * @param start the first index (default: the start, or the end for a negative step)
 * @param end the index to stop before (default: past the end)
 * @param step the stride (default 1)
 * @returns the window (gradFn `SliceBackward0`)
 * @throws {ShapeError} when `dim` is out of range
 * @throws {RangeError} when `step` is 0 or not an integer
 * @example Every other column, and the last two rows
 * ```ts
 * import { slice, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
 * assert.deepEqual(slice(x, 1, 0, null, 2).toArray(), [[1, 3], [5, 7], [9, 11]]);
 * assert.deepEqual(slice(x, 0, -2).toArray(), [[5, 6, 7, 8], [9, 10, 11, 12]]);
 * ```
 */
export function slice(
  x: Tensor,
  dim: number,
  start?: number | null,
  end?: number | null,
  step = 1,
): Tensor {
  checkTensor(x, "slice");
  const d = normalizeDim(dim, x.ndim, "slice");
  if (x.ndim === 0) throw new ShapeError(`slice() cannot slice a 0-d tensor`);
  const [s, count] = pyBounds(x.shape[d], start, end, step, "slice");
  return window(x, d, s, count, step);
}

/** A range of indices along one dimension for {@linkcode index}: Python's `start:end:step`. */
export class Range {
  /** The first index, or null for the start. */
  readonly start: number | null;
  /** The index to stop before, or null for the end. */
  readonly end: number | null;
  /** The stride. */
  readonly step: number;

  /**
   * Makes a range; prefer {@linkcode range}. (Fields are declared, not parameter properties,
   * so the source stays erasable TypeScript that Node's type stripping runs.)
   *
   * @param start the first index, or null for the start
   * @param end the index to stop before, or null for the end
   * @param step the stride (default 1)
   */
  constructor(start: number | null = null, end: number | null = null, step: number = 1) {
    this.start = start;
    this.end = end;
    this.step = step;
  }

  /** Python's notation, e.g. `1:3` or `::2`. */
  toString(): string {
    const part = (v: number | null) => (v === null ? "" : String(v));
    return `${part(this.start)}:${part(this.end)}${this.step === 1 ? "" : `:${this.step}`}`;
  }
}

/**
 * A range for {@linkcode index}: `range(1, 3)` is Python's `1:3`, `range()` is `:`,
 * `range(null, null, 2)` is `::2`.
 *
 * @param start the first index, or null/undefined for the start
 * @param end the index to stop before, or null/undefined for the end
 * @param step the stride (default 1)
 * @returns the range
 * @example `x[:, 1:]`
 * ```ts
 * import { index, range, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * assert.deepEqual(index(x, range(), range(1)).toArray(), [[2, 3], [5, 6]]);
 * ```
 */
export function range(start?: number | null, end?: number | null, step = 1): Range {
  return new Range(start ?? null, end ?? null, step);
}

/**
 * One entry of an {@linkcode index} expression: an integer selects (and drops the
 * dimension), a {@linkcode Range} slices, `null` inserts a new dimension of size 1 (Python's
 * `None`), `"..."` stands for all remaining dimensions, and an int64 tensor (or nested arrays
 * of integers) is an advanced index: advanced indices broadcast together and are paired, as
 * in PyTorch.
 */
export type IndexSpec = number | Range | null | "..." | Tensor | readonly NestedArray[];

/**
 * Indexes `x` the way PyTorch's `x[...]` does, one spec per dimension: `index(x, 0,
 * range(1, 3), null)` is `x[0, 1:3, None]`. Missing trailing specs take whole dimensions.
 * Integers may be negative (from the end).
 *
 * Tensor (or array) indices follow PyTorch's advanced indexing: they broadcast to one shape
 * and are paired element by element (`index(x, [0, 1], [1, 0])` is `[x[0, 1], x[1, 0]]`), and
 * the indexed dimensions are replaced by the broadcast shape: in place when the tensor
 * indices are adjacent, at the front when a slice or `null` separates them. Integers are
 * applied first, as in PyTorch (so `x[0, :, [0, 1]]` keeps the slice in front). Repeated
 * indices add up their gradients.
 *
 * @param x a tensor
 * @param specs integers, ranges, `null`, `"..."` or int64 index tensors (or arrays)
 * @returns the indexed tensor, differentiable in `x` (gradFn named after the last step
 *   PyTorch takes: `SelectBackward0`, `SliceBackward0`, `UnsqueezeBackward0` or
 *   `IndexBackward0`)
 * @throws {ShapeError} for too many specs, an integer out of range, or tensor indices
 *   whose shapes do not broadcast
 * @throws {DtypeError} for an index tensor that is not int64
 * @throws {RangeError} for a tensor index out of range
 * @example `x[1, ::2]`, `x[..., None]` and paired tensor indices `x[[0, 1], [1, 0]]`
 * ```ts
 * import { index, range, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * assert.deepEqual(index(x, 1, range(null, null, 2)).toArray(), [4, 6]);
 * assert.deepEqual(index(x, "...", null).shape, [2, 3, 1]);
 * assert.deepEqual(index(x, [0, 1], [2, 0]).toArray(), [3, 4]);
 * ```
 */
export function index(x: Tensor, ...specs: IndexSpec[]): Tensor {
  checkTensor(x, "index");
  const ellipses = specs.filter((s) => s === "...").length;
  if (ellipses > 1) throw new ShapeError(`index() allows at most one "..."`);
  // arrays become tensors; a bool mask of k dimensions stands for k paired index tensors
  // (its non-zero positions), as PyTorch's x[mask]
  const given = specs.map((s) => (Array.isArray(s) ? asIndexTensor(s as NestedArray[]) : s));
  const width = (s: IndexSpec) =>
    s === null || s === "..." ? 0 : isMask(s) ? Math.max(1, (s as Tensor).ndim) : 1;
  const consuming = given.reduce((n: number, s) => n + width(s), 0);
  if (consuming > x.ndim) {
    throw new ShapeError(
      `index() got ${consuming} indices for a tensor of shape ${fmtShape(x.shape)}`,
    );
  }
  const expanded: Exclude<IndexSpec, "...">[] = [];
  for (const s of given) {
    if (s === "...") { for (let i = 0; i < x.ndim - consuming; i++) expanded.push(range()); }
    else if (isMask(s)) expanded.push(...maskIndices(s as Tensor, x, expanded));
    else expanded.push(s);
  }
  let out = x;
  let dim = 0;
  const shape: number[] = [];
  // advanced (tensor) indices: their position in `shape` and the tensors
  const advPos: number[] = [];
  const advIdx: Tensor[] = [];
  for (const s of expanded) {
    if (s === null) {
      shape.push(1);
      continue;
    }
    const size = out.shape[dim];
    if (typeof s === "number") {
      if (!Number.isInteger(s) || s < -size || s >= size) {
        throw new ShapeError(
          `index() got index ${s} out of range for dimension ${dim} of size ${size}`,
        );
      }
      out = window(out, dim, s < 0 ? s + size : s, 1, 1);
    } else if (s instanceof Range) {
      const [start, count] = pyBounds(size, s.start, s.end, s.step, "index");
      out = window(out, dim, start, count, s.step);
      shape.push(count);
    } else {
      checkIndex(s as Tensor, "index");
      advPos.push(shape.length);
      advIdx.push(wrapNegative(s as Tensor, size, dim));
      shape.push(size);
    }
    dim++;
  }
  for (; dim < out.ndim; dim++) shape.push(out.shape[dim]);
  const name = indexNodeName(expanded);
  if (advIdx.length === 0) return reshapeAs(out, shape, name);
  return advanced(reshape(out, shape), advPos, advIdx, name);
}

/**
 * Nested arrays as an index tensor: int64 for integers, bool for booleans (a mask). Fractions
 * are refused rather than truncated (PyTorch: "tensors used as indices must be long, int,
 * byte or bool").
 */
function asIndexTensor(data: NestedArray[]): Tensor {
  let t: Tensor;
  try {
    t = tensor(data);
  } catch (e) {
    throw new TypeError(`index() expects arrays of integers as indices: ${(e as Error).message}`);
  }
  if (t.dtype === "bool") return t;
  const v = t.toTypedArray();
  const bad = v.find((x) => !Number.isInteger(x));
  if (bad !== undefined) {
    throw new TypeError(`index() expects integer indices; got ${bad}`);
  }
  return tensor(data, { dtype: "int64" });
}

function isMask(s: IndexSpec): boolean {
  return s !== null && typeof s === "object" && !(s instanceof Range) && !Array.isArray(s) &&
    (s as Tensor).dtype === "bool";
}

/**
 * A bool mask as one int64 index tensor per dimension it covers: the coordinates of its
 * true entries, which pair up as advanced indices. The mask's values decide the result's
 * shape, so it cannot be batched.
 */
function maskIndices(
  mask: Tensor,
  x: Tensor,
  before: readonly Exclude<IndexSpec, "...">[],
): Tensor[] {
  if (mask._bat !== null) {
    throw new TypeError(
      `index() with a bool mask inside vmap(): the result's shape would depend on each ` +
        `example's values; use where() instead`,
    );
  }
  if (mask.ndim === 0) {
    throw new ShapeError(`index() does not support a 0-d bool mask; use null or a 1-d mask`);
  }
  const at = before.filter((s) => s !== null).length;
  const covered = x.shape.slice(at, at + mask.ndim);
  if (!mask.shape.every((n, i) => n === covered[i])) {
    throw new ShapeError(
      `index(): the mask of shape ${fmtShape(mask.shape)} does not match the indexed ` +
        `dimensions ${fmtShape(covered)} of the tensor of shape ${fmtShape(x.shape)}`,
    );
  }
  const strides = stridesOf(mask.shape);
  const coords: number[][] = mask.shape.map(() => []);
  const buf = mask._buf;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0) continue;
    strides.forEach((st, d) => coords[d].push(Math.floor(i / st) % mask.shape[d]));
  }
  return coords.map((c) => tensor(c, { dtype: "int64", shape: [c.length] }));
}

/** An index tensor checked against `size` (negative counts from the end), made non-negative. */
function wrapNegative(idx: Tensor, size: number, dim: number): Tensor {
  let negative = false;
  const buf = concreteStorage(idx);
  for (let i = 0; i < buf.length; i++) {
    const v = buf[i];
    if (v < -size || v >= size) {
      throw new RangeError(
        `index() got index ${v} out of range for dimension ${dim} of size ${size}`,
      );
    }
    if (v < 0) negative = true;
  }
  return negative ? where(lt(idx, 0), add(idx, size), idx) : idx;
}

/**
 * PyTorch's advanced indexing of `x` at dimensions `dims` (ascending) by `idx`: the index
 * tensors broadcast to one shape `B` and pick `x[..., idx0[b], ..., idx1[b], ...]` for each
 * `b`. The picked dimensions become `B`, in place when `dims` are adjacent, else in front.
 * It runs as one `indexSelect` over the picked dimensions flattened into one.
 */
function advanced(
  x: Tensor,
  dims: readonly number[],
  idx: readonly Tensor[],
  name: string,
): Tensor {
  let b: readonly number[] = [];
  for (const t of idx) b = broadcastShapes(b, t.shape, "index");
  const rest = x.shape.map((_, d) => d).filter((d) => !dims.includes(d));
  const sizes = dims.map((d) => x.shape[d]);
  // the flat position of each pick in the picked dimensions, row-major
  let flat: Tensor = idx[idx.length - 1];
  let stride = sizes[sizes.length - 1];
  for (let k = idx.length - 2; k >= 0; k--) {
    flat = add(flat, mul(idx[k], stride));
    stride *= sizes[k];
  }
  const picked = reshape(permute(x, [...dims, ...rest]), [stride, ...rest.map((d) => x.shape[d])]);
  const nb = b.reduce((p, n) => p * n, 1);
  const sel = indexSelect(picked, 0, reshape(expand(flat, b), [nb]));
  const outShape = [...b, ...rest.map((d) => x.shape[d])];
  const adjacent = dims.every((d, k) => d === dims[0] + k);
  if (!adjacent || dims[0] === 0) return reshapeAs(sel, outShape, name);
  const out = reshape(sel, outShape);
  // move B back to where the indexed dimensions were
  const nr = rest.length;
  const before = dims[0];
  const bAxes = b.map((_, i) => i);
  const restAxes = Array.from({ length: nr }, (_, i) => b.length + i);
  const perm = [...restAxes.slice(0, before), ...bAxes, ...restAxes.slice(before)];
  return apply("permute", [out], { perm }, name);
}

/**
 * PyTorch's name for the last node of `x[specs]`: it applies the specs left to right
 * (skipping whole-dimension `:`), then advanced (tensor) indexing last.
 */
function indexNodeName(specs: readonly Exclude<IndexSpec, "...">[]): string {
  if (specs.some((s) => s !== null && typeof s === "object" && !(s instanceof Range))) {
    return "IndexBackward0";
  }
  for (let i = specs.length - 1; i >= 0; i--) {
    const s = specs[i];
    if (s === null) return "UnsqueezeBackward0";
    if (typeof s === "number") return "SelectBackward0";
    if (s instanceof Range && (s.start !== null || s.end !== null || s.step !== 1)) {
      return "SliceBackward0";
    }
  }
  return "AliasBackward0";
}

function checkIndex(index: Tensor, op: string): void {
  checkTensor(index, op, "index");
  if (index.dtype !== "int64") {
    throw new DtypeError(`${op}() expects an int64 index tensor; got ${index.dtype}`);
  }
}

function checkBounds(index: Tensor, size: number, dim: number, op: string): void {
  // the physical values: under vmap `index` is a wrapper without storage of its own
  const buf = concreteStorage(index);
  for (let i = 0; i < buf.length; i++) {
    const v = buf[i];
    if (!Number.isInteger(v)) throw new RangeError(`${op}() got a non-integer index ${v}`);
    if (v < 0 || v >= size) {
      throw new RangeError(
        `${op}() got index ${v} out of range for dimension ${dim} of size ${size}`,
      );
    }
  }
}

/**
 * Gathers values along `dim`: `out[i][j] = x[i][index[i][j]]` for `dim = 1` (PyTorch's
 * `torch.gather`). `index` has the same rank as `x` and is no larger in the other dimensions.
 *
 * @param x a tensor
 * @param dim the dimension to index
 * @param index an int64 tensor of indices into `x`'s dimension `dim`
 * @returns a tensor of `index`'s shape (gradFn `GatherBackward0`)
 * @throws {DtypeError} when `index` is not int64
 * @throws {ShapeError} for mismatched ranks or sizes, or `dim` out of range
 * @throws {RangeError} for an index out of range
 * @example Pick one element per row
 * ```ts
 * import { gather, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * const idx = tensor([[2], [0]], { dtype: "int64" });
 * assert.deepEqual(gather(x, 1, idx).toArray(), [[3], [4]]);
 * ```
 */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, "gather");
  checkIndex(index, "gather");
  const d = normalizeDim(dim, x.ndim, "gather");
  if (index.ndim !== x.ndim || index.shape.some((n, i) => i !== d && n > x.shape[i])) {
    throw new ShapeError(
      `gather() expects an index of the same rank as the input and no larger outside ` +
        `dimension ${d}; got input ${fmtShape(x.shape)} and index ${fmtShape(index.shape)}`,
    );
  }
  checkBounds(index, x.shape[d] ?? 1, d, "gather");
  if (x.ndim === 0) {
    // a 0-d tensor acts as one of shape [1] (PyTorch's rule for dim 0 and index 0)
    const g = apply("gather", [reshape(x, [1]), reshape(index, [1])], { dim: 0 });
    return reshapeAs(g, [], "GatherBackward0");
  }
  return apply("gather", [x, index], { dim: d });
}

/**
 * Adds the values of `src` into a copy of `x` at the positions `index` gives along `dim`
 * (PyTorch's `torch.scatter_add`): for `dim = 1`, `out[i][index[i][j]] += src[i][j]`.
 *
 * @param x the tensor to add into
 * @param dim the dimension to index
 * @param index an int64 tensor of indices into `x`'s dimension `dim`
 * @param src the values to add, at least as large as `index`
 * @returns a tensor of `x`'s shape (gradFn `ScatterAddBackward0`)
 * @throws {DtypeError} when `index` is not int64
 * @throws {ShapeError} for mismatched ranks or sizes
 * @throws {RangeError} for an index out of range
 * @example A histogram-like accumulation
 * ```ts
 * import { scatterAdd, tensor, zeros } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const idx = tensor([0, 2, 0], { dtype: "int64" });
 * assert.deepEqual(scatterAdd(zeros([3]), 0, idx, tensor([1, 2, 3])).toArray(), [4, 0, 2]);
 * ```
 */
export function scatterAdd(x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor {
  checkTensor(x, "scatterAdd");
  checkTensor(src, "scatterAdd", "src");
  checkIndex(index, "scatterAdd");
  const d = normalizeDim(dim, x.ndim, "scatterAdd");
  if (
    index.ndim !== x.ndim || src.ndim !== x.ndim ||
    index.shape.some((n, i) => n > src.shape[i] || (i !== d && n > x.shape[i]))
  ) {
    throw new ShapeError(
      `scatterAdd() expects index no larger than src, and than the input outside dimension ` +
        `${d}, all of the same rank; got input ${fmtShape(x.shape)}, index ` +
        `${fmtShape(index.shape)} and src ${fmtShape(src.shape)}`,
    );
  }
  if (src.dtype !== x.dtype) {
    throw new DtypeError(
      `scatterAdd() expects src of the input's dtype ${x.dtype}; got ${src.dtype}`,
    );
  }
  checkBounds(index, x.shape[d] ?? 1, d, "scatterAdd");
  if (x.ndim === 0) {
    const [x1, i1, s1] = [x, index, src].map((t) => reshape(t, [1]));
    return reshapeAs(apply("scatterAdd", [x1, i1, s1], { dim: 0 }), [], "ScatterAddBackward0");
  }
  return apply("scatterAdd", [x, index, src], { dim: d });
}

/**
 * Selects the entries `index` names along `dim` (PyTorch's `torch.index_select`).
 *
 * @param x a tensor
 * @param dim the dimension to select along
 * @param index a 1-D (or 0-d) int64 tensor of indices, repeats allowed
 * @returns `x` with dimension `dim` replaced by the selection (gradFn `IndexSelectBackward0`)
 * @throws {DtypeError} when `index` is not int64
 * @throws {ShapeError} when `index` has more than one dimension
 * @throws {RangeError} for an index out of range
 * @example Reorder rows
 * ```ts
 * import { indexSelect, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([[1, 2], [3, 4], [5, 6]]);
 * const idx = tensor([2, 0, 2], { dtype: "int64" });
 * assert.deepEqual(indexSelect(x, 0, idx).toArray(), [[5, 6], [1, 2], [5, 6]]);
 * ```
 */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  checkTensor(x, "indexSelect");
  checkIndex(index, "indexSelect");
  if (index.ndim > 1) {
    throw new ShapeError(
      `indexSelect() expects a 1-D index; got shape ${fmtShape(index.shape)}`,
    );
  }
  const d = normalizeDim(dim, x.ndim, "indexSelect");
  // a 0-d tensor acts as one of shape [1]: only index 0 (PyTorch: "index out of range")
  checkBounds(index, x.ndim === 0 ? 1 : x.shape[d], d, "indexSelect");
  if (x.ndim === 0) return identity(x, "IndexSelectBackward0");
  const n = index.numel;
  const shape = x.shape.map((s, i) => (i === d ? n : s));
  const view = x.shape.map((_, i) => (i === d ? n : 1));
  const full = expand(reshape(index, view), shape);
  return apply("gather", [x, full], { dim: d }, "IndexSelectBackward0");
}
