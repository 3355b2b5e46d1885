/**
 * customVjp, customJvp, checkpoint and registerHook: values and derivatives against closed
 * forms and finite differences (to second order through gradcheck), their composition with
 * createGraph, nested grad and vmap, the typed errors, and the memory a checkpoint saves.
 */

import assert from "node:assert/strict";
import {
  AutogradError,
  autogradGrad,
  checkpoint,
  customJvp,
  customVjp,
  defineFunction,
  grad,
  gt,
  hessian,
  hvp,
  jet,
  jvp,
  laplacian,
  linalg,
  manualSeed,
  matmul,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  vmap,
  where,
} from "../../mod.ts";
import { assertClose, gradcheck } from "../../src/testing/mod.ts";
import { cubicRoot } from "../../examples/implicit_function.ts";
import { tapeBytes } from "../support/tape.ts";

const f64 = (d: number | number[] | number[][]) => tensor(d, { dtype: "float64" });

// softplus(x) = log(1 + eˣ) with the sigmoid as residual: d softplus = σ(x), d σ = σ(1 − σ)
const softplusValue = (x: Tensor) => x.exp().add(1).log();
const softplus = customVjp(
  softplusValue,
  (x: Tensor) => [softplusValue(x), x.sigmoid()],
  (s: Tensor, g: Tensor) => [g.mul(s)],
);

Deno.test("customVjp: value, gradient and second derivative (createGraph) of softplus", () => {
  const x = f64([-2, 0, 0.5, 3]);
  assertClose(softplus(x), softplusValue(x));
  const s = x.sigmoid();
  assertClose(grad((v: Tensor) => softplus(v).sum())(x), s);
  // d²/dx² through the recorded backward: σ(1 − σ)
  const d2 = grad((v: Tensor) => grad((w: Tensor) => softplus(w).sum())(v).sum())(x);
  assertClose(d2, s.mul(s.neg().add(1)));
  gradcheck((v: Tensor) => softplus(v), [x], { order: 2, forward: false });
});

Deno.test("customVjp: the backward rule is used, not the derivative of f", () => {
  const clipGrad = customVjp(
    (x: Tensor) => x.mul(1),
    (x: Tensor) => [x.mul(1), null],
    (_r: null, g: Tensor) => [g.clamp(-1, 1)],
  );
  const x = tensor([1, 2, 3], { requiresGrad: true });
  clipGrad(x).mul(tensor([0.5, 5, -5])).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [0.5, 1, -1]);
  assert.equal(clipGrad(x).gradFn?.name, "CustomVjpBackward");
});

Deno.test("customVjp: gradients for several arguments; null is a zero gradient", () => {
  const mulNoB = customVjp(
    function scaled(a: Tensor, b: Tensor) {
      return a.mul(b);
    },
    (a: Tensor, b: Tensor) => [a.mul(b), b],
    (b: Tensor, g: Tensor) => [g.mul(b), null],
  );
  const a = tensor([1, 2], { requiresGrad: true });
  const b = tensor([3, 4], { requiresGrad: true });
  const y = mulNoB(a, b);
  assert.equal(y.gradFn?.name, "ScaledBackward");
  const [ga, gb] = autogradGrad(y.sum(), [a, b], { allowUnused: true, materializeGrads: true });
  assert.deepEqual(ga!.toArray(), [3, 4]);
  assert.deepEqual(gb!.toArray(), [0, 0]);
});

Deno.test("customVjp: typed errors for a wrong number or shape of gradients", () => {
  const twoGrads = customVjp(
    function bad(x: Tensor) {
      return x.mul(2);
    },
    (x: Tensor) => [x.mul(2), null],
    (_r: null, g: Tensor) => [g, g],
  );
  const x = tensor([1, 2], { requiresGrad: true });
  assert.throws(
    () => twoGrads(x).sum().backward(),
    (e: unknown) =>
      e instanceof AutogradError && /customVjp\(bad\).*one gradient per argument \(1\).*got 2/
        .test(e.message),
  );
  const wrongShape = customVjp(
    function badShape(v: Tensor) {
      return v.mul(2);
    },
    (v: Tensor) => [v.mul(2), null],
    (_r: null, g: Tensor) => [g.sum()],
  );
  assert.throws(
    () => wrongShape(x).sum().backward(),
    (e: unknown) =>
      e instanceof ShapeError && /customVjp\(badShape\).*shape \[\].*argument 0 of shape \[2\]/
        .test(e.message),
  );
});

Deno.test("customVjp under forward mode raises a typed error naming the function", () => {
  assert.throws(
    () => jvp(softplus, [f64([1])], [f64([1])]),
    (e: unknown) =>
      e instanceof AutogradError && /customVjp\(softplusValue\).*forward-mode/.test(e.message),
  );
});

