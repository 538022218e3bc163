//! Canonical form, so that equal means equal.
//!
//! The parsed schema file and an introspected database both become a
//! [`Schema`]; [`normalize`] puts either into one canonical form before
//! [`crate::compare`] looks at them:
//!
//! - names are the SQL names (`sql_name` folded into `name`), lower case;
//! - tables are sorted by name; constraints and indexes are sorted, and every
//!   constraint and index carries its full name (the derived one when the
//!   schema file gave none), so a derived name equals the catalog's name;
//! - defaults are spelled one way per type (`CURRENT_TIMESTAMP` and `now()`
//!   are [`DefaultValue::Now`], a UUID literal is lower-case hyphenated text,
//!   JSON text is re-serialized, an integer default of a `Double` is a float);
//! - check expressions and partial-index predicates are canonical SQL
//!   ([`canonical_expr`]): keywords and identifiers lower case, type casts
//!   (except to JSON, which checks depend on) and grouping parentheses
//!   dropped, PostgreSQL's `= ANY (ARRAY[…])` read as `IN (…)`; a canonical check that is an `IN` list or a JSON check
//!   becomes [`CheckExpr::In`] / [`CheckExpr::JsonValid`];
//! - primary-key columns are `NOT NULL`; auto-increment columns have no
//!   default; docs, rename hints and raw SQL blocks are dropped (the catalog
//!   cannot say the same things back).
//!
//! The SQLite type map's implicit checks (`length(id) = 16` for a UUID, the
//! `GLOB` of a timestamp, …) are folded back into the column type by the
//! SQLite introspector with [`fold_implicit_check`]; they never appear as
//! user checks.
//!
//! A known limit: grouping parentheses are ignored, so `(a OR b) AND c` and
//! `a OR (b AND c)` compare equal. PostgreSQL re-parenthesizes every
//! expression it stores, so the only alternative would be a full SQL
//! expression parser.

use std::collections::HashMap;

use crate::model::*;
use crate::names;
use crate::render::ddl::quote_literal as quote;

/// Puts `schema` into canonical form. With `backend`, only what exists on
/// that backend is kept (backend-only tables of the other backend go, raw
/// checks take that backend's spelling or go when they have none).
pub fn normalize(schema: &Schema, backend: Option<Backend>) -> Schema {
    let table_names: HashMap<&str, &Table> =
        schema.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut tables: Vec<Table> = schema
        .tables
        .iter()
        .filter(|t| backend.is_none_or(|b| t.scope.includes(b)))
        .map(|t| normalize_table(t, &table_names, backend))
        .collect();
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let mut extensions = if backend == Some(Backend::Sqlite) {
        Vec::new()
    } else {
        schema.extensions.clone()
    };
    extensions.sort();
    // An enum is its SQL name and labels (docs and the Rust name are the
    // schema file's); SQLite has no enum types, only the columns' checks,
    // so there an enum no column uses does not exist.
    let mut enums: Vec<DbEnum> = schema
        .enums
        .iter()
        .filter(|e| {
            backend != Some(Backend::Sqlite)
                || tables
                    .iter()
                    .flat_map(|t| &t.columns)
                    .any(|c| c.ty == ColumnType::Enum(e.ty()))
        })
        .map(|e| DbEnum {
            name: enum_rust_name(&e.sql_name),
            docs: Vec::new(),
            ..e.clone()
        })
        .collect();
    enums.sort_by(|a, b| a.sql_name.cmp(&b.sql_name));
    Schema {
        tables,
        raw_blocks: Vec::new(),
        extensions,
        enums,
        custom_types: Vec::new(),
    }
}

fn normalize_table(t: &Table, all: &HashMap<&str, &Table>, backend: Option<Backend>) -> Table {
    let col = |c: &String| t.column_sql_name(c).to_ascii_lowercase();
    let ref_table = |name: &str| {
        all.get(name)
            .map(|r| r.sql_name().to_ascii_lowercase())
            .unwrap_or_else(|| name.to_ascii_lowercase())
    };
    let ref_col = |table: &str, c: &String| {
        all.get(table)
            .map(|r| r.column_sql_name(c).to_ascii_lowercase())
            .unwrap_or_else(|| c.to_ascii_lowercase())
    };
    let tname = t.sql_name().to_ascii_lowercase();
    let primary_key: Vec<String> = t.primary_key.iter().map(col).collect();
    let columns: Vec<Column> = t
        .columns
        .iter()
        .map(|c| {
            let name = c.sql_name().to_ascii_lowercase();
            let in_pk = primary_key.contains(&name);
            Column {
                nullable: c.nullable && !in_pk,
                default: if c.auto_increment {
                    None
                } else {
                    c.default.as_ref().map(|d| normalize_default(c.ty, d))
                },
                name,
                sql_name: None,
                docs: Vec::new(),
                ty: c.ty,
                auto_increment: c.auto_increment,
                renamed_from: None,
                span: Span::default(),
                ty_span: Span::default(),
            }
        })
        .collect();

    let mut foreign_keys: Vec<ForeignKey> = t
        .foreign_keys
        .iter()
        .map(|fk| ForeignKey {
            name: Some(names::foreign_key_name(t, fk).to_ascii_lowercase()),
            columns: fk.columns.iter().map(col).collect(),
            ref_table: ref_table(&fk.ref_table),
            ref_columns: fk
                .ref_columns
                .iter()
                .map(|c| ref_col(&fk.ref_table, c))
                .collect(),
            on_delete: fk.on_delete,
            on_update: fk.on_update,
            deferrable: fk.deferrable,
            span: Span::default(),
        })
        .collect();
    foreign_keys.sort_by(|a, b| {
        (&a.columns, &a.ref_table, &a.ref_columns).cmp(&(&b.columns, &b.ref_table, &b.ref_columns))
    });

    let mut uniques: Vec<Unique> = t
        .uniques
        .iter()
        .map(|u| Unique {
            name: Some(names::unique_name(t, u).to_ascii_lowercase()),
            columns: u.columns.iter().map(col).collect(),
            deferrable: u.deferrable,
            span: Span::default(),
        })
        .collect();
    uniques.sort_by(|a, b| a.columns.cmp(&b.columns));

    let mut checks: Vec<Check> = Vec::new();
    for (i, ck) in t.checks.iter().enumerate() {
        let name = Some(names::check_name(t, i).to_ascii_lowercase());
        let expr = match &ck.expr {
            CheckExpr::In { column, values } => CheckExpr::In {
                column: col(column),
                values: values.clone(),
            },
            CheckExpr::JsonValid { column } => CheckExpr::JsonValid {
                column: col(column),
            },
            raw @ CheckExpr::Raw {
                sql,
                postgres,
                sqlite,
            } => match backend {
                Some(b) => match raw.raw_for(b) {
                    Some(text) => check_from_sql(&canonical_expr(&by_meaning(text, t))),
                    None => continue,
                },
                None => {
                    let canon = |s: &str| canonical_expr(&by_meaning(s, t));
                    let pg = postgres.as_deref().or(sql.as_deref()).map(canon);
                    let lite = sqlite.as_deref().or(sql.as_deref()).map(canon);
                    if pg == lite {
                        match pg {
                            Some(text) => check_from_sql(&text),
                            None => continue,
                        }
                    } else {
                        CheckExpr::Raw {
                            sql: None,
                            postgres: pg,
                            sqlite: lite,
                        }
                    }
                }
            },
        };
        checks.push(Check {
            name,
            expr,
            span: Span::default(),
        });
    }
    checks.sort_by_key(check_sort_key);

    let mut indexes: Vec<Index> = t
        .indexes
        .iter()
        .map(|ix| Index {
            name: Some(names::index_name(t, ix).to_ascii_lowercase()),
            columns: ix
                .columns
                .iter()
                .map(|c| IndexColumn {
                    column: col(&c.column),
                    order: c.order,
                })
                .collect(),
            unique: ix.unique,
            predicate: ix
                .predicate
                .as_deref()
                .map(|p| canonical_expr(&by_meaning(p, t))),
            span: Span::default(),
        })
        .collect();
    indexes.sort_by(|a, b| a.name.cmp(&b.name));

    Table {
        name: tname,
        sql_name: None,
        docs: Vec::new(),
        scope: BackendScope::Both,
        columns,
        primary_key,
        primary_key_deferrable: t.primary_key_deferrable,
        foreign_keys,
        uniques,
        checks,
        indexes,
        renamed_from: None,
        span: Span::default(),
    }
}

