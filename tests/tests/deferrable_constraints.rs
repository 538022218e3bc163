//! What `deferrable = initially_deferred` means on real databases, the same
//! on both backends: inside a transaction a child row may be written before
//! its parent, and the key is checked at COMMIT (a parent still missing
//! then fails the COMMIT); a key that is not deferrable, or deferrable but
//! initially immediate, fails at the INSERT. SQLite enforces foreign keys
//! only with `PRAGMA foreign_keys = ON`, which the runtime sets on every
//! connection it opens (`cloacina::database`); these connections set it too.
//!
//! Run with `scripts/with-postgres.sh cargo test -p cloacina-tests --test deferrable_constraints`.

use cloacina_codegen::internals::render::ddl::render_schema;
use cloacina_codegen::model::Backend;
use cloacina_tests::support::both_backends;
use diesel::connection::SimpleConnection;
use diesel::sql_types::BigInt;
use diesel::{PgConnection, QueryResult, QueryableByName, RunQueryDsl, SqliteConnection};

const SCHEMA: &str = "
table! {
    parents (id) {
        id -> BigInt,
    }
}
table! {
    kids_deferred (id) {
        id -> BigInt,
        #[references(parents.id, deferrable = initially_deferred)]
        parent_id -> BigInt,
    }
}
table! {
    kids_immediate (id) {
        id -> BigInt,
        #[references(parents.id, deferrable = initially_immediate)]
        parent_id -> BigInt,
    }
}
table! {
    kids_plain (id) {
        id -> BigInt,
        #[references(parents.id)]
        parent_id -> BigInt,
    }
}
";

enum Db {
    Lite(SqliteConnection),
    Pg(PgConnection),
}

#[derive(QueryableByName)]
struct N {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

impl Db {
    fn name(&self) -> &'static str {
        match self {
            Db::Lite(_) => "sqlite",
            Db::Pg(_) => "postgres",
        }
    }

    fn exec(&mut self, sql: &str) -> QueryResult<()> {
        match self {
            Db::Lite(c) => c.batch_execute(sql),
            Db::Pg(c) => c.batch_execute(sql),
        }
    }

    fn ok(&mut self, sql: &str) {
        let name = self.name();
        if let Err(e) = self.exec(sql) {
            panic!("{name}: `{sql}` failed: {e}");
        }
    }

    /// `sql` fails with a foreign-key error; the transaction is then
    /// rolled back (SQLite keeps it open after a failed COMMIT).
    fn fails(&mut self, sql: &str) {
        let name = self.name();
        match self.exec(sql) {
            Ok(()) => panic!("{name}: `{sql}` succeeded, but a foreign key is violated"),
            Err(e) => {
                let text = e.to_string().to_ascii_lowercase();
                assert!(text.contains("foreign key"), "{name}: `{sql}`: {e}");
            }
        }
        let _ = self.exec("ROLLBACK");
    }

    fn count(&mut self, table: &str) -> i64 {
        let sql = format!("SELECT CAST(count(*) AS BIGINT) AS n FROM {table}");
        let rows: QueryResult<Vec<N>> = match self {
            Db::Lite(c) => diesel::sql_query(&sql).load(c),
            Db::Pg(c) => diesel::sql_query(&sql).load(c),
        };
        match rows.map(|r| r.first().map(|x| x.n)) {
            Ok(Some(n)) => n,
            other => panic!("{}: {sql}: {:?}", self.name(), other.err()),
        }
    }

    /// The statement that defers every deferrable key for the rest of the
    /// transaction, each backend in its own words.
    fn defer_all(&self) -> &'static str {
        match self {
            Db::Lite(_) => "PRAGMA defer_foreign_keys = ON",
            Db::Pg(_) => "SET CONSTRAINTS ALL DEFERRED",
        }
    }
}

impl SimpleConnection for Db {
    fn batch_execute(&mut self, query: &str) -> QueryResult<()> {
        self.exec(query)
    }
}

fn semantics(db: &mut Db) {
    let name = db.name();
    // Enforcement is on (the runtime's SQLite setting).
    db.ok("BEGIN");
    db.fails("INSERT INTO kids_plain (id, parent_id) VALUES (1, 1)");

    // Initially deferred: child first, parent later, checked at COMMIT.
    db.ok("BEGIN");
    db.ok("INSERT INTO kids_deferred (id, parent_id) VALUES (1, 10)");
    db.ok("INSERT INTO parents (id) VALUES (10)");
    db.ok("COMMIT");
    assert_eq!(db.count("kids_deferred"), 1, "{name}");

    // Still deferred, but the parent never comes: the COMMIT fails and
    // nothing of the transaction stays.
    db.ok("BEGIN");
    db.ok("INSERT INTO parents (id) VALUES (11)");
    db.ok("INSERT INTO kids_deferred (id, parent_id) VALUES (2, 99)");
    db.fails("COMMIT");
    assert_eq!(db.count("kids_deferred"), 1, "{name}");
    assert_eq!(db.count("parents"), 1, "{name}");

    // Deferrable but initially immediate: checked at the INSERT …
    db.ok("BEGIN");
    db.fails("INSERT INTO kids_immediate (id, parent_id) VALUES (1, 20)");
    // … unless the transaction defers it.
    db.ok("BEGIN");
    let defer = db.defer_all();
    db.ok(defer);
    db.ok("INSERT INTO kids_immediate (id, parent_id) VALUES (1, 20)");
    db.ok("INSERT INTO parents (id) VALUES (20)");
    db.ok("COMMIT");
    assert_eq!(db.count("kids_immediate"), 1, "{name}");

    // Deleting a parent whose child stays fails at COMMIT, not at the DELETE.
    db.ok("BEGIN");
    db.ok("DELETE FROM parents WHERE id = 10");
    db.fails("COMMIT");
    assert_eq!(db.count("parents"), 2, "{name}");
}

#[test]
fn initially_deferred_foreign_keys_are_checked_at_commit_on_both_backends() {
    let schema = cloacina_codegen::parse_str("deferrable.rs", SCHEMA)
        .unwrap_or_else(|e| panic!("{}", e.render()));
    let mut both = both_backends(
        "defer",
        &render_schema(&schema, Backend::Sqlite),
        &render_schema(&schema, Backend::Postgres),
        Db::Lite,
        Db::Pg,
    );
    both.sqlite.ok("PRAGMA foreign_keys = ON");
    semantics(&mut both.sqlite);
    semantics(&mut both.postgres);
}
