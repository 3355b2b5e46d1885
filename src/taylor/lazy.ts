/**
 * Lazy series of the forward Laplacian. When nothing watches a collapsed second-order series
 * (no reverse mode recording, no `vmap` or enabled level on its operands), the step of an
 * elementwise function returns its series unmade: the D direction rows `f′ ⊙ s_d` and the
 * summed row are computed only when a consumer reads them. A product by a constant matrix
 * then writes the scaled rows straight into the matrix kernel's memory (no step output in
 * between), linear rules pass a lazy series on as another lazy series, and `laplacian`, which
 * reads only the summed row of the result, never makes the direction rows of the last layers.
 *
 * A lazy series is a placeholder tensor (no storage) that only the level's propagation,
 * `seriesOf` and `lastRowOf` ever see: rules with a lazy variant (marked by {@linkcode withLazy}) take it as
 * it is, every other rule gets it made first ({@linkcode LazySeries.whole}), so no other rule
 * needs to know. Each part is made once.
 *
 * @module
 */

import type { DType, Storage } from "../dtype.ts";
import { shapesEqual } from "../shape.ts";
import { Tensor, TRUSTED } from "../tensor.ts";
import type { MaybeTensor } from "../primitives/types.ts";
import { noGrad } from "../autograd/grad_mode.ts";
import { apply } from "../autograd/dispatch.ts";
import { allocate } from "../dtype.ts";
import type { TaylorCtx, TaylorRule } from "./series.ts";
import { conformSeries, rows, watched } from "./series.ts";
import { noteGrad, noteMade } from "../buffer_pool.ts";

/** How a lazy series makes its parts. */
export interface LazyParts {
  /** The whole series, `[rows, ...shape]`. */
  full(): Tensor;
  /** Its summed (last) row alone, `[1, ...shape]`. */
  last(): Tensor;
  /**
   * The whole series' float64 storage left in the lap module's memory (valid until that module
   * runs again; never by a matrix product), or null: a product copying it once into its own
   * memory saves a fresh array.
   */
  lapView?(): Float64Array | null;
  /**
   * The whole series' float64 storage written into the shared `memory` (the worker pool's) from
   * byte `at`, scratch only from byte `free` on: a product reading it there as its A copies
   * nothing. False (nothing written) where it cannot.
   */
  lapInto?(memory: WebAssembly.Memory, at: number, free: number): boolean;
  /**
   * The whole series' float64 storage left in the matrix kernel's memory (valid until that
   * memory is used again: its reader copies it out before anything else runs), or null.
   */
  gemmView?(): Float64Array | null;
}

