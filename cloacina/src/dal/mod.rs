//! The data access layer: one implementation for both backends.
//!
//! Each operation borrows a pooled connection, matches the
//! [`AnyConnection`](crate::connection::AnyConnection) enum ONCE and runs the
//! same query body on the native `PgConnection` or `SqliteConnection`
//! ([`with_native!`](crate::with_native)). The body is type-checked against each concrete
//! connection, and a query costs what it costs on the native connection:
//! going through the derived `MultiConnection` for every statement re-renders
//! its SQL on every call (about +36 % per primary-key select on in-memory
//! SQLite; see BENCHMARKS.md). The derived enum stays available for ad-hoc
//! queries.

mod contexts;
mod events;
mod schedules;
mod tasks;
mod workflows;

pub use tasks::TaskStatus;
pub use workflows::{NewTaskSpec, NewWorkflowRun, Page, WorkflowRun, WorkflowStatus};

use crate::Database;

/// Runs `$body` with `$c` bound to the native connection inside an
/// [`AnyConnection`](crate::connection::AnyConnection): one match per
/// operation, and one copy of the query code, type-checked per backend.
#[macro_export]
macro_rules! with_native {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            #[cfg(feature = "postgres")]
            $crate::connection::AnyConnection::Postgresql($c) => $body,
            #[cfg(feature = "sqlite")]
            $crate::connection::AnyConnection::Sqlite($c) => $body,
        }
    };
}

/// Data access for one [`Database`].
#[derive(Clone, Copy, Debug)]
pub struct Dal<'a> {
    db: &'a Database,
}

impl<'a> Dal<'a> {
    /// The DAL over `db`.
    pub fn new(db: &'a Database) -> Self {
        Dal { db }
    }

    /// The database.
    pub fn database(&self) -> &'a Database {
        self.db
    }
}
