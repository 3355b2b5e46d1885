/**
 * The nn blocks: convolutions, layer norm and embedding against PyTorch 1.13
 * (tests/fixtures/gen_nn_blocks.py: values, first and second derivatives), initializers against
 * their formulas, and the blocks through the transforms.
 */

import assert from "node:assert/strict";
import { grad, jvp, nn, ones, type Tensor, tensor, tree, TreeError, vjp, vmap } from "../../mod.ts";
import data from "../fixtures/nn_blocks.json" with { type: "json" };

const f64 = { dtype: "float64" } as const;
type Case = {
  inputs: { shape: number[]; data: number[] }[];
  output: { shape: number[]; data: number[] };
  grads: number[][];
  second: number[][];
  options?: Record<string, unknown>;
  normalizedShape?: number[];
  eps?: number;
  indices?: number[][];
};
const cases = data as unknown as Record<string, Case>;

function pattern(shape: readonly number[], fn: (i: number) => number): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(Array.from({ length: n }, (_, i) => fn(i + 1)), f64).reshape([...shape]);
}

function closeTo(got: number[], want: number[], what: string, rel = 1e-12) {
  assert.equal(got.length, want.length, `${what}: length`);
  const scale = Math.max(1, ...want.map(Math.abs));
  got.forEach((v, i) =>
    assert.ok(Math.abs(v - want[i]) <= rel * scale, `${what}[${i}]: ${v} vs ${want[i]}`)
  );
}

const flat = (t: Tensor) => (t.reshape([-1]).toArray() as number[]);

/** Checks f's value, first and second derivatives against the fixture case. */
function check(name: string, f: (...xs: Tensor[]) => Tensor) {
  const c = cases[name];
  const xs = c.inputs.map((i) => tensor(i.data, f64).reshape(i.shape));
  const out = f(...xs);
  assert.deepEqual(out.shape, c.output.shape, `${name}: output shape`);
  closeTo(flat(out), c.output.data, `${name} output`);
  const argnums = xs.map((_, i) => i);
  const w = pattern(out.shape, Math.sin);
  const first = (...as: Tensor[]) => f(...as).mul(w).sum();
  const gs = grad(first, { argnums })(...xs);
  gs.forEach((g, i) => closeTo(flat(g), c.grads[i], `${name} grad ${i}`));
  const second = (...as: Tensor[]) =>
    grad(first, { argnums })(...as).reduce(
      (acc, g) => acc.add(g.mul(pattern(g.shape, Math.cos)).sum()),
      tensor(0, f64),
    );
  const hs = grad(second, { argnums })(...xs);
  hs.forEach((h, i) => closeTo(flat(h), c.second[i], `${name} second ${i}`, 1e-11));
}

Deno.test("conv1d and conv2d match PyTorch: values, gradients, second derivatives", async (t) => {
  for (const name of Object.keys(cases).filter((k) => k.startsWith("conv"))) {
    await t.step(name, () => {
      const block = name.startsWith("conv1d") ? nn.conv1d : nn.conv2d;
      check(name, (x, w, b) => block.apply({ weight: w, bias: b }, x, cases[name].options));
    });
  }
});

Deno.test("layerNorm and embedding match PyTorch to second order", () => {
  const ln = cases.layer_norm;
  check("layer_norm", (x, w, b) => nn.layerNorm.apply({ weight: w, bias: b }, x, { eps: ln.eps }));
  const plain = cases.layer_norm_plain;
  check(
    "layer_norm_plain",
    (x) => nn.layerNorm.apply({}, x, { eps: plain.eps, normalizedShape: plain.normalizedShape }),
  );
  const idx = tensor(cases.embedding.indices!, { dtype: "int64" });
  check("embedding", (w) => nn.embedding.apply({ weight: w }, idx).pow(2));
});

