/**
 * The immutable Tensor value. Its values, shape and dtype never change once made; only
 * the autograd metadata (`requiresGrad` on a leaf, `grad`) can be set, as in PyTorch.
 * Methods are one-line sugar over the functions of the same name.
 *
 * @module
 */

import type { DType, Storage } from "./dtype.ts";
import { isFloating, keptStorage } from "./dtype.ts";
import { addUser, noteGrad, noteMade, poolState, SMALL_BYTES } from "./buffer_pool.ts";
import { AutogradError, DtypeError, ShapeError } from "./errors.ts";
import { fmtShape, type Shape, shapesEqual, sizeOf } from "./shape.ts";
import type { Node } from "./autograd/node.ts";
import type { TangentEntry } from "./autograd/forward_ad.ts";
import type { BatchEntry } from "./vmap/level.ts";
import { backward, type BackwardOptions } from "./autograd/engine.ts";
import { formatTensor } from "./format.ts";
import { type TensorJSON, toJSONForm } from "./io/json.ts";
import { tensorDisplay } from "./viz/html.ts";
import { checkConcrete, rewrap } from "./vmap/level.ts";
import * as A from "./ops/arithmetic.ts";
import * as M from "./ops/math.ts";
import * as R from "./ops/reduce.ts";
import * as S from "./ops/shape.ts";
import * as L from "./ops/matmul.ts";
import * as C from "./ops/compare.ts";
import * as Act from "./ops/activations.ts";
import * as NN from "./ops/nn.ts";
import * as St from "./ops/statistics.ts";
import * as Mp from "./ops/manipulation.ts";
import * as Ix from "./ops/indexing.ts";
import * as LD from "./ops/linalg_dense.ts";

/** @ignore The token internal callers pass to skip the constructor's checks. */
export const TRUSTED: unique symbol = Symbol("tapegrad.trusted");

const STORAGE = {
  float32: Float32Array,
  float64: Float64Array,
  int64: Float64Array,
  bool: Uint8Array,
} as const;

function checkStorage(buf: Storage, shape: Shape, dtype: DType): void {
  const want = Object.hasOwn(STORAGE, dtype) ? STORAGE[dtype] : undefined;
  if (want === undefined) {
    throw new DtypeError(
      `new Tensor(): unknown dtype ${JSON.stringify(dtype)}; expected one of ` +
        Object.keys(STORAGE).join(", "),
    );
  }
  if (!(buf instanceof want)) {
    const got = ArrayBuffer.isView(buf) ? buf.constructor.name : typeof buf;
    throw new TypeError(`new Tensor(): a ${dtype} tensor needs a ${want.name} buffer; got ${got}`);
  }
  if (!Array.isArray(shape)) {
    throw new TypeError(`new Tensor(): shape must be an array of sizes; got ${typeof shape}`);
  }
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`new Tensor(): invalid size ${d} in shape ${fmtShape(shape)}`);
    }
    n *= d;
  }
  if (n !== buf.length) {
    throw new ShapeError(
      `new Tensor(): shape ${fmtShape(shape)} needs ${n} elements; the buffer has ${buf.length}`,
    );
  }
}

/** The shape most recently frozen (most outputs take their input's shape array). */
let lastFrozen: Shape = Object.freeze([]);

/**
 * `shape` frozen, so that tensors may share one shape array (an op's output takes its
 * input's) without a write through one reshaping the other. A caller's unfrozen array is
 * copied first; the library's own (`owned`: made for this tensor, or a primitive's
 * parameters) is frozen in place. `Object.isFrozen` and `Object.freeze` are calls into the
 * runtime, so the array frozen last is checked first: in a chain of ops it is nearly always
 * the one.
 */
function frozenShape(shape: Shape, owned: boolean): Shape {
  if (shape === lastFrozen) return shape; // no store: a write barrier per tensor shows in W1
  if (Object.isFrozen(shape)) return lastFrozen = shape;
  return lastFrozen = Object.freeze(owned ? shape : shape.slice());
}

/** A tensor or a plain number, accepted wherever an operation takes a tensor. */
export type TensorLike = Tensor | number;

/** A gradient hook ({@linkcode Tensor.registerHook}): returns a replacement gradient or nothing. */
export type GradHook = (grad: Tensor) => Tensor | void | null | undefined;

/** What {@linkcode Tensor.registerHook} returns: `remove()` unregisters the hook. */
export interface RemovableHandle {
  /** Unregisters the hook; calling it again does nothing. */
  remove(): void;
}

/** Nested arrays of numbers, as `toArray()` returns them and `tensor()` takes them. */
export type NestedArray = number | boolean | readonly NestedArray[];

