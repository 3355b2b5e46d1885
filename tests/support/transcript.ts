/**
 * Comparing printed lines with a transcript: shared by tests/seeds_test.ts and the runtime
 * smoke suite (tests/runtimes/smoke.ts).
 */

/** The first difference between printed lines and a transcript, or null when they agree. */
export function mismatch(actual: string[], transcript: string): string | null {
  const expected = transcript.replace(/\n$/, "").split("\n");
  for (let i = 0; i < Math.max(actual.length, expected.length); i++) {
    const want = expected[i];
    const got = actual[i];
    if (got === undefined) return `output ends before line ${i + 1}: ${want}`;
    if (want === undefined) return `extra output at line ${i + 1}: ${got}`;
    const ok = want.startsWith("re:") ? new RegExp(want.slice(3)).test(got) : got === want;
    if (!ok) return `line ${i + 1}: got ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`;
  }
  return null;
}
