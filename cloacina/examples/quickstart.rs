//! Quickstart: migrate, run a small workflow through the DAL, print a summary.
//!
//! ```text
//! cargo run -p cloacina --example quickstart                       # embedded SQLite (a local file)
//! DATABASE_URL=postgres://user@localhost/db cargo run -p cloacina --example quickstart
//! ```

use std::time::Instant;

use cloacina::dal::{NewWorkflowRun, WorkflowStatus};
use cloacina::types::UniversalUuid;
use cloacina::Database;

fn main() {
    let default_path = std::env::temp_dir().join("cloacina-quickstart.db");
    let url = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}", default_path.display()));
    if let Err(e) = run(&url) {
        eprintln!("quickstart failed: {e}");
        if std::env::var_os("DATABASE_URL").is_none()
            && matches!(
                e,
                cloacina::Error::UnknownMigration { .. }
                    | cloacina::Error::MigrationModified { .. }
            )
        {
            eprintln!(
                "the quickstart database {} was made by another version of the schema: delete it and run again",
                default_path.display()
            );
        }
        std::process::exit(1);
    }
}

fn run(url: &str) -> Result<(), cloacina::Error> {
    let started = Instant::now();
    let db = Database::connect(url)?;
    println!("Cloacina quickstart");
    println!("  backend:    {} ({})", db.backend(), db.target());
    let report = db.migrate()?;
    println!(
        "  migrations: {} applied now, {} already applied",
        report.applied.len(),
        report.already_applied
    );

    let dal = db.dal();
    let run = dal.create_workflow(
        &NewWorkflowRun::new("quickstart-etl")
            .task("extract")
            .task("transform")
            .task("load")
            .context(serde_json::json!({"source": "quickstart", "rows": 3})),
    )?;
    let wf = run.execution.id;
    dal.update_workflow_status(wf, WorkflowStatus::Running, None)?;
    dal.append_event(wf, None, "workflow_started", None, Some("quickstart"))?;

    // A worker claims and completes each task; "transform" fails once and is retried.
    for t in &run.tasks {
        dal.mark_task_ready(t.id)?;
    }
    let worker = UniversalUuid::new_v4();
    let mut failed_once = false;
    while let Some(task) = dal.claim_next_task(worker)? {
        dal.heartbeat(task.id, worker)?;
        if task.task_name == "transform" && !failed_once {
            failed_once = true;
            dal.mark_task_failed(task.id, "transient: input not ready", None)?;
            dal.append_event(
                wf,
                Some(task.id),
                "task_retry",
                Some(serde_json::json!({"attempt": task.attempt})),
                Some("quickstart"),
            )?;
            continue;
        }
        dal.mark_task_completed(task.id)?;
        dal.append_event(
            wf,
            Some(task.id),
            "task_completed",
            Some(serde_json::json!({"task": task.task_name})),
            Some("quickstart"),
        )?;
    }
    let done = dal.update_workflow_status(wf, WorkflowStatus::Completed, None)?;
    dal.append_event(wf, None, "workflow_completed", None, Some("quickstart"))?;

    println!(
        "  workflow:   {} {} -> {}",
        done.workflow_name, done.id, done.status
    );
    for t in dal.list_tasks(wf)? {
        println!(
            "    task {:<10} {:<10} attempts {}/{}",
            t.task_name, t.status, t.attempt, t.max_attempts
        );
    }
    let events = dal.list_events(wf)?;
    println!("  events:     {} in sequence order", events.len());
    for e in &events {
        println!("    #{:<4} {}", e.sequence_num, e.event_type);
    }
    println!(
        "  done in {:.1} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
