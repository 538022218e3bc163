//! Adopting a database that plain Diesel migrated (its harness or
//! `diesel_cli`): its applied versions have no recorded checksum yet, and
//! the runner records them only after the live structure is shown equal to
//! what the embedded migrations build at those versions.
//!
//! The check needs no introspection model: it applies the embedded
//! migrations in a scratch place (SQLite: an in-memory database;
//! PostgreSQL: a temporary schema inside a savepoint that is rolled back)
//! and compares a canonical listing of both, read from the catalog
//! (PostgreSQL: `pg_catalog` with `format_type`, `pg_get_expr`,
//! `pg_get_constraintdef`, `pg_get_indexdef`, `pg_get_triggerdef`; SQLite:
//! `pragma_table_info`, `pragma_index_list`/`index_xinfo`,
//! `pragma_foreign_key_list` and `sqlite_master`). The bookkeeping tables
//! and objects that belong to PostgreSQL extensions are left out; anything
//! else in the schema (a table made by hand, say) is a difference.

use std::collections::BTreeMap;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use super::{describe, Planned};
use crate::connection::AnyConnection;
use crate::error::{Error, Result};
use crate::url::Backend;

/// The runner's and Diesel's own tables: not part of the structure.
const BOOKKEEPING: [&str; 2] = ["__diesel_schema_migrations", "cloacina_migration_checksums"];

/// One catalog entry: `(object, item) -> definition`, e.g.
/// `("contexts", "column value") -> "text NOT NULL"`.
type Listing = BTreeMap<(String, String), String>;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = diesel::sql_types::Text)]
    obj: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    item: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    def: Option<String>,
}

/// One way the live structure differs from what the history builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Difference {
    object: String,
    item: String,
    expected: Option<String>,
    found: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = |s: &str| window(s, 0);
        match (&self.expected, &self.found) {
            (Some(e), Some(g)) => {
                // Long definitions (a table's SQL): show where they part.
                let same = e.chars().zip(g.chars()).take_while(|(a, b)| a == b).count();
                write!(
                    f,
                    "{} {}: expected `{}`, found `{}`",
                    self.object,
                    self.item,
                    window(e, same),
                    window(g, same)
                )
            }
            (Some(e), None) => write!(
                f,
                "{} {}: expected `{}`, found nothing",
                self.object,
                self.item,
                short(e)
            ),
            (None, Some(g)) => write!(
                f,
                "{} {}: found `{}`, which the migrations do not make",
                self.object,
                self.item,
                short(g)
            ),
            (None, None) => write!(f, "{} {}", self.object, self.item),
        }
    }
}

/// Up to 160 characters of `s`, starting a little before character `at`.
fn window(s: &str, at: usize) -> String {
    const WIDTH: usize = 160;
    let total = s.chars().count();
    if total <= WIDTH {
        return s.to_string();
    }
    let start = at.saturating_sub(40).min(total.saturating_sub(WIDTH));
    let part: String = s.chars().skip(start).take(WIDTH).collect();
    format!(
        "{}{part}{}",
        if start > 0 { "…" } else { "" },
        if start + WIDTH < total { "…" } else { "" }
    )
}

fn compare(expected: &Listing, found: &Listing) -> Vec<Difference> {
    let mut keys: Vec<&(String, String)> = expected.keys().chain(found.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (e, g) = (expected.get(k), found.get(k));
            (e != g).then(|| Difference {
                object: k.0.clone(),
                item: k.1.clone(),
                expected: e.cloned(),
                found: g.cloned(),
            })
        })
        .collect()
}

/// Checks that the live structure equals what the embedded migrations
/// `applied` build, before their checksums are recorded. Runs inside the
/// migration lock's transaction. With `unverified` a mismatch (or a check
/// that cannot run) is logged as a warning and adoption goes on.
///
/// # Errors
///
/// [`Error::AdoptionMismatch`] naming the first differences;
/// [`Error::MigrationHistory`] when the check itself cannot run.
pub(crate) fn verify(
    conn: &mut AnyConnection,
    backend: Backend,
    plan: &[Planned],
    applied: &[String],
    unverified: bool,
) -> Result<()> {
    let name = backend.name();
    let steps: Vec<&Planned> = plan
        .iter()
        .filter(|p| applied.contains(&p.version))
        .collect();
    let version = steps.last().map(|p| p.version.clone()).unwrap_or_default();
    let outcome = listings(conn, &steps).map(|(expected, found)| compare(&expected, &found));
    match (outcome, unverified) {
        (Ok(diffs), _) if diffs.is_empty() => {
            tracing::info!(
                backend = name,
                version = %version,
                "adopting a database migrated without checksums: its structure equals the history's"
            );
            Ok(())
        }
        (Ok(diffs), true) => {
            tracing::warn!(
                backend = name,
                version = %version,
                differences = diffs.len(),
                first = %diffs.iter().take(5).map(ToString::to_string).collect::<Vec<_>>().join("; "),
                "adopting a database whose structure differs from the history's, as adopt_unverified asks"
            );
            Ok(())
        }
        (Ok(diffs), false) => Err(Error::AdoptionMismatch {
            backend: name,
            version,
            differences: diffs.iter().map(ToString::to_string).collect(),
        }),
        (Err(message), true) => {
            tracing::warn!(backend = name, %message, "adopting without the structure check, as adopt_unverified asks: the check could not run");
            Ok(())
        }
        (Err(message), false) => Err(Error::MigrationHistory {
            backend: name,
            message: format!(
                "cannot check the structure of a database migrated without checksums before adopting it: {message}; fix that, or adopt it unchecked with DatabaseConfig::adopt_unverified (cloacina-migrate --adopt-unverified)"
            ),
        }),
    }
}

