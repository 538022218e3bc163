//! Declared custom types (`#[custom_type(...)]`) on real databases: the
//! generated DDL of `custom_types.rs` applies on PostgreSQL (with the
//! `ltree` extension) and SQLite, rows written through the generated models
//! with this crate's own Diesel SQL types (`custom_sql`) read back
//! identical, defaults apply, and the column is a real `ltree` (`<@`).
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server this test fails with instructions; it never skips.

use cloacina_tests::custom_sql::LabelPath;
use cloacina_tests::custom_types::connection::AnyConnection;
use cloacina_tests::custom_types::models::*;
use cloacina_tests::custom_types::schema::unified::{categories, tags};
use cloacina_tests::custom_types::{POSTGRES_DDL, SQLITE_DDL};
use cloacina_tests::support::{both_backends, drop_pg_schema, pg_scratch_connection};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

/// `CREATE EXTENSION ltree` installs into the scratch schema of the test
/// that runs it first; one database holds one copy, so the tests of this
/// file take turns.
static LTREE_SCHEMA: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Fails with instructions when the server lacks the `ltree` extension.
fn require_ltree(pg: &mut PgConnection) {
    let available: Count =
        diesel::sql_query("SELECT count(*) AS n FROM pg_available_extensions WHERE name = 'ltree'")
            .get_result(pg)
            .expect("pg_available_extensions");
    assert_eq!(
        available.n, 1,
        "the test PostgreSQL server has no `ltree` extension: install the server's contrib \
         package (postgresql-contrib, or postgresql-<version> on Debian) and run the tests again"
    );
}

#[test]
fn a_postgres_only_custom_type_round_trips_through_the_generated_models() {
    let _turn = LTREE_SCHEMA.lock().unwrap_or_else(|p| p.into_inner());
    let (mut pg, schema) = pg_scratch_connection("custom_types");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        require_ltree(&mut pg);
        pg.batch_execute(POSTGRES_DDL)
            .expect("postgres ddl applies");
        let rows = [
            NewCategory::new("top.science.astronomy").with_parent(LabelPath::from("top.science")),
            NewCategory::new("top.science"),
            NewCategory::new("top.arts"),
        ];
        let written: Vec<Category> = diesel::insert_into(categories::table)
            .values(&rows[..])
            .get_results(&mut pg)
            .expect("insert categories");
        let read: Vec<Category> = categories::table
            .order(categories::id)
            .load(&mut pg)
            .expect("read categories");
        assert_eq!(read, written);
        assert_eq!(read[0].path, LabelPath::from("top.science.astronomy"));
        assert_eq!(read[0].parent, Some(LabelPath::from("top.science")));
        // Left unset: the declared default, read back through the type.
        assert_eq!(read[1].parent, Some(LabelPath::from("top")));
        // A real ltree: the descendants of `top.science`.
        let under: Count =
            diesel::sql_query("SELECT count(*) AS n FROM categories WHERE path <@ 'top.science'")
                .get_result(&mut pg)
                .expect("ltree query");
        assert_eq!(under.n, 2);
        // A bound value of the type in a Diesel filter.
        let found: Category = categories::table
            .filter(categories::path.eq(LabelPath::from("top.arts")))
            .first(&mut pg)
            .expect("filter by path");
        assert_eq!(found.id, read[2].id);
        // PostgreSQL refuses what is no label path; nothing is stored.
        let bad = diesel::insert_into(categories::table)
            .values(NewCategory::new("not a path!"))
            .execute(&mut pg);
        assert!(bad.is_err(), "{bad:?}");
        let stored: Count = diesel::sql_query("SELECT count(*) AS n FROM categories")
            .get_result(&mut pg)
            .expect("count categories");
        assert_eq!(stored.n, read.len() as i64, "the refused path was stored");
    }));
    drop_pg_schema(&mut pg, &schema);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn a_custom_type_with_a_sqlite_mapping_round_trips_on_both_backends() {
    let _turn = LTREE_SCHEMA.lock().unwrap_or_else(|p| p.into_inner());
    {
        let (mut pg, schema) = pg_scratch_connection("custom_types_check");
        require_ltree(&mut pg);
        drop_pg_schema(&mut pg, &schema);
    }
    let mut both = both_backends(
        "custom_types_both",
        SQLITE_DDL,
        POSTGRES_DDL,
        AnyConnection::Sqlite,
        AnyConnection::Postgresql,
    );
    for conn in [&mut both.sqlite, &mut both.postgres] {
        // AnyConnection has no RETURNING (SQLite's Diesel backend lacks it).
        for row in [
            NewTag::new("a.b.c").with_alias(LabelPath::from("x.y")),
            NewTag::new("a"),
        ] {
            diesel::insert_into(tags::table)
                .values(row)
                .execute(conn)
                .expect("insert tag");
        }
        let read: Vec<Tag> = tags::table.order(tags::id).load(conn).expect("read tags");
        assert_eq!(read.len(), 2);
        assert_eq!(read[0].path, LabelPath::from("a.b.c"));
        assert_eq!(read[0].alias, Some(LabelPath::from("x.y")));
        assert_eq!(read[1].path, LabelPath::from("a"));
        // Left unset: the declared default on each backend.
        assert_eq!(read[1].alias, Some(LabelPath::from("top.misc")));
        let found: Tag = tags::table
            .filter(tags::path.eq(LabelPath::from("a")))
            .first(conn)
            .expect("filter by path");
        assert_eq!(found, read[1]);
    }
}
