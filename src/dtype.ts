/**
 * Element types, their storage, and the promotion rules of mixed operations.
 *
 * Floating dtypes are `float32` (the default, as in PyTorch) and `float64`, which is
 * computed and stored in float64 throughout. `int64` and `bool` exist for indices,
 * comparisons and masks; they never require grad. `int64` values are stored in a
 * `Float64Array` and are exact up to 2^53.
 *
 * @module
 */

import { DtypeError } from "./errors.ts";
import { poolState, SMALL_BYTES, takeBuffer } from "./buffer_pool.ts";

/** The element type of a tensor. */
export type DType = "float32" | "float64" | "int64" | "bool";

/** The floating element types: the only ones that can require grad. */
export type FloatDType = "float32" | "float64";

/** The typed array behind a tensor of each dtype. */
export type Storage = Float32Array | Float64Array | Uint8Array;

const DTYPES: readonly DType[] = ["float32", "float64", "int64", "bool"];

let defaultDtype: FloatDType = "float32";

/** Whether `d` is a floating dtype. */
export function isFloating(d: DType): d is FloatDType {
  return d === "float32" || d === "float64";
}

/**
 * Checks that `d` names a dtype, for arguments that come from untyped code.
 *
 * @throws {DtypeError} when `d` is not one of the dtypes
 */
export function checkDtype(d: unknown, op: string): DType {
  if (typeof d === "string" && (DTYPES as readonly string[]).includes(d)) return d as DType;
  throw new DtypeError(
    `Unknown dtype ${JSON.stringify(d)} in ${op}(): expected one of ${DTYPES.join(", ")}`,
  );
}

// Small storage is carved out of shared 64 KiB slabs. Creating a typed array allocates an
// ArrayBuffer off the V8 heap, which costs about a microsecond however small it is (measured
// on Deno 2.9); a view on an existing buffer costs about 20 ns. A slab is freed by the
// garbage collector once every view into it is gone. Views are never reused, so fresh storage
// is always zeroed. Larger storage gets its own buffer, whose cost is amortized by the work.
//
// Storage that is likely to be kept (a detached tensor: a loss history, a metric) is copied
// into a second series of slabs, so that one kept scalar does not pin the slab of everything
// allocated around it (see bench/kept.ts and the notes in keptStorage).
const SLAB_BYTES = 1 << 16;

let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;
// the kept series: the same scheme, for storage copied by keptStorage
let keptSlab = new ArrayBuffer(SLAB_BYTES);
let keptOffset = 0;

/** `n` elements of dtype `d` at byte `at` of `buffer`. */
function viewOf(d: DType, buffer: ArrayBuffer, at: number, n: number): Storage {
  return d === "float32"
    ? new Float32Array(buffer, at, n)
    : d === "bool"
    ? new Uint8Array(buffer, at, n)
    : new Float64Array(buffer, at, n);
}

