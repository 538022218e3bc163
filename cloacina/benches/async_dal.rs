//! What the async face costs over the blocking DAL: one primary-key read
//! (`get_context`) through `Dal` and through `AsyncDal` (a `spawn_blocking`
//! hop per call), on a SQLite file.
//!
//! ```text
//! cargo bench -p cloacina --features async --bench async_dal
//! ```

use criterion::{black_box, criterion_group, criterion_main, Criterion};

use cloacina::{AsyncDatabase, Database};

fn benches(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("cloacina-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let db = Database::connect(&url).expect("connect");
    db.migrate().expect("migrate");
    let id = db
        .dal()
        .create_context(serde_json::json!({"bench": true}))
        .expect("row")
        .id;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let adb = AsyncDatabase::from(db);
    let mut group = c.benchmark_group("get_context/sqlite-file");
    group.bench_function("blocking Dal", |b| {
        let db = adb.blocking();
        b.iter(|| black_box(db.dal().get_context(black_box(id)).expect("row")))
    });
    group.bench_function("AsyncDal (spawn_blocking)", |b| {
        let dal = adb.dal();
        b.iter(|| black_box(rt.block_on(dal.get_context(black_box(id))).expect("row")))
    });
    group.finish();
    drop(adb);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(async_dal, benches);
criterion_main!(async_dal);
