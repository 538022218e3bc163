//! Task executions: listing, state changes with attempt counting, atomic
//! claiming by workers, heartbeats.

use diesel::prelude::*;

use super::Dal;
use crate::connection::AnyConnection;
use crate::error::{Error, Result};
use crate::models::TaskExecution;
use crate::schema::unified::task_executions as te;
use crate::types::{UniversalTimestamp, UniversalUuid};
use crate::with_native;

/// The states of a task execution: the enum generated from the schema's
/// `#[check(in(...))]` on `task_executions.status` (so the two cannot
/// drift), under the DAL's name.
pub use crate::models::TaskExecutionStatus as TaskStatus;

/// The refusal for a compare-and-set update that matched no row: either the
/// task does not exist or it is in another state.
macro_rules! refuse {
    ($c:expr, $id:expr, $action:expr) => {{
        let current: Option<String> = te::table
            .find($id)
            .select(te::status)
            .first($c)
            .optional()?;
        match current {
            None => Err(Error::NotFound {
                what: "task execution",
                id: $id.to_string(),
            }),
            Some(current) => Err(Error::InvalidState {
                what: "task execution",
                id: $id.to_string(),
                current,
                action: $action,
            }),
        }
    }};
}

/// Compare-and-set: moves task `$id` from state `$from` with `$set`, or
/// explains why it could not (missing, or in another state).
macro_rules! cas {
    ($c:expr, $id:expr, $from:expr, $set:expr, $action:expr) => {{
        let updated = diesel::update(te::table.find($id).filter(te::status.eq($from)))
            .set($set)
            .returning(TaskExecution::as_returning())
            .get_result($c)
            .optional()?;
        match updated {
            Some(t) => Ok(t),
            None => refuse!($c, $id, $action),
        }
    }};
}

/// The oldest claimable task: ready, and its retry time (if any) reached.
macro_rules! claimable {
    ($now:expr) => {
        te::table
            .filter(te::status.eq(TaskStatus::Ready))
            .filter(te::retry_at.is_null().or(te::retry_at.le($now)))
            .order((te::created_at.asc(), te::id.asc()))
            .select(te::id)
    };
}

/// Claims `$id` if it is still ready: the compare-and-set that makes a
/// claim atomic on both backends.
macro_rules! claim {
    ($c:expr, $id:expr, $worker:expr, $now:expr) => {{
        match $id {
            None => Ok(None),
            Some(id) => diesel::update(te::table.find(id).filter(te::status.eq(TaskStatus::Ready)))
                .set((
                    te::status.eq(TaskStatus::Running),
                    te::claimed_by.eq(Some($worker)),
                    te::attempt.eq(te::attempt + 1),
                    te::started_at.eq(Some($now)),
                    te::heartbeat_at.eq(Some($now)),
                    te::updated_at.eq($now),
                ))
                .returning(TaskExecution::as_returning())
                .get_result($c)
                .optional()
                .map_err(Error::from),
        }
    }};
}

