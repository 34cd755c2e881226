/** The state one sandbox instance's handlers share. */
import type { SandboxInfo } from "@selgeo-golive/runtime";
import type { SandboxClock } from "./clock";
import type { SandboxDb } from "./db";
import type { DeliveryService } from "./deliveries";
import type { FaultInjector } from "./faults";
import type { IdempotencyStore } from "./idempotency";
import type { RateLimiter } from "./rateLimit";
import type { RequestCounter } from "./requestCounter";

/** Everything a route handler may use. */
export interface SandboxServices {
  db: SandboxDb;
  clock: SandboxClock;
  deliveries: DeliveryService;
  faults: FaultInjector;
  limiter: RateLimiter;
  requests: RequestCounter;
  idempotency: IdempotencyStore;
  /** The base URL and default account's keys (known once the server listens). */
  info: () => SandboxInfo;
}
