#!/usr/bin/env bash
# Installs extras/aws-secret-containers (the optional @pulumi/aws component) for its Pulumi-mock unit
# test, in a staging folder OUTSIDE this repository, and prints that folder.
#
# Why outside: the Node.js language host decides which provider plugins a program needs by reading
# every package.json inside any node_modules folder below the program's directory (the repository
# root here). An @pulumi/aws installed anywhere in the tree would make every `pulumi preview` of the
# go-live program ask for the AWS plugin. A merchant who wants the containers adds the package to
# their own program instead (README).
#
# The staging folder gets a copy of the package's sources, its own `npm ci`, and a link to this
# repository's @selgeo-golive/runtime; it is type-checked there. Re-running it refreshes the sources
# and reinstalls only when package-lock.json changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
src="$root/extras/aws-secret-containers"
key="$(printf '%s' "$root" | sha256sum | cut -c1-12)"
stage="${GOLIVE_EXTRAS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/selgeo-golive/$key}/aws-secret-containers"
case "$stage/" in "$root"/*) echo "error: GOLIVE_EXTRAS_DIR must be outside $root (see the comment in $0)" >&2; exit 1 ;; esac
mkdir -p "$stage"

lock_sum="$(sha256sum "$src/package-lock.json" | cut -c1-16)"
if [[ ! -d "$stage/node_modules/@pulumi/aws" || "$(cat "$stage/.lock-sum" 2>/dev/null)" != "$lock_sum" ]]; then
  echo "installing extras/aws-secret-containers into $stage..." >&2
  cp "$src/package.json" "$src/package-lock.json" "$stage/"
  ( cd "$stage" && npm ci --no-audit --no-fund --prefer-offline >&2 )
  echo "$lock_sum" > "$stage/.lock-sum"
fi
# Sources every time (cheap), so the staged copy is never stale.
find "$src" -maxdepth 1 -name '*.ts' ! -name '*.d.ts' -exec cp {} "$stage/" \;
mkdir -p "$stage/node_modules/@selgeo-golive"
ln -sfn "$root/runtime" "$stage/node_modules/@selgeo-golive/runtime"
cat > "$stage/tsconfig.json" <<JSON
{ "extends": "$root/tsconfig.json", "compilerOptions": { "noEmit": true, "types": ["node"], "typeRoots": ["$root/node_modules/@types"] }, "include": ["*.ts"] }
JSON
# Type-check the staged package (the root tsconfig cannot see @pulumi/aws), once per source version.
src_sum="$(cat "$src"/*.ts "$src/package-lock.json" | sha256sum | cut -c1-16)"
if [[ "$(cat "$stage/.tsc-sum" 2>/dev/null)" != "$src_sum" ]]; then
  node "$root/node_modules/typescript/bin/tsc" -p "$stage/tsconfig.json" >&2
  echo "$src_sum" > "$stage/.tsc-sum"
fi
echo "$stage"
