/**
 * The tensors of tests/fixtures/safetensors.json (written by tests/fixtures/gen_safetensors.py
 * from PyTorch), rebuilt as Tapegrad tensors.
 */

import { type DType, type Tensor, tensor } from "../../mod.ts";
import data from "../fixtures/safetensors.json" with { type: "json" };

/** One case: the stored tensors and the header metadata. */
export interface SafetensorsCase {
  readonly metadata: Record<string, string> | null;
  readonly tensors: Record<string, { dtype: string; shape: number[]; data: (number | string)[] }>;
}

/** The cases by file name stem (`state_dict`, `wide_dtypes`). */
export const CASES = data.cases as unknown as Record<string, SafetensorsCase>;

/** The dtype each stored dtype loads as. */
export const LOADS_AS: Record<string, DType> = {
  F64: "float64",
  F32: "float32",
  F16: "float32",
  BF16: "float32",
  I64: "int64",
  I32: "int64",
  I16: "int64",
  I8: "int64",
  U8: "int64",
  BOOL: "bool",
};

const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, "-inf": -Infinity };

/** The fixture's values of one tensor as numbers. */
export function values(entry: SafetensorsCase["tensors"][string]): number[] {
  return entry.data.map((v) => (typeof v === "string" ? SPECIAL[v] : v));
}

/** The fixture's tensors of one case, flat by name, in the dtype they load as. */
export function fixtureTensors(name: string): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const [k, e] of Object.entries(CASES[name].tensors)) {
    out[k] = tensor(values(e), { dtype: LOADS_AS[e.dtype], shape: e.shape });
  }
  return out;
}
