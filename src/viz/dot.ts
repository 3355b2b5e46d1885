/**
 * Graphviz export of the tape: `toDot(y)` renders the operations recorded on the way to `y`
 * (and, for a gradient taken with `createGraph`, the recorded backward pass itself) as DOT
 * text, in the spirit of DeZero's `plot_dot_graph` and PyTorch's torchviz.
 *
 * @module
 */

import type { Tensor } from "../tensor.ts";
import type { Node } from "../autograd/node.ts";
import { fmtShape } from "../shape.ts";

/** Options of {@linkcode toDot}. */
export interface DotOptions {
  /** Label tensors with shape and dtype, and draw constant inputs too (default false). */
  readonly verbose?: boolean;
  /** The graph's name (default "tapegrad"). */
  readonly name?: string;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function describe(t: Tensor): string {
  return `${fmtShape(t.shape)} ${t.dtype}`;
}

/**
 * The computation graph reachable from `y` as Graphviz DOT text: one box per recorded
 * operation, labelled with its `gradFn` name (`MulBackward0`, ...), one `AccumulateGrad` oval per
 * leaf that requires grad, edges in the forward direction, and `y` itself at the bottom. The walk is
 * iterative (graphs of any depth) and node ids are numbered in walk order, so the output is
 * deterministic. Render it with `dot -Tsvg graph.dot -o graph.svg`.
 *
 * @param y the tensor whose history to draw
 * @param options `verbose` adds shapes, dtypes and constant inputs
 * @returns the DOT source
 * @example The graph of a small expression
 * ```ts
 * import { tensor, toDot } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(1, { requiresGrad: true });
 * const dot = toDot(x.mul(x).tanh());
 * assert.ok(dot.startsWith("digraph tapegrad {"));
 * assert.ok(dot.includes("TanhBackward0") && dot.includes("MulBackward0"));
 * ```
 */
export function toDot(y: Tensor, options: DotOptions = {}): string {
  const { verbose = false, name = "tapegrad" } = options;
  const lines: string[] = [
    `digraph ${name} {`,
    `  rankdir=TB;`,
    `  node [fontname="Helvetica", fontsize=10];`,
  ];
  const ids = new Map<Node | Tensor, string>();
  let counter = 0;
  const id = (k: Node | Tensor, make: (i: string) => void): string => {
    let v = ids.get(k);
    if (v === undefined) {
      v = `n${counter++}`;
      ids.set(k, v);
      make(v);
    }
    return v;
  };
  const tensorNode = (t: Tensor, kind: "leaf" | "const" | "output"): string =>
    id(t, (i) => {
      const label = kind === "leaf"
        ? (verbose ? `AccumulateGrad\n${describe(t)}` : "AccumulateGrad")
        : kind === "output"
        ? (verbose ? `output\n${describe(t)}` : "output")
        : (t.numel === 1 ? `const ${formatScalar(t)}` : `const\n${describe(t)}`);
      const style = kind === "leaf"
        ? `shape=ellipse, style=filled, fillcolor="#dbe9f6"`
        : kind === "output"
        ? `shape=ellipse, style=filled, fillcolor="#e3f2d9"`
        : `shape=ellipse, style=dashed, color=gray40, fontcolor=gray40`;
      lines.push(`  ${i} [label=${quote(label)}, ${style}];`);
    });
  const opNode = (n: Node): string =>
    id(n, (i) => {
      const label = verbose && n._out !== null ? `${n.name}\n${describe(n._out)}` : n.name;
      lines.push(`  ${i} [label=${quote(label)}, shape=box, style=filled, fillcolor="#f6e7c8"];`);
    });

  const edges: string[] = [];
  const root = y.gradFn;
  const out = tensorNode(y, "output");
  if (root === null) return lines.concat("}").join("\n") + "\n";
  edges.push(`  ${opNode(root)} -> ${out};`);
  const queue: Node[] = [root];
  const seen = new Set<Node>([root]);
  for (let head = 0; head < queue.length; head++) {
    const n = queue[head];
    const me = opNode(n);
    for (const input of n._inputs) {
      const producer = input.gradFn;
      if (producer !== null) {
        edges.push(`  ${opNode(producer)} -> ${me};`);
        if (!seen.has(producer)) {
          seen.add(producer);
          queue.push(producer);
        }
      } else if (input.requiresGrad) {
        edges.push(`  ${tensorNode(input, "leaf")} -> ${me};`);
      } else if (verbose) {
        edges.push(`  ${tensorNode(input, "const")} -> ${me};`);
      }
    }
  }
  // concat, not push(...edges): spreading 100,000 arguments overflows the stack
  return lines.concat(edges, "}").join("\n") + "\n";
}

function formatScalar(t: Tensor): string {
  const v = t._buf[0];
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}
