#!/usr/bin/env bash
# Builds stripe-mock (Stripe's own mock server, which validates requests against Stripe's OpenAPI
# spec) from the Go module proxy into .tools/bin (git-ignored). The Stripe contract tests send the
# same webhook-endpoint requests to it as to the sandbox's Stripe emulator, so a request shape the
# emulator accepts but real Stripe would reject shows up as a failing test.
# Does nothing when the pinned version is already built. Needs only Go and the module proxy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="$root/.tools/bin"
want="v0.203.0"
mkdir -p "$bin"

stamp="$bin/.stripe-mock.stamp"
if [[ -x "$bin/stripe-mock" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "stripe-mock $want already built in $bin"
  exit 0
fi
command -v go >/dev/null || { echo "error: Go is needed to build stripe-mock (https://go.dev/dl)" >&2; exit 1; }
echo "building stripe-mock $want..." >&2
# `go install pkg@version` builds outside any module, so tools/go.mod (Pulumi's pins) is untouched.
CGO_ENABLED=0 GOBIN="$bin" go install -trimpath -ldflags "-s -w" "github.com/stripe/stripe-mock@$want"
echo "$want" > "$stamp"
echo "stripe-mock $want built in $bin"
