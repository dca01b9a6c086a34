#!/usr/bin/env bash
# Runs apps written with the official Inngest SDKs (inngest-js from npm,
# the Go SDK inngestgo) against cmd/inngest-dev. Needs Node 20+ with npm,
# and Go. See the README's "Compatibility with the official SDKs".
set -euo pipefail
cd "$(dirname "$0")"

# inngest-js at the version pinned in js/package-lock.json.
(cd js && npm ci --ignore-scripts --no-audit --no-fund)

# The driver: builds cmd/inngest-dev from the parent module, starts both
# apps, and checks every behaviour against each of them.
cd go
go test -count=1 -timeout 5m "$@" ./...
