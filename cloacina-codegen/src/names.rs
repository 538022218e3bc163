//! SQL identifier rules and the names given to constraints and indexes.
//!
//! Identifiers are never quoted and never changed: a name PostgreSQL would
//! truncate (over 63 bytes), fold (upper case) or refuse (a reserved word) is
//! rejected by validation instead. The derived names here are the ones both
//! backends get, so the two catalogs name every object alike.

use crate::model::{ForeignKey, Index, Table, Unique};

/// PostgreSQL's identifier limit in bytes (`NAMEDATALEN - 1`).
pub const MAX_IDENT_BYTES: usize = 63;

/// Why a string is not usable as a plain SQL identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IdentProblem {
    /// Empty.
    Empty,
    /// Longer than [`MAX_IDENT_BYTES`].
    TooLong(usize),
    /// Not `[a-z_][a-z0-9_]*`.
    NotPlain,
    /// A reserved word on PostgreSQL or SQLite.
    Reserved,
}

/// Checks that `name` is a plain, portable, unreserved identifier.
pub fn check_ident(name: &str) -> Result<(), IdentProblem> {
    if name.is_empty() {
        return Err(IdentProblem::Empty);
    }
    if name.len() > MAX_IDENT_BYTES {
        return Err(IdentProblem::TooLong(name.len()));
    }
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(IdentProblem::NotPlain);
    }
    if is_reserved(name) {
        return Err(IdentProblem::Reserved);
    }
    Ok(())
}

/// Whether `word` is reserved on PostgreSQL or SQLite (lower case input).
pub fn is_reserved(word: &str) -> bool {
    RESERVED.binary_search(&word).is_ok()
}

