//! Structured differences between two normalized [`Schema`]s, and the
//! report a person reads.
//!
//! [`compare`] takes two schemas already put through
//! [`crate::normalize::normalize`] (so that equal means equal) and lists
//! every [`Difference`]: which table, which object in it (a column, a
//! constraint or an index), which attribute, and the value on each side.
//! `compare(a, a)` is empty. [`Report`] pairs the differences with the names
//! of the two sides, prints them grouped by table, and serializes to JSON
//! for tools.
//!
//! Objects are matched by what they are, not by name, where the catalogs
//! name things differently: columns by name, foreign keys and unique
//! constraints by their columns, checks by their expression, indexes by
//! name and then by their columns. A name is compared only when both sides
//! have one.

use serde::Serialize;

use crate::model::*;
use crate::normalize::check_display;

/// What kind of object a difference is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectKind {
    /// The table itself (existence, column order).
    Table,
    /// A column.
    Column,
    /// The primary key.
    PrimaryKey,
    /// A foreign key.
    ForeignKey,
    /// A unique constraint.
    Unique,
    /// A check constraint.
    Check,
    /// An index.
    Index,
    /// A declared PostgreSQL extension (`#![postgres_extensions(...)]`); a
    /// schema-level object, so its difference's `table` is empty.
    Extension,
}

impl ObjectKind {
    fn label(self) -> &'static str {
        match self {
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::PrimaryKey => "primary key",
            ObjectKind::ForeignKey => "foreign key",
            ObjectKind::Unique => "unique constraint",
            ObjectKind::Check => "check",
            ObjectKind::Index => "index",
            ObjectKind::Extension => "extension",
        }
    }
}

/// One way the two schemas differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The table (SQL name); empty for a schema-level object (an
    /// extension).
    pub table: String,
    /// The kind of object.
    pub kind: ObjectKind,
    /// The object: a column name, a constraint or index name (or its
    /// columns when it has no name), the check expression, or the
    /// extension name; `None` for the table itself.
    pub object: Option<String>,
    /// What differs: `exists`, `type`, `nullable`, `default`,
    /// `auto_increment`, `column order`, `columns`, `on_delete`, `on_update`,
    /// `deferrable`,
    /// `references`, `unique`, `predicate`, `name`.
    pub attribute: String,
    /// The value on the left side (`None`: absent there).
    pub left: Option<String>,
    /// The value on the right side (`None`: absent there).
    pub right: Option<String>,
}

/// Differences with the names of the two sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    /// What the left side is (e.g. `schema file schema/app.rs`).
    pub left: String,
    /// What the right side is (e.g. `PostgreSQL after replaying migrations/postgres`).
    pub right: String,
    /// Every difference, grouped by table in table order.
    pub differences: Vec<Difference>,
}

impl Report {
    /// Compares `left` and `right` (both normalized) under these labels.
    pub fn new(left: impl Into<String>, l: &Schema, right: impl Into<String>, r: &Schema) -> Self {
        Report {
            left: left.into(),
            right: right.into(),
            differences: compare(l, r),
        }
    }

    /// True when the two sides agree.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }

    /// The readable report: a header saying which side is which, then the
    /// differences grouped under their table.
    pub fn render(&self) -> String {
        let mut out = format!("left:  {}\nright: {}\n", self.left, self.right);
        if self.differences.is_empty() {
            out.push_str("no differences\n");
            return out;
        }
        let n = self.differences.len();
        out.push_str(&format!(
            "{n} difference{}\n",
            if n == 1 { "" } else { "s" }
        ));
        let mut current: Option<&str> = None;
        for d in &self.differences {
            if current != Some(d.table.as_str()) {
                if d.table.is_empty() {
                    out.push_str("\nschema\n");
                } else {
                    out.push_str(&format!("\ntable {}\n", d.table));
                }
                current = Some(&d.table);
            }
            let what = match &d.object {
                Some(o) => format!("{} {o}", d.kind.label()),
                None => d.kind.label().to_string(),
            };
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
            out.push_str(&format!(
                "  {what}: {}: left {} | right {}\n",
                d.attribute,
                show(&d.left),
                show(&d.right)
            ));
        }
        out
    }

    /// The report as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// What [`compare_with`] looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompareOptions {
    /// Compare constraint and index names too. Off for hand-kept migration
    /// pairs, whose catalogs name unnamed constraints differently.
    pub names: bool,
    /// Compare the order of the columns both sides have. Column order is
    /// not part of the schema contract (an added column goes last on both
    /// backends, a SQLite rebuild writes the schema file's order), so
    /// `check` turns it off; `check-parity` keeps it for hand-kept pairs,
    /// whose hand-written SQL may rely on it.
    pub column_order: bool,
}

impl CompareOptions {
    /// Everything but constraint and index names (hand-kept migration pairs).
    pub fn without_names() -> Self {
        CompareOptions {
            names: false,
            ..CompareOptions::default()
        }
    }
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            names: true,
            column_order: true,
        }
    }
}

/// Every difference between two normalized schemas, names included
/// ([`compare_with`] with the default options).
pub fn compare(left: &Schema, right: &Schema) -> Vec<Difference> {
    compare_with(left, right, &CompareOptions::default())
}

/// Every difference between two normalized schemas: first the declared
/// PostgreSQL extensions (`extension <name>`, attribute `exists`, table
/// empty), then grouped by table (tables in name order; within a table:
/// existence, columns, primary key, foreign keys, uniques, checks,
/// indexes).
pub fn compare_with(left: &Schema, right: &Schema, opts: &CompareOptions) -> Vec<Difference> {
    let (left, right) = (enums_read_alike(left, right), enums_read_alike(right, left));
    let mut out = compare_extensions(&left, &right);
    out.extend(compare_tables(&left, &right, opts));
    out
}

/// `schema` with each `TEXT` column whose check lists exactly the labels
/// of the enum the same column has in `other` (same labels, same order;
/// a hand-kept SQLite table: `CHECK (status IN ('a', 'b'))`) read as that
/// enum, the check consumed: the same values, stored as PostgreSQL's enum
/// on one side and checked text on the other. Other labels or another
/// order stay a difference.
fn enums_read_alike(schema: &Schema, other: &Schema) -> Schema {
    let mut out = schema.clone();
    for t in &mut out.tables {
        let Some(ot) = other.table(&t.name) else {
            continue;
        };
        for c in &mut t.columns {
            let (ColumnType::Text { max_len: None }, Some(ColumnType::Enum(e))) =
                (c.ty, ot.column(&c.name).map(|oc| oc.ty))
            else {
                continue;
            };
            let lists_labels = |k: &Check| match &k.expr {
                CheckExpr::In { column, values } => {
                    column == &c.name
                        && values.len() == e.labels().len()
                        && values
                            .iter()
                            .zip(e.labels())
                            .all(|(v, l)| matches!(v, Literal::Text(s) if s == l))
                }
                _ => false,
            };
            if let Some(i) = t.checks.iter().position(lists_labels) {
                t.checks.remove(i);
                c.ty = ColumnType::Enum(e);
            }
        }
    }
    out
}

