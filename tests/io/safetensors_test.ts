/**
 * saveSafetensors / loadSafetensors against files PyTorch wrote
 * (tests/fixtures/gen_safetensors.py), and Tapegrad's own file that the generator's
 * `--check` reads back.
 */

import assert from "node:assert/strict";
import {
  DtypeError,
  loadSafetensors,
  saveSafetensors,
  ShapeError,
  type Tensor,
  tensor,
  vmap,
} from "../../mod.ts";
import { CASES, fixtureTensors, LOADS_AS, values } from "../support/safetensors_fixture.ts";
import { tapegradStateDict } from "../tools/write_safetensors.ts";

const DIR = new URL("../fixtures/safetensors/", import.meta.url);
const read = (name: string) => Deno.readFileSync(new URL(name, DIR));

for (const [name, c] of Object.entries(CASES)) {
  Deno.test(`loadSafetensors reads PyTorch's ${name} file: dtypes, shapes, values`, () => {
    const got = loadSafetensors(read(`torch_${name}.safetensors`), { flat: true });
    assert.deepEqual(Object.keys(got).sort(), Object.keys(c.tensors).sort());
    for (const [k, e] of Object.entries(c.tensors)) {
      assert.equal(got[k].dtype, LOADS_AS[e.dtype], k);
      assert.deepEqual(got[k].shape, e.shape, k);
      assert.deepEqual([...got[k].toTypedArray()], values(e), k); // exact, -0 and NaN included
    }
  });
}

Deno.test("nested names come back as a tree, as a PyTorch state dict is named", () => {
  const tree = loadSafetensors(read("torch_state_dict.safetensors")) as Record<
    string,
    Record<string, Tensor>
  >;
  assert.deepEqual(Object.keys(tree).sort(), ["0", "2", "buffers", "empty", "scale", "special"]);
  assert.deepEqual(tree["0"].weight.shape, [4, 3]);
  assert.deepEqual(tree.buffers.steps.tolist(), [0, -3, 2 ** 53]);
  assert.deepEqual(tree.buffers.mask.tolist(), [[true, false, true]]);
});

Deno.test("saveSafetensors writes the same bytes as the reference layout PyTorch's file has", () => {
  const bytes = tapegradStateDict();
  assert.deepEqual(bytes, read("torch_state_dict.safetensors"));
  // the committed file that gen_safetensors.py --check reads is what the code writes now
  assert.deepEqual(bytes, read("tapegrad_state_dict.safetensors"));
});

Deno.test("a nested tree round-trips: names joined with dots, arrays by index", () => {
  const tree = {
    encoder: { layers: [{ w: tensor([[1, 2]]) }, { w: tensor([[3, 4]]) }] },
    bias: tensor([0.5], { dtype: "float64" }),
    count: tensor([7], { dtype: "int64" }),
    mask: tensor([true, false]),
  };
  const bytes = saveSafetensors(tree, { metadata: { epoch: "3" } });
  const flat = loadSafetensors(bytes, { flat: true });
  assert.deepEqual(
    Object.keys(flat).sort(),
    ["bias", "count", "encoder.layers.0.w", "encoder.layers.1.w", "mask"],
  );
  const back = loadSafetensors(bytes) as {
    encoder: { layers: Record<string, { w: Tensor }> };
    bias: Tensor;
  };
  assert.deepEqual(back.encoder.layers["1"].w.tolist(), [[3, 4]]);
  assert.equal(back.bias.dtype, "float64");
  // the header: 8-byte length, JSON padded with spaces to a multiple of 8, metadata first
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  assert.equal(n % 8, 0);
  const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
  assert.ok(header.startsWith('{"__metadata__":{"epoch":"3"},"count":{"dtype":"I64"'), header);
  // integer-like names keep the data order in the header
  const arr = saveSafetensors([tensor([1]), tensor([2])]);
  const h = new TextDecoder().decode(arr.subarray(8, 8 + 64));
  assert.ok(h.startsWith('{"0":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"1"'), h);
});

Deno.test("requiresGrad marks floating leaves only", () => {
  const bytes = saveSafetensors({ w: tensor([1.5]), i: tensor([1], { dtype: "int64" }) });
  const got = loadSafetensors(bytes, { flat: true, requiresGrad: true });
  assert.equal(got.w.requiresGrad, true);
  assert.equal(got.i.requiresGrad, false);
});

Deno.test("bad files and bad trees raise typed errors", () => {
  const good = saveSafetensors({ a: tensor([1, 2]) });
  assert.throws(() => loadSafetensors(good.subarray(0, 4)), RangeError);
  assert.throws(() => loadSafetensors(good.subarray(0, good.length - 1)), /ends at byte 8/);
  const header = (h: string) => {
    const text = new TextEncoder().encode(h);
    const out = new Uint8Array(8 + text.length + 16);
    new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
    out.set(text, 8);
    return out;
  };
  assert.throws(() => loadSafetensors(header("{not json")), /not UTF-8 JSON/);
  assert.throws(
    () => loadSafetensors(header('{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}')),
    DtypeError,
  );
  assert.throws(
    () => loadSafetensors(header('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}')),
    ShapeError,
  );
  const clash = saveSafetensors({ a: tensor([1]), "a.b": tensor([2]) });
  assert.throws(() => loadSafetensors(clash), /flat: true/);
  assert.equal(Object.keys(loadSafetensors(clash, { flat: true })).length, 2);
  assert.throws(() => saveSafetensors(tensor([1])), TypeError);
  assert.throws(() => saveSafetensors({ a: 3 } as unknown as Record<string, Tensor>), TypeError);
  assert.throws(() => saveSafetensors({ "a.b": tensor([1]), a: { b: tensor([2]) } }), RangeError);
  assert.throws(
    () => vmap((v: Tensor) => tensor(saveSafetensors({ v }).length))(tensor([1, 2])),
    /vmap/,
  );
});

Deno.test("the fixture's state dict has the tensors the generator made", () => {
  const t = fixtureTensors("state_dict");
  assert.equal(t["0.weight"].dtype, "float32");
  assert.equal(Object.is(t.special.toTypedArray()[3], -0), true);
});
