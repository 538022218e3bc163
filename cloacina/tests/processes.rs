//! The migration runner across real processes (not threads): this test
//! binary starts copies of itself (`--child …`) as migrators.
//!
//! - A migrator stopped with SIGSTOP while it holds the lock inside a
//!   migration makes another migrator fail after its configured wait, naming
//!   the holder (on PostgreSQL the stopped process's pid and application);
//!   a migrator with nothing pending exits 0 at once; once resumed, the
//!   stopped one finishes its migration.
//! - Two tenants migrated at once by 4 processes each: every migration is
//!   applied exactly once per tenant, and rows of one tenant are never seen
//!   through the other.
//!
//! `harness = false`: plain `main`, so the binary can be its own child.
//! Arguments that do not start with `-` filter the scenarios by name, as
//! libtest does. PostgreSQL scenarios never skip: without a server they
//! fail saying how to get one.

mod common;

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use cloacina::dal::{NewWorkflowRun, Page, WorkflowStatus};
use cloacina::{Database, DatabaseConfig, Error};

/// The application name of the children's connections.
const APP: &str = "proc-test";

const BASE: &str = "CREATE TABLE base_log (note TEXT NOT NULL);";

fn slow(url: &str) -> &'static str {
    if is_pg(url) {
        "INSERT INTO base_log VALUES ('slow'); SELECT pg_sleep(2);"
    } else {
        "INSERT INTO base_log VALUES ('slow'); CREATE TABLE slow_sum AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) SELECT sum(x) AS s FROM c;"
    }
}

fn is_pg(url: &str) -> bool {
    url.starts_with("postgres")
}

// ---------------------------------------------------------------- child --

