/**
 * Tapegrad against its peers in one run: runs the W1–W7 workloads here, then PyTorch's
 * (`../shared/peers/torch_bench.py --threads 1`, one BLAS thread) on the same machine, and
 * prints a table with the ratio per metric. The JavaScript peers (TensorFlow.js, jax-js,
 * js-pytorch) come from `../shared/peers/results_reference.jsonl`, a reference run on this
 * machine, and are labelled so.
 *
 * `deno task bench:peers` (needs to run /usr/bin/python3 and read ../shared/peers).
 *
 * @module
 */

import { type Record, runWorkloads } from "./workloads.ts";

const PEERS = new URL("../../shared/peers/", import.meta.url);
const PYTHON = "/usr/bin/python3";

/** A row of the table: a metric of a workload, and which direction is better. */
interface Metric {
  readonly workload: string;
  readonly metric: string;
  /** The key in Tapegrad's and the peers' records. */
  readonly key: string;
  /** The key in PyTorch's record where it differs. */
  readonly torchKey?: string;
  readonly higherIsBetter: boolean;
  /** Where the value is not a top-level number: how to read it from a record. */
  readonly read?: (r: Record) => unknown;
}

/** The time of one order in a W6 record's `orders` list. */
function orderMs(order: number): (r: Record) => unknown {
  return (r) =>
    (r.orders as { order: number; ms: number }[] | undefined)?.find((o) => o.order === order)?.ms;
}

function w6Order(order: number): Metric {
  return {
    workload: "W6 tanh derivative order n",
    metric: `ms, n = ${order}`,
    key: `order_${order}`,
    higherIsBetter: false,
    read: orderMs(order),
  };
}

const METRICS: readonly Metric[] = [
  { workload: "W1 op overhead", metric: "µs per op", key: "us_per_op", higherIsBetter: false },
  { workload: "W2 MLP step", metric: "ms", key: "median_ms", higherIsBetter: false },
  {
    workload: "W2 MLP step",
    metric: "ms, Tapegrad's step in tidy() (buffers reused)",
    key: "tidy_median_ms",
    torchKey: "median_ms",
    higherIsBetter: false,
  },
  { workload: "W3 512² matmul fwd+bwd", metric: "GFLOP/s", key: "gflops", higherIsBetter: true },
  { workload: "W3 512² matmul fwd+bwd", metric: "ms", key: "median_ms", higherIsBetter: false },
  { workload: "W4 8th derivative", metric: "ms", key: "median_ms", higherIsBetter: false },
  { workload: "W5 Hessian", metric: "gradient ms", key: "grad_ms", higherIsBetter: false },
  { workload: "W5 Hessian", metric: "HVP ms", key: "hvp_ms", higherIsBetter: false },
  { workload: "W5 Hessian", metric: "HVP / gradient", key: "hvp_over_grad", higherIsBetter: false },
  {
    workload: "W5 Hessian",
    metric: "full Hessian ms (PyTorch: hessian())",
    key: "hessian_ms",
    higherIsBetter: false,
  },
  {
    workload: "W5 Hessian",
    metric: "full Hessian ms (PyTorch: vectorize=True)",
    key: "hessian_ms",
    torchKey: "hessian_vectorized_ms",
    higherIsBetter: false,
  },
  ...[4, 8, 12, 16, 32, 64].map(w6Order),
  {
    workload: "W6 tanh derivative order n",
    metric: "highest order within 0.25 s",
    key: "max_order_done",
    higherIsBetter: true,
  },
  {
    workload: "W7 PINN Laplacian",
    metric: "Laplacian ms (Tapegrad: laplacian; PyTorch: nested grad)",
    key: "laplacian_ms",
    higherIsBetter: false,
  },
  {
    workload: "W7 PINN Laplacian",
    metric: "Laplacian ms, both by nested grad",
    key: "laplacian_nested_ms",
    torchKey: "laplacian_ms",
    higherIsBetter: false,
  },
  {
    workload: "W7 PINN Laplacian",
    metric: "Laplacian ms, both by vmap(hessian) trace",
    key: "laplacian_hessian_ms",
    higherIsBetter: false,
  },
  {
    workload: "W7 PINN Laplacian",
    metric: "PINN step ms (loss with Δu, 6 gradients)",
    key: "pinn_step_ms",
    higherIsBetter: false,
  },
];

function readLines(text: string): Record[] {
  return text.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l));
}

/**
 * Runs torch_bench.py with one thread (`"1"`, BLAS limited to one thread too) or with torch's
 * and the BLAS's own choice (`"default"`), optionally on some workloads only.
 */
