/**
 * The notebook display of a tensor: its repr as `text/plain` and, for 1-D and 2-D tensors, a
 * compact HTML table of the same numbers, summarized as the repr summarizes large tensors.
 *
 * @module
 */

import { elementFormat, formatTensor } from "../format.ts";
import type { Tensor } from "../tensor.ts";
import { escapeXml } from "./svg_image.ts";

const CELL = "padding:1px 6px;text-align:right;font-family:monospace";
const HEAD = `${CELL};color:#888;font-weight:normal`;

/** @ignore The HTML table of a 1-D or 2-D tensor; null for other ranks or inside vmap. */
export function tensorHtml(t: Tensor): string | null {
  if (t._bat !== null || (t.ndim !== 1 && t.ndim !== 2)) return null;
  const rows = t.ndim === 1 ? 1 : t.shape[0];
  const cols = t.shape[t.ndim - 1];
  const { format, shown } = elementFormat(t);
  const rowIdx = t.ndim === 1 ? [0] : shown(rows);
  const colIdx = shown(cols);
  const gap = (idx: number[], i: number) => i > 0 && idx[i] !== idx[i - 1] + 1;
  const out: string[] = [];
  const extras: string[] = [`shape [${t.shape.join(", ")}]`, t.dtype];
  if (t.gradFn !== null) extras.push(`grad_fn=&lt;${escapeXml(t.gradFn.name)}&gt;`);
  else if (t.requiresGrad) extras.push("requires_grad=True");
  out.push(
    `<table class="tapegrad-tensor" style="border-collapse:collapse">`,
    `<caption style="text-align:left;font-family:monospace;color:#555">tensor · ` +
      `${extras.join(" · ")}</caption>`,
  );
  const header = colIdx.flatMap((c, i) => [
    ...(gap(colIdx, i) ? [`<th style="${HEAD}">…</th>`] : []),
    `<th style="${HEAD}">${c}</th>`,
  ]);
  out.push(`<tr>${t.ndim === 2 ? `<th style="${HEAD}"></th>` : ""}${header.join("")}</tr>`);
  rowIdx.forEach((r, i) => {
    if (gap(rowIdx, i)) {
      const dots = colIdx.map(() => `<td style="${CELL}">⋮</td>`).join("");
      const pad = colIdx.some((_, j) => gap(colIdx, j)) ? `<td style="${CELL}"></td>` : "";
      out.push(`<tr><th style="${HEAD}">⋮</th>${dots}${pad}</tr>`);
    }
    const cells = colIdx.flatMap((c, j) => [
      ...(gap(colIdx, j) ? [`<td style="${CELL}">…</td>`] : []),
      `<td style="${CELL}">${escapeXml(format(t._buf[r * cols + c]))}</td>`,
    ]);
    out.push(`<tr>${t.ndim === 2 ? `<th style="${HEAD}">${r}</th>` : ""}${cells.join("")}</tr>`);
  });
  out.push("</table>");
  return out.join("\n");
}

/** @ignore The MIME bundle `deno jupyter` displays for a tensor. */
export function tensorDisplay(t: Tensor): Record<string, string> {
  const bundle: Record<string, string> = { "text/plain": formatTensor(t) };
  const html = tensorHtml(t);
  if (html !== null) bundle["text/html"] = html;
  return bundle;
}
