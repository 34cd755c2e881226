#!/usr/bin/env bash
# Builds the Pulumi CLI v3.248.0 and selgeo-golive's Node.js language host from Go modules into
# .tools/bin (git-ignored), and puts @pulumi/pulumi's dynamic-provider launcher beside them.
# Does nothing when the right versions are already there. Needs only the Go module proxy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="$root/.tools/bin"
want="v3.248.0"
mkdir -p "$bin"

stamp="$bin/.stamp"
fingerprint="$want $(cat "$here/go.mod" "$here/go.sum" "$here/langhost/main.go" | sha256sum | cut -c1-16)"
if [[ -x "$bin/pulumi" && -x "$bin/pulumi-language-nodejs" && -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" ]] \
   && [[ "$("$bin/pulumi" version 2>/dev/null)" == "$want" ]]; then
  echo "pulumi $want already built in $bin"
else
  command -v go >/dev/null || { echo "error: Go is needed to build the Pulumi CLI (https://go.dev/dl, Go 1.26+)" >&2; exit 1; }
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

# The engine launches dynamic providers (and policy packs, when no language host is found) through
# these scripts shipped in @pulumi/pulumi; it looks for them next to the CLI or on PATH.
sdk="$root/node_modules/@pulumi/pulumi"
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
