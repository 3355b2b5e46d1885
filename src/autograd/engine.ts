/**
 * The backward engine. It orders the graph by an iterative depth-first walk (no recursion,
 * so a chain of a million operations works), skips nodes that lead to no requested
 * gradient, and runs each node's vector-Jacobian product under no-grad, or recorded when
 * `createGraph` is set, so that gradients can be differentiated again.
 *
 * @module
 */

import { AutogradError, ShapeError } from "../errors.ts";
import { fmtShape, shapesEqual } from "../shape.ts";
import { Tensor, type TensorLike } from "../tensor.ts";
import { add } from "../ops/arithmetic.ts";
import { filled } from "../ops/shape.ts";
import { setGradEnabled } from "./grad_mode.ts";
import type { Node } from "./node.ts";
import { conformGrad } from "./conform.ts";
import { noteGrad } from "../buffer_pool.ts";

/** Options of {@linkcode Tensor.backward} and {@linkcode backward}. */
export interface BackwardOptions {
  /** Keep the graph so that another backward can run through it (default: `createGraph`). */
  readonly retainGraph?: boolean;
  /** Record the backward pass, so that the gradients can be differentiated again. */
  readonly createGraph?: boolean;
  /** Accumulate only into these leaves (default: every leaf that requires grad). */
  readonly inputs?: Tensor | readonly Tensor[];
}

/** Options of {@linkcode autogradGrad}. */
export interface AutogradGradOptions {
  /** The gradient of each output (the vector of a vector-Jacobian product); ones for scalars. */
  readonly gradOutputs?: TensorLike | readonly (TensorLike | null | undefined)[] | null;
  /** Keep the graph so that another backward can run through it (default: `createGraph`). */
  readonly retainGraph?: boolean;
  /** Record the gradient computation, so that the gradients can be differentiated again. */
  readonly createGraph?: boolean;
  /** Return `null` for an input the outputs do not depend on, instead of throwing. */
  readonly allowUnused?: boolean;
  /** Return zeros instead of `null` for unused inputs (implies `allowUnused`). */
  readonly materializeGrads?: boolean;
}

let passCounter = 0;
/** How many passes are running now: a pass started inside another (a custom rule's) is nested. */
let running = 0;

/**
 * Per-pass state: for nodes it lives on the node (the engine's own object, read in the
 * hottest loop); for leaves, which are user values, in maps local to the pass. A pass
 * started inside another one (checkpoint and custom-JVP rules run a backward of their own)
 * may walk nodes the outer pass is using, so it records their state here on first touch and
 * puts it back when it ends.
 */
class Saved {
  readonly nodes: Node[] = [];
  readonly nodeState: [number, boolean, Tensor | null, number][] = [];
  node(n: Node): void {
    this.nodes.push(n);
    this.nodeState.push([n._visit, n._needed, n._g, n._target]);
    n._g = null;
  }
  restore(): void {
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i];
      [n._visit, n._needed, n._g, n._target] = this.nodeState[i];
    }
  }
}

/** `g` after `x`'s hooks (registerHook), each of which may replace it. */
function runHooks(x: Tensor, g: Tensor): Tensor {
  const hooks = x._hooks;
  if (hooks === null) return g;
  let r = g;
  for (const hook of hooks.slice()) {
    const h = hook(r);
    if (h === undefined || h === null) continue;
    if (!(h instanceof Tensor) || !shapesEqual(h.shape, r.shape)) {
      throw new ShapeError(
        `A hook registered with registerHook() on a tensor of shape ${fmtShape(x.shape)} ` +
          `returned ${h instanceof Tensor ? `shape ${fmtShape(h.shape)}` : String(h)}; a ` +
          `replacement gradient must be a tensor of the gradient's shape`,
      );
    }
    r = h;
  }
  return r;
}

function asList<T>(x: T | readonly T[]): readonly T[] {
  return Array.isArray(x) ? x : [x as T];
}