/// An expression (check or index predicate) of `t` in the neutral spelling
/// of its meaning, when it reads as the one expression language in any
/// backend's spelling ([`crate::expr::read_back`]): PostgreSQL's `= ANY
/// (ARRAY[…])`, `~~`, `char_length`, `'…'::uuid`, SQLite's `enabled = 1`,
/// `X'…'`, `GLOB` all become the neutral form, with Bool comparisons
/// folded ([`crate::expr::canonical`]: `b = 1`, `b = true`, `b` are one),
/// so equal meaning compares equal. Other text is returned as it is.
pub fn by_meaning(text: &str, t: &Table) -> String {
    by_meaning_from(text, t, None)
}

/// [`by_meaning`] of text that `stored_by` stored (see
/// [`crate::expr::read_back_from`]).
pub fn by_meaning_from(text: &str, t: &Table, stored_by: Option<Backend>) -> String {
    match crate::expr::read_back_from(text, t, stored_by) {
        Some(e) => crate::expr::render_neutral(&crate::expr::canonical(e)),
        None => text.to_string(),
    }
}

/// A key that orders checks by what they check.
pub fn check_sort_key(c: &Check) -> String {
    check_display(&c.expr)
}

/// A check as one line of canonical SQL-like text (for sorting and reports).
pub fn check_display(e: &CheckExpr) -> String {
    match e {
        CheckExpr::In { column, values } => {
            let v: Vec<String> = values
                .iter()
                .map(|l| match l {
                    Literal::Text(s) => quote(s),
                    Literal::Int(i) => i.to_string(),
                })
                .collect();
            format!("{column} in ({})", v.join(", "))
        }
        CheckExpr::JsonValid { column } => format!("json_valid({column})"),
        CheckExpr::Raw {
            sql,
            postgres,
            sqlite,
        } => match (sql, postgres, sqlite) {
            (Some(s), None, None) => s.clone(),
            _ => format!(
                "postgres: {}; sqlite: {}",
                postgres.as_deref().or(sql.as_deref()).unwrap_or("-"),
                sqlite.as_deref().or(sql.as_deref()).unwrap_or("-")
            ),
        },
    }
}

/// What to write instead of a default that a calendar column cannot carry
/// (a clock such as `CURRENT_TIMESTAMP`, or text that is not a value);
/// empty for other types.
pub fn calendar_default_hint(ty: ColumnType) -> &'static str {
    match ty {
        ColumnType::NaiveTimestamp => " (the clock of a type without time zone depends on the session's zone: make the column a Timestamp with #[default(now)], or write a literal YYYY-MM-DD HH:MM:SS[.ffffff])",
        ColumnType::Date => " (a calendar default must be a literal YYYY-MM-DD)",
        ColumnType::Time => " (a calendar default must be a literal HH:MM:SS[.ffffff])",
        _ => "",
    }
}

