/**
 * The random-program fuzzer: fast-check draws "genes" (an op number and a few choice numbers
 * per step) that decode into a valid straight-line program over the op set, with shapes
 * tracked so that every step applies. A program is plain JSON (inputs with their values, and
 * steps naming an op, its operands and its parameters), so that tests/fixtures/gen_fuzz.py
 * can run the same program in PyTorch.
 *
 * Each program is checked four ways: reverse mode against forward mode and central finite
 * differences to a chosen order (gradcheck), `vmap` against a loop over the examples (values
 * and first derivatives), and, for the committed sample, values and gradients against
 * PyTorch. Smooth programs get every check; programs with a kink (abs, relu, maximum, ...)
 * only the checks that do not difference across the kink.
 *
 * Every op keeps its operands in its smooth domain by construction (`log(x² + 1)`, a base of
 * `tanh(x)² + 1/2` for `pow`, a divisor `b² + 1`), and the Python side in gen_fuzz.py
 * spells out the same formulas.
 */

import fc from "fast-check";
import * as tg from "../../mod.ts";
import { range, type Tensor, tensor } from "../../mod.ts";
import { gradcheck } from "../../src/testing/mod.ts";
import { assertClose } from "../../src/testing/mod.ts";

type Shape = readonly number[];
type Params = Record<string, unknown>;

/** One step: `values.push(OPS[op].run(args.map((i) => values[i]), p))`. */
export interface Step {
  readonly op: string;
  readonly args: readonly number[];
  readonly p: Params;
}

/** A program: its inputs (float64 values) and its steps; the output is the last value. */
export interface Program {
  readonly inputs: readonly {
    readonly shape: Shape;
    readonly data: readonly number[];
    /** float64 unless said (the PyTorch sample mixes in float32 to check promotion). */
    readonly dtype?: "float32";
  }[];
  readonly steps: readonly Step[];
}

/** Picks among `n` options from the gene's choice numbers (0 once they run out). */
type Choose = (n: number) => number;

/** What a planned step needs: its operands (value indices or new inputs) and parameters. */
interface Plan {
  readonly args: readonly (number | { readonly shape: Shape })[];
  readonly p: Params;
}

interface OpDef {
  /** Whether the op is smooth on the values it gets (no kink, so finite differences apply). */
  readonly smooth: boolean;
  /** A plan for operand `a` (a value index) among `shapes`, or null when the op cannot apply. */
  plan(a: number, shapes: readonly Shape[], choose: Choose): Plan | null;
  run(xs: readonly Tensor[], p: Params): Tensor;
}

const numel = (s: Shape) => s.reduce((a, b) => a * b, 1);
const sq1 = (x: Tensor) => x.mul(x).add(1);
const dimOf = (s: Shape, choose: Choose) => choose(s.length);

/** A shape that broadcasts with `s`: drop leading dims and set some sizes to 1. */
function broadcastPartner(s: Shape, choose: Choose): Shape {
  const drop = choose(s.length + 1);
  return s.slice(drop).map((d) => (choose(3) === 0 ? 1 : d));
}

/** Integer indices in `[lo, hi)` for a tensor of `shape`, drawn from the choices. */
function indices(shape: Shape, lo: number, hi: number, choose: Choose): number[] {
  return Array.from({ length: numel(shape) }, () => lo + choose(hi - lo));
}

const unary = (
  smooth: boolean,
  run: (x: Tensor, p: Params) => Tensor,
  params?: (c: Choose) => Params,
): OpDef => ({
  smooth,
  plan: (a, _s, c) => ({ args: [a], p: params ? params(c) : {} }),
  run: ([x], p) => run(x, p),
});

const binary = (smooth: boolean, run: (a: Tensor, b: Tensor) => Tensor): OpDef => ({
  smooth,
  plan(a, shapes, c) {
    // the other operand: an earlier value whose shape broadcasts, or a new input
    const want = broadcastPartner(shapes[a], c);
    const reuse = shapes.findIndex((s, i) =>
      i !== a && s.length === want.length &&
      s.every((d, k) => d === want[k])
    );
    return { args: [a, reuse >= 0 && c(2) === 0 ? reuse : { shape: want }], p: {} };
  },
  run: ([a, b]) => run(a, b),
});