async function runTorch(threads: "1" | "default", only?: string): Promise<Record[] | string> {
  const script = new URL("torch_bench.py", PEERS);
  try {
    Deno.statSync(script);
  } catch {
    return `no ${script.pathname} (the shared peers folder is missing)`;
  }
  try {
    const env: { [k: string]: string } = threads === "1"
      ? { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" }
      : {};
    const args = [script.pathname, "--threads", threads, ...(only ? ["--only", only] : [])];
    const out = await new Deno.Command(PYTHON, {
      args,
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      const err = new TextDecoder().decode(out.stderr).trim();
      if (/No module named '?torch/.test(err)) {
        return `PyTorch is not installed for ${PYTHON} (apt-get install -y python3-torch)`;
      }
      return `torch_bench.py failed: ${err.slice(-300)}`;
    }
    return readLines(text);
  } catch (e) {
    return `cannot run ${PYTHON}: ${e instanceof Error ? e.message : e} ` +
      `(install PyTorch with apt-get install -y python3-torch)`;
  }
}

function reference(): Record[] {
  try {
    return readLines(Deno.readTextFileSync(new URL("results_reference.jsonl", PEERS)));
  } catch {
    return [];
  }
}

function fmt(v: unknown): string {
  if (typeof v !== "number" || !Number.isFinite(v)) return "—";
  if (Number.isInteger(v)) return String(v);
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

/**
 * The first record of a workload (and peer) that has `key`, skipping error lines and
 * variants whose results were wrong (tfjs's HVP through its built-in tanh).
 */
function pick(
  recs: readonly Record[],
  workload: string,
  read: (r: Record) => unknown,
  peer?: string,
): Record | undefined {
  return recs.find((x) =>
    x.workload === workload && (peer === undefined || x.peer === peer) &&
    x.error === undefined && x.hvp_correct !== false && typeof read(x) === "number"
  );
}

/** A value with the variant's short tag, if the peer reported variants. */
function cell(r: Record | undefined, read: (r: Record) => unknown): string {
  if (r === undefined) return "—";
  return typeof r.tag === "string" ? `${fmt(read(r))} (${r.tag})` : fmt(read(r));
}

/** How Tapegrad compares, as "N× faster" or "N× slower". */
function ratio(m: Metric, ours: unknown, theirs: unknown): string {
  if (typeof ours !== "number" || typeof theirs !== "number" || ours <= 0 || theirs <= 0) {
    return "—";
  }
  if (m.key === "hvp_over_grad") return `${(ours / theirs).toFixed(2)} (ratio of ratios)`;
  if (m.key === "max_order_done") return `${ours} vs ${theirs}`;
  const speedup = m.higherIsBetter ? ours / theirs : theirs / ours;
  const times = (r: number) => (r >= 100 ? r.toFixed(0) : r.toFixed(2));
  return speedup >= 1 ? `${times(speedup)}× faster` : `${times(1 / speedup)}× slower`;
}

/** The JavaScript peers shown from the reference run. */
const JS_PEERS = ["tfjs-wasm", "jax-js-deno", "js-pytorch"];

/** The better of two measurements of a metric (either may be missing). */
function better(m: Metric, a: unknown, b: unknown): unknown {
  if (typeof a !== "number") return b;
  if (typeof b !== "number") return a;
  return m.higherIsBetter ? Math.max(a, b) : Math.min(a, b);
}

/**
 * The Markdown table: Tapegrad and PyTorch (1 thread, and its default threads where run)
 * measured in this run, the ratio against the better PyTorch configuration, and the
 * JavaScript peers from the reference run.
 */
export function table(
  ours: readonly Record[],
  torch: readonly Record[],
  ref: readonly Record[],
  torchDefault: readonly Record[] = [],
): string {
  const lines = [
    `| workload | metric | Tapegrad | PyTorch 1.13, 1 thread | PyTorch 1.13, default threads | ` +
    `Tapegrad vs the better PyTorch | ${JS_PEERS.map((p) => `${p} (reference run)`).join(" | ")} |`,
    `| --- | --- | ---: | ---: | ---: | ---: | ${JS_PEERS.map(() => "---:").join(" | ")} |`,
  ];
  for (const m of METRICS) {
    const w = m.workload.slice(0, 2);
    const read = m.read ?? ((r: Record) => r[m.key]);
    const readTorch = m.read ?? ((r: Record) => r[m.torchKey ?? m.key]);
    const ours1 = pick(ours, w, read);
    const torch1 = pick(torch, w, readTorch);
    const a = ours1 && read(ours1);
    const b = torch1 && readTorch(torch1);
    const torchD = pick(torchDefault, w, readTorch);
    const d = torchD && readTorch(torchD);
    const js = JS_PEERS.map((p) => cell(pick(ref, w, read, p), read));
    lines.push(
      `| ${m.workload} | ${m.metric} | ${fmt(a)} | ${fmt(b)} | ${fmt(d)} | ${
        ratio(m, a, better(m, b, d))
      } | ${js.join(" | ")} |`,
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  console.log("# Tapegrad workloads");
  const ours = runWorkloads(undefined, true);
  console.log("\n# PyTorch 1.13 (torch_bench.py --threads 1), same machine, same run");
  const torch = await runTorch("1");
  if (typeof torch === "string") console.log(`skipped: ${torch}`);
  else for (const r of torch) console.log(JSON.stringify(r));
  // the dense-math workloads also with torch's own thread choice (the issue's targets take the
  // better of the two); PyTorch's BLAS is Debian's libblas alternative: install
  // libopenblas0-pthread (as ../shared/peers/run_all.sh does) or it runs the reference BLAS
  console.log("\n# PyTorch 1.13 (torch_bench.py --threads default --only W2,W3), same run");
  const torchDefault = typeof torch === "string" ? [] : await runTorch("default", "W2,W3");
  if (typeof torchDefault === "string") console.log(`skipped: ${torchDefault}`);
  else for (const r of torchDefault) console.log(JSON.stringify(r));
  const ref = reference();
  console.log("");
  console.log(
    table(
      ours,
      typeof torch === "string" ? [] : torch,
      ref,
      typeof torchDefault === "string" ? [] : torchDefault,
    ),
  );
  const failed = ours.filter((r) => r.check_ok === false || r.error !== undefined);
  if (failed.length > 0) {
    console.log(`\nCORRECTNESS CHECK FAILED: ${failed.map((r) => r.workload).join(", ")}`);
    Deno.exit(1);
  }
}
