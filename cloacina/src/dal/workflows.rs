//! Workflow executions: create (with their tasks, in one transaction), get,
//! list by status with pagination, status changes, pause and resume.

use diesel::prelude::*;

use super::Dal;
use crate::error::{Error, Result};
use crate::models::{
    NewContext, NewTaskExecution, NewWorkflowExecution, TaskExecution, WorkflowExecution,
};
use crate::schema::unified::{contexts, task_executions, workflow_executions};
use crate::types::{UniversalJson, UniversalTimestamp, UniversalUuid};
use crate::with_native;

/// The states of a workflow execution: the enum generated from the
/// schema's `#[check(in(...))]` on `workflow_executions.status` (so the two
/// cannot drift), under the DAL's name.
pub use crate::models::WorkflowExecutionStatus as WorkflowStatus;

impl WorkflowStatus {
    /// Whether the execution is over.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            WorkflowStatus::Completed | WorkflowStatus::Failed | WorkflowStatus::Cancelled
        )
    }
}

/// One task to create with a workflow execution.
#[derive(Clone, Debug, PartialEq)]
pub struct NewTaskSpec {
    /// The task's name, unique within the execution.
    pub task_name: String,
    /// Attempts before it fails for good (default 3).
    pub max_attempts: Option<i32>,
    /// Trigger rules (default `{"type":"Always"}`).
    pub trigger_rules: Option<serde_json::Value>,
    /// Task configuration (default `{}`).
    pub task_configuration: Option<serde_json::Value>,
}

/// A workflow execution to create, with its tasks and initial context.
#[derive(Clone, Debug, PartialEq)]
pub struct NewWorkflowRun {
    /// The workflow's name.
    pub workflow_name: String,
    /// Its version (default "1.0").
    pub workflow_version: Option<String>,
    /// An initial context document, stored as a new context.
    pub context: Option<serde_json::Value>,
    /// What started it (a schedule, a trigger, an API call...).
    pub trigger_origin: Option<String>,
    /// Its tasks.
    pub tasks: Vec<NewTaskSpec>,
}

impl NewWorkflowRun {
    /// A run of `workflow_name` with no tasks yet.
    pub fn new(workflow_name: impl Into<String>) -> Self {
        NewWorkflowRun {
            workflow_name: workflow_name.into(),
            workflow_version: None,
            context: None,
            trigger_origin: None,
            tasks: Vec::new(),
        }
    }

    /// Adds a task with default settings.
    pub fn task(mut self, name: impl Into<String>) -> Self {
        self.tasks.push(NewTaskSpec {
            task_name: name.into(),
            max_attempts: None,
            trigger_rules: None,
            task_configuration: None,
        });
        self
    }

    /// Sets the initial context.
    pub fn context(mut self, value: serde_json::Value) -> Self {
        self.context = Some(value);
        self
    }
}

/// A workflow execution with its tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkflowRun {
    /// The execution.
    pub execution: WorkflowExecution,
    /// Its tasks, in the order they were given.
    pub tasks: Vec<TaskExecution>,
}

/// A page of a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Page {
    /// Rows to skip.
    pub offset: i64,
    /// Rows to return at most.
    pub limit: i64,
}

impl Page {
    /// The first `limit` rows.
    pub fn first(limit: i64) -> Self {
        Page { offset: 0, limit }
    }

    /// The page after this one.
    pub fn next(self) -> Self {
        Page {
            offset: self.offset + self.limit,
            limit: self.limit,
        }
    }
}

fn not_found(id: UniversalUuid) -> Error {
    Error::NotFound {
        what: "workflow execution",
        id: id.to_string(),
    }
}

