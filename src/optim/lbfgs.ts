/**
 * L-BFGS with `torch.optim.LBFGS`'s algorithm and defaults: a two-loop recursion over a
 * bounded history, an initial step of `min(1, 1/‖g‖₁)·lr`, and either fixed steps or a
 * strong-Wolfe line search (cubic interpolation, bracketing, then zoom). Unlike the
 * first-order optimizers it evaluates the loss itself, so `step` takes the loss function.
 * The search works on the flat vector of all parameters ({@linkcode ravel}) in float64.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import { tensor } from "../creation.ts";
import { ravel } from "../tree.ts";
import { valueAndGrad } from "../functional/pytree.ts";
import { checkOptions, checkRange } from "../options.ts";
import { paramLeaves } from "./common.ts";

/** Options of {@linkcode lbfgs}. */
export interface LbfgsOptions {
  /** The step length (default 1). */
  readonly lr?: number;
  /** Iterations per `step` call (default 20). */
  readonly maxIter?: number;
  /** Function evaluations per `step` call (default ⌊1.25·maxIter⌋). */
  readonly maxEval?: number;
  /** Stop when the largest gradient entry is at most this (default 1e-7). */
  readonly toleranceGrad?: number;
  /** Stop when the loss or the step changes less than this (default 1e-9). */
  readonly toleranceChange?: number;
  /** Number of curvature pairs kept (default 100). */
  readonly historySize?: number;
  /** `"strongWolfe"` for a line search, or null for fixed steps of `lr` (default null). */
  readonly lineSearch?: "strongWolfe" | null;
}

/** The search state carried between `step` calls (flat float64 vectors). */
export interface LbfgsState {
  /** Loss evaluations so far. */
  readonly funcEvals: number;
  /** Iterations so far. */
  readonly nIter: number;
  /** @ignore */
  readonly d: Float64Array | null;
  /** @ignore */
  readonly t: number;
  /** @ignore */
  readonly oldDirs: readonly Float64Array[];
  /** @ignore */
  readonly oldStps: readonly Float64Array[];
  /** @ignore */
  readonly ro: readonly number[];
  /** @ignore */
  readonly hDiag: number;
  /** @ignore */
  readonly prevFlatGrad: Float64Array | null;
  /** @ignore */
  readonly prevLoss: number | null;
}

/** What `step` returns. */
export interface LbfgsStep<P> {
  /** The parameters after the step. */
  readonly params: P;
  /** The search state for the next call. */
  readonly state: LbfgsState;
  /** The loss at the parameters the step started from (as PyTorch's `step` returns). */
  readonly loss: number;
}

/** L-BFGS as returned by {@linkcode lbfgs}. */
export interface Lbfgs {
  /** The name, `"lbfgs"`. */
  readonly name: string;
  /**
   * The initial state for `params`.
   *
   * @param params a pytree of floating tensors
   * @returns the state
   */
  init(params: unknown): LbfgsState;
  /**
   * Up to `maxIter` iterations from `params`, as one call of PyTorch's `step(closure)`.
   *
   * @param loss the loss as a function of the parameters (a scalar)
   * @param state the state from `init` or the previous step
   * @param params the parameters
   * @returns the new parameters, state, and the loss at the start
   */
  step<P>(loss: (params: P) => Tensor, state: LbfgsState, params: P): LbfgsStep<P>;
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
const maxAbs = (a: Float64Array) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const sumAbs = (a: Float64Array) => a.reduce((m, v) => m + Math.abs(v), 0);
/** `a + alpha·b` as a new vector. */
const axpy = (a: Float64Array, alpha: number, b: Float64Array) => a.map((v, i) => v + alpha * b[i]);

/** The minimizer of the cubic through two points with slopes, clamped to `bounds`. */
function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: [number, number],
): number {
  const [lo, hi] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2sq = d1 * d1 - g1 * g2;
  if (d2sq < 0) return (lo + hi) / 2;
  const d2 = Math.sqrt(d2sq);
  const minPos = x1 <= x2
    ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
  return Math.min(Math.max(minPos, lo), hi);
}

type Evaluate = (t: number, d: Float64Array) => [number, Float64Array];