Deno.test("conv2d in forward mode agrees with reverse mode (⟨u, J v⟩ = ⟨Jᵀu, v⟩)", () => {
  const c = cases.conv2d_stride_pad;
  const [x, w, b] = c.inputs.map((i) => tensor(i.data, f64).reshape(i.shape));
  const f = (x: Tensor, w: Tensor) => nn.conv2d.apply({ weight: w, bias: b }, x, c.options).tanh();
  const vx = pattern(x.shape, (i) => Math.sin(3 * i)),
    vw = pattern(w.shape, (i) => Math.cos(2 * i));
  const [y, jv] = jvp(f, [x, w], [vx, vw]);
  const u = pattern(y.shape, (i) => Math.sin(0.5 * i));
  const [, pull] = vjp(f, x, w);
  const [gx, gw] = pull(u);
  const lhs = u.mul(jv).sum().item();
  const rhs = gx.mul(vx).sum().add(gw.mul(vw).sum()).item();
  assert.ok(Math.abs(lhs - rhs) < 1e-12 * Math.max(1, Math.abs(lhs)), `${lhs} vs ${rhs}`);
});

Deno.test("per-example gradients of a conv net under vmap match a loop", () => {
  const params = nn.conv1d.init(
    { inChannels: 2, outChannels: 3, kernelSize: 3, dtype: "float64" },
    4,
  );
  const xs = pattern([5, 2, 8], (i) => Math.sin(0.3 * i));
  const loss = (p: nn.ConvParams, x: Tensor) =>
    nn.conv1d.apply(p, x, { padding: 1 }).tanh().pow(2).sum();
  const per = vmap((x: Tensor) => grad(loss)(params, x))(xs);
  for (let i = 0; i < 5; i++) {
    const g = grad(loss)(params, xs.index(i));
    closeTo(flat(per.weight.index(i)), flat(g.weight), `example ${i} weight`);
    closeTo(flat(per.bias!.index(i)), flat(g.bias!), `example ${i} bias`);
  }
});

Deno.test("initializers follow PyTorch's formulas: bounds, fans and moments", () => {
  // nn.Linear: weight and bias within 1/√in; a large draw fills the interval uniformly
  const lin = nn.linear.init({ inFeatures: 64, outFeatures: 200, dtype: "float64" }, 1);
  const wv = flat(lin.weight);
  const bound = 1 / 8;
  assert.ok(wv.every((v) => Math.abs(v) <= bound));
  const m = wv.reduce((a, b) => a + b, 0) / wv.length;
  const v = wv.reduce((a, b) => a + (b - m) ** 2, 0) / wv.length;
  assert.ok(Math.abs(m) < 0.01 * bound * 10, `mean ${m}`);
  assert.ok(
    Math.abs(v / (bound * bound / 3) - 1) < 0.05,
    `variance ratio ${v / (bound * bound / 3)}`,
  );
  assert.ok(flat(lin.bias!).every((x) => Math.abs(x) <= bound));
  // conv fans include the kernel: bound 1/√(in·k·k)
  const conv = nn.conv2d.init({ inChannels: 4, outChannels: 6, kernelSize: [3, 3] }, 2);
  assert.deepEqual(conv.weight.shape, [6, 4, 3, 3]);
  assert.ok(flat(conv.weight).every((x) => Math.abs(x) <= 1 / 6 + 1e-7));
  assert.ok(Math.max(...flat(conv.weight).map(Math.abs)) > 0.9 / 6);
  // Xavier normal: std √(2/(in+out)); Kaiming normal with ReLU: √(2/in)
  const xn = flat(nn.xavierNormal([300, 100], { generator: 3, dtype: "float64" }));
  const sd = Math.sqrt(xn.reduce((a, b) => a + b * b, 0) / xn.length);
  assert.ok(Math.abs(sd / Math.sqrt(2 / 400) - 1) < 0.03, `xavier std ratio ${sd}`);
  const kn = flat(
    nn.kaimingNormal([200, 50], { nonlinearity: "relu", generator: 5, dtype: "float64" }),
  );
  const sk = Math.sqrt(kn.reduce((a, b) => a + b * b, 0) / kn.length);
  assert.ok(Math.abs(sk / Math.sqrt(2 / 50) - 1) < 0.03, `kaiming std ratio ${sk}`);
  const xu = flat(nn.xavierUniform([10, 30], { gain: 2, generator: 6 }));
  assert.ok(xu.every((x) => Math.abs(x) <= 2 * Math.sqrt(6 / 40) + 1e-6));
  // seeds reproduce, different seeds differ
  assert.deepEqual(
    flat(nn.mlp.init({ sizes: [2, 3] }, 7).layers[0].weight),
    flat(nn.mlp.init({ sizes: [2, 3] }, 7).layers[0].weight),
  );
  assert.notDeepEqual(
    flat(nn.mlp.init({ sizes: [2, 3] }, 7).layers[0].weight),
    flat(nn.mlp.init({ sizes: [2, 3] }, 8).layers[0].weight),
  );
});

