//! Workflow executions: create (with their tasks, in one transaction), get,
//! list by status with pagination, status changes, pause and resume.

use std::fmt;
use std::str::FromStr;

use diesel::prelude::*;

use super::Dal;
use crate::error::{Error, Result};
use crate::models::{
    NewContext, NewTaskExecution, NewWorkflowExecution, TaskExecution, WorkflowExecution,
};
use crate::schema::unified::{contexts, task_executions, workflow_executions};
use crate::types::{UniversalJson, UniversalTimestamp, UniversalUuid};
use crate::with_native;

/// The states of a workflow execution (the schema's `CHECK` lists them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WorkflowStatus {
    /// Created, not started.
    Pending,
    /// Running.
    Running,
    /// Finished successfully.
    Completed,
    /// Finished with an error.
    Failed,
    /// Stopped by a user.
    Cancelled,
    /// Paused; resumes to `Running`.
    Paused,
}

impl WorkflowStatus {
    /// Every status.
    pub const ALL: [WorkflowStatus; 6] = [
        WorkflowStatus::Pending,
        WorkflowStatus::Running,
        WorkflowStatus::Completed,
        WorkflowStatus::Failed,
        WorkflowStatus::Cancelled,
        WorkflowStatus::Paused,
    ];

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowStatus::Pending => "Pending",
            WorkflowStatus::Running => "Running",
            WorkflowStatus::Completed => "Completed",
            WorkflowStatus::Failed => "Failed",
            WorkflowStatus::Cancelled => "Cancelled",
            WorkflowStatus::Paused => "Paused",
        }
    }

    /// Whether the execution is over.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            WorkflowStatus::Completed | WorkflowStatus::Failed | WorkflowStatus::Cancelled
        )
    }
}

impl fmt::Display for WorkflowStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for WorkflowStatus {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        WorkflowStatus::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| format!("unknown workflow status {s:?}"))
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
        let new_context = run.context.clone().map(|v| NewContext {
            id: context_id,
            value: Some(UniversalJson(v)),
            created_at: Some(now),
            updated_at: Some(now),
        });
        let new_exec = NewWorkflowExecution {
            id: Some(exec_id),
            workflow_name: run.workflow_name.clone(),
            workflow_version: run.workflow_version.clone(),
            status: Some(WorkflowStatus::Pending.as_str().into()),
            context_id,
            started_at: Some(now),
            completed_at: None,
            error_details: None,
            recovery_attempts: Some(0),
            last_recovery_at: None,
            paused_at: None,
            pause_reason: None,
            created_at: Some(now),
            updated_at: Some(now),
            trigger_origin: run.trigger_origin.clone(),
        };
        let task_ids: Vec<UniversalUuid> =
            run.tasks.iter().map(|_| UniversalUuid::new_v4()).collect();
        let new_tasks: Vec<NewTaskExecution> = run
            .tasks
            .iter()
            .zip(&task_ids)
            .map(|(t, id)| NewTaskExecution {
                id: Some(*id),
                workflow_execution_id: exec_id,
                task_name: t.task_name.clone(),
                status: Some(super::TaskStatus::NotStarted.as_str().into()),
                started_at: None,
                completed_at: None,
                attempt: Some(0),
                max_attempts: t.max_attempts,
                error_details: None,
                trigger_rules: t.trigger_rules.clone().map(UniversalJson),
                task_configuration: t.task_configuration.clone().map(UniversalJson),
                retry_at: None,
                last_error: None,
                recovery_attempts: Some(0),
                last_recovery_at: None,
                sub_status: None,
                claimed_by: None,
                heartbeat_at: None,
                created_at: Some(now),
                updated_at: Some(now),
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
                .filter(workflow_executions::status.eq(status.as_str()))
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
                    workflow_executions::status.eq(status.as_str()),
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
                workflow_executions::status.eq(to.as_str()),
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
