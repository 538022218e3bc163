//! The DAL's status enums are the ones generated from the schema file: they
//! list exactly the values of the schema's `#[check(in(...))]`, and on every
//! backend the database accepts each of them and refuses any other text.

mod common;

use cloacina::dal::{NewWorkflowRun, TaskStatus, WorkflowStatus};
use cloacina::schema::unified::{task_executions as te, workflow_executions as we};
use common::Target;
use diesel::prelude::*;

const SCHEMA: &str = include_str!("../../schema/cloacina.rs");

/// The attribute the schema file must hold for an enum with these values.
fn check_attribute(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("#[check(in({}))]", quoted.join(", "))
}

#[test]
fn the_status_enums_list_the_schema_check_values() {
    for (what, values, column) in [
        ("TaskStatus", &TaskStatus::VALUES[..], "status -> Text"),
        (
            "WorkflowStatus",
            &WorkflowStatus::VALUES[..],
            "status -> Text",
        ),
    ] {
        let attr = check_attribute(values);
        let at = SCHEMA
            .find(&attr)
            .unwrap_or_else(|| panic!("{what}: schema/cloacina.rs has no `{attr}`"));
        assert!(
            SCHEMA[at..]
                .lines()
                .take(4)
                .any(|l| l.trim() == format!("{column},")),
            "{what}: `{attr}` is not on a `{column}` column"
        );
    }
    assert_eq!(TaskStatus::ALL.len(), TaskStatus::VALUES.len());
    for s in TaskStatus::ALL {
        assert_eq!(s.as_str().parse::<TaskStatus>(), Ok(s));
        assert_eq!(s.to_string(), s.as_str());
    }
    for s in WorkflowStatus::ALL {
        assert_eq!(s.as_str().parse::<WorkflowStatus>(), Ok(s));
    }
    let err = "Sleeping".parse::<TaskStatus>().expect_err("not a status");
    assert_eq!(
        err.to_string(),
        "\"Sleeping\" is not a TaskExecutionStatus: expected one of NotStarted, Ready, Running, Completed, Failed, Skipped, Cancelled"
    );
    assert!(WorkflowStatus::Cancelled.is_terminal());
    assert!(!WorkflowStatus::Paused.is_terminal());
}

#[test]
fn every_backend_stores_each_status_and_refuses_other_text() {
    for target in Target::all() {
        let name = target.name();
        let db = target.open();
        let run = db
            .dal()
            .create_workflow(&NewWorkflowRun::new("enums").task("t"))
            .expect("create workflow");
        let (wid, tid) = (run.execution.id, run.tasks[0].id);
        assert_eq!(run.tasks[0].status, TaskStatus::NotStarted, "{name}");
        assert_eq!(run.execution.status, WorkflowStatus::Pending, "{name}");
        let mut conn = db.get().expect("connection");
        cloacina::with_native!(&mut *conn, c => {
            for s in TaskStatus::ALL {
                diesel::update(te::table.find(tid)).set(te::status.eq(s)).execute(c).expect("store");
                let back: String = te::table.find(tid).select(te::status).first(c).expect("read");
                assert_eq!(back, s, "{name}");
                let typed: TaskStatus = te::table.find(tid).select(te::status).first(c).expect("read typed");
                assert_eq!(typed, s, "{name}");
            }
            for s in WorkflowStatus::ALL {
                diesel::update(we::table.find(wid)).set(we::status.eq(s)).execute(c).expect("store");
                let typed: WorkflowStatus = we::table.find(wid).select(we::status).first(c).expect("read typed");
                assert_eq!(typed, s, "{name}");
            }
            let refused = diesel::update(te::table.find(tid)).set(te::status.eq("Sleeping")).execute(c);
            assert!(refused.is_err(), "{name}: the CHECK let an unknown status in");
        });
    }
}
