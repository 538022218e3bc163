//! What a primary-key select of one row costs through each way of reaching
//! the database: the native connection, the derived `MultiConnection` enum,
//! and the DAL's dispatch (match the enum once, run on the native connection).
//!
//! ```text
//! cargo bench -p cloacina --bench dispatch
//! CLOACINA_BENCH_POSTGRES_URL=postgres://… cargo bench -p cloacina --bench dispatch   # adds PostgreSQL
//! ```

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use diesel::prelude::*;

use cloacina::connection::AnyConnection;
use cloacina::models::Context;
use cloacina::schema::unified::contexts;
use cloacina::types::UniversalUuid;
use cloacina::{with_native, Database};

fn bench_backend(c: &mut Criterion, label: &str, url: &str) {
    let db = Database::connect(url).expect("connect");
    db.migrate().expect("migrate");
    let ctx = db
        .dal()
        .create_context(serde_json::json!({"bench": true}))
        .expect("row");
    let id: UniversalUuid = ctx.id;
    let mut conn = db.get().expect("connection");
    let any: &mut AnyConnection = &mut conn;

    let mut group = c.benchmark_group(format!("pk_select/{label}"));
    group.bench_function("native", |b| match any {
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(native) => b.iter(|| {
            let row: Context = contexts::table
                .find(black_box(id))
                .select(Context::as_select())
                .first(native)
                .expect("row");
            black_box(row)
        }),
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(native) => b.iter(|| {
            let row: Context = contexts::table
                .find(black_box(id))
                .select(Context::as_select())
                .first(native)
                .expect("row");
            black_box(row)
        }),
    });
    group.bench_function("multiconnection", |b| {
        b.iter(|| {
            let row: Context = contexts::table
                .find(black_box(id))
                .select(Context::as_select())
                .first(any)
                .expect("row");
            black_box(row)
        })
    });
    group.bench_function("dispatch_once", |b| {
        b.iter(|| {
            let row: Context = with_native!(&mut *any, c => {
                contexts::table.find(black_box(id)).select(Context::as_select()).first(c).expect("row")
            });
            black_box(row)
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    #[cfg(feature = "sqlite")]
    bench_backend(c, "sqlite_memory", ":memory:");
    if let Ok(url) = std::env::var("CLOACINA_BENCH_POSTGRES_URL") {
        bench_backend(c, "postgres", &url);
    }
}

criterion_group!(dispatch, benches);
criterion_main!(dispatch);
