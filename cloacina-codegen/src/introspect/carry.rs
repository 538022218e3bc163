//! What `inspect` writes: the introspected tables, plus every object the
//! neutral model cannot hold carried as backend-scoped `raw_sql!` (the
//! catalog's own definition), and a last check that the result validates.
//!
//! An object is carried when the backend can recreate it from SQL the
//! catalog prints (a column of a type without a neutral type, a stored
//! generated column, an enum type, a deferrable unique constraint (a
//! deferrable foreign key is neutral), a `NOT VALID` constraint, an
//! expression, partial-with-method
//! or GIN/GiST index, a view or materialized view, a function, a trigger,
//! an extension). What cannot be carried is a problem: `inspect` then exits
//! non-zero and names it.

use serde::Serialize;

use super::{Introspection, Note};
use crate::model::*;

/// An object the neutral model cannot hold, with the SQL that recreates it
/// on the backend it was read from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Carried {
    /// Creation order: extensions, types, functions, columns, column
    /// properties, constraints, indexes, views, triggers.
    pub rank: u8,
    /// `column`, `index`, `constraint`, `materialized view`, …
    pub kind: String,
    /// Its name (`table.column` for a column).
    pub name: String,
    /// The SQL that creates it.
    pub up: String,
    /// The SQL that removes it again.
    pub down: String,
    /// Why it is not a neutral construct.
    pub why: String,
    /// What it replaces in the neutral tables.
    pub replaces: Option<Replaced>,
}

/// The neutral construct a carried object stands for (taken out of the
/// table so that nothing is declared twice).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Replaced {
    /// A column (table, column).
    Column(String, String),
    /// An index (table, index name).
    Index(String, String),
    /// A constraint (table, constraint name).
    Constraint(String, String),
    /// The identity of a column that is not the whole key (table, column).
    Identity(String, String),
}

/// The schema `inspect` writes, with what it carried and what it could not.
#[derive(Clone, Debug)]
pub struct Inspected {
    /// Tables and `raw_sql!` blocks.
    pub schema: Schema,
    /// Everything read approximately, carried as raw SQL, or left out.
    pub notes: Vec<Note>,
    /// What the written schema could not express; non-empty means the
    /// command must fail.
    pub problems: Vec<String>,
}

