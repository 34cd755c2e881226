#!/usr/bin/env bash
# Provides the Pulumi CLI for selgeo-golive. In order: an explicit pick (PULUMI_CLI=/path or
# `--pulumi /path`), else a `pulumi` already on PATH when it is at least $min, else it builds the
# Pulumi CLI v3.248.0 and selgeo-golive's Node.js language host from Go modules into .tools/bin
# (git-ignored). It always links @pulumi/pulumi's dynamic-provider launcher into .tools/bin.
# Does nothing when the right versions are already there. Needs only the Go module proxy, and Go
# only when it builds. cli/pulumiCli.ts (`resolvePulumi`) applies the same rule for every command.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="$root/.tools/bin"
want="v3.248.0"
# The oldest CLI we run with: the @pulumi/pulumi version the program pins (MIN_PULUMI_VERSION in
# cli/pulumiCli.ts, kept equal by a unit test).
min="v3.248.0"
mkdir -p "$bin"

explicit="${PULUMI_CLI:-}"
explicit_from="PULUMI_CLI"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --pulumi) [[ $# -ge 2 ]] || { echo "error: --pulumi needs a path to a pulumi binary" >&2; exit 1; }
      explicit="$2"; explicit_from="--pulumi"; shift 2 ;;
    --pulumi=*) explicit="${1#--pulumi=}"; explicit_from="--pulumi"; shift ;;
    *) echo "error: unknown argument $1 (usage: build-pulumi.sh [--pulumi PATH])" >&2; exit 1 ;;
  esac
done

# The x.y.z a `pulumi version` prints, or nothing.
cli_version() { "$1" version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1 || true; }
new_enough() { [[ -n "$1" && "$(printf '%s\n%s\n' "${min#v}" "$1" | sort -V | head -1)" == "${min#v}" ]]; }

link_launchers() {
  # The engine launches dynamic providers (and policy packs, when no language host is found) through
  # these scripts shipped in @pulumi/pulumi; it looks for them on PATH or next to the CLI.
  local sdk="$root/node_modules/@pulumi/pulumi"
  if [[ -d "$sdk" ]]; then
    for s in pulumi-analyzer-policy; do
      if [[ -f "$sdk/$s" ]]; then ln -sf "$sdk/$s" "$bin/$s"; fi
    done
    # Ours for dynamic providers: the SDK's entry point plus a watchdog that ends the provider when
    # the engine dies (a SIGKILLed `pulumi up` would otherwise leave it running forever).
    ln -sf "$here/pulumi-resource-pulumi-nodejs" "$bin/pulumi-resource-pulumi-nodejs"
  else
    echo "warning: node_modules/@pulumi/pulumi is missing: run npm ci first" >&2
  fi
}

if [[ -n "$explicit" ]]; then
  [[ -x "$explicit" && -f "$explicit" ]] || { echo "error: $explicit_from $explicit: no executable Pulumi CLI there; point it at a pulumi binary ($min or newer) or unset it" >&2; exit 1; }
  v="$(cli_version "$explicit")"
  shown="${v:+v$v}"
  new_enough "$v" || { echo "error: $explicit_from $explicit: Pulumi CLI ${shown:-of unknown version} is older than $min; upgrade it or unset $explicit_from" >&2; exit 1; }
  echo "using pulumi v$v at $explicit ($explicit_from); not building one"
  link_launchers
  exit 0
fi

on_path="$(command -v pulumi || true)"
if [[ -n "$on_path" && "$(realpath -m "$on_path")" != "$(realpath -m "$bin/pulumi")" ]]; then
  v="$(cli_version "$on_path")"
  if new_enough "$v"; then
    echo "using pulumi v$v from PATH ($on_path; $min or newer needed); not building one"
    link_launchers
    exit 0
  fi
  echo "the pulumi on PATH ($on_path) is v${v:-?}, older than $min: building $want instead" >&2
fi

stamp="$bin/.stamp"
# The host's sources: its Go files and what they embed (policyrunner.js).
fingerprint="$want $(find "$here/langhost" \( -name "*.go" ! -name "*_test.go" -o -name "*.js" \) | sort | xargs cat "$here/go.mod" "$here/go.sum" | sha256sum | cut -c1-16)"
if [[ -x "$bin/pulumi" && -x "$bin/pulumi-language-nodejs" && -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]] \
   && [[ "$("$bin/pulumi" version 2>/dev/null)" == "$want" ]]; then
  echo "using pulumi $want built in $bin (no pulumi $min+ on PATH); already built"
else
  command -v go >/dev/null || { echo "error: no Pulumi CLI $min+ on PATH and no Go to build one: install pulumi (https://www.pulumi.com/docs/install/), set PULUMI_CLI=/path/to/pulumi, or install Go 1.26+ (https://go.dev/dl)" >&2; exit 1; }
  echo "building pulumi $want and its Node.js language host (first time: several minutes)..." >&2
  export CGO_ENABLED=0
  flags=(-trimpath -tags osusergo,grpcnotrace)
  ( cd "$here" && go build "${flags[@]}" \
      -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$want" \
      -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi )
  ( cd "$here" && go build "${flags[@]}" \
      -ldflags "-s -w -X main.version=${want#v}" \
      -o "$bin/pulumi-language-nodejs" ./langhost )
  echo "$fingerprint" > "$stamp"
fi

link_launchers