/** A collapsed series not made yet (see the module doc): a tensor without storage. */
export class LazySeries extends Tensor {
  readonly #parts: LazyParts;
  readonly #reads: readonly unknown[];
  #full: Tensor | null = null;
  #last: Tensor | null = null;
  #readers = 0;
  #viewed = false;
  /**
   * A lazy series of `shape` (`[rows, ...]`) and `dtype` made by `parts`, which read the
   * tensors (and lazy series) in `reads`, also through their storage: `tidy` keeps them with
   * the series.
   */
  constructor(
    shape: readonly number[],
    dtype: DType,
    parts: LazyParts,
    reads: readonly unknown[],
  ) {
    super(allocate(dtype, 0), shape, dtype, TRUSTED);
    this.#parts = parts;
    this.#reads = reads;
    noteMade(this);
  }
  /** What a later read of this series needs: its parts made so far and what its parts read. */
  held(): unknown[] {
    return [this.#full, this.#last, ...this.#reads];
  }
  /** Whether the whole series was made (a consumer needed its direction rows). */
  get isWhole(): boolean {
    return this.#full !== null;
  }
  /** The whole series (made once, recording nothing: it was made where nothing watched). */
  whole(): Tensor {
    if (this.#full === null) {
      this.#full = noGrad(() => this.#parts.full());
      noteGrad(this); // an open tidy keeps the part made for a series that outlives it
    }
    return this.#full;
  }
  /** The summed row, `[1, ...]` (a row of the whole series when that was made already). */
  summed(): Tensor {
    if (this.#last === null) {
      const n = this.shape[0];
      this.#last = this.#full !== null
        ? rows(this.#full, n - 1, n)
        : noGrad(() => this.#parts.last());
      noteGrad(this);
    }
    return this.#last;
  }
  /** See {@linkcode LazyParts.lapView}; null when the series was made already or has none. */
  lapView(): Float64Array | null {
    return this.#full === null && this.#parts.lapView !== undefined ? this.#parts.lapView() : null;
  }
  /** See {@linkcode LazyParts.lapInto}; false when the series was made already or has none. */
  lapInto(memory: WebAssembly.Memory, at: number, free: number): boolean {
    return this.#full === null && this.#parts.lapInto !== undefined &&
      this.#parts.lapInto(memory, at, free);
  }
  /** Counts a lazy series made from this one (a reader of it). */
  adopt(): this {
    this.#readers++;
    return this;
  }
  /**
   * The whole series' storage for its one lazy reader computing its summed row (the end of a
   * `laplacian`, when no rule runs any more), once: see {@linkcode LazyParts.gemmView}. Null
   * where the whole series was made, another lazy series reads this one, or it was read so.
   */
  sumView(): Float64Array | null {
    if (this.#full !== null || this.#readers !== 1 || this.#viewed) return null;
    this.#viewed = true;
    return this.#parts.gemmView?.() ?? null;
  }
  /** This series reshaped to `shape` (`[rows, ...]`), lazy: the same elements in the same order. */
  reshaped(shape: readonly number[]): LazySeries {
    const to = (t: Tensor, rows: number) =>
      apply("reshape", [t], { shape: [rows, ...shape.slice(1)] });
    this.adopt();
    return new LazySeries(shape, this.dtype, {
      full: () => to(this.whole(), shape[0]),
      last: () => to(this.summed(), 1),
      lapView: () => this.lapView(),
      lapInto: (memory, at, free) => this.lapInto(memory, at, free),
      gemmView: () => this.sumView(),
    }, [this]);
  }
}

/**
 * The float64 storage of the series `s` for a reader computing a summed row from it (a lazy
 * one's product result in the matrix kernel's memory, where it can: see `sumView`).
 */
export function storageForSum(s: Tensor): Storage {
  return s instanceof LazySeries ? s.sumView() ?? s.whole()._buf : s._buf;
}

/** The whole series of a lazy `s`, or `s` itself. */
export function made<T extends MaybeTensor>(s: T): T | Tensor {
  return s instanceof LazySeries ? s.whole() : s;
}

/**
 * A rule's variant for lazy series: the output's series as a lazy series, or undefined where
 * it does not apply (the level then makes the lazy inputs and runs the rule).
 */
export type LazyRule<T> = (
  series: readonly MaybeTensor[],
  inputs: readonly Tensor[],
  out: Tensor,
  params: T,
  ctx: TaylorCtx,
) => LazySeries | undefined;

const LAZY_RULES = new WeakMap<object, LazyRule<never>>();

/** Gives `rule` the lazy variant `lazy`, tried first by the level in the collapsed mode. */
export function withLazy<T>(rule: TaylorRule<T>, lazy: LazyRule<T>): TaylorRule<T> {
  LAZY_RULES.set(rule, lazy as LazyRule<never>);
  return rule;
}

let lazyOn = true;

/** The lazy variant of `rule`, if it has one. */
export function lazyVariant<T>(rule: TaylorRule<T>): LazyRule<T> | undefined {
  return lazyOn ? LAZY_RULES.get(rule) as LazyRule<T> | undefined : undefined;
}

/** @ignore Runs `fn` with every series made at once, as without this module (for tests). */
export function withoutLazySeries<T>(fn: () => T): T {
  const saved = lazyOn;
  lazyOn = false;
  try {
    return fn();
  } finally {
    lazyOn = saved;
  }
}

/**
 * The lazy variant of a rule linear in its one non-null series (the others null): when that
 * series is lazy, so is the output, each part the rule applied to the input's part.
 */
export function linearLazy<T>(rule: TaylorRule<T>, prim: string): LazyRule<T> {
  return (series, inputs, out, params, ctx) => {
    let src: LazySeries | null = null;
    for (const s of series) {
      if (s instanceof LazySeries && src === null) src = s;
      else if (s !== null) return undefined;
    }
    if (src === null || src.dtype !== out.dtype || watched(...inputs)) return undefined;
    const from = src.adopt();
    const mapped = (t: Tensor) => {
      const c: TaylorCtx = { ...ctx, rows: t.shape[0] };
      const s = rule(
        series.map((x) => (x === (from as Tensor) ? t : null)),
        inputs,
        out,
        params,
        c,
      );
      return s === null ? zeroRows(t.shape[0], out) : conformSeries(s, out, c, prim);
    };
    return new LazySeries([ctx.rows, ...out.shape], out.dtype, {
      full: () => mapped(from.whole()),
      last: () => mapped(from.summed()),
    }, [from, ...inputs, out]);
  };
}

/** Whether the lazy `s` is a series of `out` as it stands (its layout and dtype). */
export function fits(s: LazySeries, out: Tensor, ctx: TaylorCtx): boolean {
  return s.dtype === out.dtype && s.shape[0] === ctx.rows &&
    shapesEqual(s.shape.slice(1), out.shape);
}

function zeroRows(n: number, out: Tensor): Tensor {
  return new Tensor(allocate(out.dtype, n * out.numel), [n, ...out.shape], out.dtype, TRUSTED);
}