/**
 * An n-dimensional array of `float32`, `float64`, `int64` or `bool` values that can take
 * part in automatic differentiation. Make one with {@linkcode tensor}, {@linkcode zeros},
 * {@linkcode ones}, {@linkcode randn} and friends.
 *
 * @example A tensor that requires grad, and its gradient
 * ```ts
 * import { tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * const y = x.pow(2).sum();
 * y.backward();
 * assert.deepEqual(x.grad?.toArray(), [2, 4, 6]);
 * assert.equal(String(y), "tensor(14., grad_fn=<SumBackward0>)");
 * ```
 */
export class Tensor {
  /**
   * @ignore The storage, row-major and contiguous. Its values are never written after
   * construction; `tidy`/`dispose` replace a released tensor's storage by a guard that throws.
   */
  readonly _buf: Storage;
  /** The size of each dimension; `[]` for a 0-d tensor. Frozen: it can be shared, never written. */
  readonly shape: Shape;
  /** The element type. */
  readonly dtype: DType;
  /** @ignore */
  _requiresGrad = false;
  /** @ignore */
  _gradFn: Node | null = null;
  /** @ignore */
  _grad: Tensor | null = null;
  /** @ignore Forward-mode tangents, one per level. */
  _fw: TangentEntry | null = null;
  /** @ignore Whether a non-leaf keeps its gradient (retainGrad). */
  _retainsGrad = false;
  /** @ignore Set on a batched tensor inside vmap: its level and its physical tensor. */
  _bat: BatchEntry | null = null;
  /** @ignore Gradient hooks (registerHook), run in registration order. */
  _hooks: GradHook[] | null = null;

  /**
   * Wraps storage as a tensor. This is the low-level constructor: the storage is adopted,
   * not copied, and must not be written afterwards. Prefer {@linkcode tensor}.
   *
   * @param buf contiguous row-major storage: a `Float32Array` for float32, a `Float64Array`
   *   for float64 and int64 (integer values), a `Uint8Array` of 0 and 1 for bool
   * @param shape the shape; its product must equal `buf.length`
   * @param dtype the element type
   * @param trusted internal: skips the checks (callers inside the library only)
   * @throws {DtypeError} for an unknown dtype
   * @throws {TypeError} when `buf` is not the dtype's array type or `shape` is not an array
   * @throws {ShapeError} when `shape` has a negative or fractional size, or its product is not
   *   `buf.length`
   * @example Wrap a Float64Array without copying
   * ```ts
   * import { Tensor } from "@tapegrad/core";
   * import assert from "node:assert/strict";
   *
   * const t = new Tensor(new Float64Array([1, 2, 3, 4]), [2, 2], "float64");
   * assert.deepEqual(t.tolist(), [[1, 2], [3, 4]]);
   * assert.throws(() => new Tensor(new Float64Array(3), [2, 2], "float64"), RangeError);
   * ```
   */
  constructor(buf: Storage, shape: Shape, dtype: DType, trusted?: typeof TRUSTED) {
    if (trusted !== TRUSTED) checkStorage(buf, shape, dtype);
    this._buf = buf;
    this.shape = frozenShape(shape, trusted === TRUSTED);
    this.dtype = dtype;
    // a pooled buffer counts its tensors; one made inside `tidy` is the scope's to release
    if (poolState.live && buf.byteLength > SMALL_BYTES && addUser(buf.buffer)) noteMade(this);
  }

  /** Number of dimensions. */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get numel(): number {
    return this._bat === null ? this._buf.length : sizeOf(this.shape);
  }

