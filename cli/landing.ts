/**
 * What `golive flow --landing URL` accepts: the page a partner's referral link leads to. A real
 * buyer has to open it, so a live stack needs a public https page; a test stack may also use a
 * plain-http page on this machine (a shop running locally).
 */
import { isDevelopmentUrl } from "@selgeo-golive/runtime";

const LOCAL_HOSTS = /^(localhost|[^.]+\.localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Why `raw` is no landing page for any stack (checked before the stack is read); undefined when it may be one. */
export function landingSyntaxProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `--landing must be an absolute URL such as https://shop.example/pricing; got ${JSON.stringify(raw)}`;
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") {
    return `--landing must be an http(s) URL of your site; got a ${u.protocol.slice(0, -1)}: URL`;
  }
  if (u.username || u.password) return "--landing must not carry a user name or password (user:pass@); partners share this link";
  return undefined;
}

/** Why `raw` cannot be the landing page of a stack of `mode`, as one line naming the flag; undefined when it can. */
export function landingProblem(raw: string, mode: "test" | "live"): string | undefined {
  const syntax = landingSyntaxProblem(raw);
  if (syntax) return syntax;
  const u = new URL(raw);
  if (mode === "live") {
    if (u.protocol !== "https:") return `--landing must be an https:// URL on a live stack (buyers pay on it); got ${u.protocol}//${u.host}`;
    if (isDevelopmentUrl(u.href)) return `--landing must be a public page on a live stack; ${u.hostname} is not reachable by a buyer`;
    return undefined;
  }
  if (u.protocol === "http:" && !LOCAL_HOSTS.test(u.hostname)) {
    return `--landing may use plain http only on localhost (test stacks); use https://${u.host}${u.pathname === "/" ? "" : u.pathname} instead`;
  }
  return undefined;
}
