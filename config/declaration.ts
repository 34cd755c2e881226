/**
 * One declaration for every stack. What all stacks share (endpoints, rules, program) is declared once
 * as project-level config in Pulumi.yaml; each stack file holds only what differs (mode, keys, URLs).
 *
 * Pulumi itself gives a stack the project's value for a key only when the stack file does not set
 * that key, and then the stack's value replaces the project's as a whole. A stack that changes one
 * endpoint's URL would lose every other endpoint. So the program merges the two itself, deeply:
 *
 * - maps merge key by key, at every depth;
 * - lists and scalars replace (a stack's `events` list is the endpoint's whole list);
 * - `null` drops what the shared declaration has at that key (an endpoint, a rule, a field).
 *
 * The merge runs in the program (index.ts), so every `pulumi preview` and `up` sees it, and in the
 * golive commands that read a stack's config.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { load } from "js-yaml";
import { CONFIG_KEYS } from "@selgeo-golive/runtime";
import { parseStackConfig, StackConfigError, type RawStackConfig, type StackConfig } from "./schema";

/** The file that holds the shared declaration: the project file, under `config:`. */
export const SHARED_FILE = "Pulumi.yaml";

/** The keys a Pulumi.yaml `config:` entry may take when it is written as a declaration, not a value. */
const DECLARATION_FIELDS = new Set(["type", "description", "default", "value", "secret", "items"]);

/**
 * What each stack must set itself: mode, URLs, keys, AWS settings and expected traffic. The providers
 * and the policy pack read these from Pulumi's config directly, where a stack's map would replace
 * the shared one whole.
 */
const PER_STACK_KEYS: ReadonlySet<string> = new Set([...Object.values(CONFIG_KEYS), "selgeo:expectedTraffic"]);

/** `selgeo:*` config values by full key (`selgeo:webhookEndpoints`), as one file declares them. */
export type ConfigValues = Record<string, unknown>;

