/**
 * Writes tests/fixtures/safetensors/tapegrad_state_dict.safetensors: the PyTorch state dict
 * of tests/fixtures/safetensors.json saved by Tapegrad, for
 * `/usr/bin/python3 tests/fixtures/gen_safetensors.py --check` to read back.
 *
 *     deno run --allow-write=tests/fixtures/safetensors tests/tools/write_safetensors.ts
 *
 * An argument writes to another path (`deno task test:runtimes` checks a fresh file).
 */

import { saveSafetensors } from "../../mod.ts";
import { CASES, fixtureTensors } from "../support/safetensors_fixture.ts";

/** The bytes Tapegrad writes for the state-dict case. */
export function tapegradStateDict(): Uint8Array {
  const metadata = CASES.state_dict.metadata ?? undefined;
  return saveSafetensors(fixtureTensors("state_dict"), { metadata });
}

if (import.meta.main) {
  const path = Deno.args[0] ?? "tests/fixtures/safetensors/tapegrad_state_dict.safetensors";
  await Deno.writeFile(path, tapegradStateDict());
  console.log(`wrote ${path}`);
}
