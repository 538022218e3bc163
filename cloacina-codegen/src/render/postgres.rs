//! PostgreSQL DDL.
//!
//! Differs from the shared SQL in [`super::ddl`] only in its type names, its
//! defaults (`now()`, `gen_random_uuid()`, typed literals), its JSON check
//! and its docs, which go to the catalog with `COMMENT ON` instead of `--`
//! lines.
//!
//! `Timestamp` is `TIMESTAMPTZ`: a UTC instant with microsecond precision.
//! `now()` gives the same instant whatever the server's or the session's
//! time zone, and a literal default carries its `Z`, so it does too.
//! `gen_random_uuid()` is built in from PostgreSQL 13.

use crate::model::{Backend, Column, ColumnType, DbEnum, EnumType, Table};

/// The name an enum's old type takes while a label change converts its
/// columns (short, so it never reaches PostgreSQL's 63-byte limit).
fn replaced_enum_name(sql_name: &str) -> String {
    format!("cloacina_old_enum_{:08x}", names::fnv1a(sql_name))
}
use crate::names;

use super::ddl::{doc_lines, quote_literal, Dialect};

/// The PostgreSQL dialect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Postgres;

impl Dialect for Postgres {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    /// The shared restore, plus a count check before the saved copy goes:
    /// a trigger or rule of the re-created raw block that swallowed rows
    /// aborts the migration (rolled back) naming the table and both counts.
    fn restore_rows(&self, table: &str) -> Option<String> {
        Some(format!(
            "-- Put back the rows of {table}.\n\
             DELETE FROM {table};\n\n\
             INSERT INTO {table} SELECT * FROM cloacina_keep_{table};\n\n\
             DO $cloacina$ DECLARE before bigint; after bigint; BEGIN\n\
             \x20   SELECT count(*) INTO before FROM cloacina_keep_{table};\n\
             \x20   SELECT count(*) INTO after FROM {table};\n\
             \x20   IF before <> after THEN\n\
             \x20       RAISE EXCEPTION 'table {table} held % rows before this migration and % after it; the migration was rolled back', before, after;\n\
             \x20   END IF;\n\
             END $cloacina$;\n\n\
             DROP TABLE cloacina_keep_{table};"
        ))
    }

