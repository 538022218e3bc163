#!/usr/bin/env bash
# The whole test suite: the README's quickstart command, then every test of
# the workspace against real SQLite and a real, throwaway PostgreSQL server
# (started and stopped by with-postgres.sh), then each single-backend build
# of the runtime crate.
#
#   scripts/test.sh                  # everything
#   scripts/test.sh -- --nocapture   # extra args go to every `cargo test`
set -euo pipefail
cd "$(dirname "$0")/.."

extra=()
if [ "${1:-}" = "--" ]; then shift; extra=("$@"); fi

export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

scripts/with-postgres.sh bash -c '
  set -euo pipefail
  run() { echo "==> $*" >&2; "$@"; }
  # The README first command, exactly as written, on the SQLite default; it
  # also builds the example binary that the quickstart tests run.
  qs_tmp="$(mktemp -d)"
  run env -u DATABASE_URL TMPDIR="$qs_tmp" cargo run -p cloacina --example quickstart
  rm -rf "$qs_tmp"
  run cargo test --workspace --all-targets "$@"
  run cargo test --workspace --doc "$@"
  # The optional faces of the runtime: async (tokio) and the operations CLI.
  run cargo test -p cloacina --features async,cli --test dal --test tenants --test migrate_cli "$@"
  run cargo test -p cloacina --features async,cli --doc "$@"
  # Each backend alone: the generated wiring then has one backend, no dead code.
  run cargo build -p cloacina --no-default-features --features sqlite --examples
  run cargo test -p cloacina --no-default-features --features sqlite --all-targets "$@"
  run cargo build -p cloacina --no-default-features --features postgres --examples
  run cargo test -p cloacina --no-default-features --features postgres --all-targets "$@"
  # The docs build without a warning (broken or private links).
  run env RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p cloacina-codegen -p cloacina-types -p cloacina
  # The lean build a build script gets: no CLI, no fancy printer.
  run cargo test -p cloacina-codegen --no-default-features --lib "$@"
  if cargo tree -p cloacina-codegen --no-default-features -e normal | grep -E "clap|miette"; then
    echo "the lean build of cloacina-codegen pulls clap or miette" >&2; exit 1
  fi
' test-suite "${extra[@]}"
# The library crates as published: packaged, and an outside crate built and
# run against the unpacked .crate files.
scripts/package-check.sh
