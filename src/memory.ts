/**
 * Scoped memory: `tidy` runs a function and gives the buffers of the tensors it made and did
 * not return back to the pool (buffer_pool.ts), `dispose` gives back the tensors it is handed,
 * so a training loop's steady state allocates nothing new. JavaScript tells no one when a
 * value dies inside synchronous code (finalizers and weak references act only after the
 * current job), so the program says it: as `tf.tidy` and `tf.dispose` in TensorFlow.js.
 *
 * A released tensor's storage is replaced by a guard that throws a
 * {@linkcode ReleasedTensorError} on any read, so a tensor kept by mistake fails loudly
 * instead of reading memory that now belongs to another tensor.
 *
 * @module
 */

import { Tensor } from "./tensor.ts";
import type { Storage } from "./dtype.ts";
import { ReleasedTensorError } from "./errors.ts";
import { fmtShape } from "./shape.ts";
import { Node } from "./autograd/node.ts";
import { residualsFor } from "./functional/custom.ts";
import { LazySeries } from "./taylor/lazy.ts";
import { heldByFunction, poolState, removeUser, type Scope } from "./buffer_pool.ts";
import { isThenable } from "./autograd/grad_mode.ts";

const released = new WeakSet<Tensor>();

/** What the guard of a released tensor's storage says: the tensor, and who released it. */
interface Released {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly by: "tidy()" | "dispose()";
}

function fail(r: Released): never {
  throw new ReleasedTensorError(
    `This ${r.dtype} tensor of shape ${fmtShape(r.shape)} was released by ${r.by} and its ` +
      `memory reused: ${
        r.by === "dispose()"
          ? "do not dispose a tensor that is still in use"
          : "return it (or a structure holding it) from the function given to tidy() to use " +
            "it afterwards"
      }`,
  );
}

/** Every read of a released tensor's storage (an element, its length, its type) throws. */
const GUARD: ProxyHandler<Released> = {
  get: fail,
  set: fail,
  has: fail,
  ownKeys: fail,
  getOwnPropertyDescriptor: fail,
  defineProperty: fail,
  deleteProperty: fail,
  getPrototypeOf: fail,
};

/** Replaces `t`'s storage by the guard and uncounts it from its buffer. */
function release(t: Tensor, by: Released["by"]): void {
  if (released.has(t)) return;
  released.add(t);
  const buffer = t._buf.buffer;
  const r: Released = { dtype: t.dtype, shape: t.shape, by };
  (t as { _buf: Storage })._buf = new Proxy(r, GUARD) as unknown as Storage;
  removeUser(buffer);
}

/**
 * Everything reachable from `roots` that a later computation may read: tensors in any array,
 * plain object, `Map` or `Set`, and from each tensor its gradient, its autograd graph (the
 * inputs, outputs and parameters of every node, custom-VJP residuals), its forward-mode
 * tangents and its vmap batch, from a lazy Taylor series what its parts read, and from a
 * function the library returned (a `vjp` pullback) the graph it runs.
 */
function reachable(roots: readonly unknown[], into: Set<Tensor>, seen: Set<object>): void {
  const stack = [...roots];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || (typeof v !== "object" && typeof v !== "function") || seen.has(v)) continue;
    seen.add(v);
    if (typeof v === "function") {
      stack.push(heldByFunction.get(v));
    } else if (v instanceof Tensor) {
      into.add(v);
      stack.push(...heldBy(v), v._gradFn, v._fw, v._bat, residualsFor(v));
    } else if (v instanceof Node) {
      stack.push(...v._inputs, v._out, v._params);
    } else if (Array.isArray(v)) {
      stack.push(...v);
    } else if (v instanceof Map) {
      for (const [k, x] of v) stack.push(k, x);
    } else if (v instanceof Set) {
      stack.push(...v);
    } else if (!ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer) && !isThenable(v)) {
      stack.push(...Object.values(v));
    }
  }
}

/**
 * What `t` took after it was made: its gradient, and for a lazy series (Taylor mode) the
 * parts made so far and the tensors its parts read.
 */
function heldBy(t: Tensor): unknown[] {
  return t instanceof LazySeries ? [t._grad, ...t.held()] : [t._grad];
}