/** The gradient to seed a root with: ones for a scalar, else the given one, checked. */
function seedFor(root: Tensor, given: TensorLike | null | undefined, index: number, op: string) {
  if (
    given !== null && given !== undefined && typeof given !== "number" && !(given instanceof Tensor)
  ) {
    throw new TypeError(
      `${op}: the gradient for output ${index} must be a Tensor or a number; got ` +
        `${Array.isArray(given) ? "an array (wrap it in tensor(...))" : typeof given}`,
    );
  }
  if (given === null || given === undefined) {
    if (root.numel !== 1) {
      throw new AutogradError(
        `${op} on a tensor of shape ${fmtShape(root.shape)} needs a gradient of that shape: ` +
          `the gradient can be created implicitly only for outputs with one element`,
      );
    }
    return filled(root.shape, root.dtype, 1);
  }
  const g = typeof given === "number" ? filled(root.shape, root.dtype, given) : given;
  if (!shapesEqual(g.shape, root.shape)) {
    throw new ShapeError(
      `In ${op}, the gradient for output ${index} has shape ${fmtShape(g.shape)} but the ` +
        `output has shape ${fmtShape(root.shape)}; they must match`,
    );
  }
  return g.dtype === root.dtype ? g : g.to(root.dtype);
}

function checkRoot(root: Tensor, index: number, op: string): void {
  if (!(root instanceof Tensor)) {
    throw new TypeError(`${op} expects tensors; output ${index} is ${String(root)}`);
  }
  if (root._bat !== null) {
    throw new AutogradError(
      `${op}: output ${index} is a batched tensor inside vmap(); backward passes cannot run ` +
        `inside a vmapped function (as torch.func). Use grad() or vjp() there instead`,
    );
  }
  if (!root._requiresGrad) {
    throw new AutogradError(
      `${op}: output ${index} does not require grad and has no gradFn. Set requiresGrad on ` +
        `the leaves it is computed from (e.g. tensor(..., { requiresGrad: true })) before ` +
        `computing it, and do not compute it under noGrad()`,
    );
  }
}

/** Throws unless input `index` of `autogradGrad()`, `t`, is a tensor that requires grad. */
function checkTarget(t: Tensor, index: number): void {
  if (!(t instanceof Tensor) || !t._requiresGrad) {
    throw new AutogradError(
      `autogradGrad(): input ${index} does not require grad, so no gradient can be computed ` +
        `for it; set requiresGrad on it before computing the outputs`,
    );
  }
}

/** Adds `g` to `t.grad` (or sets it), and notes it for an open `tidy`, which keeps it. */
function accumulateGrad(t: Tensor, g: Tensor): void {
  t._grad = t._grad === null ? g : add(t._grad, g);
  noteGrad(t);
}

/**
 * Runs one backward pass from `roots` seeded with `seeds`. With `targets`, gradients are
 * returned for those tensors; with `accumulate`, they are added to the `grad` of the leaves
 * (all leaves that require grad when `targets` is null).
 */
function execute(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  targets: readonly Tensor[] | null,
  accumulate: boolean,
  createGraph: boolean,
  retainGraph: boolean,
): (Tensor | null)[] {
  const pass = ++passCounter;
  const saved = running > 0 ? new Saved() : null;
  running++;
  try {
    return run(pass, saved, roots, seeds, targets, accumulate, createGraph, retainGraph);
  } finally {
    running--;
    saved?.restore();
  }
}

/**
 * Whether pass `pass` needs the gradient of `x`; `leaves` are the leaves it computes
 * gradients for (null: all). Functions of the module rather than closures made per pass: a
 * new closure is a new call target, and V8 deoptimizes the node loop that calls it (once or
 * more per pass of a long chain, which then runs unoptimized until it is compiled again).
 */