/** A reduction-like op along one dim (or all dims when `all` is allowed and chosen). */
const alongDim = (
  smooth: boolean,
  run: (x: Tensor, p: Params) => Tensor,
  opts: { minSize?: number; keepdim?: boolean; all?: boolean } = {},
): OpDef => ({
  smooth,
  plan(a, shapes, c) {
    const s = shapes[a];
    if (s.length === 0) return opts.all ? { args: [a], p: { dim: null, keepdim: false } } : null;
    const dim = dimOf(s, c);
    if (s[dim] < (opts.minSize ?? 1)) return null;
    const all = opts.all === true && c(4) === 0;
    const keepdim = !all && opts.keepdim === true && c(2) === 1;
    return { args: [a], p: { dim: all ? null : dim, keepdim } };
  },
  run: ([x], p) => run(x, p),
});

/** An op on `x xᵀ + I` (over the last two dims of `x`, rank ≥ 2): symmetric positive definite. */
function gramOp(f: (g: Tensor, x: Tensor) => Tensor): OpDef {
  return {
    smooth: true,
    plan: (a, shapes) => (shapes[a].length < 2 ? null : { args: [a], p: {} }),
    run([x]) {
      const m = x.shape[x.ndim - 2];
      const g = tg.matmul(x, tg.transpose(x, -1, -2)).add(tg.eye(m, m, { dtype: x.dtype }));
      return f(g, x);
    },
  };
}

/** A matrix op taking a diagonal offset k ∈ {−1, 0, 1} (rank ≥ 2). */
function withOffset(f: (x: Tensor, k: number) => Tensor): OpDef {
  return {
    smooth: true,
    plan: (a, shapes, c) => (shapes[a].length < 2 ? null : { args: [a], p: { k: c(3) - 1 } }),
    run: ([x], p) => f(x, p.k as number),
  };
}

const dimArg = (p: Params) => (p.dim === null ? undefined : p.dim as number);

