/**
 * Makes a dynamic-provider process exit when the Pulumi engine that launched it is gone.
 *
 * The engine starts `pulumi-resource-pulumi-nodejs` (a shell script that runs node) with a stdin
 * pipe it never writes to, and stops it with a signal when the update ends. A SIGKILLed
 * `pulumi up` sends nothing: the provider's gRPC server would keep the process alive forever,
 * holding its file descriptors and any half-done work. Two signals that the engine died, both
 * independent of which Pulumi CLI launched us:
 *   - stdin (the engine's pipe) reaches end-of-file: only the engine holds its write end;
 *   - the process that launched us changed: our parent pid changed, or the launcher shell's parent
 *     did (Linux, from /proc).
 *
 * Loaded two ways: preloaded by selgeo-golive's launcher (`node --require …/providerWatchdog.js`),
 * and started by `@selgeo-golive/runtime` itself when it is loaded inside a provider process, so an
 * official CLI's launcher gets it too.
 */
import { fstatSync, readFileSync } from "node:fs";

const STARTED = Symbol.for("selgeo-golive.providerWatchdog");

/** How often the parent chain is checked. */
export const WATCHDOG_INTERVAL_MS = 500;

/** True in a process running @pulumi/pulumi's dynamic-provider entry point. */
export function isDynamicProviderProcess(argv: readonly string[] = process.argv): boolean {
  return argv.some((a) => /[\\/]cmd[\\/]dynamic-provider([\\/]index(\.js)?)?$/.test(a));
}

/** `ppid` and start time (clock ticks since boot) of a process, from /proc; undefined when gone or off Linux. */
export function procStat(pid: number): { ppid: number; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may contain spaces and parentheses: fields restart after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), start: fields[19] };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** The engine's process as seen from here: a snapshot of the parent chain to compare against. */
interface Lineage {
  parent: number;
  /** The launcher shell between the engine and node, when there is one. */
  shell?: { pid: number; start: string };
  engine?: { pid: number; start: string };
}

function lineage(): Lineage {
  const parent = process.ppid;
  const p = procStat(parent);
  if (!p) return { parent };
  if (/pulumi-resource-pulumi-nodejs/.test(cmdline(parent))) {
    const e = procStat(p.ppid);
    return { parent, shell: { pid: parent, start: p.start }, ...(e ? { engine: { pid: p.ppid, start: e.start } } : {}) };
  }
  return { parent, engine: { pid: parent, start: p.start } };
}

/** Why the engine is considered gone, or undefined while it is there. */
function engineGone(l: Lineage): string | undefined {
  if (process.ppid !== l.parent) return `parent changed from ${l.parent} to ${process.ppid}`;
  if (l.shell) {
    const s = procStat(l.shell.pid);
    if (!s || s.start !== l.shell.start) return "launcher shell gone";
    if (l.engine && s.ppid !== l.engine.pid) return `launcher shell reparented to ${s.ppid}`;
  }
  if (l.engine) {
    const e = procStat(l.engine.pid);
    if (!e || e.start !== l.engine.start) return `engine ${l.engine.pid} gone`;
  }
  return undefined;
}

/**
 * Starts the watchdog once per process; `onGone` defaults to exiting. Does nothing (and returns
 * false) when it already runs.
 */
export function startProviderWatchdog(onGone: (reason: string) => void = () => process.exit(0)): boolean {
  const g = globalThis as { [STARTED]?: boolean };
  if (g[STARTED]) return false;
  g[STARTED] = true;
  let fired = false;
  const gone = (reason: string) => {
    if (fired) return;
    fired = true;
    onGone(reason);
  };

  const l = lineage();
  const timer = setInterval(() => {
    const reason = engineGone(l);
    if (reason) gone(reason);
  }, WATCHDOG_INTERVAL_MS);
  timer.unref();

  // Only a pipe says something when it closes: a terminal or /dev/null (a provider started by
  // hand) must not count as "engine gone".
  let stdinIsPipe = false;
  try {
    stdinIsPipe = fstatSync(0).isFIFO();
  } catch {
    stdinIsPipe = false;
  }
  if (stdinIsPipe) {
    const stdin = process.stdin;
    stdin.on("data", () => undefined);
    stdin.on("end", () => gone("engine closed stdin"));
    stdin.on("error", () => gone("stdin error"));
    // The gRPC server keeps the process alive; stdin must not.
    (stdin as unknown as { unref?: () => void }).unref?.();
  }
  return true;
}

// Loading this module in a provider process is enough: the launcher preloads it with --require,
// and @selgeo-golive/runtime's index loads it on a provider's first call.
if (isDynamicProviderProcess()) startProviderWatchdog();
