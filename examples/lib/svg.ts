/**
 * A small SVG line-plot writer for the examples: axes with ticks, labelled curves and a
 * legend, no dependencies.
 *
 * @module
 */

/** One curve of a plot. */
export interface Series {
  readonly label: string;
  readonly xs: readonly number[];
  readonly ys: readonly number[];
}

/** Options of {@linkcode linePlot}. */
export interface PlotOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
  /** Clip the y range to these bounds (curves are cut where they leave it). */
  readonly yRange?: readonly [number, number];
}

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

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

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

/** Renders the series as an SVG line plot and returns the SVG text. */
export function linePlot(series: readonly Series[], options: PlotOptions = {}): string {
  const { width = 720, height = 480, title = "" } = options;
  const m = { left: 56, right: 150, top: 40, bottom: 40 };
  const xs = series.flatMap((s) => s.xs);
  const ys = series.flatMap((s) => s.ys).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = options.yRange ?? [Math.min(...ys), Math.max(...ys)];
  const px = (x: number) => m.left + ((x - x0) / (x1 - x0)) * (width - m.left - m.right);
  const py = (y: number) =>
    height - m.bottom - ((y - y0) / (y1 - y0)) * (height - m.top - m.bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (title) {
    out.push(
      `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
    );
  }
  // grid and ticks
  for (const t of niceTicks(x0, x1)) {
    out.push(
      `<line x1="${px(t)}" y1="${m.top}" x2="${px(t)}" y2="${height - m.bottom}" stroke="#eee"/>`,
    );
    out.push(`<text x="${px(t)}" y="${height - m.bottom + 16}" text-anchor="middle">${t}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    out.push(
      `<line x1="${m.left}" y1="${py(t)}" x2="${width - m.right}" y2="${py(t)}" stroke="#eee"/>`,
    );
    out.push(`<text x="${m.left - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>`);
  }
  // axes through zero where visible
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
  // curves, split where they leave the y range
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
      path += `${pen ? "L" : "M"}${px(s.xs[i]).toFixed(2)},${py(y).toFixed(2)}`;
      pen = true;
    }
    out.push(`<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    const ly = m.top + 10 + 20 * k;
    const lx = width - m.right + 14;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${color}" stroke-width="2"/>`,
    );
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}