/// Words that PostgreSQL reserves (its "reserved" and "reserved, can be
/// function or type" categories) together with the SQLite keywords that have
/// no identifier fallback in its grammar, so they cannot stand unquoted as a
/// table or column name. Sorted; a unit test keeps it so.
const RESERVED: &[&str] = &[
    "add",
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "autoincrement",
    "between",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "commit",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "delete",
    "desc",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "escape",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "index",
    "initially",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "nothing",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "set",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "transaction",
    "true",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// The name of a unique constraint: explicit, or `<table>_<cols>_key`
/// (PostgreSQL's own convention).
pub fn unique_name(table: &Table, unique: &Unique) -> String {
    unique
        .name
        .clone()
        .unwrap_or_else(|| derived(table, unique.columns.iter(), "key"))
}

/// The name of a foreign key: explicit, or `<table>_<cols>_fkey`.
pub fn foreign_key_name(table: &Table, fk: &ForeignKey) -> String {
    fk.name
        .clone()
        .unwrap_or_else(|| derived(table, fk.columns.iter(), "fkey"))
}

/// The name of the primary key constraint: `<table>_pkey`; for a table
/// whose name leaves no room for `_pkey` within [`MAX_IDENT_BYTES`] (the
/// schema language has no way to name a primary key), the table name's
/// head and a hash of the whole name: `<head>_<8 hex digits>_pkey`, which
/// fits and differs for every table name.
pub fn primary_key_name(table: &Table) -> String {
    let full = format!("{}_pkey", table.sql_name());
    if full.len() <= MAX_IDENT_BYTES {
        return full;
    }
    let name = table.sql_name();
    // 1 + 8 + 5 bytes for `_<hash>_pkey`; identifiers are ASCII here.
    let head: String = name.chars().take(MAX_IDENT_BYTES - 14).collect();
    format!("{}_{:08x}_pkey", head.trim_end_matches('_'), fnv1a(name))
}

/// 32-bit FNV-1a of `text`: a stable short hash for derived names.
pub fn fnv1a(text: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in text.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The name of an index: explicit, or `<table>_<cols>_idx`.
pub fn index_name(table: &Table, index: &Index) -> String {
    index.name.clone().unwrap_or_else(|| {
        derived(
            table,
            index.columns.iter().map(|c| &c.column),
            if index.unique { "uidx" } else { "idx" },
        )
    })
}

/// The name of the `position`-th (0-based) check constraint: explicit, or
/// `<table>_<column>_check` for a column check, `<table>_check<n>` otherwise.
pub fn check_name(table: &Table, position: usize) -> String {
    let check = &table.checks[position];
    if let Some(name) = &check.name {
        return name.clone();
    }
    match &check.expr {
        crate::model::CheckExpr::In { column, .. }
        | crate::model::CheckExpr::JsonValid { column } => {
            // Several checks on one column get distinct names.
            let same_column_before = table.checks[..position]
                .iter()
                .filter(|c| c.name.is_none() && check_column(&c.expr) == Some(column))
                .count();
            let base = format!(
                "{}_{}_check",
                table.sql_name(),
                table.column_sql_name(column)
            );
            if same_column_before == 0 {
                base
            } else {
                format!("{base}{}", same_column_before + 1)
            }
        }
        crate::model::CheckExpr::Raw { .. } => {
            let raw_before = table.checks[..position]
                .iter()
                .filter(|c| {
                    c.name.is_none() && matches!(c.expr, crate::model::CheckExpr::Raw { .. })
                })
                .count();
            format!("{}_check{}", table.sql_name(), raw_before + 1)
        }
    }
}

fn check_column(expr: &crate::model::CheckExpr) -> Option<&String> {
    match expr {
        crate::model::CheckExpr::In { column, .. }
        | crate::model::CheckExpr::JsonValid { column } => Some(column),
        crate::model::CheckExpr::Raw { .. } => None,
    }
}

fn derived<'a>(table: &Table, columns: impl Iterator<Item = &'a String>, suffix: &str) -> String {
    let mut name = table.sql_name().to_string();
    for c in columns {
        name.push('_');
        name.push_str(table.column_sql_name(c));
    }
    name.push('_');
    name.push_str(suffix);
    name
}

/// Levenshtein distance, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// SQL names an enum may not take: PostgreSQL 15's `pg_catalog` types
/// (searched before the schema the enum is created in, so `CREATE TYPE
/// text AS ENUM` succeeds but every column written `text` is the built-in
/// one) and the SQL grammar's type words (`int`, `double`, ...), which
/// name a built-in type wherever they stand. `citext` is an extension's
/// type that columns of the neutral `Citext` spell. Names starting with
/// `pg_` are refused as well (PostgreSQL's own, e.g. the catalogs' row
/// types).
const PG_BUILTIN_TYPES: &[&str] = &[
    "aclitem",
    "any",
    "anyarray",
    "anycompatible",
    "anycompatiblearray",
    "anycompatiblemultirange",
    "anycompatiblenonarray",
    "anycompatiblerange",
    "anyelement",
    "anyenum",
    "anymultirange",
    "anynonarray",
    "anyrange",
    "bigint",
    "bit",
    "bool",
    "boolean",
    "box",
    "bpchar",
    "bytea",
    "char",
    "character",
    "cid",
    "cidr",
    "circle",
    "citext",
    "cstring",
    "date",
    "datemultirange",
    "daterange",
    "dec",
    "decimal",
    "double",
    "event_trigger",
    "fdw_handler",
    "float",
    "float4",
    "float8",
    "gtsvector",
    "index_am_handler",
    "inet",
    "int",
    "int2",
    "int2vector",
    "int4",
    "int4multirange",
    "int4range",
    "int8",
    "int8multirange",
    "int8range",
    "integer",
    "internal",
    "interval",
    "json",
    "jsonb",
    "jsonpath",
    "language_handler",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "national",
    "nchar",
    "numeric",
    "nummultirange",
    "numrange",
    "oid",
    "oidvector",
    "path",
    "point",
    "polygon",
    "precision",
    "real",
    "record",
    "refcursor",
    "regclass",
    "regcollation",
    "regconfig",
    "regdictionary",
    "regnamespace",
    "regoper",
    "regoperator",
    "regproc",
    "regprocedure",
    "regrole",
    "regtype",
    "smallint",
    "table_am_handler",
    "text",
    "tid",
    "time",
    "timestamp",
    "timestamptz",
    "timetz",
    "trigger",
    "tsm_handler",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "unknown",
    "uuid",
    "varbit",
    "varchar",
    "varying",
    "void",
    "xid",
    "xid8",
    "xml",
];

/// Whether `sql_name` would name one of PostgreSQL's own types rather than
/// the enum created with that name.
pub(crate) fn pg_builtin_type(sql_name: &str) -> bool {
    sql_name.starts_with("pg_") || PG_BUILTIN_TYPES.binary_search(&sql_name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `pg_builtin_type` binary-searches the list.
    #[test]
    fn pg_builtin_type_list_is_sorted() {
        for pair in PG_BUILTIN_TYPES.windows(2) {
            assert!(pair[0] < pair[1], "{} >= {}", pair[0], pair[1]);
        }
        assert!(pg_builtin_type("text") && pg_builtin_type("xml") && pg_builtin_type("aclitem"));
        assert!(!pg_builtin_type("mood"));
    }

    #[test]
    fn reserved_list_is_sorted_and_lowercase() {
        for pair in RESERVED.windows(2) {
            assert!(pair[0] < pair[1], "{} >= {}", pair[0], pair[1]);
        }
        assert!(RESERVED
            .iter()
            .all(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '_')));
    }

    #[test]
    fn primary_key_names_fit_and_differ_for_long_table_names() {
        let t = |n: &str| Table::named(n);
        assert_eq!(primary_key_name(&t("jobs")), "jobs_pkey");
        // 58 bytes + `_pkey` = 63: as it is.
        let fits = "a".repeat(58);
        assert_eq!(primary_key_name(&t(&fits)), format!("{fits}_pkey"));
        let mut seen = std::collections::HashSet::new();
        for len in 59..=63 {
            for last in ["x", "y"] {
                let name = format!("{}{last}", "a".repeat(len - 1));
                let pk = primary_key_name(&t(&name));
                assert!(pk.len() <= MAX_IDENT_BYTES, "{pk}");
                assert_eq!(check_ident(&pk), Ok(()), "{pk}");
                assert!(pk.ends_with("_pkey") && pk.starts_with("aaaa"), "{pk}");
                assert!(seen.insert(pk.clone()), "{pk} twice");
            }
        }
    }

    #[test]
    fn identifier_rules() {
        let cases: &[(&str, Result<(), IdentProblem>)] = &[
            ("workflow_executions", Ok(())),
            ("_private", Ok(())),
            ("t1", Ok(())),
            ("", Err(IdentProblem::Empty)),
            ("Status", Err(IdentProblem::NotPlain)),
            ("1abc", Err(IdentProblem::NotPlain)),
            ("has-dash", Err(IdentProblem::NotPlain)),
            ("order", Err(IdentProblem::Reserved)),
            ("user", Err(IdentProblem::Reserved)),
            ("status", Ok(())),
        ];
        for (name, want) in cases {
            assert_eq!(&check_ident(name), want, "{name}");
        }
        let long = "a".repeat(64);
        assert_eq!(check_ident(&long), Err(IdentProblem::TooLong(64)));
        assert_eq!(check_ident(&"a".repeat(63)), Ok(()));
    }
}
