//! Helpers for tests that need real databases.

use diesel::{Connection, PgConnection, RunQueryDsl};

/// The PostgreSQL server the tests use. Fails loudly, never skips.
///
/// # Panics
///
/// When neither `CLOACINA_TEST_POSTGRES_URL` nor a `postgres://` `DATABASE_URL`
/// is set: the PostgreSQL tests never pass by skipping.
pub fn postgres_url() -> String {
    for var in ["CLOACINA_TEST_POSTGRES_URL", "DATABASE_URL"] {
        if let Ok(url) = std::env::var(var) {
            if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                return url;
            }
        }
    }
    panic!(
        "no PostgreSQL server for the tests: set CLOACINA_TEST_POSTGRES_URL (or DATABASE_URL) \
         to postgres://user@host:port/db, or run the tests through `scripts/with-postgres.sh cargo test --workspace` \
         (the README's test command), which starts a throwaway server. \
         PostgreSQL tests never skip."
    )
}

/// A PostgreSQL connection whose `search_path` is a fresh, uniquely named
/// schema, dropped again when the guard goes away, so tests never see each
/// other's tables.
pub struct PgScratch {
    /// The connection, with `search_path` set to the scratch schema.
    pub conn: PgConnection,
    /// The scratch schema's name.
    pub schema: String,
}

impl PgScratch {
    /// Connects and creates the scratch schema.
    ///
    /// # Panics
    ///
    /// When the server is unreachable (with the URL's host, never its password).
    pub fn new(tag: &str) -> Self {
        let url = postgres_url();
        let mut conn = PgConnection::establish(&url).unwrap_or_else(|e| {
            panic!("cannot connect to the test PostgreSQL server ({}): {e}; start one with scripts/with-postgres.sh", redact(&url))
        });
        let schema = format!(
            "t_{}_{}",
            tag,
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .get(..12)
                .unwrap_or("x")
        );
        diesel::sql_query(format!("CREATE SCHEMA {schema}"))
            .execute(&mut conn)
            .expect("create scratch schema");
        diesel::sql_query(format!("SET search_path TO {schema}"))
            .execute(&mut conn)
            .expect("set search_path");
        PgScratch { conn, schema }
    }
}

impl Drop for PgScratch {
    fn drop(&mut self) {
        if self.schema.is_empty() {
            return;
        }
        let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema))
            .execute(&mut self.conn);
    }
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// A fresh PostgreSQL connection whose `search_path` is a new, uniquely
/// named schema. Hand the connection on (e.g. into `AnyConnection`) and call
/// [`drop_pg_schema`] at the end.
///
/// # Panics
///
/// As [`PgScratch::new`].
pub fn pg_scratch_connection(tag: &str) -> (PgConnection, String) {
    let mut scratch = PgScratch::new(tag);
    let schema = std::mem::take(&mut scratch.schema);
    let url = postgres_url();
    // Swap the connection out of the guard without running its Drop.
    let conn = std::mem::replace(
        &mut scratch.conn,
        PgConnection::establish(&url).expect("second connection to the test server"),
    );
    drop(scratch); // schema name is empty now, so nothing is dropped
    (conn, schema)
}

/// Drops a scratch schema made by [`pg_scratch_connection`].
pub fn drop_pg_schema<C>(conn: &mut C, schema: &str)
where
    C: diesel::connection::SimpleConnection,
{
    let _ = conn.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
}

/// One connection to each backend with the same DDL applied: an in-memory
/// SQLite database and a scratch PostgreSQL schema ([`pg_scratch_connection`],
/// dropped with the value), each wrapped into the fixture's generated
/// `AnyConnection` by the two constructors given (`AnyConnection::Sqlite`,
/// `AnyConnection::Postgresql`).
pub struct BothBackends<C: diesel::connection::SimpleConnection> {
    /// The SQLite side.
    pub sqlite: C,
    /// The PostgreSQL side.
    pub postgres: C,
    schema: String,
}

impl<C: diesel::connection::SimpleConnection> Drop for BothBackends<C> {
    fn drop(&mut self) {
        drop_pg_schema(&mut self.postgres, &self.schema);
    }
}

/// [`BothBackends`] for `tag`, with `sqlite_ddl` and `postgres_ddl` applied.
///
/// # Panics
///
/// When a connection cannot be made or a DDL does not apply.
pub fn both_backends<C: diesel::connection::SimpleConnection>(
    tag: &str,
    sqlite_ddl: &str,
    postgres_ddl: &str,
    sqlite: impl FnOnce(diesel::SqliteConnection) -> C,
    postgres: impl FnOnce(PgConnection) -> C,
) -> BothBackends<C> {
    use diesel::connection::SimpleConnection;
    let mut lite = diesel::SqliteConnection::establish(":memory:").expect("sqlite");
    lite.batch_execute(sqlite_ddl).expect("sqlite ddl");
    let (mut pg, schema) = pg_scratch_connection(tag);
    pg.batch_execute(postgres_ddl).expect("postgres ddl");
    BothBackends {
        sqlite: sqlite(lite),
        postgres: postgres(pg),
        schema,
    }
}

/// A fresh, empty temporary folder for one test; `tag` names it (the
/// process id and the time keep concurrent runs apart).
///
/// # Panics
///
/// When the folder cannot be made.
pub fn temp_dir(tag: &str) -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "cloacina-test-{tag}-{}-{nanos}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The fixed clock of step `step` of a test history (versions one second
/// apart, so folders sort in step order).
pub fn clock(step: u64) -> cloacina_codegen::history::FixedClock {
    cloacina_codegen::history::FixedClock(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000 + step),
    )
}

/// Writes the migration that takes the history in `dir` to the schema
/// `source` (named `schema.rs`), at step `step`, as `migration new` does.
///
/// # Errors
///
/// What the history refuses (destructive steps, hand-made objects …).
///
/// # Panics
///
/// When `source` is not a valid schema (test input).
pub fn write_generated(
    dir: &std::path::Path,
    source: &str,
    step: u64,
) -> Result<(), cloacina_codegen::history::HistoryError> {
    use cloacina_codegen::history;
    let file = cloacina_codegen::SchemaFile::from_source("schema.rs", source)
        .unwrap_or_else(|e| panic!("schema of step {step}: {}", e.render()));
    let mut h = history::load(dir)?;
    let pending = history::pending(&h, file.schema())?;
    history::write_migration(&mut h, &pending, &file, None, &clock(step))?;
    Ok(())
}

/// Writes one generated migration per schema source, in order.
///
/// # Panics
///
/// When a source is invalid or a migration cannot be written.
pub fn write_history(dir: &std::path::Path, sources: &[&str]) {
    for (step, source) in sources.iter().enumerate() {
        write_generated(dir, source, step as u64)
            .unwrap_or_else(|e| panic!("migration of step {step}: {e}"));
    }
}
