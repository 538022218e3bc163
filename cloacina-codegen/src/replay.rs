//! What the history really built on SQLite: every table, view, trigger,
//! index and virtual table that replaying `migrations/sqlite/*/up.sql`
//! creates, with the migration folder that created it.
//!
//! The schema file (and the snapshot) know only the schema's tables and the
//! `raw_sql!` blocks; hand-written migrations can create anything. The
//! SQLite planner needs to know those objects, because a table rebuild
//! drops tables and renames others: a hand-made child table would lose its
//! rows, and a hand-made view that names a rebuilt table makes SQLite
//! refuse the rename. [`replay_sqlite`] replays the history in an in-memory
//! database of the bundled SQLite (the runtime's engine), then reads
//! `sqlite_schema` and `pragma_foreign_key_list`.
//!
//! The replay needs the `replay` feature (the bundled SQLite through
//! `libsqlite3-sys`, no Diesel); `live` includes it, and the build scripts
//! of `cloacina` and `tests` enable it. Without it [`replay_sqlite`]
//! returns no objects, and generated rebuilds still refuse at run time
//! (their first statements) when an undeclared table references a rebuilt
//! one. The replay runs only when a migration is planned (something is
//! pending), so an unchanged build does no replay.

use std::path::Path;

/// The kind of a built object, as `sqlite_schema.type` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A table (virtual tables included, see [`BuiltObject::is_virtual`]).
    Table,
    /// A view.
    View,
    /// A trigger.
    Trigger,
    /// An index.
    Index,
}

impl ObjectKind {
    #[cfg(feature = "replay")]
    fn parse(s: &str) -> Option<ObjectKind> {
        match s {
            "table" => Some(ObjectKind::Table),
            "view" => Some(ObjectKind::View),
            "trigger" => Some(ObjectKind::Trigger),
            "index" => Some(ObjectKind::Index),
            _ => None,
        }
    }

    /// The word, as in `sqlite_schema`.
    pub fn word(self) -> &'static str {
        match self {
            ObjectKind::Table => "table",
            ObjectKind::View => "view",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Index => "index",
        }
    }
}

/// One object of the replayed database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltObject {
    /// Its kind.
    pub kind: ObjectKind,
    /// Its name, as created.
    pub name: String,
    /// The table it belongs to (itself for tables and views).
    pub table: String,
    /// The `CREATE` statement SQLite stored (empty for automatic indexes).
    pub sql: String,
    /// The migration folder (`<version>_<name>`) whose `up.sql` created it.
    pub created_by: String,
    /// Whether that migration is marked hand-written in `integrity.txt`.
    pub hand_written: bool,
    /// For tables: the tables its foreign keys reference (lowercased).
    pub references: Vec<String>,
}

impl BuiltObject {
    /// A virtual table (FTS5, R*Tree…).
    pub fn is_virtual(&self) -> bool {
        self.kind == ObjectKind::Table
            && self
                .sql
                .split_whitespace()
                .nth(1)
                .is_some_and(|w| w.eq_ignore_ascii_case("virtual"))
    }
}

/// Every object the SQLite history builds, in creation order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuiltObjects {
    /// The objects, in the order SQLite lists them (creation order).
    pub objects: Vec<BuiltObject>,
}

impl BuiltObjects {
    /// The object named `name` (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&BuiltObject> {
        self.objects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
    }
}

/// A migration that failed to replay.
#[derive(Debug, thiserror::Error)]
#[error("replaying migrations/sqlite/{folder}/up.sql in memory failed: {message}. Fix that migration (it would fail the same way on a real database), then run `cloacina-codegen migration rehash` if it is hand-written")]
pub struct ReplayError {
    /// The migration folder (empty when the in-memory database could not open).
    pub folder: String,
    /// SQLite's message.
    pub message: String,
}

