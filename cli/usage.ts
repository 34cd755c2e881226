/**
 * The start every option-taking command shares: `--help`/`-h` prints its usage (exit 0); options
 * it cannot parse print the problem and the usage on stderr (exit 1).
 */
export function parseOrUsage<T extends object>(command: string, argv: string[], usage: string, parse: (argv: string[]) => T | string): T | number {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(usage);
    return 0;
  }
  const o = parse(argv);
  if (typeof o === "string") {
    process.stderr.write(`golive ${command}: ${o}\n\n${usage}`);
    return 1;
  }
  return o;
}
