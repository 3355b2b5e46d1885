/**
 * The loader of the kernels' small WebAssembly modules (`src/kernels/wasm_module.ts`): every
 * module stays under the 4 KiB that browsers compile synchronously, a module that cannot be
 * compiled falls back silently with its reason, memory grows on demand, and `backendInfo`
 * reports every family.
 */

import assert from "node:assert/strict";
import { backendInfo } from "../../mod.ts";
import { setTanhPath } from "../../src/kernels/tanh.ts";
import { LAP_WASM_BASE64 } from "../../src/kernels/wasm/lap_wasm.ts";
import { ROWS_WASM_BASE64 } from "../../src/kernels/wasm/rows_wasm.ts";
import { TANH_WASM_BASE64 } from "../../src/kernels/wasm/tanh_wasm.ts";
import { compileWasm, decode, WasmKernels } from "../../src/kernels/wasm_module.ts";

/** The smallest module with a memory of one page, exported as "memory". */
const MEMORY_ONLY = new Uint8Array([
  0x00,
  0x61,
  0x73,
  0x6d,
  0x01,
  0x00,
  0x00,
  0x00, // magic, version 1
  0x05,
  0x03,
  0x01,
  0x00,
  0x01, // memory section: one memory, at least 1 page
  0x07,
  0x0a,
  0x01,
  0x06,
  0x6d,
  0x65,
  0x6d,
  0x6f,
  0x72,
  0x79,
  0x02,
  0x00, // export "memory"
]);

const base64Of = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

Deno.test("every small kernel module is under the 4 KiB that browsers compile synchronously", () => {
  for (
    const [name, b64] of [["tanh", TANH_WASM_BASE64], ["rows", ROWS_WASM_BASE64], [
      "lap",
      LAP_WASM_BASE64,
    ]]
  ) {
    const bytes = decode(b64);
    assert.ok(bytes.length < 4096, `${name}: ${bytes.length} bytes`);
    assert.ok(compileWasm(bytes) instanceof WebAssembly.Module, name);
  }
});

Deno.test("decode gives the bytes that btoa encoded", () => {
  assert.deepEqual(decode(base64Of(MEMORY_ONLY)), MEMORY_ONLY);
});

Deno.test("compileWasm says why a module cannot be had instead of throwing", () => {
  const bad = MEMORY_ONLY.slice();
  bad[4] = 2; // unknown version
  assert.equal(compileWasm(bad), "the engine does not validate the module (SIMD)");
});

Deno.test("WasmKernels instantiates once, grows the memory on demand and keeps refusals", () => {
  let binds = 0;
  const k = new WasmKernels("test-memory", base64Of(MEMORY_ONLY), (ex) => {
    binds++;
    return { memory: ex.memory as WebAssembly.Memory };
  });
  const first = k.load();
  assert.ok(first !== null);
  assert.equal(k.load(), first);
  assert.equal(binds, 1);
  assert.equal(first.memory.buffer.byteLength, 65536);
  assert.equal(k.withMemory(65537), first);
  assert.equal(first.memory.buffer.byteLength, 2 * 65536);
  assert.equal(k.withMemory(1000), first);
  assert.equal(first.memory.buffer.byteLength, 2 * 65536);
  assert.deepEqual(backendInfo().wasm["test-memory"], { active: true, reason: null });

  const refused = new WasmKernels("test-refused", base64Of(MEMORY_ONLY), () => {
    throw new Error("no kernels here");
  });
  assert.equal(refused.load(), null);
  assert.equal(refused.withMemory(10), null);
  assert.deepEqual(backendInfo().wasm["test-refused"], {
    active: false,
    reason: "instantiating WebAssembly failed: no kernels here",
  });
});

Deno.test("backendInfo reports every WebAssembly kernel family, and why one falls back", () => {
  const { wasm } = backendInfo();
  for (const family of ["gemm", "tanh", "rows", "lap"]) {
    assert.deepEqual(wasm[family], { active: true, reason: null }, family);
  }
  setTanhPath("js");
  try {
    assert.deepEqual(backendInfo().wasm.tanh, { active: false, reason: 'setTanhPath("js")' });
  } finally {
    setTanhPath("auto");
  }
  assert.deepEqual(backendInfo().wasm.tanh, { active: true, reason: null });
});