/// Replays `dir/sqlite/<folder>/up.sql` for each `(folder, hand_written)`
/// in order, each in a transaction with `foreign_keys = ON` (as the
/// runtime runs them), and returns what the database holds at the end.
///
/// # Errors
///
/// [`ReplayError`] naming the folder whose `up.sql` cannot be read or fails.
#[cfg(feature = "replay")]
pub fn replay_sqlite(dir: &Path, folders: &[(String, bool)]) -> Result<BuiltObjects, ReplayError> {
    let fail = |folder: &str| {
        let folder = folder.to_string();
        move |message: String| ReplayError { folder, message }
    };
    let db = ffi::Db::open().map_err(fail(""))?;
    db.exec("PRAGMA foreign_keys = ON;").map_err(fail(""))?;
    // name (lowercased) -> (folder, hand-written) of the migration that created it.
    let mut origin: std::collections::HashMap<String, (String, bool)> = Default::default();
    for (folder, hand) in folders {
        let path = dir.join("sqlite").join(folder).join("up.sql");
        let sql = std::fs::read_to_string(&path).map_err(|e| ReplayError {
            folder: folder.clone(),
            message: e.to_string(),
        })?;
        db.exec("BEGIN;").map_err(fail(folder))?;
        if let Err(e) = db.exec(&sql) {
            let _ = db.exec("ROLLBACK;");
            return Err(fail(folder)(e));
        }
        db.exec("COMMIT;").map_err(fail(folder))?;
        let names = db
            .query("SELECT name FROM sqlite_schema")
            .map_err(fail(folder))?;
        let present: std::collections::HashSet<String> = names
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .map(|n| n.to_ascii_lowercase())
            .collect();
        origin.retain(|n, _| present.contains(n));
        for n in present {
            origin.entry(n).or_insert_with(|| (folder.clone(), *hand));
        }
    }
    let rows = db
        .query("SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema ORDER BY rowid")
        .map_err(fail(""))?;
    let mut objects = Vec::new();
    for row in rows {
        let [kind, name, table, sql] = <[String; 4]>::try_from(row).unwrap_or_default();
        let Some(kind) = ObjectKind::parse(&kind) else {
            continue;
        };
        if name.starts_with("sqlite_") {
            continue;
        }
        let references = if kind == ObjectKind::Table {
            db.query(&format!(
                "SELECT DISTINCT lower(\"table\") FROM pragma_foreign_key_list('{}')",
                name.replace('\'', "''")
            ))
            .map_err(fail(""))?
            .into_iter()
            .filter_map(|r| r.into_iter().next())
            .collect()
        } else {
            Vec::new()
        };
        let (created_by, hand_written) = origin
            .get(&name.to_ascii_lowercase())
            .cloned()
            .unwrap_or_default();
        objects.push(BuiltObject {
            kind,
            name,
            table,
            sql,
            created_by,
            hand_written,
            references,
        });
    }
    Ok(BuiltObjects { objects })
}

/// Without the `replay` feature: nothing is known beyond the schema file.
///
/// # Errors
///
/// Never.
#[cfg(not(feature = "replay"))]
pub fn replay_sqlite(dir: &Path, folders: &[(String, bool)]) -> Result<BuiltObjects, ReplayError> {
    let _ = (dir, folders);
    Ok(BuiltObjects::default())
}

/// The smallest safe face of the bundled SQLite's C API that the replay
/// needs: open an in-memory database, run a script, read rows as text.
#[cfg(feature = "replay")]
mod ffi {
    use std::ffi::{CStr, CString};
    use std::ptr;

    use libsqlite3_sys as sys;

    /// An open in-memory database, closed on drop.
    pub struct Db(*mut sys::sqlite3);

    fn c_string(s: &str) -> Result<CString, String> {
        CString::new(s).map_err(|_| "the SQL contains a NUL byte".to_string())
    }

    impl Db {
        pub fn open() -> Result<Db, String> {
            let mut db = ptr::null_mut();
            let name = c_string(":memory:")?;
            // SAFETY: `name` is a valid C string; `db` receives a handle
            // that `Drop` closes (also when opening failed, as SQLite asks).
            let rc = unsafe {
                sys::sqlite3_open_v2(
                    name.as_ptr(),
                    &mut db,
                    sys::SQLITE_OPEN_READWRITE | sys::SQLITE_OPEN_CREATE,
                    ptr::null(),
                )
            };
            let db = Db(db);
            if rc != sys::SQLITE_OK {
                return Err(db.message());
            }
            Ok(db)
        }

        fn message(&self) -> String {
            if self.0.is_null() {
                return "out of memory".into();
            }
            // SAFETY: the handle is open; SQLite returns a C string it owns.
            unsafe { CStr::from_ptr(sys::sqlite3_errmsg(self.0)) }
                .to_string_lossy()
                .into_owned()
        }

        /// Runs every statement of `sql`.
        pub fn exec(&self, sql: &str) -> Result<(), String> {
            let sql = c_string(sql)?;
            let mut err: *mut std::os::raw::c_char = ptr::null_mut();
            // SAFETY: open handle, valid C string, no callback; `err` is
            // freed with sqlite3_free as the API requires.
            let rc =
                unsafe { sys::sqlite3_exec(self.0, sql.as_ptr(), None, ptr::null_mut(), &mut err) };
            if rc == sys::SQLITE_OK {
                return Ok(());
            }
            if err.is_null() {
                return Err(self.message());
            }
            // SAFETY: `err` is a C string allocated by SQLite.
            let msg = unsafe { CStr::from_ptr(err) }
                .to_string_lossy()
                .into_owned();
            // SAFETY: as above; freed once.
            unsafe { sys::sqlite3_free(err.cast()) };
            Err(msg)
        }

