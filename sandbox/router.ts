/**
 * A minimal router: `METHOD /path/{param}` patterns, matched segment by segment. Each route
 * declares what it needs (key kind, extra rate-limit bucket) so the server applies auth and
 * limits uniformly instead of every handler remembering to.
 */
import type { IncomingHttpHeaders } from "http";
import type { AuthContext } from "./auth";
import type { BucketKind } from "./rateLimit";
import type { SandboxServices } from "./services";

/** A parsed request as handlers see it. */
export interface ApiRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: Record<string, unknown>;
  /** The exact request bytes (what a signature is computed over). */
  rawBody: Buffer;
  headers: IncomingHttpHeaders;
  /** Present on authenticated routes. */
  auth: AuthContext;
}

/** What a handler returns; errors are thrown as ApiError. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

/** A route handler. */
export type Handler = (req: ApiRequest, services: SandboxServices) => ApiResponse | Promise<ApiResponse>;

/** A route definition. */
export interface Route {
  method: "GET" | "POST" | "DELETE";
  /** Path pattern with `{name}` segments, also used as the route's name in request counts. */
  pattern: string;
  /** Key kind the route needs; `none` for sandbox admin routes. */
  auth: "sk" | "pk" | "none";
  /** A bucket in addition to the general per-IP one, keyed by the API key. */
  bucket?: BucketKind;
  /** The handler reads `rawBody` itself (e.g. to verify a signature first): no JSON parsing. */
  rawBody?: boolean;
  handler: Handler;
}

/** A route's method and pattern as one string, `"GET /api/v1/programs/{id}"`. */
export type RouteLine = `${Route["method"]} /${string}`;

/** What a route needs besides its handler: the key kind alone, or with a bucket or raw body. */
export type RouteAccess = Route["auth"] | Pick<Route, "auth" | "bucket" | "rawBody">;

/**
 * Declares a route: `route("POST /api/v1/programs", "sk", handler)`. A route table then reads one
 * line per route, method and path first, the way the API reference lists them.
 */
export function route(line: RouteLine, access: RouteAccess, handler: Handler): Route {
  const space = line.indexOf(" ");
  const options = typeof access === "string" ? { auth: access } : access;
  return { method: line.slice(0, space) as Route["method"], pattern: line.slice(space + 1), ...options, handler };
}

/** Result of matching a path. */
export type RouteMatch = { route: Route; params: Record<string, string> } | { route: undefined; allowed: string[] };

/** Routes compiled for matching. */
export class Router {
  private readonly compiled: { route: Route; segments: string[] }[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => ({ route, segments: route.pattern.split("/") }));
  }

  /** Finds the route for a method and path; on a miss, lists methods the path does support. */
  match(method: string, path: string): RouteMatch {
    const parts = path.split("/");
    const allowed: string[] = [];
    for (const { route, segments } of this.compiled) {
      const params = matchSegments(segments, parts);
      if (!params) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
    }
    return { route: undefined, allowed };
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p.startsWith("{") && p.endsWith("}")) {
      if (parts[i] === "") return undefined;
      try {
        params[p.slice(1, -1)] = decodeURIComponent(parts[i]);
      } catch {
        return undefined;
      }
    } else if (p !== parts[i]) {
      return undefined;
    }
  }
  return params;
}
