/**
 * MAML on sine regression (Finn et al., 2017): a 1-40-40-1 ReLU network learns an
 * initialization from which one SGD step on 10 points of a new sine wave (amplitude in
 * [0.1, 5], phase in [0, π]) fits that wave. The inner step is `optim.sgd`'s update on a
 * gradient taken inside the outer `grad`, so it is on the tape and the meta-gradient has
 * the second-order term (the Hessian of the inner loss); first-order MAML detaches the inner
 * gradient and drops that term. Both meta-train with Adam on the same tasks.
 *
 * `deno run examples/maml_sine.ts`
 *
 * @module
 */

import { Generator, grad, mseLoss, nn, optim, type Tensor, tensor, tree } from "../mod.ts";

const f64 = { dtype: "float64" } as const;

/** One sine task: support and query points. */
export interface Task {
  readonly xs: Tensor;
  readonly ys: Tensor;
  readonly xq: Tensor;
  readonly yq: Tensor;
}

/** A random task with `k` support and `k` query points from `g`. */
export function sampleTask(g: Generator, k = 10): Task {
  const amp = 0.1 + 4.9 * g.uniform();
  const phase = Math.PI * g.uniform();
  const points = () => {
    const x = Array.from({ length: k }, () => -5 + 10 * g.uniform());
    return [
      tensor(x.map((v) => [v]), f64),
      tensor(x.map((v) => [amp * Math.sin(v - phase)]), f64),
    ] as const;
  };
  const [xs, ys] = points();
  const [xq, yq] = points();
  return { xs, ys, xq, yq };
}

/** The network. */
export type Params = nn.MlpParams;

/** The mean squared error of the network on `(x, y)`. */
export function taskLoss(p: Params, x: Tensor, y: Tensor): Tensor {
  return mseLoss(nn.mlp.apply(p, x), y);
}

/** Parameters after `steps` SGD steps on the support set; `firstOrder` detaches the gradient. */
export function adapt(
  p: Params,
  task: Task,
  options: { innerLr?: number; steps?: number; firstOrder?: boolean } = {},
): Params {
  const { innerLr = 0.01, steps = 1, firstOrder = false } = options;
  const inner = optim.sgd({ lr: innerLr });
  let params = p;
  let state = inner.init(params);
  for (let s = 0; s < steps; s++) {
    let g = grad(taskLoss)(params, task.xs, task.ys);
    if (firstOrder) g = tree.map((t: Tensor) => t.detach(), g);
    ({ params, state } = inner.update(g, state, params));
  }
  return params;
}

/** The meta-loss: the mean query loss after adapting to each task. */
export function metaLoss(p: Params, tasks: readonly Task[], firstOrder = false): Tensor {
  return tasks
    .map((t) => taskLoss(adapt(p, t, { firstOrder }), t.xq, t.yq))
    .reduce((a, b) => a.add(b))
    .div(tasks.length);
}

/** Meta-gradient of {@linkcode metaLoss} (second-order, or first-order MAML). */
export function metaGrad(p: Params, tasks: readonly Task[], firstOrder = false): Params {
  return grad((q: Params) => metaLoss(q, tasks, firstOrder))(p);
}

/** Meta-trains for `iterations` steps of Adam on batches of `batch` tasks; returns the parameters. */
export function metaTrain(
  options: {
    firstOrder?: boolean;
    iterations?: number;
    batch?: number;
    seed?: number;
    hidden?: number;
  } = {},
): Params {
  const { firstOrder = false, iterations = 100, batch = 4, seed = 0, hidden = 40 } = options;
  const g = new Generator(seed);
  let params = nn.mlp.init({ sizes: [1, hidden, hidden, 1], dtype: "float64" }, seed);
  const opt = optim.adam({ lr: 1e-3 });
  let state = opt.init(params);
  for (let i = 0; i < iterations; i++) {
    const tasks = Array.from({ length: batch }, () => sampleTask(g));
    ({ params, state } = opt.update(metaGrad(params, tasks, firstOrder), state, params));
  }
  return params;
}

/** The mean query loss after one adaptation step on `tasks` (held-out evaluation). */
export function evaluate(p: Params, tasks: readonly Task[]): number {
  return metaLoss(p, tasks).item();
}

/** Trains both variants briefly and prints their held-out losses. */
export function main(iterations = 300): { secondOrder: number; firstOrder: number; init: number } {
  const heldOut = Array.from({ length: 20 }, (_, i) => sampleTask(new Generator(1000 + i)));
  const init = evaluate(nn.mlp.init({ sizes: [1, 40, 40, 1], dtype: "float64" }, 0), heldOut);
  const secondOrder = evaluate(metaTrain({ iterations }), heldOut);
  const firstOrder = evaluate(metaTrain({ iterations, firstOrder: true }), heldOut);
  console.log(
    `held-out loss after one step: init ${init.toFixed(3)}, MAML ${secondOrder.toFixed(3)}, ` +
      `first-order MAML ${firstOrder.toFixed(3)}`,
  );
  return { secondOrder, firstOrder, init };
}

if (import.meta.main) main();