function carve(bytes: number): number {
  if (slabOffset + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const at = slabOffset;
  slabOffset += (bytes + 7) & ~7;
  return at;
}

/**
 * Allocates zeroed storage for `n` elements of dtype `d`. Larger storage comes from the buffer
 * pool (buffer_pool.ts) once `tidy` or `dispose` has been used.
 */
export function allocate(d: DType, n: number): Storage {
  const width = d === "float32" ? 4 : d === "bool" ? 1 : 8;
  const bytes = n * width;
  if (bytes > SMALL_BYTES) {
    if (poolState.live) {
      const { buffer, reused } = takeBuffer(bytes);
      const s = viewOf(d, buffer, 0, n);
      return reused ? s.fill(0) : s;
    }
    return d === "float32"
      ? new Float32Array(n)
      : d === "bool"
      ? new Uint8Array(n)
      : new Float64Array(n);
  }
  const at = carve(bytes); // first: it may start a new slab
  return viewOf(d, slab, at, n);
}

/**
 * Storage for a tensor that is likely to be kept (a detached one): small storage that shares
 * its buffer is copied into the kept slabs, so that it does not keep a working slab (and
 * every tensor allocated around it) alive; anything else is returned as it is.
 *
 * Keeping 50,000 detached losses of a small MLP grew the resident set by 264 MiB with one
 * series of slabs (each loss pinned the 5 KiB its step allocated). A buffer of its own per
 * kept tensor costs ~1 µs and ~200 bytes of malloc'd bookkeeping each, and scatters long-lived
 * blocks through the C heap; views into the kept slabs cost neither.
 */
export function keptStorage<S extends Storage>(buf: S, d: DType): S {
  const bytes = buf.byteLength;
  if (bytes > SMALL_BYTES || bytes === buf.buffer.byteLength) return buf;
  if (keptOffset + bytes > SLAB_BYTES) {
    keptSlab = new ArrayBuffer(SLAB_BYTES);
    keptOffset = 0;
  }
  const at = keptOffset;
  keptOffset += (bytes + 7) & ~7;
  const out = viewOf(d, keptSlab, at, buf.length);
  out.set(buf);
  return out as S;
}

/**
 * Sets the dtype that creation functions use when none is given (`float32` at start).
 *
 * Prefer {@linkcode withDefaultDtype}, which restores the previous default.
 *
 * @param dtype `"float32"` or `"float64"`
 * @throws {DtypeError} for a non-floating dtype
 * @example Switch to float64
 * ```ts
 * import { getDefaultDtype, setDefaultDtype, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * setDefaultDtype("float64");
 * assert.equal(tensor(1.5).dtype, "float64");
 * setDefaultDtype("float32");
 * assert.equal(getDefaultDtype(), "float32");
 * ```
 */
export function setDefaultDtype(dtype: FloatDType): void {
  if (dtype !== "float32" && dtype !== "float64") {
    throw new DtypeError(
      `setDefaultDtype() takes "float32" or "float64"; got ${JSON.stringify(dtype)}`,
    );
  }
  defaultDtype = dtype;
}

/**
 * The dtype that creation functions use when none is given.
 *
 * @returns `"float32"` unless changed by {@linkcode setDefaultDtype}
 * @example Read the default
 * ```ts
 * import { getDefaultDtype } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(getDefaultDtype(), "float32");
 * ```
 */
export function getDefaultDtype(): FloatDType {
  return defaultDtype;
}

/**
 * Runs `fn` with `dtype` as the default dtype and restores the previous default afterwards,
 * even when `fn` throws.
 *
 * @param dtype the default dtype while `fn` runs
 * @param fn the code to run
 * @returns what `fn` returns
 * @example Build float64 tensors without naming the dtype each time
 * ```ts
 * import { ones, withDefaultDtype } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = withDefaultDtype("float64", () => ones([2]));
 * assert.equal(x.dtype, "float64");
 * assert.equal(ones([2]).dtype, "float32");
 * ```
 */
export function withDefaultDtype<T>(dtype: FloatDType, fn: () => T): T {
  const previous = defaultDtype;
  setDefaultDtype(dtype);
  try {
    return fn();
  } finally {
    defaultDtype = previous;
  }
}

const RANK: Record<DType, number> = { bool: 0, int64: 1, float32: 2, float64: 3 };

/** The dtype of an operation on two tensors: the wider of the two (bool < int64 < float32 < float64). */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

const CATEGORY: Record<DType, number> = { bool: 0, int64: 1, float32: 2, float64: 2 };

/**
 * The dtype of an operation on two tensors, `zeroDim` saying which are 0-d: PyTorch's rule
 * that a 0-d tensor does not widen a dimensioned one of its own category (a float32 vector
 * plus a 0-d float64 is float32), but a 0-d tensor of a higher category decides (an int64
 * vector plus a 0-d float64 is float64).
 */
export function promoteShaped(a: DType, aZeroDim: boolean, b: DType, bZeroDim: boolean): DType {
  if (aZeroDim && !bZeroDim && CATEGORY[a] <= CATEGORY[b]) return b;
  if (bZeroDim && !aZeroDim && CATEGORY[b] <= CATEGORY[a]) return a;
  return promoteTypes(a, b);
}

/**
 * The dtype of an operation between a tensor and a plain number. Numbers are "weak": they
 * take the tensor's dtype, except that a fractional number with an integer or bool tensor
 * gives the default floating dtype, as in PyTorch.
 */
export function promoteWithNumber(d: DType, n: number): DType {
  if (isFloating(d)) return d;
  if (Number.isInteger(n)) return d === "bool" ? "int64" : d;
  return defaultDtype;
}

/** The dtype of a floating-only operation (exp, sin, ...) applied to `d`. */
export function floatResult(d: DType): FloatDType {
  return isFloating(d) ? d : defaultDtype;
}