/// A column type as compared: an enum with its SQL name and labels (two
/// enums differ when their labels or their order do).
fn type_text(ty: ColumnType) -> String {
    match ty {
        ColumnType::Enum(e) => format!("enum {} ({})", e.sql_name(), e.labels().join(", ")),
        other => other.neutral_name(),
    }
}

/// Extensions on one side only (by name; order does not matter), and the
/// schema or version of one on both sides that differ: the schema always
/// (unset is the current schema, where `CREATE EXTENSION` puts it), the
/// version when both sides say it (a file that does not pin a version
/// accepts the one installed).
fn compare_extensions(left: &Schema, right: &Schema) -> Vec<Difference> {
    let mut names: Vec<&str> = left
        .extensions
        .iter()
        .chain(&right.extensions)
        .map(|e| e.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let find = |s: &'_ Schema, n: &str| s.extensions.iter().find(|e| e.name == n).cloned();
    let mut out = Vec::new();
    for n in names {
        let (l, r) = (find(left, n), find(right, n));
        let (l, r) = match (l, r) {
            (Some(l), Some(r)) => (l, r),
            (l, r) => {
                out.push(Difference {
                    table: String::new(),
                    kind: ObjectKind::Extension,
                    object: Some(n.to_string()),
                    attribute: "exists".into(),
                    left: l.is_some().then(yes),
                    right: r.is_some().then(yes),
                });
                continue;
            }
        };
        for (attribute, lv, rv, any) in [
            ("schema", l.schema, r.schema, false),
            ("version", l.version, r.version, true),
        ] {
            if lv != rv && !(any && (lv.is_none() || rv.is_none())) {
                out.push(Difference {
                    table: String::new(),
                    kind: ObjectKind::Extension,
                    object: Some(n.to_string()),
                    attribute: attribute.into(),
                    left: lv,
                    right: rv,
                });
            }
        }
    }
    out
}

fn compare_tables(left: &Schema, right: &Schema, opts: &CompareOptions) -> Vec<Difference> {
    let mut names: Vec<&str> = left
        .tables
        .iter()
        .chain(&right.tables)
        .map(|t| t.name.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    let mut out = Vec::new();
    for name in names {
        match (left.table(name), right.table(name)) {
            (Some(l), Some(r)) => compare_table(l, r, opts, &mut out),
            (l, r) => out.push(Difference {
                table: name.to_string(),
                kind: ObjectKind::Table,
                object: None,
                attribute: "exists".into(),
                left: l.map(|_| "yes".into()),
                right: r.map(|_| "yes".into()),
            }),
        }
    }
    out
}

/// Records the differences of one table: `at(kind, object)` names the
/// object, then each comparison is one call.
struct TableDiffs<'a> {
    table: &'a str,
    out: &'a mut Vec<Difference>,
}

/// One object of a table, ready to compare attribute by attribute.
struct ObjectDiffs<'a, 'b> {
    diffs: &'b mut TableDiffs<'a>,
    kind: ObjectKind,
    object: Option<String>,
}

impl<'a> TableDiffs<'a> {
    fn at<'b>(&'b mut self, kind: ObjectKind, object: Option<String>) -> ObjectDiffs<'a, 'b> {
        ObjectDiffs {
            diffs: self,
            kind,
            object,
        }
    }
}

impl ObjectDiffs<'_, '_> {
    /// Records `attribute` when the two sides differ.
    fn attr(&mut self, attribute: &str, left: Option<String>, right: Option<String>) -> &mut Self {
        if left != right {
            self.diffs.out.push(Difference {
                table: self.diffs.table.to_string(),
                kind: self.kind,
                object: self.object.clone(),
                attribute: attribute.to_string(),
                left,
                right,
            });
        }
        self
    }

    /// Records a name difference when both sides have a name (and names are compared).
    fn name(&mut self, compare: bool, left: &Option<String>, right: &Option<String>) -> &mut Self {
        if compare && left.is_some() && right.is_some() {
            self.attr("name", left.clone(), right.clone());
        }
        self
    }

    /// The object exists on the left side only.
    fn only_left(&mut self, value: impl Into<String>) {
        self.attr("exists", Some(value.into()), None);
    }

    /// The object exists on the right side only.
    fn only_right(&mut self, value: impl Into<String>) {
        self.attr("exists", None, Some(value.into()));
    }
}

fn yes() -> String {
    "yes".into()
}

fn list(v: &[String]) -> String {
    v.join(", ")
}

fn default_text(d: &Option<DefaultValue>) -> Option<String> {
    d.as_ref().map(|d| match d {
        DefaultValue::Text(s) => format!("{s:?}"),
        other => other.neutral_spelling(),
    })
}

