//! The async face, for tokio applications (cargo feature `async`).
//!
//! [`AsyncDatabase`] and [`AsyncDal`] have the same operations as
//! [`Database`] and [`Dal`], as `async fn`s. Each call moves its blocking
//! work — taking a pooled connection, running diesel, committing — to
//! tokio's blocking thread pool ([`tokio::task::spawn_blocking`]), so the
//! runtime's worker threads never wait on the database. That is what
//! `deadpool-diesel`'s `interact` does too; running it over the runtime's
//! own pool keeps one pool, one per-connection setup (time zone, PRAGMAs,
//! `search_path` of a tenant) and one transaction reset on return, for the
//! blocking and the async face alike.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cloacina::Error> {
//! let db = cloacina::AsyncDatabase::connect("sqlite://cloacina.db").await?;
//! db.migrate().await?;
//! let run = db
//!     .dal()
//!     .create_workflow(&cloacina::dal::NewWorkflowRun::new("nightly").task("extract"))
//!     .await?;
//! let next = db.dal().claim_next_task(cloacina::types::UniversalUuid::new_v4()).await?;
//! # let _ = (run, next); Ok(()) }
//! ```
//!
//! The tokio blocking pool holds up to 512 threads by default; size
//! [`DatabaseConfig::max_size`] for the concurrency you want, since a call
//! waits (on a blocking thread) for a free connection up to
//! [`DatabaseConfig::connection_timeout`].

use std::sync::Arc;

use crate::dal::{NewWorkflowRun, Page, WorkflowRun, WorkflowStatus};
use crate::error::{Error, Result};
use crate::models::{
    Context, ExecutionEvent, NewSchedule, Schedule, ScheduleExecution, TaskExecution,
    WorkflowExecution,
};
use crate::types::{UniversalTimestamp, UniversalUuid};
use crate::{Backend, Dal, Database, DatabaseConfig, MigrationReport};

/// A [`Database`] for async code: cheap to clone (one shared pool).
#[derive(Clone, Debug)]
pub struct AsyncDatabase {
    db: Arc<Database>,
}

/// Runs `f` on tokio's blocking pool; a panic in `f` resumes in the caller,
/// as it would in blocking code.
async fn blocking<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(Error::Background {
            message: e.to_string(),
        }),
    }
}

impl AsyncDatabase {
    /// [`Database::connect`], off the runtime's worker threads.
    ///
    /// # Errors
    ///
    /// As [`Database::connect_with`].
    pub async fn connect(url: &str) -> Result<AsyncDatabase> {
        Self::connect_with(url, DatabaseConfig::default()).await
    }

    /// [`Database::connect_with`], off the runtime's worker threads.
    ///
    /// # Errors
    ///
    /// As [`Database::connect_with`].
    pub async fn connect_with(url: &str, config: DatabaseConfig) -> Result<AsyncDatabase> {
        let url = url.to_owned();
        let db = blocking(move || Database::connect_with(&url, config)).await?;
        Ok(AsyncDatabase::from(db))
    }

    /// [`Database::connect_tenant`], off the runtime's worker threads.
    ///
    /// # Errors
    ///
    /// As [`Database::connect_tenant`].
    pub async fn connect_tenant(
        url: &str,
        tenant: &str,
        config: DatabaseConfig,
    ) -> Result<AsyncDatabase> {
        let (url, tenant) = (url.to_owned(), tenant.to_owned());
        let db = blocking(move || Database::connect_tenant(&url, &tenant, config)).await?;
        Ok(AsyncDatabase::from(db))
    }

    /// [`Database::migrate`], off the runtime's worker threads (waiting for
    /// the migration lock included).
    ///
    /// # Errors
    ///
    /// As [`Database::migrate`].
    pub async fn migrate(&self) -> Result<MigrationReport> {
        let db = Arc::clone(&self.db);
        blocking(move || db.migrate()).await
    }

    /// Runs any blocking code over the [`Dal`] on the blocking pool: for
    /// several operations in one hop, or your own queries through
    /// [`Dal::database`] and [`Database::get`].
    ///
    /// # Errors
    ///
    /// Whatever `f` returns; [`Error::Background`] when the runtime shut down
    /// before `f` ran.
    pub async fn run<T, F>(&self, f: F) -> Result<T>
    where
        F: FnOnce(Dal<'_>) -> Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let db = Arc::clone(&self.db);
        blocking(move || f(db.dal())).await
    }

    /// The async data access layer.
    pub fn dal(&self) -> AsyncDal {
        AsyncDal { db: self.clone() }
    }

    /// The blocking [`Database`] under this one (the same pool).
    pub fn blocking(&self) -> &Arc<Database> {
        &self.db
    }

    /// The backend the URL selected.
    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// Where it is connected, without any password.
    pub fn target(&self) -> &str {
        self.db.target()
    }
}

impl From<Database> for AsyncDatabase {
    fn from(db: Database) -> Self {
        AsyncDatabase { db: Arc::new(db) }
    }
}

impl From<Arc<Database>> for AsyncDatabase {
    fn from(db: Arc<Database>) -> Self {
        AsyncDatabase { db }
    }
}

