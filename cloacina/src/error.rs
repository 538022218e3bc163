//! The runtime's error type.

use std::time::Duration;

/// Everything that can go wrong in the runtime. Credentials never appear in
/// a message: URLs are shown without their password.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The URL names no supported backend.
    #[error("unsupported database URL `{url}`: {reason}; accepted forms are postgres://USER@HOST[:PORT]/DB, postgresql://…, sqlite://PATH, sqlite::memory:, file:PATH, :memory:, or a plain file path")]
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
    /// A migration failed to apply; the database is unchanged by it.
    #[error("migration failed on {backend}: {message}")]
    Migration {
        /// The backend.
        backend: &'static str,
        /// What failed.
        message: String,
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
