//! The embedded migrations and the runner that applies them safely.
//!
//! Safe when several processes start at once: on PostgreSQL the whole run
//! happens in one transaction that first takes a transaction-scoped advisory
//! lock (released on every path, commit or rollback, so an early error can
//! never leak it); on SQLite in one `BEGIN EXCLUSIVE` transaction. Each
//! migration then runs in its own savepoint, and the run refuses to start
//! when a migration that was applied earlier has changed since (checksums of
//! the embedded files, recorded per version).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel_migrations::{EmbeddedMigrations, MigrationHarness};

use crate::connection::AnyConnection;
use crate::error::{Error, Result};
use crate::url::Backend;
use crate::Database;

mod checksums {
    include!(concat!(env!("OUT_DIR"), "/migration_checksums.rs"));
}

/// The PostgreSQL migrations, embedded at build time.
#[cfg(feature = "postgres")]
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../migrations/postgres");
/// The SQLite migrations, embedded at build time.
#[cfg(feature = "sqlite")]
pub const SQLITE_MIGRATIONS: EmbeddedMigrations =
    diesel_migrations::embed_migrations!("../migrations/sqlite");

/// Key of the PostgreSQL advisory lock that serializes migration runs
/// (`hashtext('cloacina.migrations')` would do as well; a constant is clearer).
#[cfg(feature = "postgres")]
const PG_LOCK_KEY: i64 = 0x00C1_0AC1_A000_0001;

/// What a migration run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MigrationReport {
    /// The backend migrated.
    pub backend: Backend,
    /// Versions applied by this run, in order.
    pub applied: Vec<String>,
    /// How many were applied before.
    pub already_applied: usize,
}

const CHECKSUM_TABLE: &str = "CREATE TABLE IF NOT EXISTS cloacina_migration_checksums (\
    version TEXT NOT NULL PRIMARY KEY, checksum TEXT NOT NULL)";

#[derive(QueryableByName)]
struct Recorded {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    checksum: String,
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs under the lock: verify, apply, record. A macro rather than a generic
/// function: the body is type-checked against each concrete connection, the
/// same way the DAL dispatches.
macro_rules! run_locked {
    ($conn:expr, $migrations:expr, $embedded:expr, $backend:expr) => {{
        let conn = $conn;
        let embedded: &[(&str, &str)] = $embedded;
        let backend: Backend = $backend;
        let name = backend.name();
        let fail = |e: BoxError| Error::Migration {
            backend: name,
            message: e.to_string(),
        };
        conn.batch_execute(CHECKSUM_TABLE).map_err(Error::Query)?;
        let applied: Vec<String> = conn
            .applied_migrations()
            .map_err(fail)?
            .into_iter()
            .map(|v| v.to_string())
            .collect();
        let recorded: Vec<Recorded> =
            diesel::sql_query("SELECT version, checksum FROM cloacina_migration_checksums")
                .load(conn)
                .map_err(Error::Query)?;
        for version in &applied {
            let Some((_, embedded_sum)) = embedded.iter().find(|(v, _)| v == version) else {
                return Err(Error::UnknownMigration {
                    version: version.clone(),
                    backend: name,
                });
            };
            if let Some(r) = recorded.iter().find(|r| &r.version == version) {
                if r.checksum != *embedded_sum {
                    return Err(Error::MigrationModified {
                        version: version.clone(),
                        backend: name,
                        recorded: r.checksum.clone(),
                        embedded: (*embedded_sum).to_string(),
                    });
                }
            }
        }
        let newly: Vec<String> = conn
            .run_pending_migrations($migrations)
            .map_err(fail)?
            .into_iter()
            .map(|v| v.to_string())
            .collect();
        // Record checksums of everything applied that has none yet.
        for (version, sum) in embedded {
            let is_applied = applied.iter().chain(&newly).any(|v| v == version);
            if is_applied && !recorded.iter().any(|r| r.version == *version) {
                diesel::sql_query(
                    "INSERT INTO cloacina_migration_checksums (version, checksum) VALUES ($1, $2)",
                )
                .bind::<diesel::sql_types::Text, _>(*version)
                .bind::<diesel::sql_types::Text, _>(*sum)
                .execute(conn)
                .map_err(Error::Query)?;
            }
        }
        Ok(MigrationReport {
            backend,
            applied: newly,
            already_applied: applied.len(),
        })
    }};
}

impl Database {
    /// Applies every embedded migration of this database's backend that is
    /// not applied yet, each in a transaction, under a lock that makes
    /// concurrent runs from several processes apply each migration once.
    ///
    /// # Errors
    ///
    /// [`Error::MigrationModified`] when an applied migration changed since,
    /// [`Error::UnknownMigration`] when the database is newer than this
    /// build, [`Error::Migration`] when a migration fails (nothing of the
    /// run is kept).
    pub fn migrate(&self) -> Result<MigrationReport> {
        let mut conn = self.get()?;
        let backend = self.backend();
        match &mut *conn {
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(c) => c.transaction(|c| {
                diesel::sql_query(format!("SELECT pg_advisory_xact_lock({PG_LOCK_KEY})"))
                    .execute(c)
                    .map_err(Error::Query)?;
                run_locked!(c, POSTGRES_MIGRATIONS, checksums::POSTGRES, backend)
            }),
            #[cfg(feature = "sqlite")]
            AnyConnection::Sqlite(c) => c.exclusive_transaction(|c| {
                run_locked!(c, SQLITE_MIGRATIONS, checksums::SQLITE, backend)
            }),
        }
    }
}
