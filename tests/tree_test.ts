/** Pytrees: the tree namespace and every transform over nested arrays and objects. */

import assert from "node:assert/strict";
import {
  grad,
  hessian,
  hvp,
  jacfwd,
  jacrev,
  jvp,
  randn,
  ShapeError,
  type Tensor,
  tensor,
  tree,
  TreeError,
  valueAndGrad,
  vjp,
  vmap,
} from "../mod.ts";
import { Generator } from "../src/random.ts";

const f64 = { dtype: "float64" } as const;

function close(a: Tensor, b: unknown, tol = 1e-12): void {
  const x = (a.toArray() as number[]).flat?.(Infinity) ?? [a.item()];
  const yRaw = b instanceof Object && "toArray" in b ? (b as Tensor).toArray() : b;
  const y = Array.isArray(yRaw)
    ? (yRaw as unknown[]).flat(Infinity as 1) as number[]
    : [yRaw as number];
  const xs = Array.isArray(x) ? x as number[] : [x as number];
  assert.equal(xs.length, y.length, `lengths ${xs.length} vs ${y.length}`);
  xs.forEach((v, i) => {
    assert.ok(Math.abs(v - y[i]) <= tol * Math.max(1, Math.abs(y[i])), `[${i}] ${v} vs ${y[i]}`);
  });
}

type Params = { layers: { w: Tensor; b: Tensor }[]; scale: Tensor };

function model(p: Params, x: Tensor): Tensor {
  let h = x;
  for (const l of p.layers) h = h.matmul(l.w).add(l.b).tanh();
  return h.mul(p.scale).pow(2).sum();
}

function params(seed: number): Params {
  const g = new Generator(seed);
  return {
    layers: [
      { w: randn([3, 4], { ...f64, generator: g }), b: randn([4], { ...f64, generator: g }) },
      { w: randn([4, 2], { ...f64, generator: g }), b: randn([2], { ...f64, generator: g }) },
    ],
    scale: tensor(1.5, f64),
  };
}

/** Central differences of `f` along every element of the raveled tree. */
function fdGrad(f: (p: Params) => Tensor, p: Params, h = 1e-6): number[] {
  const [flat, unravel] = tree.ravel(p);
  const v = flat.toArray() as number[];
  return v.map((_, i) => {
    const up = v.slice(), dn = v.slice();
    up[i] += h;
    dn[i] -= h;
    const fu = f(unravel(tensor(up, f64)) as unknown as Params).item();
    const fd = f(unravel(tensor(dn, f64)) as unknown as Params).item();
    return (fu - fd) / (2 * h);
  });
}

Deno.test("tree.flatten/unflatten/leaves/map/structure walk objects in sorted key order", () => {
  const t = { z: [tensor(1), null, 2], a: { y: tensor([3, 4]) } };
  const [leaves, def] = tree.flatten(t);
  assert.equal(leaves.length, 3);
  assert.equal((leaves[0] as Tensor).toArray().toString(), "3,4");
  assert.equal(String(def), "{a: {y: *}, z: [*, null, *]}");
  assert.equal(def.numLeaves, 3);
  const back = tree.unflatten(def, [7, 8, 9]);
  assert.deepEqual(back, { a: { y: 7 }, z: [8, null, 9] });
  assert.ok(tree.structure({ a: { y: 0 }, z: [0, null, 0] }).equals(def));
  assert.ok(!tree.structure({ a: { y: 0 }, z: [0, 0, 0] }).equals(def));
  const m = tree.map((x: unknown) => (typeof x === "number" ? x * 10 : x), t);
  assert.equal(m.z[2], 20);
  assert.deepEqual(tree.leavesWithPath({ "a-b": [1], c: 2 }).map(([p]) => p), ['["a-b"][0]', ".c"]);
  assert.throws(() => tree.unflatten(def, [1]), TreeError);
});