/// The sanitized name of a raw block for `kind` and `name`.
fn block_name(kind: &str, name: &str) -> String {
    let mut s: String = format!("{}_{}", kind.replace(' ', "_"), name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    while s.contains("__") {
        s = s.replace("__", "_");
    }
    let s = s.trim_matches('_').to_string();
    if s.len() > 60 {
        s[..60].trim_end_matches('_').to_string()
    } else {
        s
    }
}

/// Turns an introspection into the schema `inspect` writes.
pub fn for_inspect(intro: &Introspection) -> Inspected {
    let backend = intro.backend;
    let mut schema = intro.schema.clone();
    let mut notes = intro.notes.clone();
    let mut problems = Vec::new();
    let mut carried = intro.carried.clone();
    carried.sort_by_key(|c| c.rank);
    for c in &carried {
        if let Some(r) = &c.replaces {
            take_out(&mut schema, r);
        }
    }
    booleans(&mut schema, &mut notes);
    unpinned_versions(&mut schema, &mut notes);
    deferrable_keys(&mut schema, &mut notes);
    for c in postgres_tables(&mut schema, &mut notes) {
        if let Some(r) = &c.replaces {
            take_out(&mut schema, r);
        }
        carried.push(c);
    }
    carried.sort_by_key(|c| c.rank);
    dangling(&mut schema, &mut notes, &mut problems);
    let mut used: Vec<String> = Vec::new();
    for c in &carried {
        let mut name = block_name(&c.kind, &c.name);
        let base = name.clone();
        let mut i = 2;
        while used.contains(&name) {
            name = format!("{base}_{i}");
            i += 1;
        }
        used.push(name.clone());
        notes.push(Note::new(
            &c.name,
            format!(
                "{} carried as raw_sql! block `{name}` for {backend} only: {}",
                c.kind, c.why
            ),
        ));
        schema.raw_blocks.push(RawBlock {
            name,
            docs: vec![format!(
                "{} {} ({}), as the {backend} catalog prints it.",
                c.kind, c.name, c.why
            )],
            parts: vec![RawPart {
                backend,
                up: c.up.clone(),
                down: c.down.clone(),
            }],
            span: Span::default(),
        });
    }
    crate::normalize::strip_derived_names(&mut schema);
    // Checks and predicates in the neutral expression language where they
    // read as one, so the file renders for the other backend too.
    crate::normalize::neutral_expressions(&mut schema);
    let mut diags = crate::validate::validate(&schema);
    if !diags.is_empty() {
        fix_names(&mut schema, &mut notes);
        diags = crate::validate::validate(&schema);
    }
    // The file is what the user gets: it must read back. The model's
    // validation does not type a raw predicate as the parser does (an
    // enum compared with a cast), so the printed text is parsed too.
    if diags.is_empty() {
        if let Err(e) = crate::parse_str(
            "inspected.rs",
            &crate::render::neutral::render(&schema, &[]),
        ) {
            diags = e.diagnostics;
        }
    }
    problems.extend(diags.iter().map(|d| match &d.help {
        Some(h) => format!("{} ({h})", d.message),
        None => d.message.clone(),
    }));
    Inspected {
        schema,
        notes,
        problems,
    }
}

/// The file `inspect` writes does not pin an extension's installed version
/// (it would then fail against a server with another one); a note names it
/// and how to pin it. The schema it lives in is kept.
fn unpinned_versions(schema: &mut Schema, notes: &mut Vec<Note>) {
    for e in &mut schema.extensions {
        if let Some(v) = e.version.take() {
            let pinned = Extension {
                version: Some(v.clone()),
                ..e.clone()
            };
            notes.push(Note::new(
                &e.name,
                format!(
                    "extension version {v} installed; not pinned in the file (write `{}` in #![postgres_extensions(...)] to pin it)",
                    pinned.neutral_spelling()
                ),
            ));
        }
    }
}

/// Columns of PostgreSQL-only types (arrays, ranges, …): one database
/// cannot say whether the application also runs on SQLite, so the table
/// stays on both backends and those columns are carried as PostgreSQL raw
/// SQL, with a note saying to scope the table to postgres for first-class
/// columns. A table whose primary key has such a type cannot be written for
/// SQLite at all: it is scoped to PostgreSQL, where the types are first
/// class (noted), unless a table of both backends references it.
fn postgres_tables(schema: &mut Schema, notes: &mut Vec<Note>) -> Vec<Carried> {
    let pg_key = |t: &Table| {
        t.scope.includes(Backend::Sqlite)
            && t.columns
                .iter()
                .any(|c| matches!(c.ty, ColumnType::Postgres(_)) && t.primary_key.contains(&c.name))
    };
    let candidates: Vec<String> = schema
        .tables
        .iter()
        .filter(|t| pg_key(t))
        .map(|t| t.name.clone())
        .collect();
    // Referenced by a table that stays on both backends (to a fixpoint:
    // a table that keeps its place keeps its targets' place too).
    let mut kept: Vec<String> = Vec::new();
    loop {
        let before = kept.len();
        for t in &schema.tables {
            if candidates.contains(&t.name) && !kept.contains(&t.name) {
                continue;
            }
            for fk in &t.foreign_keys {
                if candidates.contains(&fk.ref_table) && !kept.contains(&fk.ref_table) {
                    kept.push(fk.ref_table.clone());
                }
            }
        }
        if kept.len() == before {
            break;
        }
    }
    let mut carried = Vec::new();
    for t in &mut schema.tables {
        if !t.scope.includes(Backend::Sqlite) {
            continue;
        }
        if !t
            .columns
            .iter()
            .any(|c| matches!(c.ty, ColumnType::Postgres(_)))
        {
            continue;
        }
        let scoped = candidates.contains(&t.name) && !kept.contains(&t.name);
        // In a table scoped to PostgreSQL, only a read-only column (a NOT
        // NULL `Tsvector` without a default, which the insert model would
        // leave out) is carried; elsewhere every PostgreSQL-only column.
        let carry_it = |c: &Column| match c.ty {
            ColumnType::Postgres(p) if scoped => {
                !p.writable() && !c.nullable && c.default.is_none()
            }
            ColumnType::Postgres(_) => true,
            _ => false,
        };
        if scoped {
            let typed: Vec<String> = t
                .columns
                .iter()
                .filter(|c| !carry_it(c))
                .filter_map(|c| match c.ty {
                    ColumnType::Postgres(p) => Some(format!("{} ({})", c.name, p.neutral_name())),
                    _ => None,
                })
                .collect();
            t.scope = BackendScope::Only(Backend::Postgres);
            notes.push(Note::new(
                &t.name,
                format!(
                    "table scoped to postgres (`#[backend(postgres)]`): its primary key has a PostgreSQL-only type, so SQLite cannot have the table; its columns {} are first class there",
                    typed.join(", ")
                ),
            ));
        }
        for c in &t.columns {
            let ColumnType::Postgres(p) = c.ty else {
                continue;
            };
            if !carry_it(c) {
                continue;
            }
            let why = if scoped {
                format!(
                    "a NOT NULL {} without a default: the generated insert model leaves it out (Diesel reads a tsvector and cannot write one), so the schema language needs it nullable or with a default",
                    p.neutral_name()
                )
            } else {
                format!(
                    "type {} is PostgreSQL-only and `{}` stays on both backends; scope the table to postgres to get a first-class column",
                    p.neutral_name(),
                    t.name
                )
            };
            let default = match &c.default {
                Some(DefaultValue::Text(s)) => format!(
                    " DEFAULT {}::{}",
                    crate::render::ddl::quote_literal(s),
                    p.sql()
                ),
                _ => String::new(),
            };
            carried.push(Carried {
                rank: 3,
                kind: "column".into(),
                name: format!("{}.{}", t.name, c.name),
                up: format!(
                    "ALTER TABLE {} ADD COLUMN {} {}{}{default};\n",
                    quote(&t.name),
                    quote(c.sql_name()),
                    p.sql(),
                    if c.nullable { "" } else { " NOT NULL" },
                ),
                down: format!(
                    "ALTER TABLE {} DROP COLUMN {};\n",
                    quote(&t.name),
                    quote(c.sql_name())
                ),
                why,
                replaces: Some(Replaced::Column(t.name.clone(), c.name.clone())),
            });
        }
        carried.extend(indexes_on_carried(t, &carry_it));
    }
    carried
}

/// The indexes and unique constraints of `t` that name a column carried by
/// [`postgres_tables`], carried with it (as PostgreSQL created them).
fn indexes_on_carried(t: &Table, carry_it: &dyn Fn(&Column) -> bool) -> Vec<Carried> {
    let is_carried = |name: &str| t.column(name).is_some_and(carry_it);
    let why = "it names a column carried as raw SQL";
    let mut out = Vec::new();
    for ix in &t.indexes {
        let Some(name) = &ix.name else { continue };
        if !ix.columns.iter().any(|c| is_carried(&c.column)) {
            continue;
        }
        let cols: Vec<String> = ix
            .columns
            .iter()
            .map(|c| match c.order {
                Order::Asc => quote(&c.column),
                Order::Desc => format!("{} DESC", quote(&c.column)),
            })
            .collect();
        let predicate = ix
            .predicate
            .as_deref()
            .map(|p| format!(" WHERE {p}"))
            .unwrap_or_default();
        out.push(Carried {
            rank: 6,
            kind: "index".into(),
            name: format!("{}.{name}", t.name),
            up: format!(
                "CREATE {}INDEX {} ON {} ({}){predicate};\n",
                if ix.unique { "UNIQUE " } else { "" },
                quote(name),
                quote(&t.name),
                cols.join(", ")
            ),
            down: format!("DROP INDEX {};\n", quote(name)),
            why: why.into(),
            replaces: Some(Replaced::Index(t.name.clone(), name.clone())),
        });
    }
    for u in &t.uniques {
        let Some(name) = &u.name else { continue };
        if !u.columns.iter().any(|c| is_carried(c)) {
            continue;
        }
        let cols: Vec<String> = u.columns.iter().map(|c| quote(c)).collect();
        out.push(Carried {
            rank: 5,
            kind: "constraint".into(),
            name: format!("{}.{name}", t.name),
            up: format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({}){};\n",
                quote(&t.name),
                quote(name),
                cols.join(", "),
                u.deferrable.sql_suffix()
            ),
            down: format!(
                "ALTER TABLE {} DROP CONSTRAINT {};\n",
                quote(&t.name),
                quote(name)
            ),
            why: why.into(),
            replaces: Some(Replaced::Constraint(t.name.clone(), name.clone())),
        });
    }
    out
}

