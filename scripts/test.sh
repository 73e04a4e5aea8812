#!/usr/bin/env bash
# The whole test suite: starts the local services, then runs every test of
# every crate against real SQLite files and the real PostgreSQL server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
cargo test --workspace --locked "$@"
