//! The runtime's error type.

use std::time::Duration;

/// Everything that can go wrong in the runtime. Credentials never appear in
/// a message: URLs are shown without their password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL names no supported backend.
    #[error("unsupported database URL `{url}`: {reason}; accepted forms are postgres://USER[:PASSWORD]@HOST[:PORT]/DB (percent-encode `/ @ ? # %` in the password), postgresql://…, a libpq keyword/value string such as host=HOST user=USER password='…' dbname=DB, sqlite://PATH, sqlite::memory:, file:PATH, :memory:, or a plain file path")]
    BadUrl {
        /// The URL, password removed.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL selects a backend this build leaves out.
    #[error("`{url}` selects {backend}, which this build of cloacina leaves out: enable the cargo feature `{backend}`")]
    BackendDisabled {
        /// The URL, password removed.
        url: String,
        /// The backend's feature name.
        backend: &'static str,
    },
    /// The database could not be reached or opened.
    #[error("cannot connect to {backend} at {url}: {message}")]
    Connect {
        /// The backend.
        backend: &'static str,
        /// The URL, password removed.
        url: String,
        /// What the driver said.
        message: String,
    },
    /// A version to migrate to, or a number of migrations to revert, that
    /// this database and build cannot reach.
    #[error("cannot go to {target} on the {backend} database: {reason}")]
    MigrationTarget {
        /// The backend.
        backend: &'static str,
        /// The version asked for, or `revert N`.
        target: String,
        /// Why not.
        reason: String,
    },
    /// A tenant name that is not a plain identifier.
    #[error("invalid tenant name `{tenant}`: {reason}; a tenant is a PostgreSQL schema (or a SQLite file suffix) named by a lowercase identifier: [a-z_][a-z0-9_]*, at most 63 bytes, not starting with pg_")]
    BadTenant {
        /// The name as given (escaped).
        tenant: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The async face's blocking work could not run (the tokio runtime is
    /// shutting down).
    #[error("the database work could not run on tokio's blocking pool: {message}")]
    Background {
        /// What tokio said.
        message: String,
    },
    /// No pooled connection became free in time.
    #[error("no database connection became available within {timeout:?} (pool size {size}): {message}; raise DatabaseConfig::max_size or connection_timeout")]
    PoolTimeout {
        /// The configured wait.
        timeout: Duration,
        /// The pool size.
        size: u32,
        /// The pool's last error.
        message: String,
    },
    /// A migration failed to apply; the database is unchanged by it (and,
    /// with [`MigrationMode::PerRun`](crate::MigrationMode::PerRun), by the
    /// rest of the run).
    #[error("migration {migration} failed on {backend} ({file}{}): {message}; it was rolled back{}", line.map(|l| format!(" line {l}")).unwrap_or_default(), if *run_rolled_back { ", with the migrations before it in this run" } else { "" })]
    Migration {
        /// The backend.
        backend: &'static str,
        /// The migration folder name (`<version>_<name>`).
        migration: String,
        /// Its `up.sql`, relative to the repository root.
        file: String,
        /// Line of the failing statement in `up.sql`, when it could be found.
        line: Option<usize>,
        /// What the database said (a full disk or an I/O error included).
        message: String,
        /// Whether migrations applied earlier in the same run were rolled
        /// back with it (one transaction per run).
        run_rolled_back: bool,
    },
    /// The migration history could not be read or written.
    #[error("cannot read or record the migration history of the {backend} database: {message}")]
    MigrationHistory {
        /// The backend.
        backend: &'static str,
        /// What the database said.
        message: String,
    },
    /// Another process held the migration lock for longer than
    /// [`DatabaseConfig::migration_lock_timeout`](crate::DatabaseConfig::migration_lock_timeout).
    #[error("gave up after {waited:?} waiting for the {backend} migration lock: {holder}; wait for that migration to finish (or stop that process if it is stuck), or raise DatabaseConfig::migration_lock_timeout")]
    MigrationLockTimeout {
        /// The backend.
        backend: &'static str,
        /// How long this process waited.
        waited: Duration,
        /// Who holds the lock, as far as the database can tell.
        holder: Box<LockHolder>,
    },
    /// A database migrated by plain Diesel (its harness or `diesel_cli`,
    /// which record no checksums) whose live structure differs from what the
    /// embedded migrations build at its version: recording this build's
    /// checksums would claim they are the migrations that ran.
    #[error("the {backend} database was migrated up to {version} without cloacina's checksums (by Diesel's harness or diesel_cli), and its structure differs from what this build's migrations up to {version} make ({} difference(s); first: {}); its checksums are not recorded. Find the build or the hand change that made the difference and bring the database in line, or, when the difference is intended, adopt it anyway with DatabaseConfig::adopt_unverified (cloacina-migrate up --adopt-unverified)", differences.len(), differences.iter().take(5).cloned().collect::<Vec<_>>().join("; "))]
    AdoptionMismatch {
        /// The backend.
        backend: &'static str,
        /// The newest applied version.
        version: String,
        /// Every difference, one a string: the table (or other object),
        /// the item (`column NAME`, `index NAME`, `constraint NAME`, …),
        /// then what the migrations make and what the database holds.
        differences: Vec<String>,
    },
    /// An embedded migration is older than the newest applied one but was
    /// never applied itself.
    #[error("migration {version} is not applied to this {backend} database, but the newer migration {newest_applied} is: applying it now would run it out of order, and this database could end up different from a fresh one; check that it neither depends on nor conflicts with {newest_applied} and set DatabaseConfig::allow_out_of_order, or give it a version after {newest_applied}")]
    OutOfOrderMigration {
        /// The backend.
        backend: &'static str,
        /// The pending migration.
        version: String,
        /// The newest applied migration.
        newest_applied: String,
    },
    /// An applied migration's files changed after it ran.
    #[error("migration {version} was previously applied to this {backend} database but has been modified since (recorded checksum {recorded}, embedded {embedded}); restore the original files, or add a new migration instead of editing an applied one")]
    MigrationModified {
        /// The migration version.
        version: String,
        /// The backend.
        backend: &'static str,
        /// Checksum recorded when it ran.
        recorded: String,
        /// Checksum of the embedded files.
        embedded: String,
    },
    /// The database has a migration this binary does not know.
    #[error("the {backend} database has migration {version} applied, which this build does not contain: it was migrated by a newer version of this program, or by a migration that has since been removed; use a matching build, or start from a fresh database")]
    UnknownMigration {
        /// The migration version.
        version: String,
        /// The backend.
        backend: &'static str,
    },
    /// A row that should exist does not.
    #[error("{what} {id} not found")]
    NotFound {
        /// What was looked for.
        what: &'static str,
        /// Its key.
        id: String,
    },
    /// A state change that the current state does not allow.
    #[error("{what} {id} is {current}; cannot {action}")]
    InvalidState {
        /// What.
        what: &'static str,
        /// Its key.
        id: String,
        /// Its current state.
        current: String,
        /// The refused action.
        action: &'static str,
    },
    /// A query failed (including values that cannot be decoded, such as a
    /// corrupt stored timestamp: the message names the column).
    #[error("database error: {}", describe(.0))]
    Query(#[from] diesel::result::Error),
}

/// Who holds the migration lock, as far as the database can tell.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockHolder {
    /// PostgreSQL: the backend process id (`pg_stat_activity.pid`).
    pub pid: Option<i32>,
    /// PostgreSQL: its `application_name`.
    pub application_name: Option<String>,
    /// Since when it holds the lock (PostgreSQL: its transaction start; SQLite:
    /// at least since this process started waiting), UTC.
    pub since: Option<String>,
    /// PostgreSQL: its state (`active`, `idle in transaction`, …) and client.
    pub state: Option<String>,
    /// What else is known, in words.
    pub detail: String,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)?;
        if let Some(pid) = self.pid {
            write!(f, "; held by backend process pid {pid}")?;
        }
        if let Some(app) = &self.application_name {
            write!(f, ", application_name '{app}'")?;
        }
        if let Some(state) = &self.state {
            write!(f, ", {state}")?;
        }
        if let Some(since) = &self.since {
            write!(f, ", since {since}")?;
        }
        Ok(())
    }
}

/// Diesel's deserialization errors hide the cause behind "Error
/// deserializing field 'x'"; show the whole chain.
fn describe(e: &diesel::result::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
