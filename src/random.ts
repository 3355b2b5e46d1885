/**
 * Seeded pseudo-random numbers: xoshiro128** for uniform bits, 53-bit uniform doubles, and
 * Box-Muller normals. `manualSeed(n)` makes runs reproducible.
 *
 * @module
 */

/**
 * A seeded random number generator. Pass one as `generator` to {@linkcode rand},
 * {@linkcode randn} and {@linkcode dropout} to keep a stream of your own; otherwise the
 * default generator (seeded by {@linkcode manualSeed}) is used.
 *
 * @example Two generators with the same seed agree
 * ```ts
 * import { Generator, randn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const a = randn([3], { generator: new Generator(7) });
 * const b = randn([3], { generator: new Generator(7) });
 * assert.deepEqual(a.toArray(), b.toArray());
 * ```
 */
export class Generator {
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;
  #spare: number | null = null;

  /**
   * Builds a generator from an integer seed.
   *
   * @param seed any integer (default 0)
   */
  constructor(seed = 0) {
    this.seed(seed);
  }

  /**
   * Restarts the stream from `seed`.
   *
   * @param seed any integer
   * @returns this generator
   * @throws {TypeError} when `seed` is not a number
   * @throws {RangeError} when `seed` is not an integer
   */
  seed(seed: number): this {
    if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
      throw new (typeof seed === "number" ? RangeError : TypeError)(
        `Generator.seed() expects an integer seed; got ${
          typeof seed === "number" ? seed : typeof seed
        }`,
      );
    }
    // splitmix32 spreads the seed over the four words of state
    let x = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
    const next = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#s0 = next();
    this.#s1 = next();
    this.#s2 = next();
    this.#s3 = next() || 1;
    this.#spare = null;
    return this;
  }

  /** The next 32 uniformly random bits, as an unsigned integer. */
  nextUint32(): number {
    const s0 = this.#s0, s1 = this.#s1, s2 = this.#s2, s3 = this.#s3;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = rotl(n3, 11);
    this.#s0 = n0 >>> 0;
    this.#s1 = n1 >>> 0;
    this.#s2 = n2 >>> 0;
    this.#s3 = n3 >>> 0;
    return r;
  }

  /** A uniform double in `[0, 1)` with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal sample (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#spare !== null) {
      const s = this.#spare;
      this.#spare = null;
      return s;
    }
    const u = 1 - this.uniform(); // in (0, 1]
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.#spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const defaultGenerator = new Generator(0);

/** @ignore The generator used when none is given. */
export function getDefaultGenerator(): Generator {
  return defaultGenerator;
}

/**
 * Seeds the default generator, so that `rand`, `randn` and `dropout` repeat their values.
 *
 * @param seed any integer
 * @throws {TypeError} when `seed` is not a number
 * @throws {RangeError} when `seed` is not an integer (NaN, ±∞, 1.5)
 * @example Reproducible draws
 * ```ts
 * import { manualSeed, randn } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * manualSeed(42);
 * const a = randn([2]);
 * manualSeed(42);
 * assert.deepEqual(randn([2]).toArray(), a.toArray());
 * ```
 */
export function manualSeed(seed: number): void {
  if (typeof seed !== "number" || !Number.isSafeInteger(seed)) {
    throw new (typeof seed === "number" ? RangeError : TypeError)(
      `manualSeed() expects an integer seed; got ${typeof seed === "number" ? seed : typeof seed}`,
    );
  }
  defaultGenerator.seed(seed);
}
