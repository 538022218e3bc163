//! The same DAL suite on real SQLite (file and in-memory) and a real
//! PostgreSQL server gives identical results; claiming is atomic under
//! concurrency on each backend.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Barrier};

use cloacina::dal::{NewWorkflowRun, Page, TaskStatus, WorkflowStatus};
use cloacina::models::NewSchedule;
use cloacina::types::{UniversalTimestamp, UniversalUuid};
use cloacina::{Backend, Database, Error};
use common::Target;

fn ts(s: &str) -> UniversalTimestamp {
    UniversalTimestamp(s.parse().expect("timestamp"))
}

/// Runs every DAL operation and writes what it observed as lines that do not
/// depend on the backend (ids are replaced by labels). Written once:
/// `suite!(dal)` is the blocking run, `suite!(dal, .await)` the same calls
/// through the async face.
macro_rules! suite {
    ($dal:expr $(, $($aw:tt)*)?) => {{
        let dal = $dal;
        let mut out = Vec::new();

    // contexts
    let ctx = dal
        .create_context(serde_json::json!({"k": [1, 2, {"x": "ü"}]})) $($($aw)*)?
        .expect("create context");
    out.push(format!("context value {}", ctx.value));
    let got = dal.get_context(ctx.id) $($($aw)*)?.expect("get context");
    assert_eq!(got, ctx);
    let upd = dal
        .update_context(ctx.id, serde_json::json!({"k": null})) $($($aw)*)?
        .expect("update context");
    out.push(format!(
        "context updated {} later={}",
        upd.value,
        upd.updated_at >= ctx.updated_at
    ));
    dal.delete_context(ctx.id) $($($aw)*)?.expect("delete context");
    out.push(format!(
        "context after delete: {}",
        kind(dal.get_context(ctx.id) $($($aw)*)?)
    ));
    out.push(format!(
        "delete again: {}",
        kind(dal.delete_context(ctx.id) $($($aw)*)?.map(|_| ()))
    ));

    // workflows with tasks, in one transaction
    let run = dal
        .create_workflow(
            &NewWorkflowRun::new("etl")
                .task("extract")
                .task("transform")
                .task("load")
                .context(serde_json::json!({"day": 1})),
        ) $($($aw)*)?
        .expect("create workflow");
    out.push(format!(
        "workflow {} v{} {} tasks={:?} ctx={}",
        run.execution.workflow_name,
        run.execution.workflow_version,
        run.execution.status,
        run.tasks
            .iter()
            .map(|t| format!(
                "{}:{}:{}/{}",
                t.task_name, t.status, t.attempt, t.max_attempts
            ))
            .collect::<Vec<_>>(),
        run.execution.context_id.is_some()
    ));
    let dup = dal.create_workflow(&NewWorkflowRun::new("dup").task("a").task("a")) $($($aw)*)?;
    out.push(format!("duplicate task names: {}", kind(dup.map(|_| ()))));
    let none = dal
        .list_workflows_by_status(WorkflowStatus::Pending, Page::first(100)) $($($aw)*)?
        .expect("list");
    out.push(format!(
        "after failed create, pending workflows named dup: {}",
        none.iter().filter(|w| w.workflow_name == "dup").count()
    ));

    // more workflows for pagination
    for i in 0..5 {
        dal.create_workflow(&NewWorkflowRun::new(format!("batch-{i}"))) $($($aw)*)?
            .expect("create");
    }
    let mut names = Vec::new();
    let mut page = Page::first(2);
    loop {
        let rows = dal
            .list_workflows_by_status(WorkflowStatus::Pending, page) $($($aw)*)?
            .expect("page");
        if rows.is_empty() {
            break;
        }
        names.push(
            rows.iter()
                .map(|w| w.workflow_name.clone())
                .collect::<Vec<_>>()
                .join(","),
        );
        page = page.next();
    }
    out.push(format!("pages {names:?}"));

    // status, pause, resume
    let w = run.execution.id;
    let paused = dal.pause_workflow(w, Some("maintenance")) $($($aw)*)?.expect("pause");
    out.push(format!(
        "paused {} reason={:?} at={}",
        paused.status,
        paused.pause_reason,
        paused.paused_at.is_some()
    ));
    out.push(format!(
        "pause twice: {}",
        kind(dal.pause_workflow(w, None) $($($aw)*)?.map(|_| ()))
    ));
    let resumed = dal.resume_workflow(w) $($($aw)*)?.expect("resume");
    out.push(format!(
        "resumed {} reason={:?}",
        resumed.status, resumed.pause_reason
    ));
    out.push(format!(
        "resume unknown: {}",
        kind(dal.resume_workflow(UniversalUuid::new_v4()) $($($aw)*)?.map(|_| ()))
    ));

    // tasks: ready / claim / heartbeat / fail with retries / complete
    let worker = UniversalUuid::new_v4();
    out.push(format!(
        "claim with nothing ready: {:?}",
        dal.claim_next_task(worker) $($($aw)*)?
            .expect("claim")
            .map(|t| t.task_name)
    ));
    for t in &run.tasks {
        dal.mark_task_ready(t.id) $($($aw)*)?.expect("ready");
    }
    out.push(format!(
        "ready twice: {}",
        kind(dal.mark_task_ready(run.tasks[0].id) $($($aw)*)?.map(|_| ()))
    ));
    let mut log = Vec::new();
    while let Some(t) = dal.claim_next_task(worker) $($($aw)*)?.expect("claim") {
        assert!(dal.heartbeat(t.id, worker) $($($aw)*)?.expect("heartbeat"));
        assert!(!dal
            .heartbeat(t.id, UniversalUuid::new_v4()) $($($aw)*)?
            .expect("heartbeat other"));
        if t.task_name == "transform" && t.attempt < 3 {
            let f = dal.mark_task_failed(t.id, "boom", None) $($($aw)*)?.expect("fail");
            log.push(format!("{}#{}->{}", t.task_name, t.attempt, f.status));
        } else if t.task_name == "load" {
            let f = dal
                .mark_task_failed(t.id, "fatal", Some(ts("9999-01-01T00:00:00.000000Z"))) $($($aw)*)?
                .expect("fail");
            log.push(format!(
                "{}#{}->{} retry_later={}",
                t.task_name,
                t.attempt,
                f.status,
                f.retry_at.is_some()
            ));
        } else {
            let done = dal.mark_task_completed(t.id) $($($aw)*)?.expect("complete");
            log.push(format!("{}#{}->{}", t.task_name, t.attempt, done.status));
        }
    }
    log.sort();
    out.push(format!("task log {log:?}"));
    let tasks = dal.list_tasks(w) $($($aw)*)?.expect("list tasks");
    let mut states: Vec<String> = tasks
        .iter()
        .map(|t| {
            format!(
                "{}={}/{} err={:?}",
                t.task_name, t.status, t.attempt, t.last_error
            )
        })
        .collect();
    states.sort();
    out.push(format!("tasks {states:?}"));
    let running_again = dal.mark_task_running(
        tasks
            .iter()
            .find(|t| t.task_name == "load")
            .expect("load")
            .id,
    ) $($($aw)*)?;
    out.push(format!(
        "load runs again: {}",
        running_again
            .map(|t| format!("{}#{}", t.status, t.attempt))
            .unwrap_or_else(|e| e.to_string())
    ));
    let load = tasks
        .iter()
        .find(|t| t.task_name == "load")
        .expect("load")
        .id;
    let exhausted = dal.mark_task_failed(load, "again", None) $($($aw)*)?.expect("fail");
    let exhausted = if exhausted.status == "Ready" {
        // Attempts left: run it until they are used up.
        let mut t = exhausted;
        while t.status == "Ready" {
            dal.mark_task_running(t.id) $($($aw)*)?.expect("running");
            t = dal.mark_task_failed(t.id, "again", None) $($($aw)*)?.expect("fail");
        }
        t
    } else {
        exhausted
    };
    out.push(format!(
        "load finally {} after {} attempts, details={:?}",
        exhausted.status, exhausted.attempt, exhausted.error_details
    ));
    let done = dal
        .update_workflow_status(w, WorkflowStatus::Failed, Some("load failed")) $($($aw)*)?
        .expect("status");
    out.push(format!(
        "workflow {} completed_at={} error={:?}",
        done.status,
        done.completed_at.is_some(),
        done.error_details
    ));
    out.push(format!(
        "complete a failed task: {}",
        kind(dal.mark_task_completed(load) $($($aw)*)?.map(|_| ()))
    ));

    // events
    for (i, e) in ["started", "task_done", "finished"].iter().enumerate() {
        dal.append_event(
            w,
            run.tasks.get(i).map(|t| t.id),
            e,
            Some(serde_json::json!({"i": i})),
            Some("worker-1"),
        ) $($($aw)*)?
        .expect("append");
    }
    let events = dal.list_events(w) $($($aw)*)?.expect("events");
    let seqs: Vec<i64> = events.iter().map(|e| e.sequence_num).collect();
    assert!(
        seqs.windows(2).all(|p| p[0] < p[1]),
        "sequence numbers increase: {seqs:?}"
    );
    out.push(format!(
        "events {:?}",
        events
            .iter()
            .map(|e| e.event_type.as_str())
            .collect::<Vec<_>>()
    ));

    // schedules
    let mk = |name: &str, next: Option<&str>, enabled: bool, paused: bool| {
        let mut new = NewSchedule::new("cron", name)
            .with_enabled(enabled)
            .with_cron_expression("0 * * * *")
            .with_timezone("UTC")
            .with_catchup_policy("skip")
            .with_allow_concurrent(false)
            .with_paused(paused);
        new.next_run_at = next.map(ts);
        new
    };
    let due1 = dal
        .create_schedule(&mk(
            "due-late",
            Some("2026-01-02T00:00:00.000000Z"),
            true,
            false,
        )) $($($aw)*)?
        .expect("schedule");
    dal.create_schedule(&mk(
        "due-early",
        Some("2026-01-01T00:00:00.000000Z"),
        true,
        false,
    )) $($($aw)*)?
    .expect("schedule");
    dal.create_schedule(&mk(
        "future",
        Some("2030-01-01T00:00:00.000000Z"),
        true,
        false,
    )) $($($aw)*)?
    .expect("schedule");
    dal.create_schedule(&mk(
        "disabled",
        Some("2020-01-01T00:00:00.000000Z"),
        false,
        false,
    )) $($($aw)*)?
    .expect("schedule");
    dal.create_schedule(&mk(
        "paused",
        Some("2020-01-01T00:00:00.000000Z"),
        true,
        true,
    )) $($($aw)*)?
    .expect("schedule");
    dal.create_schedule(&mk("never", None, true, false)) $($($aw)*)?
        .expect("schedule");
    let bad = dal.create_schedule(&NewSchedule {
        schedule_type: "hourly".into(),
        ..mk("bad", None, true, false)
    }) $($($aw)*)?;
    out.push(format!("bad schedule type: {}", kind(bad.map(|_| ()))));
    let now = ts("2027-01-01T00:00:00.000000Z");
    let due: Vec<String> = dal
        .due_schedules(now, 10) $($($aw)*)?
        .expect("due")
        .into_iter()
        .map(|s| s.workflow_name)
        .collect();
    out.push(format!("due {due:?}"));
    let ran = dal
        .record_schedule_run(
            due1.id,
            ts("2026-01-02T00:00:00.000000Z"),
            Some(w),
            Some(ts("2031-01-01T00:00:00.000000Z")),
        ) $($($aw)*)?
        .expect("record run");
    out.push(format!(
        "schedule run for {} linked={}",
        ran.scheduled_time
            .map(|t| t.to_string())
            .unwrap_or_default(),
        ran.workflow_execution_id == Some(w)
    ));
    let due: Vec<String> = dal
        .due_schedules(now, 10) $($($aw)*)?
        .expect("due")
        .into_iter()
        .map(|s| s.workflow_name)
        .collect();
    out.push(format!("due after run {due:?}"));
    out.push(format!(
        "record for missing schedule: {}",
        kind(
            dal.record_schedule_run(UniversalUuid::new_v4(), now, None, None) $($($aw)*)?
                .map(|_| ())
        )
    ));
    out.push(format!(
        "record the same run twice: {}",
        kind(
            dal.record_schedule_run(due1.id, ts("2026-01-02T00:00:00.000000Z"), None, None) $($($aw)*)?
                .map(|_| ())
        )
    ));
        out
    }};
}

