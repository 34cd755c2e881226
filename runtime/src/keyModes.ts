/**
 * Key prefixes, declared here only (`pk_`/`sk_`/`rk_` + `test_`/`live_`, `whsec_`): which mode a
 * key belongs to, and the guard that keeps a test key off the live stack (checklist
 * item 1). Works on prefixes only; messages never echo a key, at most its telling prefix
 * (`sk_test_…`, 8 characters or fewer).
 *
 * Selgeo and Stripe share the `pk_`/`sk_` + `test_`/`live_` prefixes. `rk_` (restricted) keys are
 * Stripe's only, as are its account-scoped keys (`sk_live_51…`, 90+ characters). For anything else
 * the caller says whose key it is (`provider`), default Selgeo. `whsec_` signing secrets carry no
 * mode.
 */
/** Modes a key, an object and a stack can be in. */
export const MODES = ["test", "live"] as const;
export type Mode = (typeof MODES)[number];

export type KeyProvider = "selgeo" | "stripe";
export type KeyKind = "publishable" | "secret" | "restricted" | "webhook_secret";

/** What a key-shaped string is. */
export interface KeyClass {
  provider: KeyProvider;
  kind: KeyKind;
  /** Absent for `whsec_` secrets, which work in either mode. */
  mode?: Mode;
  /** The prefix that decided it: `sk_test_`, `whsec_`, ... */
  prefix: string;
}

/** Key prefixes by kind: `pk_`, `sk_` (Selgeo and Stripe), `rk_` (Stripe's restricted keys). */
export const KEY_KIND_PREFIXES = ["pk", "sk", "rk"] as const;
export type KeyKindPrefix = (typeof KEY_KIND_PREFIXES)[number];

const KIND_BY_PREFIX: Record<KeyKindPrefix, Exclude<KeyKind, "webhook_secret">> = { pk: "publishable", sk: "secret", rk: "restricted" };
const PREFIX_BY_KIND: Record<Exclude<KeyKind, "webhook_secret">, string> = { publishable: "pk", secret: "sk", restricted: "rk" };

/** The source of `(pk|sk|rk)_(test|live)_`, for the patterns built on it (scanners, redaction). */
export const KEY_PREFIX_SOURCE = `(${KEY_KIND_PREFIXES.join("|")})_(${MODES.join("|")})_`;
/** The characters of a key after its prefix. */
export const KEY_BODY_SOURCE = "[A-Za-z0-9]";
const KEY_PREFIX_RE = new RegExp(`^${KEY_PREFIX_SOURCE}`);
const KEY_RE = new RegExp(`^${KEY_PREFIX_SOURCE}(${KEY_BODY_SOURCE}+)$`);

/** The characters of a `whsec_` signing secret after its prefix (base64 and base64url). */
export const WEBHOOK_SECRET_BODY_SOURCE = "[A-Za-z0-9+/=_-]";
/** A `whsec_` signing secret (Selgeo's and Stripe's). */
export const WEBHOOK_SECRET_PATTERN = new RegExp(`^whsec_${WEBHOOK_SECRET_BODY_SOURCE}+$`);
const WHSEC_RE = WEBHOOK_SECRET_PATTERN;

/** The prefix of a key-shaped string (`sk_live_` → kind `sk`, mode `live`), whatever follows it. */
export function keyPrefix(value: string): { kind: KeyKindPrefix; mode: Mode; prefix: string } | undefined {
  const m = KEY_PREFIX_RE.exec(value);
  return m ? { kind: m[1] as KeyKindPrefix, mode: m[2] as Mode, prefix: m[0] } : undefined;
}

/** Which mode a Selgeo or Stripe key belongs to, from its prefix (`sk_live_…` → `"live"`). */
export function modeOfKey(key: string): Mode | undefined {
  return keyPrefix(key)?.mode;
}

/** Whether a key is publishable (`pk_…`) or secret (`sk_…`), from its prefix (`rk_` is neither here). */
export function kindOfKey(key: string): "publishable" | "secret" | undefined {
  const kind = keyPrefix(key)?.kind;
  return kind === "pk" ? "publishable" : kind === "sk" ? "secret" : undefined;
}

/**
 * The mode of an API secret key by its prefix, or undefined when it is not one: Selgeo's are `sk_`,
 * Stripe also takes restricted `rk_` keys.
 */
export function secretKeyMode(value: string, provider: KeyProvider): Mode | undefined {
  const p = keyPrefix(value);
  if (!p) return undefined;
  return p.kind === "sk" || (provider === "stripe" && p.kind === "rk") ? p.mode : undefined;
}

/** A whole publishable key (`pk_test_…`/`pk_live_…`), as the tracking snippet takes it. */
export const PUBLISHABLE_KEY_PATTERN = new RegExp(`^pk_(${MODES.join("|")})_${KEY_BODY_SOURCE}+$`);

