//! Tenants: one PostgreSQL schema, or one SQLite file, per tenant; each
//! migrated once however many processes start together, never waiting for
//! another tenant's migration, and never showing another tenant's rows.

mod common;

use std::sync::{Arc, Barrier};

use cloacina::dal::{NewWorkflowRun, Page, WorkflowStatus};
use cloacina::{Database, DatabaseConfig, Error, MigrationReport};

/// 4 threads per tenant, each with its own pool (as separate processes
/// would have), all starting `connect_tenant` + `migrate` at once.
fn migrate_concurrently(url: &str, tenants: &[&str]) -> Vec<(String, MigrationReport)> {
    let per_tenant = 4;
    let barrier = Arc::new(Barrier::new(tenants.len() * per_tenant));
    let handles: Vec<_> = tenants
        .iter()
        .flat_map(|t| std::iter::repeat_n(t.to_string(), per_tenant))
        .map(|tenant| {
            let (url, barrier) = (url.to_string(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                let db = Database::connect_tenant(&url, &tenant, DatabaseConfig::default())
                    .unwrap_or_else(|e| panic!("{tenant}: {e}"));
                let report = db.migrate().unwrap_or_else(|e| panic!("{tenant}: {e}"));
                (tenant, report)
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("migrating thread"))
        .collect()
}

/// Each tenant was migrated by exactly one of its threads; the others
/// found everything applied.
fn assert_once_per_tenant(reports: &[(String, MigrationReport)], tenants: &[&str]) -> usize {
    let mut total = None;
    for t in tenants {
        let mine: Vec<_> = reports.iter().filter(|(n, _)| n == t).collect();
        assert_eq!(mine.len(), 4);
        let appliers: Vec<_> = mine.iter().filter(|(_, r)| !r.applied.is_empty()).collect();
        assert_eq!(appliers.len(), 1, "{t}: {mine:?}");
        let n = appliers[0].1.applied.len();
        assert!(n > 0);
        for (_, r) in &mine {
            if r.applied.is_empty() {
                assert_eq!(r.already_applied, n, "{t}: {r:?}");
            }
        }
        assert_eq!(*total.get_or_insert(n), n);
    }
    total.unwrap_or(0)
}

/// Rows written through one tenant's handle are invisible through the other.
fn assert_isolated(a: &Database, b: &Database) {
    let run = a
        .dal()
        .create_workflow(&NewWorkflowRun::new("only-in-one-tenant").task("x"))
        .expect("create in a");
    let page = Page::first(100);
    let in_a = a
        .dal()
        .list_workflows_by_status(WorkflowStatus::Pending, page)
        .expect("list a");
    let in_b = b
        .dal()
        .list_workflows_by_status(WorkflowStatus::Pending, page)
        .expect("list b");
    let id = run.execution.id;
    assert!(in_a.iter().any(|w| w.id == id));
    assert!(
        !in_b.iter().any(|w| w.id == id),
        "tenant b sees tenant a's rows: {in_b:?}"
    );
    assert!(matches!(
        b.dal().get_workflow(run.execution.id),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(
        b.dal().get_task(run.tasks[0].id),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn tenant_names_that_are_not_identifiers_are_refused_before_connecting() {
    let dir = common::TempDir::new("tenant-names");
    let url = format!("sqlite://{}", dir.file("cloacina.db"));
    for bad in [
        "Acme",
        "a;b",
        "x\" ; DROP SCHEMA public CASCADE; --",
        "",
        "pg_catalog",
        "9lives",
    ] {
        let e = Database::connect_tenant(&url, bad, DatabaseConfig::default())
            .expect_err(bad)
            .to_string();
        assert!(e.starts_with("invalid tenant name"), "{bad}: {e}");
        assert!(e.contains("[a-z_][a-z0-9_]*"), "{bad}: {e}");
    }
    let files: Vec<_> = std::fs::read_dir(&dir.0).expect("dir").collect();
    assert!(files.is_empty(), "a refused tenant created {files:?}");
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_tenants_are_files_migrated_once_each_and_isolated() {
    let dir = common::TempDir::new("tenants");
    let url = format!("sqlite://{}", dir.file("cloacina.db"));
    let reports = migrate_concurrently(&url, &["acme", "globex"]);
    assert_once_per_tenant(&reports, &["acme", "globex"]);
    assert!(dir.0.join("cloacina.acme.db").exists());
    assert!(dir.0.join("cloacina.globex.db").exists());
    assert!(!dir.0.join("cloacina.db").exists());
    let a = Database::connect_tenant(&url, "acme", DatabaseConfig::default()).expect("a");
    let b = Database::connect_tenant(&url, "globex", DatabaseConfig::default()).expect("b");
    assert_eq!(a.tenant(), Some("acme"));
    assert!(a.target().contains("cloacina.acme.db"), "{}", a.target());
    assert_isolated(&a, &b);
}

#[cfg(feature = "postgres")]
mod postgres {
    use super::*;
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    fn count(c: &mut PgConnection, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<Count>(c)
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .n
    }

    #[test]
    fn two_tenant_schemas_migrated_by_four_threads_each_once_per_tenant() {
        let pg = common::TempPgDatabase::new();
        let reports = migrate_concurrently(&pg.url, &["tenant_a", "tenant_b"]);
        let n = assert_once_per_tenant(&reports, &["tenant_a", "tenant_b"]) as i64;
        let mut c = PgConnection::establish(&pg.url).expect("admin");
        for t in ["tenant_a", "tenant_b"] {
            assert_eq!(
                count(
                    &mut c,
                    &format!("SELECT count(*) AS n FROM {t}.__diesel_schema_migrations")
                ),
                n
            );
            assert_eq!(
                count(
                    &mut c,
                    &format!("SELECT count(*) AS n FROM {t}.cloacina_migration_checksums")
                ),
                n
            );
            assert_eq!(
                count(
                    &mut c,
                    &format!("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = '{t}' AND table_name = 'task_executions'")
                ),
                1
            );
        }
        // Nothing landed in `public`.
        assert_eq!(
            count(
                &mut c,
                "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'"
            ),
            0
        );
        let a =
            Database::connect_tenant(&pg.url, "tenant_a", DatabaseConfig::default()).expect("a");
        let b =
            Database::connect_tenant(&pg.url, "tenant_b", DatabaseConfig::default()).expect("b");
        assert!(a.target().ends_with("(schema tenant_a)"), "{}", a.target());
        assert_isolated(&a, &b);
        assert_isolated(&b, &a);
    }

    #[test]
    fn a_tenant_migration_does_not_wait_for_another_tenants_lock() {
        let pg = common::TempPgDatabase::new();
        let key_a = cloacina::pg_migration_lock_key(Some("tenant_a"));
        let key_b = cloacina::pg_migration_lock_key(Some("tenant_b"));
        assert_ne!(key_a, key_b);
        assert_ne!(key_a, cloacina::PG_MIGRATION_LOCK_KEY);
        // Someone holds tenant a's migration lock (and would forever).
        let mut holder = PgConnection::establish(&pg.url).expect("holder");
        holder
            .batch_execute(&format!("BEGIN; SELECT pg_advisory_xact_lock({key_a});"))
            .expect("hold a's lock");
        let config = DatabaseConfig {
            migration_lock_timeout: std::time::Duration::from_secs(2),
            ..DatabaseConfig::default()
        };
        let b = Database::connect_tenant(&pg.url, "tenant_b", config.clone()).expect("b");
        let report = b
            .migrate()
            .expect("tenant b migrates while a's lock is held");
        assert!(!report.applied.is_empty());
        let a = Database::connect_tenant(&pg.url, "tenant_a", config).expect("a");
        match a.migrate() {
            Err(Error::MigrationLockTimeout { .. }) => {}
            other => panic!("tenant a should wait for its own lock: {other:?}"),
        }
        holder.batch_execute("ROLLBACK").expect("release");
        assert!(!a.migrate().expect("a after release").applied.is_empty());
    }

    #[test]
    fn a_checked_out_connection_always_starts_in_its_tenant_schema() {
        let pg = common::TempPgDatabase::new();
        let config = DatabaseConfig {
            max_size: 1,
            ..DatabaseConfig::default()
        };
        let a = Database::connect_tenant(&pg.url, "tenant_a", config).expect("a");
        a.migrate().expect("migrate");
        {
            let mut conn = a.get().expect("conn");
            conn.batch_execute("SET search_path TO public")
                .expect("set");
        }
        #[derive(QueryableByName)]
        struct Schema {
            #[diesel(sql_type = diesel::sql_types::Text)]
            s: String,
        }
        let mut conn = a.get().expect("conn");
        let got: Schema = diesel::sql_query("SELECT current_schema()::text AS s")
            .get_result(&mut *conn)
            .expect("current_schema");
        assert_eq!(got.s, "tenant_a");
    }
}

#[cfg(all(feature = "async", feature = "postgres"))]
#[test]
fn the_async_face_serves_one_tenant_only() {
    let pg = common::TempPgDatabase::new();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let config = DatabaseConfig::default();
        let a = cloacina::AsyncDatabase::connect_tenant(&pg.url, "tenant_a", config.clone())
            .await
            .expect("a");
        let b = cloacina::AsyncDatabase::connect_tenant(&pg.url, "tenant_b", config)
            .await
            .expect("b");
        assert!(!a.migrate().await.expect("migrate a").applied.is_empty());
        assert!(!b.migrate().await.expect("migrate b").applied.is_empty());
        let run = a
            .dal()
            .create_workflow(&NewWorkflowRun::new("async-a").task("x"))
            .await
            .expect("create");
        let got = a.dal().get_workflow(run.execution.id).await.expect("get");
        assert_eq!(got.workflow_name, "async-a");
        assert!(matches!(
            b.dal().get_workflow(run.execution.id).await,
            Err(Error::NotFound { .. })
        ));
    });
}