        /// The rows of one query, every column as text (NULL as empty).
        pub fn query(&self, sql: &str) -> Result<Vec<Vec<String>>, String> {
            let sql = c_string(sql)?;
            let mut stmt = ptr::null_mut();
            // SAFETY: open handle, valid C string; the statement is
            // finalized below on every path.
            let rc = unsafe {
                sys::sqlite3_prepare_v2(self.0, sql.as_ptr(), -1, &mut stmt, ptr::null_mut())
            };
            if rc != sys::SQLITE_OK {
                return Err(self.message());
            }
            let mut rows = Vec::new();
            let result = loop {
                // SAFETY: `stmt` is a prepared statement of this handle.
                match unsafe { sys::sqlite3_step(stmt) } {
                    sys::SQLITE_ROW => {
                        // SAFETY: as above, after SQLITE_ROW.
                        let n = unsafe { sys::sqlite3_column_count(stmt) };
                        let row = (0..n)
                            .map(|i| {
                                // SAFETY: `i` is a valid column; the text
                                // lives until the next step, copied now.
                                let p = unsafe { sys::sqlite3_column_text(stmt, i) };
                                if p.is_null() {
                                    String::new()
                                } else {
                                    // SAFETY: SQLite returns a NUL-terminated string.
                                    unsafe { CStr::from_ptr(p.cast()) }
                                        .to_string_lossy()
                                        .into_owned()
                                }
                            })
                            .collect();
                        rows.push(row);
                    }
                    sys::SQLITE_DONE => break Ok(rows),
                    _ => break Err(self.message()),
                }
            };
            // SAFETY: finalized once.
            unsafe { sys::sqlite3_finalize(stmt) };
            result
        }
    }

    impl Drop for Db {
        fn drop(&mut self) {
            // SAFETY: closes the handle opened in `open` (null is a no-op).
            unsafe { sys::sqlite3_close(self.0) };
        }
    }
}

#[cfg(all(test, feature = "replay"))]
mod tests {
    use super::*;

    fn history(tag: &str, migrations: &[(&str, &str)]) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("cloacina-replay-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (folder, up) in migrations {
            let d = dir.join("sqlite").join(folder);
            std::fs::create_dir_all(&d).expect("dir");
            std::fs::write(d.join("up.sql"), up).expect("up.sql");
        }
        dir
    }

    #[test]
    fn replay_reads_every_object_with_the_migration_that_made_it() {
        let dir = history(
            "ok",
            &[
                ("20240101000000_initial", "CREATE TABLE p (id INTEGER PRIMARY KEY);\nCREATE TABLE gone (a INTEGER);"),
                (
                    "20240102000000_hand",
                    "CREATE TABLE c (p INTEGER REFERENCES p (id));\nCREATE INDEX c_p ON c (p);\n\
                     CREATE VIEW v AS SELECT * FROM c;\nCREATE VIRTUAL TABLE s USING fts5(x);\nDROP TABLE gone;",
                ),
            ],
        );
        let folders = [
            ("20240101000000_initial".to_string(), false),
            ("20240102000000_hand".to_string(), true),
        ];
        let built = replay_sqlite(&dir, &folders).expect("replay");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(built.get("gone").is_none(), "dropped objects are gone");
        let p = built.get("p").expect("p");
        assert_eq!(
            (p.created_by.as_str(), p.hand_written),
            ("20240101000000_initial", false)
        );
        let c = built.get("C").expect("c, case-insensitive");
        assert_eq!(
            (c.created_by.as_str(), c.hand_written),
            ("20240102000000_hand", true)
        );
        assert_eq!(c.references, ["p"]);
        let ix = built.get("c_p").expect("index");
        assert_eq!((ix.kind, ix.table.as_str()), (ObjectKind::Index, "c"));
        assert_eq!(built.get("v").map(|v| v.kind), Some(ObjectKind::View));
        assert!(built.get("s").is_some_and(BuiltObject::is_virtual));
        assert!(!c.is_virtual());
    }

    #[test]
    fn a_failing_migration_is_named() {
        let dir = history(
            "bad",
            &[(
                "20240101000000_bad",
                "CREATE TABLE t (a INTEGER);\nINSERT INTO nope VALUES (1);",
            )],
        );
        let err =
            replay_sqlite(&dir, &[("20240101000000_bad".to_string(), true)]).expect_err("fails");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(err.folder, "20240101000000_bad");
        assert!(
            err.to_string()
                .contains("migrations/sqlite/20240101000000_bad/up.sql"),
            "{err}"
        );
        assert!(err.message.contains("no such table: nope"), "{err}");
    }
}