/// A table whose primary key is deferrable (read from PostgreSQL) is
/// scoped to PostgreSQL, where the schema language can say so: SQLite
/// checks keys at each statement, and no foreign key can reference a
/// deferrable key (PostgreSQL refuses it), so no table on both backends
/// needs it there.
fn deferrable_keys(schema: &mut Schema, notes: &mut Vec<Note>) {
    for t in &mut schema.tables {
        let Some(value) = t.primary_key_deferrable.neutral_name() else {
            continue;
        };
        if !t.scope.includes(Backend::Sqlite) {
            continue;
        }
        t.scope = BackendScope::Only(Backend::Postgres);
        notes.push(Note::new(
            &t.name,
            format!(
                "table scoped to postgres (`#[backend(postgres)]`): its primary key ({}) is {}, written `#[primary_key(deferrable = {value})]`, which SQLite cannot have (it checks keys at each statement)",
                t.primary_key.join(", "),
                t.primary_key_deferrable.sql()
            ),
        ));
    }
}

/// A double-quoted SQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn take_out(schema: &mut Schema, r: &Replaced) {
    let (Replaced::Column(t, _)
    | Replaced::Index(t, _)
    | Replaced::Constraint(t, _)
    | Replaced::Identity(t, _)) = r;
    let Some(table) = schema.tables.iter_mut().find(|x| &x.name == t) else {
        return;
    };
    match r {
        Replaced::Column(_, c) => table.columns.retain(|x| &x.name != c),
        Replaced::Index(_, n) => table.indexes.retain(|x| x.name.as_ref() != Some(n)),
        Replaced::Constraint(_, n) => {
            table.foreign_keys.retain(|x| x.name.as_ref() != Some(n));
            table.uniques.retain(|x| x.name.as_ref() != Some(n));
            table.checks.retain(|x| x.name.as_ref() != Some(n));
        }
        Replaced::Identity(_, c) => {
            if let Some(col) = table.columns.iter_mut().find(|x| &x.name == c) {
                col.auto_increment = false;
            }
        }
    }
}