/// The canonical spelling of a default for a column of type `ty`.
pub fn normalize_default(ty: ColumnType, d: &DefaultValue) -> DefaultValue {
    match (ty, d) {
        (ColumnType::Double | ColumnType::Float, DefaultValue::Int(i)) => {
            DefaultValue::Float(*i as f64)
        }
        (ColumnType::Uuid, DefaultValue::Text(s)) => {
            let hex: String = s
                .chars()
                .filter(|c| *c != '-')
                .collect::<String>()
                .to_ascii_lowercase();
            if hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
                DefaultValue::Text(format!(
                    "{}-{}-{}-{}-{}",
                    &hex[0..8],
                    &hex[8..12],
                    &hex[12..16],
                    &hex[16..20],
                    &hex[20..32]
                ))
            } else {
                d.clone()
            }
        }
        (ColumnType::Json, DefaultValue::Text(s)) => {
            match serde_json::from_str::<serde_json::Value>(s) {
                Ok(v) => DefaultValue::Text(v.to_string()),
                Err(_) => d.clone(),
            }
        }
        // A decimal default is its canonical text, exactly S digits after
        // the point.
        (ColumnType::Decimal { precision, scale }, _) => crate::validate::decimal_default_text(d)
            .and_then(|t| crate::decimal::canonical(&t, precision, scale))
            .map_or_else(|_| d.clone(), DefaultValue::Text),
        (ColumnType::Bool, DefaultValue::Int(i)) if *i == 0 || *i == 1 => {
            DefaultValue::Bool(*i == 1)
        }
        (
            ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time,
            DefaultValue::Text(s),
        ) => crate::validate::canonicalize_calendar_text(ty, s)
            .map_or_else(|| d.clone(), DefaultValue::Text),
        (_, DefaultValue::Expr(e)) => DefaultValue::Expr(crate::expr::canonical(e.clone())),
        _ => d.clone(),
    }
}

/// Reads a canonical check expression back as the most specific
/// [`CheckExpr`]: an `IN` list or a single `=` of a column and literals, a
/// JSON check, or else raw SQL.
pub fn check_from_sql(sql: &str) -> CheckExpr {
    if let Some(column) = json_check_column(sql) {
        return CheckExpr::JsonValid { column };
    }
    let canon = canonical_expr(sql);
    let toks = tokenize(&canon);
    if let Some(e) = in_list(&toks) {
        return e;
    }
    CheckExpr::Raw {
        sql: Some(canon),
        postgres: None,
        sqlite: None,
    }
}

/// [`check_from_sql`] for text as a database stored it, keeping a raw
/// check's text as stored (casts, `~~`): `normalize` reads it by meaning
/// with the table at hand ([`by_meaning`]) before it canonicalizes it.
pub fn check_from_stored(sql: &str) -> CheckExpr {
    match check_from_sql(sql) {
        CheckExpr::Raw { .. } => CheckExpr::Raw {
            sql: Some(sql.trim().to_string()),
            postgres: None,
            sqlite: None,
        },
        other => other,
    }
}

/// Rewrites every raw check and index predicate of `schema` that reads as
/// the one expression language into its neutral spelling (for `inspect`,
/// so that the schema file it writes renders on both backends).
pub fn neutral_expressions(schema: &mut Schema) {
    neutral_expressions_from(schema, None);
}

/// [`neutral_expressions`] of a schema read from `stored_by`'s catalog.
pub fn neutral_expressions_from(schema: &mut Schema, stored_by: Option<Backend>) {
    for t in &mut schema.tables {
        let view = t.clone();
        for c in &mut t.checks {
            if let CheckExpr::Raw {
                sql: Some(sql),
                postgres: None,
                sqlite: None,
            } = &mut c.expr
            {
                *sql = by_meaning_from(sql, &view, stored_by);
            }
        }
        for ix in &mut t.indexes {
            if let Some(p) = &mut ix.predicate {
                *p = by_meaning_from(p, &view, stored_by);
            }
        }
    }
}

/// The column of a JSON check in either backend's spelling:
/// `json_valid(c)` (SQLite) or `c IS NULL OR (c)::jsonb IS NOT NULL`
/// (PostgreSQL, as the PostgreSQL renderer writes it).
pub fn json_check_column(sql: &str) -> Option<String> {
    let toks = canonical_tokens(sql, false);
    let text = render_tokens(&toks);
    if let [Tok::Ident(f), Tok::Punct(o), Tok::Ident(c), Tok::Punct(cl)] = toks.as_slice() {
        if f == "json_valid" && o == "(" && cl == ")" {
            return Some(c.clone());
        }
    }
    if let Some(Tok::Ident(c)) = toks.first() {
        // The second is the first read by meaning (`by_meaning`).
        if text == format!("{c} is null or {c}::jsonb is not null")
            || text == format!("{c} is null or json_valid({c})")
        {
            return Some(c.clone());
        }
    }
    None
}

fn literal_of(t: &Tok) -> Option<Literal> {
    match t {
        Tok::Str(s) => Some(Literal::Text(s.clone())),
        Tok::Num(n) => n.parse().ok().map(Literal::Int),
        _ => None,
    }
}

fn in_list(toks: &[Tok]) -> Option<CheckExpr> {
    let Some(Tok::Ident(column)) = toks.first() else {
        return None;
    };
    if is_keyword(column) {
        return None;
    }
    match toks.get(1..) {
        Some([Tok::Punct(eq), lit]) if eq == "=" => Some(CheckExpr::In {
            column: column.clone(),
            values: vec![literal_of(lit)?],
        }),
        Some([Tok::Ident(kw), Tok::Punct(open), rest @ ..]) if kw == "in" && open == "(" => {
            let (last, items) = rest.split_last()?;
            if *last != Tok::Punct(")".into()) {
                return None;
            }
            let mut values = Vec::new();
            for (i, t) in items.iter().enumerate() {
                if i % 2 == 1 {
                    if *t != Tok::Punct(",".into()) {
                        return None;
                    }
                } else {
                    values.push(literal_of(t)?);
                }
            }
            (!values.is_empty()).then(|| CheckExpr::In {
                column: column.clone(),
                values,
            })
        }
        _ => None,
    }
}

/// What a SQLite implicit check says about a column's neutral type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImplicitCheck {
    /// The labels of a declared enum, tagged with its SQL name, on TEXT.
    Enum(EnumType),
    /// `length(c) = 16` on a BLOB: a UUID.
    UuidLength,
    /// `length(c) <= n` on TEXT: `Text<n>`.
    MaxLength(u32),
    /// The 16-bit range on INTEGER.
    SmallIntRange,
    /// The 32-bit range on INTEGER.
    IntegerRange,
    /// `c IN (0, 1)` on INTEGER: a boolean.
    Bool,
    /// The canonical timestamp `GLOB` on TEXT.
    TimestampGlob,
    /// `json_valid(c)` on TEXT: JSON.
    JsonValid,
    /// The 32-bit float range on REAL: `Float`.
    FloatRange,
    /// The canonical-text check of a `NaiveTimestamp`, `Date` or `Time`
    /// on TEXT.
    Calendar(ColumnType),
    /// The range check of a `Decimal<P, S>` on INTEGER, tagged with its
    /// precision and scale.
    Decimal {
        /// `P`.
        precision: u8,
        /// `S`.
        scale: u8,
    },
}

