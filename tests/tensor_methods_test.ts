/**
 * The README promises a Tensor method wherever PyTorch has one: every exported function whose
 * PyTorch name (camelCase to snake_case) is a method of `torch.Tensor` in PyTorch 1.13
 * (fixtures/tensor_methods.json, from gen_tensor_methods.py) must be a Tensor method too, and
 * the method must compute what the function computes.
 */

import assert from "node:assert/strict";
import * as tg from "../mod.ts";
import { Tensor, tensor } from "../mod.ts";
import torch from "./fixtures/tensor_methods.json" with { type: "json" };

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
const torchMethods = new Set(torch.methods);

/** Exported functions (not classes or namespaces) whose PyTorch name is a Tensor method. */
function methodLike(): string[] {
  return Object.entries(tg)
    .filter(([name, v]) => typeof v === "function" && !/^[A-Z]/.test(name))
    .map(([name]) => name)
    .filter((name) => torchMethods.has(snake(name)));
}

Deno.test("every exported op that PyTorch has as a Tensor method is a Tensor method", () => {
  const names = methodLike();
  // the check sees the ops it is about (a broken export list would make it pass vacuously)
  for (const must of ["exp", "gt", "logicalAnd", "broadcastTo", "matmul", "sum", "where"]) {
    assert.ok(names.includes(must), `${must} is exported and a torch.Tensor method`);
  }
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  const missing = names.filter((name) => typeof proto[name] !== "function");
  assert.deepEqual(missing, [], `exported ops without a Tensor method: ${missing.join(", ")}`);
});

Deno.test("the methods the issue listed compute what their functions compute", () => {
  const x = tensor([0.25, 0.5, 0.75], { dtype: "float64" });
  const big = tensor([1.5, 2, 3.5], { dtype: "float64" });
  const unary: [string, Tensor][] = [
    ["expm1", x],
    ["log1p", x],
    ["log2", x],
    ["rsqrt", x],
    ["square", x],
    ["sign", x],
    ["tan", x],
    ["asin", x],
    ["acos", x],
    ["atan", x],
    ["sinh", x],
    ["cosh", x],
    ["asinh", x],
    ["acosh", big],
    ["atanh", x],
    ["erf", x],
    ["reciprocal", x],
    ["floor", big],
    ["ceil", big],
    ["round", big],
  ];
  const fns = tg as unknown as Record<string, (...a: unknown[]) => Tensor>;
  for (const [name, arg] of unary) {
    const method = (arg as unknown as Record<string, () => Tensor>)[name].call(arg);
    assert.deepEqual(method.toArray(), fns[name](arg).toArray(), name);
  }
  for (const name of ["eq", "ne", "lt", "le", "gt", "ge"]) {
    const method = (x as unknown as Record<string, (o: number) => Tensor>)[name].call(x, 0.5);
    assert.deepEqual(method.toArray(), fns[name](x, 0.5).toArray(), name);
  }
  const a = tensor([true, false, true]);
  const b = tensor([true, true, false]);
  assert.deepEqual(a.logicalAnd(b).toArray(), [true, false, false]);
  assert.deepEqual(a.logicalOr(b).toArray(), [true, true, true]);
  assert.deepEqual(a.logicalNot().toArray(), [false, true, false]);
  assert.deepEqual(x.broadcastTo([2, 3]).toArray(), [[0.25, 0.5, 0.75], [0.25, 0.5, 0.75]]);
  // PyTorch's x.where(condition, y) is where(condition, x, y)
  assert.deepEqual(x.where(a, 0).toArray(), [0.25, 0, 0.75]);
});