/** A step length satisfying the strong Wolfe conditions along `d` (Nocedal & Wright 3.5–3.6). */
function strongWolfe(
  evaluate: Evaluate,
  t0: number,
  d: Float64Array,
  f: number,
  g: Float64Array,
  gtd: number,
  toleranceChange: number,
): { f: number; g: Float64Array; t: number; evals: number } {
  const c1 = 1e-4, c2 = 0.9, maxLs = 25;
  const dNorm = maxAbs(d);
  let t = t0;
  let [fNew, gNew] = evaluate(t, d);
  let evals = 1;
  let gtdNew = dot(gNew, d);
  let tPrev = 0, fPrev = f, gPrev = g, gtdPrev = gtd;
  let done = false;
  let iter = 0;
  let bracket: number[] = [], bf: number[] = [], bg: Float64Array[] = [], bgtd: number[] = [];
  // bracketing phase
  while (iter < maxLs) {
    if (fNew > f + c1 * t * gtd || (iter > 1 && fNew >= fPrev)) {
      [bracket, bf, bg, bgtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    if (Math.abs(gtdNew) <= -c2 * gtd) {
      [bracket, bf, bg] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (gtdNew >= 0) {
      [bracket, bf, bg, bgtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    const minStep = t + 0.01 * (t - tPrev);
    const maxStep = t * 10;
    const tmp = t;
    t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
    [tPrev, fPrev, gPrev, gtdPrev] = [tmp, fNew, gNew, gtdNew];
    [fNew, gNew] = evaluate(t, d);
    evals++;
    gtdNew = dot(gNew, d);
    iter++;
  }
  if (iter === maxLs) [bracket, bf, bg] = [[0, t], [f, fNew], [g, gNew]];
  // zoom phase
  let insufProgress = false;
  let [low, high] = bf[0] <= bf[bf.length - 1] ? [0, 1] : [1, 0];
  while (!done && iter < maxLs) {
    if (Math.abs(bracket[1] - bracket[0]) * dNorm < toleranceChange) break;
    t = cubicInterpolate(bracket[0], bf[0], bgtd[0], bracket[1], bf[1], bgtd[1]);
    const bMax = Math.max(...bracket), bMin = Math.min(...bracket);
    const eps = 0.1 * (bMax - bMin);
    if (Math.min(bMax - t, t - bMin) < eps) {
      if (insufProgress || t >= bMax || t <= bMin) {
        t = Math.abs(t - bMax) < Math.abs(t - bMin) ? bMax - eps : bMin + eps;
        insufProgress = false;
      } else {
        insufProgress = true;
      }
    } else {
      insufProgress = false;
    }
    [fNew, gNew] = evaluate(t, d);
    evals++;
    gtdNew = dot(gNew, d);
    iter++;
    if (fNew > f + c1 * t * gtd || fNew >= bf[low]) {
      [bracket[high], bf[high], bg[high], bgtd[high]] = [t, fNew, gNew, gtdNew];
      [low, high] = bf[0] <= bf[1] ? [0, 1] : [1, 0];
    } else {
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        done = true;
      } else if (gtdNew * (bracket[high] - bracket[low]) >= 0) {
        [bracket[high], bf[high], bg[high], bgtd[high]] = [
          bracket[low],
          bf[low],
          bg[low],
          bgtd[low],
        ];
      }
      [bracket[low], bf[low], bg[low], bgtd[low]] = [t, fNew, gNew, gtdNew];
    }
  }
  return { f: bf[low], g: bg[low], t: bracket[low], evals };
}

/**
 * L-BFGS, step for step as `torch.optim.LBFGS` (one `step` call runs up to `maxIter`
 * iterations, as PyTorch's `step(closure)` does).
 *
 * @param options `lr` (1), `maxIter` (20), `maxEval`, `toleranceGrad` (1e-7), `toleranceChange` (1e-9), `historySize` (100), `lineSearch` (null or `"strongWolfe"`)
 * @returns the optimizer, with `init` and `step(loss, state, params)`
 * @throws {TypeError} for an unknown option or line search
 * @throws {RangeError} for a non-positive rate, iteration count or history size
 * @example Minimizing a quadratic in one step
 * ```ts
 * import { optim, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const target = tensor([1, -2, 3], { dtype: "float64" });
 * const loss = (p: { x: Tensor }) => p.x.sub(target).pow(2).sum();
 * const opt = optim.lbfgs({ lineSearch: "strongWolfe" });
 * let params = { x: tensor([0, 0, 0], { dtype: "float64" }) };
 * let state = opt.init(params);
 * ({ params, state } = opt.step(loss, state, params));
 * assert.ok(params.x.sub(target).abs().max().item() < 1e-6);
 * ```
 */
export function lbfgs(options: LbfgsOptions = {}): Lbfgs {
  const op = "optim.lbfgs()";
  checkOptions(op, options, {
    lr: "number",
    maxIter: "number",
    maxEval: "number",
    toleranceGrad: "number",
    toleranceChange: "number",
    historySize: "number",
    lineSearch: "string",
  });
  const {
    lr = 1,
    maxIter = 20,
    toleranceGrad = 1e-7,
    toleranceChange = 1e-9,
    historySize = 100,
    lineSearch = null,
  } = options;
  const maxEval = options.maxEval ?? Math.floor((maxIter * 5) / 4);
  checkRange(lr > 0, op, "learning rate", lr);
  checkRange(Number.isInteger(maxIter) && maxIter >= 1, op, "maxIter", maxIter);
  checkRange(Number.isInteger(historySize) && historySize >= 1, op, "historySize", historySize);
  if (lineSearch !== null && lineSearch !== "strongWolfe") {
    throw new TypeError(`${op}: lineSearch must be "strongWolfe" or null; got "${lineSearch}"`);
  }
  return {
    name: "lbfgs",
    init: (params) => {
      paramLeaves(params, "optim.lbfgs().init()");
      return {
        funcEvals: 0,
        nIter: 0,
        d: null,
        t: 0,
        oldDirs: [],
        oldStps: [],
        ro: [],
        hDiag: 1,
        prevFlatGrad: null,
        prevLoss: null,
      };
    },
    step: <P>(lossFn: (p: P) => Tensor, state: LbfgsState, params: P): LbfgsStep<P> => {
      const ps = paramLeaves(params, "optim.lbfgs().step()");
      const [flat0, unravel] = ravel(params);
      const dtype = flat0.dtype;
      const vg = (valueAndGrad as (f: unknown) => (p: P) => [Tensor, unknown])(lossFn);
      const at = (x: Float64Array): [number, Float64Array] => {
        const p = unravel(tensor(Array.from(x), { dtype })) as unknown as P;
        const [v, g] = vg(p);
        return [v.item(), Float64Array.from(ravel(g)[0].toArray() as number[])];
      };
      let x = Float64Array.from(flat0.toArray() as number[]);
      const done = (loss: number, s: Partial<LbfgsState>): LbfgsStep<P> => ({
        params: ps.length === 0 ? params : (unravel(tensor(Array.from(x), { dtype })) as P),
        state: { ...state, ...s },
        loss,
      });
      let [loss, flatGrad] = at(x);
      const origLoss = loss;
      let funcEvals = state.funcEvals + 1;
      let currentEvals = 1;
      if (maxAbs(flatGrad) <= toleranceGrad) return done(origLoss, { funcEvals });
      let { d, t, hDiag, prevFlatGrad, prevLoss, nIter: globalIter } = state;
      let oldDirs = [...state.oldDirs], oldStps = [...state.oldStps], ro = [...state.ro];
      let n = 0;
      while (n < maxIter) {
        n++;
        globalIter++;
        if (globalIter === 1 || d === null || prevFlatGrad === null) {
          d = flatGrad.map((v) => -v);
          oldDirs = [];
          oldStps = [];
          ro = [];
          hDiag = 1;
        } else {
          const y = flatGrad.map((v, i) => v - (prevFlatGrad as Float64Array)[i]);
          const s = d.map((v) => v * t);
          const ys = dot(y, s);
          if (ys > 1e-10) {
            if (oldDirs.length === historySize) {
              oldDirs.shift();
              oldStps.shift();
              ro.shift();
            }
            oldDirs.push(y);
            oldStps.push(s);
            ro.push(1 / ys);
            hDiag = ys / dot(y, y);
          }
          // two-loop recursion: d = −H·g
          const al = new Array<number>(oldDirs.length);
          let q = flatGrad.map((v) => -v);
          for (let i = oldDirs.length - 1; i >= 0; i--) {
            al[i] = dot(oldStps[i], q) * ro[i];
            q = axpy(q, -al[i], oldDirs[i]);
          }
          let r = q.map((v) => v * hDiag);
          for (let i = 0; i < oldDirs.length; i++) {
            const be = dot(oldDirs[i], r) * ro[i];
            r = axpy(r, al[i] - be, oldStps[i]);
          }
          d = r;
        }
        prevFlatGrad = flatGrad.slice();
        prevLoss = loss;
        t = globalIter === 1 ? Math.min(1, 1 / sumAbs(flatGrad)) * lr : lr;
        const gtd = dot(flatGrad, d);
        if (gtd > -toleranceChange) break;
        let lsEvals = 0;
        let optCond = false;
        if (lineSearch === "strongWolfe") {
          const r = strongWolfe(
            (tt, dd) => at(axpy(x, tt, dd)),
            t,
            d,
            loss,
            flatGrad,
            gtd,
            toleranceChange,
          );
          [loss, flatGrad, t, lsEvals] = [r.f, r.g, r.t, r.evals];
          x = axpy(x, t, d);
          optCond = maxAbs(flatGrad) <= toleranceGrad;
        } else {
          x = axpy(x, t, d);
          if (n !== maxIter) {
            [loss, flatGrad] = at(x);
            optCond = maxAbs(flatGrad) <= toleranceGrad;
            lsEvals = 1;
          }
        }
        currentEvals += lsEvals;
        funcEvals += lsEvals;
        if (n === maxIter || currentEvals >= maxEval || optCond) break;
        if (maxAbs(d.map((v) => v * t)) <= toleranceChange) break;
        if (Math.abs(loss - prevLoss) < toleranceChange) break;
      }
      return done(origLoss, {
        funcEvals,
        nIter: globalIter,
        d,
        t,
        oldDirs,
        oldStps,
        ro,
        hDiag,
        prevFlatGrad,
        prevLoss,
      });
    },
  };
}
