/**
 * The reuse pool for tensor buffers: storage that `tidy` or `dispose` released comes back
 * here, in classes of its exact byte length, and the next allocation of that length takes it
 * instead of asking the engine for fresh memory. This module knows buffers only; the scopes'
 * bookkeeping of tensors and the poisoning of released ones live in `memory.ts`.
 *
 * A buffer is reusable only once nothing can read it: every tensor wrapping it counts as a
 * user (the Tensor constructor counts it, `memory.ts` uncounts a released one), and only
 * buffers this module handed out are counted at all. Nothing else in the library keeps a
 * tensor's storage beyond the operation that reads it, and users only ever get copies
 * (`toTypedArray`), so a buffer whose count reaches zero is unreachable except through the
 * released tensors, whose storage is replaced by a guard that throws.
 *
 * Measured on the 2-core VM (Deno 2.9, float32, fresh `new Float32Array(n)` against a view on
 * a kept buffer plus `fill(0)`): 2 KiB 1.6 vs 0.17 µs, 16 KiB 2.4 vs 0.23, 64 KiB 8.1 vs 0.62,
 * 256 KiB 36 vs 2.3 (first-touch page faults and the collector's external-memory pressure).
 * So every buffer of its own (storage over `SMALL_BYTES`, the slab limit) is worth reusing.
 *
 * @module
 */

import { IdleRelease } from "./idle.ts";

/** Storage of at most this many bytes is carved from slabs and never pooled (see dtype.ts). */
export const SMALL_BYTES = 1024;

/**
 * Bytes the pool may hold at once (256 MiB); a released buffer that would go over it is left
 * to the garbage collector.
 */
export const POOL_CAP_BYTES = 256 * 2 ** 20;

let capBytes = POOL_CAP_BYTES;

/** @ignore Sets the pool's cap (tests); returns the previous one. */
export function setPoolCap(bytes: number): number {
  const was = capBytes;
  capBytes = bytes;
  return was;
}

/**
 * Milliseconds without an allocation from the pool after which its buffers are dropped (the
 * next allocations make fresh ones).
 */
export const POOL_IDLE_MS = 300;

/** The users of a pooled buffer: live tensors that wrap it. */
interface Owner {
  users: number;
}

/** @ignore An open `tidy` call's bookkeeping. */
export interface Scope {
  /** The tensors made inside it with pooled storage (and the lazy series made inside it). */
  readonly made: object[];
  /** The tensors whose `grad` (or lazy parts) were set inside it. */
  readonly holders: object[];
}

/** @ignore Shared switches, read on hot paths. */
export const poolState = {
  /** Set by the first `tidy` or `dispose`: until then allocation is exactly as without pool. */
  live: false,
  /** The open `tidy` scopes, innermost last. */
  scopes: [] as Scope[],
};

/**
 * @ignore Notes that `t` took a new tensor after it was made (its `grad`, a part of a lazy
 * series), so an open `tidy` keeps it when `t` outlives the call.
 */
export function noteGrad(t: object): void {
  const s = poolState.scopes;
  if (s.length > 0) s[s.length - 1].holders.push(t);
}

/**
 * @ignore Counts `t` as made in the open `tidy` scope: a tensor with pooled storage (the
 * Tensor constructor), or one without storage of its own (a lazy series), so that a later
 * `noteGrad(t)` inside it does not keep what `t` took.
 */
export function noteMade(t: object): void {
  const s = poolState.scopes;
  if (s.length > 0) s[s.length - 1].made.push(t);
}

/**
 * @ignore What a function that the library returns reads when it is called later (a `vjp`
 * pullback: the recorded output whose graph it runs), so that `tidy` keeps it.
 */
export const heldByFunction: WeakMap<object, unknown> = new WeakMap();

/** @ignore Registers what `f` reads when it is called (see `heldByFunction`); returns `f`. */
export function holding<F extends object>(f: F, held: unknown): F {
  heldByFunction.set(f, held);
  return f;
}

