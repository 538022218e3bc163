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