    fn column_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::Uuid => "UUID".into(),
            ColumnType::Text { max_len: None } => "TEXT".into(),
            ColumnType::Text { max_len: Some(n) } => format!("VARCHAR({n})"),
            ColumnType::SmallInt => "SMALLINT".into(),
            ColumnType::Integer => "INTEGER".into(),
            ColumnType::BigInt => "BIGINT".into(),
            ColumnType::Bool => "BOOLEAN".into(),
            ColumnType::Timestamp => "TIMESTAMPTZ".into(),
            ColumnType::Double => "DOUBLE PRECISION".into(),
            ColumnType::Float => "REAL".into(),
            ColumnType::Binary => "BYTEA".into(),
            ColumnType::Json => "JSONB".into(),
            ColumnType::NaiveTimestamp => "TIMESTAMP".into(),
            ColumnType::Date => "DATE".into(),
            ColumnType::Time => "TIME".into(),
            ColumnType::Postgres(p) => p.sql(),
            ColumnType::Enum(e) => e.sql_name().into(),
            // Verbatim, as declared (validated as a type name).
            ColumnType::Custom(c) => c.postgres().into(),
            ColumnType::Decimal { precision, scale } => format!("NUMERIC({precision},{scale})"),
        }
    }

    fn create_enum(&self, e: &DbEnum) -> Option<String> {
        let labels: Vec<String> = e.labels.iter().map(|l| quote_literal(l)).collect();
        let mut sql = format!(
            "CREATE TYPE {} AS ENUM ({});",
            e.sql_name,
            labels.join(", ")
        );
        // Its docs in the catalog, as a table's (`inspect` reads them back).
        if let Some(text) = comment_text(&e.docs) {
            sql.push_str(&format!("\n\nCOMMENT ON TYPE {} IS {text};", e.sql_name));
        }
        Some(sql)
    }

    fn drop_enum(&self, e: &DbEnum) -> Option<String> {
        Some(format!("DROP TYPE {};", e.sql_name))
    }

    fn replace_enum(&self, from: &DbEnum, to: &DbEnum, in_place: bool) -> Vec<String> {
        if in_place {
            // In place: each new label after the one before it (which
            // exists by then), or before the first old label. PostgreSQL
            // takes this inside a transaction; a migration that also uses
            // a new label (not allowed before commit) replaces the type.
            return to
                .labels
                .iter()
                .enumerate()
                .filter(|(_, l)| !from.labels.contains(l))
                .map(|(i, l)| {
                    let place = match i.checked_sub(1).and_then(|p| to.labels.get(p)) {
                        Some(prev) => format!("AFTER {}", quote_literal(prev)),
                        None => match from.labels.first() {
                            Some(first) => format!("BEFORE {}", quote_literal(first)),
                            None => String::new(),
                        },
                    };
                    format!(
                        "ALTER TYPE {} ADD VALUE {} {place};",
                        to.sql_name,
                        quote_literal(l)
                    )
                })
                .collect();
        }
        // A label goes, is renamed or moves (or is added and used at once):
        // the old type steps aside, the columns are converted through text
        // (guarded), then it is dropped.
        let mut stmts = vec![format!(
            "ALTER TYPE {} RENAME TO {};",
            from.sql_name,
            replaced_enum_name(&from.sql_name)
        )];
        stmts.extend(self.create_enum(to));
        stmts
    }

    fn drop_replaced_enum(&self, from: &DbEnum, _to: &DbEnum, in_place: bool) -> Option<String> {
        (!in_place).then(|| format!("DROP TYPE {};", replaced_enum_name(&from.sql_name)))
    }

    fn enum_values_guard(&self, table: &Table, column: &Column, e: EnumType) -> Option<String> {
        let t = table.sql_name();
        let c = column.sql_name();
        let labels: Vec<String> = e.labels().iter().map(|l| quote_literal(l)).collect();
        let labels = labels.join(", ");
        Some(format!(
            "DO $cloacina$\nDECLARE bad text;\nBEGIN\n\
             \x20   SELECT {c}::text INTO bad FROM {t} WHERE {c}::text NOT IN ({labels}) LIMIT 1;\n\
             \x20   IF bad IS NOT NULL THEN\n\
             \x20       RAISE EXCEPTION 'cloacina: {t}.{c} holds %, which is not a label of enum {}: change those rows (a hand-written migration) before this one', quote_literal(bad);\n\
             \x20   END IF;\n\
             END $cloacina$;",
            e.sql_name()
        ))
    }

    fn now_default(&self) -> String {
        "now()".into()
    }

    fn random_uuid_default(&self) -> String {
        "gen_random_uuid()".into()
    }

    fn text_default(&self, ty: ColumnType, text: &str) -> String {
        match ty {
            ColumnType::Uuid => format!("{}::uuid", quote_literal(&text.to_ascii_lowercase())),
            ColumnType::Timestamp => format!("{}::timestamptz", quote_literal(text)),
            ColumnType::Json => format!("{}::jsonb", quote_literal(text)),
            ColumnType::NaiveTimestamp => format!("{}::timestamp", quote_literal(text)),
            ColumnType::Date => format!("{}::date", quote_literal(text)),
            ColumnType::Time => format!("{}::time", quote_literal(text)),
            ColumnType::Postgres(p) => format!("{}::{}", quote_literal(text), p.sql()),
            _ => quote_literal(text),
        }
    }

    fn json_valid_expr(&self, column_sql: &str) -> String {
        // A cast of invalid JSON raises an error, which rejects the row just
        // as a false check would.
        format!("{column_sql} IS NULL OR ({column_sql})::jsonb IS NOT NULL")
    }

    fn empty_binary(&self) -> String {
        "'\\x'::bytea".into()
    }

    fn rename_derived_names(&self, before: &Table, after: &Table) -> Vec<String> {
        let t = after.sql_name();
        let mut out = Vec::new();
        let mut rename = |a: String, b: String| {
            if a != b {
                out.push(format!("ALTER TABLE {t} RENAME CONSTRAINT {a} TO {b};"));
            }
        };
        rename(
            names::primary_key_name(before),
            names::primary_key_name(after),
        );
        for (a, b) in before.uniques.iter().zip(&after.uniques) {
            rename(names::unique_name(before, a), names::unique_name(after, b));
        }
        for (a, b) in before.foreign_keys.iter().zip(&after.foreign_keys) {
            rename(
                names::foreign_key_name(before, a),
                names::foreign_key_name(after, b),
            );
        }
        for i in 0..before.checks.len().min(after.checks.len()) {
            if self.check_expr(before, &before.checks[i].expr).is_some() {
                rename(names::check_name(before, i), names::check_name(after, i));
            }
        }
        for (a, b) in before.indexes.iter().zip(&after.indexes) {
            let (x, y) = (names::index_name(before, a), names::index_name(after, b));
            if x != y {
                out.push(format!("ALTER INDEX {x} RENAME TO {y};"));
            }
        }
        out
    }

    /// A `NOT NULL` column without a default is added with the fill value
    /// as a temporary default (existing rows get it), which is then dropped.
    fn add_column(&self, table: &Table, column: &Column) -> Vec<String> {
        let mut stmts = Vec::new();
        let mut def = self.column_definition(table, column);
        if !column.insert_optional() {
            def.push_str(&format!(" DEFAULT {}", self.fill_value(column)));
        }
        stmts.push(format!(
            "ALTER TABLE {} ADD COLUMN {def};",
            table.sql_name()
        ));
        if !column.insert_optional() {
            stmts.push(format!(
                "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT;",
                table.sql_name(),
                column.sql_name()
            ));
        }
        stmts.extend(self.column_comment(table, column));
        stmts
    }

    fn using_cast(&self, column_sql: &str, from: ColumnType, to: ColumnType) -> Option<String> {
        use ColumnType as T;
        let c = column_sql;
        let pg_type = self.column_type(to);
        match (from, to) {
            (a, b) if a == b => None,
            (T::Text { .. }, T::Text { .. }) => None,
            (a, b) if a.is_integer() && b.is_integer() => None,
            (a, T::Double) if a.is_integer() => None,
            (T::Double, b) if b.is_integer() => Some(format!("trunc({c})::{pg_type}")),
            (T::Bool, b) if b.is_integer() => {
                Some(format!("(CASE WHEN {c} THEN 1 ELSE 0 END)::{pg_type}"))
            }
            (T::Bool, T::Text { .. }) => Some(format!(
                "(CASE WHEN {c} THEN 'true' ELSE 'false' END)::{pg_type}"
            )),
            (T::Timestamp, T::Text { .. }) => Some(format!(
                "to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')::{pg_type}"
            )),
            // The canonical text SQLite stores (no fraction when it is zero).
            (T::Date, T::Text { .. }) => Some(format!("to_char({c}, 'YYYY-MM-DD')::{pg_type}")),
            (T::NaiveTimestamp, T::Text { .. }) => Some(format!(
                "regexp_replace(to_char({c}, 'YYYY-MM-DD HH24:MI:SS.US'), '\\.000000$', '')::{pg_type}"
            )),
            (T::Time, T::Text { .. }) => Some(format!(
                "regexp_replace(to_char(DATE '2000-01-01' + {c}, 'HH24:MI:SS.US'), '\\.000000$', '')::{pg_type}"
            )),
            (_, T::Text { .. }) => Some(format!("{c}::text::{pg_type}")),
            (T::Text { .. }, T::Json) => Some(format!("{c}::jsonb")),
            // Through the label's text (another enum type, or the same
            // name whose old type was renamed aside).
            (T::Enum(_), T::Enum(_)) => Some(format!("{c}::text::{pg_type}")),
            (T::Text { .. }, T::Uuid) => Some(format!("{c}::uuid")),
            // Down directions of the conversions above.
            (a, T::Bool) if a.is_integer() => Some(format!(
                "CASE {c} WHEN 1 THEN TRUE WHEN 0 THEN FALSE ELSE ({c}::text)::boolean END"
            )),
            _ => Some(format!("{c}::{pg_type}")),
        }
    }

    fn doc_comment_lines(&self, docs: &[String]) -> Vec<String> {
        // Docs live in the catalog (`COMMENT ON`), not in the script.
        let _ = docs;
        Vec::new()
    }

    fn table_comment(&self, table: &Table) -> Option<String> {
        comment_text(&table.docs)
            .map(|text| format!("COMMENT ON TABLE {} IS {text};", table.sql_name()))
    }

    fn column_comment(&self, table: &Table, column: &Column) -> Option<String> {
        comment_text(&column.docs).map(|text| {
            format!(
                "COMMENT ON COLUMN {}.{} IS {text};",
                table.sql_name(),
                column.sql_name()
            )
        })
    }
}

