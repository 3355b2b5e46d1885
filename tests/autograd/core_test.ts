import assert from "node:assert/strict";
import { exp, mul, sin, sum, tanh, tensor } from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import {
  anyTensorArb,
  broadcastAt,
  broadcastPairArb,
  checkDerivatives,
  property,
  tensorArb,
} from "../support/props.ts";

Deno.test("mul() values and gradients match finite differences to third order over broadcast shapes", () => {
  property(
    broadcastPairArb().chain(([sa, sb]) =>
      tensorArb(sa).chain((a) => tensorArb(sb).map((b) => [a, b] as const))
    ),
    ([a, b]) => {
      const out = mul(a, b);
      assert.equal(out.dtype, "float64");
      // values: out[i] = a[i'] · b[i''] at the broadcast positions, as the definition says
      const av = [...a.toTypedArray()], bv = [...b.toTypedArray()];
      const expected = Array.from(
        { length: out.numel },
        (_, i) => broadcastAt(av, a.shape, out.shape, i) * broadcastAt(bv, b.shape, out.shape, i),
      );
      assert.deepEqual([...out.toTypedArray()], expected);
      checkDerivatives((x, y) => sum(mul(x, y).mul(mul(x, y))), [a, b]);
    },
    15,
  );
});

Deno.test("composite of exp, sin, tanh matches finite differences to third order", () => {
  property(anyTensorArb(-1.5, 1.5), (x) => {
    checkDerivatives((v) => sum(tanh(exp(sin(v)).mul(0.5))), x);
  }, 15);
});

Deno.test("backward through a 1,000,000-op chain does not overflow the stack", () => {
  const x = tensor([1], { requiresGrad: true, dtype: "float64" });
  let y = x;
  for (let i = 0; i < 1_000_000; i++) y = i % 2 === 0 ? y.mul(1.0000001) : y.add(1e-7);
  y.sum().backward();
  assertClose(x.grad!, [Math.pow(1.0000001, 500_000)], { rtol: 1e-9 });
});

Deno.test("shapes are frozen: writing through one tensor's shape cannot reshape another", () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.mul(2);
  assert.ok(Object.isFrozen(x.shape) && Object.isFrozen(y.shape));
  assert.throws(() => {
    (y.shape as number[])[0] = 7;
  }, TypeError);
  assert.deepEqual(x.shape, [2, 2]);
  y.sum().backward();
  assert.deepEqual(x.grad!.shape, [2, 2]);
  // a caller's array is copied, not frozen in place
  const s = [4];
  const z = x.reshape(s);
  s.push(1);
  assert.deepEqual(z.shape, [4]);
  assert.equal(Object.isFrozen(s), false);
});
