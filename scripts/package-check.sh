#!/usr/bin/env bash
# Packages the three library crates (cloacina-types, cloacina-codegen,
# cloacina) and builds a crate OUTSIDE the workspace against the unpacked
# .crate files (wired in with [patch.crates-io]), then runs it: it connects
# to a fresh SQLite file, migrates it with the migrations the package
# carries, and uses the DAL.
#
#   scripts/package-check.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
cargo package --no-verify --allow-dirty -p cloacina-types -p cloacina-codegen -p cloacina

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for c in cloacina-types cloacina-codegen cloacina; do
  tar -xzf "target/package/$c-0.1.0.crate" -C "$work"
done
mkdir -p "$work/consumer/src"
cat > "$work/consumer/Cargo.toml" <<TOML
[package]
name = "packaged-consumer"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
cloacina = { version = "0.1.0", default-features = false, features = ["sqlite"] }

[patch.crates-io]
cloacina = { path = "../cloacina-0.1.0" }
cloacina-codegen = { path = "../cloacina-codegen-0.1.0" }
cloacina-types = { path = "../cloacina-types-0.1.0" }
TOML
cat > "$work/consumer/src/main.rs" <<'RS'
fn main() -> Result<(), cloacina::Error> {
    let dir = std::env::args().nth(1).expect("a directory");
    let db = cloacina::Database::connect(&format!("sqlite://{dir}/packaged.db"))?;
    let report = db.migrate()?;
    assert!(!report.applied.is_empty(), "the package carries its migrations");
    let run = db
        .dal()
        .create_workflow(&cloacina::dal::NewWorkflowRun::new("packaged").task("a"))?;
    assert_eq!(run.tasks.len(), 1);
    println!("packaged cloacina: applied {:?}", report.applied);
    Ok(())
}
RS
# The workspace's lock file, so the consumer resolves the same versions and
# reuses the compiled dependencies in the shared target directory.
cp Cargo.lock "$work/consumer/Cargo.lock"
cd "$work/consumer"
CARGO_TARGET_DIR="$repo/target" cargo run --quiet -- "$work"
git -C "$repo" status --short -- migrations schema | { if grep .; then echo "packaging changed migrations/ or schema/" >&2; exit 1; fi; }