/// Doc lines as one quoted literal, lines joined with `\n`; `None` when
/// there are none.
fn comment_text(docs: &[String]) -> Option<String> {
    if docs.is_empty() {
        return None;
    }
    Some(quote_literal(&doc_lines(docs).join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::render::ddl::test_support::*;
    use crate::render::ddl::{render_drop_schema, render_schema};

    const PG: Backend = Backend::Postgres;

    #[test]
    fn every_type() {
        let cases: &[(ColumnType, &str)] = &[
            (ColumnType::Uuid, "UUID"),
            (ColumnType::Text { max_len: None }, "TEXT"),
            (ColumnType::Text { max_len: Some(255) }, "VARCHAR(255)"),
            (ColumnType::SmallInt, "SMALLINT"),
            (ColumnType::Integer, "INTEGER"),
            (ColumnType::BigInt, "BIGINT"),
            (ColumnType::Bool, "BOOLEAN"),
            (ColumnType::Timestamp, "TIMESTAMPTZ"),
            (ColumnType::Double, "DOUBLE PRECISION"),
            (ColumnType::Binary, "BYTEA"),
            (ColumnType::Json, "JSONB"),
        ];
        for (ty, sql) in cases {
            assert_eq!(
                column_sql(PG, col("c", *ty)),
                format!("c {sql} NOT NULL"),
                "{ty:?}"
            );
            assert_eq!(
                column_sql(PG, col("c", *ty).null()),
                format!("c {sql}"),
                "{ty:?}"
            );
        }
    }

    #[test]
    fn every_default() {
        use DefaultValue as D;
        let uuid = "0B9A6E3C-6F1D-4C7A-9E2B-5D4C3B2A1F00";
        let cases: Vec<(ColumnType, DefaultValue, &str)> = vec![
            (ColumnType::Timestamp, D::Now, "now()"),
            (ColumnType::Uuid, D::Uuid, "gen_random_uuid()"),
            (
                ColumnType::Uuid,
                D::Text(uuid.into()),
                "'0b9a6e3c-6f1d-4c7a-9e2b-5d4c3b2a1f00'::uuid",
            ),
            (
                ColumnType::Timestamp,
                D::Text("2024-01-02T03:04:05.000006Z".into()),
                "'2024-01-02T03:04:05.000006Z'::timestamptz",
            ),
            (
                ColumnType::Json,
                D::Text(r#"{"a": "it's"}"#.into()),
                r#"'{"a": "it''s"}'::jsonb"#,
            ),
            (text(), D::Text("1.0".into()), "'1.0'"),
            (
                ColumnType::Text { max_len: Some(8) },
                D::Text("it's".into()),
                "'it''s'",
            ),
            (ColumnType::Integer, D::Int(-7), "-7"),
            (ColumnType::BigInt, D::Int(i64::MAX), "9223372036854775807"),
            (ColumnType::Double, D::Int(1), "1.0"),
            (ColumnType::Double, D::Float(2.5), "2.5"),
            (ColumnType::Double, D::Float(1e300), "1e300"),
            (ColumnType::Bool, D::Bool(true), "TRUE"),
            (ColumnType::Bool, D::Bool(false), "FALSE"),
        ];
        for (ty, default, want) in cases {
            assert_eq!(
                column_sql(PG, col("c", ty).default(default.clone())),
                format!("c {} NOT NULL DEFAULT {want}", Postgres.column_type(ty)),
                "{ty:?} {default:?}"
            );
        }
    }

    #[test]
    fn auto_increment_is_identity_with_table_key() {
        let t = table(
            "jobs",
            &["id"],
            vec![col("id", ColumnType::BigInt).auto(), col("name", text())],
        );
        assert_eq!(
            render_schema(&schema(vec![t]), PG),
            "CREATE TABLE jobs (\n    \
             id BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL,\n    \
             name TEXT NOT NULL,\n    \
             CONSTRAINT jobs_pkey PRIMARY KEY (id)\n);\n"
        );
    }

    #[test]
    fn full_table_with_every_constraint_kind() {
        let mut parent = table("parents", &["id"], vec![col("id", ColumnType::Uuid)]);
        parent.sql_name = Some("parent_rows".into());
        let mut t = table(
            "items",
            &["parent_id", "pos"],
            vec![
                col("parent_id", ColumnType::Uuid),
                col("pos", ColumnType::Integer).sql("position"),
                col("status", text()),
                col("meta", text()).null(),
                col("kind", ColumnType::SmallInt),
                col("weight", ColumnType::Double),
            ],
        );
        let mut cascade = fk(&["parent_id"], "parents", &["id"]);
        cascade.on_delete = FkAction::Cascade;
        cascade.on_update = FkAction::Restrict;
        let mut named = fk(&["parent_id"], "parents", &["id"]);
        named.name = Some("items_parent_again".into());
        named.on_delete = FkAction::SetNull;
        t.foreign_keys = vec![cascade, named];
        t.uniques = vec![unique(&["status", "pos"])];
        t.checks = vec![
            check_in("status", &["Pending", "It's done"]),
            check(CheckExpr::In {
                column: "kind".into(),
                values: vec![Literal::Int(1), Literal::Int(-2)],
            }),
            check(CheckExpr::JsonValid {
                column: "meta".into(),
            }),
            check(CheckExpr::Raw {
                sql: Some(" weight >= 0 ".into()),
                postgres: None,
                sqlite: None,
            }),
            check(CheckExpr::Raw {
                sql: Some("weight < 10".into()),
                postgres: Some("weight < 100".into()),
                sqlite: None,
            }),
            check(CheckExpr::Raw {
                sql: None,
                postgres: None,
                sqlite: Some("typeof(weight) = 'real'".into()),
            }),
        ];
        let want = "\
CREATE TABLE parent_rows (
    id UUID NOT NULL,
    CONSTRAINT parent_rows_pkey PRIMARY KEY (id)
);

CREATE TABLE items (
    parent_id UUID NOT NULL,
    position INTEGER NOT NULL,
    status TEXT NOT NULL,
    meta TEXT,
    kind SMALLINT NOT NULL,
    weight DOUBLE PRECISION NOT NULL,
    CONSTRAINT items_pkey PRIMARY KEY (parent_id, position),
    CONSTRAINT items_status_position_key UNIQUE (status, position),
    CONSTRAINT items_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent_rows (id) ON DELETE CASCADE ON UPDATE RESTRICT,
    CONSTRAINT items_parent_again FOREIGN KEY (parent_id) REFERENCES parent_rows (id) ON DELETE SET NULL,
    CONSTRAINT items_status_check CHECK (status IN ('Pending', 'It''s done')),
    CONSTRAINT items_kind_check CHECK (kind IN (1, -2)),
    CONSTRAINT items_meta_check CHECK (meta IS NULL OR (meta)::jsonb IS NOT NULL),
    CONSTRAINT items_check1 CHECK (weight >= 0),
    CONSTRAINT items_check2 CHECK (weight < 100)
);
";
        let s = schema(vec![t, parent]);
        let sql = render_schema(&s, PG);
        assert_eq!(sql, want);
        assert_tidy(&sql);
        assert_eq!(
            render_drop_schema(&s, PG),
            "DROP TABLE items;\n\nDROP TABLE parent_rows;\n"
        );
    }

    #[test]
    fn every_fk_action() {
        for action in FkAction::ALL {
            let mut f = fk(&["p"], "t", &["id"]);
            f.on_delete = action;
            f.on_update = action;
            let t = table("t", &["id"], vec![col("id", ColumnType::BigInt)]);
            let s = schema(vec![t.clone()]);
            let sql = Postgres.foreign_key_constraint(&s, &t, &f);
            let want = match action {
                FkAction::NoAction => "CONSTRAINT t_p_fkey FOREIGN KEY (p) REFERENCES t (id)".to_string(),
                _ => format!(
                    "CONSTRAINT t_p_fkey FOREIGN KEY (p) REFERENCES t (id) ON DELETE {0} ON UPDATE {0}",
                    action.sql()
                ),
            };
            assert_eq!(sql, want);
        }
    }

    #[test]
    fn cycle_adds_forward_keys_after_all_tables() {
        let mut a = table(
            "a",
            &["id"],
            vec![
                col("id", ColumnType::BigInt),
                col("b_id", ColumnType::BigInt).null(),
            ],
        );
        a.foreign_keys = vec![fk(&["b_id"], "b", &["id"])];
        let mut b = table(
            "b",
            &["id"],
            vec![
                col("id", ColumnType::BigInt),
                col("a_id", ColumnType::BigInt).null(),
                col("parent", ColumnType::BigInt).null(),
            ],
        );
        let mut on_delete = fk(&["a_id"], "a", &["id"]);
        on_delete.on_delete = FkAction::Cascade;
        b.foreign_keys = vec![on_delete, fk(&["parent"], "b", &["id"])];
        let s = schema(vec![a, b]);
        let want = "\
CREATE TABLE a (
    id BIGINT NOT NULL,
    b_id BIGINT,
    CONSTRAINT a_pkey PRIMARY KEY (id)
);

CREATE TABLE b (
    id BIGINT NOT NULL,
    a_id BIGINT,
    parent BIGINT,
    CONSTRAINT b_pkey PRIMARY KEY (id),
    CONSTRAINT b_a_id_fkey FOREIGN KEY (a_id) REFERENCES a (id) ON DELETE CASCADE,
    CONSTRAINT b_parent_fkey FOREIGN KEY (parent) REFERENCES b (id)
);

ALTER TABLE a ADD CONSTRAINT a_b_id_fkey FOREIGN KEY (b_id) REFERENCES b (id);
";
        assert_eq!(render_schema(&s, PG), want);
        assert_eq!(
            render_drop_schema(&s, PG),
            "ALTER TABLE a DROP CONSTRAINT a_b_id_fkey;\n\nDROP TABLE b;\n\nDROP TABLE a;\n"
        );
    }

    #[test]
    fn indexes_follow_their_table() {
        let mut t = table(
            "runs",
            &["id"],
            vec![
                col("id", ColumnType::Uuid),
                col("status", text()),
                col("created", ColumnType::Timestamp).sql("created_at"),
            ],
        );
        let mut partial = index(&[("status", Order::Asc)]);
        partial.predicate = Some("status = 'Running'".into());
        let mut uniq = index(&[("status", Order::Asc), ("created", Order::Desc)]);
        uniq.unique = true;
        let mut named = index(&[("created", Order::Desc)]);
        named.name = Some("runs_recent".into());
        t.indexes = vec![partial, uniq, named];
        let other = table("other", &["id"], vec![col("id", ColumnType::Uuid)]);
        let sql = render_schema(&schema(vec![t.clone(), other]), PG);
        let want_tail = "\
);

CREATE INDEX runs_status_idx ON runs (status) WHERE status = 'Running';

CREATE UNIQUE INDEX runs_status_created_at_uidx ON runs (status, created_at DESC);

CREATE INDEX runs_recent ON runs (created_at DESC);

CREATE TABLE other (
";
        assert!(sql.contains(want_tail), "{sql}");
        assert_eq!(
            Postgres.drop_index(&t, &t.indexes[1]),
            "DROP INDEX runs_status_created_at_uidx;"
        );
    }

    #[test]
    fn docs_become_catalog_comments() {
        let mut t = table(
            "runs",
            &["id"],
            vec![
                col("id", ColumnType::Uuid).docs(&[" The key."]),
                col("plain", text()),
                col("note", text())
                    .sql("remark")
                    .docs(&[" It's a", "", " note.  "]),
            ],
        );
        t.docs = vec![" One run of a workflow.".into()];
        let sql = render_schema(&schema(vec![t]), PG);
        let want = "\
CREATE TABLE runs (
    id UUID NOT NULL,
    plain TEXT NOT NULL,
    remark TEXT NOT NULL,
    CONSTRAINT runs_pkey PRIMARY KEY (id)
);

COMMENT ON TABLE runs IS 'One run of a workflow.';

COMMENT ON COLUMN runs.id IS 'The key.';

COMMENT ON COLUMN runs.remark IS 'It''s a

note.';
";
        assert_eq!(sql, want);
        assert_tidy(&sql);
    }

    #[test]
    fn backend_only_tables() {
        let mut pg = table("pg_only", &["id"], vec![col("id", ColumnType::Uuid)]);
        pg.scope = BackendScope::Only(Backend::Postgres);
        let mut lite = table("lite_only", &["id"], vec![col("id", ColumnType::Uuid)]);
        lite.scope = BackendScope::Only(Backend::Sqlite);
        let s = schema(vec![pg, lite]);
        let sql = render_schema(&s, PG);
        assert!(sql.contains("CREATE TABLE pg_only"));
        assert!(!sql.contains("lite_only"));
        assert_eq!(render_drop_schema(&s, PG), "DROP TABLE pg_only;\n");
    }

    #[test]
    fn single_object_statements() {
        let t = table("t", &["id"], vec![col("id", ColumnType::BigInt)]);
        let s = schema(vec![t.clone()]);
        let f = fk(&["id"], "t", &["id"]);
        assert_eq!(Postgres.drop_table(&t), "DROP TABLE t;");
        assert_eq!(
            Postgres.add_foreign_key(&s, &t, &f).as_deref(),
            Some("ALTER TABLE t ADD CONSTRAINT t_id_fkey FOREIGN KEY (id) REFERENCES t (id);")
        );
        assert_eq!(
            Postgres.drop_foreign_key(&t, &f).as_deref(),
            Some("ALTER TABLE t DROP CONSTRAINT t_id_fkey;")
        );
        assert_eq!(Postgres.check_constraint(&t, 0), None);
    }
}
