/**
 * Elementwise kernels: one tight loop per operation (no per-element function calls),
 * broadcasting through precomputed strides.
 *
 * @module
 */

import type { Storage } from "../dtype.ts";
import { broadcastStrides, coalesce, forEachRow } from "./strided.ts";
import { erf, roundHalfEven } from "./special.ts";
import { outRows, parallelRows, ROW_COUNT, rowsOf } from "./parallel.ts";
import { registerKernels } from "./registry.ts";
import { addRows, ROWS_MIN, tanhGrad } from "./rows.ts";
import { tanhKernel, tanhRange, tanhTable } from "./tanh.ts";

/** Unary operations with a kernel. */
export type UnaryOp =
  | "exp"
  | "expm1"
  | "log"
  | "log1p"
  | "log2"
  | "sqrt"
  | "abs"
  | "sign"
  | "sin"
  | "cos"
  | "tan"
  | "asin"
  | "acos"
  | "atan"
  | "sinh"
  | "cosh"
  | "tanh"
  | "asinh"
  | "acosh"
  | "atanh"
  | "sigmoid"
  | "relu"
  | "softplus"
  | "erf"
  | "floor"
  | "ceil"
  | "round"
  | "logicalNot";

/**
 * Makes every value of an int64 result an int64 value, as PyTorch's integer arithmetic and
 * casts would: fractions truncate toward zero (`2 ** -1` is 0), `-0` becomes `0`, and NaN,
 * ±∞ and values beyond the int64 range become the int64 minimum −2⁶³ (what a float to
 * int64 conversion gives on x86, and so PyTorch on CPU).
 */
export function toInt64Values(buf: Storage): void {
  for (let i = 0; i < buf.length; i++) {
    const v = buf[i];
    buf[i] = Math.abs(v) < 9223372036854775808 ? Math.trunc(v) + 0 : -9223372036854775808;
  }
}

/**
 * Rough cost per element of each unary operation for the worker pool's cut-over (10: a
 * transcendental function); 0 keeps it on the calling thread: memory-bound loops, which the
 * copies to and from the pool would slow down, and erf, which uses its module's constants
 * that the workers do not have.
 */
function unaryCost(op: UnaryOp): number {
  switch (op) {
    case "abs":
    case "sign":
    case "relu":
    case "floor":
    case "ceil":
    case "round":
    case "logicalNot":
    case "sqrt":
    case "erf":
      return 0;
    default:
      return 10;
  }
}

/** Writes `op(x[i])` into `out[i]` for every element. */
export function unaryKernel(op: UnaryOp, x: Storage, out: Storage): void {
  const n = x.length;
  if (op === "tanh") {
    // WebAssembly SIMD, or the same algorithm in JavaScript. The worker pool runs this
    // function from its source text, where tanhKernel (and WebAssembly) is not defined:
    // there the JavaScript loop runs, with the same bits
    if (typeof tanhKernel === "function") tanhKernel(x, out);
    else tanhRange(x, out, tanhTable(), n);
    return;
  }
  if (
    n >= 4096 && parallelRows(unaryKernel, n, n * unaryCost(op), [op, rowsOf(x), outRows(out)])
  ) {
    return;
  }
  switch (op) {
    case "exp":
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case "expm1":
      for (let i = 0; i < n; i++) out[i] = Math.expm1(x[i]);
      return;
    case "log":
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      return;
    case "log1p":
      for (let i = 0; i < n; i++) out[i] = Math.log1p(x[i]);
      return;
    case "log2":
      for (let i = 0; i < n; i++) out[i] = Math.log2(x[i]);
      return;
    case "sqrt":
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      return;
    case "abs":
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      return;
    case "sign":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN;
      }
      return;
    case "sin":
      for (let i = 0; i < n; i++) out[i] = Math.sin(x[i]);
      return;
    case "cos":
      for (let i = 0; i < n; i++) out[i] = Math.cos(x[i]);
      return;
    case "tan":
      for (let i = 0; i < n; i++) out[i] = Math.tan(x[i]);
      return;
    case "asin":
      for (let i = 0; i < n; i++) out[i] = Math.asin(x[i]);
      return;
    case "acos":
      for (let i = 0; i < n; i++) out[i] = Math.acos(x[i]);
      return;
    case "atan":
      for (let i = 0; i < n; i++) out[i] = Math.atan(x[i]);
      return;
    case "sinh":
      for (let i = 0; i < n; i++) out[i] = Math.sinh(x[i]);
      return;
    case "cosh":
      for (let i = 0; i < n; i++) out[i] = Math.cosh(x[i]);
      return;
    case "asinh":
      for (let i = 0; i < n; i++) out[i] = Math.asinh(x[i]);
      return;
    case "acosh":
      for (let i = 0; i < n; i++) out[i] = Math.acosh(x[i]);
      return;
    case "atanh":
      for (let i = 0; i < n; i++) out[i] = Math.atanh(x[i]);
      return;
    case "sigmoid":
      // Two branches keep exp() from overflowing: 1/(1+e^-x) for x >= 0, e^x/(1+e^x) else.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        if (v >= 0) out[i] = 1 / (1 + Math.exp(-v));
        else {
          const e = Math.exp(v);
          out[i] = e / (1 + e);
        }
      }
      return;
    case "relu":
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : v === v ? 0 : v;
      }
      return;
    case "softplus":
      // log(1 + e^x) without overflow: x + log1p(e^-x) for x > 0, log1p(e^x) else.
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v));
      }
      return;
    case "erf":
      for (let i = 0; i < n; i++) out[i] = erf(x[i]);
      return;
    case "floor":
      for (let i = 0; i < n; i++) out[i] = Math.floor(x[i]);
      return;
    case "ceil":
      for (let i = 0; i < n; i++) out[i] = Math.ceil(x[i]);
      return;
    case "round":
      for (let i = 0; i < n; i++) out[i] = roundHalfEven(x[i]);
      return;
    case "logicalNot":
      for (let i = 0; i < n; i++) out[i] = x[i] === 0 ? 1 : 0;
      return;
  }
}

