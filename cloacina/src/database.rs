//! Connections: the pool, and per-connection setup for real use.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::Connection;

use crate::connection::AnyConnection;
use crate::dal::Dal;
use crate::error::{Error, Result};
use crate::url::{Backend, Target};

/// Pool, connection and migration settings.
///
/// Holds no secret: its `Debug` output is safe to log.
#[derive(Clone, Debug)]
pub struct DatabaseConfig {
    /// Most connections the pool opens (an in-memory SQLite database always
    /// uses exactly one connection: each connection to `:memory:` would be a
    /// database of its own).
    pub max_size: u32,
    /// How long `get` waits for a free connection.
    pub connection_timeout: Duration,
    /// How long one SQLite statement waits for a lock held by another
    /// connection or process before giving up with "database is locked".
    /// (The migration runner waits up to [`DatabaseConfig::migration_lock_timeout`]
    /// instead.)
    pub sqlite_busy_timeout: Duration,
    /// PostgreSQL `application_name` of every connection (unless the
    /// connection string sets one), so operators can tell them apart in
    /// `pg_stat_activity`. The migration runner's transaction shows
    /// `<this> migrate (pid N)` while it runs.
    pub application_name: String,
    /// How long [`Database::migrate`](crate::Database::migrate) waits for
    /// another process's migration run to finish before it gives up with
    /// [`Error::MigrationLockTimeout`], naming the holder.
    pub migration_lock_timeout: Duration,
    /// PostgreSQL `lock_timeout` for the statements of a migration: how long
    /// one statement waits for a table lock held by the application before
    /// the migration fails (and is rolled back) rather than queueing every
    /// other query behind it. `None` keeps the server's setting.
    pub migration_statement_lock_timeout: Option<Duration>,
    /// PostgreSQL `statement_timeout` for the statements of a migration.
    /// `None` keeps the server's setting.
    pub migration_statement_timeout: Option<Duration>,
    /// One transaction for the whole run, or one per migration.
    pub migration_mode: crate::migrate::MigrationMode,
    /// Apply an embedded migration whose version is older than the newest
    /// applied one (it was merged after a later migration had already run).
    /// Off by default: the result could differ from a fresh database, so
    /// [`Database::migrate`](crate::Database::migrate) refuses with
    /// [`Error::OutOfOrderMigration`].
    pub allow_out_of_order: bool,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            max_size: 8,
            connection_timeout: Duration::from_secs(30),
            sqlite_busy_timeout: Duration::from_secs(10),
            application_name: "cloacina".into(),
            migration_lock_timeout: Duration::from_secs(60),
            migration_statement_lock_timeout: Some(Duration::from_secs(30)),
            migration_statement_timeout: None,
            migration_mode: crate::migrate::MigrationMode::PerRun,
            allow_out_of_order: false,
        }
    }
}

/// Opens connections of the one backend the URL selected, and sets each up.
#[derive(Debug)]
pub struct Manager {
    target: Target,
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    busy_timeout: Duration,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    application_name: String,
}

/// Why a connection could not be opened or set up.
#[derive(Debug)]
pub struct ConnectError(String);

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConnectError {}

