//! The generated code for the every-construct fixture compiles against
//! diesel with both backends, and one row of every type goes in and comes
//! back out identically through `AnyConnection`, on real SQLite and real
//! PostgreSQL.

use chrono::{DateTime, Utc};
use cloacina_tests::everything::connection::AnyConnection;
use cloacina_tests::everything::models::*;
use cloacina_tests::everything::schema::unified::*;
use cloacina_tests::everything::types::*;
use cloacina_tests::everything::{POSTGRES_DDL, SQLITE_DDL};
use cloacina_tests::support::{drop_pg_schema, pg_scratch_connection};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

fn ts(s: &str) -> UniversalTimestamp {
    UniversalTimestamp(s.parse::<DateTime<Utc>>().expect("test timestamp"))
}

fn full_row(context: UniversalUuid) -> NewEverything {
    NewEverything {
        id: Some(UniversalUuid(uuid::Uuid::max())),
        label: "ünïcødé ✓ \u{1F600} 'quoted' \"double\"".into(),
        kind: Some("special".into()),
        note: Some(String::new()),
        small_n: Some(i16::MAX),
        int_n: Some(3),
        big_n: i64::MIN,
        flag: Some(UniversalBool(false)),
        maybe_flag: Some(UniversalBool(true)),
        created_at: Some(ts("0001-01-01T00:00:00.000001Z")),
        epoch_at: Some(ts("9999-12-31T23:59:59.999999Z")),
        seen_at: Some(ts("2026-11-27T01:02:03.456789Z")),
        ratio: Some(-1.0e300),
        weight: Some(f32::MAX),
        payload: (0..=255u8).collect(),
        doc: UniversalJson(
            serde_json::json!({"nested": {"list": [1, 2.5, null, true, "x"], "big": i64::MAX}}),
        ),
        maybe_doc: Some(UniversalJson(serde_json::json!([]))),
        json_text: Some("{\"a\": 1}".into()),
        context_id: Some(context),
        r#type: Some("kind-of".into()),
        external_id: Some(UniversalUuid(uuid::Uuid::new_v4())),
    }
}

fn defaults_row() -> NewEverything {
    NewEverything {
        id: None,
        label: "defaults".into(),
        kind: None,
        note: None,
        small_n: None,
        int_n: None,
        big_n: i64::MAX,
        flag: None,
        maybe_flag: None,
        created_at: None,
        epoch_at: None,
        seen_at: None,
        ratio: None,
        weight: None,
        payload: Vec::new(),
        doc: UniversalJson(serde_json::json!(null)),
        maybe_doc: None,
        json_text: None,
        context_id: None,
        r#type: None,
        external_id: None,
    }
}

