//! The PostgreSQL-only column types of `postgres_types.rs` on a real
//! PostgreSQL: the generated DDL applies, and a row with a value of every
//! such type (arrays with their edge values, unbounded and half-open
//! ranges, intervals of months, days and microseconds, money, OIDs, MAC
//! addresses) written through the generated models reads back identical;
//! NULLs and defaults too.
//!
//! PostgreSQL comes from `CLOACINA_TEST_POSTGRES_URL` (or `DATABASE_URL`);
//! without a server this test fails with instructions; it never skips.

use std::ops::Bound;

use cloacina_tests::postgres_types::models::*;
use cloacina_tests::postgres_types::schema::unified::{account_details, accounts};
use cloacina_tests::postgres_types::POSTGRES_DDL;
use cloacina_tests::support::{drop_pg_schema, pg_scratch_connection};
use diesel::connection::SimpleConnection;
use diesel::pg::data_types::{PgInterval, PgMoney};
use diesel::prelude::*;

#[test]
fn every_postgres_only_type_round_trips_through_the_generated_models() {
    let (mut pg, schema) = pg_scratch_connection("pg_types");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pg.batch_execute(POSTGRES_DDL)
            .expect("postgres ddl applies");
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
        .with_device([0x08, 0x00, 0x2b, 0x01, 0x02, 0xff]);
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
        assert_eq!(bare.active_days, (Bound::Included(1), Bound::Unbounded));
    }));
    drop_pg_schema(&mut pg, &schema);
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