/** Binary operations with a kernel. Comparisons write 1 or 0. */
export type BinaryOp =
  | "add"
  | "sub"
  | "mul"
  | "div"
  | "pow"
  | "maximum"
  | "minimum"
  | "atan2"
  | "eq"
  | "ne"
  | "lt"
  | "le"
  | "gt"
  | "ge"
  | "logicalAnd"
  | "logicalOr";

function binaryRow(
  op: BinaryOp,
  a: Storage,
  ia: number,
  sa: number,
  b: Storage,
  ib: number,
  sb: number,
  out: Storage,
  o: number,
  n: number,
): void {
  const end = o + n;
  switch (op) {
    case "add":
      if (sa === 1 && sb === 1) {
        for (; o < end; o++) out[o] = a[ia++] + b[ib++];
      } else for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] + b[ib];
      return;
    case "sub":
      if (sa === 1 && sb === 1) {
        for (; o < end; o++) out[o] = a[ia++] - b[ib++];
      } else for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] - b[ib];
      return;
    case "mul":
      if (sa === 1 && sb === 1) {
        for (; o < end; o++) out[o] = a[ia++] * b[ib++];
      } else for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] * b[ib];
      return;
    case "div":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] / b[ib];
      return;
    case "pow":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.pow(a[ia], b[ib]);
      return;
    case "maximum":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.max(a[ia], b[ib]);
      return;
    case "minimum":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.min(a[ia], b[ib]);
      return;
    case "atan2":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = Math.atan2(a[ia], b[ib]);
      return;
    case "eq":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] === b[ib] ? 1 : 0;
      return;
    case "ne":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== b[ib] ? 1 : 0;
      return;
    case "lt":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] < b[ib] ? 1 : 0;
      return;
    case "le":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] <= b[ib] ? 1 : 0;
      return;
    case "gt":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] > b[ib] ? 1 : 0;
      return;
    case "ge":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] >= b[ib] ? 1 : 0;
      return;
    case "logicalAnd":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== 0 && b[ib] !== 0 ? 1 : 0;
      return;
    case "logicalOr":
      for (; o < end; o++, ia += sa, ib += sb) out[o] = a[ia] !== 0 || b[ib] !== 0 ? 1 : 0;
      return;
  }
}

/** Whether `shape`, without its leading 1s, is the end of `outShape` (a row broadcast). */
function isTrailing(shape: readonly number[], outShape: readonly number[]): boolean {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  const off = outShape.length - shape.length;
  if (off < 0) return false;
  for (; i < shape.length; i++) if (shape[i] !== outShape[off + i]) return false;
  return true;
}

/**
 * Writes `op(a, b)` broadcast to `outShape` into `out`. Same-shape and scalar operands take a
 * single contiguous loop; other broadcasts loop over coalesced rows.
 */