const owners = new WeakMap<ArrayBuffer, Owner>();
const classes = new Map<number, ArrayBuffer[]>();
let pooledBytes = 0;
let pooledBuffers = 0;
const counts = { reused: 0, fresh: 0, returned: 0, dropped: 0 };

/** Statistics of the buffer pool, from {@linkcode memoryInfo}. */
export interface MemoryInfo {
  /** Buffers waiting in the pool for reuse. */
  readonly pooledBuffers: number;
  /** Bytes of those buffers. */
  readonly pooledBytes: number;
  /** Allocations served from the pool since the process started. */
  readonly reused: number;
  /**
   * Allocations of the pool's sizes (buffers over 1 KiB, once `tidy` or `dispose` has been
   * used) that needed fresh memory.
   */
  readonly fresh: number;
  /** Buffers released into the pool. */
  readonly returned: number;
  /** Released buffers left to the garbage collector: over the cap, or dropped when idle. */
  readonly dropped: number;
}

/**
 * How the pool of released tensor buffers is doing: what it holds, and how many allocations
 * it served or could not serve. `fresh` stops growing once a loop runs each step in
 * {@linkcode tidy} and disposes what it replaces: its steady state allocates nothing new.
 *
 * @returns the counts so far
 * @example The second identical step reuses the first one's memory
 * ```ts
 * import { matmul, memoryInfo, randn, tidy } from "@tapegrad/core";
 * import assert from "node:assert/strict";
 *
 * const a = randn([64, 64]);
 * const step = () => tidy(() => matmul(a, a).tanh().sum().item());
 * step();
 * const before = memoryInfo().fresh;
 * step();
 * assert.equal(memoryInfo().fresh, before);
 * ```
 */
export function memoryInfo(): MemoryInfo {
  return { pooledBuffers, pooledBytes, ...counts };
}

/** Drops the pooled buffers once nothing has been taken for `POOL_IDLE_MS` (or none is left). */
const idle = new IdleRelease(POOL_IDLE_MS, dropPooled, () => pooledBuffers > 0);

/** @ignore Empties the pool now (its buffers are left to the garbage collector). */
export function dropPooled(): void {
  counts.dropped += pooledBuffers;
  classes.clear();
  pooledBytes = 0;
  pooledBuffers = 0;
  idle.cancel();
}

/**
 * @ignore A buffer of exactly `bytes` bytes for new storage, counted so that it can come
 * back: a released one (holding old values: the caller zeroes it when it must) or a fresh,
 * zeroed one. Called only when `poolState.live`.
 */
export function takeBuffer(bytes: number): { buffer: ArrayBuffer; reused: boolean } {
  idle.use();
  const free = classes.get(bytes);
  let buffer = free?.pop();
  let reused = false;
  if (buffer !== undefined) {
    pooledBytes -= bytes;
    pooledBuffers--;
    counts.reused++;
    reused = true;
  } else {
    buffer = new ArrayBuffer(bytes);
    counts.fresh++;
  }
  owners.set(buffer, { users: 0 });
  return { buffer, reused };
}

/**
 * @ignore Counts a new tensor over `buffer` as one of its users. Returns false for a buffer
 * the pool does not manage (it is never reused).
 */
export function addUser(buffer: ArrayBufferLike): boolean {
  const o = owners.get(buffer as ArrayBuffer);
  if (o === undefined) return false;
  o.users++;
  return true;
}

/**
 * @ignore Uncounts a released tensor over `buffer`; the last one gives the buffer back to the
 * pool (or to the collector, over the cap).
 */
export function removeUser(buffer: ArrayBufferLike): void {
  const ab = buffer as ArrayBuffer;
  const o = owners.get(ab);
  if (o === undefined || --o.users > 0) return;
  owners.delete(ab);
  const bytes = ab.byteLength;
  if (pooledBytes + bytes > capBytes) {
    counts.dropped++;
    return;
  }
  let free = classes.get(bytes);
  if (free === undefined) classes.set(bytes, free = []);
  free.push(ab);
  pooledBytes += bytes;
  pooledBuffers++;
  counts.returned++;
  idle.arm();
}
