#!/usr/bin/env bash
# The whole test suite: every test of the workspace against real SQLite and a
# real, throwaway PostgreSQL server (started and stopped by with-postgres.sh),
# plus each single-backend build of the runtime crate.
#
#   scripts/test.sh            # everything
#   scripts/test.sh -- --nocapture   # extra args go to every `cargo test`
set -euo pipefail
cd "$(dirname "$0")/.."

extra=()
if [ "${1:-}" = "--" ]; then shift; extra=("$@"); fi

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

run() {
  echo "==> $*" >&2
  "$@"
}

scripts/with-postgres.sh bash -c '
  set -euo pipefail
  run() { echo "==> $*" >&2; "$@"; }
  run cargo test --workspace --all-targets "$@"
  run cargo test --workspace --doc "$@"
  # Each backend alone: the generated wiring then has one backend, no dead code.
  run cargo test -p cloacina --no-default-features --features sqlite --all-targets "$@"
  run cargo test -p cloacina --no-default-features --features postgres --all-targets "$@"
' test-suite "${extra[@]}"