impl Dal<'_> {
    /// Creates a workflow execution, its context and all its tasks in one
    /// transaction: either everything exists afterwards or nothing does.
    ///
    /// # Errors
    ///
    /// [`Error::Query`] (e.g. two tasks with the same name); nothing is kept.
    pub fn create_workflow(&self, run: &NewWorkflowRun) -> Result<WorkflowRun> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        let exec_id = UniversalUuid::new_v4();
        let context_id = run.context.as_ref().map(|_| UniversalUuid::new_v4());
        // Built with the generated constructors: a column added with a
        // default (or nullable) later leaves this code compiling.
        let new_context = run.context.clone().map(|v| {
            NewContext::new()
                .with_value(v)
                .with_created_at(now)
                .with_updated_at(now)
        });
        let new_context = new_context.map(|ctx| match context_id {
            Some(id) => ctx.with_id(id),
            None => ctx,
        });
        let mut new_exec = NewWorkflowExecution::new(run.workflow_name.clone())
            .with_id(exec_id)
            .with_status(WorkflowStatus::Pending)
            .with_started_at(now)
            .with_recovery_attempts(0)
            .with_created_at(now)
            .with_updated_at(now);
        new_exec.workflow_version = run.workflow_version.clone();
        new_exec.context_id = context_id;
        new_exec.trigger_origin = run.trigger_origin.clone();
        let task_ids: Vec<UniversalUuid> =
            run.tasks.iter().map(|_| UniversalUuid::new_v4()).collect();
        let new_tasks: Vec<NewTaskExecution> = run
            .tasks
            .iter()
            .zip(&task_ids)
            .map(|(t, id)| {
                let mut task = NewTaskExecution::new(exec_id, t.task_name.clone())
                    .with_id(*id)
                    .with_status(super::TaskStatus::NotStarted)
                    .with_attempt(0)
                    .with_recovery_attempts(0)
                    .with_created_at(now)
                    .with_updated_at(now);
                task.max_attempts = t.max_attempts;
                task.trigger_rules = t.trigger_rules.clone().map(UniversalJson);
                task.task_configuration = t.task_configuration.clone().map(UniversalJson);
                task
            })
            .collect();
        with_native!(&mut *conn, c => c.transaction::<_, Error, _>(|c| {
            if let Some(ctx) = &new_context {
                diesel::insert_into(contexts::table).values(ctx).execute(c)?;
            }
            let execution = diesel::insert_into(workflow_executions::table)
                .values(&new_exec)
                .returning(WorkflowExecution::as_returning())
                .get_result(c)?;
            if !new_tasks.is_empty() {
                diesel::insert_into(task_executions::table)
                    .values(&new_tasks)
                    .execute(c)?;
            }
            let mut tasks: Vec<TaskExecution> = task_executions::table
                .filter(task_executions::workflow_execution_id.eq(exec_id))
                .select(TaskExecution::as_select())
                .load(c)?;
            tasks.sort_by_key(|t| task_ids.iter().position(|id| *id == t.id));
            Ok(WorkflowRun { execution, tasks })
        }))
    }

    /// Loads a workflow execution.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] when there is none with this id.
    pub fn get_workflow(&self, id: UniversalUuid) -> Result<WorkflowExecution> {
        let mut conn = self.db.get()?;
        with_native!(&mut *conn, c => {
            workflow_executions::table
                .find(id)
                .select(WorkflowExecution::as_select())
                .first(c)
                .optional()?
                .ok_or_else(|| not_found(id))
        })
    }

    /// Executions in `status`, oldest first (ties by id), one page at a time.
    ///
    /// # Errors
    ///
    /// [`Error::Query`].
    pub fn list_workflows_by_status(
        &self,
        status: WorkflowStatus,
        page: Page,
    ) -> Result<Vec<WorkflowExecution>> {
        let mut conn = self.db.get()?;
        with_native!(&mut *conn, c => {
            workflow_executions::table
                .filter(workflow_executions::status.eq(status))
                .order((workflow_executions::created_at.asc(), workflow_executions::id.asc()))
                .offset(page.offset)
                .limit(page.limit)
                .select(WorkflowExecution::as_select())
                .load(c)
                .map_err(Error::from)
        })
    }

    /// Sets an execution's status; a terminal status also sets
    /// `completed_at`, and `error` goes to `error_details`.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`].
    pub fn update_workflow_status(
        &self,
        id: UniversalUuid,
        status: WorkflowStatus,
        error: Option<&str>,
    ) -> Result<WorkflowExecution> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        let completed = status.is_terminal().then_some(now);
        with_native!(&mut *conn, c => {
            diesel::update(workflow_executions::table.find(id))
                .set((
                    workflow_executions::status.eq(status),
                    workflow_executions::completed_at.eq(completed),
                    workflow_executions::error_details.eq(error),
                    workflow_executions::updated_at.eq(now),
                ))
                .returning(WorkflowExecution::as_returning())
                .get_result(c)
                .optional()?
                .ok_or_else(|| not_found(id))
        })
    }

    /// Pauses a pending or running execution.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] when it is not pending or running,
    /// [`Error::NotFound`].
    pub fn pause_workflow(
        &self,
        id: UniversalUuid,
        reason: Option<&str>,
    ) -> Result<WorkflowExecution> {
        self.transition(
            id,
            &[WorkflowStatus::Pending, WorkflowStatus::Running],
            WorkflowStatus::Paused,
            reason,
            "pause",
        )
    }

    /// Resumes a paused execution (it becomes `Running`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidState`] when it is not paused, [`Error::NotFound`].
    pub fn resume_workflow(&self, id: UniversalUuid) -> Result<WorkflowExecution> {
        self.transition(
            id,
            &[WorkflowStatus::Paused],
            WorkflowStatus::Running,
            None,
            "resume",
        )
    }

    fn transition(
        &self,
        id: UniversalUuid,
        from: &[WorkflowStatus],
        to: WorkflowStatus,
        reason: Option<&str>,
        action: &'static str,
    ) -> Result<WorkflowExecution> {
        let mut conn = self.db.get()?;
        let now = UniversalTimestamp::now();
        let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let pausing = to == WorkflowStatus::Paused;
        let paused_at = pausing.then_some(now);
        let reason = if pausing {
            reason.map(str::to_string)
        } else {
            None
        };
        with_native!(&mut *conn, c => c.transaction::<_, Error, _>(|c| {
            let updated = diesel::update(
                workflow_executions::table
                    .find(id)
                    .filter(workflow_executions::status.eq_any(&from)),
            )
            .set((
                workflow_executions::status.eq(to),
                workflow_executions::paused_at.eq(paused_at),
                workflow_executions::pause_reason.eq(&reason),
                workflow_executions::updated_at.eq(now),
            ))
            .returning(WorkflowExecution::as_returning())
            .get_result(c)
            .optional()?;
            match updated {
                Some(w) => Ok(w),
                None => {
                    let current: Option<String> = workflow_executions::table
                        .find(id)
                        .select(workflow_executions::status)
                        .first(c)
                        .optional()?;
                    match current {
                        None => Err(not_found(id)),
                        Some(current) => Err(Error::InvalidState {
                            what: "workflow execution",
                            id: id.to_string(),
                            current,
                            action,
                        }),
                    }
                }
            }
        }))
    }
}