/// (what the migrations build, what the database holds).
fn listings(
    conn: &mut AnyConnection,
    steps: &[&Planned],
) -> std::result::Result<(Listing, Listing), String> {
    match conn {
        #[cfg(feature = "postgres")]
        AnyConnection::Postgresql(c) => pg::listings(c, steps),
        #[cfg(feature = "sqlite")]
        AnyConnection::Sqlite(c) => {
            let found = sqlite::listing(c).map_err(|e| describe(&e))?;
            let mut scratch = diesel::SqliteConnection::establish(":memory:")
                .map_err(|e| format!("cannot open an in-memory SQLite database: {e}"))?;
            for p in steps {
                scratch
                    .transaction(|s| s.batch_execute(&p.sql))
                    .map_err(|e| {
                        format!(
                            "migration {} failed in an in-memory database: {}",
                            p.name,
                            describe(&e)
                        )
                    })?;
            }
            let expected = sqlite::listing(&mut scratch).map_err(|e| describe(&e))?;
            Ok((expected, found))
        }
    }
}

fn collect(rows: Vec<Row>, into: &mut Listing, neutral: impl Fn(&str) -> String) {
    for r in rows {
        if BOOKKEEPING.contains(&r.obj.as_str()) {
            continue;
        }
        into.insert(
            (r.obj, r.item),
            neutral(r.def.as_deref().unwrap_or("(none)")),
        );
    }
}

#[cfg(feature = "postgres")]
mod pg {
    use super::*;

