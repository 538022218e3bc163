//! Values written through the DAL read back identically on both backends
//! (property tests), and timestamps order and compare alike on both,
//! including rows whose timestamp came from a column DEFAULT and rows
//! written by a PostgreSQL session in another time zone.

mod common;

use std::sync::OnceLock;

use cloacina::dal::NewWorkflowRun;
use cloacina::models::{Context, NewContext, NewSchedule};
use cloacina::schema::unified::contexts;
use cloacina::types::{UniversalBool, UniversalTimestamp, UniversalUuid};
use cloacina::{with_native, Database};
use diesel::prelude::*;
use proptest::prelude::*;

/// A migrated database per compiled backend, with the guard that removes it.
struct Db {
    name: &'static str,
    db: Database,
    _guard: Box<dyn std::any::Any + Send + Sync>,
}

fn databases() -> &'static [Db] {
    static DBS: OnceLock<Vec<Db>> = OnceLock::new();
    DBS.get_or_init(|| {
        let mut v: Vec<Db> = Vec::new();
        #[cfg(feature = "sqlite")]
        {
            let dir = common::TempDir::new("props");
            let db = Database::connect(&format!("sqlite://{}", dir.file("p.db"))).expect("sqlite");
            db.migrate().expect("migrate sqlite");
            v.push(Db {
                name: "sqlite",
                db,
                _guard: Box::new(dir),
            });
        }
        #[cfg(feature = "postgres")]
        {
            let pg = common::TempPgDatabase::new();
            let db = Database::connect(&pg.url).expect("postgres");
            db.migrate().expect("migrate postgres");
            v.push(Db {
                name: "postgres",
                db,
                _guard: Box::new(pg),
            });
        }
        v
    })
}

fn timestamp() -> impl Strategy<Value = UniversalTimestamp> {
    // 0001-01-01T00:00:00Z ..= 9999-12-31T23:59:59.999999Z, in microseconds.
    (-62_135_596_800_000_000i64..=253_402_300_799_999_999i64).prop_map(|us| {
        UniversalTimestamp(chrono::DateTime::from_timestamp_micros(us).expect("in range"))
    })
}

fn uuid() -> impl Strategy<Value = UniversalUuid> {
    any::<u128>().prop_map(|n| UniversalUuid(uuid::Uuid::from_u128(n)))
}

fn text() -> impl Strategy<Value = String> {
    // Any Unicode except NUL, which PostgreSQL text cannot hold.
    proptest::collection::vec(any::<char>().prop_filter("no NUL", |c| *c != '\0'), 0..40)
        .prop_map(|v| v.into_iter().collect())
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        text().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn values_round_trip_through_the_dal_on_every_backend(
        doc in json(),
        name in text(),
        start in timestamp(),
        next in timestamp(),
        enabled in any::<bool>(),
        concurrent in proptest::option::of(any::<bool>()),
        poll in prop_oneof![Just(i32::MIN), Just(i32::MAX), Just(0), any::<i32>()],
        worker in uuid(),
    ) {
        for Db { name: backend, db, .. } in databases() {
            let dal = db.dal();
            // JSON
            let ctx = dal.create_context(doc.clone()).expect("context");
            prop_assert_eq!(&dal.get_context(ctx.id).expect("get").value.0, &doc, "{}", backend);
            // Unicode text
            let run = dal.create_workflow(&NewWorkflowRun::new(name.clone()).task("only")).expect("workflow");
            prop_assert_eq!(&dal.get_workflow(run.execution.id).expect("get").workflow_name, &name, "{}", backend);
            // UUIDs (a random worker id lands in claimed_by)
            dal.mark_task_ready(run.tasks[0].id).expect("ready");
            let claimed = dal.claim_next_task(worker).expect("claim").expect("a task");
            prop_assert_eq!(claimed.claimed_by, Some(worker), "{}", backend);
            dal.mark_task_completed(claimed.id).expect("complete");
            // Timestamps (µs, years 1..=9999), booleans, i32 extremes
            let mut new = NewSchedule::new("trigger", name.clone())
                .with_enabled(enabled)
                .with_start_date(start)
                .with_trigger_name(name.clone())
                .with_poll_interval_ms(poll)
                .with_next_run_at(next)
                .with_params(doc.clone());
            new.allow_concurrent = concurrent.map(UniversalBool);
            let s = dal.create_schedule(&new).expect("schedule");
            prop_assert_eq!(s.start_date, Some(start), "{}", backend);
            prop_assert_eq!(s.next_run_at, Some(next), "{}", backend);
            prop_assert_eq!(s.enabled, UniversalBool(enabled), "{}", backend);
            prop_assert_eq!(s.allow_concurrent, concurrent.map(UniversalBool), "{}", backend);
            prop_assert_eq!(s.poll_interval_ms, Some(poll), "{}", backend);
            prop_assert_eq!(s.params.map(|p| p.0), Some(doc.clone()), "{}", backend);
        }
    }
}

