/**
 * PyTorch's tensor repr, rule for rule (`torch/_tensor_str.py`): 4 decimals, `1.` for
 * integral floats, scientific notation when the largest and smallest non-zero magnitudes
 * are more than 1000 apart or fall outside [1e-4, 1e8], right-aligned columns, lines wrapped
 * at 80 characters, `...` summarization above 1000 elements (3 items at each edge), and the
 * suffixes `dtype=…`, `grad_fn=<…>`, `requires_grad=True`. Python's round-half-even is kept
 * for exact ties. The one deliberate difference: dtypes print as `dtype=float64`, not
 * `dtype=torch.float64`.
 *
 * @module
 */

import { getDefaultDtype, isFloating } from "./dtype.ts";
import { stridesOf } from "./shape.ts";
import type { Tensor } from "./tensor.ts";

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;
const LINEWIDTH = 80;

/** Python's `'{:.Nf}'.format(x)`. */
export function pyFixed(x: number, digits: number): string {
  if (x !== x) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  // toFixed switches to exponent notation from 1e21; such doubles are integers, exact in BigInt
  let s = ax < 1e21
    ? ax.toFixed(digits)
    : BigInt(ax).toString() + (digits > 0 ? "." + "0".repeat(digits) : "");
  if (ax < 1e21) {
    const exact = ax.toFixed(Math.min(100, digits + 30));
    const dot = exact.indexOf(".");
    const tail = dot < 0 ? "" : exact.slice(dot + 1 + digits);
    if (/^50*$/.test(tail)) {
      // An exact tie: JavaScript rounded up; Python rounds to even.
      const down = exact.slice(0, dot + 1 + digits).replace(/\.$/, "");
      const lastDigit = Number(down[down.length - 1]);
      if (lastDigit % 2 === 0) s = down;
    }
  }
  return (neg ? "-" : "") + s;
}

/** Python's `'{:.Ne}'.format(x)`: mantissa with N decimals and a signed exponent of 2+ digits. */
export function pyExp(x: number, digits: number): string {
  if (x !== x) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const neg = x < 0 || Object.is(x, -0);
  const ax = Math.abs(x);
  let s = ax.toExponential(digits);
  const exact = ax.toExponential(Math.min(100, digits + 30));
  const [mant] = exact.split("e");
  const tail = mant.replace(".", "").slice(1 + digits);
  if (ax !== 0 && /^50*$/.test(tail)) {
    const down = ax.toExponential(digits + 1);
    const [dm, de] = down.split("e");
    const kept = dm.slice(0, dm.length - 1).replace(/\.$/, "");
    if (Number(kept[kept.length - 1]) % 2 === 0) s = `${kept}e${de}`;
  }
  const [m, e] = s.split("e");
  const sign = e[0] === "-" ? "-" : "+";
  const digitsE = e.replace(/^[+-]/, "").padStart(2, "0");
  return `${neg ? "-" : ""}${m}e${sign}${digitsE}`;
}

/** How one tensor's elements are printed: PyTorch's `_Formatter`. */
class Formatter {
  readonly floating: boolean;
  readonly isBool: boolean;
  intMode = true;
  sciMode = false;
  maxWidth = 1;

  constructor(values: readonly number[], floating: boolean, isBool: boolean) {
    this.floating = floating;
    this.isBool = isBool;
    if (!floating) {
      for (const v of values) this.maxWidth = Math.max(this.maxWidth, this.plain(v).length);
      return;
    }
    const finite = values.filter((v) => Number.isFinite(v) && v !== 0);
    if (finite.length === 0) return;
    let min = Infinity, max = 0;
    for (const v of finite) {
      const a = Math.abs(v);
      if (a < min) min = a;
      if (a > max) max = a;
    }
    this.intMode = finite.every((v) => v === Math.ceil(v));
    if (this.intMode) {
      if (max / min > 1000 || max > 1e8) {
        this.sciMode = true;
        for (const v of finite) this.widen(pyExp(v, PRECISION));
      } else {
        for (const v of finite) this.maxWidth = Math.max(this.maxWidth, pyFixed(v, 0).length + 1);
      }
    } else if (max / min > 1000 || max > 1e8 || min < 1e-4) {
      this.sciMode = true;
      for (const v of finite) this.widen(pyExp(v, PRECISION));
    } else {
      for (const v of finite) this.widen(pyFixed(v, PRECISION));
    }
  }

  private widen(s: string): void {
    if (s.length > this.maxWidth) this.maxWidth = s.length;
  }

  private plain(v: number): string {
    if (this.isBool) return v !== 0 ? "True" : "False";
    return String(v);
  }

  format(v: number): string {
    let s: string;
    if (!this.floating) s = this.plain(v);
    else if (this.sciMode) s = pyExp(v, PRECISION);
    else if (this.intMode) {
      s = pyFixed(v, 0);
      if (Number.isFinite(v)) s += ".";
    } else s = pyFixed(v, PRECISION);
    return s.padStart(this.maxWidth, " ");
  }
}

interface View {
  readonly buf: ArrayLike<number>;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
}

/** The indices shown along a dimension of size `n`. */
function shownIndices(n: number, summarize: boolean): number[] {
  if (summarize && n > 2 * EDGE) {
    return [
      ...Array.from({ length: EDGE }, (_, i) => i),
      ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i),
    ];
  }
  return Array.from({ length: n }, (_, i) => i);
}