/** One layer of a stack's declaration: the values of one file. */
export interface DeclarationLayer {
  /** The file's name as the user knows it, e.g. `Pulumi.yaml`. */
  file: string;
  values: ConfigValues;
  /**
   * Where a key's value sits in the file, as a path: `config.selgeo:program` for a stack file,
   * `config.selgeo:program.value` for Pulumi.yaml's wrapped maps.
   */
  where: Record<string, string>;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Merges `overlay` onto `base`: maps key by key, lists and scalars replace, `null` drops. Neither
 * input is changed; the result holds no `null` a merge consumed (a `null` in a list is kept, for the
 * schema to refuse with its path).
 */
export function mergeDeclaration(base: unknown, overlay: unknown): unknown {
  if (overlay === undefined) return dropNulls(base);
  if (overlay === null) return undefined;
  if (isMap(base) && isMap(overlay)) {
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(base), ...Object.keys(overlay)])) {
      const merged = mergeDeclaration(own(base, key), own(overlay, key));
      if (merged !== undefined) Object.defineProperty(out, key, { value: merged, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return dropNulls(overlay);
}

/** A map's own value at `key` (never one from its prototype, such as `__proto__`). */
function own(m: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(m, key) ? m[key] : undefined;
}

function dropNulls(v: unknown): unknown {
  if (v === null) return undefined;
  return isMap(v) ? mergeDeclaration({}, v) : v;
}

/** Each key's value merged over the layers, first to last; keys all layers leave unset are absent. */
export function mergeLayers(layers: readonly DeclarationLayer[]): ConfigValues {
  const keys = new Set(layers.flatMap((l) => Object.keys(l.values)));
  const out: ConfigValues = {};
  for (const key of keys) {
    let v: unknown = undefined;
    for (const l of layers) v = mergeDeclaration(v, l.values[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** A problem in a declaration file itself (not YAML, a `config:` entry of the wrong shape). */
function fileProblem(file: string, where: string | undefined, what: string): StackConfigError {
  return new StackConfigError([`${file}: ${where ? `${where}: ` : ""}${what}`]);
}

function readYaml(file: string, label: string): unknown {
  try {
    return load(readFileSync(file, "utf8"));
  } catch (e) {
    throw fileProblem(label, undefined, `not valid YAML (${(e as Error).message.split("\n")[0]}); fix the file`);
  }
}

function configMap(doc: unknown, label: string): Record<string, unknown> {
  if (doc === null || doc === undefined) return {};
  if (!isMap(doc)) throw fileProblem(label, undefined, "must be a YAML map");
  const config = doc.config;
  if (config === undefined || config === null) return {};
  if (!isMap(config)) throw fileProblem(label, "config", "must be a map of config keys to values");
  return config;
}

/**
 * The shared declaration: the `selgeo:*` entries of `config:` in the project's Pulumi.yaml. A map
 * must be wrapped in `value:` (Pulumi reads a bare map there as a type declaration); a scalar or a
 * list may be written bare. Absent file or no `config:`: an empty layer.
 */
export function readSharedDeclaration(projectDir: string): DeclarationLayer {
  const file = path.join(projectDir, SHARED_FILE);
  const layer: DeclarationLayer = { file: SHARED_FILE, values: {}, where: {} };
  if (!existsSync(file)) return layer;
  for (const [key, entry] of Object.entries(configMap(readYaml(file, SHARED_FILE), SHARED_FILE))) {
    if (!key.startsWith("selgeo:")) continue;
    if (PER_STACK_KEYS.has(key)) {
      throw fileProblem(
        SHARED_FILE,
        `config.${key}`,
        "is a per-stack setting (the providers and the policy pack read it from the stack file as a whole, unmerged): move it to each Pulumi.<stack>.yaml",
      );
    }
    if (!isMap(entry)) {
      layer.values[key] = entry;
      layer.where[key] = `config.${key}`;
      continue;
    }
    const extra = Object.keys(entry).filter((k) => !DECLARATION_FIELDS.has(k));
    if (extra.length > 0 || !("value" in entry)) {
      throw fileProblem(
        SHARED_FILE,
        `config.${key}`,
        `a map here must be written under \`value:\` (Pulumi reads a bare map as a type declaration); indent it under \`${key}:\\n    value:\``,
      );
    }
    if ("type" in entry) {
      throw fileProblem(SHARED_FILE, `config.${key}.type`, "Pulumi refuses a type on a key outside the project's namespace; remove it");
    }
    layer.values[key] = entry.value;
    layer.where[key] = `config.${key}.value`;
  }
  return layer;
}

/**
 * A stack file's `selgeo:*` values, read without the Pulumi CLI (for commands that compare stacks
 * that may not exist in any backend). A Pulumi secret stays a reference: `{ secure: "v1:…" }`.
 */
export function readStackFileLayer(projectDir: string, stack: string): DeclarationLayer {
  const name = `Pulumi.${stack}.yaml`;
  const file = path.join(projectDir, name);
  if (!existsSync(file)) throw fileProblem(name, undefined, `not found in ${projectDir}; is "${stack}" the stack's name?`);
  const layer: DeclarationLayer = { file: name, values: {}, where: {} };
  for (const [key, value] of Object.entries(configMap(readYaml(file, name), name))) {
    if (!key.startsWith("selgeo:")) continue;
    layer.values[key] = value;
    layer.where[key] = `config.${key}`;
  }
  return layer;
}

/** The effective `selgeo:*` config of a stack from its files: Pulumi.yaml's, merged with the stack file's. */
export function readEffectiveDeclaration(projectDir: string, stack: string): { values: ConfigValues; layers: DeclarationLayer[] } {
  const layers = [readSharedDeclaration(projectDir), readStackFileLayer(projectDir, stack)];
  return { values: mergeLayers(layers), layers };
}

/**
 * A map-valued key of Pulumi config, where a stack file's top-level `null` counts: Pulumi hands a
 * YAML `null` over as `""` (and warns), which `getObject` refuses. `null` drops the shared value.
 */
export function configObject(cfg: { get(key: string): string | undefined; getObject<T>(key: string): T | undefined }, key: string): unknown {
  const raw = cfg.get(key);
  return raw === "" ? null : cfg.getObject<unknown>(key);
}

/**
 * Merges the shared declaration under the values Pulumi hands the program. For a key the stack file
 * does not set, Pulumi hands over the project's own value, and merging it onto itself changes nothing.
 */
export function withSharedDeclaration(shared: DeclarationLayer, values: ConfigValues): ConfigValues {
  const out: ConfigValues = {};
  for (const key of new Set([...Object.keys(shared.values), ...Object.keys(values)])) {
    const base = shared.values[key];
    // `pulumi config` shows a stack file's top-level `null` as "" (see configObject).
    const merged = mergeDeclaration(base, isMap(base) && values[key] === "" ? null : values[key]);
    if (merged !== undefined) out[key] = merged;
  }
  return out;
}

/** Splits `selgeo:webhookEndpoints.orders.events[0]` into `["selgeo:webhookEndpoints", "orders", "events", 0]`. */
function splitPath(p: string): Array<string | number> {
  const [key, ...rest] = p.split(/\.(?![^[]*\])/);
  const out: Array<string | number> = [key.replace(/\[\d+\]$/, "")];
  const parts = [...(key.match(/\[\d+\]/g) ?? []), ...rest];
  for (const part of parts) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) continue;
    if (m[1]) out.push(m[1]);
    for (const i of m[2].match(/\d+/g) ?? []) out.push(Number(i));
  }
  return out;
}

/** What a layer holds at a path: a list or scalar (at it or above it, which replaces below), a map, or nothing. */
function holds(v: unknown, segs: ReadonlyArray<string | number>): "value" | "map" | "none" {
  let cur = v;
  for (const s of segs) {
    if (cur === undefined || cur === null) return "none";
    if (!isMap(cur)) return "value";
    if (!Object.prototype.hasOwnProperty.call(cur, s)) return "none";
    cur = cur[s as string];
  }
  return cur === undefined || cur === null ? "none" : isMap(cur) ? "map" : "value";
}

/**
 * Where a problem's value is written in the shared declaration, unless the stack file sets it: the
 * shared file and the path in it, e.g. `Pulumi.yaml: config.selgeo:program.value.status`.
 */
export function sharedOrigin(shared: DeclarationLayer, stackValues: ConfigValues, configPath: string): string | undefined {
  const [key, ...rest] = splitPath(configPath);
  if (!(key in shared.values) || holds(stackValues[key], rest) === "value") return undefined;
  if (holds(shared.values[key], rest) === "none") return undefined;
  const where = shared.where[key] + rest.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("");
  return `${shared.file}: ${where}`;
}

/**
 * Validates a stack's config with the shared declaration merged in. A problem whose value comes from
 * the shared declaration also names where it is written there, since the stack file does not hold it.
 */
export function parseDeclaredConfig(raw: RawStackConfig, shared: DeclarationLayer, env: NodeJS.ProcessEnv = process.env): StackConfig {
  const stackValues: ConfigValues = {};
  for (const [field, value] of Object.entries(raw)) if (field !== "configKeys" && value !== undefined) stackValues[`selgeo:${field}`] = value;
  const merged = withSharedDeclaration(shared, stackValues);
  const mergedRaw: RawStackConfig = { configKeys: [...new Set([...(raw.configKeys ?? []), ...Object.keys(shared.values)])] };
  for (const [key, value] of Object.entries(merged)) (mergedRaw as Record<string, unknown>)[key.slice("selgeo:".length)] = value;
  // Pulumi hands the program the project's own value (its keys re-ordered) for a key the stack file
  // leaves unset: such a key is not the stack's.
  const stackOwn = Object.fromEntries(
    Object.entries(stackValues).filter(([k, v]) => !(k in shared.values) || !isDeepStrictEqual(v, shared.values[k])),
  );
  try {
    return parseStackConfig(mergedRaw, env);
  } catch (e) {
    if (!(e instanceof StackConfigError)) throw e;
    throw new StackConfigError(
      e.problems.map((p) => {
        const m = /^(selgeo:[^\s:]+):/.exec(p);
        const origin = m ? sharedOrigin(shared, stackOwn, m[1]) : undefined;
        return origin ? `${p} (declared in ${origin})` : p;
      }),
    );
  }
}