function inputNeeded(
  x: Tensor,
  pass: number,
  accumulate: boolean,
  leaves: ReadonlySet<Tensor> | null,
): boolean {
  if (!x._requiresGrad) return false;
  const n = x._gradFn;
  if (n !== null) return n._needed || n._target === pass || (accumulate && x._retainsGrad);
  return leaves === null || leaves.has(x);
}

/** {@linkcode inputNeeded} of each of `inputs`. */
function needsOf(
  inputs: readonly Tensor[],
  pass: number,
  accumulate: boolean,
  leaves: ReadonlySet<Tensor> | null,
): boolean[] {
  // array literals for the common arities: this runs once per node of every backward
  if (inputs.length === 1) return [inputNeeded(inputs[0], pass, accumulate, leaves)];
  if (inputs.length === 2) {
    return [
      inputNeeded(inputs[0], pass, accumulate, leaves),
      inputNeeded(inputs[1], pass, accumulate, leaves),
    ];
  }
  const needs: boolean[] = [];
  for (let i = 0; i < inputs.length; i++) {
    needs.push(inputNeeded(inputs[i], pass, accumulate, leaves));
  }
  return needs;
}

/** Adds `g` to the gradient of leaf `x` in `leafGrads`. */
function toLeaf(leafGrads: Map<Tensor, Tensor>, x: Tensor, g: Tensor): void {
  const prev = leafGrads.get(x);
  leafGrads.set(x, prev === undefined ? g : add(prev, g));
}

function run(
  pass: number,
  saved: Saved | null,
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  targets: readonly Tensor[] | null,
  accumulate: boolean,
  createGraph: boolean,
  retainGraph: boolean,
): (Tensor | null)[] {
  // the leaves whose gradients this pass computes (null: all), and the gradients they receive
  let leaves: Set<Tensor> | null = null;
  const leafGrads = new Map<Tensor, Tensor>();
  if (targets !== null) {
    leaves = new Set();
    for (const t of targets) {
      if (t._gradFn !== null) {
        if (saved !== null) saved.node(t._gradFn);
        t._gradFn._target = pass;
      } else leaves.add(t);
    }
  }

  // 1. Post-order walk: every node comes after the nodes of its inputs.
  const order: Node[] = [];
  const stackN: Node[] = [];
  const stackI: number[] = [];
  for (const r of roots) {
    const n = r._gradFn;
    if (n !== null && n._visit !== pass) {
      if (saved !== null) saved.node(n);
      n._visit = pass;
      stackN.push(n);
      stackI.push(0);
    }
  }
  while (stackN.length > 0) {
    const top = stackN.length - 1;
    const node = stackN[top];
    const i = stackI[top];
    const inputs = node._inputs;
    if (i < inputs.length) {
      // the next input with an unvisited node (constants and leaves have none)
      let j = i;
      let child: Node | null = null;
      while (j < inputs.length && child === null) {
        const c = inputs[j++]._gradFn;
        if (c !== null && c._visit !== pass) child = c;
      }
      stackI[top] = j;
      if (child !== null) {
        if (saved !== null) saved.node(child);
        child._visit = pass;
        stackN.push(child);
        stackI.push(0);
      }
      continue;
    }
    stackN.pop();
    stackI.pop();
    let needed = false;
    for (let k = 0; k < inputs.length; k++) {
      if (inputNeeded(inputs[k], pass, accumulate, leaves)) {
        needed = true;
        break;
      }
    }
    node._needed = needed;
    order.push(node);
  }

  // 2. Seed the roots and run the nodes from the outputs towards the leaves.
  const nodeResults = new Map<Node, Tensor>();
  const previousMode = setGradEnabled(createGraph);
  try {
    for (let r = 0; r < roots.length; r++) {
      const n = roots[r]._gradFn;
      if (n === null) toLeaf(leafGrads, roots[r], seeds[r]);
      else n._g = n._g === null ? seeds[r] : add(n._g, seeds[r]);
    }
    for (let k = order.length - 1; k >= 0; k--) {
      const node = order[k];
      const g0 = node._g;
      if (g0 === null) continue;
      node._g = null;
      const out = node._out as Tensor;
      const g = out._hooks === null ? g0 : runHooks(out, g0);
      if (node._target === pass) nodeResults.set(node, g);
      if (accumulate && out._retainsGrad) {
        const gg = createGraph ? g : g.detach();
        accumulateGrad(out, gg);
      }
      if (!node._needed) continue;
      const rule = node._rule;
      if (node._freed && node._saves) {
        throw new AutogradError(
          `Trying to backward through the graph a second time: the values saved by ` +
            `${node.name} were freed by an earlier backward. Pass { retainGraph: true } to ` +
            `the first backward() or autogradGrad() to keep them`,
        );
      }
      const inputs = node._inputs;
      const needs = needsOf(inputs, pass, accumulate, leaves);
      const grads = rule.vjp(g, inputs, out, node._params, needs);
      for (let i = 0; i < inputs.length; i++) {
        const gi = grads[i];
        if (gi === null || gi === undefined || !needs[i]) continue;
        const x = inputs[i];
        const gx = conformGrad(gi, x);
        const n = x._gradFn;
        if (n !== null) n._g = n._g === null ? gx : add(n._g, gx);
        else toLeaf(leafGrads, x, gx);
      }
      if (!retainGraph) node._freed = true;
    }
    for (const [x, acc] of leafGrads) if (x._hooks !== null) leafGrads.set(x, runHooks(x, acc));
    if (accumulate) {
      for (const [x, acc] of leafGrads) {
        if (leaves !== null && !leaves.has(x)) continue;
        const g = createGraph ? acc : (acc._requiresGrad ? acc.detach() : acc);
        accumulateGrad(x, g);
      }
      // a non-leaf named in `inputs` gets its gradient in `grad` too, as in PyTorch (one that
      // retains its gradient got it above already)
      for (const t of targets ?? []) {
        const g = t._gradFn === null || t._retainsGrad ? undefined : nodeResults.get(t._gradFn);
        if (g === undefined) continue;
        const gg = createGraph ? g : g.detach();
        accumulateGrad(t, gg);
      }
    }
    if (targets === null) return [];
    return targets.map((t) => {
      if (t._gradFn !== null) return nodeResults.get(t._gradFn) ?? null;
      return leafGrads.get(t) ?? null;
    });
  } finally {
    setGradEnabled(previousMode);
    for (const node of order) node._g = null;
  }
}