fn compare_table(l: &Table, r: &Table, opts: &CompareOptions, out: &mut Vec<Difference>) {
    let names = opts.names;
    let mut d = TableDiffs {
        table: l.name.as_str(),
        out,
    };
    use ObjectKind as K;
    // Columns.
    for lc in &l.columns {
        let mut c = d.at(K::Column, Some(lc.name.clone()));
        let Some(rc) = r.column(&lc.name) else {
            c.only_left(yes());
            continue;
        };
        c.attr("type", Some(type_text(lc.ty)), Some(type_text(rc.ty)))
            .attr(
                "nullable",
                Some(lc.nullable.to_string()),
                Some(rc.nullable.to_string()),
            )
            .attr(
                "default",
                default_text(&lc.default),
                default_text(&rc.default),
            )
            .attr(
                "auto_increment",
                Some(lc.auto_increment.to_string()),
                Some(rc.auto_increment.to_string()),
            );
    }
    for rc in r.columns.iter().filter(|rc| l.column(&rc.name).is_none()) {
        d.at(K::Column, Some(rc.name.clone())).only_right(yes());
    }
    let shared = |a: &Table, b: &Table| {
        let v: Vec<String> = a
            .columns
            .iter()
            .filter(|c| b.column(&c.name).is_some())
            .map(|c| c.name.clone())
            .collect();
        Some(list(&v))
    };
    if opts.column_order {
        d.at(K::Table, None)
            .attr("column order", shared(l, r), shared(r, l));
    }

    // Primary key.
    let pk = |t: &Table| (!t.primary_key.is_empty()).then(|| list(&t.primary_key));
    d.at(K::PrimaryKey, None).attr("columns", pk(l), pk(r));
    if !l.primary_key.is_empty() && !r.primary_key.is_empty() {
        d.at(K::PrimaryKey, None).attr(
            "deferrable",
            Some(l.primary_key_deferrable.sql().into()),
            Some(r.primary_key_deferrable.sql().into()),
        );
    }

    // Foreign keys, matched by their columns.
    let mut used = vec![false; r.foreign_keys.len()];
    for lf in &l.foreign_keys {
        let found = r
            .foreign_keys
            .iter()
            .enumerate()
            .position(|(i, rf)| {
                !used[i] && rf.columns == lf.columns && rf.ref_table == lf.ref_table
            })
            .or_else(|| {
                r.foreign_keys
                    .iter()
                    .enumerate()
                    .position(|(i, rf)| !used[i] && rf.columns == lf.columns)
            });
        let mut f = d.at(K::ForeignKey, Some(format!("({})", list(&lf.columns))));
        let Some(i) = found else {
            f.only_left(fk_text(lf));
            continue;
        };
        used[i] = true;
        let rf = &r.foreign_keys[i];
        f.attr("references", Some(fk_target(lf)), Some(fk_target(rf)))
            .attr(
                "on_delete",
                Some(lf.on_delete.sql().into()),
                Some(rf.on_delete.sql().into()),
            )
            .attr(
                "on_update",
                Some(lf.on_update.sql().into()),
                Some(rf.on_update.sql().into()),
            )
            .attr(
                "deferrable",
                Some(lf.deferrable.sql().into()),
                Some(rf.deferrable.sql().into()),
            )
            .name(names, &lf.name, &rf.name);
    }
    for (i, rf) in r.foreign_keys.iter().enumerate() {
        if !used[i] {
            d.at(K::ForeignKey, Some(format!("({})", list(&rf.columns))))
                .only_right(fk_text(rf));
        }
    }

    // Unique constraints, matched by their columns.
    for lu in &l.uniques {
        let mut u = d.at(K::Unique, Some(format!("({})", list(&lu.columns))));
        match r.uniques.iter().find(|ru| ru.columns == lu.columns) {
            None => u.only_left(yes()),
            Some(ru) => {
                u.attr(
                    "deferrable",
                    Some(lu.deferrable.sql().into()),
                    Some(ru.deferrable.sql().into()),
                )
                .name(names, &lu.name, &ru.name);
            }
        }
    }
    for ru in &r.uniques {
        if !l.uniques.iter().any(|lu| lu.columns == ru.columns) {
            d.at(K::Unique, Some(format!("({})", list(&ru.columns))))
                .only_right(yes());
        }
    }

    // Checks, matched by expression.
    for lc in &l.checks {
        let mut c = d.at(K::Check, Some(check_display(&lc.expr)));
        match r.checks.iter().find(|rc| rc.expr == lc.expr) {
            None => c.only_left(yes()),
            Some(rc) => {
                c.name(names, &lc.name, &rc.name);
            }
        }
    }
    for rc in &r.checks {
        if !l.checks.iter().any(|lc| lc.expr == rc.expr) {
            d.at(K::Check, Some(check_display(&rc.expr)))
                .only_right(yes());
        }
    }

    // Indexes, matched by name, then by their column names.
    let cols = |ix: &Index| {
        ix.columns
            .iter()
            .map(|c| c.column.clone())
            .collect::<Vec<_>>()
    };
    let mut used = vec![false; r.indexes.len()];
    let mut matched: Vec<(usize, usize)> = Vec::new();
    for (li, lx) in l.indexes.iter().enumerate() {
        if let Some(ri) = r
            .indexes
            .iter()
            .enumerate()
            .position(|(i, rx)| !used[i] && lx.name.is_some() && rx.name == lx.name)
        {
            used[ri] = true;
            matched.push((li, ri));
        }
    }
    for (li, lx) in l.indexes.iter().enumerate() {
        if matched.iter().any(|(a, _)| *a == li) {
            continue;
        }
        if let Some(ri) = r
            .indexes
            .iter()
            .enumerate()
            .position(|(i, rx)| !used[i] && cols(rx) == cols(lx))
        {
            used[ri] = true;
            matched.push((li, ri));
        }
    }
    for (li, lx) in l.indexes.iter().enumerate() {
        let mut x = d.at(K::Index, Some(index_label(lx)));
        let Some(&(_, ri)) = matched.iter().find(|(a, _)| *a == li) else {
            x.only_left(index_text(lx));
            continue;
        };
        let rx = &r.indexes[ri];
        x.attr("columns", Some(index_columns(lx)), Some(index_columns(rx)))
            .attr(
                "unique",
                Some(lx.unique.to_string()),
                Some(rx.unique.to_string()),
            )
            .attr("predicate", lx.predicate.clone(), rx.predicate.clone())
            .name(names, &lx.name, &rx.name);
    }
    for (ri, rx) in r.indexes.iter().enumerate() {
        if !used[ri] {
            d.at(K::Index, Some(index_label(rx)))
                .only_right(index_text(rx));
        }
    }
}

fn fk_target(fk: &ForeignKey) -> String {
    format!("{}({})", fk.ref_table, list(&fk.ref_columns))
}

fn fk_text(fk: &ForeignKey) -> String {
    format!(
        "({}) -> {} on delete {} on update {}{}",
        list(&fk.columns),
        fk_target(fk),
        fk.on_delete.sql(),
        fk.on_update.sql(),
        fk.deferrable.sql_suffix().to_ascii_lowercase()
    )
}

fn index_label(ix: &Index) -> String {
    ix.name
        .clone()
        .unwrap_or_else(|| format!("({})", index_columns(ix)))
}

fn index_columns(ix: &Index) -> String {
    ix.columns
        .iter()
        .map(|c| match c.order {
            Order::Asc => c.column.clone(),
            Order::Desc => format!("{} DESC", c.column),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn index_text(ix: &Index) -> String {
    let mut s = format!(
        "{}({})",
        if ix.unique { "unique " } else { "" },
        index_columns(ix)
    );
    if let Some(p) = &ix.predicate {
        s.push_str(&format!(" where {p}"));
    }
    s
}

// ----- kinds, severity and accepted differences -------------------------------

/// What a difference means for the data.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DiffKind {
    /// The structure differs: a table, column, constraint or index exists
    /// on one side only, or a type, nullability, key action, … differs.
    Structural,
    /// The structure may look alike but a value differs: a default that
    /// produces another value, or a boolean default that reads as true on
    /// one backend and false on the other.
    ValueSemantics,
    /// The same values stored another way (a UUID as `BLOB(16)`, a boolean
    /// as `0`/`1`, a check spelled per backend). Listed, never failing.
    RepresentationOnly,
}

impl DiffKind {
    /// The words of the readable report.
    pub fn label(self) -> &'static str {
        match self {
            DiffKind::Structural => "structural",
            DiffKind::ValueSemantics => "value semantics",
            DiffKind::RepresentationOnly => "representation only",
        }
    }
}

/// How much a difference matters to CI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Fails the check (unless accepted).
    Error,
    /// Printed and counted; does not fail: the two sides could not be
    /// proven equal or different (a volatile default of an unknown kind).
    Warning,
    /// Representation only; printed, never failing.
    Info,
}

