/** Data in and out: tolist, the JSON form, number conversion, typed-array input, constructor checks. */

import assert from "node:assert/strict";
import {
  DtypeError,
  fromJSON,
  ShapeError,
  Tensor,
  tensor,
  type TensorJSON,
  vmap,
} from "../../mod.ts";

Deno.test("tolist() gives nested arrays, booleans for bool, a number for 0-d", () => {
  assert.deepEqual(tensor([[1, 2, 3], [4, 5, 6]]).tolist(), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(tensor([true, false]).tolist(), [true, false]);
  assert.equal(tensor(7, { dtype: "int64" }).tolist(), 7);
  assert.deepEqual(tensor([], { shape: [0, 3] }).tolist(), []);
});

Deno.test("JSON.stringify writes { dtype, shape, data } and leaves autograd state out", () => {
  const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
  const y = x.mul(x).tanh(); // has a gradFn whose graph points back at x
  const parsed = JSON.parse(JSON.stringify({ y }));
  assert.deepEqual(Object.keys(parsed.y), ["dtype", "shape", "data"]);
  assert.equal(parsed.y.dtype, "float32");
  assert.deepEqual(parsed.y.shape, [2, 2]);
  const expected = [1, 4, 9, 16].map((v) => Math.fround(Math.tanh(v)));
  assert.deepEqual(parsed.y.data, expected);
});

Deno.test("fromJSON reads back every dtype, with NaN, ±Infinity and -0 kept", () => {
  const cases: Tensor[] = [
    tensor([[1.25, NaN, -Infinity], [Infinity, -0, 3]], { dtype: "float64" }),
    tensor([0.1, 1e-30, 3e38]),
    tensor([-3, 0, 2 ** 53], { dtype: "int64" }),
    tensor([[true], [false]]),
    tensor(2.5),
  ];
  for (const t of cases) {
    const back = fromJSON(JSON.stringify(t));
    assert.equal(back.dtype, t.dtype);
    assert.deepEqual(back.shape, t.shape);
    assert.deepEqual(back.toTypedArray(), t.toTypedArray()); // bit-for-bit, float32 too
    assert.deepEqual(fromJSON(t.toJSON()).toTypedArray(), t.toTypedArray());
  }
  assert.equal(fromJSON(tensor([1.5]).toJSON(), { requiresGrad: true }).requiresGrad, true);
});

Deno.test("fromJSON refuses malformed input with typed errors", () => {
  const bad = (v: unknown) => v as TensorJSON;
  assert.throws(() => fromJSON(bad({ shape: [1], data: [1] })), TypeError);
  assert.throws(() => fromJSON(bad({ dtype: "half", shape: [1], data: [1] })), DtypeError);
  assert.throws(() => fromJSON(bad({ dtype: "float32", shape: [2], data: [1] })), ShapeError);
  assert.throws(() => fromJSON(bad({ dtype: "float32", shape: [-1], data: [] })), ShapeError);
  assert.throws(() => fromJSON(bad({ dtype: "float32", shape: [1], data: ["x"] })), TypeError);
  assert.throws(() => fromJSON(bad({ dtype: "int64", shape: [1], data: [1.5] })), DtypeError);
});

Deno.test("one-element tensors convert to numbers; strings still get the repr", () => {
  assert.equal(Number(tensor(2.5)), 2.5);
  assert.equal(+tensor([[3]], { dtype: "int64" }), 3);
  assert.equal(Math.exp(tensor(0) as unknown as number), 1);
  assert.equal((tensor(1.5) as unknown as number) * 2, 3);
  assert.equal(Number(tensor(true)), 1);
  assert.equal(String(tensor(2)), "tensor(2.)");
  assert.equal(`${tensor(2)}`, "tensor(2.)");
  assert.equal("x = " + tensor(2), "x = tensor(2.)");
  assert.throws(() => Number(tensor([1, 2])), ShapeError);
});

Deno.test("typed arrays map to the dtype of their element type", () => {
  assert.equal(tensor(new Float32Array([1.5])).dtype, "float32");
  assert.equal(tensor(new Float64Array([1.5])).dtype, "float64");
  for (const Ctor of [Int8Array, Int16Array, Int32Array, Uint16Array, Uint32Array]) {
    const t = tensor(new Ctor([1, 2, 3]));
    assert.equal(t.dtype, "int64", Ctor.name);
    assert.deepEqual(t.tolist(), [1, 2, 3]);
  }
  const big = tensor(new BigInt64Array([1n, -2n, 2n ** 53n]));
  assert.equal(big.dtype, "int64");
  assert.deepEqual(big.tolist(), [1, -2, 2 ** 53]);
  assert.deepEqual(tensor(new BigUint64Array([7n])).tolist(), [7]);
  assert.throws(() => tensor(new BigInt64Array([2n ** 53n + 1n])), RangeError);
  assert.deepEqual(tensor(new BigInt64Array([3n]), { dtype: "float64" }).tolist(), [3]);
  // no uint8 dtype: a clear error, or the dtype the caller names
  assert.throws(() => tensor(new Uint8Array([1, 0])), /no uint8 dtype.*explicit dtype/);
  assert.throws(() => tensor(new Uint8ClampedArray([1])), DtypeError);
  assert.deepEqual(tensor(new Uint8Array([1, 0]), { dtype: "bool" }).tolist(), [true, false]);
  assert.deepEqual(tensor(new Uint8Array([200]), { dtype: "int64" }).tolist(), [200]);
  assert.throws(() => tensor(new DataView(new ArrayBuffer(4)) as unknown as number[]), TypeError);
});

Deno.test("a Float16Array widens to float32 instead of being read as integers", () => {
  const F16 = (globalThis as Record<string, unknown>).Float16Array as
    | (new (xs: number[]) => ArrayLike<number>)
    | undefined;
  if (F16 === undefined) return; // this runtime has no Float16Array
  const t = tensor(new F16([0.5, -1.25]));
  assert.equal(t.dtype, "float32");
  assert.deepEqual(t.tolist(), [0.5, -1.25]);
});

Deno.test("the low-level constructor checks its storage, shape and dtype", () => {
  const ok = new Tensor(new Float32Array(6), [2, 3], "float32");
  assert.deepEqual(ok.shape, [2, 3]);
  assert.equal(new Tensor(new Float64Array([4]), [], "int64").item(), 4);
  assert.throws(() => new Tensor(new Float32Array(5), [2, 3], "float32"), /needs 6 elements/);
  assert.throws(() => new Tensor(new Float32Array(6), [2, 3], "float64"), TypeError);
  assert.throws(() => new Tensor(new Float64Array(2), [2], "bool"), /Uint8Array/);
  assert.throws(() => new Tensor(new Float32Array(2), [2], "half" as "float32"), DtypeError);
  assert.throws(() => new Tensor(new Float32Array(2), [2.5], "float32"), ShapeError);
  assert.throws(() => new Tensor(new Float32Array(0), [-1], "float32"), ShapeError);
  assert.throws(
    () => new Tensor(new Float32Array(2), 2 as unknown as number[], "float32"),
    TypeError,
  );
});

Deno.test("inside vmap the data conversions say the values are not concrete", () => {
  assert.throws(() => vmap((v: Tensor) => tensor(v.tolist()))(tensor([[1, 2]])), /vmap/);
  assert.throws(() => vmap((v: Tensor) => tensor(Number(v)))(tensor([1, 2])), /vmap/);
  assert.throws(() => vmap((v: Tensor) => tensor(JSON.stringify(v).length))(tensor([1])), /vmap/);
});
