/**
 * Bad arguments raise typed errors that name the operation and the offending shapes, dims,
 * dtypes or values: never a NaN, a wrong shape, or a TypeError from deep inside.
 */

import assert from "node:assert/strict";
import * as tg from "../../mod.ts";
import { DtypeError, LinAlgError, ShapeError, type Tensor } from "../../mod.ts";

const x = tg.ones([2, 3]);
const sq = tg.tensor([[1, 2], [2, 4]]);
const i64 = (d: number[] | number[][]) => tg.tensor(d, { dtype: "int64" });

/** [what, call, error class, text the message must contain (op name and the bad value)] */
const CASES: [string, () => unknown, new (...a: never[]) => Error, RegExp][] = [
  ["sum dim out of range", () => tg.sum(x, 2), ShapeError, /sum.*Dimension 2|Dimension 2.*sum/],
  ["softmax dim out of range", () => tg.softmax(x, -3), ShapeError, /softmax/],
  ["cumsum dim not an integer", () => tg.cumsum(x, 0.5), ShapeError, /cumsum/],
  ["max over an empty dim", () => tg.max(tg.zeros([2, 0]), 1), ShapeError, /max.*\[2, 0\]/],
  ["argmax of an empty tensor", () => tg.argmax(tg.zeros([0])), ShapeError, /argmax/],
  ["reshape to a wrong size", () => tg.reshape(x, [4, 2]), ShapeError, /reshape.*\[2, 3\]/],
  ["view with two -1", () => tg.view(x, [-1, -1]), ShapeError, /view|reshape/],
  [
    "cat of mismatched shapes",
    () => tg.cat([x, tg.ones([2, 2])], 0),
    ShapeError,
    /cat.*\[2, 3\].*\[2, 2\]/,
  ],
  ["stack of mismatched shapes", () => tg.stack([x, tg.ones([3, 2])]), ShapeError, /stack/],
  ["split sizes that do not add up", () => tg.split(x, [1, 1], 1), ShapeError, /split.*\[1, 1\]/],
  ["chunk into 0", () => tg.chunk(x, 0), ShapeError, /chunk.*0/],
  ["pad with an odd list", () => tg.pad(x, [1]), ShapeError, /pad/],
  ["reflect pad too wide", () => tg.pad(x, [3, 0], "reflect"), ShapeError, /pad.*reflect/],
  ["tril of a vector", () => tg.tril(tg.ones([3])), ShapeError, /tril.*\[3\]/],
  ["trace of a 3-d tensor", () => tg.trace(tg.ones([2, 2, 2])), ShapeError, /trace/],
  ["diagonal with equal dims", () => tg.diagonal(x, 0, 1, 1), ShapeError, /diagonal/],
  ["slice with step 0", () => tg.slice(x, 0, 0, 1, 0), RangeError, /slice.*step.*0/],
  ["index out of range", () => tg.index(x, 5), ShapeError, /index.*5/],
  ["too many indices", () => tg.index(x, 0, 0, 0), ShapeError, /index.*3 indices/],
  [
    "gather with a float index",
    () => tg.gather(x, 1, tg.tensor([[0]])),
    DtypeError,
    /gather.*int64.*float32/,
  ],
  ["gather with an index out of range", () => tg.gather(x, 1, i64([[3]])), RangeError, /gather.*3/],
  [
    "indexSelect with a 2-d index",
    () => tg.indexSelect(x, 0, i64([[0]])),
    ShapeError,
    /indexSelect/,
  ],
  [
    "scatterAdd src dtype",
    () => tg.scatterAdd(x, 1, i64([[0]]), tg.ones([1, 1], { dtype: "float64" })),
    DtypeError,
    /scatterAdd.*float64/,
  ],
  ["matmul inner sizes", () => tg.matmul(x, x), ShapeError, /matmul.*\[2, 3\].*\[2, 3\]/],
  ["dot of matrices", () => tg.dot(x, x), ShapeError, /dot/],
  ["einsum wrong label count", () => tg.einsum("ij->j", tg.ones([2])), ShapeError, /einsum/],
  ["einsum size mismatch", () => tg.einsum("ij,jk->ik", x, x), ShapeError, /einsum.*"j"/],
  ["inv of a non-square matrix", () => tg.linalg.inv(x), ShapeError, /linalg\.inv.*\[2, 3\]/],
  ["inv of a singular matrix", () => tg.linalg.inv(sq), LinAlgError, /linalg\.inv.*singular/],
  [
    "solve with a singular matrix",
    () => tg.linalg.solve(sq, tg.ones([2])),
    LinAlgError,
    /linalg\.solve/,
  ],
  [
    "solve with a wrong right-hand side",
    () => tg.linalg.solve(tg.eye(2), tg.ones([3])),
    ShapeError,
    /linalg\.solve/,
  ],
  [
    "cholesky of an indefinite matrix",
    () => tg.linalg.cholesky(tg.tensor([[1, 2], [2, 1]])),
    LinAlgError,
    /cholesky.*positive-definite/,
  ],
  [
    "det of an int matrix",
    () => tg.linalg.det(i64([[1, 0], [0, 1]])),
    DtypeError,
    /linalg\.det.*int64/,
  ],
  [
    "crossEntropy target shape",
    () => tg.crossEntropy(x, i64([0, 1, 2])),
    ShapeError,
    /crossEntropy.*\[3\]/,
  ],
  [
    "crossEntropy class out of range",
    () => tg.crossEntropy(x, i64([0, 3])),
    RangeError,
    /crossEntropy.*3/,
  ],
  ["nllLoss float targets", () => tg.nllLoss(x, tg.ones([2])), DtypeError, /nllLoss.*int64/],
  ["mseLoss shape mismatch", () => tg.mseLoss(x, tg.ones([3, 2])), ShapeError, /mseLoss.*\[3, 2\]/],
  ["dropout p > 1", () => tg.dropout(x, 1.5), RangeError, /dropout.*1\.5/],
  ["huberLoss delta 0", () => tg.huberLoss(x, x, { delta: 0 }), RangeError, /huberLoss/],
  ["clamp without bounds", () => tg.clamp(x), TypeError, /clamp/],
  ["softplus of int64", () => tg.softplus(i64([1])), DtypeError, /softplus.*int64/],
  ["a non-tensor argument", () => tg.exp([1, 2] as unknown as Tensor), TypeError, /exp/],
];

Deno.test("bad arguments raise typed errors naming the op and the values", async (t) => {
  for (const [what, call, cls, text] of CASES) {
    await t.step(what, () => {
      assert.throws(call, (e: unknown) => {
        assert.ok(
          e instanceof cls,
          `${what}: got ${e instanceof Error ? e.constructor.name : e}: ${e}`,
        );
        assert.match((e as Error).message, text);
        return true;
      });
    });
  }
});
