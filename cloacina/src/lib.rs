//! Cloacina's runtime data layer: ONE binary that serves PostgreSQL and
//! SQLite, choosing the backend at run time from the connection URL.
//!
//! ```no_run
//! # fn main() -> Result<(), cloacina::Error> {
//! let db = cloacina::Database::connect("sqlite://cloacina.db")?; // or postgres://…
//! db.migrate()?;
//! let run = db.dal().create_workflow(&cloacina::dal::NewWorkflowRun::new("nightly").task("extract").task("load"))?;
//! println!("{} on {}", run.execution.id, db.backend());
//! # Ok(()) }
//! ```
//!
//! The connection string is a PostgreSQL URL or libpq keyword/value string,
//! or a SQLite `sqlite:`/`file:` URI, `:memory:` or path ([`Target::parse`]);
//! no password it holds ever reaches an error or `Debug` output.
//! [`Database::migrate`] waits for other migrating processes up to a
//! deadline and names them, and [`DatabaseConfig`] chooses one transaction
//! per run or per migration ([`MigrationMode`]) and whether out-of-order
//! versions may be applied. [`Database::migration_status`],
//! [`Database::migrate_to`], [`Database::revert`] and the dry runs
//! ([`Database::pending_sql`], [`Database::revert_sql`]) operate a live
//! database by hand (the `cloacina-migrate` binary, feature `cli`, is a face
//! over them). [`Database::connect_tenant`] serves one tenant: a PostgreSQL
//! schema, or a SQLite file. With the feature `async`, `AsyncDatabase` and
//! `AsyncDal` are the same for tokio applications.
//!
//! Everything schema-shaped here is generated at build time by
//! `cloacina-codegen` from `schema/cloacina.rs` (see `build.rs`): the
//! [`types`], the `table!` modules under [`schema`], the [`models`] and the
//! [`connection::AnyConnection`] enum. Nothing is kept by hand.
//!
//! Cargo features `postgres` and `sqlite` (both on by default) select the
//! backends compiled in; with one switched off, the generated wiring has one
//! backend and no code for the other.
#![warn(missing_docs)]

#[cfg(not(any(feature = "postgres", feature = "sqlite")))]
compile_error!("enable at least one of the cargo features `postgres` and `sqlite`");

mod generated {
    #![allow(missing_docs, clippy::all)]
    include!(concat!(env!("OUT_DIR"), "/cloacina.rs"));
}

pub use generated::{connection, models, schema, types};

#[cfg(feature = "async")]
mod asynch;
pub mod dal;
mod database;
mod error;
mod migrate;
mod url;

#[cfg(feature = "async")]
pub use asynch::{AsyncDal, AsyncDatabase};
pub use dal::Dal;
pub use database::{Database, DatabaseConfig, PooledConnection};
pub use error::LockHolder;
pub use error::{Error, Result};
#[doc(hidden)]
pub use migrate::MigrationSet;
#[cfg(feature = "postgres")]
pub use migrate::POSTGRES_MIGRATIONS;
#[cfg(feature = "sqlite")]
pub use migrate::SQLITE_MIGRATIONS;
pub use migrate::{
    pg_migration_lock_key, MigrationMode, MigrationReport, MigrationSql, MigrationState,
    MigrationStatus, MigrationStatusEntry, PG_MIGRATION_LOCK_KEY,
};
pub use url::{Backend, PgTarget, Target};
