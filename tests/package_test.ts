/**
 * What the published package holds: the README's links work from JSR's package page (no paths
 * outside the package, no relative links to files it leaves out), and the files no module
 * imports stay out.
 */

import assert from "node:assert/strict";
import config from "../deno.json" with { type: "json" };

const README = Deno.readTextFileSync(new URL("../README.md", import.meta.url));

/** Whether a path in the repository is in the published package, per deno.json. */
function published(path: string): boolean {
  const clean = path.replace(/^\.\//, "").replace(/#.*$/, "");
  const inside = config.publish.include.some((p) =>
    p.endsWith("/") ? clean.startsWith(p) : clean === p
  );
  const excluded = config.publish.exclude.some((glob) =>
    new RegExp(`^${glob.replace(/[.]/g, "\\.").replace(/\*/g, "[^/]*")}$`).test(clean)
  );
  return inside && !excluded;
}

Deno.test("the README names no path outside the repository", () => {
  assert.deepEqual(README.match(/\.\.\/[\w.-]+/g) ?? [], []);
});

Deno.test("the README's relative links point into the published package", () => {
  const links = [...README.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  for (const link of links) {
    if (/^(https?:|mailto:|#)/.test(link)) continue;
    assert.ok(published(link), `README links to ${link}, which the package leaves out`);
  }
  for (const [, anchor] of README.matchAll(/\]\(#([^)]+)\)/g)) {
    const headings = [...README.matchAll(/^#+ (.+)$/gm)].map((m) =>
      m[1].toLowerCase().replace(/[^\w\s-]/g, "").trim().replace(/\s+/g, "-")
    );
    assert.ok(headings.includes(anchor), `README links to #${anchor}, which no heading makes`);
  }
});

Deno.test("the WAT sources, which no module imports, stay out of the package", () => {
  assert.equal(published("src/kernels/wasm/gemm.wat"), false);
  assert.equal(published("src/kernels/wasm/gemm_wasm.ts"), true);
  assert.equal(published("mod.ts"), true);
});

Deno.test("deno check keeps the source erasable TypeScript, which Node's type stripping runs", () => {
  // erasableSyntaxOnly refuses enums, namespaces with values and parameter properties;
  // verbatimModuleSyntax makes type-only imports say so, since stripping drops them
  assert.equal(config.compilerOptions.erasableSyntaxOnly, true);
  assert.equal(config.compilerOptions.verbatimModuleSyntax, true);
});
