//! SQLite DDL.
//!
//! Every table is `STRICT`: SQLite then enforces the declared column types
//! instead of storing whatever it is given (type affinity), so a value the
//! application writes is the value the PostgreSQL column would hold, or an
//! error on both. The bundled SQLite (3.37 or newer) supports it; `unhex`,
//! used by the UUID default, needs 3.41.
//!
//! Where SQLite's storage classes are wider than the neutral type, an
//! unnamed inline `CHECK` narrows them to what PostgreSQL accepts:
//!
//! | neutral | SQLite | inline check |
//! |---|---|---|
//! | `Uuid` | `BLOB` | `length(col) = 16` |
//! | `Text<n>` | `TEXT` | `length(col) <= n` (characters, like `VARCHAR(n)`) |
//! | `SmallInt` / `Integer` | `INTEGER` | the 16 / 32-bit range |
//! | `Bool` | `INTEGER` | `col IN (0, 1)` |
//! | `Timestamp` | `TEXT` | the one canonical UTC form, see below |
//! | `Json` | `TEXT` | `json_valid(col)` |
//!
//! A timestamp is stored as the fixed-width UTC text
//! `YYYY-MM-DDTHH:MM:SS.ffffffZ` (27 characters), so text order is time
//! order and comparisons agree with PostgreSQL's. `DEFAULT (now)` writes
//! that same form (SQLite's clock has milliseconds, padded to six digits).
//!
//! An auto-increment key is `INTEGER PRIMARY KEY AUTOINCREMENT` on the
//! column (a rowid alias whose values are never reused), so the table gets
//! no separate primary key constraint. SQLite cannot add a foreign key to an
//! existing table, and does not need to: it accepts references to tables
//! created later, so every foreign key stays inline; the drop script of a
//! schema with a foreign-key cycle defers foreign-key checks to the end of
//! its transaction instead of dropping the keys first. Docs are `--` comment
//! lines, above the `CREATE TABLE` for the table and above its definition
//! for a column (those are kept in `sqlite_schema`).

use crate::model::{Backend, Column, ColumnType, EnumType};

use super::ddl::{quote_literal, Dialect};