Deno.test("customVjp: gradients inside vmap and vmap of grad", () => {
  const xs = f64([[0, 1], [2, -1], [0.5, 0.5]]);
  const perExample = vmap(grad((v: Tensor) => softplus(v).sum()))(xs);
  assertClose(perExample, xs.sigmoid());
  assertClose(vmap((v: Tensor) => softplus(v))(xs), softplusValue(xs));
});

// The implicit function x(a, b) with x³ + a·x = b, from examples/implicit_function.ts:
// Newton for the value, the implicit function theorem (through customVjp) for the derivative.
Deno.test("implicit function by Newton + customVjp matches finite differences to second order", () => {
  const a = f64(1.5);
  const b = f64([0.3, -2, 4]);
  const x = cubicRoot(a, b);
  assertClose(x.pow(3).add(x.mul(a)), b, { atol: 1e-12 });
  gradcheck((aa: Tensor, bb: Tensor) => cubicRoot(aa, bb), [a, b], { order: 2, forward: false });
  // explicit FD of the value for ∂x/∂a
  const h = 1e-6;
  const fd = cubicRoot(a.add(h), b).sub(cubicRoot(a.sub(h), b)).div(2 * h).sum();
  const ga = grad((aa: Tensor) => cubicRoot(aa, b).sum())(a);
  assertClose(ga, fd, { atol: 1e-8 });
});

// d|x| with a chosen zero at 0 through customJvp: forward mode uses the rule, reverse mode
// transposes it
const safeNorm = customJvp(
  (x: Tensor) => x.pow(2).sum().sqrt(),
  ([x]: Tensor[], [t]: Tensor[]) => {
    const n = x.pow(2).sum().sqrt();
    const u = where(gt(n, 0), x.div(n.clamp(1e-300)), 0);
    return [n, u.mul(t).sum()];
  },
);

Deno.test("customJvp: forward mode uses the rule, reverse mode transposes it", () => {
  const zero = f64([0, 0, 0]);
  assert.deepEqual(grad(safeNorm)(zero).toArray(), [0, 0, 0]);
  assert.deepEqual(jvp(safeNorm, [zero], [f64([1, 2, 3])])[1].item(), 0);
  const x = f64([1, -2, 2]);
  assertClose(grad(safeNorm)(x), x.div(3));
  assertClose(jvp(safeNorm, [x], [f64([1, 0, 0])])[1], f64(1 / 3));
  // Hessian of |x| = (I − x̂x̂ᵀ)/|x|, through the transposed rule (reverse over reverse) and
  // forward over reverse
  const u = x.div(3).reshape([3, 1]);
  const expected = tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]], { dtype: "float64" }).sub(
    matmul(u, u.t()),
  ).div(3);
  assertClose(hessian(safeNorm)(x), expected, { atol: 1e-12 });
  gradcheck(safeNorm, [x], { order: 2 });
  assert.equal(safeNorm(x.detach().requiresGrad_()).gradFn?.name, "CustomJvpBackward");
});

Deno.test("customJvp inside vmap", () => {
  const xs = f64([[3, 4], [0, 0]]);
  assertClose(vmap(grad(safeNorm))(xs), f64([[0.6, 0.8], [0, 0]]));
});

// A deep MLP whose blocks are checkpointed: same gradients, fewer bytes on the tape.
function mlp(depth: number, width: number, seed: number) {
  manualSeed(seed);
  const ws = Array.from(
    { length: depth },
    () => randn([width, width], { dtype: "float64" }).div(Math.sqrt(width)).requiresGrad_(),
  );
  const layer = (w: Tensor) => (h: Tensor) => matmul(h, w).tanh();
  return { ws, layer };
}

Deno.test("checkpoint: same gradients as the plain MLP, and the tape holds far fewer bytes", () => {
  const depth = 16, width = 64, batch = 32, per = 4;
  const { ws, layer } = mlp(depth, width, 3);
  manualSeed(4);
  const x = randn([batch, width], { dtype: "float64" });
  const plainLoss = ws.reduce((h, w) => layer(w)(h), x).pow(2).sum();
  const blocks = Array.from(
    { length: depth / per },
    (_, k) =>
      checkpoint((h: Tensor) => ws.slice(k * per, (k + 1) * per).reduce((a, w) => layer(w)(a), h)),
  );
  const ckLoss = blocks.reduce((h, b) => b(h), x).pow(2).sum();
  assertClose(ckLoss, plainLoss);
  const plainBytes = tapeBytes(plainLoss).bytes, ckBytes = tapeBytes(ckLoss).bytes;
  // 16 activations (pre- and post-tanh) vs the 4 block boundaries; the weights are on both
  const weights = depth * width * width * 8;
  assert.ok(ckBytes - weights < (plainBytes - weights) / 4, `${plainBytes} vs ${ckBytes}`);
  const gPlain = autogradGrad(plainLoss, ws);
  const gCk = autogradGrad(ckLoss, ws);
  gPlain.forEach((g, i) => assertClose(gCk[i]!, g!));
});

