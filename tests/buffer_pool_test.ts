/** The buffer pool's limits: its cap and its exact-size classes (idle release: memory_test). */

import assert from "node:assert/strict";
import { dispose, memoryInfo, ones, ReleasedTensorError, tidy } from "../mod.ts";
import { dropPooled, setPoolCap } from "../src/buffer_pool.ts";

Deno.test("buffer pool: a release over the cap is left to the collector", () => {
  dropPooled();
  const was = setPoolCap(100 * 1024);
  try {
    const before = memoryInfo();
    // three 64 KiB results released at once: one fits under a 100 KiB cap
    tidy(() => {
      for (let i = 0; i < 3; i++) ones([128, 128]).mul(i);
    });
    const after = memoryInfo();
    assert.equal(after.pooledBuffers, 1);
    assert.equal(after.pooledBytes, 65536);
    assert.ok(after.dropped - before.dropped >= 2, `dropped ${after.dropped - before.dropped}`);
  } finally {
    setPoolCap(was);
    dropPooled();
  }
});

Deno.test("buffer pool: a size class serves only its own byte length", () => {
  dropPooled();
  tidy(() => { // two 64 KiB buffers come back (ones, and the product)
    ones([128, 128]).mul(2);
  });
  assert.equal(memoryInfo().pooledBuffers, 2);
  const before = memoryInfo();
  tidy(() => { // 63.5 KiB: fresh, the pooled ones are not cut
    ones([128, 127]).mul(2);
  });
  const mid = memoryInfo();
  assert.equal(mid.reused, before.reused);
  assert.equal(mid.fresh, before.fresh + 2);
  tidy(() => { // 64 KiB again, in another shape: both reused
    ones([64, 256]).mul(2);
  });
  const after = memoryInfo();
  assert.equal(after.reused, mid.reused + 2);
  assert.equal(after.fresh, mid.fresh);
  dropPooled();
});

Deno.test("dispose(old, keep) spares what the new state still holds", () => {
  const carried = ones([40, 40]).mul(3);
  const old = { w: ones([40, 40]).mul(2), b: carried, list: [carried] };
  const next = { w: old.w.add(1), b: carried };
  dispose(old, next);
  assert.throws(() => old.w.sum(), ReleasedTensorError);
  tidy(() => {
    for (let i = 0; i < 3; i++) ones([40, 40]).exp();
  });
  assert.equal(next.b.sum().item(), 4800);
  assert.equal(next.w.sum().item(), 4800);
});