fn suite(db: &Database) -> Vec<String> {
    suite!(db.dal())
}

/// The kind of an outcome, without backend-specific text.
fn kind<T>(r: Result<T, Error>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(Error::NotFound { what, .. }) => format!("not found ({what})"),
        Err(Error::InvalidState {
            current, action, ..
        }) => format!("refused: is {current}, cannot {action}"),
        Err(Error::Query(_)) => "query error".into(),
        Err(e) => format!("other error: {e}"),
    }
}

#[test]
fn the_dal_suite_gives_identical_results_on_every_backend() {
    let mut transcripts = Vec::new();
    for target in Target::all() {
        let db = target.open();
        let expected_backend = if target.name() == "postgres" {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        assert_eq!(db.backend(), expected_backend);
        transcripts.push((target.name(), suite(&db)));
    }
    assert!(!transcripts.is_empty());
    let (first_name, first) = &transcripts[0];
    for (name, t) in &transcripts[1..] {
        assert_eq!(first, t, "{first_name} and {name} disagree");
    }
    // And the transcript says what we expect, so agreement is not vacuous.
    let text = first.join("\n");
    for needle in [
        "context after delete: not found (context)",
        "duplicate task names: query error",
        "after failed create, pending workflows named dup: 0",
        "pause twice: refused: is Paused, cannot pause",
        "ready twice: refused: is Ready, cannot mark it ready",
        "due [\"due-early\", \"due-late\"]",
        "due after run [\"due-early\"]",
        "record the same run twice: refused: is already recorded up to 2026-01-02T00:00:00.000000Z",
        "bad schedule type: query error",
        "events [\"started\", \"task_done\", \"finished\"]",
        "load finally Failed after 3 attempts",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}

fn claim_concurrently(db: Arc<Database>, tasks: usize, workers: usize) {
    let dal = db.dal();
    let mut run = NewWorkflowRun::new("claims");
    for i in 0..tasks {
        run = run.task(format!("t{i:03}"));
    }
    let run = dal.create_workflow(&run).expect("create");
    for t in &run.tasks {
        dal.mark_task_ready(t.id).expect("ready");
    }
    let barrier = Arc::new(Barrier::new(workers));
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let db = Arc::clone(&db);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                let worker = UniversalUuid::new_v4();
                barrier.wait();
                let mut mine = Vec::new();
                while let Some(t) = db.dal().claim_next_task(worker).expect("claim") {
                    assert_eq!(t.claimed_by, Some(worker));
                    mine.push(t.id);
                }
                mine
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().expect("worker thread"));
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), tasks, "every task claimed exactly once in total");
    assert_eq!(unique.len(), tasks, "no task claimed twice");
    for t in dal.list_tasks(run.execution.id).expect("tasks") {
        assert_eq!(t.status, TaskStatus::Running.as_str());
        assert_eq!(t.attempt, 1, "{} claimed more than once", t.task_name);
    }
}