/**
 * Computes the gradients of `tensors` with respect to the graph's leaves and adds them to
 * the leaves' `grad` (PyTorch's `torch.autograd.backward`).
 *
 * @param tensors the outputs to differentiate
 * @param gradTensors the gradient of each output (required for non-scalar outputs)
 * @param options `retainGraph`, `createGraph`, and `inputs` to restrict the leaves
 * @throws {AutogradError} when an output does not require grad, is non-scalar without a
 *   gradient, or its graph was freed
 * @throws {ShapeError} when a gradient has the wrong shape
 * @example Backward from two outputs at once
 * ```ts
 * import { backward, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(3, { requiresGrad: true });
 * backward([x.mul(2), x.pow(2)]);
 * assert.equal(x.grad?.item(), 2 + 6);
 * ```
 */
export function backward(
  tensors: Tensor | readonly Tensor[],
  gradTensors?: TensorLike | readonly (TensorLike | null | undefined)[] | null,
  options: BackwardOptions = {},
): void {
  const roots = asList(tensors);
  if (
    tensors instanceof Tensor && Array.isArray(gradTensors) && !(gradTensors[0] instanceof Tensor)
  ) {
    // `backward(y, [0.1, 1])` from plain JavaScript: not a list of seeds for one output
    throw new TypeError(
      `backward(): the gradient of one output must be a Tensor (or a number); got an array ` +
        `of ${gradTensors.length} entries. Wrap the values in tensor(...)`,
    );
  }
  const given = gradTensors === undefined || gradTensors === null
    ? []
    : Array.isArray(gradTensors)
    ? gradTensors
    : [gradTensors as TensorLike];
  roots.forEach((r, i) => checkRoot(r, i, "backward()"));
  if (given.length > roots.length) {
    throw new RangeError(
      `backward(): ${given.length} gradients for ${roots.length} output(s); give one per output`,
    );
  }
  const seeds = roots.map((r, i) => seedFor(r, given[i], i, "backward()"));
  const createGraph = options.createGraph ?? false;
  const targets = options.inputs === undefined ? null : asList(options.inputs);
  execute(roots, seeds, targets, true, createGraph, options.retainGraph ?? createGraph);
}

