#!/usr/bin/env bash
# Builds stripe-mock (Stripe's own mock server, which validates requests against Stripe's OpenAPI
# spec) into .tools/bin. The Stripe contract tests send the same webhook-endpoint requests to it as
# to the sandbox's Stripe emulator, so a request shape the emulator accepts but real Stripe would
# reject shows up as a failing test. `golive doctor` reads the pinned version from `want=` below.
set -euo pipefail
want="v0.203.0"
exec bash "$(dirname "${BASH_SOURCE[0]}")/go-tool.sh" stripe-mock "$want" github.com/stripe/stripe-mock
