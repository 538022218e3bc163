//! A SQLite table rebuild refuses to run when the table carries an index or
//! trigger that the schema does not know (one a hand-written migration
//! added): `DROP TABLE` would lose it silently.

use cloacina_codegen::internals::{diff, plan, render};
use cloacina_codegen::model::Backend;
use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

const OLD: &str = "table! {\n    items (id) {\n        id -> BigInt,\n        #[index]\n        n -> Integer,\n    }\n}\n";
/// `Integer` → `BigInt` needs a rebuild on SQLite.
const NEW: &str = "table! {\n    items (id) {\n        id -> BigInt,\n        #[index]\n        n -> BigInt,\n    }\n}\n";

fn setup(extra: &str) -> (SqliteConnection, String) {
    let old = cloacina_codegen::parse_str("old.rs", OLD).expect("old");
    let new = cloacina_codegen::parse_str("new.rs", NEW).expect("new");
    let ops = diff::diff(&old, &new).expect("diff");
    let up = plan::render(&old, &ops, Backend::Sqlite).up;
    assert!(
        up.contains("CREATE TABLE items__cloacina_new"),
        "a rebuild: {up}"
    );
    let mut conn = SqliteConnection::establish(":memory:").expect("sqlite");
    conn.batch_execute("PRAGMA foreign_keys = ON").expect("fk");
    conn.batch_execute(&render::ddl::render_schema(&old, Backend::Sqlite))
        .expect("old ddl");
    conn.batch_execute("INSERT INTO items (id, n) VALUES (1, 10), (2, 20)")
        .expect("rows");
    conn.batch_execute(extra).expect("hand-made object");
    (conn, up)
}

#[test]
fn a_rebuild_keeps_the_schema_s_own_indexes() {
    let (mut conn, up) = setup("SELECT 1");
    conn.transaction::<_, diesel::result::Error, _>(|c| c.batch_execute(&up))
        .expect("the rebuild runs when nothing unknown is attached");
}

fn assert_refused(hand_made: &str) {
    let (mut conn, up) = setup(hand_made);
    let err = conn
        .transaction::<_, diesel::result::Error, _>(|c| c.batch_execute(&up))
        .expect_err("the rebuild must refuse");
    assert!(
        err.to_string()
            .contains("rebuilt_tables_have_no_unknown_indexes_or_triggers"),
        "{err}"
    );
}

#[test]
fn a_rebuild_refuses_to_lose_a_hand_made_unique_index() {
    assert_refused("CREATE UNIQUE INDEX items_n_hand ON items (n)");
}

#[test]
fn a_rebuild_refuses_to_lose_a_hand_made_trigger() {
    assert_refused(
        "CREATE TABLE audit (n INTEGER) STRICT; \
         CREATE TRIGGER items_audit AFTER INSERT ON items BEGIN INSERT INTO audit VALUES (NEW.n); END;",
    );
}
