/**
 * DOT to SVG without Graphviz: a parser for the DOT that {@linkcode toDot} writes (and the
 * common subset of hand-written DOT: node and edge statements, attribute lists, quoted
 * strings, comments, `rankdir`), and a layered (Sugiyama-style) layout: cycles broken by a
 * depth-first search, layers by longest path, long edges split into virtual nodes,
 * crossings reduced by barycenter sweeps, and x positions pulled toward neighbors.
 *
 * @module
 */

import { escapeXml, SvgImage } from "./svg_image.ts";

interface DotNode {
  readonly id: string;
  attrs: Record<string, string>;
}

interface DotGraph {
  readonly nodes: Map<string, DotNode>;
  readonly edges: { from: string; to: string; attrs: Record<string, string> }[];
  readonly graphAttrs: Record<string, string>;
}

/** Splits DOT text into tokens: identifiers, numerals, quoted strings and punctuation. */
function tokenize(src: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) i++;
    else if (c === "/" && src[i + 1] === "/") { while (i < src.length && src[i] !== "\n") i++; }
    else if (c === "#" && (i === 0 || src[i - 1] === "\n")) {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 2;
    } else if (c === '"') {
      let j = i + 1;
      let s = "";
      while (j < src.length && src[j] !== '"') {
        if (src[j] === "\\" && j + 1 < src.length) {
          const e = src[j + 1];
          s += e === "n" || e === "l" || e === "r" ? "\n" : e;
          j += 2;
        } else s += src[j++];
      }
      if (j >= src.length) throw new SyntaxError("dotToSvg(): unterminated quoted string");
      tokens.push("\u0000" + s); // marks a quoted string
      i = j + 1;
    } else if (c === "-" && (src[i + 1] === ">" || src[i + 1] === "-")) {
      tokens.push("->");
      i += 2;
    } else if ("{}[]=;,:".includes(c)) {
      tokens.push(c);
      i++;
    } else {
      const m = /^[A-Za-z0-9_.\u0080-\uffff-]+/.exec(src.slice(i, i + 256));
      if (m === null) {
        throw new SyntaxError(`dotToSvg(): unexpected character ${JSON.stringify(c)}`);
      }
      tokens.push(m[0]);
      i += m[0].length;
    }
  }
  return tokens;
}

const text = (tok: string) => (tok.startsWith("\u0000") ? tok.slice(1) : tok);

/** Parses the DOT subset described in the module doc. */
function parse(src: string): DotGraph {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const expect = (t: string) => {
    if (toks[p] !== t) {
      throw new SyntaxError(`dotToSvg(): expected "${t}" but found ${toks[p] ?? "the end"}`);
    }
    p++;
  };
  if (peek() === "strict") p++;
  if (peek() !== "digraph" && peek() !== "graph") {
    throw new SyntaxError("dotToSvg(): the text does not start with digraph or graph");
  }
  p++;
  if (peek() !== "{") p++; // the graph's name
  expect("{");
  const graph: DotGraph = { nodes: new Map(), edges: [], graphAttrs: {} };
  const nodeDefaults: Record<string, string> = {};
  const attrList = (): Record<string, string> => {
    const attrs: Record<string, string> = {};
    while (peek() === "[") {
      p++;
      while (peek() !== "]") {
        if (peek() === undefined) throw new SyntaxError("dotToSvg(): unterminated attribute list");
        const key = text(toks[p++]);
        if (peek() === "=") {
          p++;
          attrs[key] = text(toks[p++]);
        }
        if (peek() === "," || peek() === ";") p++;
      }
      p++;
    }
    return attrs;
  };
  const node = (id: string): DotNode => {
    let n = graph.nodes.get(id);
    if (n === undefined) {
      n = { id, attrs: { ...nodeDefaults } };
      graph.nodes.set(id, n);
    }
    return n;
  };
  while (peek() !== "}") {
    const tok = toks[p++];
    if (tok === undefined) throw new SyntaxError("dotToSvg(): missing closing brace");
    if (tok === ";" || tok === ",") continue;
    if (tok === "node" || tok === "edge" || tok === "graph") {
      const attrs = attrList();
      if (tok === "node") Object.assign(nodeDefaults, attrs);
      if (tok === "graph") Object.assign(graph.graphAttrs, attrs);
      continue;
    }
    if (tok === "subgraph" || tok === "{") {
      throw new SyntaxError("dotToSvg(): subgraphs are not supported");
    }
    const id = text(tok);
    if (peek() === "=") {
      p++;
      graph.graphAttrs[id] = text(toks[p++]);
      continue;
    }
    const chain = [id];
    while (peek() === "->") {
      p++;
      chain.push(text(toks[p++]));
    }
    const attrs = attrList();
    if (chain.length === 1) Object.assign(node(id).attrs, attrs);
    else {
      for (const c of chain) node(c);
      for (let k = 0; k + 1 < chain.length; k++) {
        graph.edges.push({ from: chain[k], to: chain[k + 1], attrs });
      }
    }
  }
  return graph;
}

