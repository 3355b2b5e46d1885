/**
 * What `checkpoint` saves on a deep MLP: a 32-layer, 256-wide tanh network (float32, batch
 * 128) with and without checkpointed blocks of 4 layers. Reports the bytes and tensors the
 * tape holds after the forward pass (the distinct buffers reachable from the loss), the
 * change of the process's resident set and of ArrayBuffer memory over the forward pass, and
 * checks that both give the same gradients.
 *
 * `deno run bench/checkpoint_memory.ts [depth] [width] [batch] [block]`
 *
 * @module
 */

import { autogradGrad, checkpoint, Generator, matmul, randn, type Tensor } from "../mod.ts";
import { tapeBytes } from "../tests/support/tape.ts";

const [depth, width, batch, block] = [32, 256, 128, 4].map((d, i) => Number(Deno.args[i] ?? d));
const gen = new Generator(5);
const ws = Array.from(
  { length: depth },
  () => randn([width, width], { generator: gen }).div(Math.sqrt(width)).requiresGrad_(),
);
const x = randn([batch, width], { generator: gen });
const layer = (h: Tensor, w: Tensor) => matmul(h, w).tanh();
const blocks = Array.from(
  { length: depth / block },
  (_, k) => checkpoint((h: Tensor) => ws.slice(k * block, (k + 1) * block).reduce(layer, h)),
);

function measure(name: string, forward: () => Tensor) {
  const m0 = Deno.memoryUsage();
  const loss = forward();
  const m1 = Deno.memoryUsage();
  const tape = tapeBytes(loss);
  const weights = depth * width * width * 4;
  const result = {
    name,
    tapeBytes: tape.bytes,
    tapeTensors: tape.tensors,
    activationBytes: tape.bytes - weights,
    rssDeltaBytes: m1.rss - m0.rss,
    externalDeltaBytes: m1.external - m0.external,
  };
  console.log(JSON.stringify(result));
  return { loss, result };
}

const plain = measure("plain", () => ws.reduce(layer, x).pow(2).mean());
const gPlain = autogradGrad(plain.loss, ws);
const ck = measure("checkpoint", () => blocks.reduce((h, b) => b(h), x).pow(2).mean());
const gCk = autogradGrad(ck.loss, ws);
let worst = 0;
gPlain.forEach((g, i) => {
  const a = g!.toTypedArray(), b = gCk[i]!.toTypedArray();
  for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]));
});
console.log(JSON.stringify({
  depth,
  width,
  batch,
  block,
  activationRatio: plain.result.activationBytes / ck.result.activationBytes,
  maxGradientDifference: worst,
}));