    #[derive(QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
    }

    /// Everything the catalog says about the schema `$1`.
    const QUERIES: [&str; 7] = [
        "SELECT c.relname AS obj, 'kind' AS item, c.relkind::text AS def \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c') \
           AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_class'::regclass \
             AND e.objid = c.oid AND e.deptype = 'e')",
        "SELECT c.relname AS obj, 'column ' || a.attname AS item, \
           format_type(a.atttypid, a.atttypmod) \
           || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END \
           || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') \
           || CASE WHEN a.attidentity::text <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END \
           || CASE WHEN a.attgenerated::text <> '' THEN ' GENERATED ' || a.attgenerated::text ELSE '' END \
           || CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation \
                THEN ' COLLATE ' || (SELECT collname FROM pg_collation WHERE oid = a.attcollation) ELSE '' END AS def \
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') \
           AND a.attnum > 0 AND NOT a.attisdropped",
        "SELECT c.relname AS obj, 'constraint ' || k.conname AS item, \
           pg_get_constraintdef(k.oid) AS def \
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1",
        "SELECT t.relname AS obj, 'index ' || i.relname AS item, pg_get_indexdef(i.oid) AS def \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid \
         JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1",
        "SELECT c.relname AS obj, 'trigger ' || g.tgname AS item, pg_get_triggerdef(g.oid) AS def \
         FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND NOT g.tgisinternal",
        "SELECT c.relname AS obj, 'view' AS item, pg_get_viewdef(c.oid) AS def \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relkind IN ('v', 'm')",
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS obj, \
           'function' AS item, \
           CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid) ELSE p.prokind::text END AS def \
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 \
           AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass \
             AND e.objid = p.oid AND e.deptype = 'e')",
    ];

    fn listing(c: &mut diesel::PgConnection, schema: &str) -> QueryResult<Listing> {
        let mut out = Listing::new();
        // Definitions name objects of their own schema qualified: drop the
        // qualifier so the scratch schema and the live one read alike.
        let quoted = format!("\"{schema}\".");
        let plain = format!("{schema}.");
        let neutral = |s: &str| {
            let s = s.replace(&quoted, "");
            let mut out = String::with_capacity(s.len());
            let mut rest = s.as_str();
            while let Some(at) = rest.find(&plain) {
                let before = rest[..at].chars().last();
                out.push_str(&rest[..at]);
                if before.is_none_or(|b| !(b.is_alphanumeric() || b == '_' || b == '\'')) {
                    // A qualifier: leave it out.
                } else {
                    out.push_str(&plain);
                }
                rest = &rest[at + plain.len()..];
            }
            out.push_str(rest);
            out
        };
        for q in QUERIES {
            let rows: Vec<Row> = diesel::sql_query(q)
                .bind::<diesel::sql_types::Text, _>(schema)
                .load(c)?;
            collect(rows, &mut out, neutral);
        }
        Ok(out)
    }

    pub(super) fn listings(
        c: &mut diesel::PgConnection,
        steps: &[&Planned],
    ) -> std::result::Result<(Listing, Listing), String> {
        let live: Name = diesel::sql_query("SELECT current_schema()::text AS name")
            .get_result(c)
            .map_err(|e| describe(&e))?;
        let found = listing(c, &live.name).map_err(|e| describe(&e))?;
        let scratch = format!(
            "cloacina_adopt_{}_{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        );
        c.batch_execute("SAVEPOINT cloacina_adopt")
            .map_err(|e| describe(&e))?;
        // Everything below is undone by the rollback to the savepoint: the
        // scratch schema, its objects and the `search_path`.
        let built = (|| -> std::result::Result<Listing, String> {
            c.batch_execute(&format!(
                "CREATE SCHEMA \"{scratch}\"; SET LOCAL search_path TO \"{scratch}\""
            ))
            .map_err(|e| {
                format!(
                    "cannot create a scratch schema to build the history in (the role needs CREATE on the database): {}",
                    describe(&e)
                )
            })?;
            for p in steps {
                c.batch_execute(&p.sql).map_err(|e| {
                    format!(
                        "migration {} failed in the scratch schema: {}",
                        p.name,
                        describe(&e)
                    )
                })?;
            }
            listing(c, &scratch).map_err(|e| describe(&e))
        })();
        let undone = c
            .batch_execute("ROLLBACK TO SAVEPOINT cloacina_adopt; RELEASE SAVEPOINT cloacina_adopt")
            .map_err(|e| describe(&e));
        let expected = built?;
        undone?;
        Ok((expected, found))
    }
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use super::*;

    /// Everything the catalog says about the database's tables.
    const QUERIES: [&str; 4] = [
        "SELECT m.tbl_name AS obj, m.type || ' ' || m.name AS item, m.sql AS def \
         FROM sqlite_master m WHERE m.name NOT LIKE 'sqlite_%'",
        "SELECT m.name AS obj, 'column ' || p.name AS item, \
           p.type || CASE WHEN p.\"notnull\" THEN ' NOT NULL' ELSE '' END \
           || COALESCE(' DEFAULT ' || p.dflt_value, '') \
           || CASE WHEN p.pk > 0 THEN ' PRIMARY KEY ' || p.pk ELSE '' END \
           || CASE WHEN p.hidden <> 0 THEN ' HIDDEN ' || p.hidden ELSE '' END AS def \
         FROM sqlite_master m JOIN pragma_table_xinfo(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        "SELECT m.name AS obj, 'index ' || il.name AS item, \
           CASE WHEN il.\"unique\" THEN 'UNIQUE ' ELSE '' END || il.origin \
           || CASE WHEN il.partial THEN ' partial' ELSE '' END || ' (' \
           || (SELECT group_concat(COALESCE(x.name, '<expression>') \
                 || CASE WHEN x.\"desc\" THEN ' DESC' ELSE '' END || ' ' || x.coll, ', ') \
               FROM (SELECT * FROM pragma_index_xinfo(il.name) WHERE key ORDER BY seqno) x) \
           || ')' AS def \
         FROM sqlite_master m JOIN pragma_index_list(m.name) il \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
        "SELECT m.name AS obj, 'foreign key ' || f.id || '.' || f.seq AS item, \
           f.\"from\" || ' -> ' || f.\"table\" || '(' || COALESCE(f.\"to\", '') || ') ON UPDATE ' \
           || f.on_update || ' ON DELETE ' || f.on_delete || ' MATCH ' || f.\"match\" AS def \
         FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
    ];

    pub(super) fn listing(c: &mut diesel::SqliteConnection) -> QueryResult<Listing> {
        let mut out = Listing::new();
        // `sqlite_master.sql` keeps the statement's own spacing.
        let neutral = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        for q in QUERIES {
            let rows: Vec<Row> = diesel::sql_query(q).load(c)?;
            collect(rows, &mut out, neutral);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(entries: &[(&str, &str, &str)]) -> Listing {
        entries
            .iter()
            .map(|(o, i, d)| ((o.to_string(), i.to_string()), d.to_string()))
            .collect()
    }

    #[test]
    fn differences_name_the_object_and_say_expected_and_found() {
        let expected = listing(&[
            ("contexts", "column id", "uuid NOT NULL"),
            ("contexts", "column value", "text NOT NULL"),
        ]);
        let found = listing(&[
            ("contexts", "column id", "uuid NOT NULL"),
            ("contexts", "column value", "text"),
            ("contexts", "column extra", "integer"),
        ]);
        let got: Vec<String> = compare(&expected, &found)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            got,
            [
                "contexts column extra: found `integer`, which the migrations do not make",
                "contexts column value: expected `text NOT NULL`, found `text`",
            ]
        );
        assert!(compare(&expected, &expected).is_empty());
        let gone = compare(&expected, &Listing::new());
        assert_eq!(
            gone[0].to_string(),
            "contexts column id: expected `uuid NOT NULL`, found nothing"
        );
    }
}
