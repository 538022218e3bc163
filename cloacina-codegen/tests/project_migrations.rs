//! Backend drift guard: the workspace's own migrations (`migrations/postgres`
//! and `migrations/sqlite`) replayed on a fresh PostgreSQL database and a
//! fresh SQLite file, introspected, and snapshotted side by side in the
//! neutral language, so any change to either backend shows up in review.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`).
//! This test never skips: no server, or no migrations yet, is a failure
//! that says so.

#![cfg(feature = "live")]

mod live_support;

use std::path::Path;

use cloacina_codegen::check::{list_migrations, replay_and_introspect};
use cloacina_codegen::internals::normalize::{normalize, strip_derived_names};
use cloacina_codegen::internals::render::neutral::render;
use cloacina_codegen::model::Backend;

/// Two texts in two columns, `left │ right`.
fn side_by_side(left: &str, right: &str) -> String {
    let l: Vec<&str> = left.lines().collect();
    let r: Vec<&str> = right.lines().collect();
    let width = l.iter().map(|s| s.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for i in 0..l.len().max(r.len()) {
        let a = l.get(i).copied().unwrap_or("");
        let b = r.get(i).copied().unwrap_or("");
        let pad = width - a.chars().count();
        let line = format!("{a}{} │ {b}", " ".repeat(pad));
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[test]
fn project_migrations_on_both_backends() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let pg = list_migrations(&root.join("postgres")).unwrap_or_default();
    let lite = list_migrations(&root.join("sqlite")).unwrap_or_default();
    assert!(
        !pg.is_empty() && !lite.is_empty(),
        "the workspace has no migrations yet under {} (postgres: {}, sqlite: {}): generate them with \
         `cargo run -p cloacina-codegen -- migration new` before this snapshot can guard them",
        root.display(),
        pg.len(),
        lite.len()
    );
    let url = live_support::postgres_url();
    let mut texts = Vec::new();
    for (backend, migrations) in [(Backend::Postgres, &pg), (Backend::Sqlite, &lite)] {
        let intro = replay_and_introspect(backend, migrations, Some(&url))
            .unwrap_or_else(|e| panic!("replaying the {backend} migrations: {e}"));
        let mut schema = normalize(&intro.schema, None);
        strip_derived_names(&mut schema);
        let mut text = render(&schema, &[&format!("{backend}")]);
        for o in &intro.objects {
            text.push_str(&format!("// {} {}\n", o.kind, o.name));
        }
        for n in &intro.notes {
            text.push_str(&format!("// note: {}: {}\n", n.object, n.message));
        }
        texts.push(text);
    }
    insta::assert_snapshot!("project_migrations", side_by_side(&texts[0], &texts[1]));
}