/** The op set. Names are the keys gen_fuzz.py knows. */
export const OPS: Readonly<Record<string, OpDef>> = {
  // elementwise, smooth
  neg: unary(true, (x) => x.neg()),
  sin: unary(true, (x) => x.sin()),
  cos: unary(true, (x) => x.cos()),
  tanh: unary(true, (x) => x.tanh()),
  sigmoid: unary(true, (x) => tg.sigmoid(x)),
  exp_tanh: unary(true, (x) => x.tanh().exp()),
  log_sq1: unary(true, (x) => sq1(x).log()),
  sqrt_sq1: unary(true, (x) => sq1(x).sqrt()),
  recip_sq1: unary(true, (x) => tg.reciprocal(sq1(x))),
  softplus: unary(true, (x) => tg.softplus(x)),
  erf: unary(true, (x) => tg.erf(x)),
  atan: unary(true, (x) => tg.atan(x)),
  asinh: unary(true, (x) => tg.asinh(x)),
  square: unary(true, (x) => tg.square(x)),
  log1p_sq: unary(true, (x) => tg.log1p(x.mul(x))),
  expm1_tanh: unary(true, (x) => tg.expm1(x.tanh())),
  pow_scalar: unary(
    true,
    (x, p) => x.tanh().pow(2).add(0.5).pow(p.c as number),
    (c) => ({ c: [-1.5, 0.5, 2, 3][c(4)] }),
  ),
  mul_scalar: unary(true, (x, p) => x.mul(p.c as number).add(p.d as number), (c) => ({
    c: [0.5, -2, 3][c(3)],
    d: [0, 1, -0.25][c(3)],
  })),
  gelu: unary(true, (x) => tg.gelu(x)),
  silu: unary(true, (x) => tg.silu(x)),
  log_sigmoid: unary(true, (x) => tg.logSigmoid(x)),
  sinh: unary(true, (x) => tg.sinh(x)),
  cosh: unary(true, (x) => tg.cosh(x)),
  rsqrt_sq1: unary(true, (x) => tg.rsqrt(sq1(x))),
  log2_sq1: unary(true, (x) => tg.log2(sq1(x))),
  // elementwise with a kink (elu's second derivative jumps at 0)
  elu: unary(false, (x) => tg.elu(x)),
  leaky_relu: unary(false, (x) => tg.leakyRelu(x, 0.1)),
  abs: unary(false, (x) => x.abs()),
  relu: unary(false, (x) => tg.relu(x)),
  clamp: unary(false, (x) => tg.clamp(x, -0.5, 0.5)),
  // binary with broadcasting
  add: binary(true, (a, b) => a.add(b)),
  sub: binary(true, (a, b) => a.sub(b)),
  mul: binary(true, (a, b) => a.mul(b)),
  div_sq1: binary(true, (a, b) => a.div(sq1(b))),
  pow_tensor: binary(true, (a, b) => a.mul(a).add(0.5).pow(b.tanh())),
  atan2_sq1: binary(true, (a, b) => tg.atan2(a, sq1(b))),
  // (PyTorch's losses want one dtype: the target is cast to the input's)
  mse: binary(true, (a, b) => tg.mseLoss(a, b.expand(a.shape).to(a.dtype))),
  bce_logits: binary(
    true,
    (a, b) => tg.binaryCrossEntropyWithLogits(a, tg.sigmoid(b).expand(a.shape).to(a.dtype)),
  ),
  maximum: binary(false, (a, b) => tg.maximum(a, b)),
  where_gt: binary(false, (a, b) => tg.where(tg.gt(a, b), a, b.mul(2))),
  matmul: {
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      if (s.length === 0) return null;
      const k = s[s.length - 1];
      const b = c(2) === 0 ? [k] : [k, 1 + c(3)];
      return { args: [a, { shape: b }], p: {} };
    },
    run: ([a, b]) => tg.matmul(a, b),
  },
  einsum: {
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      if (s.length === 0) return null;
      return { args: [a, { shape: [s[s.length - 1], 1 + c(3)] }], p: {} };
    },
    run: ([a, b]) => tg.einsum("...i,ij->...j", a, b),
  },
  cross_entropy: {
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      if (s.length < 1 || s.length > 2) return null;
      const classes = s[s.length - 1];
      const n = s.length === 2 ? s[0] : 1;
      return { args: [a], p: { target: indices([n], 0, classes, c) } };
    },
    run([x], p) {
      const t = p.target as number[];
      return tg.crossEntropy(x, tensor(x.ndim === 2 ? t : t[0], { dtype: "int64" }));
    },
  },
  // linear algebra on the well-conditioned Gram matrix x xᵀ + I of the last two dims
  det_gram: gramOp((g) => tg.linalg.det(g)),
  inv_gram: gramOp((g) => tg.linalg.inv(g)),
  cholesky_gram: gramOp((g) => tg.linalg.cholesky(g)),
  logabsdet_gram: gramOp((g) => tg.linalg.slogdet(g).logabsdet),
  solve_gram: gramOp((g, x) => tg.linalg.solve(g, x)),
  // reductions
  sum: alongDim(true, (x, p) => tg.sum(x, dimArg(p), p.keepdim as boolean), {
    keepdim: true,
    all: true,
  }),
  mean: alongDim(true, (x, p) => tg.mean(x, dimArg(p), p.keepdim as boolean), {
    keepdim: true,
    all: true,
  }),
  prod: alongDim(true, (x, p) => tg.prod(x, p.dim as number, p.keepdim as boolean), {
    keepdim: true,
  }),
  logsumexp: alongDim(true, (x, p) => tg.logsumexp(x, p.dim as number, p.keepdim as boolean), {
    keepdim: true,
  }),
  softmax: alongDim(true, (x, p) => tg.softmax(x, p.dim as number)),
  log_softmax: alongDim(true, (x, p) => tg.logSoftmax(x, p.dim as number)),
  norm: {
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      const dim = s.length === 0 || c(3) === 0 ? null : dimOf(s, c);
      return { args: [a], p: { ord: [2, 3, 1.5][c(3)], dim } };
    },
    run: ([x], p) => tg.norm(x, p.ord as number, dimArg(p)),
  },
  var: alongDim(true, (x, p) => tg.variance(x, p.dim as number), { minSize: 2 }),
  std: alongDim(true, (x, p) => tg.std(x, p.dim as number), { minSize: 2 }),
  cumsum: alongDim(true, (x, p) => tg.cumsum(x, p.dim as number)),
  cumprod: alongDim(true, (x, p) => tg.cumprod(x, p.dim as number)),
  amax: alongDim(false, (x, p) => tg.amax(x, p.dim as number, p.keepdim as boolean), {
    keepdim: true,
  }),
  // layout
  flatten: unary(true, (x) => x.reshape([-1])),
  transpose: {
    smooth: true,
    plan: (a, shapes, c) =>
      shapes[a].length < 2
        ? null
        : { args: [a], p: { d0: dimOf(shapes[a], c), d1: dimOf(shapes[a], c) } },
    run: ([x], p) => tg.transpose(x, p.d0 as number, p.d1 as number),
  },
  permute: {
    smooth: true,
    plan(a, shapes, c) {
      const rest = shapes[a].map((_, i) => i);
      const perm: number[] = [];
      while (rest.length > 0) perm.push(rest.splice(c(rest.length), 1)[0]);
      return { args: [a], p: { perm } };
    },
    run: ([x], p) => tg.permute(x, p.perm as number[]),
  },
  unsqueeze: {
    smooth: true,
    plan: (a, shapes, c) => ({ args: [a], p: { dim: c(shapes[a].length + 1) } }),
    run: ([x], p) => tg.unsqueeze(x, p.dim as number),
  },
  squeeze: unary(true, (x) => tg.squeeze(x)),
  expand: {
    smooth: true,
    plan: (a, shapes, c) => ({
      args: [a],
      p: { shape: [2 + c(2), ...shapes[a].map((d) => (d === 1 ? 1 + c(3) : d))] },
    }),
    run: ([x], p) => tg.expand(x, p.shape as number[]),
  },
  flip: {
    smooth: true,
    plan: (a, shapes, c) =>
      shapes[a].length === 0 ? null : { args: [a], p: { dim: dimOf(shapes[a], c) } },
    run: ([x], p) => tg.flip(x, p.dim as number),
  },
  slice: {
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      if (s.length === 0) return null;
      const dim = dimOf(s, c);
      const n = s[dim];
      const start = c(n) - (c(2) === 0 ? n : 0); // negative half the time
      const step = 1 + c(2);
      const end = start < 0 ? null : Math.min(n, start + 1 + c(n));
      return { args: [a], p: { dim, start, end, step } };
    },
    run: ([x], p) =>
      tg.slice(x, p.dim as number, p.start as number, p.end as number | null, p.step as number),
  },
  index_pair: {
    // x[i, j] with broadcast int64 tensors, adjacent (in place) or after a slice (also in place)
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      if (s.length < 2) return null;
      const lead = s.length >= 3 && c(2) === 0; // x[:, i, j]
      const d0 = lead ? 1 : 0;
      const si = [1 + c(3)];
      const sj = c(2) === 0 ? [si[0]] : [1 + c(2), 1];
      return {
        args: [a],
        p: {
          lead,
          i: { shape: si, data: indices(si, -s[d0], s[d0], c) },
          j: { shape: sj, data: indices(sj, -s[d0 + 1], s[d0 + 1], c) },
        },
      };
    },
    run([x], p) {
      const t = (q: unknown) => {
        const { shape, data } = q as { shape: number[]; data: number[] };
        return tensor(data, { dtype: "int64", shape });
      };
      return p.lead ? tg.index(x, range(), t(p.i), t(p.j)) : tg.index(x, t(p.i), t(p.j));
    },
  },
  index_split: {
    // x[i, :, j]: the tensor indices are separated, so their dimensions go first
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      if (s.length < 3) return null;
      const si = [1 + c(3)];
      return {
        args: [a],
        p: { i: indices(si, 0, s[0], c), j: indices(si, -s[2], s[2], c) },
      };
    },
    run: ([x], p) =>
      tg.index(
        x,
        tensor(p.i as number[], { dtype: "int64" }),
        range(),
        tensor(p.j as number[], { dtype: "int64" }),
      ),
  },
  gather: {
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      if (s.length === 0) return null;
      const dim = dimOf(s, c);
      const ishape = s.map((d, i) => (i === dim ? 1 + c(4) : 1 + c(d)));
      return { args: [a], p: { dim, shape: ishape, data: indices(ishape, 0, s[dim], c) } };
    },
    run: ([x], p) =>
      tg.gather(
        x,
        p.dim as number,
        tensor(p.data as number[], { dtype: "int64", shape: p.shape as number[] }),
      ),
  },
  index_select: {
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      if (s.length === 0) return null;
      const dim = dimOf(s, c);
      return { args: [a], p: { dim, data: indices([1 + c(4)], 0, s[dim], c) } };
    },
    run: ([x], p) =>
      tg.indexSelect(x, p.dim as number, tensor(p.data as number[], { dtype: "int64" })),
  },
  scatter_add: {
    // x with x's own values added at `index` along dim (repeats accumulate)
    smooth: true,
    plan(a, shapes, c) {
      const s = shapes[a];
      if (s.length === 0) return null;
      const dim = dimOf(s, c);
      return { args: [a], p: { dim, data: indices(s, 0, s[dim], c) } };
    },
    run: ([x], p) =>
      tg.scatterAdd(
        x,
        p.dim as number,
        tensor(p.data as number[], { dtype: "int64", shape: x.shape }),
        x.sin(),
      ),
  },
  roll: {
    smooth: true,
    plan: (a, shapes, c) =>
      shapes[a].length === 0
        ? null
        : { args: [a], p: { shift: c(5) - 2, dim: dimOf(shapes[a], c) } },
    run: ([x], p) => tg.roll(x, p.shift as number, p.dim as number),
  },
  pad: {
    smooth: true,
    plan: (a, shapes, c) =>
      shapes[a].length === 0 ? null : { args: [a], p: { l: c(3), r: c(2), value: [0, 0.5][c(2)] } },
    run: ([x], p) => tg.pad(x, [p.l as number, p.r as number], "constant", p.value as number),
  },
  movedim: {
    smooth: true,
    plan: (a, shapes, c) =>
      shapes[a].length === 0
        ? null
        : { args: [a], p: { src: dimOf(shapes[a], c), dst: dimOf(shapes[a], c) } },
    run: ([x], p) => tg.movedim(x, p.src as number, p.dst as number),
  },
  chunk_last: {
    smooth: true,
    plan: (a, shapes, c) =>
      shapes[a].length === 0
        ? null
        : { args: [a], p: { chunks: 1 + c(3), dim: dimOf(shapes[a], c) } },
    run: ([x], p) => {
      const parts = tg.chunk(x, p.chunks as number, p.dim as number);
      return parts[parts.length - 1];
    },
  },
  cat: {
    smooth: true,
    plan: (a, shapes, c) =>
      shapes[a].length === 0 ? null : { args: [a], p: { dim: dimOf(shapes[a], c) } },
    run: ([x], p) => tg.cat([x, x.sin()], p.dim as number),
  },
  stack: {
    smooth: true,
    plan: (a, shapes, c) => ({ args: [a], p: { dim: c(shapes[a].length + 1) } }),
    run: ([x], p) => tg.stack([x, x.cos()], p.dim as number),
  },
  tril: withOffset(tg.tril),
  triu: withOffset(tg.triu),
  diagonal: withOffset((x, k) => tg.diagonal(x, k)),
  trace: {
    smooth: true,
    plan: (a, shapes) => shapes[a].length !== 2 ? null : { args: [a], p: {} },
    run: ([x]) => tg.trace(x),
  },
};