export function binaryKernel(
  op: BinaryOp,
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  outShape: readonly number[],
  out: Storage,
): void {
  const n = out.length;
  if ((a.length === n || a.length === 1) && (b.length === n || b.length === 1)) {
    const sa = a.length === n ? 1 : 0, sb = b.length === n ? 1 : 0;
    if (n >= 4096 && (op === "pow" || op === "atan2")) {
      const work = n * 10; // memory-bound operations stay here (see parallel.ts)
      const args = [op, sa ? rowsOf(a) : a, 0, sa, sb ? rowsOf(b) : b, 0, sb, outRows(out), 0];
      if (parallelRows(binaryRow, n, work, [...args, ROW_COUNT])) return;
    }
    binaryRow(op, a, 0, sa, b, 0, sb, out, 0, n);
    return;
  }
  // a matrix plus a row broadcast along it (a bias): WebAssembly SIMD, same bits
  if (op === "add" && n >= ROWS_MIN) {
    if (a.length === n && isTrailing(bShape, outShape)) {
      if (addRows(a, b, out, n / b.length, b.length)) return;
    } else if (b.length === n && isTrailing(aShape, outShape)) {
      if (addRows(b, a, out, n / a.length, a.length)) return; // x + y is y + x, bit for bit
    }
  }
  const plan = coalesce(outShape, [
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ]);
  const rowLen = plan.sizes[plan.sizes.length - 1];
  const sa = plan.strides[0][plan.sizes.length - 1];
  const sb = plan.strides[1][plan.sizes.length - 1];
  forEachRow(plan, (off, o) => binaryRow(op, a, off[0], sa, b, off[1], sb, out, o, rowLen));
}

/**
 * `op(x[i], c)` for the arithmetic operations with a constant right operand (`x + 2`,
 * `x * 0.5`, `x ** 3`): one loop with `c` in a register. Returns false (and writes nothing)
 * for other operations.
 */
export function scalarRightKernel(op: BinaryOp, x: Storage, c: number, out: Storage): boolean {
  const n = x.length;
  switch (op) {
    case "add":
      for (let i = 0; i < n; i++) out[i] = x[i] + c;
      return true;
    case "sub":
      for (let i = 0; i < n; i++) out[i] = x[i] - c;
      return true;
    case "mul":
      for (let i = 0; i < n; i++) out[i] = x[i] * c;
      return true;
    case "div":
      for (let i = 0; i < n; i++) out[i] = x[i] / c;
      return true;
    case "pow":
      powConstant(x, c, out);
      return true;
    default:
      return false;
  }
}

/**
 * `x[i] ** c` for a constant exponent: the common exponents (`x²`, `x`, `√x`, `1/√x`) as
 * the exact operation rather than `Math.pow`, which rounds differently.
 */
function powConstant(x: Storage, c: number, out: Storage): void {
  const n = x.length;
  if (c === 2) { for (let i = 0; i < n; i++) out[i] = x[i] * x[i]; }
  else if (c === 1) { for (let i = 0; i < n; i++) out[i] = x[i]; }
  else if (c === 0.5) { for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]); }
  else if (c === -0.5) { for (let i = 0; i < n; i++) out[i] = 1 / Math.sqrt(x[i]); }
  else for (let i = 0; i < n; i++) out[i] = Math.pow(x[i], c);
}

/**
 * `g[i] · (1 − y[i]²)` (tanh's backward from its output `y`), rounded to float32 after the
 * square and the difference when `f32`, as the separate `pow`, `sub` and `mul` kernels round
 * into their float32 outputs.
 */
export function tanhBackwardKernel(g: Storage, y: Storage, out: Storage, f32: boolean): void {
  const n = out.length;
  if (f32 === out instanceof Float32Array && tanhGrad(g, y, out)) return; // same bits
  if (f32) {
    const fround = Math.fround;
    for (let i = 0; i < n; i++) {
      const v = y[i];
      out[i] = g[i] * fround(1 - fround(v * v));
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = y[i];
      out[i] = g[i] * (1 - v * v);
    }
  }
}

/**
 * The tangent of tanh's backward `g · (1 − y²)` given the tangents `tg` of `g` and `ty` of `y`
 * (either may be null, not both): `tg · (1 − y²) + (−(ty · 2y)) · g`, each operation rounded
 * as the separate `pow`, `mul`, `sub`, `neg` and `add` kernels of the composite rule round
 * (into float32 when `f32`), so the bits are the same.
 */