Deno.test("structure mismatches are TreeErrors naming the function and both paths", () => {
  const a = { layers: [{ w: tensor(1), b: tensor(2) }] };
  const b = { layers: [{ w: tensor(1), c: tensor(2) }] };
  assert.throws(
    () => tree.map((x: Tensor, y: Tensor) => x.add(y), a, b),
    (e: Error) =>
      e instanceof TreeError && e.message.startsWith("tree.map()") &&
      e.message.includes("at .layers[0].b") && e.message.endsWith("at .layers[0].c"),
  );
  assert.throws(
    () => tree.map((x: Tensor) => x, [tensor(1), tensor(2)], [tensor(1)]),
    /tree 0 has an array of length 2 at \(root\) but tree 1 has an array of length 1 at \(root\)/,
  );
  // a tangent of another structure, a cotangent of another structure
  assert.throws(
    () => jvp((p: { x: Tensor }) => p.x, [{ x: tensor(1) }], [{ y: tensor(1) }] as never),
    (e: Error) => e instanceof TreeError && /jvp\(\)/.test(e.message) && /\.x/.test(e.message),
  );
  const [, pull] = vjp((x: Tensor) => [x, x.mul(2)], tensor([1, 2]));
  assert.throws(() => pull([tensor([1, 1])] as never), TreeError);
  assert.throws(() => pull([tensor([1, 1]), tensor([1])]), ShapeError);
});

Deno.test("grad over a pytree matches central differences, in the structure of the argument", () => {
  const p = params(1);
  const x = randn([5, 3], { ...f64, generator: new Generator(2) });
  const g = grad(model)(p, x);
  assert.equal(g.layers.length, 2);
  assert.deepEqual(g.layers[0].w.shape, [3, 4]);
  assert.deepEqual(g.scale.shape, []);
  const [flat] = tree.ravel(g);
  close(flat, fdGrad((q) => model(q, x), p), 1e-7);
});

Deno.test("argnums lists, numbers in trees, and hasAux on grad, valueAndGrad and vjp", () => {
  const f = (a: { u: Tensor }, k: number, b: [Tensor, Tensor]) =>
    a.u.mul(b[0]).mul(k).sum().add(b[1]);
  const [ga, gb] = grad(f, { argnums: [0, 2] })({ u: tensor([1, 2], f64) }, 3, [
    tensor([4, 5], f64),
    tensor(6, f64),
  ]) as [
    { u: Tensor },
    [Tensor, Tensor],
  ];
  close(ga.u, [12, 15]);
  close(gb[0], [3, 6]);
  close(gb[1], 1);
  // a number leaf in a differentiated argument gets a 0-d gradient
  close(grad((p: { a: Tensor; b: Tensor }) => p.a.mul(p.b))({ a: 2, b: 5 }).a, 5);
  const [g, aux] = grad((x: Tensor) => [x.pow(2).sum(), { n: 7, y: x.mul(2) }] as const, {
    hasAux: true,
  })(tensor([1, 2], f64));
  close(g, [2, 4]);
  assert.equal(aux.n, 7);
  close(aux.y, [2, 4]);
  const [[v, a2], g2] = valueAndGrad((x: Tensor) => [x.sum(), "note"] as const, { hasAux: true })(
    tensor([1, 2], f64),
  );
  close(v, 3);
  assert.equal(a2, "note");
  close(g2, [1, 1]);
  const [out, pull, aux3] = vjp(
    (p: { x: Tensor }) => [p.x.exp(), p.x.sum()] as const,
    { x: tensor([0, 1], f64) },
    { hasAux: true },
  );
  close(out, [1, Math.E]);
  close(aux3, 1);
  close(pull(tensor([1, 2], f64))[0].x, [1, 2 * Math.E]);
});

Deno.test("vjp and jvp with tree inputs and outputs agree with each other (⟨u, J v⟩ = ⟨Jᵀu, v⟩)", () => {
  const f = (p: { a: Tensor; b: Tensor }) => ({ s: p.a.mul(p.b).sin(), t: [p.a.sum().mul(p.b)] });
  const g = new Generator(3);
  const p = { a: randn([3], { ...f64, generator: g }), b: randn([3], { ...f64, generator: g }) };
  const v = { a: randn([3], { ...f64, generator: g }), b: randn([3], { ...f64, generator: g }) };
  const u = { s: randn([3], { ...f64, generator: g }), t: [randn([3], { ...f64, generator: g })] };
  const [y, jv] = jvp(f, [p], [v]);
  const [y2, pull] = vjp(f, p);
  close(y.s, y2.s);
  const [jtu] = pull(u);
  const dot = (x: unknown, z: unknown) =>
    (tree.leaves(x) as Tensor[]).reduce(
      (acc, l, i) => acc + l.mul(tree.leaves(z)[i] as Tensor).sum().item(),
      0,
    );
  const lhs = dot(u, jv), rhs = dot(jtu, v);
  assert.ok(Math.abs(lhs - rhs) < 1e-12, `${lhs} vs ${rhs}`);
});