export const OP_NAMES: readonly string[] = Object.keys(OPS);

/** One gene: an op number and the choice numbers its plan draws from. */
export type Gene = { readonly op: number; readonly pick: number; readonly c: readonly number[] };

const geneArb: fc.Arbitrary<Gene> = fc.record({
  op: fc.nat(OP_NAMES.length - 1),
  pick: fc.nat(3),
  c: fc.array(fc.nat(1000), { maxLength: 24 }),
});

/** The shape of a value after a step, computed by running the op on zeros (cheap: tiny). */
function shapeAfter(op: OpDef, shapes: readonly Shape[], plan: Plan): Shape | null {
  try {
    const xs = plan.args.map((a) =>
      tg.zeros(typeof a === "number" ? shapes[a] : a.shape, { dtype: "float64" })
    );
    return op.run(xs, plan.p).shape;
  } catch {
    return null;
  }
}

/** Decodes genes and a data seed into a valid program of at most `maxSteps` steps. */
export function decode(genes: readonly Gene[], first: Shape, seed: number, maxSteps = 8): Program {
  const shapes: Shape[] = [first];
  const inputShapes: Shape[] = [first];
  const inputAt: number[] = [0]; // value index of each input
  const steps: { op: string; args: number[]; p: Params }[] = [];
  // values are numbered: inputs as they are created, interleaved with step results; the JSON
  // form renumbers them (inputs first) below
  const kinds: ({ input: number } | { step: number })[] = [{ input: 0 }];
  for (const g of genes) {
    if (steps.length >= maxSteps) break;
    const name = OP_NAMES[g.op % OP_NAMES.length];
    const op = OPS[name];
    let k = 0;
    const choose: Choose = (n) => (n <= 1 ? 0 : (g.c[k++] ?? 0) % n);
    const a = shapes.length - 1 - (g.pick % Math.min(2, shapes.length));
    const plan = op.plan(a, shapes, choose);
    if (plan === null) continue;
    const out = shapeAfter(op, shapes, plan);
    if (out === null || numel(out) > 64 || out.length > 4) continue;
    const args = plan.args.map((x) => {
      if (typeof x === "number") return x;
      inputShapes.push(x.shape);
      inputAt.push(shapes.length);
      kinds.push({ input: inputShapes.length - 1 });
      shapes.push(x.shape);
      return shapes.length - 1;
    });
    steps.push({ op: name, args, p: plan.p });
    kinds.push({ step: steps.length - 1 });
    shapes.push(out);
  }
  // renumber: inputs are values 0..n-1, step k's result is value n + k
  const n = inputShapes.length;
  const renum = kinds.map((kd) => ("input" in kd ? kd.input : n + kd.step));
  const gen = new tg.Generator(seed);
  return {
    inputs: inputShapes.map((s) => ({
      shape: s,
      data: Array.from(
        { length: numel(s) },
        () => Math.round((gen.uniform() * 3 - 1.5) * 1e6) / 1e6,
      ),
    })),
    steps: steps.map((st) => ({ ...st, args: st.args.map((i) => renum[i]) })),
  };
}

