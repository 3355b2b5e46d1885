/** Notebook display: the tensor MIME bundle, plot, and DOT laid out as SVG without Graphviz. */

import assert from "node:assert/strict";
import {
  arange,
  derivative,
  dotToSvg,
  plot,
  SvgImage,
  type Tensor,
  tensor,
  toDot,
  vmap,
} from "../../mod.ts";
import { tanhDerivativeGraph } from "../../examples/dot_graph.ts";

const JUPYTER = Symbol.for("Jupyter.display");
const display = (x: unknown) => (x as Record<symbol, () => Record<string, string>>)[JUPYTER]();
const cells = (html: string) => [...html.matchAll(/<td[^>]*>([^<]*)<\/td>/g)].map((m) => m[1]);

Deno.test("a tensor displays as its repr and, for 1-D and 2-D, an HTML table of the same numbers", () => {
  const x = tensor([[1.5, -2], [3, 4.25]], { requiresGrad: true });
  const b = display(x);
  assert.equal(b["text/plain"], String(x));
  assert.deepEqual(cells(b["text/html"]), ["1.5000", "-2.0000", "3.0000", "4.2500"]);
  assert.ok(b["text/html"].includes("shape [2, 2] · float32 · requires_grad=True"));
  const y = display(x.mul(2).sum(1));
  assert.deepEqual(
    cells(y["text/html"]),
    ["-1.", "14.5000"].map((s) => s === "-1." ? "-1.0000" : s),
  );
  assert.ok(y["text/html"].includes("grad_fn=&lt;SumBackward1&gt;"));
  assert.deepEqual(cells(display(tensor([true, false]))["text/html"]), ["True", "False"]);
  // 0-d and 3-D: the repr only
  assert.deepEqual(Object.keys(display(tensor(1))), ["text/plain"]);
  assert.deepEqual(Object.keys(display(arange(8).reshape([2, 2, 2]))), ["text/plain"]);
});

Deno.test("a large tensor's table is summarized like its repr: 3 items at each edge", () => {
  const big = arange(2000, { dtype: "float64" }).add(1000).reshape([40, 50]);
  const html = display(big)["text/html"];
  const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => m[1]);
  assert.equal(rows.length, 1 + 3 + 1 + 3); // header, 3 rows, ⋮, 3 rows
  assert.deepEqual(cells(rows[1]), ["1000.", "1001.", "1002.", "…", "1047.", "1048.", "1049."]);
  assert.deepEqual(cells(rows[7]), ["2950.", "2951.", "2952.", "…", "2997.", "2998.", "2999."]);
  assert.ok(rows[4].includes("⋮"));
  // the repr shows the same corner values
  assert.ok(String(big).includes("2997., 2998., 2999."));
  const vec = display(arange(1500))["text/html"];
  assert.deepEqual(cells(vec), ["0", "1", "2", "…", "1497", "1498", "1499"]);
});

Deno.test("plot draws each function and derivative from autograd values", () => {
  const image = plot([(x: Tensor) => x.sin(), (x: Tensor) => x.mul(x)], {
    derivatives: 2,
    range: [0, 2],
    points: 5,
    labels: ["sin", "sq"],
  });
  assert.ok(image instanceof SvgImage);
  assert.deepEqual(display(image), { "image/svg+xml": image.svg });
  const paths = [...image.svg.matchAll(/<path d="([^"]*)"/g)].map((m) => m[1]);
  assert.equal(paths.length, 6);
  const labels = [...image.svg.matchAll(/<text x="\d+" y="\d+">([^<]*)<\/text>/g)].map((m) => m[1]);
  assert.deepEqual(labels, ["sin", "sin'", "sin''", "sq", "sq'", "sq''"]);
  // y pixel of the points: sin'' = −sin and sq'' = 2 are drawn where those values are
  const ys = (d: string) => [...d.matchAll(/[ML][\d.]+,([\d.]+)/g)].map((m) => Number(m[1]));
  const sinYs = ys(paths[0]), negSinYs = ys(paths[2]), twoYs = ys(paths[5]);
  assert.ok(new Set(twoYs).size === 1, "sq'' is the constant 2");
  const zero = ys(paths[3])[0]; // sq(0) = 0
  for (let i = 0; i < 5; i++) {
    assert.ok(Math.abs((sinYs[i] - zero) + (negSinYs[i] - zero)) < 0.02, `point ${i}`);
  }
  assert.throws(() => plot((x: Tensor) => x, { range: [1, 1] }), RangeError);
  assert.throws(() => plot((x: Tensor) => x, { derivatives: -1 }), RangeError);
});