Deno.test("jacrev and jacfwd over pytrees give the same blocks, shaped [...out, ...in]", () => {
  const f = (p: { a: Tensor; b: Tensor }, c: Tensor) => [p.a.mul(p.b.sum()), p.b.mul(c).exp()];
  const g = new Generator(4);
  const p = { a: randn([2], { ...f64, generator: g }), b: randn([3], { ...f64, generator: g }) };
  const c = randn([3], { ...f64, generator: g });
  const Jr = jacrev(f)(p, c);
  const Jf = jacfwd(f)(p, c);
  assert.deepEqual(Jr[0].a.shape, [2, 2]);
  assert.deepEqual(Jr[0].b.shape, [2, 3]);
  assert.deepEqual(Jr[1].b.shape, [3, 3]);
  close(Jr[0].b, Jf[0].b);
  close(Jr[1].b, Jf[1].b);
  close(Jr[0].a, Jf[0].a);
  // d(a · Σb)/da = Σb · I
  const sb = p.b.sum().item();
  close(Jr[0].a, [[sb, 0], [0, sb]]);
  // argnums list and a single tensor argument with a tree output
  const Jl = jacrev(f, { argnums: [1] })(p, c);
  close((Jl as unknown as Tensor[][])[1][0], Jf[1].b.mul(p.b.div(c)));
  const Jc = jacfwd((x: Tensor) => ({ y: x.mul(2), z: x.sum() }))(tensor([1, 2, 3], f64));
  close(Jc.y, [[2, 0, 0], [0, 2, 0], [0, 0, 2]]);
  close(Jc.z, [1, 1, 1]);
});

Deno.test("hessian over a pytree equals the raveled Hessian cut into blocks; hvp agrees", () => {
  const p = params(5);
  const x = randn([4, 3], { ...f64, generator: new Generator(6) });
  const small = { w: p.layers[1].w, s: p.scale };
  const f = (q: { w: Tensor; s: Tensor }) =>
    model({ layers: [p.layers[0], { w: q.w, b: p.layers[1].b }], scale: q.s }, x);
  const H = hessian(f)(small);
  const [flat, unravel] = tree.ravel(small);
  const Hflat = hessian((v: Tensor) => f(unravel(v)))(flat);
  assert.deepEqual(H.w.w.shape, [4, 2, 4, 2]);
  assert.deepEqual(H.w.s.shape, [4, 2]);
  assert.deepEqual(H.s.w.shape, [4, 2]);
  // "s" sorts before "w": flat = [s, w...]
  close(H.s.s, (Hflat.toArray() as number[][])[0][0]);
  close(H.s.w.reshape([8]), (Hflat.toArray() as number[][])[0].slice(1));
  close(H.w.w.reshape([8, 8]), (Hflat.toArray() as number[][]).slice(1).map((r) => r.slice(1)));
  const v = { w: randn([4, 2], { ...f64, generator: new Generator(7) }), s: tensor(0.3, f64) };
  const hv = hvp(f, small, v);
  const [vflat] = tree.ravel(v);
  close(tree.ravel(hv)[0], Hflat.matmul(vflat), 1e-11);
  // argnums list: blocks per argument pair
  const H2 = hessian((a: Tensor, b: Tensor) => a.mul(b).sum().pow(2), { argnums: [0, 1] })(
    tensor([1, 2], f64),
    tensor([3, 4], f64),
  ) as unknown as Tensor[][];
  // d²(a·b)²/da db = 2 b aᵀ + 2 (a·b) I
  close(H2[0][1], [[2 * 3 * 1 + 22, 2 * 3 * 2], [2 * 4 * 1, 2 * 4 * 2 + 22]]);
});

Deno.test("vmap with tree inDims and outDims; per-example gradients match a loop", () => {
  const p = params(8);
  const xs = randn([6, 1, 3], { ...f64, generator: new Generator(9) });
  const per = vmap((q: Params, x: Tensor) => grad(model)(q, x), { inDims: [null, 0] })(p, xs);
  for (let i = 0; i < 6; i++) {
    const gi = grad(model)(p, xs.index(i));
    close(per.layers[0].w.index(i), gi.layers[0].w);
    close(per.scale.index(i), gi.scale);
  }
  // a tree prefix inside an argument, outDims as a tree with null for an unbatched output
  const f = (a: { x: Tensor; y: Tensor }) => ({ s: a.x.add(a.y), c: a.y.mul(2) });
  const out = vmap(f, { inDims: [{ x: 1, y: null }], outDims: { s: 1, c: null } })({
    x: tensor([[1, 2, 3], [4, 5, 6]]),
    y: tensor([10, 20]),
  });
  assert.deepEqual(out.s.toArray(), [[11, 12, 13], [24, 25, 26]]);
  assert.deepEqual(out.c.toArray(), [20, 40]);
  assert.throws(
    () => vmap(f, { outDims: { s: 0, c: null } })({ x: tensor([[1, 2]]), y: tensor([[1, 2]]) }),
    /outDims null but depends on the batched arguments/,
  );
  assert.throws(
    () => vmap(f, { inDims: [{ x: 0 }] })({ x: tensor([1]), y: tensor([1]) }),
    (e: Error) => e instanceof TreeError && e.message.includes("vmap()"),
  );
});