/**
 * Runs `fn` and releases the memory of the tensors it made that its result does not hold: the
 * buffers of those with storage of their own (over 1 KiB) go back to a pool that the next
 * allocations of the same size take from, so a loop that runs each step in `tidy` stops
 * allocating after its first steps. PyTorch frees such tensors when their last reference
 * goes; JavaScript's collector does it late and gives the memory back to the system, so
 * repeated steps pay for fresh pages each time (as TensorFlow.js's `tf.tidy`).
 *
 * The result keeps what it reaches: tensors anywhere in it (arrays, objects, maps, sets), their
 * gradients and their autograd graphs (so `backward` can run later), their tangents and vmap
 * batches. A gradient that `backward` stored in the `grad` of a tensor made before the call
 * is kept too. Everything else made inside is released: using it afterwards throws a
 * {@linkcode ReleasedTensorError}. Tensors made before the call are never touched.
 * Smaller tensors are left to the garbage collector and stay usable. A `vjp` pullback keeps
 * the graph it runs; tensors that only a function of yours closes over (a hook, the function
 * given to `checkpoint` or `customVjp`) cannot be seen: make them before the call or return
 * them too.
 *
 * Calls nest: an inner call's result belongs to the outer call, which releases it unless its
 * own result keeps it. When `fn` throws, nothing is released (the outer call, if any, releases
 * what it made).
 *
 * @param fn a synchronous function
 * @returns what `fn` returned
 * @throws {TypeError} when `fn` is not a function, or returns a promise (the rest of an async
 *   function would run after the release)
 * @example A training step that reuses the last step's memory
 * ```ts
 * import { add, dispose, matmul, memoryInfo, randn, type Tensor, tidy } from "@tapegrad/core";
 * import { valueAndGrad } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const x = randn([64, 32]);
 * const loss = (w: Tensor, b: Tensor) => add(matmul(x, w), b).tanh().square().mean();
 * const vg = valueAndGrad(loss, { argnums: [0, 1] });
 * let params = [randn([32, 32]), randn([32])];
 * const step = () => {
 *   const next = tidy(() => {
 *     const [value, grads] = vg(params[0], params[1]);
 *     return { value: value.item(), params: params.map((p, i) => p.sub(grads[i].mul(0.1))) };
 *   });
 *   dispose(params, next.params); // the weights this step replaced
 *   params = next.params;
 *   return next.value;
 * };
 * const first = step();
 * step();
 * const fresh = memoryInfo().fresh;
 * assert.ok(step() < first);
 * assert.equal(memoryInfo().fresh, fresh); // the third step took all its memory from the pool
 * ```
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== "function") {
    throw new TypeError(`tidy() takes a function, got ${fn === null ? "null" : typeof fn}`);
  }
  poolState.live = true;
  const scope: Scope = { made: [], holders: [] };
  const made = scope.made as Tensor[], holders = scope.holders as Tensor[];
  const scopes = poolState.scopes;
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
    if (scopes.length > 0) scopes[scopes.length - 1].holders.push(...holders);
  }
  const outer = scopes.length > 0 ? scopes[scopes.length - 1].made : null;
  if (isThenable(result)) {
    outer?.push(...made);
    throw new TypeError(
      "tidy() takes a synchronous function: this one returned a promise, and the tensors the " +
        "rest of it uses would be released before it runs. Call tidy() inside the async code",
    );
  }
  const kept = new Set<Tensor>();
  const seen = new Set<object>();
  reachable([result], kept, seen);
  // gradients stored by backward in tensors that outlive the call; a holder reached only
  // through another one's gradient is found on a later round
  const mine = new Set(made);
  const done = new Set<Tensor>();
  for (let grew = true; grew;) {
    grew = false;
    for (const h of holders) {
      if (done.has(h) || (mine.has(h) && !kept.has(h))) continue;
      done.add(h);
      reachable(heldBy(h), kept, seen);
      grew = true;
    }
  }
  for (const t of made) {
    if (!kept.has(t)) release(t, "tidy()");
    else if (outer !== null) outer.push(t);
  }
  return result;
}

/**
 * Releases the tensors in `tree` (a tensor, or arrays and plain objects of them) now, except
 * those that also appear in `keep`: their buffers go back to the pool that {@linkcode tidy}
 * uses, once no other tensor shares them (a reshape or detached copy of a tensor shares its
 * storage). Using a disposed tensor throws a {@linkcode ReleasedTensorError}. Only the given
 * tensors are released, not their gradients or the inputs of their graph.
 *
 * Releasing is never needed for correct results: it lets a long loop reuse memory instead of
 * waiting for the garbage collector, and a mistake fails loudly instead of reading wrong values.
 *
 * @param tree tensors to release; anything else in it is ignored
 * @param keep tensors not to release even where `tree` has them: pass the new state when
 *   disposing the old one, as an update may return some of its inputs unchanged
 * @example Dispose the weights a step replaced
 * ```ts
 * import { dispose, ones, ReleasedTensorError } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const bias = ones([64]);
 * let params = { w: ones([128, 128]), bias };
 * const next = { w: params.w.mul(0.5), bias }; // the bias is carried over unchanged
 * dispose(params, next);
 * assert.throws(() => params.w.sum(), ReleasedTensorError);
 * params = next;
 * assert.equal(params.w.sum().item() + params.bias.sum().item(), 8192 + 64);
 * ```
 */
export function dispose(tree: unknown, keep?: unknown): void {
  poolState.live = true;
  const spared = new Set<Tensor>();
  tensorsIn(keep, (t) => spared.add(t));
  tensorsIn(tree, (t) => {
    if (!spared.has(t)) release(t, "dispose()");
  });
}

/** Calls `f` on each tensor in `tree`: a tensor, or nested arrays and plain objects. */
function tensorsIn(tree: unknown, f: (t: Tensor) => void): void {
  const stack = [tree];
  const seen = new Set<object>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== "object" || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Tensor) f(v);
    else if (Array.isArray(v)) stack.push(...v);
    else if (Object.getPrototypeOf(v) === Object.prototype) stack.push(...Object.values(v));
  }
}