/** Programs of at most `maxSteps` steps (shrinking removes steps and simplifies choices). */
export function programsOf(maxSteps: number): fc.Arbitrary<Program> {
  return fc.tuple(
    fc.array(geneArb, { minLength: 1, maxLength: Math.ceil(maxSteps * 1.75) }),
    fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
    fc.nat(1_000_000),
  ).map(([genes, first, seed]) => decode(genes, first, seed, maxSteps));
}

/** Programs of up to 8 steps. */
export const programArb: fc.Arbitrary<Program> = programsOf(8);

/** Runs a program on the given inputs; the output is the last value. */
export function run(prog: Program, xs: readonly Tensor[]): Tensor {
  const values: Tensor[] = [...xs];
  for (const st of prog.steps) values.push(OPS[st.op].run(st.args.map((i) => values[i]), st.p));
  return values[values.length - 1];
}

/** The program's inputs as float64 tensors. */
export function inputsOf(prog: Program): Tensor[] {
  return prog.inputs.map((i) =>
    tensor(i.data as number[], { dtype: i.dtype ?? "float64", shape: i.shape as number[] })
  );
}

/** Whether every op of the program is smooth (finite differences apply). */
export function isSmooth(prog: Program): boolean {
  return prog.steps.every((s) => OPS[s.op].smooth);
}

