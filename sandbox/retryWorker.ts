/**
 * The lifecycle both webhook senders share (Selgeo's deliveries and the Stripe emulator's): a
 * background tick that starts every due delivery, one attempt at a time per delivery, and a stop
 * that aborts attempts in flight so they stay due and resume after a restart.
 */

/** How often the worker looks for due deliveries. */
export const WORKER_INTERVAL_MS = 200;

/** A retry worker; subclasses say which deliveries are due and how one attempt is sent. */
export abstract class RetryWorker {
  protected readonly inFlight = new Map<string, Promise<void>>();
  private readonly aborts = new Set<AbortController>();
  private timer: NodeJS.Timeout | undefined;
  protected closed = false;

  /** `what` names a delivery in the log (`delivery`, `stripe delivery`). */
  constructor(
    protected readonly log: (line: string) => void,
    private readonly what: string,
  ) {}

  /** The ids of the deliveries due now, oldest first. */
  protected abstract dueIds(): string[];

  /** One attempt at delivery `id`; records its outcome unless the worker is closing. */
  protected abstract send(id: string): Promise<void>;

  /** Starts the background worker (unref'd: it alone never keeps a process, e.g. a test runner, alive). */
  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => void this.processDue(), WORKER_INTERVAL_MS);
    this.timer.unref();
  }

  /** Stops the worker and aborts attempts in flight; their deliveries stay due and resume after a restart. */
  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const c of this.aborts) c.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Starts every due delivery that is not already in flight, and waits for all in-flight attempts. */
  async processDue(): Promise<void> {
    if (this.closed) return;
    for (const id of this.dueIds()) if (!this.inFlight.has(id)) void this.attempt(id);
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** One attempt at a time per delivery; a concurrent caller shares the running one. */
  protected attempt(id: string): Promise<void> {
    const running = this.inFlight.get(id);
    if (running) return running;
    const p = this.send(id)
      .catch((err: unknown) => this.log(`${this.what} ${id}: unexpected error ${(err as Error).stack ?? String(err)}`))
      .finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, p);
    return p;
  }

  /** Runs `post` with a signal that `stop()` aborts. */
  protected async abortable<T>(post: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.aborts.add(controller);
    try {
      return await post(controller.signal);
    } finally {
      this.aborts.delete(controller);
    }
  }
}
