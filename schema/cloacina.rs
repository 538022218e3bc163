//! The core of Cloacina's execution store: the ONE schema file from which the
//! Diesel code, the models, the `AnyConnection` wiring and the PostgreSQL and
//! SQLite migrations are generated. Edit it and rebuild; see README.md.

table! {
    /// Shared context documents that workflow and task executions read and write.
    contexts (id) {
        #[default(uuid)]
        id -> Uuid,
        #[default("{}")]
        value -> Json,
        #[default(now)]
        created_at -> Timestamp,
        #[default(now)]
        updated_at -> Timestamp,
    }
}

table! {
    /// One run of a workflow.
    #[index(status, created_at)]
    #[index(workflow_name, workflow_version)]
    workflow_executions (id) {
        #[default(uuid)]
        id -> Uuid,
        workflow_name -> Text,
        #[default("1.0")]
        workflow_version -> Text,
        #[check(in("Pending", "Running", "Completed", "Failed", "Cancelled", "Paused"))]
        #[default("Pending")]
        status -> Text,
        #[references(contexts.id, on_delete = set_null)]
        #[index]
        context_id -> Nullable<Uuid>,
        #[default(now)]
        started_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        error_details -> Nullable<Text>,
        #[default(0)]
        recovery_attempts -> Integer,
        last_recovery_at -> Nullable<Timestamp>,
        paused_at -> Nullable<Timestamp>,
        pause_reason -> Nullable<Text>,
        #[default(now)]
        created_at -> Timestamp,
        #[default(now)]
        updated_at -> Timestamp,
        trigger_origin -> Nullable<Text>,
    }
}

table! {
    /// One task of a workflow execution, with its retry and claim state.
    #[unique(workflow_execution_id, task_name)]
    #[index(status, retry_at, created_at)]
    #[index(claimed_by, where = "claimed_by IS NOT NULL")]
    task_executions (id) {
        #[default(uuid)]
        id -> Uuid,
        #[references(workflow_executions.id, on_delete = cascade)]
        workflow_execution_id -> Uuid,
        task_name -> Text,
        #[check(in("NotStarted", "Ready", "Running", "Completed", "Failed", "Skipped", "Cancelled"))]
        #[default("NotStarted")]
        status -> Text,
        started_at -> Nullable<Timestamp>,
        completed_at -> Nullable<Timestamp>,
        #[default(0)]
        attempt -> Integer,
        #[default(3)]
        max_attempts -> Integer,
        error_details -> Nullable<Text>,
        #[default("{\"type\":\"Always\"}")]
        trigger_rules -> Json,
        #[default("{}")]
        task_configuration -> Json,
        retry_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        #[default(0)]
        recovery_attempts -> Integer,
        last_recovery_at -> Nullable<Timestamp>,
        sub_status -> Nullable<Text>,
        claimed_by -> Nullable<Uuid>,
        heartbeat_at -> Nullable<Timestamp>,
        #[default(now)]
        created_at -> Timestamp,
        #[default(now)]
        updated_at -> Timestamp,
    }
}

table! {
    /// Where a finished task left its output context.
    #[unique(workflow_execution_id, task_name)]
    task_execution_metadata (id) {
        #[default(uuid)]
        id -> Uuid,
        #[references(task_executions.id, on_delete = cascade)]
        #[unique]
        task_execution_id -> Uuid,
        #[references(workflow_executions.id, on_delete = cascade)]
        workflow_execution_id -> Uuid,
        task_name -> Text,
        #[references(contexts.id, on_delete = set_null)]
        context_id -> Nullable<Uuid>,
        #[default(now)]
        created_at -> Timestamp,
        #[default(now)]
        updated_at -> Timestamp,
    }
}

table! {
    /// What the recovery process did to an execution (kept after the execution goes).
    recovery_events (id) {
        #[default(uuid)]
        id -> Uuid,
        #[index]
        workflow_execution_id -> Uuid,
        task_execution_id -> Nullable<Uuid>,
        recovery_type -> Text,
        #[default(now)]
        recovered_at -> Timestamp,
        details -> Nullable<Json>,
        #[default(now)]
        created_at -> Timestamp,
        #[default(now)]
        updated_at -> Timestamp,
    }
}

table! {
    /// The append-only event log, ordered by its sequence number.
    #[index(workflow_execution_id, sequence_num)]
    execution_events (sequence_num) {
        #[auto_increment]
        sequence_num -> BigInt,
        #[default(uuid)]
        #[unique]
        id -> Uuid,
        workflow_execution_id -> Uuid,
        task_execution_id -> Nullable<Uuid>,
        event_type -> Text,
        event_data -> Nullable<Json>,
        worker_id -> Nullable<Text>,
        #[default(now)]
        created_at -> Timestamp,
        request_id -> Nullable<Uuid>,
        runner_id -> Nullable<Uuid>,
        tenant_id -> Nullable<Text>,
    }
}

table! {
    /// Cron and trigger schedules that start workflows.
    #[index(enabled, paused, next_run_at)]
    schedules (id) {
        #[default(uuid)]
        id -> Uuid,
        #[check(in("cron", "trigger"))]
        schedule_type -> Text,
        workflow_name -> Text,
        #[default(true)]
        enabled -> Bool,
        cron_expression -> Nullable<Text>,
        timezone -> Nullable<Text>,
        #[check(in("skip", "run_once", "run_all"))]
        catchup_policy -> Nullable<Text>,
        start_date -> Nullable<Timestamp>,
        end_date -> Nullable<Timestamp>,
        trigger_name -> Nullable<Text>,
        poll_interval_ms -> Nullable<Integer>,
        allow_concurrent -> Nullable<Bool>,
        next_run_at -> Nullable<Timestamp>,
        last_run_at -> Nullable<Timestamp>,
        last_poll_at -> Nullable<Timestamp>,
        #[default(now)]
        created_at -> Timestamp,
        #[default(now)]
        updated_at -> Timestamp,
        #[default(false)]
        paused -> Bool,
        paused_at -> Nullable<Timestamp>,
        params -> Nullable<Json>,
        instance_name -> Nullable<Text>,
    }
}

table! {
    /// One run (or claimed run) of a schedule.
    #[index(schedule_id, scheduled_time)]
    schedule_executions (id) {
        #[default(uuid)]
        id -> Uuid,
        #[references(schedules.id, on_delete = cascade)]
        schedule_id -> Uuid,
        #[references(workflow_executions.id, on_delete = set_null)]
        workflow_execution_id -> Nullable<Uuid>,
        scheduled_time -> Nullable<Timestamp>,
        claimed_at -> Nullable<Timestamp>,
        context_hash -> Nullable<Text>,
        #[default(now)]
        started_at -> Timestamp,
        completed_at -> Nullable<Timestamp>,
        #[default(now)]
        created_at -> Timestamp,
        #[default(now)]
        updated_at -> Timestamp,
        #[default(0)]
        recovery_attempts -> Integer,
        recovery_claimed_by -> Nullable<Uuid>,
        recovery_heartbeat_at -> Nullable<Timestamp>,
    }
}
