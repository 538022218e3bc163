//! The PostgreSQL-only column types of `postgres_types.rs` on a real
//! PostgreSQL: the generated DDL applies, and a row with a value of every
//! such type (arrays with their edge values, unbounded and half-open
//! ranges, intervals of months, days and microseconds, money, OIDs, MAC
//! addresses, 6 and 8 bytes, case-insensitive `CITEXT` text compared
//! without regard to case) written through the generated models reads back identical;
//! NULLs and defaults too. The same for the types that come from a crate
//! (`INET`/`CIDR` as `ipnet::IpNet`, time and date ranges and arrays of
//! UUID, calendar and JSON values as chrono, uuid and serde_json values).
//! Full-text search: a `TSVECTOR` column that the models read
//! (`PgTsVector`) and leave out of the insert model, filled by a trigger,
//! matched with `@@`; `NUMRANGE` bounds of any precision as `BigDecimal`.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server this test fails with instructions; it never skips.

use std::ops::Bound;

use cloacina_tests::postgres_types::models::*;
use cloacina_tests::postgres_types::schema::unified::{
    account_details, accounts, documents, sessions,
};
use cloacina_tests::postgres_types::POSTGRES_DDL;
use cloacina_tests::support::{drop_pg_schema, pg_scratch_connection};
use diesel::connection::SimpleConnection;
use diesel::pg::data_types::{PgInterval, PgMoney};
use diesel::prelude::*;

