/**
 * Grad mode: whether operations on tensors that require grad are recorded on the tape.
 * `noGrad` and `enableGrad` take a function, or return a `Disposable` for `using`.
 *
 * @module
 */

let enabled = true;

/**
 * Whether operations are currently recorded for autograd.
 *
 * @returns `true` unless inside {@linkcode noGrad}
 * @example Inside and outside noGrad
 * ```ts
 * import { isGradEnabled, noGrad } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * assert.equal(isGradEnabled(), true);
 * noGrad(() => assert.equal(isGradEnabled(), false));
 * ```
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/**
 * Sets the grad mode and returns the previous one. Prefer {@linkcode noGrad} or
 * {@linkcode enableGrad}, which restore it.
 *
 * @param mode `true` to record operations
 * @returns the mode before the call
 * @example Toggle and restore
 * ```ts
 * import { isGradEnabled, setGradEnabled } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const before = setGradEnabled(false);
 * assert.equal(isGradEnabled(), false);
 * setGradEnabled(before);
 * ```
 */
export function setGradEnabled(mode: boolean): boolean {
  const previous = enabled;
  enabled = mode;
  return previous;
}

/** An open `using` scope: the mode to go back to when it closes. */
interface Scope {
  previous: boolean;
}

/** The open `using` scopes, oldest first. */
const scopes: Scope[] = [];

/**
 * Closes `scope`. In order (the newest scope) it restores the mode saved when it opened.
 * Out of order (scopes interleaved across `await`s) the scope is taken out of the chain: the
 * next newer scope will restore what this one saved, so that when every scope has closed
 * the mode is the one before the first opened, whatever the order.
 */
function close(scope: Scope): void {
  const i = scopes.indexOf(scope);
  if (i < 0) return; // closed already
  if (i === scopes.length - 1) enabled = scope.previous;
  else scopes[i + 1].previous = scope.previous;
  scopes.splice(i, 1);
}

/** @ignore Whether `x` is a promise or another thenable. */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === "object" || typeof x === "function") && x !== null &&
    typeof (x as { then?: unknown }).then === "function";
}

function withMode<T>(mode: boolean, fn: (() => T) | undefined, op: string): T | Disposable {
  if (fn === undefined) {
    const scope: Scope = { previous: enabled };
    scopes.push(scope);
    enabled = mode;
    return { [Symbol.dispose]: () => close(scope) };
  }
  if (typeof fn !== "function") {
    throw new TypeError(`${op}() expects a function or no argument; got ${typeof fn}`);
  }
  const previous = enabled;
  enabled = mode;
  let out: T;
  try {
    out = fn();
  } finally {
    enabled = previous;
  }
  if (isThenable(out)) {
    // the mode covered only the part before the first await; refuse rather than mislead
    (out as PromiseLike<unknown>).then(undefined, () => {});
    throw new TypeError(
      `${op}() got a function that returned a promise: grad mode cannot follow an await ` +
        `(JavaScript has no async context), so only the code before the first await ran ` +
        `${mode ? "with" : "without"} recording. Call ${op}() around the synchronous tensor ` +
        `code after each await instead (see "Grad mode and async code" in the README)`,
    );
  }
  return out;
}

/**
 * Runs `fn` without recording operations (PyTorch's `torch.no_grad()`): results do not
 * require grad. Without an argument it returns a `Disposable`, for `using _ = noGrad()`;
 * scopes closed out of order (interleaved across `await`s) still leave the mode as it was
 * before the first opened. `fn` must be synchronous: grad mode cannot follow an `await`.
 *
 * @param fn the code to run
 * @returns what `fn` returns, or a `Disposable` that restores the previous mode
 * @throws {TypeError} when `fn` returns a promise (an async function)
 * @example Results computed under noGrad do not require grad
 * ```ts
 * import { noGrad, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(1, { requiresGrad: true });
 * assert.equal(noGrad(() => x.pow(2)).requiresGrad, false);
 * {
 *   using _ = noGrad();
 *   assert.equal(x.mul(3).requiresGrad, false);
 * }
 * assert.equal(x.mul(3).requiresGrad, true);
 * ```
 */
export function noGrad(): Disposable;
/** Runs `fn` without recording and returns its result. */
export function noGrad<T>(fn: () => T): T;
export function noGrad<T>(fn?: () => T): T | Disposable {
  return withMode(false, fn, "noGrad");
}

/**
 * Runs `fn` with operations recorded, even inside {@linkcode noGrad} (PyTorch's
 * `torch.enable_grad()`). Without an argument it returns a `Disposable`. `fn` must be
 * synchronous, as for {@linkcode noGrad}.
 *
 * @param fn the code to run
 * @returns what `fn` returns, or a `Disposable` that restores the previous mode
 * @throws {TypeError} when `fn` returns a promise (an async function)
 * @example Record inside a noGrad block
 * ```ts
 * import { enableGrad, noGrad, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(1, { requiresGrad: true });
 * const y = noGrad(() => enableGrad(() => x.mul(2)));
 * assert.equal(y.requiresGrad, true);
 * ```
 */
export function enableGrad(): Disposable;
/** Runs `fn` with recording on and returns its result. */
export function enableGrad<T>(fn: () => T): T;
export function enableGrad<T>(fn?: () => T): T | Disposable {
  return withMode(true, fn, "enableGrad");
}
