/** Optimizers against PyTorch 1.13's torch.optim (tests/fixtures/gen_optim.py), and their tape. */

import assert from "node:assert/strict";
import { grad, optim, type Tensor, tensor, tree, TreeError } from "../../mod.ts";
import data from "../fixtures/optim.json" with { type: "json" };

// deno-lint-ignore no-explicit-any
const fixture: any = data;
const f64 = { dtype: "float64" } as const;
const X = tensor(fixture.X, f64);
const Y = tensor(fixture.Y, f64);

type P = { w: Tensor; b: Tensor };
/** The fixture's loss: mean((X w + b − Y)²) + 0.1 Σw⁴ + 0.05 Σ sin b. */
const loss = (p: P) =>
  X.matmul(p.w).add(p.b).sub(Y).pow(2).mean().add(p.w.pow(4).sum().mul(0.1)).add(
    p.b.sin().sum().mul(0.05),
  );
const start = (): P => ({ w: tensor(fixture.W0, f64), b: tensor(fixture.B0, f64) });
const flat = (p: P) => tree.ravel({ a: p.w, b: p.b })[0].toArray() as number[];

function assertTrajectory(got: number[][], want: number[][], name: string, rel = 1e-12) {
  assert.equal(got.length, want.length);
  let worst = 0;
  got.forEach((row, s) =>
    row.forEach((v, i) => {
      const w = want[s][i];
      const err = Math.abs(v - w) / Math.max(Math.abs(w), 1e-3);
      worst = Math.max(worst, err);
      assert.ok(err <= rel, `${name}: step ${s + 1}, entry ${i}: ${v} vs ${w} (rel ${err})`);
    })
  );
  return worst;
}

type Factory = (o: Record<string, unknown>) => optim.Optimizer<unknown>;
const FACTORIES: Record<string, Factory> = {
  sgd: optim.sgd as unknown as Factory,
  adam: optim.adam as unknown as Factory,
  adamw: optim.adamw as unknown as Factory,
  rmsprop: optim.rmsprop as unknown as Factory,
  adagrad: optim.adagrad as unknown as Factory,
};
const SCHEDULES: Record<string, (lr: number, o: never) => optim.Schedule> = {
  stepLR: optim.stepLR,
  exponentialLR: optim.exponentialLR,
  cosineAnnealingLR: optim.cosineAnnealingLR,
  multiStepLR: optim.multiStepLR,
};

Deno.test("optimizers follow torch.optim's 50-step float64 trajectories to 1e-12", async (t) => {
  for (const [name, c] of Object.entries(fixture.cases) as [string, Record<string, never>][]) {
    await t.step(name, () => {
      const options = { ...(c.options as Record<string, unknown>) };
      let lrs: number[] | null = null;
      if (c.schedule) {
        const base = (options.lr as number | undefined) ??
          { adam: 1e-3, adamw: 1e-3, rmsprop: 1e-2, adagrad: 1e-2, sgd: NaN }[c.optimizer];
        const sched = SCHEDULES[c.schedule](base, c.scheduleOptions);
        options.lr = sched;
        lrs = (c.lrs as number[]).map((_, i) => sched(i) as number);
        (c.lrs as number[]).forEach((want, i) =>
          assert.ok(
            Math.abs(lrs![i] - want) <= 1e-12 * Math.abs(want),
            `${name} lr at ${i}: ${lrs![i]} vs ${want}`,
          )
        );
      }
      const opt = FACTORIES[c.optimizer](options);
      let params = start();
      let state = opt.init(params);
      const traj: number[][] = [];
      for (let s = 0; s < fixture.steps; s++) {
        let g = grad(loss)(params);
        if (c.clip !== null && c.clip !== undefined) g = optim.clipByGlobalNorm(g, c.clip);
        ({ params, state } = opt.update(g, state, params));
        traj.push(flat(params));
      }
      assertTrajectory(traj, c.trajectory, name);
    });
  }
});

Deno.test("L-BFGS follows torch.optim.LBFGS (fixed steps and strong Wolfe), evaluations included", async (t) => {
  for (const [name, c] of Object.entries(fixture.lbfgs) as [string, Record<string, never>][]) {
    await t.step(name, () => {
      const opt = optim.lbfgs(c.options);
      let params = start();
      let state = opt.init(params);
      const traj: number[][] = [], losses: number[] = [], evals: number[] = [];
      for (let s = 0; s < (c.trajectory as unknown[]).length; s++) {
        let l: number;
        ({ params, state, loss: l } = opt.step(loss, state, params));
        traj.push(flat(params));
        losses.push(l);
        evals.push(state.funcEvals);
      }
      assert.deepEqual(evals, c.funcEvals);
      // near the optimum the quasi-Newton steps amplify last-bit differences of the gradients
      // and dot products (torch's BLAS sums in another order): 5.4e-12 at worst, measured
      assertTrajectory(traj, c.trajectory, name, 1e-11);
      assertTrajectory([losses], [c.losses], `${name} losses`, 1e-12);
    });
  }
});