/// Inserts contexts alternately with a DEFAULT `created_at` and with an
/// application timestamp, and returns their labels in `ORDER BY created_at`.
fn ordered_labels(db: &Database, extra_default_rows: &mut dyn FnMut(usize)) -> Vec<String> {
    let mut conn = db.get().expect("conn");
    for i in 0..12 {
        std::thread::sleep(std::time::Duration::from_millis(3));
        if i % 3 == 2 {
            extra_default_rows(i);
            continue;
        }
        let explicit = i % 3 == 1;
        let mut new = NewContext::new()
            .with_id(UniversalUuid::new_v4())
            .with_value(serde_json::json!({"label": format!("row{i:02}")}));
        new.created_at = explicit.then(UniversalTimestamp::now);
        with_native!(&mut *conn, c => diesel::insert_into(contexts::table).values(&new).execute(c).expect("insert"));
    }
    let rows: Vec<Context> = with_native!(&mut *conn, c => contexts::table
        .order((contexts::created_at.asc(), contexts::id.asc()))
        .select(Context::as_select())
        .load(c)
        .expect("load"));
    // Comparisons agree with the order too.
    let middle = rows[rows.len() / 2].created_at;
    let later: i64 = with_native!(&mut *conn, c => contexts::table
        .filter(contexts::created_at.gt(middle))
        .count()
        .get_result(c)
        .expect("count"));
    assert_eq!(later as usize, rows.len() - rows.len() / 2 - 1);
    let now = chrono::Utc::now();
    for r in &rows {
        let skew = (now - r.created_at.0).num_seconds().abs();
        assert!(
            skew < 120,
            "{} is {skew}s away from now: a time zone leaked into a DEFAULT",
            r.created_at
        );
    }
    rows.into_iter()
        .map(|r| r.value.0["label"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn timestamps_order_alike_on_both_backends_including_defaults_and_foreign_time_zones() {
    let expected: Vec<String> = (0..12).map(|i| format!("row{i:02}")).collect();
    #[cfg(feature = "sqlite")]
    {
        let dir = common::TempDir::new("order");
        let db = Database::connect(&format!("sqlite://{}", dir.file("o.db"))).expect("sqlite");
        db.migrate().expect("migrate");
        let dal_db = &db;
        let got = ordered_labels(&db, &mut |i| {
            // A row written through the derived MultiConnection, also from the DEFAULT.
            let mut conn = dal_db.get().expect("conn");
            let new = NewContext::new()
                .with_id(UniversalUuid::new_v4())
                .with_value(serde_json::json!({"label": format!("row{i:02}")}));
            diesel::insert_into(contexts::table)
                .values(&new)
                .execute(&mut *conn)
                .expect("insert");
        });
        assert_eq!(got, expected, "SQLite order");
    }
    #[cfg(feature = "postgres")]
    {
        let pg = common::TempPgDatabase::new();
        let db = Database::connect(&pg.url).expect("postgres");
        db.migrate().expect("migrate");
        // A session in a far-off time zone writes DEFAULT timestamps.
        let mut foreign = diesel::PgConnection::establish(&pg.url).expect("raw session");
        diesel::connection::SimpleConnection::batch_execute(
            &mut foreign,
            "SET TIME ZONE 'Asia/Kathmandu'",
        )
        .expect("tz");
        let got = ordered_labels(&db, &mut |i| {
            diesel::sql_query(format!(
                "INSERT INTO contexts (value) VALUES ('{{\"label\": \"row{i:02}\"}}')"
            ))
            .execute(&mut foreign)
            .expect("insert from the foreign session");
        });
        assert_eq!(got, expected, "PostgreSQL order");
    }
}