impl Manager {
    fn open(&self) -> std::result::Result<AnyConnection, ConnectError> {
        match &self.target {
            #[cfg(feature = "postgres")]
            Target::Postgres(pg) => {
                // A host that drops packets must not stall start-up for the OS's
                // TCP timeout: bound the connect unless the string says otherwise.
                // libpq gets a normalized keyword/value string, never the URL
                // as typed (see `url.rs`), and whatever it says is scrubbed of
                // the password before anyone sees it.
                let mut pg = pg.clone();
                pg.set_default("connect_timeout", "10");
                pg.set_default("application_name", &self.application_name);
                let mut c = diesel::PgConnection::establish(&pg.conninfo())
                    .map_err(|e| ConnectError(pg.scrub(&e.to_string())))?;
                // Every session sees UTC, whatever the server's default.
                c.batch_execute("SET TIME ZONE 'UTC'")
                    .map_err(|e| ConnectError(pg.scrub(&e.to_string())))?;
                Ok(AnyConnection::Postgresql(c))
            }
            #[cfg(feature = "sqlite")]
            Target::SqliteMemory | Target::SqliteFile(_) => {
                let path = match &self.target {
                    Target::SqliteFile(p) => p.as_str(),
                    _ => ":memory:",
                };
                let mut c = diesel::SqliteConnection::establish(path)
                    .map_err(|e| ConnectError(e.to_string()))?;
                let mut setup = format!(
                    "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON;",
                    self.busy_timeout.as_millis()
                );
                if matches!(self.target, Target::SqliteFile(_)) {
                    setup.push_str(" PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
                }
                c.batch_execute(&setup)
                    .map_err(|e| ConnectError(e.to_string()))?;
                Ok(AnyConnection::Sqlite(c))
            }
            #[allow(unreachable_patterns)]
            other => Err(ConnectError(format!(
                "the {} backend is not compiled in",
                other.backend().name()
            ))),
        }
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = ConnectError;

    fn connect(&self) -> std::result::Result<AnyConnection, ConnectError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> std::result::Result<(), ConnectError> {
        conn.batch_execute("SELECT 1")
            .map_err(|e| ConnectError(e.to_string()))
    }

    /// A connection returned while still inside a transaction (its user
    /// panicked, or leaked a transaction) is rolled back before anyone else
    /// gets it; if that fails it is discarded. Otherwise the next user's
    /// `transaction()` would nest in the stale one and never commit.
    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        crate::with_native!(conn, c => !reset_transaction(c))
    }
}

/// Rolls back any transaction left open on `c`. True when the connection is
/// clean afterwards.
fn reset_transaction<C>(c: &mut C) -> bool
where
    C: Connection<TransactionManager = diesel::connection::AnsiTransactionManager>,
{
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    for _ in 0..64 {
        match AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth() {
            Ok(None) => return true,
            Ok(Some(_)) => {
                if AnsiTransactionManager::rollback_transaction(c).is_err() {
                    return false;
                }
            }
            Err(_) => return false,
        }
    }
    false
}

/// A connection borrowed from the pool; derefs to [`AnyConnection`].
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// A pool of connections to the one database a URL names.
pub struct Database {
    backend: Backend,
    display: String,
    config: DatabaseConfig,
    pool: r2d2::Pool<Manager>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .field("target", &self.display)
            .field("max_size", &self.pool.max_size())
            .finish()
    }
}

impl Database {
    /// Connects with the default [`DatabaseConfig`].
    ///
    /// # Errors
    ///
    /// As [`Database::connect_with`].
    pub fn connect(url: &str) -> Result<Database> {
        Self::connect_with(url, DatabaseConfig::default())
    }

    /// Parses `url`, opens one connection right away (so a wrong URL or an
    /// unreachable server fails here, with the driver's real message), and
    /// builds the pool.
    ///
    /// # Errors
    ///
    /// [`Error::BadUrl`], [`Error::BackendDisabled`] or [`Error::Connect`].
    pub fn connect_with(url: &str, config: DatabaseConfig) -> Result<Database> {
        let target = Target::parse(url)?;
        let backend = target.backend();
        let compiled = match backend {
            Backend::Postgres => cfg!(feature = "postgres"),
            Backend::Sqlite => cfg!(feature = "sqlite"),
        };
        if !compiled {
            return Err(Error::BackendDisabled {
                url: target.display(),
                backend: backend.name(),
            });
        }
        let display = target.display();
        let max_size = if target == Target::SqliteMemory {
            1
        } else {
            config.max_size.max(1)
        };
        let manager = Manager {
            target,
            busy_timeout: config.sqlite_busy_timeout,
            application_name: config.application_name.clone(),
        };
        let first = manager.open().map_err(|e| Error::Connect {
            backend: backend.name(),
            url: display.clone(),
            message: e.0,
        })?;
        let memory = manager.target == Target::SqliteMemory;
        let mut builder = r2d2::Pool::builder()
            .max_size(max_size)
            .min_idle(Some(u32::from(memory)))
            .connection_timeout(config.connection_timeout);
        if memory {
            // The one connection IS the database: never let it expire.
            builder = builder.idle_timeout(None).max_lifetime(None);
        }
        let pool = builder
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(manager);
        // Keep the connection we already opened (the in-memory database
        // lives in it).
        drop(first);
        let db = Database {
            backend,
            display,
            config,
            pool,
        };
        // Warm the pool with one connection; for `:memory:` this is THE database.
        drop(db.get()?);
        Ok(db)
    }

    /// The settings this database was opened with.
    pub fn config(&self) -> &DatabaseConfig {
        &self.config
    }

    /// The backend the URL selected.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where it is connected, without any password.
    pub fn target(&self) -> &str {
        &self.display
    }

    /// Borrows a connection from the pool.
    ///
    /// # Errors
    ///
    /// [`Error::PoolTimeout`] when none becomes free in time (or the server
    /// went away).
    pub fn get(&self) -> Result<PooledConnection> {
        self.pool.get().map_err(|e| Error::PoolTimeout {
            timeout: self.config.connection_timeout,
            size: self.pool.max_size(),
            message: e.to_string(),
        })
    }

    /// The data access layer over this database.
    pub fn dal(&self) -> Dal<'_> {
        Dal::new(self)
    }
}