Deno.test("checkpoint: nested grad and createGraph through the recomputation", () => {
  const w = f64([[0.5, -1], [2, 0.3]]).requiresGrad_();
  const block = checkpoint((h: Tensor) => matmul(h, w).sin().sum());
  const f = (h: Tensor) => matmul(h, w).sin().sum();
  const x = f64([0.2, 0.7]);
  assertClose(hessian(block)(x), hessian(f)(x));
  assertClose(hvp(block, x, f64([1, -2])), hvp(f, x, f64([1, -2]))); // forward over reverse
  gradcheck((h: Tensor) => block(h), [x], { order: 2, forward: false });
  // with respect to the captured weight, second order
  const [gw] = autogradGrad(block(x), [w], { createGraph: true });
  const [gw2] = autogradGrad(f(x), [w], { createGraph: true });
  const [ww] = autogradGrad(gw!.pow(2).sum(), [w]);
  const [ww2] = autogradGrad(gw2!.pow(2).sum(), [w]);
  assertClose(ww!, ww2!);
});

Deno.test("checkpoint: a nested backward leaves the outer pass's accumulations intact", () => {
  // w is used inside the checkpoint and outside it; the outer pass has a partial sum for w
  // when the checkpoint's own backward runs
  const w = f64([1.5, -0.5]).requiresGrad_();
  const inner = checkpoint((h: Tensor) => h.mul(w).exp().sum());
  const loss = inner(w.mul(2)).add(w.pow(3).sum());
  const [g] = autogradGrad(loss, [w]);
  const ref = (v: Tensor) => v.mul(2).mul(v).exp().sum().add(v.pow(3).sum());
  assertClose(g!, grad(ref)(f64([1.5, -0.5])));
});

Deno.test("registerHook: leaf hooks see the summed gradient and may replace it", () => {
  const x = tensor([1, 2], { requiresGrad: true });
  const seen: number[][] = [];
  x.registerHook((g) => void seen.push(g.toArray() as number[]));
  const h = x.registerHook((g) => g.mul(10));
  x.mul(2).add(x.mul(3)).sum().backward();
  assert.deepEqual(seen, [[5, 5]]);
  assert.deepEqual(x.grad!.toArray(), [50, 50]);
  h.remove();
  h.remove();
  x.grad = null;
  x.mul(2).sum().backward();
  assert.deepEqual(x.grad!.toArray(), [2, 2]);
  // autogradGrad sees the hooked gradient too, as torch.autograd.grad does
  x.registerHook((g) => g.neg());
  assert.deepEqual(autogradGrad(x.mul(2).sum(), x)[0]!.toArray(), [-2, -2]);
});

Deno.test("registerHook: a non-leaf hook changes what flows to its inputs and its retained grad", () => {
  const x = tensor([1, 2, 3], { requiresGrad: true });
  const y = x.mul(2);
  y.retainGrad();
  y.registerHook((g) => g.mul(tensor([1, 0, 1])));
  y.pow(2).sum().backward();
  assert.deepEqual(y.grad!.toArray(), [4, 0, 12]);
  assert.deepEqual(x.grad!.toArray(), [8, 0, 24]);
});

Deno.test("registerHook: hooks under createGraph are recorded; typed errors", () => {
  const x = f64([2]).requiresGrad_();
  const y = x.pow(2);
  y.registerHook((g) => g.mul(x)); // dL/dx = 2x · x
  const [g] = autogradGrad(y.sum(), [x], { createGraph: true });
  assert.deepEqual(g!.toArray(), [8]);
  assert.deepEqual(autogradGrad(g!.sum(), [x])[0]!.toArray(), [8]); // d(2x²)/dx = 4x
  assert.throws(() => tensor([1]).registerHook((g) => g), AutogradError);
  const z = tensor([1, 2], { requiresGrad: true });
  z.registerHook((g) => g.sum());
  assert.throws(() => z.mul(2).sum().backward(), ShapeError);
});

