/**
 * The long fuzz run: `deno task fuzz [--minutes M] [--seed S] [--max-steps N] [--order K]`.
 * Draws programs batch after batch (each batch from its own seed, so any program can be
 * redrawn), checks each one (reverse = forward = finite differences up to order K for smooth
 * programs, cycling through 1..K; vmap = loop), and prints the coverage (programs, ops,
 * orders) and every failure with its program as JSON.
 *
 * @module
 */

import fc from "fast-check";
import { checkProgram, isSmooth, OP_NAMES, type Program, programsOf } from "../support/fuzz.ts";

function flag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

if (import.meta.main) {
  const minutes = flag("minutes", 5);
  const seed = flag("seed", 1);
  const maxSteps = flag("max-steps", 12);
  const maxOrder = flag("order", 3);
  const arb = programsOf(maxSteps);
  const deadline = performance.now() + minutes * 60_000;
  const ops = new Map<string, { programs: number; derivative: number }>(
    OP_NAMES.map((o) => [o, { programs: 0, derivative: 0 }]),
  );
  const orders = new Array<number>(maxOrder + 1).fill(0);
  const skipped = new Map<string, number>();
  const failures: {
    batch: number;
    index: number;
    order: number;
    error: string;
    program: Program;
    shrunk?: Program;
  }[] = [];
  let programs = 0, steps = 0, batch = 0;
  while (performance.now() < deadline) {
    const progs = fc.sample(arb, { seed: seed * 1_000_003 + batch, numRuns: 200 });
    for (let i = 0; i < progs.length && performance.now() < deadline; i++) {
      const prog = progs[i];
      const order = 1 + (programs % maxOrder);
      programs++;
      steps += prog.steps.length;
      const smooth = isSmooth(prog);
      for (const op of new Set(prog.steps.map((s) => s.op))) {
        const c = ops.get(op)!;
        c.programs++;
        if (smooth) c.derivative++;
      }
      try {
        const out = checkProgram(prog, order, programs);
        if (out.skipped !== undefined) {
          skipped.set(out.skipped, (skipped.get(out.skipped) ?? 0) + 1);
        } else orders[out.order]++;
      } catch (e) {
        const failure = { batch, index: i, order, error: String(e).slice(0, 500), program: prog };
        failures.push(failure);
        if (failures.length <= 20) {
          console.log(`FAILURE (batch ${batch}, program ${i}, order ${order}): ${failure.error}`);
          console.log(JSON.stringify(prog));
          // replay the draw in fast-check and let it shrink the program
          const shrunk = fc.check(
            fc.property(arb, (p) => void checkProgram(p, order, programs)),
            { seed: seed * 1_000_003 + batch, path: String(i), endOnFailure: true },
          ).counterexample?.[0];
          if (shrunk !== undefined) {
            console.log(`  shrunk to: ${JSON.stringify(shrunk)}`);
            Object.assign(failure, { shrunk });
          }
        }
      }
    }
    batch++;
  }
  const summary = {
    seed,
    minutes,
    maxSteps,
    maxOrder,
    programs,
    meanSteps: +(steps / Math.max(1, programs)).toFixed(2),
    ordersChecked: Object.fromEntries(
      orders.map((n, k) => [k === 0 ? "values and vmap only (kinks)" : `order ${k}`, n]),
    ),
    skipped: Object.fromEntries(skipped),
    failures: failures.length,
    ops: Object.fromEntries(ops),
  };
  console.log(JSON.stringify(summary, null, 1));
  if (failures.length > 0) Deno.exitCode = 1;
}
