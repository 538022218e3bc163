//! The exact decimal `Decimal<P, S>` on both real backends, through the
//! generated code of `decimal.rs` (PostgreSQL `NUMERIC(P,S)`, SQLite an
//! `INTEGER` holding the value times `10^S`):
//! - property: random values (negative, zero, both ends of each range)
//!   written through `AnyConnection` read back as the same canonical
//!   decimal on SQLite and PostgreSQL, `ORDER BY`, `>=` and `SUM` agree;
//! - the defaults read back alike; the checks' scaled literals refuse and
//!   accept the same rows;
//! - a value that does not fit the scale is refused on writing (never
//!   rounded), one that does not fit the precision by both databases.

use std::sync::Mutex;

use cloacina_tests::decimal::connection::AnyConnection;
use cloacina_tests::decimal::models::*;
use cloacina_tests::decimal::schema::unified::*;
use cloacina_tests::decimal::types::*;
use cloacina_tests::decimal::{POSTGRES_DDL, SQLITE_DDL};
use cloacina_tests::support::{both_backends, BothBackends};
use diesel::prelude::*;
use proptest::prelude::*;

type Conns = BothBackends<AnyConnection>;

fn conns() -> &'static Mutex<Conns> {
    static C: std::sync::OnceLock<Mutex<Conns>> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        Mutex::new(both_backends(
            "decimal",
            SQLITE_DDL,
            POSTGRES_DDL,
            AnyConnection::Sqlite,
            AnyConnection::Postgresql,
        ))
    })
}

fn d(units: i64, scale: u8) -> UniversalDecimal {
    UniversalDecimal::from_scaled_units(units, scale)
}

/// Units of a `Decimal<p, _>` in `lo..=max`: the ends, zero and the
/// smallest steps often.
fn units(p: u32, lo: i64) -> impl Strategy<Value = i64> {
    let max = 10i64.pow(p) - 1;
    prop_oneof![
        1 => Just(max),
        1 => Just(lo),
        1 => Just(0i64),
        1 => Just(1i64),
        1 => Just(lo.max(-1)),
        6 => lo..=max,
    ]
}

prop_compose! {
    fn row()(
        amount in units(12, -149),
        rate in proptest::option::of(0i64..=10_000),
        whole in units(4, -9_999),
        widest in units(18, -999_999_999_999_999_999),
    )(
        discount in units(12, -999_999_999_999).prop_map(move |x| x.min(amount)),
        amount in Just(amount), rate in Just(rate), whole in Just(whole), widest in Just(widest),
    ) -> NewPrice {
        NewPrice {
            rate: rate.map(|r| d(r, 4)),
            ..NewPrice::new(d(amount, 2))
                .with_discount(d(discount, 2))
                .with_whole(d(whole, 0))
                .with_widest(d(widest, 9))
        }
    }
}

/// Every decimal of a row as its canonical text (exactly S digits).
fn texts(p: &Price) -> Vec<String> {
    vec![
        p.amount.to_string(),
        p.discount.to_string(),
        p.rate.as_ref().map_or("NULL".into(), ToString::to_string),
        p.whole.to_string(),
        p.widest.to_string(),
    ]
}