Deno.test("Taylor mode: a custom VJP is a typed error; customJvp with inline code and checkpoint run their code", () => {
  const x = f64([0.3, -0.7, 1.1]);
  assert.throws(
    () => jet((v: Tensor) => softplus(v).sum(), [x], [[f64([1, 0, 0]), f64([0, 0, 0])]]),
    (e: unknown) =>
      e instanceof AutogradError && /customVjp\(softplusValue\).*Taylor/.test(e.message),
  );
  assert.throws(
    () => laplacian((v: Tensor) => safeNorm(v))(x),
    (e: unknown) => e instanceof AutogradError && /customJvp.*inline/.test(e.message),
  );
  assert.throws(
    () =>
      laplacian((v: Tensor) => linalg.eigvalsh(v.reshape([3, 1]).matmul(v.reshape([1, 3]))).sum())(
        x,
      ),
    (e: unknown) => e instanceof AutogradError && /linalg\.eigh/.test(e.message),
  );
  const norm = (v: Tensor) => v.pow(2).sum().sqrt();
  const inlined = customJvp(
    norm,
    ([v]: Tensor[], [t]: Tensor[]) => [norm(v), v.mul(t).sum().div(norm(v))],
    {
      inline: norm,
    },
  );
  // Δ|x| = (d − 1)/|x| in d = 3 dimensions
  const r = Math.hypot(0.3, -0.7, 1.1);
  assertClose(laplacian((v: Tensor) => inlined(v))(x), f64(2 / r));
  // checkpoint under Taylor mode: the function runs on the series
  const w = f64([[0.5, -1, 0.2], [2, 0.3, -0.4], [0.1, 0.1, 0.9]]);
  const body = (v: Tensor) => matmul(w, v.reshape([3, 1])).tanh().sum();
  assertClose(laplacian((v: Tensor) => checkpoint(body)(v))(x), laplacian(body)(x));
  // reverse mode over the inlined series (a PINN-style loss)
  const g = grad((v: Tensor) => laplacian((u: Tensor) => inlined(u))(v))(x);
  assertClose(g, x.mul(-2 / r ** 3));
});

Deno.test("defineFunction: PyTorch-style ctx, saved tensors, double backward, the same errors", () => {
  // y = x·w with the backward written by hand; needsInputGrad says which gradients to make
  const seen: boolean[][] = [];
  const MulFn = defineFunction({
    name: "MyMul",
    forward(ctx, x, w) {
      ctx.saveForBackward(x, w);
      return x.mul(w);
    },
    backward(ctx, g) {
      seen.push([...ctx.needsInputGrad]);
      const [x, w] = ctx.savedTensors;
      return [ctx.needsInputGrad[0] ? g.mul(w) : null, ctx.needsInputGrad[1] ? g.mul(x) : null];
    },
  });
  const x = f64([1, 2]).requiresGrad_();
  const w = f64([3, -1]);
  const y = MulFn(x, w);
  assert.equal(y.gradFn?.name, "MyMulBackward");
  const [gx] = autogradGrad(y.pow(2).sum(), [x], { createGraph: true });
  assertClose(gx!, x.mul(w).mul(w).mul(2)); // d(xw)²/dx = 2xw²
  const [gxx] = autogradGrad(gx!.sum(), [x]);
  assertClose(gxx!, w.mul(w).mul(2));
  assert.deepEqual(seen[0], [true, false]);
  const Bad = defineFunction({
    name: "Bad",
    forward: (_ctx, v) => v.mul(2),
    backward: (_ctx, g) => [g, g],
  });
  assert.throws(
    () => Bad(x).sum().backward(),
    (e: unknown) => e instanceof AutogradError && /customVjp\(Bad\)/.test(e.message),
  );
  assert.throws(() => jvp((v: Tensor) => Bad(v), [x.detach()], [f64([1, 1])]), AutogradError);
});

Deno.test("checkpoint: a captured non-leaf tensor passes its gradient on to its own inputs", () => {
  const w = f64([[0.5, -1], [2, 0.3]]).requiresGrad_();
  const run = (ck: boolean) => {
    const w3 = w.mul(3).sin(); // computed outside the block, read inside it
    const body = (h: Tensor) => matmul(h, w3).tanh().sum();
    const f = ck ? checkpoint(body) : body;
    const x = f64([[0.2, 0.7], [-0.4, 0.1]]);
    return autogradGrad(f(x).add(w3.sum()), [w], { createGraph: true })[0]!;
  };
  const g = run(true), ref = run(false);
  assertClose(g, ref);
  // second order through the recomputation and the captured tensor's own graph
  assertClose(autogradGrad(g.pow(2).sum(), [w])[0]!, autogradGrad(ref.pow(2).sum(), [w])[0]!);
});

Deno.test("customVjp vectorized: vmap calls the rule once for the whole batch", () => {
  let forwards = 0, backwards = 0;
  const sq = customVjp(
    (x: Tensor) => x.pow(2),
    (x: Tensor) => {
      forwards++;
      return [x.pow(2), x];
    },
    (x: Tensor, g: Tensor) => {
      backwards++;
      return [g.mul(x).mul(2)];
    },
    { vectorized: true },
  );
  const xs = f64([[1, 2], [3, 4], [5, 6]]);
  assertClose(vmap(grad((v: Tensor) => sq(v).sum()))(xs), xs.mul(2));
  assert.deepEqual([forwards, backwards], [1, 1]);
});
