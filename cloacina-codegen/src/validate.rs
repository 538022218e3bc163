//! Validation: whether the parts of a parsed [`Schema`] fit together.
//!
//! Pure: takes the model, returns every problem found (not just the first),
//! each with the span of the offending declaration and a help line.

use std::collections::{HashMap, HashSet};

use crate::error::{DiagCode, Diagnostic};
use crate::model::*;
use crate::names::{self, IdentProblem};

/// Checks a parsed schema. An empty result means it is valid.
pub fn validate(schema: &Schema) -> Vec<Diagnostic> {
    let mut v = Validator {
        diags: Vec::new(),
        tables: HashMap::new(),
    };
    v.schema(schema);
    v.diags
}

/// What makes two indexes the same: columns with order, uniqueness, predicate.
type IndexKey = (Vec<(String, Order)>, bool, Option<String>);

/// Diesel's `table!` limit with its largest column feature.
const MAX_COLUMNS: usize = 128;

struct Validator {
    diags: Vec<Diagnostic>,
    /// Each table name's first table (as [`Schema::table`] finds it), so
    /// foreign keys and renames look their tables up in constant time.
    tables: HashMap<String, usize>,
}

impl Validator {
    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// [`Schema::table`] through the index built in [`Validator::schema`].
    fn table_named<'s>(&self, schema: &'s Schema, name: &str) -> Option<&'s Table> {
        self.tables.get(name).and_then(|&i| schema.tables.get(i))
    }

    fn ident(&mut self, name: &str, what: &str, span: Span, sql_name_hint: bool) {
        let problem = match names::check_ident(name) {
            Ok(()) => return,
            Err(p) => p,
        };
        let rename = if sql_name_hint {
            format!("rename the {what}, or keep the Rust name and set another SQL name with `#[sql_name = \"...\"]`")
        } else {
            format!("rename the {what}")
        };
        let d = match problem {
            IdentProblem::Empty => Diagnostic::new(
                DiagCode::BadIdentifier,
                span,
                format!("the {what} name is empty"),
                "empty name",
            )
            .help(rename),
            IdentProblem::TooLong(n) => Diagnostic::new(
                DiagCode::BadIdentifier,
                span,
                format!("{what} name `{name}` is {n} bytes long; PostgreSQL would silently truncate it to {}", names::MAX_IDENT_BYTES),
                format!("{n} bytes, at most {} allowed", names::MAX_IDENT_BYTES),
            )
            .help(format!("{rename}; names are limited to {} bytes", names::MAX_IDENT_BYTES)),
            IdentProblem::NotPlain => Diagnostic::new(
                DiagCode::BadIdentifier,
                span,
                format!("{what} name `{name}` is not a plain SQL identifier"),
                "use lowercase letters, digits and `_`",
            )
            .help(format!(
                "{rename}: names must match [a-z_][a-z0-9_]* so that both backends store them unchanged (PostgreSQL folds unquoted names to lower case){}",
                suggestion(name)
            )),
            IdentProblem::Reserved => Diagnostic::new(
                DiagCode::ReservedWord,
                span,
                format!("{what} name `{name}` is a reserved word in SQL"),
                "reserved word",
            )
            .help(format!("{rename}, for example `{name}_value` or a more specific name")),
        };
        self.push(d);
    }

    /// Names that cannot be Rust identifiers even as raw identifiers.
    fn rust_name(&mut self, name: &str, what: &str, span: Span) {
        if matches!(name, "self" | "super" | "crate" | "Self" | "_") {
            self.push(
                Diagnostic::new(
                    DiagCode::BadIdentifier,
                    span,
                    format!("`{name}` cannot name a {what} in generated Rust code"),
                    "not usable as a Rust identifier",
                )
                .help(format!(
                    "choose another name and keep the SQL name with `#[sql_name = \"{name}\"]`"
                )),
            );
        }
    }

    fn schema(&mut self, schema: &Schema) {
        for (i, t) in schema.tables.iter().enumerate() {
            self.tables.entry(t.name.clone()).or_insert(i);
        }
        let mut by_name: HashMap<&str, &Table> = HashMap::new();
        let mut by_sql: HashMap<&str, &Table> = HashMap::new();
        for t in &schema.tables {
            self.ident(&t.name, "table", t.span, true);
            if let Some(sql) = &t.sql_name {
                self.ident(sql, "table", t.span, false);
            }
            if let Some(prev) = by_name
                .get(t.name.as_str())
                .or_else(|| by_sql.get(t.sql_name()))
            {
                self.push(
                    Diagnostic::new(
                        DiagCode::DuplicateTable,
                        t.span,
                        format!("table `{}` is defined twice", t.sql_name()),
                        "second definition",
                    )
                    .help(format!(
                        "remove one of the two definitions of `{}`, or rename one",
                        prev.sql_name()
                    )),
                );
                continue;
            }
            by_name.insert(&t.name, t);
            by_sql.insert(t.sql_name(), t);
        }
        for t in &schema.tables {
            self.table(schema, t);
        }
        self.global_names(schema);
        self.renames(schema);
        self.raw_blocks(schema);
    }

    fn table(&mut self, schema: &Schema, t: &Table) {
        if t.columns.is_empty() {
            self.push(
                Diagnostic::new(
                    DiagCode::EmptyTable,
                    t.span,
                    format!("table `{}` has no columns", t.name),
                    "empty table",
                )
                .help("declare at least its key column, as in `id -> Uuid,`"),
            );
            return;
        }
        if t.columns.len() > MAX_COLUMNS {
            self.push(
                Diagnostic::new(
                    DiagCode::EmptyTable,
                    t.span,
                    format!("table `{}` has {} columns; Diesel's `table!` supports at most {MAX_COLUMNS}", t.name, t.columns.len()),
                    "too many columns",
                )
                .help("split the table; note that more than 16 columns needs diesel's `32-column-tables` feature (or 64/128)"),
            );
        }
        self.rust_name(&t.name, "table", t.span);
        self.postgres_types(t);
        self.custom_types(t);
        self.citext_extension(t, &schema.extensions);
        self.read_only_columns(t);
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for c in &t.columns {
            self.ident(&c.name, "column", c.span, true);
            self.rust_name(&c.name, "column", c.span);
            if c.name == t.name {
                self.push(
                    Diagnostic::new(
                        DiagCode::DuplicateColumn,
                        c.span,
                        format!("column `{}` has the same name as its table", c.name),
                        "same name as the table",
                    )
                    .help(format!("Diesel's `table!` cannot express this: rename the column and keep its SQL name with `#[sql_name = \"{}\"]`", c.name)),
                );
            }
            if let Some(sql) = &c.sql_name {
                self.ident(sql, "column", c.span, false);
            }
            for key in [c.name.as_str(), c.sql_name()] {
                if seen.contains_key(key) {
                    self.push(
                        Diagnostic::new(
                            DiagCode::DuplicateColumn,
                            c.span,
                            format!("column `{key}` appears twice in table `{}`", t.name),
                            "second column of that name",
                        )
                        .help("remove or rename one of them"),
                    );
                    break;
                }
            }
            seen.insert(&c.name, c.span);
            seen.insert(c.sql_name(), c.span);
            self.default(t, c);
            self.auto_increment(t, c);
        }
        self.primary_key(t);
        self.deferrable_primary_key(t);
        for fk in &t.foreign_keys {
            self.foreign_key(schema, t, fk);
        }
        let mut unique_sets: Vec<(Vec<&str>, Span)> = Vec::new();
        for u in &t.uniques {
            self.deferrable_unique(t, u);
            self.columns_exist(t, u.columns.iter(), u.span, "unique constraint");
            let mut set: Vec<&str> = u.columns.iter().map(String::as_str).collect();
            set.sort_unstable();
            if has_duplicates(&u.columns) {
                self.push(
                    Diagnostic::new(
                        DiagCode::DuplicateIndex,
                        u.span,
                        "a unique constraint lists a column twice",
                        "repeated column",
                    )
                    .help("list each column once"),
                );
            }
            if unique_sets.iter().any(|(s, _)| *s == set) {
                self.push(
                    Diagnostic::new(
                        DiagCode::DuplicateIndex,
                        u.span,
                        format!(
                            "table `{}` has two unique constraints on ({})",
                            t.name,
                            u.columns.join(", ")
                        ),
                        "duplicate unique constraint",
                    )
                    .help("remove one of them"),
                );
            }
            unique_sets.push((set, u.span));
        }
        let mut index_keys: Vec<IndexKey> = Vec::new();
        for ix in &t.indexes {
            self.columns_exist(t, ix.columns.iter().map(|c| &c.column), ix.span, "index");
            if has_duplicates(
                &ix.columns
                    .iter()
                    .map(|c| c.column.clone())
                    .collect::<Vec<_>>(),
            ) {
                self.push(
                    Diagnostic::new(
                        DiagCode::DuplicateIndex,
                        ix.span,
                        "an index lists a column twice",
                        "repeated column",
                    )
                    .help("list each column once"),
                );
            }
            let key = (
                ix.columns
                    .iter()
                    .map(|c| (c.column.clone(), c.order))
                    .collect(),
                ix.unique,
                ix.predicate.clone(),
            );
            if index_keys.contains(&key) {
                self.push(
                    Diagnostic::new(
                        DiagCode::DuplicateIndex,
                        ix.span,
                        format!("table `{}` has this index twice", t.name),
                        "duplicate index",
                    )
                    .help("remove one of them; an identical index only slows down writes"),
                );
            }
            index_keys.push(key);
        }
        for ck in &t.checks {
            self.check(t, ck);
        }
    }

    fn columns_exist<'a>(
        &mut self,
        t: &Table,
        cols: impl Iterator<Item = &'a String>,
        span: Span,
        what: &str,
    ) {
        for c in cols {
            if t.column(c).is_none() {
                self.push(
                    Diagnostic::new(
                        DiagCode::MissingColumn,
                        span,
                        format!(
                            "{what} names column `{c}`, which table `{}` does not have",
                            t.name
                        ),
                        format!("no column `{c}`"),
                    )
                    .help(format!(
                        "columns of `{}`: {}{}",
                        t.name,
                        column_list(t),
                        closest(c, t)
                    )),
                );
            }
        }
    }

    fn primary_key(&mut self, t: &Table) {
        if has_duplicates(&t.primary_key) {
            self.push(
                Diagnostic::new(
                    DiagCode::PrimaryKey,
                    t.span,
                    format!("the primary key of `{}` lists a column twice", t.name),
                    "repeated key column",
                )
                .help("list each key column once"),
            );
        }
        for k in &t.primary_key {
            match t.column(k) {
                None => self.push(
                    Diagnostic::new(
                        DiagCode::PrimaryKey,
                        t.span,
                        format!("primary key column `{k}` is not a column of `{}`", t.name),
                        format!("key names missing column `{k}`"),
                    )
                    .help(format!("declare `{k}` in the table body or fix the key list; columns: {}{}", column_list(t), closest(k, t))),
                ),
                Some(c) if c.nullable => self.push(
                    Diagnostic::new(
                        DiagCode::PrimaryKey,
                        c.ty_span,
                        format!("primary key column `{k}` of `{}` is nullable", t.name),
                        "a key column cannot be Nullable",
                    )
                    .help(format!("remove `Nullable<...>` from `{k}`; primary keys are NOT NULL on both backends")),
                ),
                Some(c)
                    if c.ty == ColumnType::Json
                        || c.ty == ColumnType::Double
                        || c.ty == ColumnType::Float =>
                {
                    self.push(
                    Diagnostic::new(
                        DiagCode::PrimaryKey,
                        c.ty_span,
                        format!("primary key column `{k}` has type {}, which does not compare exactly on both backends", c.ty.neutral_name()),
                        "unsuitable key type",
                    )
                    .help("use Uuid, Text, an integer type or Timestamp for key columns"),
                    )
                }
                Some(c) if !c.written_on_insert() => self.push(
                    Diagnostic::new(
                        DiagCode::PrimaryKey,
                        c.ty_span,
                        format!("primary key column `{k}` of `{}` is a {}, which the models read but cannot write or use as an id", t.name, c.ty.neutral_name()),
                        "unsuitable key type",
                    )
                    .help("key the table by another column (an integer, Uuid or Text) and keep the tsvector as a plain column"),
                ),
                Some(_) => {}
            }
        }
    }

    fn auto_increment(&mut self, t: &Table, c: &Column) {
        if !c.auto_increment {
            return;
        }
        let problem = if !c.ty.is_integer() {
            Some(format!(
                "`{}` has type {}; only SmallInt, Integer and BigInt can auto-increment",
                c.name,
                c.ty.neutral_name()
            ))
        } else if t.primary_key != [c.name.clone()] {
            Some(format!("`{}` is not the table's only primary key column; an auto-increment column must be the whole key (SQLite's INTEGER PRIMARY KEY AUTOINCREMENT)", c.name))
        } else if c.nullable {
            Some(format!("`{}` is nullable", c.name))
        } else if c.default.is_some() {
            Some(format!(
                "`{}` also has a default; the sequence is its default",
                c.name
            ))
        } else {
            None
        };
        if let Some(p) = problem {
            self.push(
                Diagnostic::new(
                    DiagCode::AutoIncrement,
                    c.span,
                    format!("column cannot auto-increment: {p}"),
                    "auto_increment here",
                )
                .help(format!(
                    "write `{} ({})` with `#[auto_increment] {} -> BigInt` and no default",
                    t.name, c.name, c.name
                )),
            );
        }
    }

    /// A `Citext` column needs the `citext` extension declared in the file
    /// (it must exist before the table).
    fn citext_extension(&mut self, t: &Table, extensions: &[Extension]) {
        if extensions.iter().any(|e| e.name == "citext") {
            return;
        }
        for c in &t.columns {
            if c.ty == ColumnType::Postgres(PgType::Citext) {
                self.push(
                    Diagnostic::new(
                        DiagCode::UnknownType,
                        c.ty_span,
                        format!(
                            "`{}.{}` is `Citext`, but the file does not declare the `citext` extension",
                            t.name, c.name
                        ),
                        "needs the citext extension",
                    )
                    .help("write `#![postgres_extensions(citext)]` at the top of the schema file (PostgreSQL then creates the extension before any table)"),
                );
            }
        }
    }

    /// A deferrable unique constraint stands only in a table SQLite lacks:
    /// SQLite checks a unique constraint at each statement, whatever the
    /// declaration says, so the same schema would mean two things.
    fn deferrable_unique(&mut self, t: &Table, u: &Unique) {
        let Some(value) = u.deferrable.neutral_name() else {
            return;
        };
        if !t.scope.includes(Backend::Sqlite) {
            return;
        }
        self.push(
            Diagnostic::new(
                DiagCode::BadAttribute,
                u.span,
                format!(
                    "the unique constraint on ({}) of table `{}` is `deferrable = {value}`, but table `{}` also exists on SQLite, which never defers a unique constraint (it checks each statement)",
                    u.columns.join(", "), t.name, t.name
                ),
                "deferrable unique on SQLite",
            )
            .help(format!(
                "remove `deferrable = {value}`, or scope the table to PostgreSQL with `#[backend(postgres)]` above `{}`; deferrable foreign keys are fine on both backends",
                t.name
            )),
        );
    }

    /// A deferrable primary key stands only in a table SQLite lacks (SQLite
    /// checks its keys at each statement), and needs a key to defer.
    fn deferrable_primary_key(&mut self, t: &Table) {
        let Some(value) = t.primary_key_deferrable.neutral_name() else {
            return;
        };
        if t.primary_key.is_empty() {
            self.push(
                Diagnostic::new(
                    DiagCode::BadAttribute,
                    t.span,
                    format!("table `{}` has `#[primary_key(deferrable = {value})]` but no primary key", t.name),
                    "no primary key to defer",
                )
                .help(format!("name the key's columns after the table's name, as in `{} (id)`, or remove the attribute", t.name)),
            );
        }
        if !t.scope.includes(Backend::Sqlite) {
            return;
        }
        self.push(
            Diagnostic::new(
                DiagCode::BadAttribute,
                t.span,
                format!(
                    "the primary key ({}) of table `{}` is `deferrable = {value}`, but table `{}` also exists on SQLite, which never defers a primary key (it checks each statement)",
                    t.primary_key.join(", "), t.name, t.name
                ),
                "deferrable primary key on SQLite",
            )
            .help(format!(
                "remove `#[primary_key(deferrable = {value})]`, or scope the table to PostgreSQL with `#[backend(postgres)]` above `{}`",
                t.name
            )),
        );
    }

    /// A column the insert model leaves out (`Tsvector`: Diesel reads it
    /// but cannot write it) must be nullable or have a default, or no
    /// insert through the generated models could succeed.
    fn read_only_columns(&mut self, t: &Table) {
        for c in &t.columns {
            if c.written_on_insert() || c.nullable || c.default.is_some() {
                continue;
            }
            self.push(
                Diagnostic::new(
                    DiagCode::BadDefault,
                    c.ty_span,
                    format!(
                        "`{}.{}` is a NOT NULL {} without a default, but the generated insert model leaves it out (Diesel reads a {} and cannot write one)",
                        t.name,
                        c.name,
                        c.ty.neutral_name(),
                        c.ty.neutral_name()
                    ),
                    "read-only column",
                )
                .help(format!(
                    "give it a default (`#[default(\"\")]` is the empty document) or write `Nullable<{}>`, and fill it in SQL: `UPDATE ... SET {} = to_tsvector('english', ...)`, or a trigger in a `raw_sql!` block scoped to postgres",
                    c.ty.neutral_name(),
                    c.sql_name()
                )),
            );
        }
    }

    /// A PostgreSQL-only column type stands only in a table SQLite lacks.
    fn postgres_types(&mut self, t: &Table) {
        if !t.scope.includes(Backend::Sqlite) {
            return;
        }
        for c in &t.columns {
            if let ColumnType::Postgres(p) = c.ty {
                self.push(
                    Diagnostic::new(
                        DiagCode::UnknownType,
                        c.ty_span,
                        format!(
                            "`{}.{}` has the PostgreSQL-only type {}, but table `{}` also exists on SQLite",
                            t.name, c.name, p.neutral_name(), t.name
                        ),
                        "PostgreSQL-only type",
                    )
                    .help(format!(
                        "scope the table to PostgreSQL with `#[backend(postgres)]` above `{}`, or use a neutral type here and create the PostgreSQL column in a `raw_sql!` block scoped to postgres",
                        t.name
                    )),
                );
            }
        }
    }

    /// A custom type without a SQLite mapping stands only in a table SQLite
    /// lacks.
    fn custom_types(&mut self, t: &Table) {
        if !t.scope.includes(Backend::Sqlite) {
            return;
        }
        for c in &t.columns {
            if let ColumnType::Custom(ct) = c.ty {
                if ct.sqlite().is_none() {
                    self.push(
                        Diagnostic::new(
                            DiagCode::BadCustomType,
                            c.ty_span,
                            format!(
                                "`{}.{}` has the custom type `{}`, which declares no SQLite type, but table `{}` also exists on SQLite",
                                t.name, c.name, ct.name(), t.name
                            ),
                            "PostgreSQL-only custom type",
                        )
                        .help(format!(
                            "add `sqlite = \"TEXT\"` (or INTEGER, REAL, BLOB, ANY) to `#[custom_type(...)] struct {}` when the type exists on SQLite too, or scope the table to PostgreSQL with `#[backend(postgres)]` above `{}`",
                            ct.name(), t.name
                        )),
                    );
                }
            }
        }
    }

    fn default(&mut self, t: &Table, c: &Column) {
        let Some(d) = &c.default else { return };
        let ty = c.ty;
        let problem: Option<(String, String)> = match (d, ty) {
            (DefaultValue::Now, ColumnType::Timestamp) | (DefaultValue::Uuid, ColumnType::Uuid) => None,
            (DefaultValue::Now, ColumnType::NaiveTimestamp) => Some(("`now` is a default for Timestamp columns: a NaiveTimestamp has no time zone to read the clock in".into(), format!("write a literal such as `#[default(\"{}\")]`, or make the column a Timestamp (a UTC instant)", calendar_example(ty)))),
            (DefaultValue::Now, _) => Some(("`now` is a default for Timestamp columns".into(), "write a literal of the column's type".into())),
            (DefaultValue::Uuid, _) => Some(("`uuid` is a default for Uuid columns".into(), "write a literal of the column's type".into())),
            (DefaultValue::Text(s), ColumnType::Text { max_len }) => match max_len {
                Some(n) if s.chars().count() > n as usize => Some((
                    format!("default is {} characters long but the column holds at most {n}", s.chars().count()),
                    "shorten the default or raise the limit".into(),
                )),
                _ => None,
            },
            (DefaultValue::Text(s), ColumnType::Uuid) => (!is_uuid_text(s)).then(|| {
                ("a Uuid default must be a hyphenated UUID".into(), "write `#[default(uuid)]` for a fresh one, or a literal like \"00000000-0000-0000-0000-000000000000\"".into())
            }),
            (DefaultValue::Text(s), ColumnType::Timestamp) => (!is_canonical_timestamp(s)).then(|| {
                ("a Timestamp default must be `now` or the canonical UTC text YYYY-MM-DDTHH:MM:SS.ffffffZ".into(), "write `#[default(now)]` or e.g. \"1970-01-01T00:00:00.000000Z\" (6 fraction digits, Z)".into())
            }),
            (DefaultValue::Text(s), ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time) => (!is_canonical_calendar_text(ty, s)).then(|| {
                (format!("a {} default must be its canonical text {}", ty.neutral_name(), calendar_form(ty)), format!("write e.g. `#[default(\"{}\")]`", calendar_example(ty)))
            }),
            (DefaultValue::Text(_) | DefaultValue::Int(_) | DefaultValue::Float(_), ColumnType::Decimal { precision, scale }) => {
                decimal_default_text(d).and_then(|text| crate::decimal::parse_units(&text, precision, scale)).err().map(|m| {
                    (format!("a {} default must be a decimal that fits it exactly: {m}", ty.neutral_name()),
                     format!("write e.g. `#[default(\"{}\")]` (as text, so no digit goes through a binary float)", crate::decimal::format_units(0, scale)))
                })
            }
            (DefaultValue::Text(s), ColumnType::Json) => (!looks_like_json(s)).then(|| {
                ("a Json default must be JSON text".into(), "write e.g. `#[default(\"{}\")]` or `#[default(\"[]\")]`".into())
            }),
            (DefaultValue::Int(i), ColumnType::SmallInt) => (i16::try_from(*i).is_err())
                .then(|| (format!("{i} does not fit a SmallInt"), "use a value in -32768..=32767 or widen the column".into())),
            (DefaultValue::Int(i), ColumnType::Integer) => (i32::try_from(*i).is_err())
                .then(|| (format!("{i} does not fit an Integer"), "use a 32-bit value or make the column BigInt".into())),
            (DefaultValue::Int(_), ColumnType::BigInt | ColumnType::Double) => None,
            (DefaultValue::Float(_), ColumnType::Double) => None,
            (DefaultValue::Int(_) | DefaultValue::Float(_), ColumnType::Float) => None,
            (DefaultValue::Bool(_), ColumnType::Bool) => None,
            // Backend SQL only where one backend reads it.
            (DefaultValue::Raw(sql), _) => match t.scope {
                BackendScope::Only(_) => None,
                BackendScope::Both => Some((
                    format!("`{sql}` is one backend's SQL, on a table of both backends"),
                    "write an expression of the language (see the crate docs), or scope the table with `#[backend(...)]`".into(),
                )),
            },
            // Typed when parsed; a tree built in code is checked again
            // through its neutral text.
            (DefaultValue::Expr(e), ty) => {
                let text = crate::expr::render_neutral(e);
                crate::expr::parse_default_for(&text, crate::expr::Source::Neutral, c.sql_name(), ty)
                    .err()
                    .map(|err| (format!("`{text}`: {}", err.message), err.help))
            }
            // Compared with what PostgreSQL prints back: written so.
            (DefaultValue::Text(s), ColumnType::Postgres(PgType::Tsvector)) => match crate::tsvector::canonical(s) {
                Some(c) if c == *s => None,
                Some(c) => Some((
                    format!("a Tsvector default is compared with what PostgreSQL prints back, `{c}`"),
                    format!("write `#[default({c:?})]` (each lexeme once, quoted, in byte order; positions ascending)"),
                )),
                None => Some((
                    "a Tsvector default must be tsvector text this toolkit reads: lexemes, plain or in single quotes, each with optional positions 1..16383 and a weight A-D".into(),
                    "write e.g. `#[default(\"'cat':2 'fat':1\")]`, or `#[default(\"\")]` for the empty document; a default with backslashes belongs in `#[default(sql = \"...\")]`".into(),
                )),
            },
            // PostgreSQL reads the text as the type when the DDL applies.
            (DefaultValue::Text(_), ColumnType::Postgres(_)) => None,
            // PostgreSQL reads the text as the type; SQLite stores it as
            // written, which means the same only in a TEXT column.
            (DefaultValue::Text(_), ColumnType::Custom(ct)) => (t.scope.includes(Backend::Sqlite) && ct.sqlite() != Some("TEXT")).then(|| {
                (
                    format!("a text default of the custom type `{}` means the same on both backends only when its SQLite type is TEXT", ct.name()),
                    "scope the table to PostgreSQL with `#[backend(postgres)]`, declare `sqlite = \"TEXT\"`, or set the value on insert".into(),
                )
            }),
            (DefaultValue::Text(s), ColumnType::Enum(e)) => (!e.labels().contains(s)).then(|| {
                (
                    format!("{s:?} is not a label of the enum `{}`", ty.neutral_name()),
                    format!("write one of its labels: {}", e.labels().iter().map(|l| format!("{l:?}")).collect::<Vec<_>>().join(", ")),
                )
            }),
            (_, ColumnType::Binary) => Some(("Binary columns cannot have a default".into(), "remove the default and set the value on insert".into())),
            (d, ty) => Some((
                format!("a {} default does not fit a {} column", default_kind(d), ty.neutral_name()),
                format!("write a default of type {}", ty.neutral_name()),
            )),
        };
        if let Some((msg, help)) = problem {
            self.push(
                Diagnostic::new(
                    DiagCode::BadDefault,
                    c.span,
                    format!("bad default for `{}.{}`: {msg}", t.name, c.name),
                    format!("column of type {}", ty.neutral_name()),
                )
                .help(help),
            );
        }
    }

    fn foreign_key(&mut self, schema: &Schema, t: &Table, fk: &ForeignKey) {
        self.columns_exist(t, fk.columns.iter(), fk.span, "foreign key");
        let Some(target) = self.table_named(schema, &fk.ref_table) else {
            let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
            self.push(
                Diagnostic::new(
                    DiagCode::ForeignKey,
                    fk.span,
                    format!(
                        "foreign key of `{}` references table `{}`, which does not exist",
                        t.name, fk.ref_table
                    ),
                    format!("no table `{}`", fk.ref_table),
                )
                .help(format!(
                    "tables: {}{}",
                    names.join(", "),
                    closest_of(&fk.ref_table, names.iter().copied())
                )),
            );
            return;
        };
        if let (BackendScope::Both | BackendScope::Only(_), BackendScope::Only(b)) =
            (t.scope, target.scope)
        {
            if t.scope != target.scope {
                self.push(
                    Diagnostic::new(
                        DiagCode::ForeignKey,
                        fk.span,
                        format!(
                            "`{}` references `{}`, which exists only on {b}",
                            t.name, target.name
                        ),
                        "target missing on a backend",
                    )
                    .help(format!(
                        "mark `{}` with `#[backend({b})]` too, or make `{}` exist on every backend",
                        t.name, target.name
                    )),
                );
                return;
            }
        }
        if fk.columns.len() != fk.ref_columns.len() {
            self.push(
                Diagnostic::new(
                    DiagCode::ForeignKey,
                    fk.span,
                    format!(
                        "foreign key lists {} column(s) but references {}",
                        fk.columns.len(),
                        fk.ref_columns.len()
                    ),
                    "column counts differ",
                )
                .help("reference as many columns as the key has"),
            );
            return;
        }
        for rc in &fk.ref_columns {
            if target.column(rc).is_none() {
                self.push(
                    Diagnostic::new(
                        DiagCode::ForeignKey,
                        fk.span,
                        format!(
                            "foreign key references `{}.{rc}`, which does not exist",
                            target.name
                        ),
                        format!("no column `{rc}` in `{}`", target.name),
                    )
                    .help(format!(
                        "columns of `{}`: {}{}",
                        target.name,
                        column_list(target),
                        closest(rc, target)
                    )),
                );
                return;
            }
        }
        for (lc, rc) in fk.columns.iter().zip(&fk.ref_columns) {
            let (Some(l), Some(r)) = (t.column(lc), target.column(rc)) else {
                continue;
            };
            if !same_base_type(l.ty, r.ty) {
                self.push(
                    Diagnostic::new(
                        DiagCode::ForeignKey,
                        fk.span,
                        format!(
                            "`{}.{lc}` is {} but references `{}.{rc}`, which is {}",
                            t.name,
                            l.ty.neutral_name(),
                            target.name,
                            r.ty.neutral_name()
                        ),
                        "types differ",
                    )
                    .help(format!(
                        "make `{lc}` a {} to match the referenced column",
                        r.ty.neutral_name()
                    )),
                );
            }
            if (fk.on_delete == FkAction::SetNull || fk.on_update == FkAction::SetNull)
                && !l.nullable
            {
                self.push(
                    Diagnostic::new(
                        DiagCode::ForeignKey,
                        fk.span,
                        format!("`set_null` on a foreign key whose column `{lc}` is not nullable"),
                        "set_null needs a nullable column",
                    )
                    .help(format!(
                        "make `{lc}` `Nullable<...>` or choose another action such as `cascade`"
                    )),
                );
            }
            if (fk.on_delete == FkAction::SetDefault || fk.on_update == FkAction::SetDefault)
                && l.default.is_none()
                && !l.nullable
            {
                self.push(
                    Diagnostic::new(
                        DiagCode::ForeignKey,
                        fk.span,
                        format!(
                            "`set_default` on a foreign key whose column `{lc}` has no default"
                        ),
                        "set_default needs a default",
                    )
                    .help(format!(
                        "give `{lc}` a `#[default(...)]` or choose another action"
                    )),
                );
            }
        }
        // The referenced columns must be the key or a unique constraint.
        let mut wanted: Vec<&str> = fk.ref_columns.iter().map(String::as_str).collect();
        wanted.sort_unstable();
        fn as_set(cols: &[String]) -> Vec<&str> {
            let mut v: Vec<&str> = cols.iter().map(String::as_str).collect();
            v.sort_unstable();
            v
        }
        let unique_on = |deferrable: bool| {
            target.uniques.iter().any(|u| {
                (u.deferrable != Deferrable::No) == deferrable && as_set(&u.columns) == wanted
            })
        };
        let on_key = as_set(&target.primary_key) == wanted;
        let key_deferrable = target.primary_key_deferrable != Deferrable::No;
        let keyed = (on_key && !key_deferrable)
            || unique_on(false)
            || target.indexes.iter().any(|ix| {
                ix.unique
                    && ix.predicate.is_none()
                    && as_set(
                        &ix.columns
                            .iter()
                            .map(|c| c.column.clone())
                            .collect::<Vec<_>>(),
                    ) == wanted
            });
        if !keyed && on_key && key_deferrable {
            self.push(
                Diagnostic::new(
                    DiagCode::ForeignKey,
                    fk.span,
                    format!(
                        "foreign key references the primary key ({}) of `{}`, which is deferrable: PostgreSQL refuses a foreign key to a deferrable primary key",
                        fk.ref_columns.join(", "),
                        target.name
                    ),
                    "references a deferrable primary key",
                )
                .help(format!(
                    "remove `#[primary_key(deferrable = ...)]` from `{}`, or reference columns with an immediate `#[unique]`",
                    target.name
                )),
            );
        } else if !keyed && unique_on(true) {
            self.push(
                Diagnostic::new(
                    DiagCode::ForeignKey,
                    fk.span,
                    format!(
                        "foreign key references ({}) of `{}`, whose unique constraint on them is deferrable: PostgreSQL refuses a foreign key to a deferrable unique constraint",
                        fk.ref_columns.join(", "),
                        target.name
                    ),
                    "references a deferrable unique",
                )
                .help(format!(
                    "remove `deferrable = ...` from that `#[unique]` of `{}`, or reference its primary key ({})",
                    target.name,
                    target.primary_key.join(", ")
                )),
            );
        } else if !keyed {
            self.push(
                Diagnostic::new(
                    DiagCode::ForeignKey,
                    fk.span,
                    format!(
                        "foreign key references ({}) of `{}`, which is neither its primary key nor unique",
                        fk.ref_columns.join(", "),
                        target.name
                    ),
                    "referenced columns are not a key",
                )
                .help(format!(
                    "reference the primary key ({}) or add `#[unique({})]` to `{}`",
                    target.primary_key.join(", "),
                    fk.ref_columns.join(", "),
                    target.name
                )),
            );
        }
    }

    fn check(&mut self, t: &Table, ck: &Check) {
        match &ck.expr {
            CheckExpr::In { column, values } => {
                let Some(c) = t.column(column) else { return };
                if let ColumnType::Enum(e) = c.ty {
                    self.push(
                        Diagnostic::new(
                            DiagCode::BadCheck,
                            ck.span,
                            format!("`in(...)` on `{}.{column}`, a column of the enum `{}`, is redundant", t.name, e.rust_name()),
                            "the enum's labels already restrict it",
                        )
                        .help("remove the check; to allow fewer values, declare another enum with just those labels"),
                    );
                    return;
                }
                let ok = values.iter().all(|v| match (v, c.ty) {
                    (Literal::Text(_), ColumnType::Text { .. }) => true,
                    (Literal::Int(_), ty) => ty.is_integer(),
                    _ => false,
                });
                if !ok {
                    self.push(
                        Diagnostic::new(
                            DiagCode::BadCheck,
                            ck.span,
                            format!("`in(...)` values do not fit column `{}` of type {}", column, c.ty.neutral_name()),
                            "value type differs from the column type",
                        )
                        .help("list strings for Text columns and integers for integer columns; other types need `sql = \"...\"`"),
                    );
                }
                let set: HashSet<&Literal> = values.iter().collect();
                if set.len() != values.len() {
                    self.push(
                        Diagnostic::new(
                            DiagCode::BadCheck,
                            ck.span,
                            "`in(...)` lists a value twice",
                            "repeated value",
                        )
                        .help("list each value once"),
                    );
                }
            }
            CheckExpr::JsonValid { column } => {
                let Some(c) = t.column(column) else { return };
                match c.ty {
                    ColumnType::Text { .. } => {}
                    ColumnType::Json => self.push(
                        Diagnostic::new(
                            DiagCode::BadCheck,
                            ck.span,
                            format!("`{column}` is already Json; the JSON check is implied"),
                            "redundant check",
                        )
                        .help("remove `#[check(json)]`: Json columns are JSONB on PostgreSQL and checked with json_valid on SQLite"),
                    ),
                    other => self.push(
                        Diagnostic::new(
                            DiagCode::BadCheck,
                            ck.span,
                            format!("`#[check(json)]` applies to Text columns, and `{column}` is {}", other.neutral_name()),
                            "not a Text column",
                        )
                        .help("use it on a Text column, or make the column Json"),
                    ),
                }
            }
            CheckExpr::Raw { .. } => {}
        }
    }

    /// Index names and the constraints that create indexes (primary keys,
    /// unique constraints) share one namespace per PostgreSQL schema;
    /// foreign key and check names must be unique per table. Every derived
    /// or explicit name must also be a valid identifier.
    fn global_names(&mut self, schema: &Schema) {
        let mut relation_names: HashMap<String, String> = HashMap::new();
        for t in &schema.tables {
            relation_names.insert(t.sql_name().to_string(), format!("table `{}`", t.name));
        }
        let mut seen_tables: HashSet<&str> = HashSet::new();
        for t in &schema.tables {
            // A duplicate table, or one whose own name is invalid, was
            // reported already; its derived names would only add noise.
            if t.columns.is_empty()
                || !seen_tables.insert(t.sql_name())
                || names::check_ident(t.sql_name()).is_err()
            {
                continue;
            }
            let mut named: Vec<(String, Span, String, bool)> = Vec::new();
            if t.auto_increment_column().is_none() {
                named.push((
                    names::primary_key_name(t),
                    t.span,
                    "primary key".into(),
                    true,
                ));
            }
            for (i, u) in t.uniques.iter().enumerate() {
                if t.uniques[..i].contains(u) {
                    continue;
                }
                named.push((
                    names::unique_name(t, u),
                    u.span,
                    "unique constraint".into(),
                    true,
                ));
            }
            for (i, ix) in t.indexes.iter().enumerate() {
                if t.indexes[..i].contains(ix) {
                    continue;
                }
                named.push((names::index_name(t, ix), ix.span, "index".into(), true));
            }
            for fk in &t.foreign_keys {
                named.push((
                    names::foreign_key_name(t, fk),
                    fk.span,
                    "foreign key".into(),
                    false,
                ));
            }
            for (i, ck) in t.checks.iter().enumerate() {
                named.push((names::check_name(t, i), ck.span, "check".into(), false));
            }
            let mut per_table: HashSet<String> = HashSet::new();
            for (name, span, what, global) in named {
                if let Err(p) = names::check_ident(&name) {
                    let msg = match p {
                        IdentProblem::TooLong(n) => format!("the {what} name `{name}` is {n} bytes; PostgreSQL would truncate it to {}", names::MAX_IDENT_BYTES),
                        _ => format!("the {what} name `{name}` is not a plain SQL identifier"),
                    };
                    self.push(
                        Diagnostic::new(DiagCode::BadIdentifier, span, msg, "name too long or not plain")
                            .help(format!("give the {what} a short name with `name = \"...\"` (at most {} bytes, [a-z_][a-z0-9_]*)", names::MAX_IDENT_BYTES)),
                    );
                    continue;
                }
                let clash = if global {
                    relation_names.insert(name.clone(), format!("{what} of `{}`", t.name))
                } else if !per_table.insert(name.clone()) {
                    Some(format!("another constraint of `{}`", t.name))
                } else {
                    None
                };
                if let Some(other) = clash {
                    self.push(
                        Diagnostic::new(
                            DiagCode::DuplicateIndex,
                            span,
                            format!("the {what} name `{name}` is already used by {other}"),
                            "name already taken",
                        )
                        .help(format!(
                            "give this {what} another name with `name = \"...\"`"
                        )),
                    );
                }
            }
        }
    }

    fn renames(&mut self, schema: &Schema) {
        let mut from_tables: HashMap<&str, &str> = HashMap::new();
        for t in &schema.tables {
            let Some(old) = &t.renamed_from else { continue };
            self.ident(old, "former table", t.span, false);
            if old == &t.name {
                self.push(
                    Diagnostic::new(
                        DiagCode::RenameCollision,
                        t.span,
                        format!("table `{}` is renamed from itself", t.name),
                        "same name",
                    )
                    .help("remove `#[renamed_from(...)]`"),
                );
            } else if let Some(other) = self.table_named(schema, old) {
                self.push(
                    Diagnostic::new(
                        DiagCode::RenameCollision,
                        t.span,
                        format!(
                            "table `{}` is renamed from `{old}`, but a table `{old}` still exists",
                            t.name
                        ),
                        "rename collides",
                    )
                    .help(format!(
                        "remove the hint, or rename or drop the other `{}` table",
                        other.name
                    )),
                );
            } else if let Some(prev) = from_tables.insert(old, &t.name) {
                self.push(
                    Diagnostic::new(
                        DiagCode::RenameCollision,
                        t.span,
                        format!(
                            "tables `{prev}` and `{}` are both renamed from `{old}`",
                            t.name
                        ),
                        "second rename of the same table",
                    )
                    .help("a table can be renamed into one table only; remove one hint"),
                );
            }
        }
        for t in &schema.tables {
            let mut from_cols: HashMap<&str, &str> = HashMap::new();
            for c in &t.columns {
                let Some(old) = &c.renamed_from else { continue };
                self.ident(old, "former column", c.span, false);
                if old == &c.name {
                    self.push(
                        Diagnostic::new(
                            DiagCode::RenameCollision,
                            c.span,
                            format!("column `{}` is renamed from itself", c.name),
                            "same name",
                        )
                        .help("remove `#[renamed_from(...)]`"),
                    );
                } else if t.column(old).is_some() {
                    self.push(
                        Diagnostic::new(
                            DiagCode::RenameCollision,
                            c.span,
                            format!("column `{}.{}` is renamed from `{old}`, but `{}` still has a column `{old}`", t.name, c.name, t.name),
                            "rename collides",
                        )
                        .help(format!("remove the hint, or rename the other `{old}` column")),
                    );
                } else if let Some(prev) = from_cols.insert(old, &c.name) {
                    self.push(
                        Diagnostic::new(
                            DiagCode::RenameCollision,
                            c.span,
                            format!(
                                "columns `{prev}` and `{}` are both renamed from `{old}`",
                                c.name
                            ),
                            "second rename of the same column",
                        )
                        .help("a column can be renamed into one column only; remove one hint"),
                    );
                }
            }
        }
    }

    fn raw_blocks(&mut self, schema: &Schema) {
        let mut seen: HashSet<&str> = HashSet::new();
        for b in &schema.raw_blocks {
            self.ident(&b.name, "raw SQL block", b.span, false);
            if !seen.insert(&b.name) {
                self.push(
                    Diagnostic::new(
                        DiagCode::RawSql,
                        b.span,
                        format!("raw SQL block `{}` is defined twice", b.name),
                        "second definition",
                    )
                    .help("give each block its own name"),
                );
            }
        }
    }
}

