//! `inspect` reads a hand-written PostgreSQL database's `numeric(p,s)` as
//! the neutral `Decimal<p, s>` (defaults, checks and a partial index with
//! decimal literals), names what it cannot read as one (unconstrained
//! `numeric`, a precision over 18) and leaves it out; the written file
//! validates, applies on SQLite and PostgreSQL, and inspecting either
//! gives the same schema again (SQLite through its scaled integers and
//! tagged checks).
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server these tests fail with instructions; they never skip.

#![cfg(feature = "live")]

mod live_support;

use cloacina_codegen::check::{with_database, ScratchPostgres};
use cloacina_codegen::internals::render::ddl::render_schema;
use cloacina_codegen::model::{Backend, ColumnType, DefaultValue};
use live_support::{inspect_ok, TempDir};

const LEDGER_PG: &str = "
CREATE TABLE ledger (
    id BIGINT PRIMARY KEY,
    amount NUMERIC(12,2) NOT NULL DEFAULT 0,
    fee NUMERIC(6,3) DEFAULT '-1.5',
    whole NUMERIC(4) NOT NULL DEFAULT 7,
    free_form NUMERIC,
    huge NUMERIC(30,4),
    CHECK (amount > -1.50),
    CHECK (fee BETWEEN 0 AND 99.999)
);
CREATE INDEX ledger_big_idx ON ledger (amount) WHERE amount >= 1000;
";

#[test]
fn inspect_reads_postgres_numeric_as_decimal_and_round_trips_through_both_backends() {
    let dir = TempDir::new("inspect-decimal-pg");
    let url = live_support::postgres_url();
    let (g1, mut db1) = ScratchPostgres::new(&url).expect("postgres");
    db1.execute(LEDGER_PG, true).expect("ddl");
    drop(db1);
    let first = dir.path().join("first.rs");
    let (written, schema) = inspect_ok(&with_database(&url, &g1.name), &first);
    let t = schema.table("ledger").expect("ledger");
    let ty = |c: &str| t.column(c).map(|c| (c.ty, c.nullable));
    let dec = |precision, scale| ColumnType::Decimal { precision, scale };
    assert_eq!(ty("amount"), Some((dec(12, 2), false)), "{written}");
    assert_eq!(ty("fee"), Some((dec(6, 3), true)));
    assert_eq!(ty("whole"), Some((dec(4, 0), false)));
    let default = |c: &str| t.column(c).and_then(|c| c.default.clone());
    let text = |s: &str| Some(DefaultValue::Text(s.into()));
    assert_eq!(default("amount"), text("0.00"));
    assert_eq!(default("fee"), text("-1.500"));
    assert_eq!(default("whole"), text("7"));
    // What has no neutral decimal is left out of the neutral table, and said so.
    for (column, why) in [("free_form", "unconstrained numeric"), ("huge", "P <= 18")] {
        assert!(
            written
                .lines()
                .any(|l| l.starts_with("//") && l.contains(column) && l.contains(why)),
            "no note on {column} ({why}):\n{written}"
        );
    }
    // Checks and the partial index keep their decimal literals.
    assert!(written.contains("amount > -1.50"), "{written}");
    assert!(written.contains("fee <= 99.999"), "{written}");
    assert!(written.contains("amount >= 1000.00"), "{written}");
    // Render for each backend, apply, inspect again: the same schema.
    for backend in [Backend::Postgres, Backend::Sqlite] {
        let ddl = render_schema(&schema, backend);
        let again = dir.path().join(format!("{backend:?}.rs"));
        let (_guard, url2) = match backend {
            Backend::Postgres => {
                let (g, mut db) = ScratchPostgres::new(&url).expect("postgres");
                db.execute(&ddl, true)
                    .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
                let u = with_database(&url, &g.name);
                (Some(g), u)
            }
            Backend::Sqlite => {
                let path = dir.path().join("ledger.sqlite3");
                let mut db = cloacina_codegen::internals::introspect::Database::open_sqlite(
                    &path.to_string_lossy(),
                )
                .expect("create");
                db.execute(&ddl, true)
                    .unwrap_or_else(|e| panic!("apply: {e}\n{ddl}"));
                (None, path.to_string_lossy().into_owned())
            }
        };
        let (written2, schema2) = inspect_ok(&url2, &again);
        match backend {
            Backend::Postgres => assert_eq!(schema, schema2, "{written2}"),
            // The two left-out columns are PostgreSQL-only raw SQL: the
            // SQLite file has the same tables and no raw blocks.
            Backend::Sqlite => {
                assert_eq!(schema.tables, schema2.tables, "{written2}");
                assert!(schema2.raw_blocks.is_empty(), "{written2}");
            }
        }
    }
}
