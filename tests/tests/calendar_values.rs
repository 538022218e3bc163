//! The calendar types (`NaiveTimestamp`, `Date`, `Time`) on both real
//! backends, through the generated code of `calendar.rs`:
//! - property: random values (years 1..=9999, any microsecond, and
//!   sub-microsecond input that both backends truncate alike) written
//!   through `AnyConnection` read back identically on SQLite and
//!   PostgreSQL, and `ORDER BY` on each calendar column gives the same
//!   order on both;
//! - the defaults read back as the same values on both;
//! - SQLite's check keeps the stored text canonical: it accepts what
//!   `CURRENT_TIMESTAMP` writes and refuses every other spelling.

use std::collections::BTreeSet;
use std::sync::Mutex;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use cloacina_tests::calendar::connection::AnyConnection;
use cloacina_tests::calendar::models::*;
use cloacina_tests::calendar::schema::unified::*;
use cloacina_tests::calendar::types::*;
use cloacina_tests::calendar::{POSTGRES_DDL, SQLITE_DDL};
use cloacina_tests::support::{both_backends, BothBackends};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use proptest::prelude::*;

type Conns = BothBackends<AnyConnection>;

fn conns() -> &'static Mutex<Conns> {
    static C: std::sync::OnceLock<Mutex<Conns>> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        Mutex::new(both_backends(
            "calendar",
            SQLITE_DDL,
            POSTGRES_DDL,
            AnyConnection::Sqlite,
            AnyConnection::Postgresql,
        ))
    })
}

/// 0001-01-01 ..= 9999-12-31, with the ends and a leap day often.
fn date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        1 => Just(NaiveDate::from_ymd_opt(1, 1, 1).expect("date")),
        1 => Just(NaiveDate::from_ymd_opt(9999, 12, 31).expect("date")),
        1 => Just(NaiveDate::from_ymd_opt(2000, 2, 29).expect("date")),
        6 => (1i32..=3_652_059).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).expect("in range")),
    ]
}

/// Any time of day to the nanosecond (the databases keep microseconds),
/// with midnight, the last microsecond and whole seconds often.
fn time() -> impl Strategy<Value = NaiveTime> {
    prop_oneof![
        1 => Just(NaiveTime::MIN),
        1 => Just(NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("time")),
        2 => (0u32..86_400).prop_map(|s| NaiveTime::from_num_seconds_from_midnight_opt(s, 0).expect("time")),
        6 => (0u32..86_400, 0u32..1_000_000_000)
            .prop_map(|(s, n)| NaiveTime::from_num_seconds_from_midnight_opt(s, n).expect("time")),
    ]
}

fn stamp() -> impl Strategy<Value = NaiveDateTime> {
    (date(), time()).prop_map(|(d, t)| NaiveDateTime::new(d, t))
}

prop_compose! {
    fn row(day: NaiveDate)(
        opens_at in time(),
        closes_at in time(),
        lunch_at in proptest::option::of(time()),
        recorded_at in stamp(),
        updated_at in proptest::option::of(stamp()),
        valid_from in date(),
    ) -> NewOpeningHour {
        // The table's own check wants closes_at > opens_at.
        let (opens_at, closes_at) = if closes_at.nanosecond_micros() > opens_at.nanosecond_micros() {
            (opens_at, closes_at)
        } else {
            (NaiveTime::MIN, NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("time"))
        };
        // And updated_at after 2000-01-01 00:00:00.000001 (or NULL).
        let floor = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date").and_hms_micro_opt(0, 0, 0, 1).expect("t");
        let updated_at = updated_at.map(|u| u.max(floor));
        NewOpeningHour {
            lunch_at: lunch_at.map(UniversalTime),
            updated_at: updated_at.map(UniversalNaiveTimestamp),
            ..NewOpeningHour::new(UniversalDate(day))
                .with_opens_at(UniversalTime(opens_at))
                .with_closes_at(UniversalTime(closes_at))
                .with_recorded_at(UniversalNaiveTimestamp(recorded_at))
                .with_valid_from(UniversalDate(valid_from))
        }
    }
}

