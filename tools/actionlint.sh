#!/usr/bin/env bash
# Builds actionlint (the GitHub Actions workflow linter) into .tools/bin; tests/unit/github/workflows.test.ts
# runs it over .github/workflows.
set -euo pipefail
want="v1.7.12"
exec bash "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh" actionlint "$want" github.com/rhysd/actionlint/cmd/actionlint
