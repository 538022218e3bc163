//! Enums as a hostile user declares them (`enum_edges.rs`): every odd label
//! (a quote, a backslash, a comma, a line break, non-ASCII letters, a SQL
//! keyword, Rust keywords as variants) written through `AnyConnection` as
//! an enum primary key and through a deferrable foreign key reads back as
//! the same variant on both backends; the default is the label `type`.

use cloacina_tests::enum_edges::connection::AnyConnection;
use cloacina_tests::enum_edges::models::*;
use cloacina_tests::enum_edges::schema::unified::*;
use cloacina_tests::enum_edges::{POSTGRES_DDL, SQLITE_DDL};
use cloacina_tests::support::both_backends;
use diesel::prelude::*;

#[test]
fn odd_labels_round_trip_as_keys_and_through_a_deferrable_key() {
    let mut conns = both_backends(
        "enum_edges",
        SQLITE_DDL,
        POSTGRES_DDL,
        AnyConnection::Sqlite,
        AnyConnection::Postgresql,
    );
    assert_eq!(Tone::r#type.as_str(), "type");
    assert_eq!(Tone::Lines.as_str(), "two\nlines");
    for conn in [&mut conns.sqlite, &mut conns.postgres] {
        let mut want = Vec::new();
        for tone in Tone::ALL {
            diesel::insert_into(shades::table)
                .values(&NewShade::new(tone, 1))
                .execute(conn)
                .expect("insert shade");
        }
        for (i, tone) in Tone::ALL.into_iter().enumerate() {
            let new = NewPaint::new(i as i64).with_other(tone);
            let new = if i == 0 { new } else { new.with_shade(tone) };
            diesel::insert_into(paints::table)
                .values(&new)
                .execute(conn)
                .expect("insert paint");
            want.push((if i == 0 { Tone::r#type } else { tone }, Some(tone)));
        }
        let got: Vec<(Tone, Option<Tone>)> = paints::table
            .order(paints::id)
            .select((paints::shade, paints::other))
            .load(conn)
            .expect("load");
        assert_eq!(got, want);
        let keys: Vec<Tone> = shades::table
            .select(shades::shade)
            .filter(shades::shade.eq(Tone::Quote))
            .load(conn)
            .expect("filter");
        assert_eq!(keys, [Tone::Quote]);
    }
}