/** The result of checking one program. */
export interface Outcome {
  readonly skipped?: string;
  readonly order: number;
}

/**
 * Checks one program: the output is finite; reverse mode against forward mode and finite
 * differences to `order` (smooth programs only); `vmap` against a loop over a batch of
 * examples for the value and, for smooth programs, the gradient. Throws on a mismatch.
 */
export function checkProgram(prog: Program, order: number, seed: number): Outcome {
  if (prog.steps.length === 0) return { skipped: "no step", order: 0 };
  const xs = inputsOf(prog);
  const values: Tensor[] = [...xs];
  for (const st of prog.steps) values.push(OPS[st.op].run(st.args.map((i) => values[i]), st.p));
  let largest = 0;
  for (const v of values) {
    for (const x of v.toTypedArray()) largest = Math.max(largest, Math.abs(x));
  }
  // an intermediate ∞ makes the gradient NaN in PyTorch as here (0 · ∞): not a finding
  if (!Number.isFinite(largest)) return { skipped: "an intermediate value overflows", order: 0 };
  if (largest > 1e6) return { skipped: "a value beyond 1e6", order: 0 };
  const smooth = isSmooth(prog);
  const f = (...ys: Tensor[]) => run(prog, ys);
  // finite differences with a step of 1e-4 are meaningless once values reach 1e4 (a sin of
  // them turns within the step); there the derivatives are left to vmap = loop and PyTorch
  const fd = smooth && order > 0 && largest <= 1e4;
  if (fd) {
    // a smaller step before calling it a finding: points within 1e-4 of a kink of a smooth
    // op's domain (std of nearly constant data, |x|^p near 0) need it
    let failure: unknown = null;
    for (const eps of [1e-4, 1e-6]) {
      try {
        gradcheck(f, xs, { order, seed, eps, atol: 1e-5, rtol: 1e-4 });
        failure = null;
        break;
      } catch (e) {
        failure ??= e;
      }
    }
    if (failure !== null) throw failure;
  }
  checkVmap(prog, seed, smooth);
  return fd ? { order } : {
    order: 0,
    skipped: smooth && order > 0 ? "values beyond 1e4: no finite differences" : undefined,
  };
}

