/**
 * A tiny Python-style output helper for the seed ports: `print` joins its arguments with a
 * space as Python's `print` does, `display` shows a notebook cell's last expression, and
 * `capture` collects the output as lines instead of writing to the console (for tests).
 *
 * @module
 */

import type { Tensor } from "../../mod.ts";

let sink: string[] | null = null;

/**
 * Python's `repr()` of a JS number, read as a Python float: `1.0`, `0.1`, `1e-05`, `1e+16`,
 * `nan`, `inf` (the shortest digits that round-trip, as both languages choose them).
 */
export function pyFloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  if (exp >= -4 && exp < 16) {
    // JS writes these magnitudes in fixed notation already; Python adds ".0" to integers.
    const fixed = String(x);
    return fixed.includes(".") ? fixed : `${fixed}.0`;
  }
  const sign = exp < 0 ? "-" : "+";
  return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** Python's `repr()`: strings quoted, lists in brackets, otherwise as {@linkcode pyStr}. */
export function pyRepr(value: unknown): string {
  if (typeof value === "string") {
    // Python picks double quotes for a string that holds a single quote but no double one.
    const q = value.includes("'") && !value.includes('"') ? '"' : "'";
    const body = value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\t", "\\t");
    return q + (q === "'" ? body.replaceAll("'", "\\'") : body) + q;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(", ")}]`;
  return pyStr(value);
}

/**
 * Python's `str()` of a value: `True`/`False`, `None`, numbers as Python floats, strings raw,
 * lists by their repr, tensors and grad_fn nodes by their own `toString` (PyTorch's repr).
 */
export function pyStr(value: unknown): string {
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
  if (typeof value === "number") return pyFloat(value);
  if (Array.isArray(value)) return pyRepr(value);
  return String(value);
}

function emit(text: string): void {
  if (sink !== null) sink.push(...text.split("\n"));
  else console.log(text);
}

/** Prints the values separated by spaces, as Python's `print(*values)`. */
export function print(...values: unknown[]): void {
  emit(values.map(pyStr).join(" "));
}

/** Shows the value of a notebook cell's last expression, as IPython does: its repr. */
export function display(value: unknown): void {
  emit(pyRepr(value));
}

/** Runs `fn` and returns what it printed, one entry per line. */
export function capture(fn: () => void): string[] {
  const outer = sink;
  const lines: string[] = [];
  sink = lines;
  try {
    fn();
  } finally {
    sink = outer;
  }
  return lines;
}

/** Throws unless `cond` holds: the ports check the invariants of their random cells. */
export function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`Seed invariant violated: ${what}`);
}

/** Whether two tensors have the same shape and agree elementwise within `tol` (exactly by default). */
export function same(a: Tensor, b: Tensor, tol = 0): boolean {
  if (a.shape.join() !== b.shape.join()) return false;
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  return x.every((v, i) => Math.abs(v - y[i]) <= tol);
}

/** Runs `fn` and checks that it throws an error of class `cls` (PyTorch raises there). */
export function expectThrows(
  fn: () => unknown,
  cls: abstract new (...args: never[]) => Error,
): void {
  try {
    fn();
  } catch (e) {
    if (e instanceof cls) return;
    throw e;
  }
  throw new Error(`Expected ${cls.name}, but nothing was thrown`);
}
