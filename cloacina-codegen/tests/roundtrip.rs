//! Round trip on both real backends for every fixture schema of the
//! generator: render DDL → apply → introspect → normalize equals the parsed
//! schema, normalized for that backend.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! each case runs in its own temporary database. Without a server the test
//! fails with instructions; it never skips.

#![cfg(feature = "live")]

mod live_support;

use cloacina_codegen::check::{declared_by_raw_sql, ScratchPostgres, ScratchSqlite};
use cloacina_codegen::internals::compare::{compare, Report};
use cloacina_codegen::internals::introspect::Database;
use cloacina_codegen::internals::normalize::normalize;
use cloacina_codegen::internals::render::ddl::render_schema;
use cloacina_codegen::model::Backend;

fn roundtrip(backend: Backend) {
    let url = match backend {
        Backend::Postgres => live_support::postgres_url(),
        Backend::Sqlite => String::new(),
    };
    let mut failures = Vec::new();
    let fixtures = live_support::valid_fixtures();
    assert!(fixtures.len() >= 4, "fixtures missing: {fixtures:?}");
    for path in fixtures {
        let name = path.display().to_string();
        let schema = cloacina_codegen::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ddl = render_schema(&schema, backend);
        let intro = match backend {
            Backend::Sqlite => {
                let (_guard, mut db) = ScratchSqlite::new().expect("scratch sqlite");
                apply(&mut db, &ddl, &name);
                db.introspect().expect("introspect sqlite")
            }
            Backend::Postgres => {
                let (_guard, mut db) = ScratchPostgres::new(&url).expect("scratch postgres");
                apply(&mut db, &ddl, &name);
                db.introspect().expect("introspect postgres")
            }
        };
        // PostgreSQL keeps an enum's docs in the catalog (COMMENT ON TYPE).
        if backend == Backend::Postgres {
            for e in &schema.enums {
                let read = intro.schema.db_enum(&e.sql_name).map(|r| r.docs.clone());
                assert_eq!(read, Some(e.docs.clone()), "{name}: enum {}", e.sql_name);
            }
        }
        let want = normalize(&schema, Some(backend));
        let got = normalize(&intro.schema, None);
        let diffs: Vec<_> = compare(&want, &got)
            .into_iter()
            .filter(|d| !declared_by_raw_sql(&schema, backend, d))
            .collect();
        if !diffs.is_empty() {
            let report = Report::new(format!("schema {name}"), &want, format!("{backend}"), &got);
            failures.push(format!("{}\n{want:#?}\n----\n{got:#?}", report.render()));
        }
        assert!(
            intro.notes.is_empty(),
            "{name} on {backend}: generated DDL must read back exactly: {:?}",
            intro.notes
        );
        // Raw SQL blocks (triggers, views) are listed as objects.
        for block in &schema.raw_blocks {
            if block
                .part(backend)
                .is_some_and(|p| p.up.contains("CREATE VIEW"))
            {
                assert!(
                    intro.objects.iter().any(|o| o.kind == "view"),
                    "{name}: view of {} not listed: {:?}",
                    block.name,
                    intro.objects
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn apply(db: &mut Database, ddl: &str, name: &str) {
    db.execute(ddl, true)
        .unwrap_or_else(|e| panic!("{name}: DDL failed on {}: {e}\n{ddl}", db.backend()));
}

#[test]
fn every_fixture_round_trips_on_sqlite() {
    roundtrip(Backend::Sqlite);
}

#[test]
fn every_fixture_round_trips_on_postgres() {
    roundtrip(Backend::Postgres);
}