fn default_kind(d: &DefaultValue) -> &'static str {
    match d {
        DefaultValue::Now => "`now`",
        DefaultValue::Uuid => "`uuid`",
        DefaultValue::Text(_) => "string",
        DefaultValue::Int(_) => "integer",
        DefaultValue::Float(_) => "float",
        DefaultValue::Bool(_) => "boolean",
        DefaultValue::Expr(_) => "expression",
        DefaultValue::Raw(_) => "backend SQL",
    }
}

fn same_base_type(a: ColumnType, b: ColumnType) -> bool {
    matches!((a, b), (ColumnType::Text { .. }, ColumnType::Text { .. })) || a == b
}

fn has_duplicates(v: &[String]) -> bool {
    let set: HashSet<&String> = v.iter().collect();
    set.len() != v.len()
}

fn column_list(t: &Table) -> String {
    t.columns
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn closest(name: &str, t: &Table) -> String {
    closest_of(name, t.columns.iter().map(|c| c.name.as_str()))
}

fn closest_of<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    candidates
        .map(|c| (names::edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

fn suggestion(name: &str) -> String {
    let mut out = String::new();
    for (i, ch) in name.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else if ch.is_ascii_alphanumeric() || ch == '_' {
            out.push(ch);
        } else {
            out.push('_');
        }
    }
    if out.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if out != name && names::check_ident(&out).is_ok() {
        format!("; for example `{out}`")
    } else {
        String::new()
    }
}

/// A hyphenated UUID, `8-4-4-4-12` hex digits.
pub fn is_uuid_text(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The canonical timestamp text `YYYY-MM-DDTHH:MM:SS.ffffffZ` with a
/// plausible calendar date and time.
pub fn is_canonical_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 27 {
        return false;
    }
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(u32::MAX);
    let shape = digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..26)
        && b[26] == b'Z';
    shape
        && (1..=9999).contains(&num(0..4))
        && (1..=12).contains(&num(5..7))
        && (1..=31).contains(&num(8..10))
        && num(11..13) < 24
        && num(14..16) < 60
        && num(17..19) < 60
}

/// Whether `s` is the one canonical text of a `NaiveTimestamp`
/// (`YYYY-MM-DD HH:MM:SS`, or with `.ffffff` when the fraction is not zero),
/// a `Date` (`YYYY-MM-DD`) or a `Time` (`HH:MM:SS[.ffffff]`); `false` for
/// any other column type. Years 0001..=9999; the day must exist.
pub fn is_canonical_calendar_text(ty: ColumnType, s: &str) -> bool {
    match ty {
        ColumnType::Date => is_canonical_date(s),
        ColumnType::Time => is_canonical_time(s),
        ColumnType::NaiveTimestamp => {
            s.len() > 11
                && s.is_char_boundary(10)
                && s.is_char_boundary(11)
                && is_canonical_date(&s[..10])
                && &s[10..11] == " "
                && is_canonical_time(&s[11..])
        }
        _ => false,
    }
}

/// The canonical text of a calendar value from the text a database prints
/// (PostgreSQL drops trailing fraction zeros and may write `T` in a
/// timestamp): `None` unless it names a value of `ty`.
pub fn canonicalize_calendar_text(ty: ColumnType, s: &str) -> Option<String> {
    let s = s.trim();
    let s = if ty == ColumnType::NaiveTimestamp && s.get(10..11) == Some("T") {
        format!("{} {}", &s[..10], &s[11..])
    } else {
        s.to_string()
    };
    let c = match s.split_once('.') {
        Some((whole, f)) if f.len() <= 6 && f.chars().all(|c| c.is_ascii_digit()) => {
            if f.chars().all(|c| c == '0') {
                whole.to_string()
            } else {
                format!("{whole}.{f:0<6}")
            }
        }
        Some(_) => return None,
        None => s,
    };
    is_canonical_calendar_text(ty, &c).then_some(c)
}

fn is_canonical_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    (1..=9999).contains(&y) && (1..=days).contains(&d)
}

