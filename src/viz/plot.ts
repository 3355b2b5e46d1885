/**
 * Line plots of functions and their derivatives as SVG, with no dependency: axes with ticks,
 * one curve per function and derivative order, and a legend. The result displays itself in
 * `deno jupyter` notebooks.
 *
 * @module
 */

import { linspace } from "../creation.ts";
import { derivative } from "../taylor/transforms.ts";
import type { Tensor } from "../tensor.ts";
import { vmap } from "../vmap/vmap.ts";
import { escapeXml, SvgImage } from "./svg_image.ts";

/** A scalar function of a scalar tensor, as `derivative` takes. */
export type PlotFunction = (x: Tensor) => Tensor;

/** Options of {@linkcode plot}. */
export interface PlotOptions {
  /** The x interval (default `[-4, 4]`). */
  readonly range?: readonly [number, number];
  /** Also plot the derivatives of orders 1 to this (default 0: the functions only). */
  readonly derivatives?: number;
  /** Points per curve (default 201). */
  readonly points?: number;
  /** One legend label per function (default: each function's name, or `f1`, `f2`, ...). */
  readonly labels?: readonly string[];
  /** Clip the y axis to this interval; curves are cut where they leave it (default: fit). */
  readonly yRange?: readonly [number, number];
  /** A title above the plot. */
  readonly title?: string;
  /** Width in pixels (default 720). */
  readonly width?: number;
  /** Height in pixels (default 480). */
  readonly height?: number;
}

/** One curve: its legend label and its points. */
interface Series {
  readonly label: string;
  readonly xs: ArrayLike<number>;
  readonly ys: ArrayLike<number>;
}

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];
const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹";

/** `f`, `f'`, `f''`, `f'''`, then `f⁽⁴⁾`. */
function derivativeLabel(name: string, order: number): string {
  if (order <= 3) return name + "'".repeat(order);
  return `${name}⁽${[...String(order)].map((d) => SUPERSCRIPT[Number(d)]).join("")}⁾`;
}

/**
 * Plots functions and their derivatives over an interval as an SVG line plot. Every order
 * comes from autograd (`derivative`, mapped over the points with `vmap`) in float64. The
 * result is an {@linkcode SvgImage}: a notebook cell shows it, `image.svg` is its text.
 *
 * @param fns one scalar function or several
 * @param options `range`, `derivatives`, `points`, `labels`, `yRange`, `title`, `width`,
 *   `height`
 * @returns the plot
 * @throws {RangeError} for an empty range, fewer than 2 points or a negative order
 * @example tanh and its first three derivatives
 * ```ts
 * import { plot, type Tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const image = plot((x: Tensor) => x.tanh(), { derivatives: 3, labels: ["tanh"] });
 * assert.equal(image.svg.match(/<path /g)?.length, 4);
 * assert.ok(image.svg.includes("tanh'''"));
 * ```
 */
export function plot(
  fns: PlotFunction | readonly PlotFunction[],
  options: PlotOptions = {},
): SvgImage {
  const list = typeof fns === "function" ? [fns] : fns;
  const { range = [-4, 4], derivatives = 0, points = 201 } = options;
  if (!(range[1] > range[0])) {
    throw new RangeError(`plot(): range [${range.join(", ")}] is empty; give [low, high]`);
  }
  if (!Number.isInteger(points) || points < 2) {
    throw new RangeError(`plot(): points must be an integer of at least 2; got ${points}`);
  }
  if (!Number.isInteger(derivatives) || derivatives < 0) {
    throw new RangeError(`plot(): derivatives must be a non-negative integer; got ${derivatives}`);
  }
  const xs = linspace(range[0], range[1], points, { dtype: "float64" });
  const xv = xs.toTypedArray();
  const series: Series[] = [];
  list.forEach((f, i) => {
    const name = options.labels?.[i] ?? (f.name || `f${i + 1}`);
    for (let n = 0; n <= derivatives; n++) {
      const g = n === 0 ? f : derivative(f, n);
      series.push({ label: derivativeLabel(name, n), xs: xv, ys: vmap(g)(xs).toTypedArray() });
    }
  });
  return new SvgImage(linePlot(series, options));
}

function niceTicks(lo: number, hi: number, count = 8): number[] {
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) {
    ticks.push(Math.abs(v) < 1e-12 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

/** The SVG text of a line plot of `series`. */
function linePlot(series: readonly Series[], options: PlotOptions): string {
  const { width = 720, height = 480, title = "" } = options;
  const m = { left: 56, right: 150, top: 40, bottom: 40 };
  const [x0, x1] = options.range ?? [-4, 4];
  let [y0, y1] = options.yRange ?? [Infinity, -Infinity];
  if (options.yRange === undefined) {
    for (const s of series) {
      for (let i = 0; i < s.ys.length; i++) {
        if (Number.isFinite(s.ys[i])) [y0, y1] = [Math.min(y0, s.ys[i]), Math.max(y1, s.ys[i])];
      }
    }
    if (!(y1 > y0)) [y0, y1] = Number.isFinite(y0) ? [y0 - 1, y0 + 1] : [-1, 1];
  }
  const fmt = (v: number) => Number(v.toFixed(2));
  const px = (x: number) => fmt(m.left + ((x - x0) / (x1 - x0)) * (width - m.left - m.right));
  const py = (y: number) =>
    fmt(height - m.bottom - ((y - y0) / (y1 - y0)) * (height - m.top - m.bottom));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (title) {
    out.push(
      `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${
        escapeXml(title)
      }</text>`,
    );
  }
  for (const t of niceTicks(x0, x1)) {
    out.push(
      `<line x1="${px(t)}" y1="${m.top}" x2="${px(t)}" y2="${height - m.bottom}" stroke="#eee"/>`,
      `<text x="${px(t)}" y="${height - m.bottom + 16}" text-anchor="middle">${t}</text>`,
    );
  }
  for (const t of niceTicks(y0, y1)) {
    out.push(
      `<line x1="${m.left}" y1="${py(t)}" x2="${width - m.right}" y2="${py(t)}" stroke="#eee"/>`,
      `<text x="${m.left - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`,
    );
  }
  if (y0 <= 0 && y1 >= 0) {
    out.push(
      `<line x1="${m.left}" y1="${py(0)}" x2="${width - m.right}" y2="${py(0)}" stroke="#555"/>`,
    );
  }
  if (x0 <= 0 && x1 >= 0) {
    out.push(
      `<line x1="${px(0)}" y1="${m.top}" x2="${px(0)}" y2="${height - m.bottom}" stroke="#555"/>`,
    );
  }
  out.push(
    `<rect x="${m.left}" y="${m.top}" width="${width - m.left - m.right}" ` +
      `height="${height - m.top - m.bottom}" fill="none" stroke="#333"/>`,
  );
  series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length];
    let path = "";
    let pen = false;
    for (let i = 0; i < s.xs.length; i++) {
      const y = s.ys[i];
      if (!Number.isFinite(y) || y < y0 || y > y1) {
        pen = false;
        continue;
      }
      path += `${pen ? "L" : "M"}${px(s.xs[i])},${py(y)}`;
      pen = true;
    }
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const ly = m.top + 10 + 20 * k;
    const lx = width - m.right + 14;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${lx + 30}" y="${ly + 4}">${escapeXml(s.label)}</text>`,
    );
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
