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
    /// Record the checksums of migrations that plain Diesel applied (its
    /// harness or `diesel_cli`, which record none) even when the live
    /// structure differs from what they build. Off by default: the runner
    /// first applies them to a scratch database (SQLite in memory, a
    /// PostgreSQL schema rolled back) and refuses with
    /// [`Error::AdoptionMismatch`](crate::Error::AdoptionMismatch) on any
    /// difference. With it on, the differences are logged as a warning.
    pub adopt_unverified: bool,
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
            adopt_unverified: false,
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
    /// The tenant's PostgreSQL schema: the only one on each connection's
    /// `search_path`, set when it opens and again at every checkout.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    schema: Option<String>,
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
                let mut setup = String::from("SET TIME ZONE 'UTC';");
                if let Some(schema) = &self.schema {
                    setup.push_str(&search_path(schema));
                }
                c.batch_execute(&setup)
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
                let setup = format!(
                    "PRAGMA busy_timeout = {}; PRAGMA foreign_keys = ON;",
                    self.busy_timeout.as_millis()
                );
                c.batch_execute(&setup)
                    .map_err(|e| ConnectError(e.to_string()))?;
                if matches!(self.target, Target::SqliteFile(_)) {
                    // Several processes opening a new file at once race to
                    // switch it to WAL; SQLite answers the losers "database
                    // is locked" without calling the busy handler, so wait
                    // here, within the busy timeout.
                    let deadline = std::time::Instant::now() + self.busy_timeout;
                    loop {
                        match c.batch_execute("PRAGMA journal_mode = WAL;") {
                            Ok(()) => break,
                            Err(e)
                                if e.to_string().contains("locked")
                                    && std::time::Instant::now() < deadline =>
                            {
                                std::thread::sleep(std::time::Duration::from_millis(5));
                            }
                            Err(e) => return Err(ConnectError(e.to_string())),
                        }
                    }
                    c.batch_execute("PRAGMA synchronous = NORMAL;")
                        .map_err(|e| ConnectError(e.to_string()))?;
                }
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

    /// Runs at every checkout: a tenant's connection gets its
    /// `search_path` again (whatever a previous user SET), in the round trip
    /// the liveness check costs anyway.
    fn is_valid(&self, conn: &mut AnyConnection) -> std::result::Result<(), ConnectError> {
        let check = match (&self.schema, &*conn) {
            #[cfg(feature = "postgres")]
            (Some(schema), AnyConnection::Postgresql(_)) => search_path(schema),
            _ => "SELECT 1".to_string(),
        };
        conn.batch_execute(&check)
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

/// The statement that makes `schema` (a validated identifier) the only
/// schema unqualified names resolve to.
#[cfg(feature = "postgres")]
fn search_path(schema: &str) -> String {
    format!(" SET search_path TO \"{schema}\";")
}

/// Checks a tenant name: a lowercase SQL identifier PostgreSQL would not
/// fold or reserve, usable unquoted as a schema and in a file name.
pub(crate) fn validate_tenant(tenant: &str) -> Result<()> {
    let reason = if tenant.is_empty() {
        Some("it is empty".to_string())
    } else if tenant.len() > 63 {
        Some(format!(
            "it is {} bytes long; PostgreSQL identifiers hold at most 63",
            tenant.len()
        ))
    } else if let Some(c) = tenant
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
    {
        Some(format!(
            "it contains {c:?}; use lowercase ASCII letters, digits and `_`"
        ))
    } else if tenant.starts_with(|c: char| c.is_ascii_digit()) {
        Some("it starts with a digit".to_string())
    } else if tenant.starts_with("pg_") || tenant == "information_schema" {
        Some("PostgreSQL reserves it for system schemas".to_string())
    } else {
        None
    };
    match reason {
        None => Ok(()),
        Some(reason) => Err(Error::BadTenant {
            tenant: tenant.escape_debug().to_string(),
            reason,
        }),
    }
}

/// The SQLite file of `tenant` next to `path`: `dir/cloacina.db` gives
/// `dir/cloacina.TENANT.db` (for a `file:` URI, in its path part).
#[cfg(feature = "sqlite")]
fn tenant_file(path: &str, tenant: &str) -> String {
    let (file, query) = match path.split_once('?') {
        Some((f, q)) => (f, format!("?{q}")),
        None => (path, String::new()),
    };
    let name_start = file.rfind(['/', '\\']).map_or(0, |i| i + 1);
    let with_tenant = match file[name_start..].rfind('.') {
        Some(dot) if dot > 0 => {
            let dot = name_start + dot;
            format!("{}.{tenant}{}", &file[..dot], &file[dot..])
        }
        _ => format!("{file}.{tenant}"),
    };
    format!("{with_tenant}{query}")
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
    tenant: Option<String>,
    config: DatabaseConfig,
    pool: r2d2::Pool<Manager>,
    /// Connections checked out through [`Database::get`] so far.
    checkouts: std::sync::atomic::AtomicU64,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("backend", &self.backend)
            .field("target", &self.display)
            .field("tenant", &self.tenant)
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
        Self::open_pool(url, None, config)
    }

    /// Connects to one tenant's database: on PostgreSQL the schema named
    /// `tenant` (created if missing; every connection's `search_path` is
    /// that schema alone, so the tables, the migration history and the
    /// migration lock are the tenant's own); on SQLite the file next to the
    /// URL's with the tenant before its extension (`data/cloacina.db` and
    /// tenant `acme` give `data/cloacina.acme.db`; `:memory:` is private to
    /// each handle anyway). [`Database::migrate`] then migrates that tenant
    /// only, and tenants migrated at once do not wait for each other.
    ///
    /// # Errors
    ///
    /// [`Error::BadTenant`] unless `tenant` is a lowercase identifier
    /// (`[a-z_][a-z0-9_]*`, at most 63 bytes, not `pg_…`); otherwise as
    /// [`Database::connect_with`], and [`Error::Connect`] when the schema
    /// cannot be created.
    pub fn connect_tenant(url: &str, tenant: &str, config: DatabaseConfig) -> Result<Database> {
        validate_tenant(tenant)?;
        Self::open_pool(url, Some(tenant), config)
    }

    fn open_pool(url: &str, tenant: Option<&str>, config: DatabaseConfig) -> Result<Database> {
        #[allow(unused_mut)]
        let mut target = Target::parse(url)?;
        #[cfg(feature = "sqlite")]
        if let (Some(tenant), Target::SqliteFile(path)) = (tenant, &target) {
            target = Target::SqliteFile(tenant_file(path, tenant));
        }
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
        let display = match tenant {
            Some(t) if backend == Backend::Postgres => format!("{} (schema {t})", target.display()),
            _ => target.display(),
        };
        let max_size = if target == Target::SqliteMemory {
            1
        } else {
            config.max_size.max(1)
        };
        #[allow(unused_mut)]
        let mut manager = Manager {
            target,
            busy_timeout: config.sqlite_busy_timeout,
            application_name: config.application_name.clone(),
            schema: None,
        };
        let connect_error = |message: String| Error::Connect {
            backend: backend.name(),
            url: display.clone(),
            message,
        };
        #[allow(unused_mut)]
        let mut first = manager.open().map_err(|e| connect_error(e.0))?;
        #[cfg(feature = "postgres")]
        if let (Some(tenant), AnyConnection::Postgresql(c)) = (tenant, &mut first) {
            create_schema(c, tenant).map_err(|e| {
                connect_error(format!("cannot create the tenant schema {tenant}: {e}"))
            })?;
            manager.schema = Some(tenant.to_string());
            first = manager.open().map_err(|e| connect_error(e.0))?;
        }
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
            tenant: tenant.map(str::to_owned),
            config,
            pool,
            checkouts: std::sync::atomic::AtomicU64::new(0),
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

    /// The tenant of [`Database::connect_tenant`], if any.
    pub fn tenant(&self) -> Option<&str> {
        self.tenant.as_deref()
    }

    /// Borrows a connection from the pool.
    ///
    /// # Errors
    ///
    /// [`Error::PoolTimeout`] when none becomes free in time (or the server
    /// went away).
    pub fn get(&self) -> Result<PooledConnection> {
        self.checkouts
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.pool.get().map_err(|e| Error::PoolTimeout {
            timeout: self.config.connection_timeout,
            size: self.pool.max_size(),
            message: e.to_string(),
        })
    }

    /// How many connections [`Database::get`] has checked out of the pool
    /// so far (each costs a liveness round trip). For tests that count the
    /// round trips of an operation.
    #[doc(hidden)]
    pub fn checkouts(&self) -> u64 {
        self.checkouts.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The data access layer over this database.
    pub fn dal(&self) -> Dal<'_> {
        Dal::new(self)
    }
}

/// `CREATE SCHEMA IF NOT EXISTS`, safe when several processes create the
/// same schema at once (PostgreSQL then fails all but one with a unique
/// violation: the schema exists, which is all we need).
#[cfg(feature = "postgres")]
fn create_schema(c: &mut diesel::PgConnection, schema: &str) -> diesel::QueryResult<()> {
    use diesel::RunQueryDsl;
    match c.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"")) {
        Ok(()) => Ok(()),
        Err(e) => {
            #[derive(diesel::QueryableByName)]
            struct Found {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let found: Found =
                diesel::sql_query("SELECT count(*) AS n FROM pg_namespace WHERE nspname = $1")
                    .bind::<diesel::sql_types::Text, _>(schema)
                    .get_result(c)?;
            if found.n > 0 {
                Ok(())
            } else {
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_names_are_identifiers() {
        for ok in [
            "acme",
            "t_1",
            "_x",
            "a23456789012345678901234567890123456789012345678901234567890123",
        ] {
            assert!(validate_tenant(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("Acme", "contains 'A'"),
            ("a-b", "contains '-'"),
            ("a\"; DROP SCHEMA public; --", "contains '\"'"),
            ("1st", "starts with a digit"),
            ("pg_temp", "reserves"),
            (
                "a234567890123456789012345678901234567890123456789012345678901234",
                "63",
            ),
        ] {
            let e = validate_tenant(bad).expect_err(bad).to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn tenant_files_sit_next_to_the_given_one() {
        assert_eq!(
            tenant_file("data/cloacina.db", "acme"),
            "data/cloacina.acme.db"
        );
        assert_eq!(tenant_file("cloacina", "acme"), "cloacina.acme");
        assert_eq!(tenant_file("a.b/c", "t"), "a.b/c.t");
        assert_eq!(
            tenant_file("file:x/y.db?mode=rwc", "t"),
            "file:x/y.t.db?mode=rwc"
        );
        assert_eq!(tenant_file(".hidden", "t"), ".hidden.t");
    }
}