/// The async data access layer: every [`Dal`] operation, with the same
/// arguments, as an `async fn` (borrowed arguments are copied before the
/// work moves to the blocking pool). Cheap to clone.
#[derive(Clone, Debug)]
pub struct AsyncDal {
    db: AsyncDatabase,
}

/// Writes each async operation as one call of the blocking one on the
/// blocking pool: `fn name(args) -> T { owned copies } => |dal| call;`.
macro_rules! async_dal {
    ($(
        fn $name:ident ( $($arg:ident : $ty:ty),* ) -> $ret:ty
            { $($own:ident = $copy:expr;)* } => |$dal:ident| $call:expr;
    )*) => {
        impl AsyncDal {
            $(
                #[doc = concat!("[`Dal::", stringify!($name), "`], on the blocking pool.")]
                ///
                /// # Errors
                ///
                #[doc = concat!("As [`Dal::", stringify!($name), "`].")]
                pub async fn $name(&self, $($arg: $ty),*) -> Result<$ret> {
                    $(let $own = $copy;)*
                    self.db.run(move |$dal| $call).await
                }
            )*
        }
    };
}

async_dal! {
    fn create_context(value: serde_json::Value) -> Context {} => |d| d.create_context(value);
    fn get_context(id: UniversalUuid) -> Context {} => |d| d.get_context(id);
    fn update_context(id: UniversalUuid, value: serde_json::Value) -> Context {}
        => |d| d.update_context(id, value);
    fn delete_context(id: UniversalUuid) -> () {} => |d| d.delete_context(id);

    fn append_event(
        workflow_execution_id: UniversalUuid,
        task_execution_id: Option<UniversalUuid>,
        event_type: &str,
        event_data: Option<serde_json::Value>,
        worker_id: Option<&str>
    ) -> ExecutionEvent {
        event_type = event_type.to_owned();
        worker_id = worker_id.map(str::to_owned);
    } => |d| d.append_event(
        workflow_execution_id,
        task_execution_id,
        &event_type,
        event_data,
        worker_id.as_deref(),
    );
    fn list_events(workflow_execution_id: UniversalUuid) -> Vec<ExecutionEvent> {}
        => |d| d.list_events(workflow_execution_id);

    fn create_schedule(schedule: &NewSchedule) -> Schedule { schedule = schedule.clone(); }
        => |d| d.create_schedule(&schedule);
    fn due_schedules(now: UniversalTimestamp, limit: i64) -> Vec<Schedule> {}
        => |d| d.due_schedules(now, limit);
    fn record_schedule_run(
        schedule_id: UniversalUuid,
        scheduled_time: UniversalTimestamp,
        workflow_execution_id: Option<UniversalUuid>,
        next_run_at: Option<UniversalTimestamp>
    ) -> ScheduleExecution {}
        => |d| d.record_schedule_run(schedule_id, scheduled_time, workflow_execution_id, next_run_at);

    fn list_tasks(workflow_execution_id: UniversalUuid) -> Vec<TaskExecution> {}
        => |d| d.list_tasks(workflow_execution_id);
    fn get_task(id: UniversalUuid) -> TaskExecution {} => |d| d.get_task(id);
    fn mark_task_ready(id: UniversalUuid) -> TaskExecution {} => |d| d.mark_task_ready(id);
    fn mark_task_running(id: UniversalUuid) -> TaskExecution {} => |d| d.mark_task_running(id);
    fn mark_task_completed(id: UniversalUuid) -> TaskExecution {}
        => |d| d.mark_task_completed(id);
    fn mark_task_failed(
        id: UniversalUuid,
        error: &str,
        retry_at: Option<UniversalTimestamp>
    ) -> TaskExecution { error = error.to_owned(); }
        => |d| d.mark_task_failed(id, &error, retry_at);
    fn claim_next_task(worker: UniversalUuid) -> Option<TaskExecution> {}
        => |d| d.claim_next_task(worker);
    fn heartbeat(task: UniversalUuid, worker: UniversalUuid) -> bool {}
        => |d| d.heartbeat(task, worker);

    fn create_workflow(run: &NewWorkflowRun) -> WorkflowRun { run = run.clone(); }
        => |d| d.create_workflow(&run);
    fn get_workflow(id: UniversalUuid) -> WorkflowExecution {} => |d| d.get_workflow(id);
    fn list_workflows_by_status(status: WorkflowStatus, page: Page) -> Vec<WorkflowExecution> {}
        => |d| d.list_workflows_by_status(status, page);
    fn update_workflow_status(
        id: UniversalUuid,
        status: WorkflowStatus,
        error: Option<&str>
    ) -> WorkflowExecution { error = error.map(str::to_owned); }
        => |d| d.update_workflow_status(id, status, error.as_deref());
    fn pause_workflow(id: UniversalUuid, reason: Option<&str>) -> WorkflowExecution {
        reason = reason.map(str::to_owned);
    } => |d| d.pause_workflow(id, reason.as_deref());
    fn resume_workflow(id: UniversalUuid) -> WorkflowExecution {} => |d| d.resume_workflow(id);
}

impl AsyncDal {
    /// The database.
    pub fn database(&self) -> &AsyncDatabase {
        &self.db
    }
}