/// Recognizes one of the type map's implicit checks on `column`.
pub fn fold_implicit_check(column: &str, sql: &str) -> Option<ImplicitCheck> {
    let c = column.to_ascii_lowercase();
    if let Some(e) = enum_of_check(&c, sql) {
        return Some(ImplicitCheck::Enum(e));
    }
    if json_check_column(sql).as_deref() == Some(c.as_str()) && sql.contains("json_valid") {
        return Some(ImplicitCheck::JsonValid);
    }
    let canon = canonical_expr(sql);
    if canon == format!("length({c}) = 16") {
        return Some(ImplicitCheck::UuidLength);
    }
    if let Some(n) = canon.strip_prefix(&format!("length({c}) <= ")) {
        if let Ok(n) = n.parse::<u32>() {
            return Some(ImplicitCheck::MaxLength(n));
        }
    }
    if canon == format!("{c} between -32768 and 32767") {
        return Some(ImplicitCheck::SmallIntRange);
    }
    if canon == format!("{c} between -2147483648 and 2147483647") {
        return Some(ImplicitCheck::IntegerRange);
    }
    if canon
        == canonical_expr(&format!(
            "{c} BETWEEN {} AND {}",
            crate::render::sqlite::F32_MIN,
            crate::render::sqlite::F32_MAX
        ))
    {
        return Some(ImplicitCheck::FloatRange);
    }
    if canon == format!("{c} in (0, 1)") {
        return Some(ImplicitCheck::Bool);
    }
    for ty in [
        ColumnType::NaiveTimestamp,
        ColumnType::Date,
        ColumnType::Time,
    ] {
        if canon == canonical_expr(&crate::render::sqlite::calendar_check(&c, ty)) {
            return Some(ImplicitCheck::Calendar(ty));
        }
    }
    if let Some((precision, scale)) = decimal_tag(sql) {
        if canon == canonical_expr(&crate::render::sqlite::decimal_check(&c, precision, scale)) {
            return Some(ImplicitCheck::Decimal { precision, scale });
        }
    }
    if canon
        == format!(
            "{c} glob '{}'",
            crate::render::sqlite::TIMESTAMP_GLOB.to_ascii_lowercase()
        )
        || canon == format!("{c} glob '{}'", crate::render::sqlite::TIMESTAMP_GLOB)
    {
        return Some(ImplicitCheck::TimestampGlob);
    }
    None
}

/// The enum of a SQLite enum check on column `c` (lower case):
/// `c IN ('A', 'b-2') AND 'enum:name' IS NOT NULL`, exactly as
/// [`crate::render::sqlite::enum_check`] writes it (labels compared case
/// and byte for byte).
fn enum_of_check(c: &str, sql: &str) -> Option<EnumType> {
    let tag_at = sql.rfind("'enum:")?;
    let name_len = sql[tag_at + 6..].find('\'')?;
    let name = &sql[tag_at + 6..tag_at + 6 + name_len];
    let open = sql.find('(')?;
    let labels = sql_string_list(&sql[open + 1..tag_at])?;
    let e = EnumType::new(name, &labels);
    (canonical_expr(sql) == canonical_expr(&crate::render::sqlite::enum_check(c, e))
        && !labels.is_empty())
    .then_some(e)
}

/// The string literals at the start of `text` (`'a', 'it''s') ...`), up to
/// the `)` that closes the list.
fn sql_string_list(text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        if chars.next()? != '\'' {
            return None;
        }
        let mut s = String::new();
        loop {
            match chars.next()? {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    s.push('\'');
                }
                '\'' => break,
                ch => s.push(ch),
            }
        }
        out.push(s);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next()? {
            ',' => continue,
            ')' => return Some(out),
            _ => return None,
        }
    }
}

/// The precision and scale of the `'Decimal<P, S>'` tag in a SQLite check.
fn decimal_tag(sql: &str) -> Option<(u8, u8)> {
    let start = sql.find("'Decimal<")? + "'Decimal<".len();
    let rest = &sql[start..];
    let (p, s) = rest[..rest.find(">'")?].split_once(',')?;
    Some((p.trim().parse().ok()?, s.trim().parse().ok()?))
}

/// Gives every constraint and index whose name equals the derived one
/// `None` again, for printing (`inspect`) without noise.
pub fn strip_derived_names(schema: &mut Schema) {
    for t in &mut schema.tables {
        let snapshot = t.clone();
        for fk in &mut t.foreign_keys {
            let mut probe = fk.clone();
            probe.name = None;
            if fk.name.as_deref() == Some(names::foreign_key_name(&snapshot, &probe).as_str()) {
                fk.name = None;
            }
        }
        for u in &mut t.uniques {
            let mut probe = u.clone();
            probe.name = None;
            if u.name.as_deref() == Some(names::unique_name(&snapshot, &probe).as_str()) {
                u.name = None;
            }
        }
        for ix in &mut t.indexes {
            let mut probe = ix.clone();
            probe.name = None;
            if ix.name.as_deref() == Some(names::index_name(&snapshot, &probe).as_str()) {
                ix.name = None;
            }
        }
        // Check names are positional: strip from the first one on.
        for i in 0..t.checks.len() {
            let mut probe = t.clone();
            probe.checks[i].name = None;
            if t.checks[i].name.as_deref() == Some(names::check_name(&probe, i).as_str()) {
                t.checks[i].name = None;
            }
        }
    }
}

// ----- canonical SQL expressions --------------------------------------------

