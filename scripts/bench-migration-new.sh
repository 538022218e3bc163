#!/usr/bin/env bash
# Times `cloacina-codegen migration new` on copies of this project's schema
# and history (see BENCHMARKS.md):
#   in sync  - nothing pending: no replay, nothing written;
#   rebuild  - `task_executions.max_attempts` defaults to 5 instead of 3, a
#              SQLite table rebuild: the history is replayed in memory, the
#              migration planned and written.
# Usage: scripts/bench-migration-new.sh [path/to/cloacina-codegen]
# (default: target/release/cloacina-codegen; build it with
# `cargo build -p cloacina-codegen --release`). RUNS=5 by default.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/target/release/cloacina-codegen}"
runs="${RUNS:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now() { date +%s%N; }
for i in $(seq 1 "$runs"); do
    d="$work/$i"
    mkdir -p "$d"
    cp -r "$root/schema" "$root/migrations" "$d/"
    args=(migration new --schema "$d/schema/cloacina.rs" --migrations "$d/migrations")
    t0=$(now)
    "$bin" "${args[@]}" >/dev/null 2>&1
    t1=$(now)
    sed -i 's/#\[default(3)\]/#[default(5)]/' "$d/schema/cloacina.rs"
    t2=$(now)
    "$bin" "${args[@]}" >/dev/null 2>&1
    t3=$(now)
    test "$(ls "$d/migrations/sqlite" | wc -l)" -eq "$(( $(ls "$root/migrations/sqlite" | wc -l) + 1 ))"
    grep -q "__cloacina_new" "$d/migrations/sqlite/"*/up.sql
    printf 'run %s: in sync %d ms, rebuild planned and written %d ms\n' \
        "$i" $(( (t1 - t0) / 1000000 )) $(( (t3 - t2) / 1000000 ))
done
