/**
 * Writes tests/fixtures/fuzz_programs.json: the seeded sample of fuzzer programs that
 * tests/fixtures/gen_fuzz.py runs in PyTorch. Run with `deno task fuzz:sample`, then
 * `/usr/bin/python3 tests/fixtures/gen_fuzz.py`.
 *
 * @module
 */

import { SAMPLE_SIZE, samplePrograms } from "../support/fuzz.ts";

if (import.meta.main) {
  const programs = samplePrograms();
  const path = new URL("../fixtures/fuzz_programs.json", import.meta.url);
  await Deno.writeTextFile(path, JSON.stringify({ programs }) + "\n");
  console.log(`wrote ${programs.length} programs (of ${SAMPLE_SIZE} drawn) to ${path.pathname}`);
}