/// Runs the same scenario on any backend and returns what it read.
fn scenario(conn: &mut AnyConnection, postgres: bool) -> Vec<Everything> {
    // contexts: every column defaulted.
    diesel::insert_into(contexts::table)
        .values(NewContext {
            id: None,
            value: None,
            created_at: None,
            updated_at: None,
        })
        .execute(conn)
        .expect("insert a context from defaults");
    let context: Context = contexts::table
        .select(Context::as_select())
        .first(conn)
        .expect("load the context");
    assert_eq!(context.value, UniversalJson(serde_json::json!({})));
    assert_eq!(
        context.id.0.get_version_num(),
        4,
        "the uuid default is a v4 UUID"
    );

    let full = full_row(context.id);
    diesel::insert_into(everything::table)
        .values(&full)
        .execute(conn)
        .expect("insert a row of explicit values");
    diesel::insert_into(everything::table)
        .values(&defaults_row())
        .execute(conn)
        .expect("insert a row of defaults");

    let rows: Vec<Everything> = everything::table
        .select(Everything::as_select())
        .order(everything::big_n.asc())
        .load(conn)
        .expect("load everything");
    assert_eq!(rows.len(), 2);

    // The explicit row reads back exactly as written.
    let got = &rows[0];
    assert_eq!(Some(got.id), full.id);
    assert_eq!(got.label, full.label);
    assert_eq!(Some(&got.kind), full.kind.as_ref());
    assert_eq!(got.note, full.note);
    assert_eq!(Some(got.small_n), full.small_n);
    assert_eq!(Some(got.int_n), full.int_n);
    assert_eq!(got.big_n, full.big_n);
    assert_eq!(Some(got.flag), full.flag);
    assert_eq!(got.maybe_flag, full.maybe_flag);
    assert_eq!(Some(got.created_at), full.created_at);
    assert_eq!(Some(got.epoch_at), full.epoch_at);
    assert_eq!(got.seen_at, full.seen_at);
    assert_eq!(Some(got.ratio.to_bits()), full.ratio.map(f64::to_bits));
    assert_eq!(Some(got.weight.to_bits()), full.weight.map(f32::to_bits));
    assert_eq!(got.payload, full.payload);
    assert_eq!(got.doc, full.doc);
    assert_eq!(got.maybe_doc, full.maybe_doc);
    assert_eq!(got.context_id, full.context_id);
    assert_eq!(got.r#type, full.r#type);
    assert_eq!(Some(got.external_id), full.external_id);

    // The defaulted row got the schema's defaults.
    let d = &rows[1];
    assert_eq!(d.id.0.get_version_num(), 4);
    assert_eq!(d.kind, "plain");
    assert_eq!(d.small_n, 7);
    assert_eq!(d.int_n, 1);
    assert_eq!(d.flag, UniversalBool(true));
    assert_eq!(d.maybe_flag, None);
    assert_eq!(d.epoch_at, ts("2000-01-01T00:00:00.000000Z"));
    assert_eq!(d.ratio, 1.5);
    assert_eq!(d.weight, 0.25);
    assert_eq!(
        d.external_id,
        UniversalUuid(
            "00000000-0000-0000-0000-000000000001"
                .parse()
                .expect("uuid")
        )
    );
    let age = Utc::now() - d.created_at.0;
    assert!(
        age.num_seconds().abs() < 300,
        "the `now` default is the current instant in UTC, got {} ({}s off)",
        d.created_at,
        age.num_seconds()
    );

    // Filters and comparisons on every custom type go through AnyConnection.
    let by_uuid: i64 = everything::table
        .filter(everything::id.eq(got.id))
        .filter(everything::flag.eq(UniversalBool(false)))
        .filter(everything::created_at.lt(ts("0002-01-01T00:00:00.000000Z")))
        .filter(everything::doc.eq(&full.doc))
        .count()
        .get_result(conn)
        .expect("filter on custom types");
    assert_eq!(by_uuid, 1);

    // joinable! + allow_tables_to_appear_in_same_query!: a join compiles and runs.
    let joined: Vec<(UniversalUuid, UniversalUuid)> = everything::table
        .inner_join(contexts::table)
        .select((everything::id, contexts::id))
        .load(conn)
        .expect("join everything to contexts");
    assert_eq!(joined, vec![(got.id, context.id)]);

    // The auto-increment key counts up on its own.
    for at in ["2026-01-01T00:00:00.000000Z", "2026-01-02T00:00:00.000000Z"] {
        diesel::insert_into(events::table)
            .values(NewEvent {
                seq: None,
                everything_id: got.id,
                at: ts(at),
            })
            .execute(conn)
            .expect("insert an event");
    }
    let seqs: Vec<i64> = events::table
        .select(events::seq)
        .order(events::at.desc())
        .load(conn)
        .expect("load events");
    assert_eq!(seqs, vec![2, 1]);

    // Composite key with a composite (self-)reference.
    diesel::insert_into(pairs::table)
        .values(NewPair {
            parent_id: got.id,
            position: 1,
            value: Some("one".into()),
        })
        .execute(conn)
        .expect("insert a pair");
    let pair: Pair = pairs::table
        .find((got.id, 1))
        .first(conn)
        .expect("find a pair");
    assert_eq!(pair.value.as_deref(), Some("one"));

    // The PostgreSQL-only table exists there and only there.
    if postgres {
        diesel::insert_into(pg_audit_log::table)
            .values(NewPgAuditLog {
                id: None,
                message: "hello".into(),
            })
            .execute(conn)
            .expect("insert into the PostgreSQL-only table");
    } else {
        assert!(
            conn.batch_execute("SELECT * FROM pg_audit").is_err(),
            "the PostgreSQL-only table must not exist on SQLite"
        );
    }

    // Both raw blocks' views exist.
    conn.batch_execute("SELECT * FROM recent_events")
        .expect("the raw_sql view exists");
    rows
}

#[test]
fn every_type_round_trips_through_any_connection_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("cloacina-every-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("every.db");
    let mut raw =
        SqliteConnection::establish(path.to_str().expect("utf-8 path")).expect("open sqlite");
    raw.batch_execute("PRAGMA foreign_keys = ON")
        .expect("foreign keys on");
    raw.batch_execute(SQLITE_DDL)
        .expect("the generated SQLite DDL applies");
    let mut conn = AnyConnection::Sqlite(raw);
    let rows = scenario(&mut conn, false);
    // The SQLite default wrote the canonical fixed-width text.
    let text: Vec<String> = diesel::dsl::sql::<diesel::sql_types::Text>(
        "SELECT created_at FROM everything WHERE label = 'defaults'",
    )
    .load(match &mut conn {
        AnyConnection::Sqlite(c) => c,
        AnyConnection::Postgresql(_) => unreachable!("sqlite"),
    })
    .expect("raw timestamp text");
    assert_eq!(text.len(), 1);
    assert_eq!(text[0].len(), 27, "{}", text[0]);
    assert_eq!(rows[1].created_at.to_string(), text[0]);
    drop(conn);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_type_round_trips_through_any_connection_on_postgres() {
    let (mut raw, schema) = pg_scratch_connection("every");
    // A non-UTC session time zone must not change any instant.
    raw.batch_execute("SET TIME ZONE 'Asia/Kathmandu'")
        .expect("set time zone");
    raw.batch_execute(POSTGRES_DDL)
        .expect("the generated PostgreSQL DDL applies");
    let mut conn = AnyConnection::Postgresql(raw);
    let rows = scenario(&mut conn, true);
    assert_eq!(rows[0].created_at, ts("0001-01-01T00:00:00.000001Z"));
    drop_pg_schema(&mut conn, &schema);
}

#[test]
fn both_backends_read_back_the_same_values() {
    let mut raw = SqliteConnection::establish(":memory:").expect("open sqlite");
    raw.batch_execute(SQLITE_DDL).expect("sqlite ddl");
    let mut lite = AnyConnection::Sqlite(raw);
    let (mut raw, schema) = pg_scratch_connection("every_same");
    raw.batch_execute(POSTGRES_DDL).expect("postgres ddl");
    let mut pg = AnyConnection::Postgresql(raw);
    let a = scenario(&mut lite, false);
    let b = scenario(&mut pg, true);
    drop_pg_schema(&mut pg, &schema);
    // Everything the application wrote is identical on both backends; only
    // values that are fresh by nature (random ids, `now`) may differ.
    let fresh = |mut r: Everything| {
        r.context_id = None;
        r.external_id = UniversalUuid(uuid::Uuid::nil());
        if r.label == "defaults" {
            r.id = UniversalUuid(uuid::Uuid::nil());
            r.created_at = ts("2000-01-01T00:00:00.000000Z");
        }
        r
    };
    let a: Vec<Everything> = a.into_iter().map(fresh).collect();
    let b: Vec<Everything> = b.into_iter().map(fresh).collect();
    assert_eq!(a, b);
}
