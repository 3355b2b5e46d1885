/**
 * Grad mode: whether operations on tensors that require grad are recorded on the tape.
 * `noGrad` and `enableGrad` take a function, or return a `Disposable` for `using`.
 *
 * @module
 */

let enabled = true;

/** @ignore Internal fast read of the grad mode by the dispatcher. */
export function gradEnabledNow(): boolean {
  return enabled;
}

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

function withMode<T>(mode: boolean, fn?: () => T): T | Disposable {
  const previous = enabled;
  enabled = mode;
  if (fn === undefined) {
    return {
      [Symbol.dispose]() {
        enabled = previous;
      },
    };
  }
  try {
    return fn();
  } finally {
    enabled = previous;
  }
}

/**
 * Runs `fn` without recording operations (PyTorch's `torch.no_grad()`): results do not
 * require grad. Without an argument it returns a `Disposable`, for `using _ = noGrad()`.
 *
 * @param fn the code to run
 * @returns what `fn` returns, or a `Disposable` that restores the previous mode
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
  return withMode(false, fn);
}

/**
 * Runs `fn` with operations recorded, even inside {@linkcode noGrad} (PyTorch's
 * `torch.enable_grad()`). Without an argument it returns a `Disposable`.
 *
 * @param fn the code to run
 * @returns what `fn` returns, or a `Disposable` that restores the previous mode
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
  return withMode(true, fn);
}