fn expected(n: &NewPrice) -> Vec<String> {
    let canon = |v: &Option<UniversalDecimal>, s: u8| {
        v.as_ref()
            .map(|v| d(v.scaled_units(s).expect("fits"), s).to_string())
    };
    vec![
        d(n.amount.scaled_units(2).expect("fits"), 2).to_string(),
        canon(&n.discount, 2).expect("set"),
        canon(&n.rate, 4).unwrap_or_else(|| "NULL".into()),
        canon(&n.whole, 0).expect("set"),
        canon(&n.widest, 9).expect("set"),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn decimals_round_trip_and_sort_identically_on_both_backends(
        news in proptest::collection::vec(row(), 1..8),
        probe in units(18, -999_999_999_999_999_999),
    ) {
        let mut guard = conns().lock().unwrap_or_else(|p| p.into_inner());
        let conns = &mut *guard;
        let mut read = Vec::new();
        let mut orders = Vec::new();
        for conn in [&mut conns.sqlite, &mut conns.postgres] {
            diesel::delete(price_bands::table).execute(conn).expect("clear bands");
            diesel::delete(prices::table).execute(conn).expect("clear");
            let mut ids = Vec::new();
            for (i, new) in news.iter().enumerate() {
                let new = new.clone().with_id(i as i64 + 1);
                diesel::insert_into(prices::table).values(&new).execute(conn).expect("insert");
                ids.push(new.id.expect("set"));
            }
            let got: Vec<Price> = prices::table
                .select(Price::as_select())
                .order(prices::id)
                .load(conn)
                .expect("load");
            prop_assert_eq!(got.len(), news.len());
            let got: Vec<Vec<String>> = got.iter().map(texts).collect();
            for (g, n) in got.iter().zip(&news) {
                prop_assert_eq!(g, &expected(n));
            }
            let by_widest: Vec<i64> = prices::table
                .select(prices::id)
                .order((prices::widest, prices::id))
                .load(conn)
                .expect("order by widest");
            let by_amount: Vec<i64> = prices::table
                .select(prices::id)
                .order((prices::amount.desc(), prices::id))
                .load(conn)
                .expect("order by amount");
            let by_whole: Vec<i64> = prices::table
                .select(prices::id)
                .order((prices::whole, prices::id))
                .load(conn)
                .expect("order by whole");
            let at_least: Vec<i64> = prices::table
                .select(prices::id)
                .filter(prices::widest.ge(d(probe, 9)))
                .order(prices::id)
                .load(conn)
                .expect("filter >=");
            // The rows at least the probe are exactly those whose value is.
            let want: Vec<i64> = news
                .iter()
                .zip(&ids)
                .filter(|(n, _)| n.widest.as_ref().expect("set").scaled_units(9).expect("fits") >= probe)
                .map(|(_, id)| *id)
                .collect();
            prop_assert_eq!(&at_least, &want);
            // SUM is exact on both: SQLite adds the scaled integers.
            let total = sum_of_amounts(conn);
            let want_total: i64 = news.iter().map(|n| n.amount.scaled_units(2).expect("fits")).sum();
            prop_assert_eq!(&total, &d(want_total, 2).to_string());
            orders.push((by_widest, by_amount, by_whole, at_least));
            read.push(got);
        }
        prop_assert_eq!(&read[0], &read[1]);
        prop_assert_eq!(&orders[0], &orders[1]);
    }
}

#[derive(QueryableByName)]
struct Total {
    #[diesel(sql_type = diesel::sql_types::Text)]
    total: String,
}

/// `SUM(amount)` as each backend computes it, as canonical decimal text.
fn sum_of_amounts(conn: &mut AnyConnection) -> String {
    match conn {
        AnyConnection::Postgresql(pg) => {
            diesel::sql_query("SELECT sum(amount)::text AS total FROM prices")
                .get_result::<Total>(pg)
                .expect("sum")
                .total
        }
        AnyConnection::Sqlite(lite) => {
            let units: Total =
                diesel::sql_query("SELECT CAST(sum(amount) AS TEXT) AS total FROM prices")
                    .get_result(lite)
                    .expect("sum");
            d(units.total.parse().expect("an integer"), 2).to_string()
        }
    }
}

#[test]
fn defaults_read_back_as_the_same_values_on_both_backends() {
    let mut guard = conns().lock().unwrap_or_else(|p| p.into_inner());
    let conns = &mut *guard;
    let mut read = Vec::new();
    for conn in [&mut conns.sqlite, &mut conns.postgres] {
        diesel::delete(price_bands::table)
            .execute(conn)
            .expect("clear bands");
        diesel::delete(prices::table).execute(conn).expect("clear");
        diesel::insert_into(prices::table)
            .values(&NewPrice::new(d(1_999, 2)).with_id(7))
            .execute(conn)
            .expect("insert with defaults");
        let got: Price = prices::table
            .select(Price::as_select())
            .first(conn)
            .expect("load");
        assert_eq!(
            texts(&got),
            ["19.99", "0.00", "NULL", "3", "-123456789.123456789"]
        );
        // A decimal key and a foreign key next to it.
        diesel::insert_into(price_bands::table)
            .values(&NewPriceBand::new(d(-1_250, 3), 7))
            .execute(conn)
            .expect("insert band");
        let code: UniversalDecimal = price_bands::table
            .select(price_bands::code)
            .filter(price_bands::code.eq(d(-12_500, 4)))
            .first(conn)
            .expect("band by its code, given with another scale");
        assert_eq!(code.to_string(), "-1.250");
        read.push(texts(&got));
    }
    assert_eq!(read[0], read[1]);
}

#[test]
fn checks_with_decimal_literals_refuse_the_same_rows_on_both_backends() {
    let mut guard = conns().lock().unwrap_or_else(|p| p.into_inner());
    let conns = &mut *guard;
    for conn in [&mut conns.sqlite, &mut conns.postgres] {
        diesel::delete(price_bands::table)
            .execute(conn)
            .expect("clear bands");
        diesel::delete(prices::table).execute(conn).expect("clear");
        // `amount > -1.50`: -1.49 passes, -1.50 does not.
        diesel::insert_into(prices::table)
            .values(&NewPrice::new(d(-149, 2)).with_discount(d(-200, 2)))
            .execute(conn)
            .expect("-1.49 > -1.50");
        let err = diesel::insert_into(prices::table)
            .values(&NewPrice::new(d(-150, 2)).with_discount(d(-200, 2)))
            .execute(conn)
            .expect_err("-1.50 is not > -1.50");
        assert!(err.to_string().contains("check"), "{err}");
        // `rate BETWEEN 0 AND 1` with four places.
        for (rate, ok) in [(10_000, true), (0, true), (10_001, false), (-1, false)] {
            let r = diesel::insert_into(prices::table)
                .values(&NewPrice::new(d(100, 2)).with_rate(d(rate, 4)))
                .execute(conn);
            assert_eq!(r.is_ok(), ok, "rate {}: {r:?}", d(rate, 4));
        }
    }
}

#[test]
fn values_that_do_not_fit_are_refused_never_rounded() {
    let mut guard = conns().lock().unwrap_or_else(|p| p.into_inner());
    let conns = &mut *guard;
    for conn in [&mut conns.sqlite, &mut conns.postgres] {
        diesel::delete(price_bands::table)
            .execute(conn)
            .expect("clear bands");
        diesel::delete(prices::table).execute(conn).expect("clear");
        // One digit too many after the point: refused by the value type.
        let three_places = UniversalDecimal::parse_text("1.555").expect("decimal");
        let err = diesel::insert_into(prices::table)
            .values(&NewPrice::new(three_places))
            .execute(conn)
            .expect_err("1.555 in a scale-2 column");
        assert!(err.to_string().contains("never rounded"), "{err}");
        // Trailing zeros are no extra digit.
        let zeros = UniversalDecimal::parse_text("1.500000").expect("decimal");
        diesel::insert_into(prices::table)
            .values(&NewPrice::new(zeros))
            .execute(conn)
            .expect("1.500000 is 1.50");
        // One digit too many before the point: refused by the database.
        let too_big = d(1_000_000_000_000, 2); // 10^10, 11 digits before the point
        let err = diesel::insert_into(prices::table)
            .values(&NewPrice::new(too_big))
            .execute(conn)
            .expect_err("10^10 in Decimal<12, 2>");
        let msg = err.to_string().to_ascii_lowercase();
        assert!(
            msg.contains("overflow") || msg.contains("check constraint"),
            "{msg}"
        );
    }
}
