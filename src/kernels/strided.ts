/**
 * Broadcast iteration: precomputed strides (0 along broadcast dimensions), coalesced so
 * that the innermost loop is as long as possible. Kernels walk "rows": for every position of
 * the outer dimensions they receive the starting offset of each operand and run one tight
 * loop over the last dimension with each operand's stride.
 *
 * @module
 */

/** Strides of `shape` (row-major) as seen from `outShape`: 0 where `shape` is broadcast. */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const n = outShape.length;
  const off = n - shape.length;
  const strides = new Array<number>(n).fill(0);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i + off] = shape[i] === 1 && outShape[i + off] !== 1 ? 0 : acc;
    acc *= shape[i];
  }
  return strides;
}

/** A coalesced iteration plan: sizes of the dimensions and each operand's strides. */
export interface Plan {
  /** Sizes of the coalesced dimensions; the last is the row length. */
  readonly sizes: number[];
  /** Per operand, its stride along each coalesced dimension. */
  readonly strides: number[][];
}

/** Merges adjacent dimensions where every operand is contiguous across the pair. */
export function coalesce(outShape: readonly number[], operandStrides: number[][]): Plan {
  const sizes: number[] = [];
  const strides: number[][] = operandStrides.map(() => []);
  for (let d = 0; d < outShape.length; d++) {
    const size = outShape[d];
    if (size === 1) continue;
    const last = sizes.length - 1;
    let merge = last >= 0;
    if (merge) {
      for (let k = 0; k < operandStrides.length; k++) {
        if (strides[k][last] !== operandStrides[k][d] * size) {
          merge = false;
          break;
        }
      }
    }
    if (merge) {
      sizes[last] *= size;
      for (let k = 0; k < operandStrides.length; k++) strides[k][last] = operandStrides[k][d];
    } else {
      sizes.push(size);
      for (let k = 0; k < operandStrides.length; k++) strides[k].push(operandStrides[k][d]);
    }
  }
  if (sizes.length === 0) {
    sizes.push(1);
    for (const s of strides) s.push(0);
  }
  return { sizes, strides };
}

/**
 * Calls `row(offsets, length)` once per row of the plan, where `offsets[k]` is operand
 * `k`'s starting offset and the output offset is `rowIndex * length`.
 */
export function forEachRow(plan: Plan, row: (offsets: Int32Array, outOffset: number) => void) {
  const { sizes, strides } = plan;
  const nd = sizes.length;
  const nOps = strides.length;
  const rowLen = sizes[nd - 1];
  const offsets = new Int32Array(nOps);
  if (nd === 1) {
    row(offsets, 0);
    return;
  }
  const idx = new Int32Array(nd - 1);
  let outOffset = 0;
  for (;;) {
    row(offsets, outOffset);
    outOffset += rowLen;
    let d = nd - 2;
    for (; d >= 0; d--) {
      idx[d]++;
      for (let k = 0; k < nOps; k++) offsets[k] += strides[k][d];
      if (idx[d] < sizes[d]) break;
      for (let k = 0; k < nOps; k++) offsets[k] -= strides[k][d] * sizes[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}