  /**
   * Whether operations on this tensor are recorded for autograd. Settable on leaves only.
   *
   * @throws {AutogradError} when set on a non-leaf
   * @throws {DtypeError} when set to `true` on an integer or bool tensor
   */
  get requiresGrad(): boolean {
    return this._bat === null ? this._requiresGrad : this._bat.phys.requiresGrad;
  }
  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag);
  }

  /**
   * Sets `requiresGrad` on a leaf and returns the tensor itself (PyTorch's `requires_grad_`).
   *
   * @param flag whether to record operations on this tensor (default `true`)
   * @returns this tensor
   * @throws {AutogradError} on a non-leaf, or on a batched tensor inside vmap
   * @throws {DtypeError} for `true` on an integer or bool tensor
   */
  requiresGrad_(flag = true): this {
    if (this._bat !== null) {
      // the flag would sit on the wrapper, which the tape never sees: refuse, as torch.func
      throw new AutogradError(
        `requiresGrad cannot be set on a batched tensor inside vmap(); use grad() or vjp() ` +
          `inside the vmapped function instead`,
      );
    }
    if (this._gradFn !== null) {
      throw new AutogradError(
        `requiresGrad can only be changed on leaf tensors; this tensor was computed by ` +
          `${this._gradFn.name}. Use detach() to get a tensor that does not require grad`,
      );
    }
    if (flag && !isFloating(this.dtype)) {
      throw new DtypeError(
        `Only floating-point tensors can require grad; this tensor has dtype ${this.dtype}`,
      );
    }
    this._requiresGrad = flag;
    return this;
  }

  /** Whether this tensor is a leaf of the graph: made by the user, not by a recorded operation. */
  get isLeaf(): boolean {
    return this._gradFn === null;
  }

  /** The node that computed this tensor (`null` for leaves), e.g. `<MulBackward0>`. */
  get gradFn(): Node | null {
    return this._gradFn;
  }

  /**
   * The gradient accumulated by backward passes: `null` until one reaches this leaf.
   * Assignable (to `null` or a tensor of the same shape and dtype).
   *
   * @throws {ShapeError} when assigned a tensor of another shape
   * @throws {DtypeError} when assigned a tensor of another dtype
   * @throws {TypeError} when assigned something that is not a Tensor or null
   */
  get grad(): Tensor | null {
    return this._grad;
  }
  set grad(value: Tensor | null) {
    if (value !== null && !(value instanceof Tensor)) {
      throw new TypeError(
        `grad can only be set to a Tensor or null; got ${
          Array.isArray(value) ? "an array" : String(value)
        }`,
      );
    }
    if (value !== null && value.dtype !== this.dtype) {
      throw new DtypeError(
        `Cannot assign a grad of dtype ${value.dtype} to a tensor of dtype ${this.dtype} ` +
          `(as PyTorch: "assigned grad has data of a different type")`,
      );
    }
    if (value !== null && !shapesEqual(value.shape, this.shape)) {
      throw new ShapeError(
        `Cannot assign a gradient of shape ${fmtShape(value.shape)} to a tensor of shape ` +
          fmtShape(this.shape),
      );
    }
    this._grad = value;
    noteGrad(this);
  }

  /**
   * Resets the accumulated gradient to zeros of the same shape (PyTorch's `grad.zero_()`);
   * does nothing when there is no gradient yet.
   */
  zeroGrad(): void {
    if (this._grad !== null) {
      this._grad = S.zerosOf(this._grad.shape, this._grad.dtype);
      noteGrad(this);
    }
  }

  /**
   * Makes a non-leaf keep its gradient in `grad` during backward passes (a leaf keeps it
   * anyway).
   *
   * @returns this tensor
   * @throws {AutogradError} when the tensor does not require grad (as PyTorch)
   */
  retainGrad(): this {
    if (!this.requiresGrad) {
      throw new AutogradError(
        `retainGrad() on a tensor that does not require grad (as PyTorch: "can't retain_grad ` +
          `on Tensor that has requires_grad=False")`,
      );
    }
    if (this._gradFn !== null) this._retainsGrad = true;
    return this;
  }

  /**
   * Registers a hook that runs on this tensor's gradient in every backward pass, with the
   * gradient summed over all its uses (PyTorch's `register_hook`). The hook may return a
   * tensor of the same shape to replace the gradient (then used for the tensor's `grad`, for
   * the gradients flowing on to its inputs, and by the hooks after it), or nothing to keep
   * it. Under `createGraph` the hook's operations are recorded. As in PyTorch 2, `retainGrad`
   * and `autogradGrad` see the gradient after the hooks (PyTorch 1.13's order depended on
   * when `retain_grad` was called, and its `autograd.grad` ignored leaf hooks).
   *
   * @param hook called with the gradient; returns a replacement or nothing
   * @returns a handle whose `remove()` unregisters the hook
   * @throws {AutogradError} when this tensor does not require grad
   * @example Doubling a gradient, then removing the hook
   * ```ts
   * import { tensor } from "@tapegrad/core";
   * import assert from "node:assert/strict";
   *
   * const x = tensor([1, 2], { requiresGrad: true });
   * const handle = x.registerHook((g) => g.mul(2));
   * x.mul(3).sum().backward();
   * assert.deepEqual(x.grad?.toArray(), [6, 6]);
   * handle.remove();
   * x.zeroGrad();
   * x.mul(3).sum().backward();
   * assert.deepEqual(x.grad?.toArray(), [3, 3]);
   * ```
   */
  registerHook(hook: GradHook): RemovableHandle {
    if (this._bat !== null) {
      throw new AutogradError("registerHook() cannot be used on a batched tensor inside vmap()");
    }
    if (!this._requiresGrad) {
      throw new AutogradError(
        `registerHook(): cannot register a hook on a tensor that does not require grad ` +
          `(shape ${fmtShape(this.shape)})`,
      );
    }
    if (typeof hook !== "function") {
      throw new TypeError(`registerHook() expects a function; got ${typeof hook}`);
    }
    (this._hooks ??= []).push(hook);
    return {
      remove: () => {
        const i = this._hooks?.indexOf(hook) ?? -1;
        if (i >= 0) this._hooks!.splice(i, 1);
        if (this._hooks?.length === 0) this._hooks = null;
      },
    };
  }

  /**
   * Computes the gradient of this tensor with respect to the leaves of its graph and adds
   * it to their `grad`. A non-scalar tensor needs `gradient` (the vector of a
   * vector-Jacobian product), of its own shape.
   *
   * @param gradient the gradient of some scalar with respect to this tensor
   * @param options `retainGraph` keeps the graph for another backward; `createGraph`
   *   records the backward pass so the gradients can be differentiated again
   * @throws {AutogradError} when this tensor does not require grad, is non-scalar without
   *   `gradient`, or its graph was freed by an earlier backward
   * @throws {ShapeError} when `gradient` has the wrong shape
   * @throws {TypeError} when `gradient` is neither a Tensor nor a number (e.g. a plain array)
   */
  backward(gradient?: TensorLike | null, options: BackwardOptions = {}): void {
    if (gradient !== null && gradient !== undefined && !(gradient instanceof Tensor)) {
      if (typeof gradient !== "number") {
        throw new TypeError(
          `backward(): gradient must be a Tensor or a number; got ${
            Array.isArray(gradient) ? "an array (wrap it in tensor(...))" : typeof gradient
          }`,
        );
      }
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError(`backward(): options must be an object; got ${String(options)}`);
    }
    backward(this, gradient ?? undefined, options);
  }

  /**
   * A tensor with the same values that is not part of any graph. It shares the storage,
   * except that small storage is copied to where kept tensors live: a detached tensor is
   * usually kept (a loss history), and must not keep its neighbours' storage alive.
   */
  detach(): Tensor {
    if (this._bat !== null) return rewrap(this._bat, this._bat.phys.detach());
    return new Tensor(keptStorage(this._buf, this.dtype), this.shape, this.dtype, TRUSTED);
  }

  /** The values as a detached tensor, as PyTorch's `.data`. */
  get data(): Tensor {
    return this.detach();
  }

  /**
   * The value of a one-element tensor as a number (bool gives 0 or 1).
   *
   * @throws {ShapeError} when the tensor has more than one element
   */
  item(): number {
    checkConcrete(this, "item");
    if (this._buf.length !== 1) {
      throw new ShapeError(
        `item() needs a tensor with one element; this one has shape ${fmtShape(this.shape)} ` +
          `(${this._buf.length} elements)`,
      );
    }
    return this._buf[0];
  }

  /** The values as nested arrays (booleans for a bool tensor), or a number for a 0-d tensor. */
  toArray(): NestedArray {
    checkConcrete(this, "toArray");
    const buf = this._buf;
    const isBool = this.dtype === "bool";
    const at = (i: number): number | boolean => isBool ? buf[i] !== 0 : buf[i];
    if (this.shape.length === 0) return at(0);
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const n = this.shape[dim];
      const inner = stride / (n || 1);
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = dim === this.shape.length - 1
          ? at(offset + i)
          : build(dim + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, sizeOf(this.shape));
  }

  /**
   * The values as nested arrays, PyTorch's `tolist()`: numbers (booleans for a bool tensor),
   * or a bare number for a 0-d tensor. The same as {@linkcode Tensor.toArray}.
   *
   * @returns the nested values
   * @throws {TypeError} inside `vmap`, where a batched tensor has no values of its own
   * @example Nested lists
   * ```ts
   * import { tensor } from "@tapegrad/core";
   * import assert from "node:assert/strict";
   *
   * assert.deepEqual(tensor([[1, 2], [3, 4]]).tolist(), [[1, 2], [3, 4]]);
   * assert.equal(tensor(2.5).tolist(), 2.5);
   * ```
   */
  tolist(): NestedArray {
    return this.toArray();
  }

  /** A copy of the values as a flat typed array of the dtype's storage type. */
  toTypedArray(): Storage {
    checkConcrete(this, "toTypedArray");
    return this._buf.slice();
  }

  /**
   * The documented JSON form `{ dtype, shape, data }` ({@linkcode TensorJSON}), which
   * `JSON.stringify` uses and {@linkcode fromJSON} reads back. Autograd state is left out, so
   * a tensor with a `gradFn` serializes too.
   *
   * @returns the plain object
   * @throws {TypeError} inside `vmap`
   * @example Round trip through a JSON string
   * ```ts
   * import { fromJSON, tensor } from "@tapegrad/core";
   * import assert from "node:assert/strict";
   *
   * const x = tensor([1.5, 2], { requiresGrad: true }).mul(2);
   * const text = JSON.stringify(x);
   * assert.equal(text, '{"dtype":"float32","shape":[2],"data":[3,4]}');
   * assert.deepEqual(fromJSON(text).tolist(), [3, 4]);
   * ```
   */
  toJSON(): TensorJSON {
    checkConcrete(this, "toJSON");
    return toJSONForm(this);
  }

  /**
   * Converts a one-element tensor to a number (`Number(t)`, `+t`, `t * 2`, `Math.exp(t)`);
   * a string context (`String(t)`, a template literal, `"x = " + t`) gives the repr.
   *
   * @param hint the conversion JavaScript asks for
   * @returns the value, or the repr
   * @throws {ShapeError} when a number is asked of a tensor with more than one element
   * @example Numbers from one-element tensors
   * ```ts
   * import { tensor } from "@tapegrad/core";
   * import assert from "node:assert/strict";
   *
   * assert.equal(Number(tensor(2.5)), 2.5);
   * assert.equal(+tensor([[3]]) * 2, 6);
   * assert.equal(`${tensor(2.5)}`, "tensor(2.5000)");
   * ```
   */
  [Symbol.toPrimitive](hint: string): number | string {
    return hint === "number" ? this.item() : formatTensor(this);
  }

  /** PyTorch's repr, such as `tensor([1., 2.], requires_grad=True)`. */
  toString(): string {
    return formatTensor(this);
  }

  /** @ignore Deno's console.log prints the repr. */
  [Symbol.for("Deno.customInspect")](): string {
    return formatTensor(this);
  }

  /** @ignore Node's console.log prints the repr. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return formatTensor(this);
  }

  /**
   * What `deno jupyter` displays for a tensor: the repr as `text/plain` and, for 1-D and 2-D
   * tensors, a compact HTML table (`text/html`) of the same numbers, summarized with `…` as
   * the repr summarizes tensors of more than 1000 elements.
   *
   * @returns the MIME bundle
   * @example The bundle of a small matrix
   * ```ts
   * import { tensor } from "@tapegrad/core";
   * import assert from "node:assert/strict";
   *
   * const t = tensor([[1, 2], [3, 4]]) as unknown as Record<symbol, () => Record<string, string>>;
   * const bundle = t[Symbol.for("Jupyter.display")]();
   * assert.equal(bundle["text/plain"], "tensor([[1., 2.],\n        [3., 4.]])");
   * assert.ok(bundle["text/html"].includes("<td style=\"padding:1px 6px;text-align:right;font-family:monospace\">4.</td>"));
   * ```
   */
  [Symbol.for("Jupyter.display")](): Record<string, string> {
    return tensorDisplay(this);
  }

  // ---- conversions ---------------------------------------------------------------------------

  /** This tensor converted to `dtype` (itself when it already has that dtype). */
  to(dtype: DType): Tensor {
    return S.cast(this, dtype);
  }
  /** This tensor as float32. */
  float(): Tensor {
    return S.cast(this, "float32");
  }
  /** This tensor as float64. */
  double(): Tensor {
    return S.cast(this, "float64");
  }

  // ---- arithmetic ----------------------------------------------------------------------------

  /** `this + other`, broadcasting. See {@linkcode add}. */
  add(other: TensorLike): Tensor {
    return A.add(this, other);
  }
  /** `this - other`, broadcasting. See {@linkcode sub}. */
  sub(other: TensorLike): Tensor {
    return A.sub(this, other);
  }
  /** `this * other`, broadcasting. See {@linkcode mul}. */
  mul(other: TensorLike): Tensor {
    return A.mul(this, other);
  }
  /** `this / other`, broadcasting. See {@linkcode div}. */
  div(other: TensorLike): Tensor {
    return A.div(this, other);
  }
  /** `-this`. */
  neg(): Tensor {
    return A.neg(this);
  }
  /** `this ** exponent`, broadcasting. See {@linkcode pow}. */
  pow(exponent: TensorLike): Tensor {
    return A.pow(this, exponent);
  }

  // ---- elementwise math ----------------------------------------------------------------------

  /** Elementwise `e^x`. */
  exp(): Tensor {
    return M.exp(this);
  }
  /** Elementwise natural logarithm. */
  log(): Tensor {
    return M.log(this);
  }
  /** Elementwise square root. */
  sqrt(): Tensor {
    return M.sqrt(this);
  }
  /** Elementwise absolute value. */
  abs(): Tensor {
    return M.abs(this);
  }
  /** Elementwise sine. */
  sin(): Tensor {
    return M.sin(this);
  }
  /** Elementwise cosine. */
  cos(): Tensor {
    return M.cos(this);
  }
  /** Elementwise hyperbolic tangent. */
  tanh(): Tensor {
    return M.tanh(this);
  }
  /** Elementwise logistic sigmoid. */
  sigmoid(): Tensor {
    return M.sigmoid(this);
  }
  /** Elementwise `max(x, 0)`. */
  relu(): Tensor {
    return M.relu(this);
  }
  /** Elementwise `e^x − 1`, accurate near 0. See {@linkcode expm1}. */
  expm1(): Tensor {
    return M.expm1(this);
  }
  /** Elementwise `log(1 + x)`, accurate near 0. See {@linkcode log1p}. */
  log1p(): Tensor {
    return M.log1p(this);
  }
  /** Elementwise base-2 logarithm. See {@linkcode log2}. */
  log2(): Tensor {
    return M.log2(this);
  }
  /** Elementwise `1 / √x`. See {@linkcode rsqrt}. */
  rsqrt(): Tensor {
    return M.rsqrt(this);
  }
  /** Elementwise `x²`. See {@linkcode square}. */
  square(): Tensor {
    return M.square(this);
  }
  /** Elementwise `1 / x`. See {@linkcode reciprocal}. */
  reciprocal(): Tensor {
    return M.reciprocal(this);
  }
  /** Elementwise sign (−1, 0 or 1). See {@linkcode sign}. */
  sign(): Tensor {
    return M.sign(this);
  }
  /** Elementwise tangent. See {@linkcode tan}. */
  tan(): Tensor {
    return M.tan(this);
  }
  /** Elementwise arcsine. See {@linkcode asin}. */
  asin(): Tensor {
    return M.asin(this);
  }
  /** Elementwise arccosine. See {@linkcode acos}. */
  acos(): Tensor {
    return M.acos(this);
  }
  /** Elementwise arctangent. See {@linkcode atan}. */
  atan(): Tensor {
    return M.atan(this);
  }
  /** Elementwise hyperbolic sine. See {@linkcode sinh}. */
  sinh(): Tensor {
    return M.sinh(this);
  }
  /** Elementwise hyperbolic cosine. See {@linkcode cosh}. */
  cosh(): Tensor {
    return M.cosh(this);
  }
  /** Elementwise inverse hyperbolic sine. See {@linkcode asinh}. */
  asinh(): Tensor {
    return M.asinh(this);
  }
  /** Elementwise inverse hyperbolic cosine. See {@linkcode acosh}. */
  acosh(): Tensor {
    return M.acosh(this);
  }
  /** Elementwise inverse hyperbolic tangent. See {@linkcode atanh}. */
  atanh(): Tensor {
    return M.atanh(this);
  }
  /** Elementwise error function. See {@linkcode erf}. */
  erf(): Tensor {
    return M.erf(this);
  }
  /** Elementwise floor. See {@linkcode floor}. */
  floor(): Tensor {
    return M.floor(this);
  }
  /** Elementwise ceiling. See {@linkcode ceil}. */
  ceil(): Tensor {
    return M.ceil(this);
  }
  /** Elementwise rounding, half to even. See {@linkcode round}. */
  round(): Tensor {
    return M.round(this);
  }

  // ---- comparisons and logic -----------------------------------------------------------------

  /** `this == other` as a bool tensor. See {@linkcode eq}. */
  eq(other: TensorLike): Tensor {
    return C.eq(this, other);
  }
  /** `this != other` as a bool tensor. See {@linkcode ne}. */
  ne(other: TensorLike): Tensor {
    return C.ne(this, other);
  }
  /** `this < other` as a bool tensor. See {@linkcode lt}. */
  lt(other: TensorLike): Tensor {
    return C.lt(this, other);
  }
  /** `this <= other` as a bool tensor. See {@linkcode le}. */
  le(other: TensorLike): Tensor {
    return C.le(this, other);
  }
  /** `this > other` as a bool tensor. See {@linkcode gt}. */
  gt(other: TensorLike): Tensor {
    return C.gt(this, other);
  }
  /** `this >= other` as a bool tensor. See {@linkcode ge}. */
  ge(other: TensorLike): Tensor {
    return C.ge(this, other);
  }
  /** Elementwise logical and. See {@linkcode logicalAnd}. */
  logicalAnd(other: Tensor): Tensor {
    return C.logicalAnd(this, other);
  }
  /** Elementwise logical or. See {@linkcode logicalOr}. */
  logicalOr(other: Tensor): Tensor {
    return C.logicalOr(this, other);
  }
  /** Elementwise logical not. See {@linkcode logicalNot}. */
  logicalNot(): Tensor {
    return C.logicalNot(this);
  }
  /** This tensor where `condition` holds, `other` elsewhere (PyTorch's `x.where(c, y)`). See {@linkcode where}. */
  where(condition: Tensor, other: TensorLike): Tensor {
    return C.where(condition, this, other);
  }

  // ---- activations and nn --------------------------------------------------------------------

  /** Clamps into `[min, max]`. See {@linkcode clamp}. */
  clamp(min?: TensorLike | null, max?: TensorLike | null): Tensor {
    return Act.clamp(this, min, max);
  }
  /** Elementwise maximum. See {@linkcode maximum}. */
  maximum(other: TensorLike): Tensor {
    return Act.maximum(this, other);
  }
  /** Elementwise minimum. See {@linkcode minimum}. */
  minimum(other: TensorLike): Tensor {
    return Act.minimum(this, other);
  }
  /** `atan2(this, other)`. See {@linkcode atan2}. */
  atan2(other: TensorLike): Tensor {
    return Act.atan2(this, other);
  }
  /** Softmax along `dim`. See {@linkcode softmax}. */
  softmax(dim: number): Tensor {
    return NN.softmax(this, dim);
  }
  /** Log-softmax along `dim`. See {@linkcode logSoftmax}. */
  logSoftmax(dim: number): Tensor {
    return NN.logSoftmax(this, dim);
  }

  // ---- reductions ----------------------------------------------------------------------------

  /** Sum of all elements, or over `dim`. See {@linkcode sum}. */
  sum(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.sum(this, dim, keepdim);
  }
  /** Mean of all elements, or over `dim`. See {@linkcode mean}. */
  mean(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return R.mean(this, dim, keepdim);
  }
  /** Vector norm (2-norm by default). See {@linkcode norm}. */
  norm(
    p: number | "fro" | "nuc" = 2,
    dim?: number | readonly number[] | null,
    keepdim = false,
  ): Tensor {
    return R.norm(this, p, dim, keepdim);
  }

  /** Product of all elements, or over `dim`. See {@linkcode prod}. */
  prod(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return St.prod(this, dim, keepdim);
  }
  /** The largest element. See {@linkcode max}. */
  max(): Tensor;
  /** The largest values over `dim`, with their indices. See {@linkcode max}. */
  max(dim: number, keepdim?: boolean): St.ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | St.ValuesIndices {
    return dim === undefined ? St.max(this) : St.max(this, dim, keepdim);
  }
  /** The smallest element. See {@linkcode min}. */
  min(): Tensor;
  /** The smallest values over `dim`, with their indices. See {@linkcode min}. */
  min(dim: number, keepdim?: boolean): St.ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | St.ValuesIndices {
    return dim === undefined ? St.min(this) : St.min(this, dim, keepdim);
  }
  /** Maxima over `dim`. See {@linkcode amax}. */
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return St.amax(this, dim, keepdim);
  }
  /** Minima over `dim`. See {@linkcode amin}. */
  amin(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return St.amin(this, dim, keepdim);
  }
  /** Index of the largest element. See {@linkcode argmax}. */
  argmax(dim?: number, keepdim = false): Tensor {
    return St.argmax(this, dim, keepdim);
  }
  /** Index of the smallest element. See {@linkcode argmin}. */
  argmin(dim?: number, keepdim = false): Tensor {
    return St.argmin(this, dim, keepdim);
  }
  /** Variance. See {@linkcode variance}. */
  var(dim?: number | readonly number[] | null, options?: St.VarianceOptions): Tensor {
    return St.variance(this, dim, options);
  }
  /** Standard deviation. See {@linkcode std}. */
  std(dim?: number | readonly number[] | null, options?: St.VarianceOptions): Tensor {
    return St.std(this, dim, options);
  }
  /** Log-sum-exp. See {@linkcode logsumexp}. */
  logsumexp(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return St.logsumexp(this, dim, keepdim);
  }
  /** Cumulative sum along `dim`. See {@linkcode cumsum}. */
  cumsum(dim: number): Tensor {
    return St.cumsum(this, dim);
  }
  /** Cumulative product along `dim`. See {@linkcode cumprod}. */
  cumprod(dim: number): Tensor {
    return St.cumprod(this, dim);
  }

  // ---- shape and indexing --------------------------------------------------------------------

  /** The transpose of a tensor with at most 2 dimensions. See {@linkcode t}. */
  t(): Tensor {
    return S.t(this);
  }
  /** Swaps dimensions `dim0` and `dim1`. See {@linkcode transpose}. */
  transpose(dim0: number, dim1: number): Tensor {
    return S.transpose(this, dim0, dim1);
  }
  /** Reorders the dimensions. See {@linkcode permute}. */
  permute(dims: readonly number[]): Tensor {
    return S.permute(this, dims);
  }
  /** The same values in a new shape; one size may be `-1`. See {@linkcode reshape}. */
  reshape(shape: readonly number[]): Tensor {
    return S.reshape(this, shape);
  }
  /** Broadcasts to a larger shape. See {@linkcode expand}. */
  expand(shape: readonly number[]): Tensor {
    return S.expand(this, shape);
  }
  /** Broadcasts to `shape`. See {@linkcode broadcastTo}. */
  broadcastTo(shape: readonly number[]): Tensor {
    return S.broadcastTo(this, shape);
  }

  /** Flattens dimensions. See {@linkcode flatten}. */
  flatten(startDim = 0, endDim = -1): Tensor {
    return Mp.flatten(this, startDim, endDim);
  }
  /** Removes dimensions of size 1. See {@linkcode squeeze}. */
  squeeze(dim?: number | readonly number[]): Tensor {
    return Mp.squeeze(this, dim);
  }
  /** Inserts a dimension of size 1. See {@linkcode unsqueeze}. */
  unsqueeze(dim: number): Tensor {
    return Mp.unsqueeze(this, dim);
  }
  /** The same as reshape. See {@linkcode view}. */
  view(shape: readonly number[]): Tensor {
    return Mp.view(this, shape);
  }
  /** Reverses dimensions. See {@linkcode flip}. */
  flip(dims: number | readonly number[]): Tensor {
    return Mp.flip(this, dims);
  }
  /** Rolls elements. See {@linkcode roll}. */
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor {
    return Mp.roll(this, shifts, dims);
  }
  /** Splits into pieces. See {@linkcode split}. */
  split(splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
    return Mp.split(this, splitSizeOrSections, dim);
  }
  /** Splits into equal chunks. See {@linkcode chunk}. */
  chunk(chunks: number, dim = 0): Tensor[] {
    return Mp.chunk(this, chunks, dim);
  }
  /** Lower triangle. See {@linkcode tril}. */
  tril(diagonal = 0): Tensor {
    return Mp.tril(this, diagonal);
  }
  /** Upper triangle. See {@linkcode triu}. */
  triu(diagonal = 0): Tensor {
    return Mp.triu(this, diagonal);
  }
  /** Diagonal matrix or diagonal. See {@linkcode diag}. */
  diag(diagonal = 0): Tensor {
    return Mp.diag(this, diagonal);
  }
  /** A diagonal. See {@linkcode diagonal}. */
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return Mp.diagonal(this, offset, dim1, dim2);
  }
  /** Sum of the main diagonal. See {@linkcode trace}. */
  trace(): Tensor {
    return Mp.trace(this);
  }
  /** Moves a dimension. See {@linkcode movedim}. */
  movedim(source: number, destination: number): Tensor {
    return Mp.movedim(this, source, destination);
  }
  /** Selects indices along `dim`. See {@linkcode indexSelect}. */
  indexSelect(dim: number, index: Tensor): Tensor {
    return Ix.indexSelect(this, dim, index);
  }
  /** Gathers along `dim`. See {@linkcode gather}. */
  gather(dim: number, index: Tensor): Tensor {
    return Ix.gather(this, dim, index);
  }
  /** Adds `src` at `index` along `dim`. See {@linkcode scatterAdd}. */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return Ix.scatterAdd(this, dim, index, src);
  }
  /** Indexes like `x[...]`. See {@linkcode index}. */
  index(...specs: Ix.IndexSpec[]): Tensor {
    return Ix.index(this, ...specs);
  }

  // ---- linear algebra ------------------------------------------------------------------------

  /** Matrix product with PyTorch's `matmul` semantics. See {@linkcode matmul}. */
  matmul(other: Tensor): Tensor {
    return L.matmul(this, other);
  }

  /** Inner product of 1-D tensors. See {@linkcode dot}. */
  dot(other: Tensor): Tensor {
    return LD.dot(this, other);
  }
  /** Outer product of 1-D tensors. See {@linkcode outer}. */
  outer(other: Tensor): Tensor {
    return LD.outer(this, other);
  }
  /** Determinant. See {@linkcode linalg.det}. */
  det(): Tensor {
    return LD.det(this);
  }
  /** Matrix inverse. See {@linkcode linalg.inv}. */
  inverse(): Tensor {
    return LD.inv(this);
  }
  /** Lower Cholesky factor. See {@linkcode linalg.cholesky}. */
  cholesky(): Tensor {
    return LD.cholesky(this);
  }
  /** Sign and log-absolute-value of the determinant. See {@linkcode linalg.slogdet}. */
  slogdet(): LD.Slogdet {
    return LD.slogdet(this);
  }
}