/// One difference with its kind and severity, as `check-parity` reports it.
///
/// `kind`, `table`, `object` and `attribute` are its stable key: an entry of
/// an `--accept` baseline with the same four values accepts it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// What the difference means.
    pub kind: DiffKind,
    /// Whether it fails.
    pub severity: Severity,
    /// The table (SQL name); empty for an extension.
    pub table: String,
    /// The object: `table`, `column <name>`, `primary key`,
    /// `foreign key (<columns>)`, `unique constraint (<columns>)`,
    /// `check <expression>`, `index <name>`, `extension <name>`.
    pub object: String,
    /// What differs (as in [`Difference::attribute`]).
    pub attribute: String,
    /// The left value, typed: `true`/`false`, numbers, strings; `null`
    /// when absent on that side.
    pub left: serde_json::Value,
    /// The right value, typed like `left`.
    pub right: serde_json::Value,
    /// Plain words: why it is this kind (the convention, or what a reader
    /// gets on each backend).
    pub explanation: Option<String>,
    /// Silenced by an entry of the `--accept` baseline.
    pub accepted: bool,
}

impl Entry {
    /// True when this entry fails CI.
    pub fn fails(&self) -> bool {
        self.severity == Severity::Error && !self.accepted
    }
}

/// A difference's value as JSON: `true`, `3`, `"t"`; text that is not JSON
/// stays a string.
fn typed(v: &Option<String>) -> serde_json::Value {
    match v {
        None => serde_json::Value::Null,
        Some(s) => match serde_json::from_str::<serde_json::Value>(s) {
            Ok(
                v @ (serde_json::Value::Bool(_)
                | serde_json::Value::Number(_)
                | serde_json::Value::String(_)),
            ) => v,
            _ => serde_json::Value::String(s.clone()),
        },
    }
}

fn object_label(d: &Difference) -> String {
    match &d.object {
        Some(o) => format!("{} {o}", d.kind.label()),
        None => d.kind.label().to_string(),
    }
}

fn entry(d: &Difference, kind: DiffKind, explanation: Option<String>) -> Entry {
    // An extension's schema and version are names, never numbers (`1.10`
    // is not `1.1`).
    let typed = |v: &Option<String>| match (d.kind, v) {
        (ObjectKind::Extension, Some(s)) if d.attribute != "exists" => {
            serde_json::Value::String(s.clone())
        }
        _ => typed(v),
    };
    Entry {
        kind,
        severity: match kind {
            DiffKind::RepresentationOnly => Severity::Info,
            _ => Severity::Error,
        },
        table: d.table.clone(),
        object: object_label(d),
        attribute: d.attribute.clone(),
        left: typed(&d.left),
        right: typed(&d.right),
        explanation,
        accepted: false,
    }
}

/// Classifies the differences between a PostgreSQL schema (`pg`, left) and
/// a SQLite one (`lite`, right), both normalized, as hand-kept migration
/// pairs write them: representation conventions of SQLite (UUIDs as
/// `BLOB(16)` or `TEXT`, timestamps as RFC 3339 `TEXT`, booleans as `0`/`1`
/// with an optional check, JSON as `TEXT` with `json_valid`, 64-bit
/// auto-increment keys as `INTEGER PRIMARY KEY`, checks and predicates
/// spelled per backend, unique columns in another order) become
/// [`DiffKind::RepresentationOnly`]; a boolean default that reads
/// differently becomes [`DiffKind::ValueSemantics`]; the rest is
/// [`DiffKind::Structural`]. A left-only and a right-only object that are
/// the same under a convention become one entry.
pub fn classify(pg: &Schema, lite: &Schema, diffs: &[Difference]) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut used = vec![false; diffs.len()];
    // Pairs of one-sided objects that mean the same.
    for (i, a) in diffs.iter().enumerate() {
        if used[i] || a.attribute != "exists" || a.left.is_none() {
            continue;
        }
        let bool_cols = bool_columns(pg, &a.table);
        for (j, b) in diffs.iter().enumerate() {
            if used[j] || i == j || b.attribute != "exists" || b.right.is_none() {
                continue;
            }
            if a.table != b.table || a.kind != b.kind {
                continue;
            }
            let (Some(lo), Some(ro)) = (&a.object, &b.object) else {
                continue;
            };
            let why = match a.kind {
                ObjectKind::Check => crate::normalize::equivalent_expressions(
                    lo,
                    ro,
                    &bool_cols,
                    &not_null_columns(pg, lite, &a.table),
                )
                .map(String::from),
                ObjectKind::Unique => (sorted_list(lo) == sorted_list(ro))
                    .then(|| "the same unique columns, listed in another order".to_string()),
                _ => None,
            };
            if let Some(why) = why {
                used[i] = true;
                used[j] = true;
                out.push(Entry {
                    attribute: match a.kind {
                        ObjectKind::Check => "expression".into(),
                        _ => "columns".into(),
                    },
                    left: serde_json::Value::String(lo.clone()),
                    right: serde_json::Value::String(ro.clone()),
                    ..entry(a, DiffKind::RepresentationOnly, Some(why))
                });
                break;
            }
        }
    }
    // A check or unique constraint that changed shows as one left-only and
    // one right-only object: one structural entry, not two.
    for (i, a) in diffs.iter().enumerate() {
        if used[i] || a.attribute != "exists" || a.left.is_none() {
            continue;
        }
        let partner = diffs.iter().enumerate().position(|(j, b)| {
            !used[j]
                && i != j
                && b.attribute == "exists"
                && b.right.is_some()
                && a.table == b.table
                && a.kind == b.kind
                && match (a.kind, &a.object, &b.object) {
                    (ObjectKind::Check, Some(lo), Some(ro)) => {
                        let cols = crate::normalize::expression_columns(lo);
                        !cols.is_empty() && cols == crate::normalize::expression_columns(ro)
                    }
                    (ObjectKind::Unique, Some(lo), Some(ro)) => {
                        let l = sorted_list(lo);
                        sorted_list(ro).iter().any(|c| l.contains(c))
                    }
                    _ => false,
                }
        });
        if let (Some(j), Some(lo), Some(ro)) = (
            partner,
            &a.object,
            diffs
                .get(partner.unwrap_or(0))
                .and_then(|b| b.object.as_ref()),
        ) {
            used[i] = true;
            used[j] = true;
            out.push(Entry {
                attribute: match a.kind {
                    ObjectKind::Check => "expression".into(),
                    _ => "columns".into(),
                },
                left: serde_json::Value::String(lo.clone()),
                right: serde_json::Value::String(ro.clone()),
                ..entry(a, DiffKind::Structural, None)
            });
        }
    }
    for (i, d) in diffs.iter().enumerate() {
        if used[i] {
            continue;
        }
        let (kind, why) = classify_one(pg, lite, d);
        out.push(entry(d, kind, why));
    }
    out.sort_by(|a, b| a.table.cmp(&b.table));
    out
}

