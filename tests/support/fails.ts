/**
 * `fails(cls, ...patterns)`: a predicate for `assert.throws` that checks the error's class,
 * that its message starts as the house style asks (a capital letter, or the op's name), and
 * that the message matches every pattern (the op, the shapes, the offending values).
 *
 * @module
 */

import assert from "node:assert/strict";

/** Checks the class of an error and that its message matches every pattern. */
export function fails(
  cls: abstract new (...args: never[]) => Error,
  ...patterns: RegExp[]
): (e: unknown) => true {
  return (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    const msg = (e as Error).message;
    // a capital letter or an op name (with its parentheses) first
    assert.match(msg, /^([A-Z]|[a-z][A-Za-z0-9_.]*(\(\))?[ :(])/, `message start: ${msg}`);
    for (const p of patterns) assert.match(msg, p);
    return true;
  };
}
