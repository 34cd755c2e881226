/**
 * Stripe's request encoding: `application/x-www-form-urlencoded` with bracketed keys, exactly as
 * stripe-node writes it (`enabled_events[0]=a&enabled_events[1]=b&metadata[order]=42`), plus the
 * `key[]=` append form curl users write. GET query strings use the same grammar.
 *
 * Parsing produces strings and string-keyed objects only. Whether `{0: "a", 1: "b"}` is an array
 * is decided by the parameter that receives it ({@link stringArray}), because for `metadata` the
 * same shape is a map with keys "0" and "1".
 */
import { invalidParam } from "./errors";

/** A decoded form value. */
export type FormValue = string | FormValue[] | { [key: string]: FormValue };
/** A decoded form body. */
export type FormObject = { [key: string]: FormValue };

/** Decodes a form body or query string into nested objects. */
export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const path = splitKey(rawKey);
    let node: FormObject = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const last = i === path.length - 1;
      if (last) {
        if (seg === "") throw invalidParam(`Invalid parameter name: ${rawKey}`, rawKey);
        const existing = node[seg];
        if (existing !== undefined && typeof existing !== "string") {
          throw invalidParam(`Invalid ${topName(path, i)}: it was sent both as a value and as a hash or array.`, topName(path, i));
        }
        node[seg] = value;
        break;
      }
      const appending = path[i + 1] === "";
      let child: FormValue | undefined = node[seg];
      if (child === undefined) {
        child = appending ? [] : {};
        node[seg] = child;
      }
      if (typeof child === "string" || (appending && !Array.isArray(child)) || (!appending && Array.isArray(child))) {
        throw invalidParam(`Invalid ${topName(path, i)}: it was sent both as a value and as a hash or array.`, topName(path, i));
      }
      if (appending) {
        (child as FormValue[]).push(value);
        if (i + 2 !== path.length) throw invalidParam(`Invalid array: ${rawKey} cannot be nested below an appended element.`, rawKey);
        break;
      }
      node = child as FormObject;
    }
  }
  return root;
}

/** `a[b][0]` → `["a", "b", "0"]`; `a[]` → `["a", ""]`. */
function splitKey(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0 || !key.endsWith("]")) return [key];
  const out = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^\]]*)\]/g;
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    if (m.index !== consumed) return [key]; // junk between brackets: treat as a plain name
    out.push(m[1]);
    consumed = m.index + m[0].length;
  }
  return consumed === rest.length ? out : [key];
}

function topName(path: string[], upTo: number): string {
  return path[0] + path.slice(1, upTo + 1).map((s) => `[${s}]`).join("");
}

/** A string parameter; `undefined` when absent. */
export function optionalString(body: FormObject, name: string): string | undefined {
  const v = body[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw invalidParam(`Invalid string: ${name} must be a string, not a hash or array.`, name);
  return v;
}

/** A boolean parameter (`true`/`false`, as stripe-node sends booleans). */
export function optionalBoolean(body: FormObject, name: string): boolean | undefined {
  const v = optionalString(body, name);
  if (v === undefined) return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw invalidParam(`Invalid boolean: ${v}`, name);
}

/**
 * An array of strings: `name[0]=a&name[1]=b` or `name[]=a&name[]=b`. Indexes must be 0..n-1
 * (stripe-node always sends them that way); anything else is rejected rather than guessed at.
 */
export function stringArray(value: FormValue, name: string): string[] {
  if (typeof value === "string") {
    throw invalidParam(value === "" ? `Invalid array: ${name} must not be empty.` : `Invalid array: send ${name} as ${name}[0]=…&${name}[1]=….`, name);
  }
  const items: FormValue[] = Array.isArray(value) ? value : [];
  if (!Array.isArray(value)) {
    const keys = Object.keys(value);
    keys.forEach((k, i) => {
      if (k !== String(i)) throw invalidParam(`Invalid array: ${name} has an unexpected index '${k}'; indexes must run 0, 1, 2, ….`, name);
      items.push(value[k]);
    });
  }
  return items.map((item, i) => {
    if (typeof item !== "string") throw invalidParam(`Invalid ${name}[${i}]: must be a string.`, `${name}[${i}]`);
    return item;
  });
}