impl Dal<'_> {
    /// The tasks of a workflow execution, by creation then name.
    ///
    /// # Errors
    ///
    /// [`Error::Query`].
    pub fn list_tasks(&self, workflow_execution_id: UniversalUuid) -> Result<Vec<TaskExecution>> {
        let mut conn = self.db.get()?;
        with_native!(&mut *conn, c => {
            te::table
                .filter(te::workflow_execution_id.eq(workflow_execution_id))
                .order((te::created_at.asc(), te::task_name.asc()))
                .select(TaskExecution::as_select())
                .load(c)
                .map_err(Error::from)
        })
    }

    /// Loads one task execution.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    pub fn get_task(&self, id: UniversalUuid) -> Result<TaskExecution> {
        let mut conn = self.db.get()?;
        with_native!(&mut *conn, c => {
            te::table
                .find(id)
                .select(TaskExecution::as_select())
                .first(c)
                .optional()?
                .ok_or_else(|| Error::NotFound { what: "task execution", id: id.to_string() })
        })
    }

    /// `NotStarted` → `Ready`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] from any other state, [`Error::NotFound`].
    pub fn mark_task_ready(&self, id: UniversalUuid) -> Result<TaskExecution> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        with_native!(&mut *conn, c => c.transaction::<_, Error, _>(|c| {
            cas!(c, id, TaskStatus::NotStarted, (te::status.eq(TaskStatus::Ready), te::updated_at.eq(now)), "mark it ready")
        }))
    }

    /// `Ready` → `Running` without a worker claim (the attempt counts up).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] unless it is ready, [`Error::NotFound`].
    pub fn mark_task_running(&self, id: UniversalUuid) -> Result<TaskExecution> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        with_native!(&mut *conn, c => c.transaction::<_, Error, _>(|c| {
            cas!(
                c,
                id,
                TaskStatus::Ready,
                (
                    te::status.eq(TaskStatus::Running),
                    te::attempt.eq(te::attempt + 1),
                    te::started_at.eq(Some(now)),
                    te::updated_at.eq(now),
                ),
                "mark it running"
            )
        }))
    }

    /// `Running` → `Completed`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] unless it is running, [`Error::NotFound`].
    pub fn mark_task_completed(&self, id: UniversalUuid) -> Result<TaskExecution> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        with_native!(&mut *conn, c => c.transaction::<_, Error, _>(|c| {
            cas!(
                c,
                id,
                TaskStatus::Running,
                (
                    te::status.eq(TaskStatus::Completed),
                    te::completed_at.eq(Some(now)),
                    te::claimed_by.eq(None::<UniversalUuid>),
                    te::updated_at.eq(now),
                ),
                "mark it completed"
            )
        }))
    }

    /// A running task failed: it becomes `Ready` again (to be retried from
    /// `retry_at`) while attempts remain, `Failed` when they are used up.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] unless it is running, [`Error::NotFound`].
    pub fn mark_task_failed(
        &self,
        id: UniversalUuid,
        error: &str,
        retry_at: Option<UniversalTimestamp>,
    ) -> Result<TaskExecution> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        let retry_at = retry_at.unwrap_or(now);
        with_native!(&mut *conn, c => c.transaction::<_, Error, _>(|c| {
            let running = te::table.find(id).filter(te::status.eq(TaskStatus::Running));
            // Attempts left: back to Ready with a retry time.
            let retried = diesel::update(running.filter(te::attempt.lt(te::max_attempts)))
                .set((
                    te::status.eq(TaskStatus::Ready),
                    te::retry_at.eq(Some(retry_at)),
                    te::last_error.eq(Some(error)),
                    te::claimed_by.eq(None::<UniversalUuid>),
                    te::updated_at.eq(now),
                ))
                .returning(TaskExecution::as_returning())
                .get_result(c)
                .optional()?;
            if let Some(t) = retried {
                return Ok(t);
            }
            let failed = diesel::update(running)
                .set((
                    te::status.eq(TaskStatus::Failed),
                    te::completed_at.eq(Some(now)),
                    te::error_details.eq(Some(error)),
                    te::last_error.eq(Some(error)),
                    te::claimed_by.eq(None::<UniversalUuid>),
                    te::updated_at.eq(now),
                ))
                .returning(TaskExecution::as_returning())
                .get_result(c)
                .optional()?;
            match failed {
                Some(t) => Ok(t),
                None => refuse!(c, id, "mark it failed"),
            }
        }))
    }

    /// Atomically claims the oldest ready task for `worker`: it becomes
    /// `Running`, its attempt counts up. Two workers never claim the same
    /// task: PostgreSQL locks the candidate row (`FOR UPDATE SKIP LOCKED`, so
    /// concurrent claimers take different rows), SQLite takes the write lock
    /// up front (`BEGIN IMMEDIATE`); on both the update re-checks that the
    /// task is still ready.
    ///
    /// # Errors
    ///
    /// [`Error::Query`].
    pub fn claim_next_task(&self, worker: UniversalUuid) -> Result<Option<TaskExecution>> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        match &mut *conn {
            #[cfg(feature = "postgres")]
            AnyConnection::Postgresql(c) => c.transaction::<_, Error, _>(|c| {
                let id: Option<UniversalUuid> = claimable!(now)
                    .for_update()
                    .skip_locked()
                    .first(c)
                    .optional()?;
                claim!(c, id, worker, now)
            }),
            #[cfg(feature = "sqlite")]
            AnyConnection::Sqlite(c) => c.immediate_transaction::<_, Error, _>(|c| {
                let id: Option<UniversalUuid> = claimable!(now).first(c).optional()?;
                claim!(c, id, worker, now)
            }),
        }
    }

    /// Records that `worker` is still running `task`. Returns false when the
    /// task is no longer claimed by this worker (it should stop).
    ///
    /// # Errors
    ///
    /// [`Error::Query`].
    pub fn heartbeat(&self, task: UniversalUuid, worker: UniversalUuid) -> Result<bool> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        let n = with_native!(&mut *conn, c => {
            diesel::update(
                te::table
                    .find(task)
                    .filter(te::claimed_by.eq(worker))
                    .filter(te::status.eq(TaskStatus::Running)),
            )
            .set((te::heartbeat_at.eq(Some(now)), te::updated_at.eq(now)))
            .execute(c)?
        });
        Ok(n == 1)
    }
}
