/**
 * Tapegrad against its peers in one run: runs the W1–W5 workloads here, then PyTorch's
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

/** What each workload is compared on, and which direction is better. */
const METRICS: { workload: string; key: string; label: string; higherIsBetter: boolean }[] = [
  { workload: "W1", key: "us_per_op", label: "W1 µs per op (10k-op chain)", higherIsBetter: false },
  { workload: "W2", key: "median_ms", label: "W2 ms per MLP step", higherIsBetter: false },
  {
    workload: "W3",
    key: "gflops",
    label: "W3 GFLOP/s (512² matmul fwd+bwd)",
    higherIsBetter: true,
  },
  {
    workload: "W4",
    key: "median_ms",
    label: "W4 ms (8th derivative of tanh)",
    higherIsBetter: false,
  },
  { workload: "W5", key: "hessian_ms", label: "W5 ms (100×100 Hessian)", higherIsBetter: false },
  { workload: "W5", key: "grad_ms", label: "W5 ms (gradient)", higherIsBetter: false },
  { workload: "W5", key: "hvp_ms", label: "W5 ms (HVP)", higherIsBetter: false },
  { workload: "W5", key: "hvp_over_grad", label: "W5 HVP / gradient", higherIsBetter: false },
];

function readLines(text: string): Record[] {
  return text.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l));
}

async function runTorch(): Promise<Record[] | string> {
  const script = new URL("torch_bench.py", PEERS);
  try {
    Deno.statSync(script);
  } catch {
    return `no ${script.pathname} (the shared peers folder is missing)`;
  }
  try {
    const env = { OMP_NUM_THREADS: "1", OPENBLAS_NUM_THREADS: "1", MKL_NUM_THREADS: "1" };
    const out = await new Deno.Command(PYTHON, {
      args: [script.pathname, "--threads", "1"],
      env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      return `torch_bench.py failed: ${new TextDecoder().decode(out.stderr).trim().slice(-300)}`;
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
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function pick(recs: readonly Record[], workload: string, key: string, peer?: string): unknown {
  const r = recs.find((x) =>
    x.workload === workload && (peer === undefined || x.peer === peer) &&
    x.error === undefined && typeof x[key] === "number"
  );
  return r?.[key];
}

/** The Markdown table: Tapegrad, PyTorch in this run, the ratio, and reference JS peers. */
export function table(ours: readonly Record[], torch: readonly Record[], ref: readonly Record[]) {
  const jsPeers = ["tfjs-wasm", "jax-js-deno", "js-pytorch"];
  const lines = [
    `| metric | Tapegrad | PyTorch 1.13, 1 thread | Tapegrad vs PyTorch | ${
      jsPeers.map((p) => `${p} (reference run)`).join(" | ")
    } |`,
    `| --- | ---: | ---: | ---: | ${jsPeers.map(() => "---:").join(" | ")} |`,
  ];
  for (const m of METRICS) {
    const a = pick(ours, m.workload, m.key);
    const b = pick(torch, m.workload, m.key);
    let ratio = "—";
    if (typeof a === "number" && typeof b === "number") {
      const better = m.higherIsBetter ? a / b : b / a;
      ratio = `${better.toFixed(2)}× ${better >= 1 ? "faster" : "slower"}`;
      if (m.key === "hvp_over_grad") ratio = `${(a / b).toFixed(2)} (ratio of ratios)`;
    }
    const js = jsPeers.map((p) => fmt(pick(ref, m.workload, m.key, p)));
    lines.push(`| ${m.label} | ${fmt(a)} | ${fmt(b)} | ${ratio} | ${js.join(" | ")} |`);
  }
  return lines.join("\n");
}

if (import.meta.main) {
  console.log("# Tapegrad workloads");
  const ours = runWorkloads(undefined, true);
  console.log("\n# PyTorch 1.13 (torch_bench.py --threads 1), same machine, same run");
  const torch = await runTorch();
  if (typeof torch === "string") console.log(`skipped: ${torch}`);
  else for (const r of torch) console.log(JSON.stringify(r));
  const ref = reference();
  console.log("");
  console.log(table(ours, typeof torch === "string" ? [] : torch, ref));
  const failed = ours.filter((r) => r.check_ok === false || r.error !== undefined);
  if (failed.length > 0) {
    console.log(`\nCORRECTNESS CHECK FAILED: ${failed.map((r) => r.workload).join(", ")}`);
    Deno.exit(1);
  }
}
