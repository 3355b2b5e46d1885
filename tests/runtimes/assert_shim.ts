/**
 * The part of `node:assert/strict` that README examples use, for the browser bundle of the
 * smoke suite (a page has no `node:` modules). The runner points README blocks here in every
 * runtime, so they all run the same code.
 *
 * @module
 */

function fail(message: string | undefined, fallback: string): never {
  throw new Error(message ?? fallback);
}

function same(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}

/** `assert(value)`: throws unless `value` is truthy. */
function assert(value: unknown, message?: string): asserts value {
  if (!value) fail(message, `expected a truthy value, got ${String(value)}`);
}

assert.ok = assert;
assert.equal = (a: unknown, b: unknown, message?: string) => {
  if (!Object.is(a, b)) fail(message, `${String(a)} !== ${String(b)}`);
};
assert.strictEqual = assert.equal;
assert.notEqual = (a: unknown, b: unknown, message?: string) => {
  if (Object.is(a, b)) fail(message, `${String(a)} === ${String(b)}`);
};
assert.deepEqual = (a: unknown, b: unknown, message?: string) => {
  if (!same(a, b)) fail(message, `${JSON.stringify(a)} is not deep-equal to ${JSON.stringify(b)}`);
};
assert.deepStrictEqual = assert.deepEqual;
assert.throws = (fn: () => unknown, _expected?: unknown, message?: string) => {
  try {
    fn();
  } catch {
    return;
  }
  fail(message, "expected the function to throw");
};
assert.match = (s: string, re: RegExp, message?: string) => {
  if (!re.test(s)) fail(message, `${JSON.stringify(s)} does not match ${re}`);
};

export default assert;