/// `--child URL TENANT|- SET LOCK_MS START_AT_MS`: migrate and print
/// `applied A already B`; on error print it and exit 1.
fn child(args: &[String]) -> i32 {
    let [url, tenant, set, lock_ms, start_at] = args else {
        eprintln!("usage: --child URL TENANT|- SET LOCK_MS START_AT_MS");
        return 64;
    };
    let start_at: u128 = start_at.parse().unwrap_or(0);
    while now_ms() < start_at {
        std::thread::sleep(Duration::from_millis(1));
    }
    let config = DatabaseConfig {
        max_size: 2,
        application_name: APP.into(),
        migration_lock_timeout: Duration::from_millis(lock_ms.parse().unwrap_or(60_000)),
        ..DatabaseConfig::default()
    };
    let db = match tenant.as_str() {
        "-" => Database::connect_with(url, config),
        t => Database::connect_tenant(url, t, config),
    };
    let report = db.and_then(|db| match set.as_str() {
        "base" => db.migrate_with(&[("1_base", BASE)]),
        "slow" => db.migrate_with(&[("1_base", BASE), ("2_slow", slow(url))]),
        "embedded" => db.migrate(),
        other => Err(Error::MigrationTarget {
            backend: "test",
            target: other.to_string(),
            reason: "unknown migration set".into(),
        }),
    });
    match report {
        Ok(r) => {
            println!("applied {} already {}", r.applied.len(), r.already_applied);
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0)
}

/// A child process, stopped or not, that is resumed and killed if the
/// scenario fails half way.
struct Proc(Option<Child>);

impl Proc {
    fn spawn(url: &str, tenant: Option<&str>, set: &str, lock: Duration, start_at: u128) -> Proc {
        let exe = std::env::current_exe().expect("the test binary");
        let child = Command::new(exe)
            .args(["--child", url, tenant.unwrap_or("-"), set])
            .arg(lock.as_millis().to_string())
            .arg(start_at.to_string())
            .env_remove("DATABASE_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a child migrator");
        Proc(Some(child))
    }

    fn pid(&self) -> u32 {
        self.0.as_ref().map(Child::id).unwrap_or(0)
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(ok.success(), "kill {sig} {}", self.pid());
    }

    fn wait(mut self) -> Output {
        self.0
            .take()
            .expect("a child")
            .wait_with_output()
            .expect("wait for the child")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = Command::new("kill")
                .args(["-CONT", &child.id().to_string()])
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// (applied, already) from a child's stdout.
fn counts(out: &Output) -> (usize, usize) {
    let s = text(&out.stdout);
    let mut it = s.split_whitespace();
    match (it.next(), it.next(), it.next(), it.next()) {
        (Some("applied"), Some(a), Some("already"), Some(b)) => (
            a.parse().expect("applied count"),
            b.parse().expect("already count"),
        ),
        _ => panic!("unexpected child output: {s}{}", text(&out.stderr)),
    }
}

// ------------------------------------------------------ stopped holder --

/// Waits until `probe` answers.
fn until<T>(what: &str, limit: Duration, mut probe: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(started.elapsed() < limit, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(feature = "postgres")]
/// The backend pid of the child's migration, once it runs its slow
/// statement.
fn pg_inside_migration(url: &str, pid: u32) -> Option<i32> {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Backend {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let mut c = diesel::PgConnection::establish(url).ok()?;
    // The runner names its transaction after taking the lock.
    diesel::sql_query(format!(
        "SELECT pid FROM pg_stat_activity \
         WHERE application_name = '{APP} migrate (pid {pid})' AND query LIKE '%pg_sleep%'"
    ))
    .get_result::<Backend>(&mut c)
    .ok()
    .map(|b| b.pid)
}

#[cfg(feature = "sqlite")]
fn sqlite_write_locked(path: &str) -> bool {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    let Ok(mut c) = diesel::SqliteConnection::establish(path) else {
        return false;
    };
    if c.batch_execute("PRAGMA busy_timeout = 0; BEGIN IMMEDIATE")
        .is_err()
    {
        return true;
    }
    let _ = c.batch_execute("ROLLBACK");
    false
}

/// Whether the child `pid` holds the migration lock (on PostgreSQL: and
/// runs its slow statement; then with its backend pid, else 0).
fn inside(url: &str, pid: u32, path: &str) -> Option<i32> {
    #[cfg(feature = "postgres")]
    if is_pg(url) {
        return pg_inside_migration(url, pid);
    }
    #[cfg(feature = "sqlite")]
    if !is_pg(url) {
        return sqlite_write_locked(path).then_some(0);
    }
    let _ = (url, pid, path);
    None
}

fn stopped_holder(url: &str, probe_path: &str) {
    // The first migration is applied before; the holder applies the slow one.
    let setup = Database::connect_with(url, DatabaseConfig::default()).expect("connect");
    setup.migrate_with(&[("1_base", BASE)]).expect("base");

    let holder = Proc::spawn(url, None, "slow", Duration::from_secs(60), 0);
    let pid = holder.pid();
    let backend_pid = until(
        "the holder is inside its migration",
        Duration::from_secs(30),
        || inside(url, pid, probe_path),
    );
    holder.signal("-STOP");

    // One with the slow migration pending waits 1.5 s and gives up; one with
    // nothing pending (only the base migration) exits 0 at once.
    let wait = Duration::from_millis(1500);
    let started = Instant::now();
    let waiter = Proc::spawn(url, None, "slow", wait, 0);
    let idle = Proc::spawn(url, None, "base", Duration::from_secs(60), 0);
    let idle_out = idle.wait();
    let idle_took = started.elapsed();
    let waiter_out = waiter.wait();
    let waiter_took = started.elapsed();

    assert!(
        idle_out.status.success(),
        "nothing pending: {}",
        text(&idle_out.stderr)
    );
    assert_eq!(counts(&idle_out), (0, 1));
    assert!(
        idle_took < Duration::from_secs(5),
        "nothing pending, yet it waited {idle_took:?}"
    );

    let err = text(&waiter_out.stderr);
    assert_eq!(waiter_out.status.code(), Some(1), "{err}");
    assert!(waiter_took >= wait, "gave up after {waiter_took:?}");
    assert!(
        waiter_took < wait + Duration::from_secs(10),
        "{waiter_took:?}"
    );
    assert!(err.contains("waiting for the"), "{err}");
    assert!(err.contains("migration_lock_timeout"), "{err}");
    if is_pg(url) {
        // The server's backend pid, and the stopped process in the name.
        assert!(
            err.contains(&format!("held by backend process pid {backend_pid}"))
                && err.contains(&format!("application_name '{APP} migrate (pid {pid})'")),
            "{err}"
        );
        assert!(err.contains("since"), "{err}");
    } else {
        let _ = backend_pid;
        assert!(err.contains(probe_path) && err.contains("fuser"), "{err}");
    }

    // Resumed, the holder finishes its migration, once.
    holder.signal("-CONT");
    let out = holder.wait();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(counts(&out), (1, 1));
    let after = Proc::spawn(url, None, "slow", Duration::from_secs(60), 0).wait();
    assert_eq!(counts(&after), (0, 2));
}

// ------------------------------------------------------------- tenants --

fn tenants(url: &str) {
    let names = ["tenant_a", "tenant_b"];
    let start_at = now_ms() + 1500;
    let procs: Vec<(&str, Proc)> = names
        .iter()
        .flat_map(|t| std::iter::repeat_n(*t, 4))
        .map(|t| {
            (
                t,
                Proc::spawn(url, Some(t), "embedded", Duration::from_secs(120), start_at),
            )
        })
        .collect();
    let outs: Vec<(&str, Output)> = procs.into_iter().map(|(t, p)| (t, p.wait())).collect();
    let embedded = {
        let db = Database::connect_tenant(url, names[0], DatabaseConfig::default()).expect("a");
        db.migration_status().expect("status").migrations.len()
    };
    for t in names {
        let mine: Vec<(usize, usize)> = outs
            .iter()
            .filter(|(n, _)| *n == t)
            .map(|(_, o)| {
                assert!(o.status.success(), "{t}: {}", text(&o.stderr));
                counts(o)
            })
            .collect();
        let applied: usize = mine.iter().map(|c| c.0).sum();
        assert_eq!(applied, embedded, "{t}: each migration once: {mine:?}");
        assert_eq!(
            mine.iter().filter(|c| c.0 > 0).count(),
            1,
            "{t}: one process applied them: {mine:?}"
        );
        let db = Database::connect_tenant(url, t, DatabaseConfig::default()).expect("tenant");
        let status = db.migration_status().expect("status");
        assert!(status
            .migrations
            .iter()
            .all(|m| m.state == cloacina::MigrationState::Applied
                && m.recorded_checksum == m.checksum));
    }
    let a = Database::connect_tenant(url, names[0], DatabaseConfig::default()).expect("a");
    let b = Database::connect_tenant(url, names[1], DatabaseConfig::default()).expect("b");
    isolated(&a, &b);
    isolated(&b, &a);
}

/// Rows written through `a` are invisible through `b`.
fn isolated(a: &Database, b: &Database) {
    let run = a
        .dal()
        .create_workflow(&NewWorkflowRun::new("only-in-one-tenant").task("x"))
        .expect("create");
    let seen = |db: &Database| {
        db.dal()
            .list_workflows_by_status(WorkflowStatus::Pending, Page::first(100))
            .expect("list")
            .iter()
            .any(|w| w.id == run.execution.id)
    };
    assert!(seen(a));
    assert!(!seen(b), "the other tenant sees this tenant's row");
    assert!(matches!(
        b.dal().get_workflow(run.execution.id),
        Err(Error::NotFound { .. })
    ));
}

// ---------------------------------------------------------------- main --

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--child") {
        std::process::exit(child(&args[1..]));
    }
    type Scenario = (&'static str, fn());
    let scenarios: Vec<Scenario> = vec![
        #[cfg(feature = "sqlite")]
        (
            "sqlite_stopped_holder_names_itself_and_idle_starts_do_not_wait",
            || {
                let dir = common::TempDir::new("proc-lock");
                let file = dir.file("lock.db");
                stopped_holder(&format!("sqlite://{file}"), &file);
            },
        ),
        #[cfg(feature = "postgres")]
        (
            "postgres_stopped_holder_names_itself_and_idle_starts_do_not_wait",
            || {
                let pg = common::TempPgDatabase::new();
                stopped_holder(&pg.url, "");
            },
        ),
        #[cfg(feature = "sqlite")]
        ("sqlite_two_tenants_by_four_processes_each", || {
            let dir = common::TempDir::new("proc-tenants");
            tenants(&format!("sqlite://{}", dir.file("app.db")));
        }),
        #[cfg(feature = "postgres")]
        ("postgres_two_tenants_by_four_processes_each", || {
            let pg = common::TempPgDatabase::new();
            tenants(&pg.url);
        }),
    ];
    // libtest's positional filters; the values of its options are not.
    let mut filters: Vec<&String> = Vec::new();
    let mut skips: Vec<&String> = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--skip" => skips.extend(it.next()),
            "--test-threads" | "--color" | "--format" | "--logfile" | "--shuffle-seed" | "-Z" => {
                it.next();
            }
            _ if !a.starts_with('-') => filters.push(a),
            _ => {}
        }
    }
    if args.iter().any(|a| a == "--list") {
        for (name, _) in &scenarios {
            println!("{name}: test");
        }
        return;
    }
    let chosen: Vec<&Scenario> = scenarios
        .iter()
        .filter(|(n, _)| filters.is_empty() || filters.iter().any(|f| n.contains(f.as_str())))
        .filter(|(n, _)| !skips.iter().any(|f| n.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", chosen.len());
    for (name, run) in &chosen {
        let started = Instant::now();
        run();
        println!("test {name} ... ok ({:?})", started.elapsed());
    }
    println!(
        "\ntest result: ok. {} passed; 0 failed; {} filtered out\n",
        chosen.len(),
        scenarios.len() - chosen.len()
    );
}
