/**
 * Counts API requests (`/api/v1/…` and `/v1/…`; admin routes excluded) so end-to-end tests can
 * assert things like "a second `pulumi up` sent no write request".
 */

/** The `GET /_sandbox/requests` body. */
export interface RequestCounts {
  total: number;
  by_method: Record<string, number>;
  by_route: Record<string, number>;
}

/** Request counters of one sandbox (in memory; reset by restart or `DELETE /_sandbox/requests`). */
export class RequestCounter {
  private counts: RequestCounts = RequestCounter.empty();

  private static empty(): RequestCounts {
    // The three methods the API uses are always present so `by_method.POST === 0` needs no `?? 0`.
    return { total: 0, by_method: { GET: 0, POST: 0, DELETE: 0 }, by_route: {} };
  }

  /** Records one request; `route` is `METHOD pattern` (or the raw path for unknown routes). */
  record(method: string, route: string): void {
    this.counts.total += 1;
    this.counts.by_method[method] = (this.counts.by_method[method] ?? 0) + 1;
    this.counts.by_route[route] = (this.counts.by_route[route] ?? 0) + 1;
  }

  /** A snapshot. */
  snapshot(): RequestCounts {
    return { total: this.counts.total, by_method: { ...this.counts.by_method }, by_route: { ...this.counts.by_route } };
  }

  /** Back to zero. */
  reset(): void {
    this.counts = RequestCounter.empty();
  }
}
