/**
 * The safetensors format (used by PyTorch, JAX and Hugging Face): an 8-byte little-endian
 * header length, a JSON header naming each tensor's dtype, shape and byte range, then the raw
 * little-endian data. Bytes in, bytes out: the library reads and writes no files.
 *
 * @module
 */

import { allocate, type DType, type Storage } from "../dtype.ts";
import { DtypeError, ShapeError } from "../errors.ts";
import { fmtShape, sizeOf } from "../shape.ts";
import { Tensor } from "../tensor.ts";
import { checkConcrete } from "../vmap/level.ts";

/** Tensors nested in objects and arrays, as a model's parameters are. */
export type TensorTree =
  | Tensor
  | readonly TensorTree[]
  | { readonly [name: string]: TensorTree };

/** Options of {@linkcode saveSafetensors}. */
export interface SaveSafetensorsOptions {
  /** String pairs stored in the header's `__metadata__` entry. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Options of {@linkcode loadSafetensors}. */
export interface LoadSafetensorsOptions {
  /** Return `{ "a.b": tensor }` as stored instead of nesting at the dots (default false). */
  readonly flat?: boolean;
  /** Make every loaded tensor a leaf that requires grad (floating tensors only). */
  readonly requiresGrad?: boolean;
}

const CODE: Record<DType, string> = { float32: "F32", float64: "F64", int64: "I64", bool: "BOOL" };
const WIDTH: Record<DType, number> = { float32: 4, float64: 8, int64: 8, bool: 1 };
/** The reference writer's dtype order (BOOL < … < F32 < F64 < I64); data goes highest first. */
const ORDER: Record<DType, number> = { bool: 0, float32: 1, float64: 2, int64: 3 };

/** Walks a tree into `[dotted name, tensor]` pairs. */
function flattenTree(tree: TensorTree): [string, Tensor][] {
  const out: [string, Tensor][] = [];
  const stack: [string, TensorTree][] = [["", tree]];
  while (stack.length > 0) {
    const [name, node] = stack.pop()!;
    if (node instanceof Tensor) {
      if (name === "") {
        throw new TypeError("saveSafetensors() needs named tensors: pass { name: tensor }");
      }
      out.push([name, node]);
    } else if (typeof node === "object" && node !== null) {
      const entries = Array.isArray(node)
        ? node.map((v, i) => [String(i), v] as const)
        : Object.entries(node as Record<string, TensorTree>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i];
        stack.push([name === "" ? k : `${name}.${k}`, v]);
      }
    } else {
      throw new TypeError(
        `saveSafetensors(): ${name || "the tree"} is ${node === null ? "null" : typeof node}, ` +
          `not a tensor or an object of tensors`,
      );
    }
  }
  return out;
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const byteOrder = (a: string, b: string) => {
  const x = utf8(a), y = utf8(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

/**
 * Writes tensors as safetensors bytes, laid out as the reference implementation lays them
 * out (so the bytes are the same): int64, then float64, float32 and bool data, names in byte
 * order within a dtype, a compact JSON header padded with spaces to 8 bytes. Nested names are joined with dots (`{ fc: { weight } }` is stored as
 * `fc.weight`), as PyTorch's state dicts name parameters.
 *
 * @param tree a tensor tree: objects and arrays of tensors
 * @param options `metadata`: string pairs for the header
 * @returns the file's bytes
 * @throws {TypeError} for a leaf that is not a tensor, or a bare tensor without a name
 * @throws {RangeError} when two leaves get the same dotted name
 * @example Save a model's parameters (Deno: `await Deno.writeFile("model.safetensors", bytes)`)
 * ```ts
 * import { loadSafetensors, saveSafetensors, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const params = { fc: { weight: tensor([[1, 2], [3, 4]]), bias: tensor([0.5, -0.5]) } };
 * const bytes = saveSafetensors(params);
 * const back = loadSafetensors(bytes, { flat: true });
 * assert.deepEqual(Object.keys(back).sort(), ["fc.bias", "fc.weight"]);
 * assert.deepEqual(back["fc.weight"].tolist(), [[1, 2], [3, 4]]);
 * ```
 */
export function saveSafetensors(
  tree: TensorTree,
  options: SaveSafetensorsOptions = {},
): Uint8Array {
  const entries = flattenTree(tree);
  const names = new Set<string>();
  for (const [name, t] of entries) {
    if (names.has(name)) {
      throw new RangeError(`saveSafetensors(): two tensors are both named "${name}"`);
    }
    if (name === "__metadata__") {
      throw new RangeError(`saveSafetensors(): "__metadata__" is reserved for the header`);
    }
    names.add(name);
    checkConcrete(t, "saveSafetensors");
  }
  entries.sort(([a, x], [b, y]) => ORDER[y.dtype] - ORDER[x.dtype] || byteOrder(a, b));
  // Built as text: a JS object would put integer-like names ("0", "1") first.
  const parts: string[] = [];
  if (options.metadata !== undefined) {
    const meta = Object.entries(options.metadata).sort(([a], [b]) => byteOrder(a, b));
    for (const [k, v] of meta) {
      if (typeof v !== "string") {
        throw new TypeError(`saveSafetensors(): metadata value of "${k}" must be a string`);
      }
    }
    const body = meta.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",");
    parts.push(`"__metadata__":{${body}}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const bytes = t.numel * WIDTH[t.dtype];
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${CODE[t.dtype]}","shape":${JSON.stringify(t.shape)},` +
        `"data_offsets":[${offset},${offset + bytes}]}`,
    );
    offset += bytes;
  }
  const json = utf8(`{${parts.join(",")}}`);
  const padded = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const [, t] of entries) {
    at += writeData(t, out, at);
  }
  return out;
}

/** Whether this machine stores numbers little-endian, as the format does (all current ones). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function writeData(t: Tensor, out: Uint8Array, at: number): number {
  const n = t.numel;
  if (t.dtype !== "int64" && LITTLE_ENDIAN) {
    out.set(new Uint8Array(t._buf.buffer, t._buf.byteOffset, n * WIDTH[t.dtype]), at);
    return n * WIDTH[t.dtype];
  }
  const view = new DataView(out.buffer, out.byteOffset + at, n * WIDTH[t.dtype]);
  const buf = t._buf;
  if (t.dtype === "float32") { for (let i = 0; i < n; i++) view.setFloat32(4 * i, buf[i], true); }
  else if (t.dtype === "float64") {
    for (let i = 0; i < n; i++) {
      view.setFloat64(8 * i, buf[i], true);
    }
  } else if (t.dtype === "int64") {
    for (let i = 0; i < n; i++) view.setBigInt64(8 * i, BigInt(buf[i]), true);
  } else out.set(buf as Uint8Array, at);
  return n * WIDTH[t.dtype];
}

/** Half-precision bits to a number. */
function f16(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m === 0 ? s * Infinity : NaN;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** How each stored dtype is read: the tensor dtype it becomes and a reader of element i. */
type Reader = (v: DataView, i: number) => number;
const READERS: Record<string, { dtype: DType; width: number; read: Reader }> = {
  F64: { dtype: "float64", width: 8, read: (v, i) => v.getFloat64(8 * i, true) },
  F32: { dtype: "float32", width: 4, read: (v, i) => v.getFloat32(4 * i, true) },
  F16: { dtype: "float32", width: 2, read: (v, i) => f16(v.getUint16(2 * i, true)) },
  BF16: {
    dtype: "float32",
    width: 2,
    read: (v, i) => {
      const word = new DataView(new ArrayBuffer(4));
      word.setUint32(0, v.getUint16(2 * i, true) << 16);
      return word.getFloat32(0);
    },
  },
  I64: { dtype: "int64", width: 8, read: (v, i) => exact(v.getBigInt64(8 * i, true)) },
  U64: { dtype: "int64", width: 8, read: (v, i) => exact(v.getBigUint64(8 * i, true)) },
  I32: { dtype: "int64", width: 4, read: (v, i) => v.getInt32(4 * i, true) },
  U32: { dtype: "int64", width: 4, read: (v, i) => v.getUint32(4 * i, true) },
  I16: { dtype: "int64", width: 2, read: (v, i) => v.getInt16(2 * i, true) },
  U16: { dtype: "int64", width: 2, read: (v, i) => v.getUint16(2 * i, true) },
  I8: { dtype: "int64", width: 1, read: (v, i) => v.getInt8(i) },
  U8: { dtype: "int64", width: 1, read: (v, i) => v.getUint8(i) },
  BOOL: { dtype: "bool", width: 1, read: (v, i) => (v.getUint8(i) !== 0 ? 1 : 0) },
};

function exact(v: bigint): number {
  if (v > 2n ** 53n || v < -(2n ** 53n)) {
    throw new RangeError(
      `loadSafetensors(): integer ${v} is beyond 2^53, which int64 tensors hold exactly`,
    );
  }
  return Number(v);
}

/**
 * Reads safetensors bytes (from PyTorch's, JAX's or Hugging Face's writers) into tensors,
 * nested at the dots of their names (`fc.weight` becomes `{ fc: { weight } }`) unless
 * `flat`. F32, F64, I64 and BOOL load as float32, float64, int64 and bool; F16 and BF16
 * widen to float32 and the other integer types to int64.
 *
 * @param bytes the file's contents (`await Deno.readFile(path)`, `fs.readFileSync(path)`,
 *   `new Uint8Array(await response.arrayBuffer())`)
 * @param options `flat` keeps the stored names; `requiresGrad` marks floating leaves
 * @returns the tensors, nested or flat
 * @throws {RangeError} for a truncated or malformed file, or names that cannot nest (both
 *   `a` and `a.b`; use `flat`)
 * @throws {DtypeError} for a dtype Tapegrad cannot represent (complex, float8)
 * @throws {ShapeError} when a tensor's byte range does not match its shape
 * @example Nested at the dots
 * ```ts
 * import { loadSafetensors, saveSafetensors, type Tensor, tensor } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const bytes = saveSafetensors({ "layer.0.w": tensor([1.5]), "layer.1.w": tensor([2.5]) });
 * const tree = loadSafetensors(bytes) as { layer: Record<string, { w: Tensor }> };
 * assert.equal(tree.layer["1"].w.item(), 2.5);
 * ```
 */
export function loadSafetensors(
  bytes: Uint8Array,
  options: LoadSafetensorsOptions & { readonly flat: true },
): Record<string, Tensor>;
/**
 * Reads safetensors bytes into a tree nested at the dots of the names (see the overload
 * above for the details).
 *
 * @param bytes the file's contents
 * @param options `requiresGrad` marks floating leaves
 * @returns the tensors, nested
 */
export function loadSafetensors(bytes: Uint8Array, options?: LoadSafetensorsOptions): TensorTree;
export function loadSafetensors(
  bytes: Uint8Array,
  options: LoadSafetensorsOptions = {},
): TensorTree | Record<string, Tensor> {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError("loadSafetensors() takes the file's bytes as a Uint8Array");
  }
  const bad = (why: string) => new RangeError(`loadSafetensors(): not a safetensors file: ${why}`);
  if (bytes.length < 8) throw bad(`${bytes.length} bytes is shorter than the 8-byte length`);
  const all = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(all.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) {
    throw bad(`the header says ${headerLength} bytes but only ${bytes.length - 8} follow`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    ));
  } catch (e) {
    throw bad(`the header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw bad("the header is not a JSON object");
  }
  const base = 8 + headerLength;
  const dataLength = bytes.length - base;
  const flat: Record<string, Tensor> = {};
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") continue;
    const { dtype, shape, data_offsets: range } = (info ?? {}) as Record<string, unknown>;
    if (typeof dtype !== "string" || !Array.isArray(shape) || !Array.isArray(range)) {
      throw bad(`entry "${name}" lacks dtype, shape or data_offsets`);
    }
    const reader = Object.hasOwn(READERS, dtype) ? READERS[dtype] : undefined;
    if (reader === undefined) {
      throw new DtypeError(
        `loadSafetensors(): "${name}" has dtype ${dtype}, which Tapegrad cannot hold; ` +
          `supported: ${Object.keys(READERS).join(", ")}`,
      );
    }
    const [begin, end] = range as number[];
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw bad(`entry "${name}" has shape ${JSON.stringify(shape)}`);
    }
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin) {
      throw bad(`entry "${name}" has data_offsets ${JSON.stringify(range)}`);
    }
    if (end > dataLength) {
      throw bad(`"${name}" ends at byte ${end} of a data section of ${dataLength} bytes`);
    }
    const n = sizeOf(shape as number[]);
    if (end - begin !== n * reader.width) {
      throw new ShapeError(
        `loadSafetensors(): "${name}" of shape ${fmtShape(shape as number[])} and dtype ` +
          `${dtype} needs ${n * reader.width} bytes; its range has ${end - begin}`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset + base + begin, end - begin);
    let buf: Storage;
    if (LITTLE_ENDIAN && (dtype === "F32" || dtype === "F64" || dtype === "BOOL")) {
      // a fresh, aligned copy (Node's Buffer.slice would be a view into a shared pool)
      const copy = new Uint8Array(end - begin);
      copy.set(bytes.subarray(base + begin, base + end));
      buf = dtype === "F32"
        ? new Float32Array(copy.buffer)
        : dtype === "F64"
        ? new Float64Array(copy.buffer)
        : copy.map((v) => (v !== 0 ? 1 : 0));
    } else {
      buf = allocate(reader.dtype, n);
      for (let i = 0; i < n; i++) buf[i] = reader.read(view, i);
    }
    const t = new Tensor(buf, (shape as number[]).slice(), reader.dtype);
    if (options.requiresGrad && reader.dtype.startsWith("float")) t.requiresGrad_(true);
    flat[name] = t;
  }
  return options.flat ? flat : nest(flat);
}

/** `{ "a.b": t }` to `{ a: { b: t } }`. */
function nest(flat: Record<string, Tensor>): TensorTree {
  const root: Record<string, TensorTree> = {};
  for (const [name, t] of Object.entries(flat)) {
    const parts = name.split(".");
    let node = root;
    for (let i = 0; i < parts.length - 1; i++) {
      const next = Object.hasOwn(node, parts[i]) ? node[parts[i]] : (node[parts[i]] = {});
      if (next instanceof Tensor) {
        throw new RangeError(
          `loadSafetensors(): "${parts.slice(0, i + 1).join(".")}" is a tensor and also a prefix ` +
            `of "${name}"; load with { flat: true }`,
        );
      }
      node = next as Record<string, TensorTree>;
    }
    const leaf = parts[parts.length - 1];
    if (Object.hasOwn(node, leaf)) {
      throw new RangeError(
        `loadSafetensors(): "${name}" is a tensor and also a prefix of other names; load with ` +
          `{ flat: true }`,
      );
    }
    node[leaf] = t;
  }
  return root;
}
