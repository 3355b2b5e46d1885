/**
 * A tiny Python-style output helper for the seed ports: `print` joins its arguments with a
 * space as Python's `print` does, `display` shows a notebook cell's last expression, and
 * `capture` collects the output as lines instead of writing to the console (for tests).
 *
 * @module
 */

let sink: string[] | null = null;

/** Python's `str()` of a value: `True`/`False`, `None`, tensors and grad_fn nodes by repr. */
export function pyStr(value: unknown): string {
  if (value === true) return "True";
  if (value === false) return "False";
  if (value === null || value === undefined) return "None";
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

/** Shows the value of a notebook cell's last expression (its repr). */
export function display(value: unknown): void {
  emit(pyStr(value));
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