Deno.test("unknown or ill-typed options are typed errors naming the function", () => {
  assert.throws(
    () => optim.adam({ learningRate: 0.1 } as never),
    (e: Error) =>
      e instanceof TypeError && e.message.startsWith("optim.adam():") &&
      e.message.includes('"learningRate"') && e.message.includes("lr, betas"),
  );
  assert.throws(() => optim.sgd({} as never), /optim\.sgd\(\): the option "lr" is required/);
  assert.throws(() => optim.sgd({ lr: 0.1, momentum: "0.9" } as never), /optim\.sgd\(\).*momentum/);
  assert.throws(() => optim.sgd({ lr: 0.1, nesterov: true }), RangeError);
  assert.throws(() => optim.adamw({ betas: [1, 0.9] }), /optim\.adamw\(\): invalid beta/);
  assert.throws(() => optim.rmsprop({ lr: -1 }), RangeError);
  assert.throws(
    () => optim.adagrad({ lr_decay: 0.1 } as never),
    /optim\.adagrad\(\): unknown option "lr_decay"/,
  );
  assert.throws(() => optim.lbfgs({ lineSearch: "armijo" } as never), /optim\.lbfgs\(\)/);
  assert.throws(() => optim.lbfgs({ line_search_fn: "strong_wolfe" } as never), TypeError);
  assert.throws(() => optim.stepLR(0.1, { step_size: 3 } as never), /optim\.stepLR\(\)/);
  // gradients of another structure: both paths
  const opt = optim.sgd({ lr: 0.1 });
  const params = { w: tensor([1]), b: tensor([2]) };
  assert.throws(
    () => opt.update({ w: tensor([1]), c: tensor([2]) }, opt.init(params), params),
    (e: Error) =>
      e instanceof TreeError && e.message.startsWith("optim.sgd().update()") &&
      e.message.includes(".b") && e.message.includes(".c"),
  );
  assert.throws(
    () => opt.update({ w: tensor([1, 2]), b: tensor([2]) }, opt.init(params), params),
    RangeError,
  );
});

Deno.test("imperative style: leaves that require grad come back as fresh leaves, no tape kept", () => {
  const opt = optim.adam({ lr: 0.1 });
  let params = { w: tensor([1, 2], { ...f64, requiresGrad: true }) };
  let state = opt.init(params);
  for (let i = 0; i < 3; i++) {
    params.w.pow(2).sum().backward();
    ({ params, state } = opt.update({ w: params.w.grad! }, state, params));
    assert.ok(params.w.requiresGrad);
    assert.equal(params.w.gradFn, null);
    assert.equal(
      (state as optim.AdamState & { expAvg: { w: Tensor } }).expAvg.w.requiresGrad,
      false,
    );
  }
});

/** Validation loss after `k` inner SGD-with-momentum steps from w0 with learning rate `lr`. */
function unrolled(lr: Tensor | number, k: number): Tensor {
  const opt = optim.sgd({ lr, momentum: 0.5 });
  let params = start();
  let state = opt.init(params);
  for (let i = 0; i < k; i++) {
    ({ params, state } = opt.update(grad(loss)(params), state, params));
  }
  return params.w.sum().pow(2).add(params.b.pow(2).sum());
}

Deno.test("hyper-gradient of the learning rate through 5 unrolled SGD steps matches finite differences", () => {
  const lr0 = 0.05;
  const hyper = grad((lr: Tensor) => unrolled(lr, 5))(tensor(lr0, f64)).item();
  const h = 1e-6;
  const fd = (unrolled(lr0 + h, 5).item() - unrolled(lr0 - h, 5).item()) / (2 * h);
  assert.ok(Math.abs(hyper - fd) <= 1e-7 * Math.max(1, Math.abs(fd)), `${hyper} vs ${fd}`);
  assert.ok(Math.abs(hyper) > 1e-3, "the hyper-gradient is not trivially zero");
});

Deno.test("hyper-gradients through Adam, RMSprop and Adagrad steps match finite differences", () => {
  for (const make of [optim.adam, optim.rmsprop, optim.adagrad, optim.adamw]) {
    const run = (lr: Tensor | number) => {
      const opt = (make as (o: { lr: Tensor | number }) => optim.Optimizer<unknown>)({ lr });
      let params = start();
      let state = opt.init(params);
      for (let i = 0; i < 4; i++) {
        ({ params, state } = opt.update(grad(loss)(params), state, params));
      }
      return loss(params);
    };
    const lr0 = 0.03;
    const hyper = grad((lr: Tensor) => run(lr))(tensor(lr0, f64)).item();
    const h = 1e-6;
    const fd = (run(lr0 + h).item() - run(lr0 - h).item()) / (2 * h);
    assert.ok(
      Math.abs(hyper - fd) <= 1e-6 * Math.max(1, Math.abs(fd)),
      `${make.name}: ${hyper} vs ${fd}`,
    );
  }
});

Deno.test("clipByGlobalNorm leaves small gradients alone and is differentiable", () => {
  const small = { a: tensor([0.1, 0.2], f64) };
  assert.deepEqual(optim.clipByGlobalNorm(small, 10).a.toArray(), [0.1, 0.2]);
  // d/dx of the clipped gradient's first entry, against finite differences
  const f = (x: Tensor) => optim.clipByGlobalNorm({ g: x.mul(3) }, 1).g.index(0);
  const x = tensor([1, 2], f64);
  const d = grad(f)(x).toArray() as number[];
  const h = 1e-6;
  [0, 1].forEach((i) => {
    const up = [1, 2], dn = [1, 2];
    up[i] += h;
    dn[i] -= h;
    const fd = (f(tensor(up, f64)).item() - f(tensor(dn, f64)).item()) / (2 * h);
    assert.ok(Math.abs(d[i] - fd) < 1e-7, `${i}: ${d[i]} vs ${fd}`);
  });
});

Deno.test("float32 parameters stay float32, even with a float64 learning-rate tensor", () => {
  for (
    const opt of [optim.sgd({ lr: tensor(0.1, f64), momentum: 0.9 }), optim.adam(), optim.rmsprop()]
  ) {
    const params = { w: tensor([1, 2], { dtype: "float32" }) };
    const { params: next } = (opt as optim.Optimizer<unknown>).update(
      { w: tensor([0.5, -0.5], f64) },
      (opt as optim.Optimizer<unknown>).init(params),
      params,
    );
    assert.equal(next.w.dtype, "float32", opt.name);
  }
});