/**
 * Classifies a key by its prefix: `undefined` when it is not key-shaped (empty, whitespace, another
 * prefix). `provider` is a hint for keys both services could have issued.
 */
export function classifyKey(value: string, opts: { provider?: KeyProvider } = {}): KeyClass | undefined {
  if (typeof value !== "string") return undefined;
  const m = KEY_RE.exec(value);
  if (m) {
    const kind = KIND_BY_PREFIX[m[1] as KeyKindPrefix];
    const stripeShaped = kind === "restricted" || (m[3].startsWith("51") && value.length >= 90);
    return { provider: stripeShaped ? "stripe" : opts.provider ?? "selgeo", kind, mode: m[2] as Mode, prefix: `${m[1]}_${m[2]}_` };
  }
  if (WHSEC_RE.test(value)) return { provider: opts.provider ?? "selgeo", kind: "webhook_secret", prefix: "whsec_" };
  return undefined;
}

/** A key as it may be shown: its prefix (at most 8 characters) and `…`; nothing for a non-key. */
export function maskKey(value: string): string {
  const c = classifyKey(value);
  return c ? `${c.prefix}…` : "(not a recognised key)";
}

const PROVIDER_NAME: Record<KeyProvider, string> = { selgeo: "Selgeo", stripe: "Stripe" };
const DASHBOARD: Record<KeyProvider, string> = {
  selgeo: "Selgeo dashboard (Settings → API keys)",
  stripe: "Stripe dashboard (Developers → API keys)",
};
const KIND_NAME: Record<KeyKind, string> = {
  publishable: "publishable key",
  secret: "secret key",
  restricted: "restricted key",
  webhook_secret: "webhook signing secret",
};

function expectedPrefixes(kinds: readonly KeyKind[], mode: Mode): string {
  return kinds.map((k) => (k === "webhook_secret" ? "whsec_…" : `${PREFIX_BY_KIND[k]}_${mode}_…`)).join(" or ");
}

/** What `checkKeyMode` needs. */
export interface CheckKeyModeArgs {
  /** The key itself; never part of the message. */
  value: string;
  /** The stack's mode. */
  expectedMode: Mode;
  /** Where the key came from, e.g. `selgeo:secretKey` or `stripe:secretKey`; starts the message. */
  configPath: string;
  /** Whose key this slot holds (default Selgeo); decides the wording and the dashboard named. */
  provider?: KeyProvider;
  /** Kinds the slot accepts, e.g. `["secret", "restricted"]` for a Stripe API key; default: any. */
  expectedKinds?: readonly KeyKind[];
}

/**
 * `undefined` when the key fits the stack's mode (and the slot's kind), else one message naming
 * the config path, what is there (by prefix only) and the fix.
 */
export function checkKeyMode(args: CheckKeyModeArgs): string | undefined {
  const provider = args.provider ?? "selgeo";
  const who = PROVIDER_NAME[provider];
  const kinds = args.expectedKinds;
  const want = kinds?.length ? expectedPrefixes(kinds, args.expectedMode) : `a ${args.expectedMode}-mode key`;
  const c = classifyKey(args.value, { provider });
  if (!c) {
    return `${args.configPath}: is not a ${who} key (expected ${want}); the value is not shown. Put the ${args.expectedMode} key from the ${DASHBOARD[provider]} there`;
  }
  if (kinds?.length && !kinds.includes(c.kind)) {
    return `${args.configPath}: holds a ${KIND_NAME[c.kind]} (${c.prefix}…) but needs ${want}: put the ${who} ${kinds.map((k) => KIND_NAME[k]).join(" or ")} from the ${DASHBOARD[provider]} there`;
  }
  if (c.mode && c.mode !== args.expectedMode) {
    const right = `${c.prefix.split("_")[0]}_${args.expectedMode}_…`;
    return (
      `${args.configPath}: holds a ${c.mode}-mode ${who} ${KIND_NAME[c.kind]} (${c.prefix}…) but the stack's mode is ${args.expectedMode}: ` +
      `replace it with the ${args.expectedMode} ${KIND_NAME[c.kind]} (${right}) from the ${DASHBOARD[provider]}` +
      ` (update the Secrets Manager secret it references, or the config value)` +
      (args.expectedMode === "live" ? "" : `, or set the stack's mode to ${c.mode} if this stack is meant to be ${c.mode}`)
    );
  }
  return undefined;
}

/** Thrown by `assertKeyMode`. */
export class KeyModeError extends Error {
  readonly configPath: string;
  constructor(configPath: string, message: string) {
    super(message);
    this.name = "KeyModeError";
    this.configPath = configPath;
  }
}

/** `checkKeyMode` that throws a `KeyModeError`. */
export function assertKeyMode(args: CheckKeyModeArgs): void {
  const problem = checkKeyMode(args);
  if (problem) throw new KeyModeError(args.configPath, problem);
}
