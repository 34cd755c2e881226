/**
 * A short, non-reversible tag of a secret, safe to show and to keep in state: `sha256:` + the first
 * 12 hex characters of its SHA-256. Identical to `webhookEndpoint.fingerprint` (a unit test pins
 * that), so fingerprints recorded by either agree.
 */
import { createHash } from "node:crypto";

export function fingerprint(secret: string): string {
  return "sha256:" + createHash("sha256").update(secret).digest("hex").slice(0, 12);
}