/** Node centers by DOT id, from the SVG's data-node attributes. */
function centers(svg: string): Map<string, { x: number; y: number; w: number; h: number }> {
  const out = new Map<string, { x: number; y: number; w: number; h: number }>();
  for (
    const m of svg.matchAll(
      /<rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)" rx="3" data-node="([^"]+)"/g,
    )
  ) {
    const [x, y, w, h] = m.slice(1, 5).map(Number);
    out.set(m[5], { x: x + w / 2, y: y + h / 2, w, h });
  }
  for (
    const m of svg.matchAll(
      /<ellipse cx="([\d.]+)" cy="([\d.]+)" rx="([\d.]+)" ry="([\d.]+)" data-node="([^"]+)"/g,
    )
  ) {
    const [x, y, rx, ry] = m.slice(1, 5).map(Number);
    out.set(m[5], { x, y, w: 2 * rx, h: 2 * ry });
  }
  return out;
}

Deno.test("dotToSvg lays out toDot's graph in layers: every edge points down, no nodes overlap", () => {
  const { y } = tanhDerivativeGraph(3);
  const dot = toDot(y, { verbose: true });
  const svg = dotToSvg(dot).svg;
  const declared = [...dot.matchAll(/^ {2}(n\d+) \[/gm)].map((m) => m[1]);
  const edges = [...dot.matchAll(/^ {2}(n\d+) -> (n\d+);/gm)].map((m) => [m[1], m[2]]);
  const pos = centers(svg);
  assert.deepEqual([...pos.keys()].sort(), declared.sort());
  assert.equal(svg.match(/<path data-edge=/g)?.length, edges.length);
  for (const [a, b] of edges) assert.ok(pos.get(b)!.y > pos.get(a)!.y, `${a} -> ${b}`);
  const list = [...pos.values()];
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const [p, q] = [list[i], list[j]];
      const apart = Math.abs(p.x - q.x) >= (p.w + q.w) / 2 ||
        Math.abs(p.y - q.y) >= (p.h + q.h) / 2;
      assert.ok(apart, `nodes ${i} and ${j} overlap`);
    }
  }
  for (const label of ["TanhBackward0", "AccumulateGrad", "output"]) {
    assert.ok(svg.includes(`>${label}</text>`), label);
  }
  assert.equal(dotToSvg(dot).svg, svg, "deterministic");
});

Deno.test("dotToSvg reads hand-written DOT: chains, quoted ids, comments, cycles, LR", () => {
  const svg = dotToSvg(`digraph G { // a comment
    rankdir=LR; node [shape=box];
    "a b" -> c -> d [color=red]; /* block */ d -> "a b";
    c [label="line 1\\nline 2", style="filled,dashed", fillcolor=gray40];
  }`).svg;
  const pos = centers(svg);
  assert.deepEqual([...pos.keys()].sort(), ["a b", "c", "d"]);
  assert.ok(pos.get("c")!.x > pos.get("a b")!.x && pos.get("d")!.x > pos.get("c")!.x, "LR");
  assert.equal(svg.match(/<path data-edge=/g)?.length, 3);
  assert.ok(svg.includes(">line 1</text>") && svg.includes(">line 2</text>"));
  assert.ok(svg.includes('fill="rgb(102,102,102)"') && svg.includes("stroke-dasharray"));
  assert.throws(() => dotToSvg("not a graph"), SyntaxError);
  assert.throws(() => dotToSvg('digraph { a [label="x }'), SyntaxError);
  assert.equal(centers(dotToSvg("digraph {}").svg).size, 0);
});

Deno.test("dotToSvg lays out a 1,000-op chain", () => {
  let x = tensor(0.5, { requiresGrad: true });
  const x0 = x;
  for (let i = 0; i < 500; i++) x = x.mul(x0).sin();
  const svg = dotToSvg(toDot(x)).svg;
  assert.equal(centers(svg).size, 1002);
});

Deno.test("plot's derivatives are the library's own", () => {
  const xs = tensor([0.5], { dtype: "float64" });
  const direct = vmap(derivative((v: Tensor) => v.tanh(), 2))(xs).item();
  assert.ok(Math.abs(direct - -2 * Math.tanh(0.5) * (1 - Math.tanh(0.5) ** 2)) < 1e-15);
});