fn is_canonical_time(s: &str) -> bool {
    let b = s.as_bytes();
    if !(b.len() == 8 || b.len() == 15) || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let whole = matches!((num(0..2), num(3..5), num(6..8)), (Some(h), Some(m), Some(s)) if h < 24 && m < 60 && s < 60);
    whole && (b.len() == 8 || (b[8] == b'.' && num(9..15).is_some_and(|f| f != 0)))
}

/// The decimal text of a default for a `Decimal` column. A float literal
/// counts only when its shortest form has at most 15 significant digits
/// (then it is exactly the digits that were written).
pub fn decimal_default_text(d: &DefaultValue) -> Result<String, String> {
    match d {
        DefaultValue::Text(s) => Ok(s.clone()),
        DefaultValue::Int(i) => Ok(i.to_string()),
        DefaultValue::Float(f) => {
            let text = format!("{f}");
            let digits = text
                .trim_start_matches('-')
                .replace('.', "")
                .trim_start_matches('0')
                .len();
            if f.is_finite() && digits <= 15 && !text.contains(['e', 'E']) {
                Ok(text)
            } else {
                Err(format!(
                    "the float {text} may not be the digits that were written"
                ))
            }
        }
        other => Err(format!("`{}` is not a decimal", other.neutral_spelling())),
    }
}