fn sorted_list(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(|c| c.trim().to_string())
        .collect();
    v.sort();
    v
}

/// The boolean columns of `table` in `schema`.
fn bool_columns(schema: &Schema, table: &str) -> Vec<String> {
    schema
        .table(table)
        .map(|t| {
            t.columns
                .iter()
                .filter(|c| c.ty == ColumnType::Bool)
                .map(|c| c.name.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// The columns of `table` that are `NOT NULL` on both sides.
fn not_null_columns(pg: &Schema, lite: &Schema, table: &str) -> Vec<String> {
    let (Some(l), Some(r)) = (pg.table(table), lite.table(table)) else {
        return Vec::new();
    };
    l.columns
        .iter()
        .filter(|c| !c.nullable && r.column(&c.name).is_some_and(|rc| !rc.nullable))
        .map(|c| c.name.clone())
        .collect()
}

fn column<'a>(s: &'a Schema, table: &str, name: &Option<String>) -> Option<&'a Column> {
    s.table(table)?.column(name.as_deref()?)
}

/// Whether `column` of `table` is a one-column foreign key to a one-column
/// auto-increment primary key (a rowid on SQLite).
fn references_rowid(s: &Schema, table: &str, column: &str) -> bool {
    let Some(t) = s.table(table) else {
        return false;
    };
    t.foreign_keys.iter().any(|fk| {
        fk.columns.len() == 1
            && fk.columns[0] == column
            && s.table(&fk.ref_table).is_some_and(|r| {
                r.primary_key.len() == 1
                    && fk.ref_columns.first() == r.primary_key.first()
                    && r.column(&r.primary_key[0])
                        .is_some_and(|c| c.auto_increment)
            })
    })
}

/// What a SQLite reader gets from a stored default of a boolean column:
/// `Some(true/false)`, or `None` when it is no boolean at all.
fn sqlite_reads_bool(d: &DefaultValue) -> Option<bool> {
    match d {
        DefaultValue::Bool(b) => Some(*b),
        DefaultValue::Int(i) => Some(*i != 0),
        DefaultValue::Float(f) => Some(*f != 0.0),
        // Text compares unequal to 1 and casts to its leading number (0 for
        // 't', 'true', 'yes'): it reads as false unless it spells a number.
        DefaultValue::Text(s) => Some(s.trim().parse::<f64>().is_ok_and(|n| n != 0.0)),
        DefaultValue::Now | DefaultValue::Uuid | DefaultValue::Expr(_) | DefaultValue::Raw(_) => {
            None
        }
    }
}

fn classify_one(pg: &Schema, lite: &Schema, d: &Difference) -> (DiffKind, Option<String>) {
    use ColumnType as T;
    let structural = (DiffKind::Structural, None);
    let repr = |why: &str| (DiffKind::RepresentationOnly, Some(why.to_string()));
    match (d.kind, d.attribute.as_str()) {
        (ObjectKind::Column, "type") => {
            let (Some(l), Some(r)) = (
                column(pg, &d.table, &d.object),
                column(lite, &d.table, &d.object),
            ) else {
                return structural;
            };
            let rowid = |s: &Schema| {
                s.table(&d.table)
                    .is_some_and(|t| t.primary_key.len() == 1 && t.primary_key[0] == l.name)
            };
            match (l.ty, r.ty) {
                (T::Uuid, T::Binary) => repr("UUID stored as a 16-byte BLOB on SQLite"),
                (T::Uuid, T::Text { .. }) => repr("UUID stored as TEXT on SQLite"),
                (T::Timestamp, T::Text { max_len: None }) => {
                    repr("timestamp stored as RFC 3339 TEXT on SQLite")
                }
                (T::Bool, T::SmallInt | T::Integer | T::BigInt) => {
                    repr("boolean stored as INTEGER 0/1 on SQLite")
                }
                (T::Json, T::Text { max_len: None }) => repr("JSON stored as TEXT on SQLite"),
                (T::NaiveTimestamp | T::Date | T::Time, T::Text { max_len: None }) => {
                    repr("date or time stored as TEXT on SQLite")
                }
                // SQLite's TIMESTAMP/DATETIME is read as Timestamp (the UTC
                // text most applications keep there); it holds no zone, as
                // PostgreSQL's TIMESTAMP does not.
                (T::NaiveTimestamp, T::Timestamp) => {
                    repr("timestamp without time zone stored as TEXT on SQLite (TIMESTAMP)")
                }
                (T::BigInt | T::Integer, T::Integer | T::BigInt)
                    if (l.auto_increment || r.auto_increment) && rowid(pg) && rowid(lite) =>
                {
                    repr("auto-increment key: SQLite's INTEGER PRIMARY KEY is the 64-bit rowid")
                }
                (T::BigInt, T::Integer) if references_rowid(lite, &d.table, &l.name) => repr(
                    "reference to an auto-increment key: SQLite's INTEGER is 64-bit like the rowid it references",
                ),
                _ => structural,
            }
        }
        (ObjectKind::Column, "auto_increment") => {
            let key = |s: &Schema| {
                s.table(&d.table).is_some_and(|t| {
                    t.primary_key.len() == 1 && Some(&t.primary_key[0]) == d.object.as_ref()
                })
            };
            if key(pg) && key(lite) {
                repr("identity/serial key against SQLite's INTEGER PRIMARY KEY (assigned by the rowid)")
            } else {
                structural
            }
        }
        (ObjectKind::Column, "default") => {
            let (Some(l), Some(r)) = (
                column(pg, &d.table, &d.object),
                column(lite, &d.table, &d.object),
            ) else {
                return (DiffKind::ValueSemantics, None);
            };
            if l.ty == T::Bool {
                if let (Some(DefaultValue::Bool(pb)), Some(rd)) = (&l.default, &r.default) {
                    let rb = if r.ty == T::Bool
                        || matches!(r.ty, T::Integer | T::SmallInt | T::BigInt | T::Text { .. })
                    {
                        sqlite_reads_bool(rd)
                    } else {
                        None
                    };
                    let word = |b: bool| if b { "true" } else { "false" };
                    match rb {
                        Some(rb) if rb == *pb => {
                            return repr(&format!(
                                "reads as {} on both backends (SQLite stores {})",
                                word(*pb),
                                rd.neutral_spelling()
                            ))
                        }
                        Some(rb) => {
                            return (
                                DiffKind::ValueSemantics,
                                Some(format!(
                                    "default reads as {} on postgres and {} on sqlite (SQLite stores {}, which {})",
                                    word(*pb),
                                    word(rb),
                                    rd.neutral_spelling(),
                                    if rb { "is not 0" } else { "is not 1: `= 1` is false and CAST(… AS INTEGER) is 0" }
                                )),
                            )
                        }
                        None => {}
                    }
                }
            }
            (
                DiffKind::ValueSemantics,
                Some("the default produces another value".into()),
            )
        }
        (ObjectKind::Index, "predicate") => {
            let bools = bool_columns(pg, &d.table);
            match (&d.left, &d.right) {
                (Some(a), Some(b)) => {
                    match crate::normalize::equivalent_expressions(
                        a,
                        b,
                        &bools,
                        &not_null_columns(pg, lite, &d.table),
                    ) {
                        Some(why) => repr(why),
                        None => structural,
                    }
                }
                _ => structural,
            }
        }
        (ObjectKind::Check, "exists") if d.left.is_none() => {
            // A SQLite-only check that only restates the column's
            // representation (0/1 of a boolean, JSON text).
            let Some(expr) = &d.object else {
                return structural;
            };
            let pg_col = |c: &str| pg.table(&d.table).and_then(|t| t.column(c)).map(|c| c.ty);
            if let Some(c) = crate::normalize::bool_check_column(expr) {
                if pg_col(&c) == Some(T::Bool) {
                    return repr("boolean stored as 0/1 on SQLite, with a check");
                }
            }
            if let Some(c) = crate::normalize::json_validity_column(expr) {
                if pg_col(&c) == Some(T::Json) {
                    return repr("JSON stored as TEXT on SQLite, with json_valid");
                }
            }
            structural
        }
        _ => structural,
    }
}

/// One entry of an `--accept` baseline: the stable key of a known
/// difference, and why it is accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accepted {
    /// `structural`, `value_semantics` or `representation_only`.
    pub kind: DiffKind,
    /// The table.
    pub table: String,
    /// The object, as the report prints it (`column id`, `index t_a_idx`).
    pub object: String,
    /// The attribute (`type`, `default`, `exists`, …).
    pub attribute: String,
    /// Why this difference is accepted (free text, for the reviewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One accepted finding of the data-carrying replay (`"data"` in an
/// `--accept` baseline): every row or value finding of `table` (at
/// `migration` and `column` when given, both copied from the JSON report's
/// `data.findings`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedData {
    /// The table.
    pub table: String,
    /// The finding's `migration` text; any migration when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migration: Option<String>,
    /// The finding's column; any column (and whole rows) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Why these findings are accepted (free text, for the reviewer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A reviewed baseline of known differences (`--accept FILE`), a JSON
/// document:
///
/// ```json
/// { "accept": [
///   { "kind": "structural", "table": "users", "object": "column name",
///     "attribute": "nullable", "reason": "fixed in the next release" }
/// ],
///   "data": [
///   { "table": "posts", "migration": "(rows seeded after the last migration) 2_posts / 20_posts",
///     "column": "user_id", "reason": "user_id is a BLOB, users.id TEXT" }
/// ] }
/// ```
///
/// `data` (optional) accepts row and value findings of the data-carrying
/// replay; `migration` and `column` narrow an entry and may be left out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// The accepted differences.
    pub accept: Vec<Accepted>,
    /// The accepted row and value findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<AcceptedData>,
}

impl Baseline {
    /// Reads a baseline from its JSON text; `Err` says what is wrong, with
    /// the line and column.
    pub fn parse(text: &str) -> std::result::Result<Baseline, String> {
        serde_json::from_str(text).map_err(|e| {
            format!(
                "{e}; write {{\"accept\": [{{\"kind\": \"structural\", \"table\": …, \"object\": …, \"attribute\": …}}]}} (copy the four keys from the JSON report)"
            )
        })
    }

    /// Marks the entries this baseline accepts; returns the baseline
    /// entries that match nothing (stale: the difference is gone).
    pub fn apply(&self, entries: &mut [Entry]) -> Vec<Accepted> {
        let mut stale = Vec::new();
        for a in &self.accept {
            let mut hit = false;
            for e in entries.iter_mut() {
                if e.kind == a.kind
                    && e.table == a.table
                    && e.object == a.object
                    && e.attribute == a.attribute
                {
                    e.accepted = true;
                    hit = true;
                }
            }
            if !hit {
                stale.push(a.clone());
            }
        }
        stale
    }

    /// Marks the data findings this baseline accepts; returns the `data`
    /// entries that match nothing (stale).
    #[cfg(feature = "live")]
    pub fn apply_data(&self, findings: &mut [crate::proof::DataFinding]) -> Vec<AcceptedData> {
        let mut stale = Vec::new();
        for a in &self.data {
            let mut hit = false;
            for f in findings.iter_mut() {
                if f.table == a.table
                    && a.migration.as_ref().is_none_or(|m| *m == f.migration)
                    && a.column
                        .as_ref()
                        .is_none_or(|c| f.column.as_ref() == Some(c))
                {
                    f.accepted = true;
                    hit = true;
                }
            }
            if !hit {
                stale.push(a.clone());
            }
        }
        stale
    }
}

/// Counts of a classified report.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Entries that fail CI (error severity, not accepted).
    pub failing: usize,
    /// Entries silenced by the baseline.
    pub accepted: usize,
    /// Entries per kind (`structural`, `value_semantics`, `representation_only`).
    pub by_kind: std::collections::BTreeMap<DiffKind, usize>,
    /// Entries per table.
    pub by_table: std::collections::BTreeMap<String, usize>,
    /// Baseline entries that no longer occur.
    pub stale: usize,
}