/** vmap of the program (and of its gradient) against a loop over `size` examples. */
function checkVmap(prog: Program, seed: number, smooth: boolean): void {
  const gen = new tg.Generator(seed + 1);
  const size = 2 + (seed % 2);
  const n = prog.inputs.length;
  // batch each input or not (at least the first), the batch dim at 0 or at the end
  const batched = prog.inputs.map((_, i) => i === 0 || gen.uniform() < 0.6);
  const xs = inputsOf(prog);
  const examples = xs.map((x, i) =>
    batched[i]
      ? Array.from(
        { length: size },
        (
          _,
          b,
        ) => (b === 0
          ? x
          : x.add(tg.randn(x.shape, { dtype: "float64", generator: gen }).mul(0.3))),
      )
      : [x]
  );
  const atEnd = xs.map((x, i) => batched[i] && x.ndim > 0 && gen.uniform() < 0.3);
  const stacked = examples.map((ex, i) => {
    if (!batched[i]) return ex[0];
    return atEnd[i] ? tg.stack(ex, ex[0].ndim) : tg.stack(ex, 0);
  });
  const inDims = xs.map((x, i) => (batched[i] ? (atEnd[i] ? x.ndim : 0) : null));
  const pick = (b: number) => examples.map((ex, i) => (batched[i] ? ex[b] : ex[0]));
  const loop = (g: (...ys: Tensor[]) => Tensor) =>
    tg.stack(Array.from({ length: size }, (_, b) => g(...pick(b))));
  const f = (...ys: Tensor[]) => run(prog, ys);
  const mapped = tg.vmap(f, { inDims })(...stacked);
  assertClose(mapped, loop(f), { atol: 1e-9, rtol: 1e-9, message: "vmap value" });
  // mixed precision: some inputs float32, so dtype promotion (0-d rules included) must agree
  const to32 = xs.map(() => gen.uniform() < 0.4);
  if (to32.some((b) => b)) {
    const cast = (ys: Tensor[]) => ys.map((y, i) => (to32[i] ? y.float() : y));
    const f32 = (...ys: Tensor[]) => run(prog, cast(ys));
    const m32 = tg.vmap(f32, { inDims })(...stacked);
    const l32 = loop(f32);
    if (m32.dtype !== l32.dtype) {
      throw new Error(`vmap gives dtype ${m32.dtype}, the loop ${l32.dtype} (mixed precision)`);
    }
    assertClose(m32, l32, { atol: 1e-5, rtol: 1e-4, message: "vmap value, mixed precision" });
  }
  if (!smooth || n === 0) return;
  const s = (...ys: Tensor[]) => tg.sum(run(prog, ys).sin());
  const g = (...ys: Tensor[]) => tg.grad(s)(...ys);
  const mg = tg.vmap(g, { inDims })(...stacked);
  assertClose(mg, loop(g), { atol: 1e-9, rtol: 1e-9, message: "vmap of grad" });
  // forward mode under vmap: the tangent along a fixed direction of the first input
  const dir = tg.randn(xs[0].shape, { dtype: "float64", generator: gen });
  const jv = (...ys: Tensor[]) =>
    tg.jvp((y0: Tensor) => run(prog, [y0, ...ys.slice(1)]), [ys[0]], [dir])[1];
  const mj = tg.vmap(jv, { inDims })(...stacked);
  assertClose(mj, loop(jv), { atol: 1e-9, rtol: 1e-9, message: "vmap of jvp" });
  // forward-over-reverse (a Hessian-vector product) under vmap, gradients of every input
  const all = xs.map((_, i) => i);
  const hv = (...ys: Tensor[]) =>
    tg.jvp((y0: Tensor) => tg.grad(s, { argnums: 0 })(y0, ...ys.slice(1)), [ys[0]], [dir])[1];
  assertClose(tg.vmap(hv, { inDims })(...stacked), loop(hv), {
    atol: 1e-8,
    rtol: 1e-8,
    message: "vmap of hvp",
  });
  const gAll = (...ys: Tensor[]) =>
    tg.stack(
      (tg.grad(s, { argnums: all })(...ys) as unknown as Tensor[]).map((t) => t.sum()),
    );
  assertClose(tg.vmap(gAll, { inDims })(...stacked), loop(gAll), {
    atol: 1e-9,
    rtol: 1e-9,
    message: "vmap of grad of every input",
  });
  // the Jacobian both ways (each is itself a vmap over a basis)
  if (xs[0].numel <= 12 && run(prog, xs).numel <= 12) {
    const h = (y0: Tensor) => run(prog, [y0, ...xs.slice(1)]);
    assertClose(tg.jacrev(h)(xs[0]), tg.jacfwd(h)(xs[0]), {
      atol: 1e-9,
      rtol: 1e-9,
      message: "jacrev = jacfwd",
    });
  }
}

/** Seed and size of the committed PyTorch sample. */
export const SAMPLE_SEED = 13;
/** How many programs the committed sample draws (those without steps or finite output drop out). */
export const SAMPLE_SIZE = 160;

/** The committed sample: deterministic, so the test can tell when it needs regenerating. */
export function samplePrograms(): Program[] {
  return fc.sample(programArb, { seed: SAMPLE_SEED, numRuns: SAMPLE_SIZE })
    // every fourth program has its odd-numbered inputs (or its only one) in float32
    .map((p, k) =>
      k % 4 !== 3 ? p : {
        ...p,
        inputs: p.inputs.map((x, i) =>
          i % 2 === 1 || p.inputs.length === 1 ? { ...x, dtype: "float32" as const } : x
        ),
      }
    )
    .filter((p) => {
      if (p.steps.length === 0) return false;
      const v = run(p, inputsOf(p)).toTypedArray();
      return v.every((x) => Number.isFinite(x) && Math.abs(x) < 1e6);
    });
}
