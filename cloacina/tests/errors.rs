//! Bad URLs, an unreachable server and a corrupt stored value each give a
//! clear error, never a panic.

mod common;

use cloacina::{Backend, Database, Error};

#[test]
fn bad_urls_list_the_accepted_forms() {
    for url in [
        "mysql://root:hunter2@db/x",
        "",
        "redis:6379",
        "sqlite://",
        "postgres://",
    ] {
        let err = Database::connect(url).unwrap_err();
        assert!(matches!(err, Error::BadUrl { .. }), "{url}: {err:?}");
        let msg = err.to_string();
        assert!(
            msg.contains("postgres://") && msg.contains("sqlite://") && msg.contains(":memory:"),
            "{msg}"
        );
        assert!(!msg.contains("hunter2"), "password leaked: {msg}");
        assert!(Backend::from_url(url).is_err());
    }
    assert_eq!(
        Backend::from_url("postgresql://h/db").ok(),
        Some(Backend::Postgres)
    );
    assert_eq!(Backend::from_url("file:x.db").ok(), Some(Backend::Sqlite));
}

#[cfg(feature = "postgres")]
#[test]
fn an_unreachable_server_is_a_connect_error_without_the_password() {
    // Port 1 on loopback: nothing listens there.
    let err = Database::connect_with(
        "postgres://someone:s3cret@127.0.0.1:1/nothing?connect_timeout=2",
        cloacina::DatabaseConfig::default(),
    )
    .unwrap_err();
    match &err {
        Error::Connect {
            backend,
            url,
            message,
        } => {
            assert_eq!(*backend, "postgres");
            assert!(url.contains("someone:***@127.0.0.1:1"), "{url}");
            assert!(!message.is_empty());
        }
        other => panic!("expected Connect, got {other:?}"),
    }
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

#[cfg(feature = "sqlite")]
#[test]
fn an_unopenable_sqlite_path_is_a_connect_error() {
    let err = Database::connect("sqlite:///nonexistent-dir/deeper/x.db").unwrap_err();
    assert!(
        matches!(
            err,
            Error::Connect {
                backend: "sqlite",
                ..
            }
        ),
        "{err:?}"
    );
}

#[cfg(not(feature = "postgres"))]
#[test]
fn a_postgres_url_in_a_sqlite_only_build_says_which_feature_to_enable() {
    let err = Database::connect("postgres://u@localhost/db").unwrap_err();
    assert!(
        matches!(
            err,
            Error::BackendDisabled {
                backend: "postgres",
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("feature `postgres`"));
}

#[cfg(not(feature = "sqlite"))]
#[test]
fn a_sqlite_url_in_a_postgres_only_build_says_which_feature_to_enable() {
    let err = Database::connect(":memory:").unwrap_err();
    assert!(
        matches!(
            err,
            Error::BackendDisabled {
                backend: "sqlite",
                ..
            }
        ),
        "{err:?}"
    );
}

#[cfg(feature = "sqlite")]
#[test]
fn a_corrupt_stored_value_is_an_error_naming_the_column() {
    let dir = common::TempDir::new("corrupt");
    let db = Database::connect(&format!("sqlite://{}", dir.file("c.db"))).expect("connect");
    db.migrate().expect("migrate");
    let ctx = db
        .dal()
        .create_context(serde_json::json!({}))
        .expect("context");
    use diesel::connection::SimpleConnection;
    {
        // Bypass the CHECK constraints the way a buggy tool or a manual edit would.
        let mut conn = db.get().expect("conn");
        conn.batch_execute(
            "PRAGMA ignore_check_constraints = ON; UPDATE contexts SET created_at = 'yesterday-ish'; PRAGMA ignore_check_constraints = OFF;",
        )
        .expect("corrupt the row");
    }
    let err = db.dal().get_context(ctx.id).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Query(_)), "{err:?}");
    assert!(msg.contains("created_at"), "names the column: {msg}");
    assert!(
        msg.contains("yesterday-ish") && msg.contains("YYYY-MM-DDTHH:MM:SS.ffffffZ"),
        "says what was found and what was expected: {msg}"
    );

    {
        let mut conn = db.get().expect("conn");
        conn.batch_execute(
            "PRAGMA ignore_check_constraints = ON; UPDATE contexts SET created_at = '2026-01-01T00:00:00.000000Z', value = '{not json'; PRAGMA ignore_check_constraints = OFF;",
        )
        .expect("corrupt the json");
    }
    let msg = db.dal().get_context(ctx.id).unwrap_err().to_string();
    assert!(msg.contains("value"), "{msg}");
}