/// The canonical text form of a calendar type, for messages.
fn calendar_form(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Date => "YYYY-MM-DD",
        ColumnType::Time => "HH:MM:SS[.ffffff] (6 fraction digits, left out when zero)",
        _ => "YYYY-MM-DD HH:MM:SS[.ffffff] (6 fraction digits, left out when zero)",
    }
}

/// A canonical example value of a calendar type, for messages.
fn calendar_example(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::Date => "1970-01-01",
        ColumnType::Time => "00:00:00",
        _ => "1970-01-01 00:00:00",
    }
}

/// A cheap structural check that text is a JSON document: balanced brackets
/// outside strings and a plausible first character. The database checks it
/// fully when the DDL is applied.
fn looks_like_json(s: &str) -> bool {
    let t = s.trim();
    let Some(first) = t.chars().next() else {
        return false;
    };
    if !(matches!(first, '{' | '[' | '"' | '-' | 't' | 'f' | 'n') || first.is_ascii_digit()) {
        return false;
    }
    let mut depth: Vec<char> = Vec::new();
    let (mut in_str, mut esc) = (false, false);
    for ch in t.chars() {
        if in_str {
            match (esc, ch) {
                (true, _) => esc = false,
                (false, '\\') => esc = true,
                (false, '"') => in_str = false,
                _ => {}
            }
            continue;
        }
        match ch {
            '"' => in_str = true,
            '{' | '[' => depth.push(ch),
            '}' if depth.pop() != Some('{') => return false,
            ']' if depth.pop() != Some('[') => return false,
            _ => {}
        }
    }
    !in_str && depth.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        for (s, ok) in [
            ("1970-01-01T00:00:00.000000Z", true),
            ("9999-12-31T23:59:59.999999Z", true),
            ("1970-01-01 00:00:00.000000Z", false),
            ("1970-01-01T00:00:00Z", false),
            ("0000-01-01T00:00:00.000000Z", false),
            ("1970-13-01T00:00:00.000000Z", false),
        ] {
            assert_eq!(is_canonical_timestamp(s), ok, "{s}");
        }
    }

    #[test]
    fn uuids_and_json() {
        assert!(is_uuid_text("123e4567-e89b-12d3-a456-426614174000"));
        assert!(!is_uuid_text("123e4567e89b12d3a456426614174000"));
        assert!(looks_like_json("{\"a\": [1, 2, \"]\"]}"));
        assert!(looks_like_json("[]"));
        assert!(!looks_like_json("{"));
        assert!(!looks_like_json("hello"));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(names::edit_distance("status", "statu"), 1);
        assert_eq!(names::edit_distance("", "abc"), 3);
        assert_eq!(
            closest_of("stauts", ["status", "id"].into_iter()),
            " (did you mean `status`?)"
        );
    }
}
