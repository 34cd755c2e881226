/**
 * Which mode a key belongs to, and the guard that keeps a test key off the live stack (checklist
 * item 1). Works on prefixes only; messages never echo a key, at most its telling prefix
 * (`sk_test_…`, 8 characters or fewer).
 *
 * Selgeo and Stripe share the `pk_`/`sk_` + `test_`/`live_` prefixes. `rk_` (restricted) keys are
 * Stripe's only, as are its account-scoped keys (`sk_live_51…`, 90+ characters). For anything else
 * the caller says whose key it is (`provider`), default Selgeo. `whsec_` signing secrets carry no
 * mode.
 */
import type { Mode } from "./schemas";

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

const KIND_BY_PREFIX: Record<string, KeyKind> = { pk: "publishable", sk: "secret", rk: "restricted" };
const PREFIX_BY_KIND: Record<Exclude<KeyKind, "webhook_secret">, string> = { publishable: "pk", secret: "sk", restricted: "rk" };
const KEY_RE = /^(pk|sk|rk)_(test|live)_([A-Za-z0-9]+)$/;
/** A `whsec_` signing secret (Selgeo's and Stripe's): base64-ish characters after the prefix. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/=_-]+$/;
const WHSEC_RE = WEBHOOK_SECRET_PATTERN;

/**
 * Classifies a key by its prefix: `undefined` when it is not key-shaped (empty, whitespace, another
 * prefix). `provider` is a hint for keys both services could have issued.
 */
export function classifyKey(value: string, opts: { provider?: KeyProvider } = {}): KeyClass | undefined {
  if (typeof value !== "string") return undefined;
  const m = KEY_RE.exec(value);
  if (m) {
    const kind = KIND_BY_PREFIX[m[1]];
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