/** The values the formatter sees (the summarized data when summarizing). */
function shownValues(v: View, summarize: boolean): number[] {
  const out: number[] = [];
  const walk = (dim: number, offset: number) => {
    if (dim === v.shape.length) {
      out.push(v.buf[offset]);
      return;
    }
    for (const i of shownIndices(v.shape[dim], summarize)) {
      walk(dim + 1, offset + i * v.strides[dim]);
    }
  };
  walk(0, 0);
  return out;
}

function vectorStr(
  v: View,
  dim: number,
  offset: number,
  indent: number,
  summarize: boolean,
  f: Formatter,
): string {
  const elementLength = f.maxWidth + 2;
  const perLine = Math.max(1, Math.floor((LINEWIDTH - indent) / elementLength));
  const n = v.shape[dim];
  const stride = v.strides[dim];
  let data: string[];
  if (summarize && n > 2 * EDGE) {
    data = [
      ...Array.from({ length: EDGE }, (_, i) => f.format(v.buf[offset + i * stride])),
      " ...",
      ...Array.from({ length: EDGE }, (_, i) => f.format(v.buf[offset + (n - EDGE + i) * stride])),
    ];
  } else data = Array.from({ length: n }, (_, i) => f.format(v.buf[offset + i * stride]));
  const lines: string[] = [];
  for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(", "));
  return "[" + lines.join(",\n" + " ".repeat(indent + 1)) + "]";
}

function tensorStr(
  v: View,
  dim: number,
  offset: number,
  indent: number,
  summarize: boolean,
  f: Formatter,
): string {
  const rank = v.shape.length - dim;
  if (rank === 0) return f.format(v.buf[offset]);
  if (rank === 1) return vectorStr(v, dim, offset, indent, summarize, f);
  const n = v.shape[dim];
  const stride = v.strides[dim];
  const sub = (i: number) => tensorStr(v, dim + 1, offset + i * stride, indent + 1, summarize, f);
  let slices: string[];
  if (summarize && n > 2 * EDGE) {
    slices = [
      ...Array.from({ length: EDGE }, (_, i) => sub(i)),
      "...",
      ...Array.from({ length: EDGE }, (_, i) => sub(n - EDGE + i)),
    ];
  } else slices = Array.from({ length: n }, (_, i) => sub(i));
  return "[" + slices.join("," + "\n".repeat(rank - 1) + " ".repeat(indent + 1)) + "]";
}

function addSuffixes(body: string, suffixes: readonly string[], indent: number): string {
  const parts = [body];
  let lastLineLen = body.length - body.lastIndexOf("\n") + 1;
  for (const s of suffixes) {
    if (lastLineLen + s.length + 2 > LINEWIDTH) {
      parts.push(",\n" + " ".repeat(indent) + s);
      lastLineLen = indent + s.length;
    } else {
      parts.push(", " + s);
      lastLineLen += s.length + 2;
    }
  }
  parts.push(")");
  return parts.join("");
}

/** @ignore The repr of a tensor, as PyTorch prints it. */
export function formatTensor(t: Tensor): string {
  if (t._bat !== null) {
    // as functorch: the level, the batch dim (always 0 here) and the physical values
    return `BatchedTensor(lvl=${t._bat.level.depth + 1}, bdim=0, value=${
      formatTensor(t._bat.phys).replaceAll("\n", "\n    ")
    })`;
  }
  const prefix = "tensor(";
  const indent = prefix.length;
  const suffixes: string[] = [];
  let body: string;
  if (t.numel === 0) {
    if (t.ndim !== 1) suffixes.push(`size=(${t.shape.join(", ")}${t.ndim === 1 ? "," : ""})`);
    if (t.dtype !== getDefaultDtype()) suffixes.push(`dtype=${t.dtype}`);
    body = "[]";
  } else {
    const defaultLike = t.dtype === getDefaultDtype() || t.dtype === "int64" || t.dtype === "bool";
    if (!defaultLike) suffixes.push(`dtype=${t.dtype}`);
    const view: View = { buf: t._buf, shape: t.shape, strides: stridesOf(t.shape) };
    const summarize = t.numel > THRESHOLD;
    const f = new Formatter(shownValues(view, summarize), isFloating(t.dtype), t.dtype === "bool");
    body = tensorStr(view, 0, 0, indent, summarize, f);
  }
  if (t.gradFn !== null) suffixes.push(`grad_fn=<${t.gradFn.name}>`);
  else if (t.requiresGrad) suffixes.push("requires_grad=True");
  return addSuffixes(prefix + body, suffixes, indent);
}

/**
 * @ignore How the repr would print each element of `t` (same width, precision and notation),
 * and which indices along a dimension of size `n` it shows (all, or 3 at each edge when the
 * repr summarizes). For the HTML display.
 */
export function elementFormat(t: Tensor): {
  readonly format: (v: number) => string;
  readonly shown: (n: number) => number[];
} {
  const view: View = { buf: t._buf, shape: t.shape, strides: stridesOf(t.shape) };
  const summarize = t.numel > THRESHOLD;
  const f = new Formatter(shownValues(view, summarize), isFloating(t.dtype), t.dtype === "bool");
  return { format: (v) => f.format(v).trim(), shown: (n) => shownIndices(n, summarize) };
}
