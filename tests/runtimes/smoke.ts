/**
 * The runtime smoke suite: the same checks under Deno, Node, Bun and a browser. It uses no
 * runtime API (no Deno.*, no node:*, no file access): the runner
 * (tests/runtimes/run.ts) hands it the README's blocks as modules and the transcripts and
 * file bytes as data.
 *
 * @module
 */

import * as tg from "../../mod.ts";
import type { Tensor } from "../../mod.ts";
import { assertClose } from "../../src/testing/mod.ts";
import {
  CASES,
  FIXTURE,
  GRAD_EXCEPTIONS,
  NAME_EXCEPTIONS,
  nums,
} from "../support/torch_ops_cases.ts";
import { mismatch } from "../support/transcript.ts";
import { CASES as ST_CASES, fixtureTensors } from "../support/safetensors_fixture.ts";
import reprs from "../fixtures/torch_repr.json" with { type: "json" };
import { capture } from "../../examples/seeds/py.ts";
import { run as run000 } from "../../examples/seeds/000_autograd_tutorial.ts";
import { run as run001 } from "../../examples/seeds/001_autograd_dezero_notes.ts";
import { run as run002 } from "../../examples/seeds/002_autograd_notebook.ts";
import { run as run003 } from "../../examples/seeds/003_blog_backward.ts";
import { run as run004 } from "../../examples/seeds/004_tensor_autograd.ts";

/** What the runner hands over: README blocks to run, transcripts, fixture bytes. */
export interface SmokeInput {
  /** Each README TypeScript block: a loader of its module, and its printed output, if shown. */
  readonly readme: readonly {
    name: string;
    load: () => Promise<unknown>;
    expected: string | null;
    /** The block compiles WebAssembly itself (skipped where the page forbids that). */
    compilesWasm: boolean;
  }[];
  /** The seeds' transcripts (tests/seeds/NNN.expected.txt) by id. */
  readonly seeds: Readonly<Record<string, string>>;
  /** tests/fixtures/safetensors/torch_state_dict.safetensors, base64. */
  readonly torchStateDict: string;
}

/** The outcome of one section of the suite. */
export interface Section {
  passed: number;
  failed: number;
  /** Why the whole section did not run. */
  skipped?: string;
  /** What in the section did not run, and why. */
  note?: string;
}

/** The report of one run. */
export interface SmokeReport {
  readonly runtime: string;
  readonly passed: number;
  readonly failed: number;
  readonly sections: Record<string, Section>;
  readonly failures: string[];
  readonly backend: tg.BackendInfo;
}

/** Where this code runs, in words. */
export function runtimeName(): string {
  const g = globalThis as Record<string, unknown>;
  const deno = g.Deno as { version?: { deno?: string } } | undefined;
  if (deno?.version?.deno) return `Deno ${deno.version.deno}`;
  const bun = g.Bun as { version?: string } | undefined;
  if (bun?.version) return `Bun ${bun.version}`;
  const proc = g.process as { versions?: { node?: string } } | undefined;
  if (proc?.versions?.node) return `Node ${proc.versions.node}`;
  const nav = g.navigator as { userAgent?: string } | undefined;
  const chrome = /(?:HeadlessChrome|Chrome)\/(\d+)/.exec(nav?.userAgent ?? "");
  if (chrome !== null) return `Chromium ${chrome[1]}`;
  return nav?.userAgent ? `browser (${nav.userAgent})` : "unknown";
}

/**
 * A value as `console.log` shows it, for the values README examples print: strings as they
 * are, tensors as their repr, arrays as `[ 1, 2 ]`, plain objects as `{ a: 1 }`.
 */
export function show(v: unknown): string {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    const items = v.map((x) => (typeof x === "string" ? `"${x}"` : show(x)));
    return items.length === 0 ? "[]" : `[ ${items.join(", ")} ]`;
  }
  if (v instanceof tg.Tensor || typeof v !== "object" || v === null) return String(v);
  const entries = Object.entries(v).map(([k, x]) =>
    `${k}: ${typeof x === "string" ? `"${x}"` : show(x)}`
  );
  return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
}

/** The console that README blocks print to (the runner's generated modules use it). */
export const printed: string[] = [];

const fromBase64 = (b64: string): Uint8Array => {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
};