export function tanhBackwardTangentKernel(
  g: Storage,
  y: Storage,
  tg: Storage | null,
  ty: Storage | null,
  out: Storage,
  f32: boolean,
): void {
  const n = out.length;
  const r = f32 ? Math.fround : (v: number) => v;
  for (let i = 0; i < n; i++) {
    const v = y[i];
    const a = tg === null ? 0 : r(tg[i] * r(1 - r(v * v)));
    if (ty === null) {
      out[i] = a;
      continue;
    }
    const b = r(-r(ty[i] * r(v * 2)) * g[i]);
    out[i] = tg === null ? b : r(a + b);
  }
}

/**
 * The gradient of tanh's backward `g · (1 − y²)` with respect to `y`, given the gradient `gg`
 * of that backward's output: `(−(gg · g)) · (y · 2)`, each operation rounded as the composite
 * rule's `mul`, `neg` and `mul` kernels round (into float32 when `f32`), so the bits are the
 * same.
 */
export function tanhBackwardInputKernel(
  gg: Storage,
  g: Storage,
  y: Storage,
  out: Storage,
  f32: boolean,
): void {
  const n = out.length;
  if (f32) {
    const r = Math.fround;
    for (let i = 0; i < n; i++) out[i] = -r(gg[i] * g[i]) * r(y[i] * 2);
  } else {
    for (let i = 0; i < n; i++) out[i] = -(gg[i] * g[i]) * (y[i] * 2);
  }
}

/**
 * The backward of `a²` from `g`, `out[i] = g[i] · (a[i] · 2)`, and with `tOut` its tangent
 * from the tangents `tg` of `g` and `ta` of `a` (either may be null):
 * `tg · (2a) + (2ta) · g`. Each operation rounded as the composite rule's separate `mul` and
 * `add` kernels round (into float32 when `f32`), so the bits are the same.
 */
export function squareBackwardKernel(
  g: Storage,
  a: Storage,
  out: Storage,
  tg: Storage | null,
  ta: Storage | null,
  tOut: Storage | null,
  f32: boolean,
): void {
  const n = out.length;
  if (!f32) {
    for (let i = 0; i < n; i++) out[i] = g[i] * (a[i] * 2);
  } else {
    const fround = Math.fround;
    for (let i = 0; i < n; i++) out[i] = g[i] * fround(a[i] * 2);
  }
  if (tOut === null) return;
  const r = f32 ? Math.fround : (v: number) => v;
  for (let i = 0; i < n; i++) {
    const x = tg === null ? 0 : r(tg[i] * r(a[i] * 2));
    const y = ta === null ? 0 : r(r(ta[i] * 2) * g[i]);
    tOut[i] = tg === null ? y : ta === null ? x : r(x + y);
  }
}

/** Copies `src` (of `shape`) broadcast to `outShape` into `out`. */
export function expandKernel(
  src: Storage,
  shape: readonly number[],
  outShape: readonly number[],
  out: Storage,
): void {
  if (src.length === out.length) {
    out.set(src);
    return;
  }
  if (src.length === 1) {
    out.fill(src[0]);
    return;
  }
  const plan = coalesce(outShape, [broadcastStrides(shape, outShape)]);
  const rowLen = plan.sizes[plan.sizes.length - 1];
  const s = plan.strides[0][plan.sizes.length - 1];
  forEachRow(plan, (off, o) => {
    let i = off[0];
    if (s === 1) out.set(src.subarray(i, i + rowLen), o);
    else if (s === 0) out.fill(src[i], o, o + rowLen);
    else for (let k = 0; k < rowLen; k++, i += s) out[o + k] = src[i];
  });
}

/** `out[i] = cond[i] ? a[i] : b[i]` with broadcasting of all three to `outShape`. */
export function whereKernel(
  cond: Storage,
  condShape: readonly number[],
  a: Storage,
  aShape: readonly number[],
  b: Storage,
  bShape: readonly number[],
  outShape: readonly number[],
  out: Storage,
): void {
  const plan = coalesce(outShape, [
    broadcastStrides(condShape, outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ]);
  const last = plan.sizes.length - 1;
  const rowLen = plan.sizes[last];
  const [sc, sa, sb] = [plan.strides[0][last], plan.strides[1][last], plan.strides[2][last]];
  forEachRow(plan, (off, o) => {
    let ic = off[0], ia = off[1], ib = off[2];
    for (let k = 0; k < rowLen; k++, ic += sc, ia += sa, ib += sb) {
      out[o + k] = cond[ic] !== 0 ? a[ia] : b[ib];
    }
  });
}

registerKernels(unaryKernel, unaryCost, roundHalfEven, binaryRow);