/**
 * Computes and returns the gradients of `outputs` with respect to `inputs`, without touching
 * any `grad` (PyTorch's `torch.autograd.grad`). Inputs may be leaves or computed tensors.
 *
 * @param outputs the tensors to differentiate
 * @param inputs the tensors to differentiate with respect to
 * @param options `gradOutputs` (needed for non-scalar outputs), `createGraph` to make the
 *   gradients differentiable, `retainGraph`, `allowUnused`, `materializeGrads`
 * @returns one gradient per input, `null` for an unused input when `allowUnused` is set
 * @throws {AutogradError} when an output does not require grad, an input was not used
 *   (without `allowUnused`), or the graph was freed
 * @example Second derivative of x³ at 2
 * ```ts
 * import { autogradGrad, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = tensor(2, { requiresGrad: true, dtype: "float64" });
 * const [dy] = autogradGrad(x.pow(3), x, { createGraph: true });
 * const [d2y] = autogradGrad(dy!, x);
 * assert.equal(dy!.item(), 12);
 * assert.equal(d2y!.item(), 12);
 * ```
 */
export function autogradGrad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: AutogradGradOptions = {},
): (Tensor | null)[] {
  const roots = asList(outputs);
  const targets = asList(inputs);
  const g = options.gradOutputs;
  const given = g === undefined || g === null ? [] : Array.isArray(g) ? g : [g as TensorLike];
  roots.forEach((r, i) => checkRoot(r, i, "autogradGrad()"));
  targets.forEach(checkTarget);
  const seeds = roots.map((r, i) => seedFor(r, given[i], i, "autogradGrad()"));
  const createGraph = options.createGraph ?? false;
  const results = execute(
    roots,
    seeds,
    targets,
    false,
    createGraph,
    options.retainGraph ?? createGraph,
  );
  return results.map((r, i) => {
    if (r !== null) return r;
    if (options.materializeGrads) return filled(targets[i].shape, targets[i].dtype, 0);
    if (options.allowUnused) return null;
    throw new AutogradError(
      `autogradGrad(): input ${i} (shape ${fmtShape(targets[i].shape)}) was not used to ` +
        `compute the outputs; pass { allowUnused: true } to get null for it`,
    );
  });
}

/**
 * @ignore `autogradGrad(root, targets, { gradOutputs: seed, createGraph, retainGraph: true,
 * materializeGrads: true })` for one output: the functional transforms' call (nested `grad`
 * makes one at every level), without the option object and the lists and closures of the
 * general entry point. The same checks, errors and results.
 */
export function gradsOf(
  root: Tensor,
  targets: readonly Tensor[],
  seed: Tensor,
  createGraph: boolean,
): Tensor[] {
  checkRoot(root, 0, "autogradGrad()");
  for (let i = 0; i < targets.length; i++) checkTarget(targets[i], i);
  const results = execute(
    [root],
    [seedFor(root, seed, 0, "autogradGrad()")],
    targets,
    false,
    createGraph,
    true,
  );
  for (let i = 0; i < results.length; i++) {
    if (results[i] === null) results[i] = filled(targets[i].shape, targets[i].dtype, 0);
  }
  return results as Tensor[];
}