/** X11 gray levels (`gray40`) as CSS; other colour names pass through. */
function cssColor(c: string | undefined, fallback: string): string {
  if (c === undefined) return fallback;
  const gray = /^gr[ae]y(\d{1,3})$/.exec(c);
  if (gray !== null) {
    const v = Math.round((Number(gray[1]) / 100) * 255);
    return `rgb(${v},${v},${v})`;
  }
  return c;
}

interface LayoutNode {
  readonly key: number;
  readonly dot: DotNode | null; // null for a virtual node on a long edge
  readonly lines: string[];
  readonly w: number;
  readonly h: number;
  layer: number;
  order: number;
  x: number;
  y: number;
}

const FONT = 10;
const CHAR_W = 6.2;
const LINE_H = 13;
const LAYER_GAP = 36;
const NODE_GAP = 16;
const MAX_VIRTUAL = 2000;

/**
 * Lays out a DOT digraph (as {@linkcode toDot} writes it) as an SVG picture, with no
 * Graphviz: a layered layout with nodes drawn as boxes or ellipses in their fill colours,
 * multi-line labels and arrows. The result displays itself in `deno jupyter` notebooks.
 *
 * @param dot DOT text: node and edge statements with attribute lists (`label`, `shape`,
 *   `style`, `fillcolor`, `color`, `fontcolor`), and `rankdir=TB` or `LR`
 * @returns the picture
 * @throws {SyntaxError} for text outside the supported DOT subset
 * @example The graph of a small expression
 * ```ts
 * import { dotToSvg, tensor, toDot } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(1, { requiresGrad: true });
 * const image = dotToSvg(toDot(x.mul(x).tanh()));
 * assert.ok(image.svg.includes(">TanhBackward0</text>"));
 * assert.equal(image.svg.match(/<path data-edge=/g)?.length, 4); // x→mul twice, mul→tanh, tanh→out
 * ```
 */