/** Runs every check; never throws. */
export async function smoke(input: SmokeInput): Promise<SmokeReport> {
  const sections: Record<string, Section> = {};
  const failures: string[] = [];
  const backend = tg.backendInfo(); // before any example changes the thread count
  const check = (section: string, name: string, fn: () => void) => {
    const s = (sections[section] ??= { passed: 0, failed: 0 });
    try {
      fn();
      s.passed++;
    } catch (e) {
      s.failed++;
      failures.push(`${section} / ${name}: ${String((e as Error)?.message ?? e).slice(0, 300)}`);
    }
  };
  const ensure = (ok: boolean, msg: string) => {
    if (!ok) throw new Error(msg);
  };

  // 1. the README's examples, with their printed output where the README shows it
  let canCompile = true;
  try {
    new WebAssembly.Module(tg.wasmKernelBytes());
  } catch {
    canCompile = false; // a page whose policy forbids compiling WebAssembly
  }
  for (const block of input.readme) {
    if (block.compilesWasm && !canCompile) {
      (sections.readme ??= { passed: 0, failed: 0 }).note =
        `${block.name} skipped: it compiles WebAssembly, which this page forbids`;
      continue;
    }
    printed.length = 0;
    let error: unknown = null;
    try {
      await block.load();
    } catch (e) {
      error = e;
    }
    check("readme", block.name, () => {
      if (error !== null) throw error;
      if (block.expected !== null) {
        const diff = mismatch(printed.join("\n").split("\n"), block.expected);
        ensure(diff === null, diff ?? "");
      }
    });
  }

  // 2. the seeds' ports print their transcripts
  const seeds: [string, () => void][] = [
    ["000", run000],
    ["001", run001],
    ["002", run002],
    ["003", run003],
    ["004", run004],
  ];
  for (const [id, run] of seeds) {
    check("seeds", id, () => {
      const diff = mismatch(capture(run), input.seeds[id]);
      ensure(diff === null, diff ?? "");
    });
  }

  // 3. operations against PyTorch: values and shape, grad_fn name, gradients
  for (const [id, c] of Object.entries(FIXTURE)) {
    const inputs = c.inputs.map((v) =>
      tg.tensor(v as tg.NestedArray, { dtype: "float64", requiresGrad: true })
    );
    let out: Tensor | null = null;
    check("ops", `${id} value`, () => {
      out = CASES[id](...inputs);
      ensure(JSON.stringify(out.shape) === JSON.stringify(c.shape), `shape ${out.shape}`);
      assertClose(out.reshape([out.numel]), tg.tensor(nums(c.out), { dtype: "float64" }), {
        atol: 1e-12,
        rtol: 1e-12,
      });
    });
    if (out === null) continue;
    const y: Tensor = out;
    check("ops", `${id} grad_fn`, () => {
      const want = NAME_EXCEPTIONS[id] ?? c.grad_fn;
      ensure((y.gradFn?.name ?? null) === want, `${y.gradFn?.name} != ${want}`);
    });
    if (GRAD_EXCEPTIONS.has(id)) continue;
    check("ops", `${id} gradient`, () => {
      const w = tg.sin(tg.arange(y.numel, { dtype: "float64" }).add(1)).reshape(y.shape);
      const grads = tg.autogradGrad([tg.sum(y.mul(w))], inputs, { allowUnused: true });
      c.grads.forEach((g, i) => {
        if (g === null) {
          ensure(grads[i] === null || grads[i]!.toTypedArray().every((v) => v === 0), "unused");
        } else {
          assertClose(grads[i]!.reshape([g.length]), tg.tensor(nums(g), { dtype: "float64" }), {
            atol: 1e-12,
            rtol: 1e-10,
          });
        }
      });
    });
  }

  // 4. printing matches PyTorch's repr
  for (
    const r of reprs as {
      name: string;
      values: number[];
      shape: number[];
      dtype: tg.DType;
      repr: string;
    }[]
  ) {
    check("repr", r.name, () => {
      const vals = r.values.map((v) => (typeof v === "string" ? nums([v])[0] : v));
      const got = String(tg.tensor(vals, { dtype: r.dtype, shape: r.shape }));
      ensure(got === r.repr, `${JSON.stringify(got)} != ${JSON.stringify(r.repr)}`);
    });
  }

  // 5. Taylor mode: tanh's derivatives at 0 are 0, 1, 0, −2, 0, 16 (its Taylor series), and
  // jet of exp along x(t) = t carries e^0 = 1 in every coefficient
  const taylor = tg as Record<string, unknown>;
  const derivatives = taylor.derivatives as
    | ((f: (x: Tensor) => Tensor, n: number) => (x: Tensor) => Tensor)
    | undefined;
  const jet = taylor.jet as
    | ((f: (x: Tensor) => Tensor, p: Tensor[], s: Tensor[][]) => [Tensor, Tensor[]])
    | undefined;
  if (typeof derivatives === "function" && typeof jet === "function") {
    check("taylor", "derivatives(tanh, 5)(0)", () => {
      const d = derivatives((x) => x.tanh(), 5)(tg.tensor(0, { dtype: "float64" }));
      ensure(JSON.stringify(d.toArray()) === "[0,1,0,-2,0,16]", String(d));
    });
    check("taylor", "jet(exp) along x(t) = t", () => {
      const f64 = (v: number) => tg.tensor(v, { dtype: "float64" });
      const [y, ys] = jet((x) => x.exp(), [f64(0)], [[f64(1), f64(0), f64(0)]]);
      ensure(y.item() === 1 && ys.every((t) => t.item() === 1), ys.map(String).join(" "));
    });
  } else {
    sections.taylor = {
      passed: 0,
      failed: 0,
      skipped: "jet/derivatives not exported (Taylor mode not on this branch)",
    };
  }

  // 6. vmap: per-example gradients equal a loop of grad, and the Hessian of a quadratic form
  check("vmap", "per-example gradients", () => {
    const w = tg.tensor([0.5, -1, 2], { dtype: "float64" });
    const loss = (x: Tensor) => tg.tanh(tg.dot(x, w)).pow(2);
    const xs = tg.tensor([[1, 2, 3], [0.1, -0.2, 0.3], [-1, 0, 1], [2, 2, -2]], {
      dtype: "float64",
    });
    const batched = tg.vmap(tg.grad(loss))(xs);
    const loop = tg.stack([0, 1, 2, 3].map((i) => tg.grad(loss)(xs.index(i))));
    assertClose(batched, loop, { atol: 1e-15, rtol: 0 });
  });
  check("vmap", "hessian of xᵀAx is A + Aᵀ", () => {
    const a = tg.tensor([[1, 2], [3, 4]], { dtype: "float64" });
    const h = tg.hessian((x: Tensor) => tg.dot(x, tg.matmul(a, x)))(
      tg.tensor([0.3, -0.7], { dtype: "float64" }),
    );
    ensure(JSON.stringify(h.toArray()) === "[[2,5],[5,8]]", String(h));
  });

  // 7. the kernels: a product large enough for WebAssembly against a plain float64 loop, with
  // the built-in kernels and with a precompiled module handed to setWasmModule
  const matmulCheck = () => {
    for (const dtype of ["float32", "float64"] as const) {
      const m = 128, k = 96, n = 64;
      const a = tg.arange(m * k, { dtype: "float64" }).mul(0.37).sin().reshape([m, k]).to(dtype);
      const b = tg.arange(k * n, { dtype: "float64" }).mul(0.11).cos().reshape([k, n]).to(dtype);
      const c = tg.matmul(a, b).toTypedArray();
      const av = a.toTypedArray(), bv = b.toTypedArray();
      for (let i = 0; i < m; i += 7) {
        for (let j = 0; j < n; j += 5) {
          let s = 0;
          for (let p = 0; p < k; p++) s += av[i * k + p] * bv[p * n + j];
          const tol = (dtype === "float32" ? 1e-4 : 1e-12) * (1 + Math.abs(s));
          ensure(Math.abs(c[i * n + j] - s) <= tol, `${dtype} [${i}, ${j}]`);
        }
      }
    }
  };
  check("kernels", "128×96 · 96×64 matmul, built-in kernels", matmulCheck);
  check(
    "kernels",
    "backendInfo reports every WebAssembly family, none where compiling fails",
    () => {
      for (const family of ["gemm", "tanh", "rows", "lap"]) {
        const status = backend.wasm[family];
        ensure(status !== undefined, `no status for ${family}`);
        ensure(status.active === (status.reason === null), `${family}: ${JSON.stringify(status)}`);
        ensure(canCompile || !status.active, `${family} is active, yet compiling failed`);
      }
    },
  );
  const module = canCompile ? new WebAssembly.Module(tg.wasmKernelBytes()) : null;
  check("kernels", "matmul with a precompiled module (setWasmModule)", () => {
    if (module === null) {
      ensure(backend.kernels === "javascript", "compiling failed, yet the kernels are WebAssembly");
      return matmulCheck();
    }
    tg.setWasmModule(module);
    try {
      ensure(tg.backendInfo().precompiled, "backendInfo().precompiled");
      matmulCheck();
    } finally {
      tg.setWasmModule(null);
    }
  });

  // 8. data in and out: safetensors bytes from PyTorch, JSON, numbers
  check("data", "loadSafetensors reads PyTorch's bytes; saveSafetensors writes them back", () => {
    const bytes = fromBase64(input.torchStateDict);
    const flat = tg.loadSafetensors(bytes, { flat: true });
    const want = fixtureTensors("state_dict");
    for (const [k, t] of Object.entries(want)) {
      ensure(
        JSON.stringify([...flat[k].toTypedArray()]) === JSON.stringify([...t.toTypedArray()]),
        k,
      );
    }
    const again = tg.saveSafetensors(flat, { metadata: ST_CASES.state_dict.metadata ?? undefined });
    ensure(again.length === bytes.length && again.every((v, i) => v === bytes[i]), "bytes differ");
  });
  check("data", "JSON and numbers", () => {
    const x = tg.tensor([[1.5, NaN]], { requiresGrad: true }).mul(2);
    const back = tg.fromJSON(JSON.stringify(x));
    ensure(
      JSON.stringify(back.tolist()) === "[[3,null]]" && Number.isNaN(back.toTypedArray()[1]),
      "json",
    );
    ensure(Number(tg.tensor(2.5)) === 2.5, "Number()");
  });

  let passed = 0, failed = 0;
  for (const s of Object.values(sections)) {
    passed += s.passed;
    failed += s.failed;
  }
  return { runtime: runtimeName(), passed, failed, sections, failures, backend };
}