/// `'a', 'b'` (or `''` for none, which `IN` accepts).
fn literal_list(items: &[&str]) -> String {
    if items.is_empty() {
        return "''".into();
    }
    items
        .iter()
        .map(|t| quote_literal(t))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The SQLite dialect.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sqlite;

/// The range of a 32-bit float, as SQLite's implicit check on a `Float`
/// column spells it (a `REAL` is 64-bit there).
pub const F32_MAX: &str = "3.4028234663852886e38";
/// The negative end of [`F32_MAX`]'s range.
pub const F32_MIN: &str = "-3.4028234663852886e38";

impl Sqlite {
    /// `DROP <kind> IF EXISTS "<name>";` for an object a hand-written
    /// migration made (`kind`: `table`, `view`, `trigger` or `index`).
    pub fn drop_object(&self, kind: &str, name: &str) -> String {
        format!(
            "DROP {} IF EXISTS \"{}\";",
            kind.to_ascii_uppercase(),
            name.replace('"', "\"\"")
        )
    }
}

/// The `GLOB` pattern of the canonical timestamp text.
pub const TIMESTAMP_GLOB: &str =
    "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z";

/// The `GLOB` pattern of a canonical date, `YYYY-MM-DD`.
pub const DATE_GLOB: &str = "[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]";

/// The `GLOB` pattern of a canonical time of day without its fraction,
/// `HH:MM:SS`.
pub const TIME_GLOB: &str = "[0-2][0-9]:[0-5][0-9]:[0-5][0-9]";

/// The six fraction digits of a canonical time, after the dot.
const FRACTION_GLOB: &str = "[0-9][0-9][0-9][0-9][0-9][0-9]";

/// The implicit check of a `Date`, `Time` or `NaiveTimestamp` column: its
/// one canonical text. A `Time` (and the time part of a `NaiveTimestamp`)
/// is `HH:MM:SS` for a whole second, else `HH:MM:SS.ffffff` with a fraction
/// that is not all zeros, so equal values have equal text and text order
/// is time order. The `GLOB` fixes the shape; SQLite's own `date`/`time`/
/// `datetime` with a no-op modifier (which makes them normalize) give the
/// whole-second part back unchanged only when the day and time exist (no
/// month 13, no 30 February, no 24:00:00); `IS` because a failed parse is
/// `NULL`, which a `CHECK` would let through. Year 0000, which SQLite knows
/// and PostgreSQL does not, is refused.
/// `CURRENT_TIMESTAMP` writes a canonical `NaiveTimestamp`.
pub fn calendar_check(c: &str, ty: ColumnType) -> String {
    let (whole, func, len, year) = match ty {
        ColumnType::Date => {
            return format!(
                "{c} GLOB '{DATE_GLOB}' AND {c} >= '0001' AND date({c}, '+0 days') IS {c}"
            );
        }
        ColumnType::Time => (TIME_GLOB.to_string(), "time", 8, String::new()),
        _ => (
            format!("{DATE_GLOB} {TIME_GLOB}"),
            "datetime",
            19,
            format!(" AND {c} >= '0001'"),
        ),
    };
    format!(
        "({c} GLOB '{whole}' OR ({c} GLOB '{whole}.{FRACTION_GLOB}' AND {c} NOT GLOB '*.000000')) \
         AND {func}(substr({c}, 1, {len}), '+0 seconds') IS substr({c}, 1, {len}){year}"
    )
}

/// The implicit check of a `Decimal<P, S>` column, stored as an `INTEGER`
/// holding the value times `10^S`: the integer has at most `P` digits, and
/// the constant tag `'Decimal<P, S>' IS NOT NULL` (always true) carries the
/// scale, which a `STRICT` table's declared type cannot, so that `inspect`
/// reads the column back as the same `Decimal<P, S>`.
pub fn decimal_check(c: &str, precision: u8, scale: u8) -> String {
    let max = crate::decimal::max_units(precision);
    format!("{c} BETWEEN -{max} AND {max} AND 'Decimal<{precision}, {scale}>' IS NOT NULL")
}

/// The check of an enum column on SQLite: the labels, and the enum's SQL
/// name as a tag (`'enum:mood' IS NOT NULL`, always true) so that the
/// introspector reads the column back as that enum, never as a plain
/// checked `TEXT`, as [`decimal_check`] tags a decimal.
pub fn enum_check(c: &str, e: EnumType) -> String {
    let labels: Vec<String> = e.labels().iter().map(|l| quote_literal(l)).collect();
    format!(
        "{c} IN ({}) AND 'enum:{}' IS NOT NULL",
        labels.join(", "),
        e.sql_name()
    )
}

/// The current instant as canonical timestamp text.
const NOW: &str = "(strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))";

/// A random version 4 UUID as a 16-byte blob: 8 + 4 hex digits, the
/// version `4` and 3 digits, one variant digit of `89AB` and 3 digits, then
/// 12 digits: 32 hex digits in all.
const RANDOM_UUID: &str = "(unhex(hex(randomblob(4)) || hex(randomblob(2)) || '4' || \
substr(hex(randomblob(2)), 2) || substr('89AB', 1 + (abs(random()) % 4), 1) || \
substr(hex(randomblob(2)), 2) || hex(randomblob(6))))";

impl Dialect for Sqlite {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    fn column_type(&self, ty: ColumnType) -> String {
        match ty {
            ColumnType::Uuid | ColumnType::Binary => "BLOB",
            ColumnType::Text { .. }
            | ColumnType::Timestamp
            | ColumnType::Json
            | ColumnType::Enum(_)
            | ColumnType::NaiveTimestamp
            | ColumnType::Date
            | ColumnType::Time => "TEXT",
            ColumnType::SmallInt
            | ColumnType::Integer
            | ColumnType::BigInt
            | ColumnType::Bool
            | ColumnType::Decimal { .. } => "INTEGER",
            ColumnType::Double | ColumnType::Float => "REAL",
            // Validation keeps these out of every table SQLite has; the
            // PostgreSQL spelling (never a silent TEXT) if one gets here.
            ColumnType::Postgres(p) => return p.sql(),
            // The declared STRICT type; validation keeps a type without one
            // out of every table SQLite has (PostgreSQL's spelling, never a
            // silent TEXT, if one gets here).
            ColumnType::Custom(c) => return c.sqlite().unwrap_or(c.postgres()).into(),
        }
        .into()
    }

    fn implicit_check(&self, column: &Column) -> Option<String> {
        let c = column.sql_name();
        match column.ty {
            ColumnType::Uuid => Some(format!("length({c}) = 16")),
            ColumnType::Text { max_len: Some(n) } => Some(format!("length({c}) <= {n}")),
            ColumnType::SmallInt => Some(format!("{c} BETWEEN -32768 AND 32767")),
            ColumnType::Integer => Some(format!("{c} BETWEEN -2147483648 AND 2147483647")),
            ColumnType::Bool => Some(format!("{c} IN (0, 1)")),
            ColumnType::Timestamp => Some(format!("{c} GLOB '{TIMESTAMP_GLOB}'")),
            ColumnType::Json => Some(self.json_valid_expr(c)),
            ColumnType::Float => Some(format!("{c} BETWEEN {F32_MIN} AND {F32_MAX}")),
            ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time => {
                Some(calendar_check(c, column.ty))
            }
            ColumnType::Decimal { precision, scale } => Some(decimal_check(c, precision, scale)),
            ColumnType::Enum(e) => Some(enum_check(c, e)),
            ColumnType::Text { max_len: None }
            | ColumnType::BigInt
            | ColumnType::Double
            | ColumnType::Binary
            | ColumnType::Postgres(_)
            | ColumnType::Custom(_) => None,
        }
    }

    fn auto_increment_clause(&self) -> &'static str {
        "PRIMARY KEY AUTOINCREMENT"
    }

    fn auto_increment_is_primary_key(&self) -> bool {
        true
    }

    fn table_options(&self) -> &'static str {
        " STRICT"
    }

    fn now_default(&self) -> String {
        NOW.into()
    }

    fn random_uuid_default(&self) -> String {
        RANDOM_UUID.into()
    }

    fn decimal_literal(&self, units: i64, _scale: u8) -> String {
        units.to_string()
    }

    fn bool_literal(&self, value: bool) -> String {
        if value { "1" } else { "0" }.into()
    }

    fn text_default(&self, ty: ColumnType, text: &str) -> String {
        if ty == ColumnType::Uuid {
            let hex: String = text.chars().filter(|c| *c != '-').collect();
            if hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return format!("X'{}'", hex.to_ascii_lowercase());
            }
        }
        quote_literal(text)
    }

    fn json_valid_expr(&self, column_sql: &str) -> String {
        format!("json_valid({column_sql})")
    }

    fn alters_foreign_keys(&self) -> bool {
        false
    }

    fn copy_conversion(&self, source_sql: &str, from: ColumnType, to: ColumnType) -> String {
        use ColumnType as T;
        let e = source_sql;
        match (from, to) {
            (a, b) if a == b => e.to_string(),
            (T::Double, b) if b.is_integer() => format!("CAST({e} AS INTEGER)"),
            (T::Uuid, T::Text { .. }) => format!(
                "CASE WHEN {e} IS NULL THEN NULL ELSE lower(substr(hex({e}), 1, 8) || '-' || substr(hex({e}), 9, 4) || '-' || substr(hex({e}), 13, 4) || '-' || substr(hex({e}), 17, 4) || '-' || substr(hex({e}), 21, 12)) END"
            ),
            (T::Bool, T::Text { .. }) => {
                format!("CASE {e} WHEN 1 THEN 'true' WHEN 0 THEN 'false' END")
            }
            (a, T::Text { .. }) if a.is_integer() => format!("CAST({e} AS TEXT)"),
            (T::Text { .. }, T::Uuid) => format!(
                "CASE WHEN {e} IS NULL THEN NULL ELSE coalesce(unhex(replace({e}, '-', '')), X'00') END"
            ),
            (a, T::Double) if a.is_integer() => format!("CAST({e} AS REAL)"),
            // Down directions of the conversions above; a value that does not
            // convert stays as it is, so the STRICT column or its check refuses it.
            (T::Text { .. }, T::Bool) => {
                format!("CASE {e} WHEN 'true' THEN 1 WHEN 'false' THEN 0 ELSE {e} END")
            }
            (T::Text { .. }, b) if b.is_integer() => format!(
                "CASE WHEN CAST(CAST({e} AS INTEGER) AS TEXT) = {e} THEN CAST({e} AS INTEGER) ELSE {e} END"
            ),
            _ => e.to_string(),
        }
    }

    fn unknown_objects_guard(&self, tables: &[&str], known: &[String]) -> Option<String> {
        let mut known: Vec<String> = known.iter().map(|k| quote_literal(k)).collect();
        known.push("''".into());
        Some(format!(
            "-- Fail the migration if a rebuilt table carries an index or trigger that the schema\n\
             -- does not know (one added by a hand-written migration): DROP TABLE would lose it.\n\
             INSERT INTO temp.cloacina_guard (message)\n\
             SELECT 'cloacina: rebuilt_tables_have_no_unknown_indexes_or_triggers: ' || type || ' ' || name\n    \
             || ' on table ' || tbl_name || ' is not declared in the schema file, and rebuilding the table would lose it. '\n    \
             || 'Declare it in the schema file (or drop it in a hand-written migration first).'\n\
             FROM sqlite_schema\n\
             WHERE type IN ('index', 'trigger') AND tbl_name IN ({})\n\
             AND name NOT LIKE 'sqlite_autoindex_%' AND name NOT IN ({})\n\
             LIMIT 1;",
            literal_list(tables),
            known.join(", ")
        ))
    }

    fn copy_rows_trusting_checks(&self, copy: &str) -> String {
        // Only the copy runs with checks off; it cannot fail on a check, a
        // key, NULL or a type (the planner proved it), so the flag is back
        // on before anything else runs.
        format!(
            "-- Every CHECK of this table already held for these rows in the old table:\n\
             -- skip re-evaluating them per row (most of a rebuild's cost).\n\
             PRAGMA ignore_check_constraints = ON;\n\
             {copy}\n\
             PRAGMA ignore_check_constraints = OFF;"
        )
    }

    fn foreign_key_check(&self, tables: &[&str]) -> Option<String> {
        if tables.is_empty() {
            return None;
        }
        let checks: Vec<String> = tables
            .iter()
            .map(|t| {
                format!(
                    "SELECT * FROM pragma_foreign_key_check({})",
                    quote_literal(t)
                )
            })
            .collect();
        Some(format!(
            "-- Fail the migration if a foreign key of a rebuilt table is violated (works with\n\
             -- foreign keys off, too); rows of other tables are not this migration's business.\n\
             INSERT INTO temp.cloacina_guard (message)\n\
             SELECT 'cloacina: foreign_keys_hold: foreign key violated after the rebuild: row ' || coalesce(v.rowid, '?') || ' of '\n    \
             || v.\"table\" || ' (' || coalesce((SELECT group_concat(f.\"from\", ', ') FROM pragma_foreign_key_list(v.\"table\") AS f\n    \
             WHERE f.id = v.fkid), '?') || ') references a missing row of ' || v.parent\n    \
             || '; the migration is rolled back. Fix or delete that row, then migrate again.'\n\
             FROM (\n    {}\n) AS v\n\
             LIMIT 1;",
            checks.join("\n    UNION ALL ")
        ))
    }

    fn guard_setup(&self) -> Option<String> {
        Some(
            "-- Guard: each check below inserts a message when it fails, and the trigger aborts\n\
             -- the migration (rolled back: nothing changes) with that message.\n\
             PRAGMA ignore_check_constraints = OFF;\n\n\
             CREATE TEMP TABLE cloacina_guard (message TEXT NOT NULL);\n\n\
             CREATE TEMP TRIGGER cloacina_guard_abort BEFORE INSERT ON cloacina_guard\n\
             BEGIN\n    \
             SELECT RAISE(ABORT, NEW.message);\n\
             END;"
                .into(),
        )
    }

    fn guard_teardown(&self) -> Option<String> {
        Some("DROP TABLE temp.cloacina_row_counts;\n\nDROP TABLE temp.cloacina_guard;".into())
    }

    fn refuse_unknown_children(&self, touched: &[&str], carried: &[&str]) -> Option<String> {
        let touched: Vec<String> = touched.iter().map(|t| t.to_ascii_lowercase()).collect();
        let carried: Vec<String> = carried.iter().map(|t| t.to_ascii_lowercase()).collect();
        let touched: Vec<&str> = touched.iter().map(String::as_str).collect();
        let carried: Vec<&str> = carried.iter().map(String::as_str).collect();
        Some(format!(
            "-- Refuse to run if a table that the schema file does not declare (one made by a\n\
             -- hand-written migration) references a table this migration rebuilds or drops:\n\
             -- DROP TABLE would delete or orphan its rows.\n\
             INSERT INTO temp.cloacina_guard (message)\n\
             SELECT 'cloacina: table ' || s.name || ' references ' || f.\"table\"\n    \
             || ', which this migration rebuilds or drops, but the schema file does not declare '\n    \
             || s.name || ': the rebuild would delete its rows. Declare the table in the schema file '\n    \
             || '(table! or raw_sql!) so that the rebuild carries it, or drop its foreign key in a '\n    \
             || 'hand-written migration first.'\n\
             FROM sqlite_schema AS s, pragma_foreign_key_list(s.name) AS f\n\
             WHERE s.type = 'table' AND lower(f.\"table\") IN ({})\n\
             AND lower(s.name) NOT IN ({})\n\
             LIMIT 1;",
            literal_list(&touched),
            literal_list(&carried)
        ))
    }

    fn save_row_counts(&self, tables: &[(String, String)]) -> Option<String> {
        let mut sql = String::from(
            "-- Row counts before the migration, checked before it commits.\n\
             CREATE TEMP TABLE cloacina_row_counts (name TEXT PRIMARY KEY, rows_before INTEGER NOT NULL);",
        );
        if !tables.is_empty() {
            let rows: Vec<String> = tables
                .iter()
                .map(|(before, after)| {
                    format!(
                        "    ({}, (SELECT count(*) FROM {before}))",
                        quote_literal(after)
                    )
                })
                .collect();
            sql.push_str(&format!(
                "\n\nINSERT INTO temp.cloacina_row_counts (name, rows_before) VALUES\n{};",
                rows.join(",\n")
            ));
        }
        Some(sql)
    }

    fn check_row_counts(&self, tables: &[(String, String)]) -> Option<String> {
        if tables.is_empty() {
            return None;
        }
        let rows: Vec<String> = tables
            .iter()
            .map(|(_, after)| {
                format!(
                    "SELECT {} AS name, (SELECT count(*) FROM {after}) AS rows_after",
                    quote_literal(after)
                )
            })
            .collect();
        Some(format!(
            "-- Fail the migration if a table that existed before it lost (or gained) rows.\n\
             INSERT INTO temp.cloacina_guard (message)\n\
             SELECT 'cloacina: table ' || c.name || ' held ' || c.rows_before || ' rows before this migration and '\n    \
             || a.rows_after || ' after it; the migration is rolled back and nothing is changed.'\n\
             FROM temp.cloacina_row_counts AS c\n\
             JOIN (\n    {}\n) AS a ON a.name = c.name\n\
             WHERE a.rows_after <> c.rows_before\n\
             LIMIT 1;",
            rows.join("\n    UNION ALL ")
        ))
    }

    fn defer_foreign_key_checks(&self) -> Option<String> {
        // Dropping a table deletes its rows first; in a cycle some other
        // table still references them until it is dropped too.
        Some("PRAGMA defer_foreign_keys = ON;".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::render::ddl::test_support::*;
    use crate::render::ddl::{render_drop_schema, render_schema};

    const LITE: Backend = Backend::Sqlite;

    #[test]
    fn every_type() {
        let ts = format!("TEXT NOT NULL CHECK (c GLOB '{TIMESTAMP_GLOB}')");
        let cases: Vec<(ColumnType, &str)> = vec![
            (ColumnType::Uuid, "BLOB NOT NULL CHECK (length(c) = 16)"),
            (ColumnType::Text { max_len: None }, "TEXT NOT NULL"),
            (
                ColumnType::Text { max_len: Some(255) },
                "TEXT NOT NULL CHECK (length(c) <= 255)",
            ),
            (
                ColumnType::SmallInt,
                "INTEGER NOT NULL CHECK (c BETWEEN -32768 AND 32767)",
            ),
            (
                ColumnType::Integer,
                "INTEGER NOT NULL CHECK (c BETWEEN -2147483648 AND 2147483647)",
            ),
            (ColumnType::BigInt, "INTEGER NOT NULL"),
            (ColumnType::Bool, "INTEGER NOT NULL CHECK (c IN (0, 1))"),
            (ColumnType::Timestamp, &ts),
            (ColumnType::Double, "REAL NOT NULL"),
            (ColumnType::Binary, "BLOB NOT NULL"),
            (ColumnType::Json, "TEXT NOT NULL CHECK (json_valid(c))"),
        ];
        for (ty, sql) in cases {
            assert_eq!(column_sql(LITE, col("c", ty)), format!("c {sql}"), "{ty:?}");
            assert_eq!(
                column_sql(LITE, col("c", ty).null()),
                format!("c {}", sql.replace(" NOT NULL", "")),
                "{ty:?}"
            );
        }
        // The implicit check names the SQL column name.
        assert_eq!(
            column_sql(LITE, col("flag", ColumnType::Bool).sql("is_flag")),
            "is_flag INTEGER NOT NULL CHECK (is_flag IN (0, 1))"
        );
    }

    #[test]
    fn timestamp_glob_is_the_canonical_width() {
        // 4-2-2 T 2:2:2 . 6 Z = 27 characters, one bracket class each.
        let classes = TIMESTAMP_GLOB.matches("[0-9]").count();
        let literal = TIMESTAMP_GLOB.replace("[0-9]", "");
        assert_eq!(classes, 20);
        assert_eq!(literal, "--T::.Z");
        assert_eq!(classes + literal.len(), 27);
        assert_eq!("2024-01-02T03:04:05.000006Z".len(), 27);
    }

    #[test]
    fn uuid_default_has_32_hex_digits() {
        // Count the hex digits each piece contributes.
        let pieces = [
            ("hex(randomblob(4))", 8),
            ("hex(randomblob(2)) || '4'", 4 + 1),
            ("substr(hex(randomblob(2)), 2) || substr('89AB'", 3 + 1),
            (
                "substr(hex(randomblob(2)), 2) || hex(randomblob(6))",
                3 + 12,
            ),
        ];
        let mut total = 0;
        for (piece, digits) in pieces {
            assert!(RANDOM_UUID.contains(piece), "{piece}");
            total += digits;
        }
        assert_eq!(total, 32);
        assert!(RANDOM_UUID.starts_with("(unhex(") && RANDOM_UUID.ends_with("))"));
    }

    #[test]
    fn every_default() {
        use DefaultValue as D;
        let cases: Vec<(ColumnType, DefaultValue, &str)> = vec![
            (ColumnType::Timestamp, D::Now, NOW),
            (ColumnType::Uuid, D::Uuid, RANDOM_UUID),
            (
                ColumnType::Uuid,
                D::Text("0B9A6E3C-6F1D-4C7A-9E2B-5D4C3B2A1F00".into()),
                "X'0b9a6e3c6f1d4c7a9e2b5d4c3b2a1f00'",
            ),
            (
                ColumnType::Timestamp,
                D::Text("2024-01-02T03:04:05.000006Z".into()),
                "'2024-01-02T03:04:05.000006Z'",
            ),
            (
                ColumnType::Json,
                D::Text(r#"{"a": "it's"}"#.into()),
                r#"'{"a": "it''s"}'"#,
            ),
            (text(), D::Text("1.0".into()), "'1.0'"),
            (ColumnType::BigInt, D::Int(-7), "-7"),
            (ColumnType::Double, D::Int(1), "1.0"),
            (ColumnType::Double, D::Float(-0.25), "-0.25"),
            (ColumnType::Bool, D::Bool(true), "1"),
            (ColumnType::Bool, D::Bool(false), "0"),
        ];
        for (ty, default, want) in cases {
            let sql = column_sql(LITE, col("c", ty).default(default.clone()));
            let head = format!("c {} NOT NULL DEFAULT {want}", Sqlite.column_type(ty));
            assert!(sql.starts_with(&head), "{ty:?} {default:?}: {sql}");
        }
        assert_eq!(
            NOW, "(strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'))",
            "non-literal defaults are parenthesised"
        );
    }

    #[test]
    fn auto_increment_is_the_inline_key() {
        let t = table(
            "jobs",
            &["id"],
            vec![col("id", ColumnType::BigInt).auto(), col("name", text())],
        );
        assert_eq!(
            render_schema(&schema(vec![t]), LITE),
            "CREATE TABLE jobs (\n    \
             id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,\n    \
             name TEXT NOT NULL\n) STRICT;\n"
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
                col("pos", ColumnType::BigInt).sql("position"),
                col("status", text()),
                col("meta", text()).null(),
                col("weight", ColumnType::Double),
            ],
        );
        let mut cascade = fk(&["parent_id"], "parents", &["id"]);
        cascade.on_delete = FkAction::Cascade;
        cascade.on_update = FkAction::SetDefault;
        t.foreign_keys = vec![cascade];
        t.uniques = vec![unique(&["status", "pos"])];
        t.checks = vec![
            check_in("status", &["Pending", "It's done"]),
            check(CheckExpr::JsonValid {
                column: "meta".into(),
            }),
            check(CheckExpr::Raw {
                sql: None,
                postgres: Some("weight < 100".into()),
                sqlite: None,
            }),
            check(CheckExpr::Raw {
                sql: Some("weight < 10".into()),
                postgres: None,
                sqlite: Some("typeof(weight) = 'real'".into()),
            }),
        ];
        let want = "\
CREATE TABLE parent_rows (
    id BLOB NOT NULL CHECK (length(id) = 16),
    CONSTRAINT parent_rows_pkey PRIMARY KEY (id)
) STRICT;

CREATE TABLE items (
    parent_id BLOB NOT NULL CHECK (length(parent_id) = 16),
    position INTEGER NOT NULL,
    status TEXT NOT NULL,
    meta TEXT,
    weight REAL NOT NULL,
    CONSTRAINT items_pkey PRIMARY KEY (parent_id, position),
    CONSTRAINT items_status_position_key UNIQUE (status, position),
    CONSTRAINT items_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent_rows (id) ON DELETE CASCADE ON UPDATE SET DEFAULT,
    CONSTRAINT items_status_check CHECK (status IN ('Pending', 'It''s done')),
    CONSTRAINT items_meta_check CHECK (json_valid(meta)),
    CONSTRAINT items_check2 CHECK (typeof(weight) = 'real')
) STRICT;
";
        let s = schema(vec![t, parent]);
        let sql = render_schema(&s, LITE);
        assert_eq!(sql, want);
        assert_tidy(&sql);
    }

    #[test]
    fn cycle_stays_inline() {
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
            ],
        );
        b.foreign_keys = vec![fk(&["a_id"], "a", &["id"])];
        let s = schema(vec![a.clone(), b]);
        let sql = render_schema(&s, LITE);
        assert!(
            sql.contains("CONSTRAINT a_b_id_fkey FOREIGN KEY (b_id) REFERENCES b (id)\n) STRICT;")
        );
        assert!(!sql.contains("ALTER TABLE"));
        assert_eq!(
            render_drop_schema(&s, LITE),
            "PRAGMA defer_foreign_keys = ON;\n\nDROP TABLE b;\n\nDROP TABLE a;\n"
        );
        assert_eq!(Sqlite.add_foreign_key(&s, &a, &a.foreign_keys[0]), None);
        assert_eq!(Sqlite.drop_foreign_key(&a, &a.foreign_keys[0]), None);
    }

    #[test]
    fn indexes_follow_their_table() {
        let mut t = table(
            "runs",
            &["id"],
            vec![col("id", ColumnType::Uuid), col("status", text())],
        );
        let mut partial = index(&[("status", Order::Desc)]);
        partial.predicate = Some("status = 'Running'".into());
        partial.unique = true;
        t.indexes = vec![partial];
        assert!(render_schema(&schema(vec![t]), LITE).ends_with(
            ") STRICT;\n\nCREATE UNIQUE INDEX runs_status_uidx ON runs (status DESC) WHERE status = 'Running';\n"
        ));
    }

    #[test]
    fn docs_become_comment_lines() {
        let mut t = table(
            "runs",
            &["id"],
            vec![
                col("id", ColumnType::BigInt).docs(&[" The key.", "", " Second  "]),
                col("plain", text()),
            ],
        );
        t.docs = vec![" One run.".into(), " Of a workflow.".into()];
        let sql = render_schema(&schema(vec![t]), LITE);
        let want = "\
-- One run.
-- Of a workflow.
CREATE TABLE runs (
    -- The key.
    --
    -- Second
    id INTEGER NOT NULL,
    plain TEXT NOT NULL,
    CONSTRAINT runs_pkey PRIMARY KEY (id)
) STRICT;
";
        assert_eq!(sql, want);
        assert_tidy(&sql);
        assert!(!sql.contains("COMMENT ON"));
    }

    #[test]
    fn backend_only_tables() {
        let mut pg = table("pg_only", &["id"], vec![col("id", ColumnType::Uuid)]);
        pg.scope = BackendScope::Only(Backend::Postgres);
        let mut lite = table("lite_only", &["id"], vec![col("id", ColumnType::Uuid)]);
        lite.scope = BackendScope::Only(Backend::Sqlite);
        let s = schema(vec![pg, lite]);
        let sql = render_schema(&s, LITE);
        assert!(sql.contains("CREATE TABLE lite_only"));
        assert!(!sql.contains("pg_only"));
        assert_eq!(render_drop_schema(&s, LITE), "DROP TABLE lite_only;\n");
    }
}
