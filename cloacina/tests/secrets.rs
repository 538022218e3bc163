//! No password, in any form a user can write it, reaches an error, a
//! `Debug` output or a driver message; and a connection string is never
//! taken as a SQLite file path.

use std::time::Duration;

use cloacina::{Database, DatabaseConfig, Target};
use proptest::prelude::*;

/// `pw` percent-encoded (every byte that is not unreserved).
fn pct(pw: &str) -> String {
    pw.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `pw` as a quoted libpq keyword/value value.
fn quoted(pw: &str) -> String {
    format!("'{}'", pw.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Every way we know to write a password into a connection string, right
/// and wrong. Nothing listens on 127.0.0.1:1, so the well-formed ones reach
/// libpq and fail to connect.
fn forms(pw: &str) -> Vec<String> {
    let e = pct(pw);
    let q = quoted(pw);
    vec![
        format!("postgres://someone:{pw}@127.0.0.1:1/db?connect_timeout=1"),
        format!("postgresql://someone:{e}@127.0.0.1:1/db?connect_timeout=1"),
        format!("postgres://someone:{e}@127.0.0.1:1,127.0.0.1:1/db"),
        format!("postgres://127.0.0.1:1/db?user=someone&password={pw}"),
        format!("postgres://127.0.0.1:1/db?user=someone&password={e}&connect_timeout=1"),
        format!("postgres://someone:{pw}%zz@127.0.0.1:1/db"),
        format!("postgres://someone:{pw}%4@127.0.0.1:1/db"),
        format!("postgres://127.0.0.1:1/db?password={e}&bogus=1"),
        format!("host=127.0.0.1 port=1 user=someone password={q} dbname=db connect_timeout=1"),
        format!("host=127.0.0.1 port=1 password = {q} sslpassword={q}"),
        format!("host=127.0.0.1 port=1 user=someone password={pw} dbname=db"),
        format!("host=127.0.0.1 port=1 password='{pw}"),
        format!("host=127.0.0.1 password={q} bogus"),
        format!("mysql://someone:{pw}@127.0.0.1:1/db"),
        format!("pgsql://someone:{e}@127.0.0.1:1/db"),
        format!("someone:{pw}@127.0.0.1/db"),
        format!("x password={q}"),
        format!("./data password={pw}"),
    ]
}

/// Everything the runtime can say about `url` without a server: the
/// parse result's Debug, the backend error, and a connection attempt's
/// error (Display and Debug), plus the config's Debug.
fn everything_said(url: &str) -> (String, bool) {
    let mut said = String::new();
    let mut became_a_path = false;
    match Target::parse(url) {
        Ok(t) => {
            said.push_str(&format!("{t:?}\n{}\n", t.display()));
            became_a_path = matches!(t, Target::SqliteFile(_) | Target::SqliteMemory);
        }
        Err(e) => said.push_str(&format!("{e}\n{e:?}\n")),
    }
    if let Err(e) = cloacina::Backend::from_url(url) {
        said.push_str(&format!("{e}\n"));
    }
    if !became_a_path {
        let config = DatabaseConfig {
            connection_timeout: Duration::from_secs(2),
            ..DatabaseConfig::default()
        };
        said.push_str(&format!("{config:?}\n"));
        match Database::connect_with(url, config) {
            Ok(db) => said.push_str(&format!("{db:?}\n")),
            Err(e) => said.push_str(&format!("{e}\n{e:?}\n")),
        }
    }
    (said, became_a_path)
}

fn password() -> impl Strategy<Value = String> {
    prop_oneof![
        // Every printable ASCII character, `/ @ : % ? & # ' \ =` and space included.
        "[ -~]{8,24}",
        // Percent escapes, good and bad, mixed with letters.
        "([A-Za-z]{1,3}(%[0-9A-Fa-f]{2}|%|%[G-Zg-z]{2})){3,6}",
        // Unicode.
        "[a-zA-Z0-9\u{e9}\u{fc}\u{4e16}\u{1f511}/@:%]{8,16}",
    ]
}

proptest! {
    // 48 cases by default (each tries 18 forms, each a connection attempt);
    // PROPTEST_CASES=2000 for a longer hunt.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_passwords_never_appear(pw in password()) {
        // A password that the messages hold anyway (a word of the text, or
        // the host) proves nothing: compare with what is said for another one.
        let (control, _) = everything_said("postgres://someone:CONTROLPW@127.0.0.1:1/db?connect_timeout=1");
        prop_assume!(!control.contains(&pw));
        for url in forms(&pw) {
            let (said, became_a_path) = everything_said(&url);
            prop_assert!(!became_a_path, "a connection string became a SQLite path: {}", said);
            prop_assert!(!said.contains(&pw), "password shown for form {}:\n{}", forms(&pw).iter().position(|f| f == &url).unwrap_or(0), said);
            prop_assert!(!said.contains(&pct(&pw)) || pct(&pw) == pw, "encoded password shown:\n{}", said);
        }
    }
}

/// The cases from the field, spelled out.
#[test]
fn known_leaks_stay_closed() {
    for url in [
        "postgres://user:WR/ONGPW@127.0.0.1:1/db",
        "postgres://user:WRONGPW%@127.0.0.1:1/db",
        "postgres://user:WRONGPW%zz@127.0.0.1:1/db",
        "host=127.0.0.1 port=1 user=u password=WRONGPW dbname=d",
        "host=127.0.0.1 port=1 user=u password='WRONG PW' dbname=d",
    ] {
        let (said, became_a_path) = everything_said(url);
        assert!(!became_a_path, "{url}");
        assert!(!said.contains("WRONG"), "{url}:\n{said}");
        assert!(!said.contains("ONGPW"), "{url}:\n{said}");
    }
    // A well-formed keyword/value string reaches PostgreSQL (and fails to
    // connect there, with libpq's words, not a file).
    #[cfg(feature = "postgres")]
    {
        keyword_value_strings_reach_postgres();
    }
}

#[cfg(feature = "postgres")]
fn keyword_value_strings_reach_postgres() {
    let err = Database::connect("host=127.0.0.1 port=1 user=u password='p w' dbname=d")
        .expect_err("nothing listens on port 1");
    match &err {
        cloacina::Error::Connect { backend, url, .. } => {
            assert_eq!(*backend, "postgres");
            assert_eq!(url, "host=127.0.0.1 port=1 user=u password=*** dbname=d");
        }
        other => panic!("expected Connect, got {other:?}"),
    }
}