Deno.test("parameterCount, structure and errors of the blocks", () => {
  const p = nn.mlp.init({ sizes: [3, 10, 10, 2] }, 0);
  assert.equal(nn.parameterCount(p), 3 * 10 + 10 + 10 * 10 + 10 + 10 * 2 + 2);
  assert.equal(
    nn.parameterCount(nn.linear.init({ inFeatures: 3, outFeatures: 2, bias: false })),
    6,
  );
  assert.equal(tree.leaves(p).length, 6);
  assert.throws(
    () => nn.linear.init({ inFeatures: 3, outFeatures: 2, bais: true } as never),
    /nn\.linear\.init\(\): unknown option "bais"/,
  );
  assert.throws(() => nn.linear.init({ inFeatures: 3 } as never), /"outFeatures" is required/);
  assert.throws(
    () => nn.mlp.apply(p, ones([4, 3]), { activation: "swish" as never }),
    /unknown activation "swish"/,
  );
  assert.throws(
    () =>
      nn.conv2d.apply(
        nn.conv2d.init({ inChannels: 2, outChannels: 1, kernelSize: 3 }),
        ones([1, 3, 5, 5]),
      ),
    /3 channels/,
  );
  assert.throws(
    () =>
      nn.conv1d.apply(
        nn.conv1d.init({ inChannels: 1, outChannels: 1, kernelSize: 5 }),
        ones([1, 1, 3]),
      ),
    /larger than the padded input/,
  );
  assert.throws(
    () => nn.conv1d.apply({ weight: ones([1, 1, 2]) }, ones([1, 1, 4]), { stride: 0 }),
    RangeError,
  );
  assert.throws(
    () => nn.layerNorm.apply(nn.layerNorm.init({ normalizedShape: 4 }), ones([2, 3])),
    /does not end with the normalized shape/,
  );
  assert.throws(
    () => nn.embedding.apply(nn.embedding.init({ numEmbeddings: 3, embeddingDim: 2 }), ones([2])),
    /int64/,
  );
  assert.throws(() => nn.xavierUniform([3]), RangeError);
  const grouped = nn.conv1d.init({ inChannels: 4, outChannels: 6, kernelSize: 3, groups: 2 }, 0);
  assert.deepEqual(grouped.weight.shape, [6, 2, 3]);
  assert.ok(flat(grouped.weight).every((x) => Math.abs(x) <= 1 / Math.sqrt(6) + 1e-7));
  assert.deepEqual(nn.conv1d.apply(grouped, ones([4, 5]), { groups: 2 }).shape, [6, 3]);
  assert.throws(
    () => nn.conv1d.init({ inChannels: 4, outChannels: 5, kernelSize: 3, groups: 2 }),
    /groups must be a positive integer dividing both channel counts/,
  );
  assert.throws(() => nn.conv1d.apply(grouped, ones([4, 5])), /with 1 group\(s\) expects 2/);
  // gradient trees must match the block's params for an optimizer
  assert.throws(() => tree.map((a: Tensor, b: Tensor) => a.add(b), p, { layers: [] }), TreeError);
});