/// One SQL token. Identifiers and keywords are lower case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tok {
    /// An identifier or keyword (quoted identifiers keep their text).
    Ident(String),
    /// A string literal's content.
    Str(String),
    /// A number, with its sign when it is a negative literal.
    Num(String),
    /// A blob literal's hex digits (lower case).
    Blob(String),
    /// Punctuation or an operator.
    Punct(String),
}

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "between", "in", "is", "like", "glob", "when", "then", "else", "case",
    "where", "default", "check", "select", "null", "exists", "any", "all", "end", "escape",
    "distinct", "from", "on", "using", "as",
];

fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Splits SQL into tokens, skipping whitespace and comments. Never fails:
/// anything unexpected becomes a one-character [`Tok::Punct`].
pub fn tokenize(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            let (s, next) = quoted(&chars, i, '\'');
            out.push(Tok::Str(s));
            i = next;
        } else if (c == 'x' || c == 'X') && chars.get(i + 1) == Some(&'\'') {
            let (s, next) = quoted(&chars, i + 1, '\'');
            out.push(Tok::Blob(s.to_ascii_lowercase()));
            i = next;
        } else if c == '"' || c == '`' {
            let (s, next) = quoted(&chars, i, c);
            out.push(Tok::Ident(s.to_ascii_lowercase()));
            i = next;
        } else if c == '['
            && out
                .last()
                .is_none_or(|t| !matches!(t, Tok::Ident(s) if s == "array"))
            && chars[i + 1..]
                .iter()
                .take_while(|c| **c != ']')
                .all(|c| c.is_alphanumeric() || *c == '_' || *c == ' ')
            && chars[i + 1..].contains(&']')
        {
            // SQLite's [identifier] quoting.
            let end = chars[i + 1..]
                .iter()
                .position(|c| *c == ']')
                .map_or(chars.len(), |p| i + 1 + p);
            out.push(Tok::Ident(
                chars[i + 1..end]
                    .iter()
                    .collect::<String>()
                    .to_ascii_lowercase(),
            ));
            i = end + 1;
        } else if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len()
                && (chars[i].is_ascii_alphanumeric()
                    || chars[i] == '.'
                    || ((chars[i] == '-' || chars[i] == '+') && matches!(chars[i - 1], 'e' | 'E')))
            {
                i += 1;
            }
            let num: String = chars[start..i].iter().collect();
            let negative = matches!(out.last(), Some(Tok::Punct(p)) if p == "-")
                && !matches!(
                    out.get(out.len().wrapping_sub(2)),
                    Some(Tok::Num(_) | Tok::Str(_) | Tok::Blob(_))
                )
                && !matches!(out.get(out.len().wrapping_sub(2)), Some(Tok::Punct(p)) if p == ")" || p == "]")
                && !matches!(out.get(out.len().wrapping_sub(2)), Some(Tok::Ident(s)) if !is_keyword(s));
            if negative {
                out.pop();
                out.push(Tok::Num(format!("-{num}")));
            } else {
                out.push(Tok::Num(num));
            }
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Tok::Ident(
                chars[start..i]
                    .iter()
                    .collect::<String>()
                    .to_ascii_lowercase(),
            ));
        } else {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let op = match two.as_str() {
                "::" | "||" | "<=" | ">=" | "<>" | "!=" | "==" => {
                    i += 2;
                    two
                }
                _ => {
                    i += 1;
                    c.to_string()
                }
            };
            let op = match op.as_str() {
                "!=" => "<>".to_string(),
                "==" => "=".to_string(),
                _ => op,
            };
            out.push(Tok::Punct(op));
        }
    }
    out
}

fn quoted(chars: &[char], start: usize, q: char) -> (String, usize) {
    let mut s = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        if chars[i] == q {
            if chars.get(i + 1) == Some(&q) {
                s.push(q);
                i += 2;
                continue;
            }
            return (s, i + 1);
        }
        s.push(chars[i]);
        i += 1;
    }
    (s, i)
}

const TYPE_WORDS: &[&str] = &["precision", "varying", "with", "without", "time", "zone"];
const NUMERIC_TYPES: &[&str] = &[
    "integer", "int", "int2", "int4", "int8", "smallint", "bigint", "numeric", "double", "real",
    "float4", "float8", "decimal",
];

/// Casts that change what an expression means; never dropped.
const KEPT_CASTS: &[&str] = &["json", "jsonb"];

/// Canonical tokens of an expression; with `drop_casts`, `::type` casts go.
pub fn canonical_tokens(sql: &str, drop_casts: bool) -> Vec<Tok> {
    canonical_tokens_with(sql, drop_casts, false)
}

/// As [`canonical_tokens`]; with `keep_json`, casts to JSON stay (a check's
/// `value::json IS NOT NULL` is about the text parsing as JSON).
fn canonical_tokens_with(sql: &str, drop_casts: bool, keep_json: bool) -> Vec<Tok> {
    let toks = tokenize(sql.trim().trim_end_matches(';'));
    // 'n'::integer -> n
    let mut a: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        if let (Tok::Str(s), Some(Tok::Punct(p)), Some(Tok::Ident(ty))) =
            (&toks[i], toks.get(i + 1), toks.get(i + 2))
        {
            if p == "::" && NUMERIC_TYPES.contains(&ty.as_str()) && s.trim().parse::<f64>().is_ok()
            {
                a.push(Tok::Num(s.trim().to_string()));
                i += 1;
                continue;
            }
        }
        a.push(toks[i].clone());
        i += 1;
    }
    // = ANY (ARRAY[a, b]) -> IN (a, b)
    let mut b: Vec<Tok> = Vec::with_capacity(a.len());
    let mut i = 0;
    while i < a.len() {
        let pat = a.get(i..i + 5).is_some_and(|w| {
            w[0] == Tok::Punct("=".into())
                && w[1] == Tok::Ident("any".into())
                && w[2] == Tok::Punct("(".into())
                && w[3] == Tok::Ident("array".into())
                && w[4] == Tok::Punct("[".into())
        });
        if pat {
            if let Some(close) = a[i + 5..].iter().position(|t| *t == Tok::Punct("]".into())) {
                let end = i + 5 + close;
                if a.get(end + 1) == Some(&Tok::Punct(")".into())) {
                    b.push(Tok::Ident("in".into()));
                    b.push(Tok::Punct("(".into()));
                    b.extend_from_slice(&a[i + 5..end]);
                    b.push(Tok::Punct(")".into()));
                    i = end + 2;
                    continue;
                }
            }
        }
        b.push(a[i].clone());
        i += 1;
    }
    // Drop casts.
    let mut c: Vec<Tok> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        // A cast to JSON is part of the meaning (`value::json IS NOT NULL`
        // checks the text parses); it is kept.
        let meaningful = keep_json
            && matches!(b.get(i + 1), Some(Tok::Ident(t)) if KEPT_CASTS.contains(&t.as_str()));
        if drop_casts && b[i] == Tok::Punct("::".into()) && !meaningful {
            i += 1;
            if matches!(b.get(i), Some(Tok::Ident(_))) {
                i += 1;
                while matches!(b.get(i), Some(Tok::Ident(w)) if TYPE_WORDS.contains(&w.as_str())) {
                    i += 1;
                }
                if b.get(i) == Some(&Tok::Punct("(".into())) {
                    if let Some(p) = b[i..].iter().position(|t| *t == Tok::Punct(")".into())) {
                        i += p + 1;
                    }
                }
                while b.get(i) == Some(&Tok::Punct("[".into()))
                    && b.get(i + 1) == Some(&Tok::Punct("]".into()))
                {
                    i += 2;
                }
            }
            continue;
        }
        c.push(b[i].clone());
        i += 1;
    }
    remove_grouping_parens(c)
}

