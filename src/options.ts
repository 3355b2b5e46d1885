/**
 * Option checking shared by the optimizers and the nn blocks: unknown keys and values of the
 * wrong kind are TypeErrors naming the function, bad values RangeErrors.
 *
 * @module
 */

import { Tensor } from "./tensor.ts";

/** The kinds of option values. */
export type Kind = "number" | "boolean" | "lr" | "pair" | "string" | "numbers" | "shape";

/** Checks an options object against its known keys and kinds; unknown keys are a TypeError. */
export function checkOptions(
  op: string,
  options: unknown,
  known: Readonly<Record<string, Kind>>,
): void {
  if (options === undefined) return;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(
      `${op}: options must be an object; got ${options === null ? "null" : typeof options}`,
    );
  }
  for (const [k, v] of Object.entries(options)) {
    const kind = known[k];
    if (kind === undefined) {
      throw new TypeError(
        `${op}: unknown option "${k}" (known options: ${Object.keys(known).join(", ")})`,
      );
    }
    if (v === undefined) continue;
    const ok = kind === "number"
      ? typeof v === "number"
      : kind === "boolean"
      ? typeof v === "boolean"
      : kind === "string"
      ? typeof v === "string" || v === null
      : kind === "lr"
      ? typeof v === "number" || typeof v === "function" || v instanceof Tensor
      : kind === "pair"
      ? Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "number")
      : kind === "shape"
      ? typeof v === "number" || (Array.isArray(v) && v.every((x) => typeof x === "number"))
      : Array.isArray(v) && v.every((x) => typeof x === "number");
    if (!ok) {
      const want = {
        number: "a number",
        boolean: "a boolean",
        string: "a string",
        lr: "a number, a Tensor or a schedule function",
        pair: "a pair of numbers",
        numbers: "an array of numbers",
        shape: "a number or an array of numbers",
      }[kind];
      throw new TypeError(
        `${op}: option "${k}" must be ${want}; got ${JSON.stringify(v) ?? typeof v}`,
      );
    }
  }
}

/** Throws a RangeError naming `op` unless `ok`. */
export function checkRange(ok: boolean, op: string, what: string, value: unknown): void {
  if (!ok) throw new RangeError(`${op}: invalid ${what}: ${value}`);
}

/** Throws a TypeError naming `op` and the first of `keys` that `options` lacks. */
export function required(op: string, options: object | undefined, keys: readonly string[]): void {
  for (const k of keys) {
    if ((options as Record<string, unknown> | undefined)?.[k] === undefined) {
      throw new TypeError(`${op}: the option "${k}" is required`);
    }
  }
}

/** Throws a RangeError naming `op` unless `v` is a positive integer. */
export function positiveInt(op: string, name: string, v: number): void {
  checkRange(Number.isInteger(v) && v > 0, op, name, v);
}
