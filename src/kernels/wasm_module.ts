/**
 * Loading the small WebAssembly modules of the kernels: their bytes from base64, a synchronous
 * compile (each module is under the 4 KiB that browsers allow on the main thread) and
 * instantiation on first use, the growth of a module's own memory, and a silent fallback to the
 * JavaScript kernels where WebAssembly or SIMD is missing or compiling code is refused (a page
 * whose Content-Security-Policy forbids it). Each family of kernels registers here by name, so
 * that `backendInfo` can say which run in WebAssembly and why the others do not without
 * importing the kernel modules (which import the worker pool, which imports the backend).
 *
 * @module
 */

/** Decodes base64 to bytes. */
export function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) bytes[i] = s.charCodeAt(i);
  return bytes;
}

/** The message of a caught error, for a reason string. */
const messageOf = (e: unknown): string => e instanceof Error ? e.message : String(e);

/**
 * Compiles `bytes` synchronously: the module, or why it cannot be had here (no WebAssembly,
 * an engine that does not validate it, e.g. without SIMD, or compiling refused).
 */
export function compileWasm(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | string {
  if (typeof WebAssembly !== "object") return "no WebAssembly";
  try {
    if (!WebAssembly.validate(bytes)) return "the engine does not validate the module (SIMD)";
    return new WebAssembly.Module(bytes);
  } catch (e) {
    return `compiling WebAssembly was refused: ${messageOf(e)}`;
  }
}

/** Grows `memory` to at least `bytes`; false where it cannot grow that far. */
export function growMemory(memory: WebAssembly.Memory, bytes: number): boolean {
  const have = memory.buffer.byteLength;
  if (bytes > have) {
    try {
      memory.grow(Math.ceil((bytes - have) / 65536));
    } catch {
      return false;
    }
  }
  return true;
}

/** Whether a family of kernels runs in WebAssembly, and why not where it does not. */
export interface WasmStatus {
  /** True when the family's WebAssembly instance is in use. */
  readonly active: boolean;
  /** Why the family runs in JavaScript instead, or null when it is active. */
  readonly reason: string | null;
}

const families = new Map<string, () => WasmStatus>();

/** Registers how to ask a family of kernels for its status (`gemm` does, in backend.ts). */
export function registerWasmFamily(name: string, status: () => WasmStatus): void {
  families.set(name, status);
}

/** The status of every registered family, by name, loading each that has not tried yet. */
export function wasmFamilies(): Record<string, WasmStatus> {
  const out: Record<string, WasmStatus> = {};
  for (const [name, status] of families) out[name] = status();
  return out;
}

/**
 * One module that owns its memory, instantiated on first use and registered as the family
 * `name`; `bind` picks its kernels from the exports (and may throw to refuse the instance).
 */
export class WasmKernels<K extends { readonly memory: WebAssembly.Memory }> {
  #kernels: K | null | undefined;
  #reason: string | null = null;
  readonly #base64: string;
  readonly #bind: (exports: WebAssembly.Exports) => K;

  constructor(name: string, base64: string, bind: (exports: WebAssembly.Exports) => K) {
    this.#base64 = base64;
    this.#bind = bind;
    registerWasmFamily(name, () => {
      const active = this.load() !== null;
      return { active, reason: active ? null : this.#reason };
    });
  }

  /** The module's bytes. */
  bytes(): Uint8Array<ArrayBuffer> {
    return decode(this.#base64);
  }

  /** The kernels, made on first use; null where the module cannot run here. */
  load(): K | null {
    if (this.#kernels === undefined) {
      this.#kernels = null;
      const module = compileWasm(this.bytes());
      if (typeof module === "string") {
        this.#reason = module;
      } else {
        try {
          this.#kernels = this.#bind(new WebAssembly.Instance(module, {}).exports);
        } catch (e) {
          this.#reason = `instantiating WebAssembly failed: ${messageOf(e)}`;
        }
      }
    }
    return this.#kernels;
  }

  /** The kernels with at least `bytes` of memory, or null (also where the memory cannot grow). */
  withMemory(bytes: number): K | null {
    const k = this.load();
    return k !== null && growMemory(k.memory, bytes) ? k : null;
  }

  /**
   * For tests: `reason` non-null makes {@linkcode load} give null for that reason; null
   * forgets the instance, so the next call makes it again.
   */
  force(reason: string | null): void {
    this.#kernels = reason === null ? undefined : null;
    this.#reason = reason;
  }
}