fn remove_grouping_parens(toks: Vec<Tok>) -> Vec<Tok> {
    let mut keep = vec![true; toks.len()];
    let mut stack: Vec<(usize, bool)> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Punct(p) if p == "(" => {
                let grouping = match i.checked_sub(1).map(|j| &toks[j]) {
                    Some(Tok::Ident(prev)) => {
                        is_keyword(prev)
                            && prev != "in"
                            && prev != "exists"
                            && prev != "any"
                            && prev != "all"
                    }
                    _ => true,
                };
                stack.push((i, grouping));
            }
            Tok::Punct(p) if p == ")" => {
                if let Some((open, grouping)) = stack.pop() {
                    if grouping {
                        keep[open] = false;
                        keep[i] = false;
                    }
                }
            }
            _ => {}
        }
    }
    toks.into_iter()
        .zip(keep)
        .filter_map(|(t, k)| k.then_some(t))
        .collect()
}

/// Tokens back to text, spaced one canonical way.
pub fn render_tokens(toks: &[Tok]) -> String {
    let mut out = String::new();
    for (i, t) in toks.iter().enumerate() {
        let text = match t {
            Tok::Ident(s) | Tok::Num(s) => s.clone(),
            Tok::Str(s) => quote(s),
            Tok::Blob(s) => format!("x'{s}'"),
            Tok::Punct(p) => p.clone(),
        };
        if i > 0 {
            let prev = &toks[i - 1];
            let tight_after_prev =
                matches!(prev, Tok::Punct(p) if p == "(" || p == "[" || p == "::" || p == ".");
            let tight_before = matches!(t, Tok::Punct(p) if p == ")" || p == "]" || p == "," || p == "::" || p == ".")
                || (matches!(t, Tok::Punct(p) if p == "(" || p == "[")
                    && matches!(prev, Tok::Ident(s) if !is_keyword(s)));
            if !tight_after_prev && !tight_before {
                out.push(' ');
            }
        }
        out.push_str(&text);
    }
    out
}

/// A SQL expression in canonical form: lower-case keywords and identifiers,
/// casts (except to JSON) and grouping parentheses dropped, one spacing.
pub fn canonical_expr(sql: &str) -> String {
    render_tokens(&canonical_tokens_with(sql, true, true))
}

// ----- representation conventions of hand-kept SQLite migrations ------------
//
// Text-in, verdict-out functions (so a typed expression tree can replace
// their insides later): each says whether a PostgreSQL spelling and a SQLite
// spelling of a check or predicate mean the same under one of the
// conventions hand-kept projects use on SQLite, and names the convention.

/// The column of a check that only says "this text is JSON", in any of the
/// spellings hand-kept projects use: `json_valid(c)`, `c::json IS NOT NULL`,
/// `c::jsonb IS NOT NULL`, each optionally behind `c IS NULL OR`.
pub fn json_validity_column(sql: &str) -> Option<String> {
    json_validity(sql).map(|(c, _)| c)
}

/// [`json_validity_column`], and whether the check lets NULL through:
/// `json_valid(NULL)` is NULL (passes), `NULL::json IS NOT NULL` is false
/// (refused) unless an `IS NULL OR` comes first.
pub fn json_validity(sql: &str) -> Option<(String, bool)> {
    let text = canonical_expr(sql);
    let (text, or_null) = match text.split_once(" or ") {
        Some((head, rest)) => {
            let c = head.strip_suffix(" is null")?;
            if !rest.contains(c) {
                return None;
            }
            (rest.to_string(), true)
        }
        None => (text, false),
    };
    if let Some(c) = text
        .strip_prefix("json_valid(")
        .and_then(|r| r.strip_suffix(')'))
    {
        return is_plain_ident(c).then(|| (c.to_string(), true));
    }
    for cast in ["::json is not null", "::jsonb is not null"] {
        if let Some(c) = text.strip_suffix(cast) {
            return is_plain_ident(c).then(|| (c.to_string(), or_null));
        }
    }
    None
}

/// The column of a check that only says "this integer is a boolean":
/// `c IN (0, 1)` or `c IS NULL OR c IN (0, 1)` (either order of the values).
pub fn bool_check_column(sql: &str) -> Option<String> {
    let text = canonical_expr(sql);
    let text = match text.split_once(" or ") {
        Some((head, rest)) => {
            let c = head.strip_suffix(" is null")?;
            if !rest.starts_with(&format!("{c} ")) {
                return None;
            }
            rest.to_string()
        }
        None => text,
    };
    for list in [" in (0, 1)", " in (1, 0)"] {
        if let Some(c) = text.strip_suffix(list) {
            return is_plain_ident(c).then(|| c.to_string());
        }
    }
    None
}