/// The DDL declares the `citext` extension, which `CREATE EXTENSION`
/// installs into the scratch schema of the test that runs it first; one
/// database holds one copy, so the tests of this file take turns.
static CITEXT_SCHEMA: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Applies the fixture's DDL; fails with instructions when the server
/// lacks the `citext` extension (never skips).
fn apply_ddl(pg: &mut diesel::PgConnection) {
    #[derive(QueryableByName)]
    struct Available {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let available: Available = diesel::sql_query(
        "SELECT count(*) AS n FROM pg_available_extensions WHERE name = 'citext'",
    )
    .get_result(pg)
    .expect("pg_available_extensions");
    assert_eq!(
        available.n, 1,
        "the test PostgreSQL server has no `citext` extension: install the server's contrib \
         package (postgresql-contrib, or postgresql-<version> on Debian) and run the tests again"
    );
    pg.batch_execute(POSTGRES_DDL)
        .expect("postgres ddl applies");
}

#[test]
fn every_postgres_only_type_round_trips_through_the_generated_models() {
    let _turn = CITEXT_SCHEMA.lock().unwrap_or_else(|p| p.into_inner());
    let (mut pg, schema) = pg_scratch_connection("pg_types");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        apply_ddl(&mut pg);
        let account: Account = diesel::insert_into(accounts::table)
            .values(NewAccount::new("a"))
            .get_result(&mut pg)
            .expect("insert account");

        let full = NewAccountDetail::new(
            account.id,
            vec![i32::MIN, 0, i32::MAX],
            vec![true, false],
            vec![i16::MIN, i16::MAX],
            vec![i64::MIN, i64::MAX],
            vec![0.5f32, -1.0e-3],
            vec![Vec::new(), vec![0u8, 255]],
            (Bound::Included(-5), Bound::Excluded(10)),
            PgMoney(-123_456),
        )
        .with_tags(vec![
            "".to_string(),
            "a,b".into(),
            "\"q\" ü".into(),
            "NULL".into(),
        ])
        .with_weights(vec![f64::MAX, f64::MIN_POSITIVE, -0.0])
        .with_ids((Bound::Unbounded, Bound::Excluded(i64::MAX)))
        .with_grace(PgInterval::new(-1, 2, 3))
        .with_owner_oid(u32::MAX)
        .with_device([0x08, 0x00, 0x2b, 0x01, 0x02, 0xff])
        .with_device64([0x08, 0x00, 0x2b, 0x01, 0x02, 0x03, 0x04, 0xff])
        .with_email("Ada@Example.COM");
        let written = diesel::insert_into(account_details::table)
            .values(full.clone())
            .get_result::<AccountDetail>(&mut pg)
            .expect("insert details");
        let read: AccountDetail = account_details::table
            .find(account.id)
            .first(&mut pg)
            .expect("read details");
        assert_eq!(read, written);
        assert_eq!(read.tags, full.tags.clone().expect("set"));
        assert_eq!(read.scores, full.scores);
        assert_eq!(read.weights, full.weights);
        assert_eq!(read.flags, full.flags);
        assert_eq!(read.small, full.small);
        assert_eq!(read.big, full.big);
        assert_eq!(read.ratios, full.ratios);
        assert_eq!(read.blobs, full.blobs);
        assert_eq!(read.active_days, (Bound::Included(-5), Bound::Excluded(10)));
        assert_eq!(
            read.ids,
            Some((Bound::Unbounded, Bound::Excluded(i64::MAX)))
        );
        assert_eq!(read.grace, PgInterval::new(-1, 2, 3));
        assert_eq!(read.balance, PgMoney(-123_456));
        assert_eq!(read.owner_oid, Some(u32::MAX));
        assert_eq!(read.device, Some([0x08, 0x00, 0x2b, 0x01, 0x02, 0xff]));
        assert_eq!(
            read.device64,
            Some([0x08, 0x00, 0x2b, 0x01, 0x02, 0x03, 0x04, 0xff])
        );

        // CITEXT keeps the case it stores; comparisons ignore it.
        assert_eq!(read.email.as_deref(), Some("Ada@Example.COM"));
        let found: Vec<AccountDetail> = account_details::table
            .filter(account_details::email.eq("ada@example.com"))
            .load(&mut pg)
            .expect("filter by email");
        assert_eq!(found, vec![read.clone()]);

        // Defaults and NULLs: `tags` defaults to `{}`, `grace` to one hour.
        let other: Account = diesel::insert_into(accounts::table)
            .values(NewAccount::new("b"))
            .get_result(&mut pg)
            .expect("insert account");
        let bare = diesel::insert_into(account_details::table)
            .values(NewAccountDetail::new(
                other.id,
                Vec::<i32>::new(),
                Vec::<bool>::new(),
                Vec::<i16>::new(),
                Vec::<i64>::new(),
                Vec::<f32>::new(),
                Vec::<Vec<u8>>::new(),
                (Bound::Included(1), Bound::Unbounded),
                PgMoney(0),
            ))
            .get_result::<AccountDetail>(&mut pg)
            .expect("insert bare details");
        assert_eq!(bare.tags, Vec::<String>::new());
        assert_eq!(bare.grace, PgInterval::from_microseconds(3_600_000_000));
        assert_eq!(bare.weights, None);
        assert_eq!(bare.ids, None);
        assert_eq!(bare.owner_oid, None);
        assert_eq!(bare.device, None);
        assert_eq!(bare.device64, None);
        assert_eq!(bare.email, None);
        assert_eq!(bare.active_days, (Bound::Included(1), Bound::Unbounded));
    }));
    drop_pg_schema(&mut pg, &schema);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn network_time_range_and_array_types_round_trip_through_the_generated_models() {
    use cloacina_types::chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
    use cloacina_types::ipnet::IpNet;
    let net = |s: &str| s.parse::<IpNet>().expect("address");
    let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("date");
    let dec = cloacina_types::UniversalDecimal::from_scaled_units;
    let _turn = CITEXT_SCHEMA.lock().unwrap_or_else(|p| p.into_inner());
    let (mut pg, schema) = pg_scratch_connection("pg_types_net");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        apply_ddl(&mut pg);
        let account: Account = diesel::insert_into(accounts::table)
            .values(NewAccount::new("a"))
            .get_result(&mut pg)
            .expect("insert account");
        let start = Utc
            .with_ymd_and_hms(1999, 12, 31, 23, 59, 59)
            .single()
            .expect("instant")
            + std::time::Duration::from_micros(999_999);
        let naive = date(2024, 2, 29)
            .and_hms_micro_opt(0, 0, 0, 1)
            .expect("naive");
        let key = cloacina_types::uuid::Uuid::from_u128(u128::MAX - 7);
        let full = NewSession::new(
            account.id,
            (Bound::Included(start), Bound::Unbounded),
            vec![key, cloacina_types::uuid::Uuid::nil()],
            vec![start, Utc.timestamp_opt(0, 0).single().expect("epoch")],
            vec![date(1, 1, 1), date(9999, 12, 31)],
            vec![
                serde_json::json!({"a": [1, 2.5, null], "ü": "\"q\""}),
                serde_json::json!([]),
                serde_json::json!("text"),
            ],
        )
        .with_client(net("2001:db8::1/64"))
        .with_network(net("10.1.0.0/16"))
        .with_wall((
            Bound::Excluded(naive),
            Bound::Included(naive + std::time::Duration::from_secs(1)),
        ))
        .with_billing((
            Bound::Included(date(2024, 1, 1)),
            Bound::Excluded(date(2025, 1, 1)),
        ))
        .with_local_seen(vec![naive])
        .with_times(vec![
            NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("time"),
            NaiveTime::MIN,
        ])
        .with_amounts(vec![dec(-9_999_999_999, 2), dec(0, 2), dec(5, 2)]);
        let written = diesel::insert_into(sessions::table)
            .values(full.clone())
            .get_result::<Session>(&mut pg)
            .expect("insert session");
        let read: Session = sessions::table
            .find(written.id)
            .first(&mut pg)
            .expect("read session");
        assert_eq!(read, written);
        assert_eq!(read.client, net("2001:db8::1/64"));
        assert_eq!(read.network, Some(net("10.1.0.0/16")));
        assert_eq!(read.during, full.during);
        // A discrete range comes back canonical: `(a, b]` of instants stays
        // as written, `[a, b)` of dates too.
        assert_eq!(read.wall, full.wall);
        assert_eq!(read.billing, full.billing.expect("set"));
        assert_eq!(read.keys, full.keys);
        assert_eq!(read.seen, full.seen);
        assert_eq!(read.local_seen, full.local_seen);
        assert_eq!(read.days, full.days);
        assert_eq!(read.times, full.times.expect("set"));
        assert_eq!(read.docs, full.docs);
        assert_eq!(
            read.amounts
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["-99999999.99", "0.00", "0.05"]
        );

        // Defaults and NULLs: `client` is 127.0.0.1, `billing` January
        // 2024, `times` empty. Diesel writes a `Cidr` value as its network
        // (`IpNet::trunc`): bits right of the mask are dropped on writing
        // (documented in the README), which this pins down.
        let bare = diesel::insert_into(sessions::table)
            .values(NewSession::new(
                account.id,
                (Bound::Unbounded, Bound::Unbounded),
                Vec::new(),
                Vec::new(),
                Vec::new(),
                Vec::new(),
            ))
            .get_result::<Session>(&mut pg)
            .expect("insert bare session");
        assert_eq!(bare.client, net("127.0.0.1/32"));
        assert_eq!(bare.network, None);
        assert_eq!(bare.wall, None);
        assert_eq!(
            bare.billing,
            (
                Bound::Included(date(2024, 1, 1)),
                Bound::Excluded(date(2024, 2, 1))
            )
        );
        assert_eq!(bare.times, Vec::new());
        assert_eq!(bare.during, (Bound::Unbounded, Bound::Unbounded));
        assert_eq!(
            bare.amounts
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["1.50", "-2.00"]
        );
        // A decimal element with a digit too many after the point is
        // refused on writing (PostgreSQL's NUMERIC(10,2) would round it).
        let rounded = diesel::insert_into(sessions::table)
            .values(
                NewSession::new(
                    account.id,
                    (Bound::Unbounded, Bound::Unbounded),
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                )
                .with_amounts(vec![
                    cloacina_types::UniversalDecimal::parse_text("1.555").expect("decimal")
                ]),
            )
            .execute(&mut pg);
        assert!(rounded.is_err(), "1.555 was written to NUMERIC(10,2)[]");
        let truncated = diesel::insert_into(sessions::table)
            .values(
                NewSession::new(
                    account.id,
                    (Bound::Unbounded, Bound::Unbounded),
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                )
                .with_network(net("10.1.2.3/16")),
            )
            .get_result::<Session>(&mut pg)
            .expect("insert cidr");
        assert_eq!(truncated.network, Some(net("10.1.0.0/16")));
    }));
    drop_pg_schema(&mut pg, &schema);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn full_text_search_and_numeric_ranges_round_trip_through_the_generated_models() {
    use cloacina_types::bigdecimal::BigDecimal;
    use cloacina_types::diesel_full_text_search::{
        to_tsquery, to_tsvector, PgTsVector, TsVectorExtensions,
    };
    let dec = |s: &str| s.parse::<BigDecimal>().expect("decimal");
    let lexemes = |v: &PgTsVector| -> Vec<(String, Vec<u16>)> {
        v.entries
            .iter()
            .map(|e| (e.lexeme.clone(), e.positions.clone()))
            .collect()
    };
    let _turn = CITEXT_SCHEMA.lock().unwrap_or_else(|p| p.into_inner());
    let (mut pg, schema) = pg_scratch_connection("pg_types_fts");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        apply_ddl(&mut pg);
        // More digits than any float or the neutral Decimal<P, S> holds,
        // on both sides of the point.
        let wide = "123456789012345678901234567890.000000000000000000001";
        let full = NewDocument::new(
            "Fat cats",
            "A fat cat sat on the mats",
            (Bound::Included(dec("-1.5")), Bound::Excluded(dec(wide))),
        )
        .with_share((Bound::Excluded(dec("0.25")), Bound::Included(dec("0.750"))))
        .with_tolerance((Bound::Unbounded, Bound::Included(dec("-0.001"))));
        // The insert model has no `search` field: the trigger fills it.
        let written = diesel::insert_into(documents::table)
            .values(full.clone())
            .get_result::<Document>(&mut pg)
            .expect("insert document");
        let read: Document = documents::table
            .find(written.id)
            .first(&mut pg)
            .expect("read document");
        assert_eq!(read, written);
        assert_eq!(
            lexemes(&read.search),
            [
                ("cat".to_string(), vec![2, 5]),
                ("fat".to_string(), vec![1, 4]),
                ("mat".to_string(), vec![9]),
                ("sat".to_string(), vec![6]),
            ]
        );
        assert_eq!(read.extra_search, None);
        // NUMRANGE keeps every digit and the scale it was given.
        let shown = |b: &Bound<BigDecimal>| match b {
            Bound::Included(v) => format!("[{v}"),
            Bound::Excluded(v) => format!("({v}"),
            Bound::Unbounded => "_".into(),
        };
        assert_eq!(shown(&read.price_band.0), "[-1.5");
        assert_eq!(shown(&read.price_band.1), format!("({wide}"));
        assert_eq!(shown(&read.share.0), "(0.25");
        assert_eq!(shown(&read.share.1), "[0.750");
        assert_eq!(
            read.tolerance,
            Some((Bound::Unbounded, Bound::Included(dec("-0.001"))))
        );

        // `@@` through the re-exported crate's DSL, and in plain SQL.
        let hits: Vec<i64> = documents::table
            .filter(documents::search.matches(to_tsquery("cats & mat")))
            .select(documents::id)
            .load(&mut pg)
            .expect("match with the DSL");
        assert_eq!(hits, [read.id]);
        let misses: Vec<i64> = documents::table
            .filter(documents::search.matches(to_tsquery("dog")))
            .select(documents::id)
            .load(&mut pg)
            .expect("no match");
        assert!(misses.is_empty());
        #[derive(QueryableByName)]
        struct Hit {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
        }
        let sql: Vec<Hit> = diesel::sql_query(
            "SELECT id FROM documents WHERE search @@ to_tsquery('english', 'fat & mats')",
        )
        .load(&mut pg)
        .expect("match in SQL");
        assert_eq!(sql.iter().map(|h| h.id).collect::<Vec<_>>(), [read.id]);

        // A tsvector is written in SQL: an UPDATE fills the nullable one.
        diesel::update(documents::table.find(read.id))
            .set(documents::extra_search.eq(to_tsvector(documents::title).nullable()))
            .execute(&mut pg)
            .expect("update extra_search");
        let updated: Document = documents::table
            .find(read.id)
            .first(&mut pg)
            .expect("read again");
        assert_eq!(
            updated.extra_search.as_ref().map(lexemes),
            Some(vec![
                ("cat".to_string(), vec![2]),
                ("fat".to_string(), vec![1])
            ])
        );

        // Defaults: `share` is [0,1); without the trigger `search` would be
        // the empty document (its default), which the trigger replaces.
        let bare = diesel::insert_into(documents::table)
            .values(NewDocument::new(
                "",
                "",
                (Bound::Unbounded, Bound::Unbounded),
            ))
            .get_result::<Document>(&mut pg)
            .expect("insert bare document");
        assert!(bare.search.entries.is_empty());
        assert_eq!(
            bare.share,
            (Bound::Included(dec("0")), Bound::Excluded(dec("1")))
        );
        assert_eq!(bare.tolerance, None);
        assert_eq!(bare.price_band, (Bound::Unbounded, Bound::Unbounded));
    }));
    drop_pg_schema(&mut pg, &schema);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
