/**
 * What a graph keeps alive: the bytes of the distinct tensor buffers reachable from an
 * output through its tape (each node's inputs and output), for memory measurements.
 *
 * @module
 */

import type { Node, Tensor } from "../../mod.ts";

/** Bytes and count of the distinct buffers reachable from `out` through the tape. */
export function tapeBytes(out: Tensor): { bytes: number; tensors: number } {
  const bufs = new Set<ArrayBufferLike>();
  let bytes = 0;
  const count = (t: Tensor) => {
    if (!bufs.has(t._buf.buffer)) {
      bufs.add(t._buf.buffer);
      bytes += t._buf.byteLength;
    }
  };
  const seen = new Set<Node>();
  const stack: Node[] = out.gradFn ? [out.gradFn] : [];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n._out) count(n._out);
    for (const x of n.inputs) {
      count(x);
      if (x.gradFn && !seen.has(x.gradFn)) {
        seen.add(x.gradFn);
        stack.push(x.gradFn);
      }
    }
  }
  return { bytes, tensors: bufs.size };
}