Deno.test("ravel round-trips mixed dtypes and is differentiable both ways", () => {
  const t = { a: tensor([1, 2], { dtype: "float32" }), b: tensor([[3]], f64), c: 4 };
  const [flat, unravel] = tree.ravel(t);
  assert.equal(flat.dtype, "float64");
  assert.deepEqual(flat.toArray(), [1, 2, 3, 4]);
  const back = unravel(flat);
  assert.equal(back.a.dtype, "float32");
  assert.deepEqual(back.b.shape, [1, 1]);
  const g = grad((v: Tensor) => {
    const u = unravel(v);
    return u.a.sum().mul(u.b.sum()).add(u.c);
  })(flat);
  close(g, [3, 3, 3, 1]);
  assert.throws(() => unravel(tensor([1, 2])), TypeError);
});

Deno.test("second derivatives through tree transforms: grad of a tree gradient's norm", () => {
  const p = params(10);
  const x = randn([2, 3], { ...f64, generator: new Generator(11) });
  // d/dscale of ‖∇_w f‖², against central differences
  const gnorm = (s: Tensor) => {
    const g = grad(model)({ ...p, scale: s }, x);
    return (tree.leaves(g.layers) as Tensor[]).reduce(
      (a, l) => a.add(l.pow(2).sum()),
      tensor(0, f64),
    );
  };
  const d = grad(gnorm)(p.scale).item();
  const h = 1e-6;
  const fd = (gnorm(tensor(1.5 + h, f64)).item() - gnorm(tensor(1.5 - h, f64)).item()) / (2 * h);
  assert.ok(Math.abs(d - fd) < 1e-6 * Math.max(1, Math.abs(fd)), `${d} vs ${fd}`);
});

Deno.test("jet over pytrees equals nested jvp; laplacian over a tree is the raveled Hessian's trace", async () => {
  const { jet, laplacian } = await import("../mod.ts");
  const f = (p: { a: Tensor; b: [Tensor] }) => ({ s: p.a.mul(p.b[0]).sin(), t: p.a.exp().sum() });
  const g = new Generator(12);
  const p = {
    a: randn([3], { ...f64, generator: g }),
    b: [randn([3], { ...f64, generator: g })] as [Tensor],
  };
  const v = {
    a: randn([3], { ...f64, generator: g }),
    b: [randn([3], { ...f64, generator: g })] as [Tensor],
  };
  const zero = { a: 0, b: [0] as [number] };
  const [y, [d1, d2]] = jet(f, [p], [[v, zero]]);
  // along x(t) = p + t v: first derivative is J v, second is the jvp of (x ↦ J(x) v) along v
  const [y2, jv] = jvp(f, [p], [v]);
  const [, jjv] = jvp((q: typeof p) => jvp(f, [q], [v])[1], [p], [v]);
  close(y.s, y2.s);
  close(d1.s, jv.s);
  close(d1.t, jv.t);
  close(d2.s, jjv.s, 1e-11);
  close(d2.t, jjv.t, 1e-11);
  assert.throws(() => jet(f, [p], [[{ a: 0 } as never]]), TreeError);
  const h = (q: { u: Tensor; w: Tensor }) => q.u.sin().mul(q.w.sum()).sum().add(q.w.pow(3).sum());
  const q = { u: randn([2, 2], { ...f64, generator: g }), w: randn([3], { ...f64, generator: g }) };
  const [flat, unravel] = tree.ravel(q);
  const H = hessian((x: Tensor) => h(unravel(x)))(flat);
  const trace = (H.toArray() as number[][]).reduce((acc, r, i) => acc + r[i], 0);
  close(laplacian(h)(q), trace, 1e-12);
});
