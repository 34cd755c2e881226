/**
 * Where generated secrets live: `selgeo-golive/<stack>/<kind>/<name>`, e.g.
 * `selgeo-golive/live/webhook-endpoint/orders`. One prefix per stack, so an IAM policy can grant an
 * application exactly its stack's secrets (`arn:…:secret:selgeo-golive/live/*`).
 */

/** The default first segment. */
export const DEFAULT_SECRET_PROJECT = "selgeo-golive";

/** Parts of a generated secret's name. */
export interface SecretNameParts {
  /** Default `selgeo-golive`. */
  project?: string;
  stack: string;
  /** What the secret is, e.g. `webhook-endpoint`, `stripe-webhook`. */
  kind: string;
  /** Which one, e.g. the resource name. */
  name: string;
}

// AWS allows letters, digits and /_+=.@- in names; anything else becomes "-".
function segment(part: string, what: string): string {
  const s = part.trim().replace(/[^A-Za-z0-9_+=.@-]+/g, "-").replace(/^-+|-+$/g, "");
  if (!s) throw new Error(`secretNameFor: ${what} must not be empty`);
  return s;
}

/**
 * The Secrets Manager name for a generated secret. Each part is sanitised to AWS's alphabet (no
 * "/" inside a part, so the hierarchy stays four levels deep). A name must not end in "-" plus six
 * characters (AWS would mistake it for an ARN suffix on partial-ARN lookups): such names get a
 * trailing "_".
 */
export function secretNameFor(parts: SecretNameParts): string {
  let name = [
    segment(parts.project ?? DEFAULT_SECRET_PROJECT, "project"),
    segment(parts.stack, "stack"),
    segment(parts.kind, "kind"),
    segment(parts.name, "name"),
  ].join("/");
  if (/-[A-Za-z0-9]{6}$/.test(name)) name += "_";
  if (name.length > 512) throw new Error("secretNameFor: the name is longer than AWS's 512 characters");
  return name;
}