export function dotToSvg(dot: string): SvgImage {
  const g = parse(dot);
  const dotNodes = [...g.nodes.values()];
  const index = new Map(dotNodes.map((n, i) => [n.id, i]));
  const n0 = dotNodes.length;
  const edges = g.edges.map((e) => ({
    from: index.get(e.from)!,
    to: index.get(e.to)!,
    attrs: e.attrs,
  }));

  // 1. break cycles: edges that close a cycle in a depth-first search are drawn reversed
  const out: number[][] = Array.from({ length: n0 }, () => []);
  edges.forEach((e, k) => out[e.from].push(k));
  const state = new Uint8Array(n0); // 0 new, 1 on the stack, 2 done
  const reversed = new Set<number>();
  for (let s = 0; s < n0; s++) {
    if (state[s] !== 0) continue;
    const stack: [number, number][] = [[s, 0]];
    state[s] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const [v, i] = top;
      if (i < out[v].length) {
        top[1]++;
        const k = out[v][i];
        const w = edges[k].to;
        if (state[w] === 1) reversed.add(k);
        else if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
        }
      } else {
        state[v] = 2;
        stack.pop();
      }
    }
  }
  const dag = edges.map((e, k) =>
    reversed.has(k)
      ? { from: e.to, to: e.from, back: true }
      : { from: e.from, to: e.to, back: false }
  ).filter((e) => e.from !== e.to);

  // 2. layers by longest path from the sources (Kahn's order)
  const layer = new Int32Array(n0);
  const indeg = new Int32Array(n0);
  const succ: number[][] = Array.from({ length: n0 }, () => []);
  for (const e of dag) {
    indeg[e.to]++;
    succ[e.from].push(e.to);
  }
  const queue: number[] = [];
  for (let v = 0; v < n0; v++) if (indeg[v] === 0) queue.push(v);
  for (let h = 0; h < queue.length; h++) {
    const v = queue[h];
    for (const w of succ[v]) {
      layer[w] = Math.max(layer[w], layer[v] + 1);
      if (--indeg[w] === 0) queue.push(w);
    }
  }

  // 3. nodes, with virtual nodes along edges that span layers
  const nodes: LayoutNode[] = dotNodes.map((d, key) => {
    const label = d.attrs.label ?? d.id;
    const lines = label.split("\n");
    const ellipse = (d.attrs.shape ?? "ellipse") !== "box" && d.attrs.shape !== "rect" &&
      d.attrs.shape !== "rectangle" && d.attrs.shape !== "record";
    const tw = Math.max(...lines.map((l) => l.length)) * CHAR_W;
    return {
      key,
      dot: d,
      lines,
      w: Math.round(ellipse ? tw * 1.2 + 24 : tw + 16),
      h: lines.length * LINE_H + (ellipse ? 14 : 10),
      layer: layer[key],
      order: 0,
      x: 0,
      y: 0,
    };
  });
  let budget = MAX_VIRTUAL;
  const routes: { path: number[]; back: boolean; attrs: Record<string, string> }[] = [];
  dag.forEach((e, k) => {
    const path = [e.from];
    const span = layer[e.to] - layer[e.from];
    if (span > 1 && span - 1 <= budget) {
      budget -= span - 1;
      for (let l = layer[e.from] + 1; l < layer[e.to]; l++) {
        nodes.push({
          key: nodes.length,
          dot: null,
          lines: [],
          w: 8,
          h: 8,
          layer: l,
          order: 0,
          x: 0,
          y: 0,
        });
        path.push(nodes.length - 1);
      }
    }
    path.push(e.to);
    routes.push({ path, back: e.back, attrs: edges[k]?.attrs ?? {} });
  });
  const up: number[][] = nodes.map(() => []);
  const down: number[][] = nodes.map(() => []);
  for (const r of routes) {
    for (let i = 0; i + 1 < r.path.length; i++) {
      down[r.path[i]].push(r.path[i + 1]);
      up[r.path[i + 1]].push(r.path[i]);
    }
  }

  // 4. order within layers: barycenter sweeps down and up
  const nLayers = nodes.reduce((m, v) => Math.max(m, v.layer + 1), 0);
  const layers: LayoutNode[][] = Array.from({ length: nLayers }, () => []);
  for (const v of nodes) layers[v.layer].push(v);
  layers.forEach((ls) => ls.forEach((v, i) => (v.order = i)));
  const sweep = (ls: LayoutNode[], nbrs: number[][]) => {
    const bary = new Map<LayoutNode, number>();
    for (const v of ls) {
      const ns = nbrs[v.key];
      bary.set(
        v,
        ns.length === 0 ? v.order : ns.reduce((s, u) => s + nodes[u].order, 0) / ns.length,
      );
    }
    ls.sort((a, b) => bary.get(a)! - bary.get(b)! || a.order - b.order);
    ls.forEach((v, i) => (v.order = i));
  };
  for (let it = 0; it < 6; it++) {
    for (let l = 1; l < nLayers; l++) sweep(layers[l], up);
    for (let l = nLayers - 2; l >= 0; l--) sweep(layers[l], down);
  }

  // 5. x: packed in order, then pulled toward the mean of the neighbours, keeping order
  for (const ls of layers) {
    let x = 0;
    for (const v of ls) {
      v.x = x + v.w / 2;
      x += v.w + NODE_GAP;
    }
  }
  const place = (ls: LayoutNode[], nbrs: number[][]) => {
    const want = ls.map((v) => {
      const ns = nbrs[v.key];
      return ns.length === 0 ? v.x : ns.reduce((s, u) => s + nodes[u].x, 0) / ns.length;
    });
    // left to right: no overlap; right to left: no overlap, as close to `want` as allowed
    for (let i = 0; i < ls.length; i++) {
      const min = i === 0 ? -Infinity : ls[i - 1].x + (ls[i - 1].w + ls[i].w) / 2 + NODE_GAP;
      ls[i].x = Math.max(want[i], min);
    }
    for (let i = ls.length - 2; i >= 0; i--) {
      const max = ls[i + 1].x - (ls[i + 1].w + ls[i].w) / 2 - NODE_GAP;
      if (ls[i].x > max) ls[i].x = max;
    }
  };
  for (let it = 0; it < 4; it++) {
    for (let l = 1; l < nLayers; l++) place(layers[l], up);
    for (let l = nLayers - 2; l >= 0; l--) place(layers[l], down);
  }

  // 6. y by layer; LR graphs are the TB layout transposed
  const layerH = layers.map((ls) => ls.reduce((m, v) => Math.max(m, v.h), 0));
  let y = 0;
  layers.forEach((ls, l) => {
    for (const v of ls) v.y = y + layerH[l] / 2;
    y += layerH[l] + LAYER_GAP;
  });
  const lr = (g.graphAttrs.rankdir ?? "TB").toUpperCase() === "LR";
  if (lr) { for (const v of nodes) [v.x, v.y] = [v.y * 1.6, v.x * 0.7]; }
  const margin = 12;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const v of nodes) {
    minX = Math.min(minX, v.x - v.w / 2);
    maxX = Math.max(maxX, v.x + v.w / 2);
    minY = Math.min(minY, v.y - v.h / 2);
    maxY = Math.max(maxY, v.y + v.h / 2);
  }
  if (nodes.length === 0) [minX, minY, maxX, maxY] = [0, 0, 0, 0];
  const r = (v: number) => Math.round(v * 10) / 10;
  for (const v of nodes) {
    v.x = r(v.x - minX + margin);
    v.y = r(v.y - minY + margin);
  }
  const width = Math.ceil(maxX - minX + 2 * margin);
  const height = Math.ceil(maxY - minY + 2 * margin);

  // 7. draw: edges first, then nodes over them
  const svg: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="${FONT}">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" ` +
    `markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="#444"/></marker></defs>`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  const port = (v: LayoutNode, toward: LayoutNode, exit: boolean): [number, number] => {
    if (v.dot === null) return [v.x, v.y];
    if (lr) return [r(v.x + (exit ? v.w / 2 : -v.w / 2)), v.y];
    const dir = toward.y >= v.y ? 1 : -1;
    return [v.x, r(v.y + (dir * v.h) / 2)];
  };
  for (const route of routes) {
    const pts = route.path.map((k) => nodes[k]);
    if (route.back) pts.reverse();
    const coords: [number, number][] = pts.map((v, i) =>
      i === 0
        ? port(v, pts[1], true)
        : i === pts.length - 1
        ? port(v, pts[i - 1], false)
        : [v.x, v.y]
    );
    let d = `M${coords[0][0]},${coords[0][1]}`;
    for (let i = 1; i < coords.length; i++) {
      const [ax, ay] = coords[i - 1];
      const [bx, by] = coords[i];
      const my = r((ay + by) / 2), mx = r((ax + bx) / 2);
      d += lr ? `C${mx},${ay} ${mx},${by} ${bx},${by}` : `C${ax},${my} ${bx},${my} ${bx},${by}`;
    }
    const color = cssColor(route.attrs.color, "#444");
    const name = `${pts[0].dot!.id}->${pts[pts.length - 1].dot!.id}`;
    svg.push(
      `<path data-edge="${escapeXml(name)}" d="${d}" fill="none" stroke="${escapeXml(color)}" ` +
        `marker-end="url(#arrow)"/>`,
    );
  }
  for (const v of nodes) {
    if (v.dot === null) continue;
    const a = v.dot.attrs;
    const styles = (a.style ?? "").split(",").map((s) => s.trim());
    const fill = styles.includes("filled")
      ? cssColor(a.fillcolor ?? a.color, "lightgray")
      : "white";
    const stroke = cssColor(a.color, "#333");
    const dash = styles.includes("dashed") ? ` stroke-dasharray="4,3"` : "";
    const paint = `data-node="${escapeXml(v.dot.id)}" fill="${escapeXml(fill)}" ` +
      `stroke="${escapeXml(stroke)}"${dash}`;
    if ((a.shape ?? "ellipse") === "box" || a.shape === "rect" || a.shape === "rectangle") {
      svg.push(
        `<rect x="${r(v.x - v.w / 2)}" y="${r(v.y - v.h / 2)}" width="${v.w}" height="${v.h}" ` +
          `rx="3" ${paint}/>`,
      );
    } else {
      svg.push(`<ellipse cx="${v.x}" cy="${v.y}" rx="${v.w / 2}" ry="${v.h / 2}" ${paint}/>`);
    }
    const color = escapeXml(cssColor(a.fontcolor, "#000"));
    v.lines.forEach((line, i) => {
      const ty = r(v.y + (i - (v.lines.length - 1) / 2) * LINE_H + FONT * 0.35);
      svg.push(
        `<text x="${v.x}" y="${ty}" text-anchor="middle" fill="${color}">${escapeXml(line)}</text>`,
      );
    });
  }
  svg.push("</svg>");
  return new SvgImage(svg.join("\n") + "\n");
}
