/**
 * The sandbox clock: real time plus an offset that only moves forward.
 *
 * Business time (object `created`, retry schedules, secret-rotation expiry, idempotency-key
 * lifetime) follows this clock, so a test can jump through a 10-hour retry schedule in
 * milliseconds. Transport concerns that a real peer checks against its own clock (rate-limit
 * buckets, signature timestamps) use the underlying real time instead; see `realNowMs`.
 * The offset is persisted so that advancing survives a restart, and due retries stay due.
 */
import type { SandboxDb } from "./db";
import { getMeta, setMeta } from "./db";

const OFFSET_KEY = "clock_offset_ms";

/** The sandbox clock. */
export class SandboxClock {
  private offsetMs: number;

  /** @param realNow real time in epoch milliseconds (injectable for tests). */
  constructor(
    private readonly db: SandboxDb,
    private readonly realNow: () => number = Date.now,
  ) {
    this.offsetMs = Number(getMeta(db, OFFSET_KEY) ?? "0");
  }

  /** Sandbox time, epoch milliseconds. */
  nowMs(): number {
    return this.realNow() + this.offsetMs;
  }

  /** Sandbox time, unix seconds. */
  nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Real (un-advanced) time, epoch milliseconds. */
  realNowMs(): number {
    return this.realNow();
  }

  /** How far the sandbox clock is ahead of real time, seconds. */
  offsetSeconds(): number {
    return this.offsetMs / 1000;
  }

  /** Moves the sandbox clock forward and persists the new offset. */
  advance(seconds: number): void {
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`cannot advance the clock by ${seconds} s`);
    this.offsetMs += Math.round(seconds * 1000);
    setMeta(this.db, OFFSET_KEY, String(this.offsetMs));
  }
}