fn is_plain_ident(s: &str) -> bool {
    !s.is_empty() && !is_keyword(s) && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An expression with its booleans spelled the SQLite way: `true`/`false`
/// become `1`/`0`, `NOT c` becomes `c = 0`, `c IS TRUE` becomes `c = 1`, and
/// a bare boolean column `c` (one of `bool_columns`) becomes `c = 1`.
pub fn bool_as_integers(sql: &str, bool_columns: &[String]) -> String {
    let toks = canonical_tokens_with(sql, true, true);
    let is_bool = |t: Option<&Tok>| matches!(t, Some(Tok::Ident(c)) if bool_columns.contains(c));
    let word = |t: Option<&Tok>, w: &str| matches!(t, Some(Tok::Ident(x)) if x == w);
    let comparison = |t: Option<&Tok>| {
        matches!(t, Some(Tok::Punct(p)) if ["=", "!=", "<>", "<", ">", "<=", ">="].contains(&p.as_str()))
            || word(t, "is")
            || word(t, "in")
    };
    let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        if word(Some(t), "not") && is_bool(toks.get(i + 1)) && !comparison(toks.get(i + 2)) {
            out.push(toks[i + 1].clone());
            out.push(Tok::Punct("=".into()));
            out.push(Tok::Num("0".into()));
            i += 2;
            continue;
        }
        if is_bool(Some(t)) && word(toks.get(i + 1), "is") {
            let not = word(toks.get(i + 2), "not");
            let at = if not { i + 3 } else { i + 2 };
            let value = match toks.get(at) {
                Some(Tok::Ident(v)) if v == "true" => Some(!not),
                Some(Tok::Ident(v)) if v == "false" => Some(not),
                _ => None,
            };
            if let Some(v) = value {
                out.push(t.clone());
                out.push(Tok::Punct("=".into()));
                out.push(Tok::Num(if v { "1" } else { "0" }.into()));
                i = at + 1;
                continue;
            }
        }
        let prev_is_cmp = i > 0 && (comparison(toks.get(i - 1)) || word(toks.get(i - 1), "not"));
        if is_bool(Some(t)) && !comparison(toks.get(i + 1)) && !prev_is_cmp {
            out.push(t.clone());
            out.push(Tok::Punct("=".into()));
            out.push(Tok::Num("1".into()));
            i += 1;
            continue;
        }
        match t {
            Tok::Ident(v) if v == "true" => out.push(Tok::Num("1".into())),
            Tok::Ident(v) if v == "false" => out.push(Tok::Num("0".into())),
            Tok::Punct(p) if p == "<>" => out.push(Tok::Punct("!=".into())),
            _ => out.push(t.clone()),
        }
        i += 1;
    }
    render_tokens(&out)
}

