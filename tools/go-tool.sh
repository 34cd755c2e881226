#!/usr/bin/env bash
# Builds one Go tool at a pinned version from the Go module proxy into .tools/bin (git-ignored):
#   go-tool.sh NAME VERSION PACKAGE
# Does nothing when that version is already built (a stamp per tool). Needs only Go and the proxy.
set -euo pipefail
name="$1" want="$2" pkg="$3"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
mkdir -p "$bin"

stamp="$bin/.$name.stamp"
if [[ -x "$bin/$name" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "$name $want already built in $bin"
  exit 0
fi
command -v go >/dev/null || { echo "error: Go is needed to build $name (https://go.dev/dl)" >&2; exit 1; }
echo "building $name $want..." >&2
# `go install pkg@version` builds outside any module, so tools/go.mod (Pulumi's pins) is untouched.
CGO_ENABLED=0 GOBIN="$bin" go install -trimpath -ldflags "-s -w" "$pkg@$want"
echo "$want" > "$stamp"
echo "$name $want built in $bin"
