/**
 * The kernels that the worker pool's workers can run: plain functions that kernel modules
 * register by name, so that the pool can build the workers' source from their text without
 * importing the kernel modules (which import the pool's entry point).
 *
 * A registered function must use nothing from its module but other registered functions
 * (and `parallelRows`, which the workers define as a no-op). A function that breaks this
 * rule fails in the workers; the pool then reruns the job on the calling thread and stops
 * sending that kernel to the workers, so a mistake costs speed, never a wrong result.
 *
 * @module
 */

// deno-lint-ignore ban-types
const kernels = new Map<string, Function>();

/** Registers functions that workers may run (or that those functions call), by their names. */
// deno-lint-ignore ban-types
export function registerKernels(...fns: Function[]): void {
  for (const fn of fns) {
    if (!/^[A-Za-z_$][\w$]*$/.test(fn.name)) throw new Error(`Kernel without a name: ${fn}`);
    kernels.set(fn.name, fn);
  }
}

/** The source text that defines every registered function in a worker. */
export function kernelSource(): string {
  let s = "";
  for (const [name, fn] of kernels) {
    s += `const ${name} = (${fn.toString()});\nK.${name} = ${name};\n`;
  }
  return s;
}
