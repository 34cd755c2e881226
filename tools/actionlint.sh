#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter) from the Go module proxy into .tools/bin
# (git-ignored). tests/unit/workflows/actionlint.test.ts runs it over .github/workflows.
# Does nothing when the pinned version is already built. Needs only Go and the module proxy.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bin="$root/.tools/bin"
want="v1.7.12"
mkdir -p "$bin"

stamp="$bin/.actionlint.stamp"
if [[ -x "$bin/actionlint" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "actionlint $want already built in $bin"
  exit 0
fi
command -v go >/dev/null || { echo "error: Go is needed to build actionlint (https://go.dev/dl)" >&2; exit 1; }
echo "building actionlint $want..." >&2
# `go install pkg@version` builds outside any module, so tools/go.mod (Pulumi's pins) is untouched.
CGO_ENABLED=0 GOBIN="$bin" go install -trimpath -ldflags "-s -w" "github.com/rhysd/actionlint/cmd/actionlint@$want"
echo "$want" > "$stamp"
echo "actionlint $want built in $bin"