/// The columns an expression names (identifiers that are not keywords or
/// function names), sorted, each once.
pub fn expression_columns(sql: &str) -> Vec<String> {
    let toks = canonical_tokens_with(sql, true, true);
    let mut out: Vec<String> = toks
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            Tok::Ident(c)
                if !is_keyword(c)
                    && c != "true"
                    && c != "false"
                    && toks.get(i + 1) != Some(&Tok::Punct("(".into()))
                    && !matches!(i.checked_sub(1).map(|j| &toks[j]), Some(Tok::Punct(p)) if p == "::") =>
            {
                Some(c.clone())
            }
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Whether a PostgreSQL check or predicate (`pg`) and a SQLite one (`lite`)
/// mean the same under a representation convention; the convention's name
/// when they do. Equal canonical text is not a convention (no difference).
///
/// `not_null_columns` are the columns both sides declare `NOT NULL` (where
/// a check's verdict on NULL does not matter).
pub fn equivalent_expressions(
    pg: &str,
    lite: &str,
    bool_columns: &[String],
    not_null_columns: &[String],
) -> Option<&'static str> {
    if let (Some((a, a_null)), Some((b, b_null))) = (json_validity(pg), json_validity(lite)) {
        if a == b && (a_null == b_null || not_null_columns.contains(&a)) {
            return Some("JSON validity spelled per backend (`::json IS NOT NULL` / `json_valid`)");
        }
    }
    if bool_as_integers(pg, bool_columns) == bool_as_integers(lite, bool_columns) {
        return Some("boolean spelled as true/false on PostgreSQL and 1/0 on SQLite");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_expressions_agree_across_backends() {
        let cases: &[(&str, &str)] = &[
            ("(small_n >= 0)", "small_n >= 0"),
            ("((a = 1) AND (b <> 'x'::text))", "a = 1 and b != 'x'"),
            ("(kind = 'special'::text)", "kind = 'special'"),
            ("(length(label) > 0)", "length(label) > 0"),
            ("(d >= (0)::double precision)", "d >= 0"),
            ("x BETWEEN -32768 AND 32767", "x between - 32768 and 32767"),
            (
                "(status = ANY (ARRAY['a'::text, 'it''s'::text]))",
                "status IN ('a', 'it''s')",
            ),
            ("(n = ANY (ARRAY[1, 2, '-3'::integer]))", "n IN (1, 2, -3)"),
            ("\"Name\" IS NOT NULL", "name is not null"),
        ];
        for (a, b) in cases {
            assert_eq!(canonical_expr(a), canonical_expr(b), "{a} vs {b}");
        }
        assert_ne!(canonical_expr("a = 1"), canonical_expr("a = 2"));
        assert_ne!(canonical_expr("a = 'x'"), canonical_expr("a = 'X'"));
    }

    #[test]
    fn representation_conventions_fold_by_text() {
        let bools = vec!["enabled".to_string(), "superseded".to_string()];
        let same = |pg: &str, lite: &str| equivalent_expressions(pg, lite, &bools, &[]);
        assert!(same("(enabled = true)", "enabled = 1").is_some());
        assert!(same("(NOT superseded)", "superseded = 0").is_some());
        assert!(same(
            "enabled AND NOT superseded",
            "enabled = 1 AND superseded = 0"
        )
        .is_some());
        assert!(same("(enabled IS FALSE)", "enabled = 0").is_some());
        assert!(same("(enabled = true)", "enabled = 0").is_none());
        assert!(same("priority > 0", "priority > 1").is_none());
        // JSON validity: the casts stay, NULL handling counts.
        assert_eq!(
            canonical_expr("((value)::json IS NOT NULL)"),
            "value::json is not null"
        );
        assert!(same(
            "value IS NULL OR (value)::jsonb IS NOT NULL",
            "json_valid(value)"
        )
        .is_some());
        assert!(same("(value)::json IS NOT NULL", "json_valid(value)").is_none());
        assert!(equivalent_expressions(
            "(value)::json IS NOT NULL",
            "json_valid(value)",
            &[],
            &["value".to_string()]
        )
        .is_some());
        assert_eq!(
            bool_check_column("flag IS NULL OR flag IN (0, 1)").as_deref(),
            Some("flag")
        );
        assert_eq!(
            bool_check_column("(flag IN (1, 0))").as_deref(),
            Some("flag")
        );
        assert_eq!(bool_check_column("flag IN (0, 1, 2)"), None);
        assert_eq!(bool_check_column("a IS NULL OR b IN (0, 1)"), None);
        assert_eq!(
            expression_columns("lower(a) = b AND c::json IS NOT NULL"),
            ["a", "b", "c"]
        );
        // Defaults keep reading their casts away.
        assert_eq!(
            canonical_tokens("'{}'::jsonb", true),
            vec![Tok::Str("{}".into())]
        );
    }

    #[test]
    fn odd_sql_never_panics() {
        let inputs = [
            "",
            "(",
            ")",
            "((((",
            "'unterminated",
            "\"q",
            "[x",
            "x'zz",
            "-",
            "- -1",
            "1e-",
            "::",
            "::int",
            "= ANY (ARRAY[",
            "= any(array[1,2",
            "é = 'ü' AND [ä] <> x'é'",
            "/* open",
            "-- only a comment",
            "a::double precision(",
            "$$ body $$",
            "NOT (a)",
            "CASE WHEN a THEN b END",
        ];
        for sql in inputs {
            let _ = canonical_expr(sql);
            let _ = check_from_sql(sql);
            let _ = fold_implicit_check("a", sql);
            let _ = json_check_column(sql);
        }
    }

    #[test]
    fn checks_read_back_as_the_specific_kind() {
        assert_eq!(
            check_from_sql("(status = ANY (ARRAY['a'::text, 'b'::text]))"),
            CheckExpr::In {
                column: "status".into(),
                values: vec![Literal::Text("a".into()), Literal::Text("b".into())]
            }
        );
        assert_eq!(
            check_from_sql("(kind = 1)"),
            CheckExpr::In {
                column: "kind".into(),
                values: vec![Literal::Int(1)]
            }
        );
        assert_eq!(
            check_from_sql("((meta IS NULL) OR ((meta)::jsonb IS NOT NULL))"),
            CheckExpr::JsonValid {
                column: "meta".into()
            }
        );
        assert_eq!(
            check_from_sql("json_valid(meta)"),
            CheckExpr::JsonValid {
                column: "meta".into()
            }
        );
        assert_eq!(
            check_from_sql("(small_n >= 0)"),
            CheckExpr::Raw {
                sql: Some("small_n >= 0".into()),
                postgres: None,
                sqlite: None
            }
        );
    }

    #[test]
    fn implicit_checks_fold() {
        use ImplicitCheck as I;
        let glob = crate::render::sqlite::TIMESTAMP_GLOB;
        let cases: Vec<(String, Option<ImplicitCheck>)> = vec![
            ("length(id) = 16".into(), Some(I::UuidLength)),
            ("length(id) <= 100".into(), Some(I::MaxLength(100))),
            ("id BETWEEN -32768 AND 32767".into(), Some(I::SmallIntRange)),
            (
                "id BETWEEN -2147483648 AND 2147483647".into(),
                Some(I::IntegerRange),
            ),
            ("id IN (0, 1)".into(), Some(I::Bool)),
            (format!("id GLOB '{glob}'"), Some(I::TimestampGlob)),
            ("json_valid(id)".into(), Some(I::JsonValid)),
            ("length(other) = 16".into(), None),
            ("id > 0".into(), None),
        ];
        for (sql, want) in cases {
            assert_eq!(fold_implicit_check("id", &sql), want, "{sql}");
        }
    }

    #[test]
    fn defaults_have_one_spelling() {
        assert_eq!(
            normalize_default(ColumnType::Double, &DefaultValue::Int(1)),
            DefaultValue::Float(1.0)
        );
        assert_eq!(
            normalize_default(
                ColumnType::Uuid,
                &DefaultValue::Text("0B9A6E3C6F1D4C7A9E2B5D4C3B2A1F00".into())
            ),
            DefaultValue::Text("0b9a6e3c-6f1d-4c7a-9e2b-5d4c3b2a1f00".into())
        );
        assert_eq!(
            normalize_default(
                ColumnType::Json,
                &DefaultValue::Text("{ \"b\": 1, \"a\": [1, 2] }".into())
            ),
            normalize_default(
                ColumnType::Json,
                &DefaultValue::Text("{\"a\":[1,2],\"b\":1}".into())
            )
        );
    }

    #[test]
    fn normalize_is_idempotent_and_names_are_sql_names() {
        let src = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/valid/everything.rs"
        ))
        .expect("fixture");
        let schema = crate::parse_str("everything.rs", &src).expect("valid fixture");
        for backend in [None, Some(Backend::Postgres), Some(Backend::Sqlite)] {
            let n = normalize(&schema, backend);
            assert_eq!(normalize(&n, backend), n, "{backend:?}");
            let t = n.table("everything").expect("everything");
            assert!(t.column("type_name").is_some());
            assert!(t.checks.iter().all(|c| c.name.is_some()));
        }
        let lite = normalize(&schema, Some(Backend::Sqlite));
        assert!(lite.table("pg_audit").is_none());
        assert!(normalize(&schema, Some(Backend::Postgres))
            .table("pg_audit")
            .is_some());
    }
}