impl Summary {
    /// Counts `entries`.
    pub fn of(entries: &[Entry], stale: usize) -> Summary {
        let mut s = Summary {
            stale,
            ..Summary::default()
        };
        for e in entries {
            *s.by_kind.entry(e.kind).or_default() += 1;
            if !e.table.is_empty() {
                *s.by_table.entry(e.table.clone()).or_default() += 1;
            }
            s.failing += usize::from(e.fails());
            s.accepted += usize::from(e.accepted);
        }
        s
    }
}

/// The readable form of classified entries: counts by kind and by table,
/// then the entries by kind, failing ones first; entries that say the same
/// thing about several objects are folded into one line.
pub fn render_entries(entries: &[Entry], stale: &[Accepted]) -> String {
    let summary = Summary::of(entries, stale.len());
    let mut out = String::new();
    let kinds = [
        DiffKind::Structural,
        DiffKind::ValueSemantics,
        DiffKind::RepresentationOnly,
    ];
    let counts: Vec<String> = kinds
        .iter()
        .map(|k| {
            format!(
                "{} {}",
                summary.by_kind.get(k).copied().unwrap_or(0),
                k.label()
            )
        })
        .collect();
    out.push_str(&format!(
        "summary: {} failing; {}; {} accepted\n",
        summary.failing,
        counts.join(", "),
        summary.accepted
    ));
    if !summary.by_table.is_empty() {
        let t: Vec<String> = summary
            .by_table
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        out.push_str(&format!("by table: {}\n", t.join(", ")));
    }
    let show = |v: &serde_json::Value| match v {
        serde_json::Value::Null => "(absent)".to_string(),
        other => other.to_string(),
    };
    for kind in kinds {
        for accepted in [false, true] {
            let group: Vec<&Entry> = entries
                .iter()
                .filter(|e| e.kind == kind && e.accepted == accepted)
                .collect();
            if group.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "\n{}{} ({}):\n",
                kind.label(),
                if accepted { ", accepted" } else { "" },
                group.len()
            ));
            // Fold: the same attribute, values and explanation on several objects.
            let mut folded: Vec<(String, Vec<String>)> = Vec::new();
            for e in group {
                let (what, name) = match e.object.split_once(' ') {
                    Some((k, o)) if e.object.starts_with("column ") => {
                        (k.to_string(), o.to_string())
                    }
                    _ => (e.object.clone(), String::new()),
                };
                let line = format!(
                    "{what} {}: left {} | right {}{}",
                    e.attribute,
                    show(&e.left),
                    show(&e.right),
                    e.explanation
                        .as_deref()
                        .map(|w| format!(" ({w})"))
                        .unwrap_or_default()
                );
                let at = if e.table.is_empty() {
                    "schema".to_string()
                } else if name.is_empty() {
                    e.table.clone()
                } else {
                    format!("{}.{name}", e.table)
                };
                match folded.iter_mut().find(|(l, _)| *l == line) {
                    Some((_, at_list)) => at_list.push(at),
                    None => folded.push((line, vec![at])),
                }
            }
            for (line, at) in folded {
                if at.len() == 1 {
                    out.push_str(&format!("  {}: {line}\n", at[0]));
                } else {
                    out.push_str(&format!("  {line} ×{}: {}\n", at.len(), at.join(", ")));
                }
            }
        }
    }
    for a in stale {
        out.push_str(&format!(
            "warning: accepted difference no longer occurs (remove it from the baseline): {} {} {} {}\n",
            a.kind.label(),
            a.table,
            a.object,
            a.attribute
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn load(src: &str) -> Schema {
        normalize(&crate::parse_str("t.rs", src).expect("valid"), None)
    }

    #[test]
    fn an_extension_on_one_side_is_a_structural_difference_of_its_own_kind() {
        let table = "table! { t (id) { id -> BigInt, } }\n";
        let both = load(&format!(
            "#![postgres_extensions(citext, pg_trgm)]\n{table}"
        ));
        let one = load(&format!("#![postgres_extensions(pg_trgm)]\n{table}"));
        assert!(compare(&both, &both).is_empty());
        let d = compare(&both, &one);
        assert_eq!(
            d,
            vec![Difference {
                table: String::new(),
                kind: ObjectKind::Extension,
                object: Some("citext".into()),
                attribute: "exists".into(),
                left: Some("yes".into()),
                right: None,
            }]
        );
        assert_eq!(compare(&one, &both)[0].right.as_deref(), Some("yes"));
        let entries = classify(&Schema::default(), &Schema::default(), &d);
        assert_eq!(entries[0].kind, DiffKind::Structural);
        assert_eq!(entries[0].object, "extension citext");
        assert!(entries[0].fails());
        let text = render_entries(&entries, &[]);
        assert!(
            text.contains("schema: extension citext exists: left \"yes\" | right (absent)"),
            "{text}"
        );
        assert!(!text.contains("by table"), "{text}");
        assert!(Report::new("a", &both, "b", &one)
            .render()
            .contains("\nschema\n  extension citext: exists"));
    }

    #[test]
    fn deferrability_of_a_primary_key_is_a_structural_difference() {
        let with = |attr: &str| {
            load(&format!(
                "table! {{ #[backend(postgres)] {attr} k (id) {{ id -> BigInt, }} }}\n"
            ))
        };
        let (plain, deferred) = (
            with(""),
            with("#[primary_key(deferrable = initially_deferred)]"),
        );
        assert!(compare(&deferred, &deferred).is_empty());
        assert_eq!(
            compare(&deferred, &plain),
            vec![Difference {
                table: "k".into(),
                kind: ObjectKind::PrimaryKey,
                object: None,
                attribute: "deferrable".into(),
                left: Some("DEFERRABLE INITIALLY DEFERRED".into()),
                right: Some("NOT DEFERRABLE".into()),
            }]
        );
    }

    #[test]
    fn deferrability_of_a_key_is_a_structural_difference_with_table_and_key() {
        let with = |opt: &str| {
            load(&format!(
                "table! {{ p (id) {{ id -> BigInt, }} }}\n\
                 table! {{ #[backend(postgres)] #[unique(n{opt})] k (id) {{ id -> BigInt, n -> Integer, \
                 #[references(p.id{opt})] p_id -> BigInt, }} }}\n"
            ))
        };
        let (plain, deferred) = (with(""), with(", deferrable = initially_deferred"));
        assert!(compare(&deferred, &deferred).is_empty());
        let d = compare(&deferred, &plain);
        let want = |kind, object: &str| Difference {
            table: "k".into(),
            kind,
            object: Some(object.into()),
            attribute: "deferrable".into(),
            left: Some("DEFERRABLE INITIALLY DEFERRED".into()),
            right: Some("NOT DEFERRABLE".into()),
        };
        assert_eq!(
            d,
            vec![
                want(ObjectKind::ForeignKey, "(p_id)"),
                want(ObjectKind::Unique, "(n)")
            ]
        );
        let entries = classify(&deferred, &plain, &d);
        assert!(
            entries.iter().all(|e| e.kind == DiffKind::Structural),
            "{entries:?}"
        );
    }

    #[test]
    fn same_schema_has_no_differences() {
        let src = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/valid/everything.rs"
        ))
        .expect("fixture");
        let s = load(&src);
        assert!(compare(&s, &s).is_empty());
    }

    type Want<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>);

    #[test]
    fn table_driven_differences() {
        let base =
            "table! { #[index(b)] t (id) { id -> BigInt, a -> Text, b -> Nullable<Integer>, } }";
        let cases: &[(&str, &str, &[Want])] = &[
            ("same", base, &[]),
            (
                "nullability",
                "table! { #[index(b)] t (id) { id -> BigInt, a -> Text, b -> Integer, } }",
                &[("b", "nullable", Some("true"), Some("false"))],
            ),
            (
                "type and default",
                "table! { #[index(b)] t (id) { id -> BigInt, a -> Text<10>, #[default(3)] b -> Nullable<Integer>, } }",
                &[
                    ("a", "type", Some("Text"), Some("Text<10>")),
                    ("b", "default", None, Some("3")),
                ],
            ),
            (
                "index order",
                "table! { #[index(b desc)] t (id) { id -> BigInt, a -> Text, b -> Nullable<Integer>, } }",
                &[("t_b_idx", "columns", Some("b"), Some("b DESC"))],
            ),
            (
                "column order",
                "table! { #[index(b)] t (id) { id -> BigInt, b -> Nullable<Integer>, a -> Text, } }",
                &[("", "column order", Some("id, a, b"), Some("id, b, a"))],
            ),
            (
                "extra table",
                "table! { #[index(b)] t (id) { id -> BigInt, a -> Text, b -> Nullable<Integer>, } } table! { u (id) { id -> BigInt, } }",
                &[("", "exists", None, Some("yes"))],
            ),
        ];
        let left = load(base);
        for (name, right, want) in cases {
            let diffs = compare(&left, &load(right));
            let got: Vec<(String, String, Option<String>, Option<String>)> = diffs
                .iter()
                .map(|d| {
                    (
                        d.object.clone().unwrap_or_default(),
                        d.attribute.clone(),
                        d.left.clone(),
                        d.right.clone(),
                    )
                })
                .collect();
            let want: Vec<(String, String, Option<String>, Option<String>)> = want
                .iter()
                .map(|(o, a, l, r)| {
                    (
                        o.to_string(),
                        a.to_string(),
                        l.map(String::from),
                        r.map(String::from),
                    )
                })
                .collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn kinds_of_differences() {
        let pg = load(
            "table! { t (id) { #[auto_increment] id -> BigInt, u -> Uuid, b -> Bool, #[default(true)] f -> Bool, #[default(true)] g -> Bool, n -> Text, } }",
        );
        let mut lite = load(
            "table! { t (id) { #[auto_increment] id -> Integer, u -> Binary, b -> Integer, #[default(1)] f -> Integer, g -> Bool, n -> Integer, } }",
        );
        // What the SQLite introspector reads from `BOOLEAN DEFAULT 't'`
        // (the schema language itself rejects it).
        if let Some(c) = lite.tables[0].columns.iter_mut().find(|c| c.name == "g") {
            c.default = Some(DefaultValue::Text("t".into()));
        }
        let entries = classify(&pg, &lite, &compare(&pg, &lite));
        let got: Vec<(&str, &str, DiffKind)> = entries
            .iter()
            .map(|e| (e.object.as_str(), e.attribute.as_str(), e.kind))
            .collect();
        use DiffKind::*;
        assert_eq!(
            got,
            [
                ("column id", "type", RepresentationOnly),
                ("column u", "type", RepresentationOnly),
                ("column b", "type", RepresentationOnly),
                ("column f", "type", RepresentationOnly),
                ("column f", "default", RepresentationOnly),
                ("column g", "default", ValueSemantics),
                ("column n", "type", Structural),
            ]
        );
        let g = &entries[5];
        assert_eq!(g.left, serde_json::json!(true));
        assert_eq!(g.right, serde_json::json!("t"));
        assert!(g.explanation.as_deref().is_some_and(
            |w| w.starts_with("default reads as true on postgres and false on sqlite")
        ));
    }

    #[test]
    #[cfg(feature = "live")]
    fn a_baseline_accepts_data_findings_and_finds_stale_ones() {
        let finding = |table: &str, column: Option<&str>| crate::proof::DataFinding {
            migration: "1_a / 10_a".into(),
            backend: "both".into(),
            kind: crate::proof::DataKind::BackendsDiffer,
            table: table.into(),
            rows_before: None,
            rows_after: None,
            rows: vec!["id=1".into()],
            column: column.map(str::to_string),
            before: None,
            after: None,
            accepted: false,
        };
        let mut findings = vec![finding("posts", Some("user_id")), finding("users", None)];
        let baseline = Baseline::parse(
            r#"{"accept": [], "data": [
                {"table": "posts", "column": "user_id", "migration": "1_a / 10_a"},
                {"table": "users", "migration": "2_b / 20_b"},
                {"table": "gone"}
            ]}"#,
        )
        .expect("baseline");
        let stale = baseline.apply_data(&mut findings);
        let accepted: Vec<bool> = findings.iter().map(|f| f.accepted).collect();
        assert_eq!(accepted, [true, false]);
        let stale: Vec<&str> = stale.iter().map(|a| a.table.as_str()).collect();
        assert_eq!(stale, ["users", "gone"]);
        assert!(Baseline::parse(r#"{"accept": [], "data": [{"tabel": "x"}]}"#).is_err());
    }

    #[test]
    fn a_baseline_accepts_by_key_and_finds_stale_entries() {
        let pg = load("table! { t (id) { id -> BigInt, a -> Text, b -> Text, } }");
        let lite = load("table! { t (id) { id -> BigInt, a -> Integer, b -> Integer, } }");
        let mut entries = classify(&pg, &lite, &compare(&pg, &lite));
        let baseline = Baseline::parse(
            r#"{"accept": [
                {"kind": "structural", "table": "t", "object": "column a", "attribute": "type", "reason": "known"},
                {"kind": "structural", "table": "t", "object": "column z", "attribute": "type"}
            ]}"#,
        )
        .expect("baseline");
        let stale = baseline.apply(&mut entries);
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].object, "column z");
        let summary = Summary::of(&entries, stale.len());
        assert_eq!(
            (summary.failing, summary.accepted, summary.stale),
            (1, 1, 1)
        );
        let text = render_entries(&entries, &stale);
        assert!(text.starts_with("summary: 1 failing; 2 structural, 0 value semantics, 0 representation only; 1 accepted\nby table: t 2\n"), "{text}");
        assert!(
            text.contains("structural, accepted (1):\n  t.a: column type"),
            "{text}"
        );
        assert!(
            text.contains("warning: accepted difference no longer occurs"),
            "{text}"
        );
        assert!(Baseline::parse(r#"{"accept": [{"kind": "bad"}]}"#).is_err());
        assert!(Baseline::parse(r#"{"accept": [], "extra": 1}"#).is_err());
    }

    #[test]
    fn repetitions_are_folded() {
        let pg = load("table! { t (id) { id -> BigInt, a -> Uuid, b -> Uuid, } }");
        let lite = load("table! { t (id) { id -> BigInt, a -> Binary, b -> Binary, } }");
        let entries = classify(&pg, &lite, &compare(&pg, &lite));
        let text = render_entries(&entries, &[]);
        assert!(
            text.contains("column type: left \"Uuid\" | right \"Binary\" (UUID stored as a 16-byte BLOB on SQLite) ×2: t.a, t.b"),
            "{text}"
        );
    }

    #[test]
    fn report_names_both_sides_and_serializes() {
        let l = load("table! { t (id) { id -> BigInt, } }");
        let r = load("table! { t (id) { id -> Integer, } }");
        let report = Report::new("schema file", &l, "postgres", &r);
        let text = report.render();
        assert!(
            text.starts_with("left:  schema file\nright: postgres\n1 difference\n\ntable t\n"),
            "{text}"
        );
        assert!(
            text.contains("column id: type: left BigInt | right Integer"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).expect("json");
        assert_eq!(json["differences"][0]["kind"], "column");
        assert_eq!(json["differences"][0]["right"], "Integer");
    }
}