/// The time as the backends keep it, for comparing (whole microseconds).
trait Micros {
    fn nanosecond_micros(&self) -> (u32, u32);
}

impl Micros for NaiveTime {
    fn nanosecond_micros(&self) -> (u32, u32) {
        use chrono::Timelike;
        (self.num_seconds_from_midnight(), self.nanosecond() / 1_000)
    }
}

fn rows() -> impl Strategy<Value = Vec<NewOpeningHour>> {
    proptest::collection::btree_set(date(), 1..6)
        .prop_flat_map(|days: BTreeSet<NaiveDate>| days.into_iter().map(row).collect::<Vec<_>>())
}

/// What a written row must read back as: every value truncated to whole
/// microseconds, the defaults filled in.
fn expected(new: &NewOpeningHour, seen_at: UniversalTimestamp) -> OpeningHour {
    OpeningHour {
        day: new.day,
        opens_at: new.opens_at.map(UniversalTime::truncated).expect("set"),
        closes_at: new.closes_at.map(UniversalTime::truncated).expect("set"),
        lunch_at: new.lunch_at.map(UniversalTime::truncated),
        recorded_at: new
            .recorded_at
            .map(UniversalNaiveTimestamp::truncated)
            .expect("set"),
        updated_at: new.updated_at.map(UniversalNaiveTimestamp::truncated),
        valid_from: new.valid_from.expect("set"),
        seen_at,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn calendar_values_round_trip_and_sort_identically_on_both_backends(news in rows()) {
        let mut guard = conns().lock().unwrap_or_else(|p| p.into_inner());
        let conns = &mut *guard;
        let mut read = Vec::new();
        let mut orders = Vec::new();
        for conn in [&mut conns.sqlite, &mut conns.postgres] {
            diesel::delete(opening_hours::table).execute(conn).expect("clear");
            for new in &news {
                diesel::insert_into(opening_hours::table).values(new).execute(conn).expect("insert");
            }
            let got: Vec<OpeningHour> = opening_hours::table
                .select(OpeningHour::as_select())
                .order(opening_hours::day)
                .load(conn)
                .expect("load");
            prop_assert_eq!(got.len(), news.len());
            for (g, n) in got.iter().zip(&news) {
                prop_assert_eq!(g, &expected(n, g.seen_at));
            }
            let by_time: Vec<UniversalDate> = opening_hours::table
                .select(opening_hours::day)
                .order((opening_hours::opens_at, opening_hours::day))
                .load(conn)
                .expect("order by time");
            let by_stamp: Vec<UniversalDate> = opening_hours::table
                .select(opening_hours::day)
                .order((opening_hours::recorded_at, opening_hours::day))
                .load(conn)
                .expect("order by naive timestamp");
            let by_date: Vec<UniversalDate> = opening_hours::table
                .select(opening_hours::day)
                .order((opening_hours::valid_from, opening_hours::day))
                .load(conn)
                .expect("order by date");
            // Comparisons agree too: the text SQLite compares is canonical.
            let late: Vec<UniversalDate> = opening_hours::table
                .select(opening_hours::day)
                .filter(opening_hours::recorded_at.ge(UniversalNaiveTimestamp(
                    NaiveDate::from_ymd_opt(2000, 1, 1).expect("d").and_hms_micro_opt(0, 0, 0, 500_000).expect("t"),
                )))
                .order(opening_hours::day)
                .load(conn)
                .expect("filter");
            orders.push((by_time, by_stamp, by_date, late));
            read.push(got);
        }
        // seen_at is each backend's own clock.
        let pg_clock: Vec<UniversalTimestamp> = read[1].iter().map(|r| r.seen_at).collect();
        for (a, b) in read[0].iter_mut().zip(pg_clock) {
            a.seen_at = b;
        }
        prop_assert_eq!(&read[0], &read[1]);
        prop_assert_eq!(&orders[0], &orders[1]);
    }
}

#[test]
fn defaults_read_back_as_the_same_values_on_both_backends() {
    let mut guard = conns().lock().unwrap_or_else(|p| p.into_inner());
    let conns = &mut *guard;
    let day = UniversalDate(NaiveDate::from_ymd_opt(2031, 7, 4).expect("date"));
    let mut read = Vec::new();
    for conn in [&mut conns.sqlite, &mut conns.postgres] {
        diesel::delete(opening_hours::table)
            .execute(conn)
            .expect("clear");
        diesel::insert_into(opening_hours::table)
            .values(&NewOpeningHour::new(day))
            .execute(conn)
            .expect("insert with defaults");
        let got: OpeningHour = opening_hours::table
            .select(OpeningHour::as_select())
            .first(conn)
            .expect("load");
        assert_eq!(got.opens_at.to_string(), "09:00:00");
        assert_eq!(got.closes_at.to_string(), "17:30:00.500000");
        assert_eq!(got.recorded_at.to_string(), "2024-01-01 00:00:00");
        assert_eq!(got.valid_from.to_string(), "1970-01-01");
        assert_eq!((got.lunch_at, got.updated_at), (None, None));
        read.push(got);
    }
    read[0].seen_at = read[1].seen_at;
    assert_eq!(read[0], read[1]);
}

#[test]
fn sqlite_keeps_the_stored_text_canonical() {
    let mut lite = SqliteConnection::establish(":memory:").expect("sqlite");
    lite.batch_execute(SQLITE_DDL).expect("sqlite ddl");
    lite.batch_execute("INSERT INTO opening_hours (day) VALUES ('2024-01-01')")
        .expect("a canonical date");
    // What SQLite's own clock writes is a canonical NaiveTimestamp.
    lite.batch_execute("UPDATE opening_hours SET recorded_at = CURRENT_TIMESTAMP, updated_at = '2024-01-01 10:00:00.123456'")
        .expect("CURRENT_TIMESTAMP and six fraction digits are canonical");
    let bad = [
        ("day", "'2024-1-1'"),
        ("day", "'2024-01-01 00:00:00'"),
        ("day", "'24-01-01'"),
        ("opens_at", "'9:00:00'"),
        ("opens_at", "'09:00'"),
        ("opens_at", "'09:00:00.000000'"),
        ("opens_at", "'09:00:00.5'"),
        ("recorded_at", "'2024-01-01T10:00:00'"),
        ("recorded_at", "'2024-01-01 10:00:00.000000'"),
        ("recorded_at", "'2024-01-01 10:00:00.123'"),
        ("recorded_at", "'2024-01-01 10:00:00Z'"),
        ("recorded_at", "'2024-01-01'"),
        ("valid_from", "'2024-13-01'"),
        ("valid_from", "'2023-02-29'"),
        ("valid_from", "'2024-04-31'"),
        ("valid_from", "'0000-12-31'"),
        ("opens_at", "'24:00:00'"),
        ("recorded_at", "'2024-02-30 10:00:00'"),
        ("recorded_at", "'2024-01-01 24:00:00'"),
        ("recorded_at", "'0000-12-31 23:59:59'"),
    ];
    for (column, value) in bad {
        let sql = format!("UPDATE opening_hours SET {column} = {value}");
        let err = lite
            .batch_execute(&sql)
            .expect_err(&format!("{column} = {value} must be refused"));
        assert!(
            err.to_string().contains("CHECK constraint failed"),
            "{column} = {value}: {err}"
        );
    }
}

#[test]
fn values_outside_the_shared_range_are_refused_on_both_backends_alike() {
    let mut guard = conns().lock().unwrap_or_else(|p| p.into_inner());
    let conns = &mut *guard;
    let year_zero = NaiveDate::from_ymd_opt(0, 12, 31).expect("date");
    for conn in [&mut conns.sqlite, &mut conns.postgres] {
        let err = diesel::insert_into(opening_hours::table)
            .values(&NewOpeningHour::new(UniversalDate(year_zero)))
            .execute(conn)
            .expect_err("year 0 is outside 0001..=9999");
        assert!(
            err.to_string().contains("outside the supported range"),
            "{err}"
        );
    }
}
