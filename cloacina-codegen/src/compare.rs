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
        }
    }
}

/// One way the two schemas differ.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The table (SQL name).
    pub table: String,
    /// The kind of object.
    pub kind: ObjectKind,
    /// The object: a column name, a constraint or index name (or its
    /// columns when it has no name), or the check expression; `None` for
    /// the table itself.
    pub object: Option<String>,
    /// What differs: `exists`, `type`, `nullable`, `default`,
    /// `auto_increment`, `column order`, `columns`, `on_delete`, `on_update`,
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
                out.push_str(&format!("\ntable {}\n", d.table));
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

/// Every difference between two normalized schemas, grouped by table
/// (tables in name order; within a table: existence, columns, primary key,
/// foreign keys, uniques, checks, indexes).
pub fn compare_with(left: &Schema, right: &Schema, opts: &CompareOptions) -> Vec<Difference> {
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
        c.attr(
            "type",
            Some(lc.ty.neutral_name()),
            Some(rc.ty.neutral_name()),
        )
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
                u.name(names, &lu.name, &ru.name);
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
        "({}) -> {} on delete {} on update {}",
        list(&fk.columns),
        fk_target(fk),
        fk.on_delete.sql(),
        fk.on_update.sql()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn load(src: &str) -> Schema {
        normalize(&crate::parse_str("t.rs", src).expect("valid"), None)
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
