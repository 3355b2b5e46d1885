/**
 * A countdown that releases something once it has not been used for a while: the kernels'
 * workers and WebAssembly memory (kernels/backend.ts), the buffer pool (buffer_pool.ts). Its
 * timer runs only while armed, so an idle process holds none and a script exits normally.
 *
 * @module
 */

/** Calls `release` once `ms` milliseconds have passed without a `use()` since it was armed. */
export class IdleRelease {
  readonly #ms: number;
  readonly #release: () => void;
  readonly #worthKeeping: () => boolean;
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param ms the idle time
   * @param release what to do then
   * @param worthKeeping checked before waiting longer: when false, `release` runs at once
   */
  constructor(ms: number, release: () => void, worthKeeping: () => boolean = () => true) {
    this.#ms = ms;
    this.#release = release;
    this.#worthKeeping = worthKeeping;
  }

  /** Notes a use now (the countdown, if armed, starts again from here). */
  use(): void {
    this.#last = performance.now();
  }

  /** Starts the countdown from now, unless it is running. */
  arm(): void {
    if (this.#timer !== undefined) return;
    this.#last = performance.now();
    this.#timer = setTimeout(this.#check, this.#ms);
  }

  /** Stops the countdown (after a release made by hand). */
  cancel(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #check = (): void => {
    const idle = performance.now() - this.#last;
    if (idle < this.#ms && this.#worthKeeping()) {
      this.#timer = setTimeout(this.#check, this.#ms - idle);
      return;
    }
    this.#timer = undefined;
    this.#release();
  };
}
