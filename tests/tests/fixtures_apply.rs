//! The generated DDL of every valid fixture schema (and of Cloacina's own
//! schema) applies cleanly to a real SQLite database and a real PostgreSQL
//! server, and the generated drop script removes it all again.

use std::path::{Path, PathBuf};

use cloacina_codegen::internals::render;
use cloacina_codegen::Backend;
use cloacina_tests::support::PgScratch;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

fn schemas() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut v: Vec<PathBuf> = std::fs::read_dir(root.join("cloacina-codegen/tests/fixtures/valid"))
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    v.sort();
    v.push(root.join("schema/cloacina.rs"));
    assert!(v.len() >= 5, "fixtures missing: {v:?}");
    v
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[test]
fn every_fixture_applies_and_drops_cleanly_on_sqlite() {
    for path in schemas() {
        let schema = cloacina_codegen::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut conn = SqliteConnection::establish(":memory:").expect("sqlite");
        conn.batch_execute("PRAGMA foreign_keys = ON")
            .expect("fk on");
        let up = render::ddl::render_schema(&schema, Backend::Sqlite);
        conn.batch_execute(&up)
            .unwrap_or_else(|e| panic!("{}: SQLite rejected the DDL: {e}\n{up}", path.display()));
        let tables: Count = diesel::sql_query("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            .get_result(&mut conn)
            .expect("count");
        assert_eq!(
            tables.n as usize,
            schema.tables_for(Backend::Sqlite).count(),
            "{}",
            path.display()
        );
        let down = render::ddl::render_drop_schema(&schema, Backend::Sqlite);
        conn.transaction::<_, diesel::result::Error, _>(|c| c.batch_execute(&down))
            .unwrap_or_else(|e| {
                panic!(
                    "{}: SQLite rejected the drop script: {e}\n{down}",
                    path.display()
                )
            });
        let left: Count = diesel::sql_query(
            "SELECT count(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'",
        )
        .get_result(&mut conn)
        .expect("count");
        assert_eq!(
            left.n,
            0,
            "{}: objects left after the drop script",
            path.display()
        );
    }
}

#[test]
fn every_fixture_applies_and_drops_cleanly_on_postgres() {
    for path in schemas() {
        let schema = cloacina_codegen::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut pg = PgScratch::new("fixture");
        let up = render::ddl::render_schema(&schema, Backend::Postgres);
        pg.conn.batch_execute(&up).unwrap_or_else(|e| {
            panic!("{}: PostgreSQL rejected the DDL: {e}\n{up}", path.display())
        });
        let tables: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_tables WHERE schemaname = '{}'",
            pg.schema
        ))
        .get_result(&mut pg.conn)
        .expect("count");
        assert_eq!(
            tables.n as usize,
            schema.tables_for(Backend::Postgres).count(),
            "{}",
            path.display()
        );
        let down = render::ddl::render_drop_schema(&schema, Backend::Postgres);
        pg.conn
            .transaction::<_, diesel::result::Error, _>(|c| c.batch_execute(&down))
            .unwrap_or_else(|e| {
                panic!(
                    "{}: PostgreSQL rejected the drop script: {e}\n{down}",
                    path.display()
                )
            });
        let left: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = '{}'",
            pg.schema
        ))
        .get_result(&mut pg.conn)
        .expect("count");
        assert_eq!(
            left.n,
            0,
            "{}: relations left after the drop script",
            path.display()
        );
    }
}