/// A boolean spelled as text or a number, if it is one.
fn bool_spelling(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "t" | "true" | "1" | "yes" | "y" | "on" => Some(true),
        "f" | "false" | "0" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

/// Boolean defaults and checks in either spelling (`'t'`/`'f'`, `0`/`1`,
/// `true`/`false`) read as booleans: a default becomes the boolean it
/// spells (noted, since SQLite stores the text `'t'` as it is), a check
/// that only lists boolean spellings is the type's own and goes.
fn booleans(schema: &mut Schema, notes: &mut Vec<Note>) {
    for t in &mut schema.tables {
        let bools: Vec<String> = t
            .columns
            .iter()
            .filter(|c| c.ty == ColumnType::Bool)
            .map(|c| c.name.clone())
            .collect();
        for c in &mut t.columns {
            if c.ty != ColumnType::Bool {
                continue;
            }
            let spelled = match &c.default {
                Some(DefaultValue::Text(s)) => bool_spelling(s).map(|b| (b, s.clone())),
                Some(DefaultValue::Int(i @ (0 | 1))) => Some((*i == 1, i.to_string())),
                _ => None,
            };
            if let Some((b, s)) = spelled {
                notes.push(Note::new(
                    format!("{}.{}", t.name, c.name),
                    format!("boolean default written as `{s}` read as {b}; the generated DDL spells it as the backend's boolean (on SQLite a text '{s}' in an INTEGER column does not read as {b})"),
                ));
                c.default = Some(DefaultValue::Bool(b));
            }
        }
        let name = t.name.clone();
        t.checks.retain(|ck| {
            let CheckExpr::In { column, values } = &ck.expr else {
                return true;
            };
            let all_bool = values.iter().all(|v| match v {
                Literal::Text(s) => bool_spelling(s).is_some(),
                Literal::Int(i) => *i == 0 || *i == 1,
            });
            if bools.contains(column) && all_bool {
                notes.push(Note::new(
                    format!("{name}.{column}"),
                    "a check that the boolean holds a boolean: the type's own, not written",
                ));
                return false;
            }
            true
        });
    }
}

/// Whatever still names a column that is not in its table is left out
/// (noted); a key that does so is a problem.
fn dangling(schema: &mut Schema, notes: &mut Vec<Note>, problems: &mut Vec<String>) {
    for t in &mut schema.tables {
        let has = |c: &str| t.columns.iter().any(|x| x.name == c);
        let missing: Vec<String> = t.primary_key.iter().filter(|k| !has(k)).cloned().collect();
        if !missing.is_empty() {
            problems.push(format!(
                "table {}: its primary key names column(s) {} that the schema language cannot declare; write the table as a raw_sql! block",
                t.name,
                missing.join(", ")
            ));
        }
        let cols: Vec<String> = t.columns.iter().map(|c| c.name.clone()).collect();
        let ok = |c: &String| cols.contains(c);
        let name = t.name.clone();
        let mut lost = |what: String| {
            notes.push(Note::new(
                &name,
                format!("{what} names a column that is not in the neutral table; left out"),
            ));
        };
        t.indexes.retain(|ix| {
            let keep = ix.columns.iter().all(|c| ok(&c.column));
            if !keep {
                lost(format!(
                    "index {}",
                    ix.name.as_deref().unwrap_or("(unnamed)")
                ));
            }
            keep
        });
        t.uniques.retain(|u| {
            let keep = u.columns.iter().all(ok);
            if !keep {
                lost(format!("unique ({})", u.columns.join(", ")));
            }
            keep
        });
        t.foreign_keys.retain(|f| {
            let keep = f.columns.iter().all(ok);
            if !keep {
                lost(format!("foreign key ({})", f.columns.join(", ")));
            }
            keep
        });
        t.checks.retain(|ck| {
            let keep = match &ck.expr {
                CheckExpr::In { column, .. } | CheckExpr::JsonValid { column } => ok(column),
                CheckExpr::Raw { .. } => true,
            };
            if !keep {
                lost(format!(
                    "check {}",
                    ck.name.as_deref().unwrap_or("(unnamed)")
                ));
            }
            keep
        });
        // An identity that is not the whole key cannot be declared.
        let pk = t.primary_key.clone();
        for c in &mut t.columns {
            if c.auto_increment && pk != [c.name.clone()] {
                c.auto_increment = false;
                problems.push(format!(
                    "{}.{}: an auto-increment column that is not the whole primary key; the schema language cannot declare it",
                    t.name, c.name
                ));
            }
            if pk.contains(&c.name) && c.nullable {
                c.nullable = false;
            }
        }
    }
}

/// A name that fits 63 bytes: the start of `name` and a stable hash of
/// all of it, so that two long names never meet.
fn shorten(name: &str) -> String {
    let h = crate::names::fnv1a(name);
    let head: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(50)
        .collect::<String>()
        .to_ascii_lowercase();
    format!("{}_{h:08x}", head.trim_end_matches('_'))
}

/// Names that do not fit (too long, not plain, used twice), explicit or
/// derived, are replaced by a short one that is (noted), so that the file
/// validates and names the same objects.
fn fix_names(schema: &mut Schema, notes: &mut Vec<Note>) {
    for t in &mut schema.tables {
        let snapshot = t.clone();
        let mut seen: Vec<String> = Vec::new();
        let tname = t.name.clone();
        let mut fix = |n: &mut Option<String>,
                       derived: String,
                       what: &str,
                       notes: &mut Vec<Note>| {
            let name = n.clone().unwrap_or(derived);
            if crate::names::check_ident(&name).is_err() || seen.contains(&name) {
                let short = shorten(&format!("{name}{}", seen.len()));
                notes.push(Note::new(
                    &tname,
                    format!("{what} name `{name}` is too long, not plain, or used twice; written as `{short}`"),
                ));
                seen.push(short.clone());
                *n = Some(short);
            } else {
                seen.push(name);
            }
        };
        for f in &mut t.foreign_keys {
            let d = crate::names::foreign_key_name(&snapshot, f);
            fix(&mut f.name, d, "foreign key", notes);
        }
        for u in &mut t.uniques {
            let d = crate::names::unique_name(&snapshot, u);
            fix(&mut u.name, d, "unique constraint", notes);
        }
        for i in 0..t.checks.len() {
            let d = crate::names::check_name(&snapshot, i);
            fix(&mut t.checks[i].name, d, "check", notes);
        }
        for ix in &mut t.indexes {
            let d = crate::names::index_name(&snapshot, ix);
            fix(&mut ix.name, d, "index", notes);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::introspect::Introspection;
    use crate::model::{Backend, Index, IndexColumn, Order, Span};

    /// A predicate the model's validation lets through but the parser
    /// refuses (ordering an enum) is a problem of the inspected file, so
    /// `inspect` fails instead of writing a file its own `validate`
    /// refuses with exit 0.
    #[test]
    fn a_printed_file_that_does_not_parse_is_a_problem() {
        let mut schema = crate::parse_str(
            "s.rs",
            "#[db_enum]\nenum Mood { A, B }\ntable! { t (id) { id -> BigInt, m -> Mood, } }",
        )
        .expect("valid");
        schema.tables[0].indexes.push(Index {
            name: None,
            columns: vec![IndexColumn {
                column: "m".into(),
                order: Order::Asc,
            }],
            unique: false,
            predicate: Some("m < 'B'".into()),
            span: Span::default(),
        });
        let intro = Introspection {
            backend: Backend::Postgres,
            schema,
            objects: Vec::new(),
            notes: Vec::new(),
            carried: Vec::new(),
        };
        let inspected = super::for_inspect(&intro);
        assert!(
            inspected
                .problems
                .iter()
                .any(|p| p.contains("ordering enum values")),
            "{:?}",
            inspected.problems
        );
    }
}
