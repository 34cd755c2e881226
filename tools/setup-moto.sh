#!/usr/bin/env bash
# Installs moto (server mode) into the project-local, git-ignored virtualenv .venv/ from
# tools/requirements-moto.txt. Idempotent: when .venv/bin/moto_server exists and the stamp matches
# the requirements' hash and the interpreter, it returns at once. Needs only python3 (3.9+).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="$root/.venv"
req="$here/requirements-moto.txt"
stamp="$venv/.moto-stamp"
python="${PYTHON:-python3}"

command -v "$python" >/dev/null || {
  echo "error: python3 is needed for moto (the local AWS endpoint): install Python 3.9+ (e.g. apt-get install python3 python3-venv)" >&2
  exit 1
}
want="$(cat "$req" | sha256sum | cut -c1-16) $("$python" -c 'import sys; print("py%d.%d" % sys.version_info[:2])')"

is_current() {
  [[ -x "$venv/bin/moto_server" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
    && "$venv/bin/python" -c '' 2>/dev/null
}

if is_current; then
  echo "moto already installed in $venv"
  exit 0
fi

# One installer at a time (two `npm test` runs may start together).
if command -v flock >/dev/null; then
  exec 9>"$root/.venv.lock"
  flock 9
  if is_current; then echo "moto already installed in $venv"; exit 0; fi
fi

started=$SECONDS
# A venv whose interpreter no longer runs (python upgraded, folder moved) is rebuilt from scratch.
if [[ -d "$venv" ]] && ! "$venv/bin/python" -c '' 2>/dev/null; then
  echo "rebuilding $venv (its interpreter no longer runs)" >&2
  rm -rf "$venv"
fi
if [[ ! -x "$venv/bin/python" ]]; then
  echo "creating $venv for moto..." >&2
  if ! "$python" -m venv "$venv" >&2; then
    rm -rf "$venv"
    echo "error: \`$python -m venv\` failed. On Debian/Ubuntu the venv module is a separate package:" >&2
    echo "         apt-get install python3-venv      (or python3.X-venv for your version)" >&2
    echo "       then run \`npm run setup\` again." >&2
    exit 1
  fi
fi
echo "installing $(grep -v '^\s*#' "$req" | grep -v '^\s*$' | tr '\n' ' ')into $venv..." >&2
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >&2
"$venv/bin/moto_server" --help >/dev/null
echo "$want" > "$stamp"
echo "moto $("$venv/bin/python" -c 'from importlib.metadata import version; print(version("moto"))') installed in $venv ($((SECONDS - started)) s)"
