//! The `cloacina-migrate` binary against real SQLite and PostgreSQL:
//! status (table and JSON), dry runs, up to a version, revert, errors.

mod common;

use std::process::Command;

fn cli(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloacina-migrate"))
        .env_remove("DATABASE_URL")
        .arg("--database")
        .arg(url)
        .args(args)
        .output()
        .expect("run cloacina-migrate");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(url: &str) -> serde_json::Value {
    let (ok, out, err) = cli(url, &["status", "--json"]);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

fn operate(url: &str) {
    let before = json(url);
    let pending = before["counts"]["pending"].as_u64().expect("count");
    assert!(pending > 0, "{before}");
    let first = before["migrations"][0]["version"]
        .as_str()
        .expect("version")
        .to_string();

    let (ok, table, err) = cli(url, &["status"]);
    assert!(ok, "{err}");
    assert!(table.starts_with("VERSION"), "{table}");
    assert!(
        table.contains(&format!("0 applied, {pending} pending")),
        "{table}"
    );

    // Dry run: the SQL, and nothing changes.
    let (ok, sql, err) = cli(url, &["up", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(
        sql.contains("CREATE TABLE") && sql.contains("/up.sql)"),
        "{sql}"
    );
    assert_eq!(json(url)["counts"]["pending"], pending);

    // Up to the first version, with progress through tracing on stderr.
    let (ok, out, err) = cli(url, &["up", "--to", &first]);
    assert!(ok, "{err}");
    assert!(out.starts_with("applied 1 migration(s)"), "{out}");
    assert!(
        err.contains("applied migration") && err.contains("elapsed_ms"),
        "{err}"
    );
    let after = json(url);
    assert_eq!(after["migrations"][0]["state"], "applied");
    assert_eq!(
        after["migrations"][0]["checksum"],
        after["migrations"][0]["recorded_checksum"]
    );
    let (ok, out, err) = cli(url, &["up"]);
    assert!(ok, "{err}");
    assert!(out.contains(&format!("{} were applied before", 1)), "{out}");
    assert_eq!(json(url)["counts"]["applied"], pending);

    // Revert: dry run prints down.sql; then all of them.
    let (ok, sql, err) = cli(url, &["revert", "--dry-run"]);
    assert!(ok, "{err}");
    assert!(
        sql.contains("DROP TABLE") && sql.contains("/down.sql)"),
        "{sql}"
    );
    let (ok, out, err) = cli(url, &["revert", &pending.to_string()]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with(&format!("reverted {pending} migration(s)")),
        "{out}"
    );
    assert!(err.contains("reverted migration"), "{err}");
    assert_eq!(json(url)["counts"]["pending"], pending);

    // Errors: exit 1, a message that says what to do.
    let (ok, _, err) = cli(url, &["up", "--to", "19000101000000"]);
    assert!(!ok);
    assert!(
        err.contains("no embedded migration has this version"),
        "{err}"
    );
    let (ok, _, err) = cli(url, &["revert", "1"]);
    assert!(!ok);
    assert!(err.contains("only 0 migrations are applied"), "{err}");
}

#[cfg(feature = "sqlite")]
#[test]
fn the_cli_operates_sqlite() {
    let dir = common::TempDir::new("cli");
    operate(&format!("sqlite://{}", dir.file("cli.db")));
}

#[cfg(feature = "postgres")]
#[test]
fn the_cli_operates_postgres_and_never_prints_the_password() {
    let pg = common::TempPgDatabase::new();
    operate(&pg.url);
    let (ok, _, err) = cli(
        "postgres://cloacina:S3cr%2Ft@127.0.0.1:1/nowhere",
        &["status"],
    );
    assert!(!ok);
    assert!(
        err.contains("cannot connect") && !err.contains("S3cr"),
        "{err}"
    );
}

fn code(url: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cloacina-migrate"))
        .env_remove("DATABASE_URL")
        .arg("--database")
        .arg(url)
        .args(args)
        .output()
        .expect("run cloacina-migrate");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `status` exits 0 when migrations are only applied, unrecorded or pending, 3 when one
/// is modified or missing (after printing the status), 1 on an error, 2 on
/// a usage error. `sql` runs SQL on the database by hand.
fn status_exit_codes(url: &str, sql: &dyn Fn(&str)) {
    assert_eq!(code(url, &["status"]).0, Some(0), "only pending");
    assert_eq!(code(url, &["up"]).0, Some(0));
    assert_eq!(code(url, &["status", "--json"]).0, Some(0), "all applied");

    sql("UPDATE cloacina_migration_checksums SET checksum = 'edited'");
    let (c, out, err) = code(url, &["status"]);
    assert_eq!(c, Some(3), "{out}{err}");
    assert!(
        out.contains("modified") && out.contains("1 modified"),
        "{out}"
    );
    assert!(err.contains("modified or missing"), "{err}");
    let (c, out, _) = code(url, &["status", "--json"]);
    assert_eq!(c, Some(3));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json on stdout");
    assert_eq!(doc["counts"]["modified"], 1);

    sql("DELETE FROM cloacina_migration_checksums");
    let (c, out, err) = code(url, &["status"]);
    assert_eq!(c, Some(0), "unrecorded is not drift: {out}{err}");
    assert!(
        out.contains(" unrecorded\n") && !out.contains(" 0 unrecorded"),
        "{out}"
    );
    let (c, out, _) = code(url, &["status", "--json"]);
    assert_eq!(c, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json on stdout");
    assert_eq!(doc["counts"]["applied"], 0);
    assert!(
        doc["counts"]["unrecorded"].as_u64().is_some_and(|n| n > 0),
        "{out}"
    );
    sql("INSERT INTO __diesel_schema_migrations (version) VALUES ('29990101000000')");
    let (c, out, _) = code(url, &["status"]);
    assert_eq!(c, Some(3), "{out}");
    assert!(
        out.contains("29990101000000") && out.contains("1 missing"),
        "{out}"
    );

    assert_eq!(code(url, &["status", "--no-such-flag"]).0, Some(2));
}

#[cfg(feature = "sqlite")]
#[test]
fn status_exit_codes_on_sqlite() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let dir = common::TempDir::new("cli-codes");
    let file = dir.file("codes.db");
    status_exit_codes(&format!("sqlite://{file}"), &|q| {
        diesel::SqliteConnection::establish(&file)
            .expect("open")
            .batch_execute(q)
            .expect("sql");
    });
    let missing = dir.file("no/such/dir/x.db");
    assert_eq!(code(&missing, &["status"]).0, Some(1));
}

#[cfg(feature = "postgres")]
#[test]
fn status_exit_codes_on_postgres() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let pg = common::TempPgDatabase::new();
    status_exit_codes(&pg.url, &|q| {
        diesel::PgConnection::establish(&pg.url)
            .expect("connect")
            .batch_execute(q)
            .expect("sql");
    });
    assert_eq!(
        code("postgres://x@127.0.0.1:1/nowhere", &["status"]).0,
        Some(1)
    );
}

/// `up` refuses a database plain Diesel migrated whose structure differs,
/// naming the difference; `up --adopt-unverified` adopts it with a warning.
#[cfg(feature = "sqlite")]
#[test]
fn up_adopts_a_diesel_migrated_database_only_when_told_if_it_differs() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    use diesel_migrations::MigrationHarness;
    let dir = common::TempDir::new("cli-adopt");
    let file = dir.file("diesel.db");
    let mut c = diesel::SqliteConnection::establish(&file).expect("open");
    c.run_pending_migrations(cloacina::SQLITE_MIGRATIONS)
        .expect("diesel's harness");
    c.batch_execute("ALTER TABLE contexts ADD COLUMN sneaky TEXT")
        .expect("by hand");
    drop(c);
    let (c, _, err) = code(&file, &["up"]);
    assert_eq!(c, Some(1), "{err}");
    assert!(
        err.contains("contexts column sneaky") && err.contains("--adopt-unverified"),
        "{err}"
    );
    let (c, out, err) = code(&file, &["up", "--adopt-unverified"]);
    assert_eq!(c, Some(0), "{err}");
    assert!(out.starts_with("applied 0 migration(s)"), "{out}");
    assert!(
        err.contains("WARN") && err.contains("contexts column sneaky"),
        "{err}"
    );
    let (c, out, _) = code(&file, &["status", "--json"]);
    assert_eq!(c, Some(0));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        doc["migrations"][0]["recorded_checksum"],
        doc["migrations"][0]["checksum"]
    );
}
