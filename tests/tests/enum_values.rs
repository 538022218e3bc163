//! Declared enums on both real backends, through the generated code of
//! `enums.rs` (PostgreSQL: `CREATE TYPE … AS ENUM`; SQLite: `TEXT` checked
//! against the labels):
//! - every label (one spelled apart from its variant) written through
//!   `AnyConnection` reads back as the same variant on both backends, a
//!   nullable enum column as `None` or the value, the default as its label;
//! - filtering on an enum column with a variant works on both;
//! - a label that is not in the enum is refused by both databases;
//! - a stored label the Rust enum does not know is a deserialization error
//!   naming the enum and the label, never a panic.

use cloacina_tests::enums::connection::AnyConnection;
use cloacina_tests::enums::models::*;
use cloacina_tests::enums::schema::unified::*;
use cloacina_tests::enums::{POSTGRES_DDL, SQLITE_DDL};
use cloacina_tests::support::both_backends;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

fn rows(conn: &mut AnyConnection) -> Vec<(ExecutionStatus, Option<Priority>)> {
    jobs::table
        .order(jobs::id)
        .select((jobs::status, jobs::priority))
        .load(conn)
        .expect("load")
}

#[test]
fn every_label_round_trips_identically_on_both_backends() {
    let mut conns = both_backends(
        "enum_values",
        SQLITE_DDL,
        POSTGRES_DDL,
        AnyConnection::Sqlite,
        AnyConnection::Postgresql,
    );
    let mut want: Vec<(ExecutionStatus, Option<Priority>)> = Vec::new();
    let mut read = Vec::new();
    for conn in [&mut conns.sqlite, &mut conns.postgres] {
        want.clear();
        // The default first: the label `Pending`.
        diesel::insert_into(jobs::table)
            .values(&NewJob::new("default"))
            .execute(conn)
            .expect("insert default");
        want.push((ExecutionStatus::Pending, None));
        for (i, status) in ExecutionStatus::ALL.into_iter().enumerate() {
            let priority = [None, Some(Priority::Low), Some(Priority::High)][i % 3];
            let mut new = NewJob::new(format!("job {i}")).with_status(status);
            new.priority = priority;
            diesel::insert_into(jobs::table)
                .values(&new)
                .execute(conn)
                .expect("insert");
            want.push((status, priority));
        }
        let got = rows(conn);
        assert_eq!(got, want);
        let running: Vec<String> = jobs::table
            .filter(jobs::status.eq(ExecutionStatus::InProgress))
            .select(jobs::name)
            .load(conn)
            .expect("filter");
        assert_eq!(running, ["job 2"]);
        let models: Vec<Job> = jobs::table.order(jobs::id).load(conn).expect("models");
        assert_eq!(models[3].status, ExecutionStatus::InProgress);
        assert_eq!(models[3].status.as_str(), "in-progress");
        read.push(got);
    }
    assert_eq!(
        read[0], read[1],
        "SQLite and PostgreSQL read different rows"
    );
}

#[test]
fn a_label_outside_the_enum_is_refused_and_an_unknown_one_read_is_an_error() {
    let mut conns = both_backends(
        "enum_refused",
        SQLITE_DDL,
        POSTGRES_DDL,
        AnyConnection::Sqlite,
        AnyConnection::Postgresql,
    );
    for conn in [&mut conns.sqlite, &mut conns.postgres] {
        // The same statement with a label of the enum (one spelled apart
        // from its variant) is stored: the refusals below are the label's.
        conn.batch_execute("INSERT INTO jobs (name, status) VALUES ('x', 'in-progress')")
            .expect("a label of the enum is stored");
        let refused = conn.batch_execute("INSERT INTO jobs (name, status) VALUES ('x', 'Paused')");
        assert!(refused.is_err(), "a label outside the enum was stored");
        let refused = conn.batch_execute("INSERT INTO jobs (name, status) VALUES ('x', 'pending')");
        assert!(refused.is_err(), "labels are case-sensitive");
    }
    // A label the database knows and the Rust enum does not (added by hand
    // on SQLite by dropping the check; on PostgreSQL by ALTER TYPE).
    conns
        .sqlite
        .batch_execute(
            "PRAGMA ignore_check_constraints = ON; \
             INSERT INTO jobs (name, status) VALUES ('odd', 'Paused'); \
             PRAGMA ignore_check_constraints = OFF;",
        )
        .expect("sqlite: store an unknown label");
    conns
        .postgres
        .batch_execute("ALTER TYPE execution_status ADD VALUE 'Paused'")
        .expect("postgres: add a label");
    // In its own statement: a label added in a transaction cannot be used
    // before that transaction commits.
    conns
        .postgres
        .batch_execute("INSERT INTO jobs (name, status) VALUES ('odd', 'Paused')")
        .expect("postgres: store an unknown label");
    for conn in [&mut conns.sqlite, &mut conns.postgres] {
        let err = jobs::table
            .select(jobs::status)
            .load::<ExecutionStatus>(conn)
            .expect_err("an unknown label must not read as a variant");
        // The whole chain: Diesel names the field, its source the value.
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        assert!(
            text.contains("ExecutionStatus") && text.contains("Paused"),
            "the error names the enum and the label: {text}"
        );
    }
}
