#!/usr/bin/env bash
# test.sh: installs what is missing, then runs every test (vet included).
# Tests that need ../shared/data skip with a message when it is absent.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
go vet ./...
go test -count=1 -timeout 20m ./... "$@"