#[cfg(feature = "sqlite")]
#[test]
fn no_task_is_claimed_twice_on_sqlite() {
    let dir = common::TempDir::new("claims");
    let db = Database::connect(&format!("sqlite://{}", dir.file("claims.db"))).expect("connect");
    db.migrate().expect("migrate");
    claim_concurrently(Arc::new(db), 60, 6);
}

#[cfg(feature = "postgres")]
#[test]
fn no_task_is_claimed_twice_on_postgres() {
    let pg = common::TempPgDatabase::new();
    let db = Database::connect(&pg.url).expect("connect");
    db.migrate().expect("migrate");
    claim_concurrently(Arc::new(db), 120, 8);
}

/// The async face (`--features async`): the same transcript, and atomic
/// claims from many tokio tasks.
#[cfg(feature = "async")]
mod async_face {
    use super::*;
    use cloacina::{AsyncDatabase, DatabaseConfig};

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    }

    async fn open(target: &Target) -> AsyncDatabase {
        let db = AsyncDatabase::connect_with(&target.url(), DatabaseConfig::default())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", target.name()));
        db.migrate()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", target.name()));
        db
    }

    #[test]
    fn the_async_dal_transcript_equals_the_blocking_one() {
        let rt = runtime();
        let mut compared = 0;
        for (blocking_target, async_target) in Target::all().into_iter().zip(Target::all()) {
            let blocking = suite(&blocking_target.open());
            let through_async = rt.block_on(async {
                let db = open(&async_target).await;
                assert_eq!(db.blocking().backend(), db.backend());
                suite!(db.dal(), .await)
            });
            assert_eq!(
                blocking,
                through_async,
                "{}: the async face disagrees with the blocking one",
                async_target.name()
            );
            assert!(blocking.len() > 20, "{blocking:?}");
            compared += 1;
        }
        assert_eq!(compared, Target::all().len());
    }

    /// `workers` tokio tasks claim until nothing is left; each of `tasks`
    /// tasks is claimed exactly once.
    async fn claim_concurrently(db: AsyncDatabase, tasks: usize, workers: usize) {
        let dal = db.dal();
        let mut run = NewWorkflowRun::new("claims");
        for i in 0..tasks {
            run = run.task(format!("t{i:04}"));
        }
        let run = dal.create_workflow(&run).await.expect("create");
        let ids: Vec<UniversalUuid> = run.tasks.iter().map(|t| t.id).collect();
        db.run(move |dal| {
            for id in ids {
                dal.mark_task_ready(id)?;
            }
            Ok(())
        })
        .await
        .expect("ready");
        let start = Arc::new(tokio::sync::Barrier::new(workers));
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let dal = db.dal();
                let start = Arc::clone(&start);
                tokio::spawn(async move {
                    let worker = UniversalUuid::new_v4();
                    start.wait().await;
                    let mut mine = Vec::new();
                    while let Some(t) = dal.claim_next_task(worker).await.expect("claim") {
                        assert_eq!(t.claimed_by, Some(worker));
                        mine.push(t.id);
                    }
                    mine
                })
            })
            .collect();
        let mut all = Vec::new();
        let mut busy_workers = 0;
        for h in handles {
            let mine = h.await.expect("worker task");
            busy_workers += usize::from(!mine.is_empty());
            all.extend(mine);
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), tasks, "every task claimed exactly once in total");
        assert_eq!(unique.len(), tasks, "no task claimed twice");
        assert!(busy_workers > 1, "the claims ran concurrently");
        for t in dal.list_tasks(run.execution.id).await.expect("tasks") {
            assert_eq!(t.status, TaskStatus::Running.as_str());
            assert_eq!(t.attempt, 1, "{} claimed more than once", t.task_name);
        }
    }

    #[cfg(feature = "sqlite")]
    #[test]
    fn tokio_tasks_never_claim_a_task_twice_on_sqlite() {
        let dir = common::TempDir::new("async-claims");
        let url = format!("sqlite://{}", dir.file("claims.db"));
        runtime().block_on(async {
            let db = AsyncDatabase::connect(&url).await.expect("connect");
            db.migrate().await.expect("migrate");
            claim_concurrently(db, 2000, 64).await;
        });
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn tokio_tasks_never_claim_a_task_twice_on_postgres() {
        let pg = common::TempPgDatabase::new();
        runtime().block_on(async {
            let db = AsyncDatabase::connect(&pg.url).await.expect("connect");
            db.migrate().await.expect("migrate");
            claim_concurrently(db, 2000, 64).await;
        });
    }
}
