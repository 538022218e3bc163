//! The data-carrying replay: migrations applied step by step on a
//! PostgreSQL and a SQLite database that hold rows in every table.
//!
//! Before each migration the tables are seeded (module `seed`) and read
//! back (module `rows`); after it, both databases are introspected and
//! every table is read again. A table is seeded when it is new, when its
//! structure on either backend differs from the one its rows were last
//! seeded into, or when it holds fewer than a round of rows on either
//! backend (a migration deleted them), together with the tables it
//! references; every other table keeps the rows it has, and its rows read
//! after the previous migration stand for its rows before this one (nothing
//! touched the database in between). So the work per step follows what the
//! migrations change, not the number of tables times the number of steps,
//! while every table is still read after every migration: a hand-written
//! `UPDATE` or `DELETE` of any table is still seen. Intent is derived from the structure before and after: a
//! table that is gone was dropped, a column that is gone was dropped (or
//! renamed, when a new column of the same type holds its values), a column
//! whose type changed was converted, a new column was filled by its default.
//! Everything else must still be there, and the backends must agree:
//!
//! - rows of a table that still exists and are gone on one backend are a
//!   finding ([`RowsLost`](crate::proof::DataKind::RowsLost)), with the counts and the missing keys;
//! - a value that one backend changed and the other did not (or changed
//!   differently) is a finding ([`ValueChanged`](crate::proof::DataKind::ValueChanged)); a value both
//!   backends changed the same way is a hand-written data fix and passes;
//! - rows or values that differ between the backends after a migration and
//!   did not differ before it are a finding ([`BackendsDiffer`](crate::proof::DataKind::BackendsDiffer));
//!   rows a migration inserted itself (seed data, whose keys and instants
//!   each backend may make its own way) are compared by count.
//!
//! A value both backends change the same way passes only in a hand-written
//! migration (marked in `integrity.txt`, or any migration of a hand-kept
//! pair): it is the data fix the migration was written for. Cells a
//! database filled itself with a `now` or random default are not compared
//! across backends. Rows are followed by their primary key; a table without
//! one is judged by its row count.

use std::collections::{BTreeSet, HashMap, HashSet};

use diesel::RunQueryDsl;
use serde::Serialize;

use crate::check::Migration;
use crate::error::{Error, Result};
use crate::introspect::sqlite::TableCache;
use crate::introspect::{Database, Introspection, JsonRow};
use crate::model::{Backend, DefaultValue, Schema, Table};
use crate::rows::{self, Change, Divergence, Snapshot};
pub use crate::seed::SeedNote;
use crate::seed::{self, SeedState};

/// One step of the replay: the migration of each side with the same name.
#[derive(Clone, Debug)]
pub struct Step {
    /// The migration's name (its folder without the version).
    pub name: String,
    /// The PostgreSQL migration, if that side has one.
    pub postgres: Option<Migration>,
    /// The SQLite migration, if that side has one.
    pub sqlite: Option<Migration>,
    /// Written by hand (or kept by hand): a value both backends change the
    /// same way is a data fix it meant. A generated migration changes no
    /// value of a column whose type it keeps, so there every change counts.
    pub hand_written: bool,
}

impl Step {
    /// The folder(s) that name this step in reports.
    pub fn label(&self) -> String {
        match (&self.postgres, &self.sqlite) {
            (Some(p), Some(s)) if p.folder == s.folder => p.folder.clone(),
            (Some(p), Some(s)) => format!("{} / {}", p.folder, s.folder),
            (Some(p), None) => p.folder.clone(),
            (None, Some(s)) => s.folder.clone(),
            (None, None) => self.name.clone(),
        }
    }
}

/// Pairs the two sides by name, in PostgreSQL order; a migration of one
/// side only becomes a step of its own where it stands. Every step counts
/// as hand-written until the caller says otherwise.
pub fn pair_steps(postgres: &[Migration], sqlite: &[Migration]) -> Vec<Step> {
    let mut steps = Vec::new();
    let mut used = vec![false; sqlite.len()];
    let mut next_lite = 0;
    for p in postgres {
        let partner = sqlite.iter().position(|s| s.name == p.name);
        if let Some(j) = partner {
            // SQLite-only migrations that stand before the partner go first.
            while next_lite < j {
                if !used[next_lite] && !postgres.iter().any(|q| q.name == sqlite[next_lite].name) {
                    used[next_lite] = true;
                    steps.push(Step {
                        name: sqlite[next_lite].name.clone(),
                        postgres: None,
                        sqlite: Some(sqlite[next_lite].clone()),
                        hand_written: true,
                    });
                }
                next_lite += 1;
            }
            used[j] = true;
        }
        steps.push(Step {
            name: p.name.clone(),
            postgres: Some(p.clone()),
            sqlite: partner.map(|j| sqlite[j].clone()),
            hand_written: true,
        });
    }
    for (j, s) in sqlite.iter().enumerate() {
        if !used[j] {
            steps.push(Step {
                name: s.name.clone(),
                postgres: None,
                sqlite: Some(s.clone()),
                hand_written: true,
            });
        }
    }
    steps
}

/// What a data finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DataKind {
    /// Rows of a table that still exists are gone.
    RowsLost,
    /// A value changed on one backend and not (or not the same way) on the
    /// other; for a generated migration, any value changed.
    ValueChanged,
    /// The backends hold different rows or values.
    BackendsDiffer,
    /// A stored value that one backend's representation does not read as
    /// the column's neutral type (text that is no UUID in a UUID-as-TEXT
    /// column, `'yes'` in a 0/1 boolean): the backends give the value a
    /// different meaning (value semantics), not a lost row.
    NotRepresentable,
}

/// One finding of the data-carrying replay.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct DataFinding {
    /// The migration folder (or folders, for a hand-kept pair).
    pub migration: String,
    /// `postgres`, `sqlite`, or `both` for a difference between them.
    pub backend: String,
    /// What happened.
    pub kind: DataKind,
    /// The table.
    pub table: String,
    /// Rows before the migration (for lost rows).
    pub rows_before: Option<usize>,
    /// Rows after it.
    pub rows_after: Option<usize>,
    /// The keys of the rows concerned (the first few for lost rows).
    pub rows: Vec<String>,
    /// The column, for a value.
    pub column: Option<String>,
    /// The value before (or on PostgreSQL, for a difference between backends).
    pub before: Option<String>,
    /// The value after (or on SQLite).
    pub after: Option<String>,
    /// True when an `--accept` baseline lists this finding (it then does
    /// not fail).
    #[serde(default)]
    pub accepted: bool,
}

impl DataFinding {
    /// One readable line.
    pub fn message(&self) -> String {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(absent)".into());
        match self.kind {
            DataKind::RowsLost => format!(
                "migration {} lost {} row(s) of table {} on {}: {} before, {} after{}",
                self.migration,
                self.rows_before
                    .unwrap_or(0)
                    .saturating_sub(self.rows_after.unwrap_or(0))
                    .max(self.rows.len()),
                self.table,
                self.backend,
                self.rows_before.unwrap_or(0),
                self.rows_after.unwrap_or(0),
                if self.rows.is_empty() {
                    String::new()
                } else {
                    format!("; missing: {}", self.rows.join("; "))
                }
            ),
            DataKind::ValueChanged => format!(
                "migration {} changed {}.{} of row {} on {}: {} -> {}",
                self.migration,
                self.table,
                self.column.as_deref().unwrap_or("?"),
                self.rows.join("; "),
                self.backend,
                show(&self.before),
                show(&self.after)
            ),
            DataKind::BackendsDiffer => format!(
                "{}{}: the backends differ in table {}{} at row {}: postgres {} | sqlite {}",
                if self.migration.starts_with('(') {
                    ""
                } else {
                    "after migration "
                },
                self.migration,
                self.table,
                self.column
                    .as_deref()
                    .map(|c| format!(" column {c}"))
                    .unwrap_or_default(),
                self.rows.join("; "),
                show(&self.before),
                show(&self.after)
            ),
            DataKind::NotRepresentable => format!(
                "{}: table {} column {} at row {}: postgres {} | sqlite {}: the value does not read as the column's neutral type on one backend (value semantics)",
                self.migration,
                self.table,
                self.column.as_deref().unwrap_or("?"),
                self.rows.join("; "),
                show(&self.before),
                show(&self.after)
            ),
        }
    }
}

/// Rows seeded over a replay, per backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RowsSeeded {
    /// On PostgreSQL.
    pub postgres: usize,
    /// On SQLite.
    pub sqlite: usize,
}

/// What the data-carrying replay found.
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct DataReport {
    /// Migrations replayed.
    pub steps: usize,
    /// Rows seeded over the whole replay, per backend.
    pub rows_seeded: RowsSeeded,
    /// Rows lost, values changed, backends differing.
    pub findings: Vec<DataFinding>,
    /// Tables that could not be (fully) seeded, and why.
    pub not_seeded: Vec<SeedNote>,
}

impl DataReport {
    /// True when no row or value was lost, changed or diverged (findings
    /// an `--accept` baseline lists do not count).
    pub fn is_clean(&self) -> bool {
        self.findings.iter().all(|f| f.accepted)
    }

    /// Findings that fail (not accepted).
    pub fn failing(&self) -> usize {
        self.findings.iter().filter(|f| !f.accepted).count()
    }

    /// The readable report.
    pub fn render(&self) -> String {
        let mut out = format!(
            "\ndata: {} migration(s) replayed over seeded rows ({} rows on postgres, {} on sqlite): ",
            self.steps, self.rows_seeded.postgres, self.rows_seeded.sqlite
        );
        if self.findings.is_empty() {
            out.push_str("every row and value kept\n");
        } else {
            out.push_str(&format!("{} finding(s)\n", self.findings.len()));
            for f in &self.findings {
                let mark = if f.accepted { " (accepted)" } else { "" };
                out.push_str(&format!("  {}{mark}\n", f.message()));
            }
        }
        for n in &self.not_seeded {
            out.push_str(&format!(
                "  not seeded: table {} on {} before {}: {} of {} row(s) refused: {}\n",
                n.table, n.backend, n.migration, n.refused, n.offered, n.reason
            ));
        }
        out
    }
}

/// The most rows or values reported per table and migration.
const SAMPLE: usize = 5;

/// What `pragma_table_list` says about one SQLite table, with its columns
/// for virtual tables.
#[derive(serde::Deserialize)]
struct ListedTable {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    strict: i64,
    columns: Option<String>,
}

/// SQLite tables by kind (`table`, `virtual`; shadow tables of virtual
/// tables are left out), whether each is `STRICT`, and the columns of the
/// virtual ones (comma-separated, as `pragma_table_info` lists them).
fn sqlite_tables(db: &mut Database) -> Result<Vec<ListedTable>> {
    let Database::Sqlite { conn, target, .. } = db else {
        return Ok(Vec::new());
    };
    let fail = |message: String| Error::Database {
        backend: Backend::Sqlite,
        target: target.clone(),
        action: "list tables".into(),
        message,
    };
    let row: JsonRow = diesel::sql_query(
        "SELECT json_group_array(json_object('name', l.name, 'type', l.type, 'strict', l.strict, \
           'columns', CASE WHEN l.type = 'virtual' THEN \
             (SELECT group_concat(i.name, ',') FROM pragma_table_info(l.name) i) END)) AS j \
         FROM pragma_table_list l WHERE l.schema = 'main' AND l.type IN ('table', 'virtual') \
           AND l.name NOT LIKE 'sqlite_%'",
    )
    .get_result(conn.as_mut())
    .map_err(|e| fail(e.to_string()))?;
    serde_json::from_str(row.j.as_deref().unwrap_or("[]")).map_err(|e| fail(e.to_string()))
}

/// A virtual table (FTS5 and the like) as the seeder and reader see it:
/// nullable text columns, no key (rows are compared by content).
fn virtual_table(name: &str, columns: &str) -> crate::model::Table {
    let column = |c: &str| crate::model::Column {
        name: c.to_string(),
        sql_name: None,
        docs: Vec::new(),
        ty: crate::model::ColumnType::Text { max_len: None },
        nullable: true,
        default: None,
        auto_increment: false,
        renamed_from: None,
        span: Default::default(),
        ty_span: Default::default(),
    };
    crate::model::Table {
        columns: columns
            .split(',')
            .filter(|c| !c.is_empty())
            .map(column)
            .collect(),
        ..crate::model::Table::named(name)
    }
}

/// One backend's side of the replay.
struct Side<'a> {
    db: &'a mut Database,
    seed: SeedState,
    now: Introspection,
    seeded: usize,
    /// Each table's seedable structure when rows were last seeded into it.
    shapes: HashMap<String, Table>,
    /// SQLite tables as last introspected, reused while their SQL stays.
    tables: TableCache,
}

impl Side<'_> {
    /// The tables to seed and read: the introspected ones and, on SQLite,
    /// virtual tables (not their shadow tables); with the SQLite tables that
    /// are not `STRICT`.
    ///
    /// On SQLite, `neutral` (the PostgreSQL side's structure) gives each
    /// column the neutral type its SQLite representation stands for (a UUID
    /// kept as TEXT or BLOB, a boolean as INTEGER, a timestamp or JSON as
    /// TEXT, any integer width, a length limit SQLite does not enforce): the
    /// rows are then seeded from the same neutral values on both backends,
    /// written in each one's representation and read back decoded to the
    /// neutral value.
    fn seedable(&mut self, neutral: Option<&Schema>) -> Result<(Schema, BTreeSet<String>)> {
        let mut schema: Schema = self.now.schema.clone();
        let mut legacy = BTreeSet::new();
        if self.db.backend() == Backend::Sqlite {
            if let Some(pg) = neutral {
                self.seed.text_uuids = as_neutral(&mut schema, pg);
            }
            let tables = sqlite_tables(self.db)?;
            schema
                .tables
                .retain(|t| tables.iter().any(|l| l.kind == "table" && l.name == t.name));
            for l in &tables {
                if l.kind == "virtual" {
                    schema
                        .tables
                        .push(virtual_table(&l.name, l.columns.as_deref().unwrap_or("")));
                }
            }
            legacy = tables
                .into_iter()
                .filter(|l| l.strict == 0)
                .map(|l| l.name)
                .collect();
        }
        Ok((schema, legacy))
    }

    /// Seeds the seedable tables named in `only` (all of them when `None`)
    /// and reads them back; the rows of the other tables are taken from
    /// `carried` (read after the previous migration, nothing changed them
    /// since).
    fn seed_and_read(
        &mut self,
        step: &str,
        (mut schema, legacy): (Schema, BTreeSet<String>),
        only: Option<&BTreeSet<String>>,
        carried: &Snapshot,
        notes: &mut Vec<SeedNote>,
    ) -> Result<Snapshot> {
        let mut kept = Snapshot::new();
        if let Some(only) = only {
            schema.tables.retain(|t| {
                if only.contains(&t.name) || t.columns.is_empty() {
                    return true;
                }
                if let Some(rows) = carried.get(&t.name) {
                    kept.insert(t.name.clone(), rows.clone());
                }
                false
            });
        }
        for t in &schema.tables {
            self.shapes.insert(t.name.clone(), t.clone());
        }
        let backend = self.db.backend();
        let got =
            seed::seed(self.db, &schema, &legacy, &mut self.seed, step).map_err(|message| {
                Error::Database {
                    backend,
                    target: self.db.target().to_string(),
                    action: format!("seed rows before migration {step}"),
                    message,
                }
            })?;
        let refused: u64 = got.iter().map(|n| n.refused).sum();
        let offered = schema
            .tables
            .iter()
            .filter(|t| !t.columns.is_empty())
            .count() as u64
            * seed::ROWS_PER_ROUND;
        self.seeded += offered.saturating_sub(refused) as usize;
        notes.extend(got);
        let mut read = rows::read(self.db, &schema)?;
        read.append(&mut kept);
        Ok(read)
    }

    /// Applies this side's migration (if any) and introspects.
    fn migrate(&mut self, m: Option<&Migration>) -> Result<()> {
        if let Some(m) = m {
            crate::check::replay(self.db, std::slice::from_ref(m)).map_err(|e| match e {
                Error::Migration {
                    path,
                    backend,
                    message,
                } => Error::Migration {
                    path,
                    backend,
                    message: format!(
                        "{message} (the database held seeded rows in every table: a migration must work on a database with data)"
                    ),
                },
                other => other,
            })?;
            self.now = self.db.introspect_reusing(&mut self.tables)?;
        }
        Ok(())
    }

    /// Reads every seedable table.
    fn read(&mut self, neutral: Option<&Schema>) -> Result<Snapshot> {
        let (schema, _) = self.seedable(neutral)?;
        rows::read(self.db, &schema)
    }
}

/// Gives each SQLite column of `lite` the neutral type of the same column
/// of `pg` where the SQLite type is a representation of it; returns the
/// columns that keep UUIDs as TEXT.
fn as_neutral(lite: &mut Schema, pg: &Schema) -> BTreeSet<(String, String)> {
    use crate::model::ColumnType as T;
    let mut text_uuids = BTreeSet::new();
    for t in &mut lite.tables {
        let Some(pt) = pg.table(&t.name) else {
            continue;
        };
        for c in &mut t.columns {
            let Some(pc) = pt.column(&c.name) else {
                continue;
            };
            let neutral = match (pc.ty, c.ty) {
                (T::Uuid, T::Text { .. }) => {
                    text_uuids.insert((t.name.clone(), c.name.clone()));
                    T::Uuid
                }
                (T::Uuid, T::Binary)
                | (T::Bool, T::SmallInt | T::Integer | T::BigInt)
                | (T::Timestamp | T::Json, T::Text { .. })
                | (T::NaiveTimestamp | T::Date | T::Time, T::Text { .. })
                | (T::SmallInt | T::Integer | T::BigInt, T::SmallInt | T::Integer | T::BigInt)
                | (T::Text { .. }, T::Text { .. })
                | (T::Float | T::Double, T::Float | T::Double) => pc.ty,
                _ => continue,
            };
            c.ty = neutral;
        }
    }
    text_uuids
}

/// The tables to seed before a step: on either backend new, of another
/// structure than when last seeded, or holding fewer than a round of rows;
/// with every table they reference (directly or not), so their foreign keys
/// point at rows seeded in the same round, as on the first round.
fn to_seed(sides: [(&Schema, &HashMap<String, Table>, &Snapshot); 2]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (schema, shapes, carried) in sides {
        for t in schema.tables.iter().filter(|t| !t.columns.is_empty()) {
            let thin = carried
                .get(&t.name)
                .is_none_or(|r| (r.rows.len() as u64) < seed::ROWS_PER_ROUND);
            if thin || shapes.get(&t.name) != Some(t) {
                out.insert(t.name.clone());
            }
        }
    }
    loop {
        let parents: Vec<String> = sides
            .iter()
            .flat_map(|(schema, _, _)| &schema.tables)
            .filter(|t| out.contains(&t.name))
            .flat_map(|t| &t.foreign_keys)
            .filter(|fk| !out.contains(&fk.ref_table))
            .map(|fk| fk.ref_table.clone())
            .collect();
        if parents.is_empty() {
            return out;
        }
        out.extend(parents);
    }
}

fn changes_to_findings(
    step: &Step,
    migration: &str,
    backend: Backend,
    mine: &[Change],
    theirs: &[Change],
    out: &mut Vec<DataFinding>,
) {
    let mut per_table: std::collections::BTreeMap<&str, usize> = Default::default();
    for c in mine {
        match c {
            Change::RowsLost {
                table,
                before,
                after,
                missing,
            } => out.push(DataFinding {
                accepted: false,
                migration: migration.to_string(),
                backend: backend.name().into(),
                kind: DataKind::RowsLost,
                table: table.clone(),
                rows_before: Some(*before),
                rows_after: Some(*after),
                rows: missing.iter().take(SAMPLE).cloned().collect(),
                column: None,
                before: None,
                after: None,
            }),
            Change::Value {
                table,
                row,
                column,
                before,
                after,
            } => {
                // The same change on both backends is a data fix both sides
                // of a hand-written migration make.
                if step.hand_written && theirs.contains(c) {
                    continue;
                }
                let n = per_table.entry(table.as_str()).or_default();
                *n += 1;
                if *n > SAMPLE {
                    continue;
                }
                out.push(DataFinding {
                    accepted: false,
                    migration: migration.to_string(),
                    backend: backend.name().into(),
                    kind: DataKind::ValueChanged,
                    table: table.clone(),
                    rows_before: None,
                    rows_after: None,
                    rows: vec![row.clone()],
                    column: Some(column.clone()),
                    before: Some(before.to_string()),
                    after: Some(after.to_string()),
                })
            }
        }
    }
}

/// Cells a database filled itself with a value that differs per backend by
/// nature (`now`, a random UUID): `(table, column, row)`.
fn db_made(
    before: &Snapshot,
    after: &Snapshot,
    schema: &Schema,
    into: &mut HashSet<(String, String, String)>,
) {
    for t in &schema.tables {
        let (Some(a), Some(b)) = (after.get(&t.name), before.get(&t.name)) else {
            continue;
        };
        for c in &t.columns {
            if b.column(&c.name).is_some()
                || !matches!(c.default, Some(DefaultValue::Now | DefaultValue::Uuid))
            {
                continue;
            }
            for k in a.by_key(&a.key).keys() {
                into.insert((t.name.clone(), c.name.clone(), k.clone()));
            }
        }
    }
}

/// Replays `steps` on the two databases (empty when given) over seeded rows
/// and returns the final introspections and what the rows went through.
///
/// # Errors
///
/// [`Error::Migration`] for a migration that fails (on a database with
/// rows), [`Error::Database`] for a seeding or reading failure.
pub fn replay_with_rows(
    pg: &mut Database,
    lite: &mut Database,
    steps: &[Step],
) -> Result<(Introspection, Introspection, DataReport)> {
    pg.execute("SET TIME ZONE 'UTC'; SET synchronous_commit = off", false)
        .map_err(|message| Error::Database {
            backend: Backend::Postgres,
            target: pg.target().to_string(),
            action: "prepare the session".into(),
            message,
        })?;
    // Throwaway databases: no need to wait for the disk.
    lite.execute(
        "PRAGMA synchronous = OFF; PRAGMA journal_mode = MEMORY",
        false,
    )
    .map_err(|message| Error::Database {
        backend: Backend::Sqlite,
        target: lite.target().to_string(),
        action: "prepare the connection".into(),
        message,
    })?;
    let pg_now = pg.introspect()?;
    let lite_now = lite.introspect()?;
    let mut p = Side {
        db: pg,
        seed: SeedState::default(),
        now: pg_now,
        seeded: 0,
        shapes: HashMap::new(),
        tables: TableCache::default(),
    };
    let mut l = Side {
        db: lite,
        seed: SeedState::default(),
        now: lite_now,
        seeded: 0,
        shapes: HashMap::new(),
        tables: TableCache::default(),
    };
    let mut report = DataReport {
        steps: steps.len(),
        ..DataReport::default()
    };
    let mut made: HashSet<(String, String, String)> = HashSet::new();
    let mut carried: Vec<Divergence> = Vec::new();
    // Each backend's rows as read after the previous migration.
    let (mut pg_rows, mut lite_rows) = (Snapshot::new(), Snapshot::new());
    for step in steps {
        let label = step.label();
        let neutral_before = p.now.schema.clone();
        let pg_seedable = p.seedable(None)?;
        let lite_seedable = l.seedable(Some(&neutral_before))?;
        let only = to_seed([
            (&pg_seedable.0, &p.shapes, &pg_rows),
            (&lite_seedable.0, &l.shapes, &lite_rows),
        ]);
        // The two backends are independent until compared: run them side by side.
        let (pg_side, lite_side) = std::thread::scope(|scope| {
            let pg_job = scope.spawn(|| -> Result<(Snapshot, Vec<SeedNote>)> {
                let mut notes = Vec::new();
                let before =
                    p.seed_and_read(&label, pg_seedable, Some(&only), &pg_rows, &mut notes)?;
                p.migrate(step.postgres.as_ref())?;
                Ok((before, notes))
            });
            let lite_result = (|| -> Result<(Snapshot, Vec<SeedNote>)> {
                let mut notes = Vec::new();
                let before =
                    l.seed_and_read(&label, lite_seedable, Some(&only), &lite_rows, &mut notes)?;
                l.migrate(step.sqlite.as_ref())?;
                Ok((before, notes))
            })();
            let pg_result = pg_job.join().unwrap_or_else(|_| {
                Err(Error::Config(
                    "the PostgreSQL side of the data-carrying replay stopped unexpectedly; please report this".into(),
                ))
            });
            (pg_result, lite_result)
        });
        let (pg_before, pg_notes) = pg_side?;
        let (lite_before, lite_notes) = lite_side?;
        // Read after both migrated: SQLite decodes by PostgreSQL's new types.
        let pg_after = p.read(None)?;
        let lite_after = l.read(Some(&p.now.schema))?;
        report.not_seeded.extend(pg_notes);
        report.not_seeded.extend(lite_notes);

        let pg_changes = rows::lost_or_changed(&pg_before, &pg_after);
        let lite_changes = rows::lost_or_changed(&lite_before, &lite_after);
        changes_to_findings(
            step,
            &label,
            Backend::Postgres,
            &pg_changes,
            &lite_changes,
            &mut report.findings,
        );
        changes_to_findings(
            step,
            &label,
            Backend::Sqlite,
            &lite_changes,
            &pg_changes,
            &mut report.findings,
        );

        db_made(&pg_before, &pg_after, &p.now.schema, &mut made);
        db_made(&lite_before, &lite_after, &l.now.schema, &mut made);
        let skip = |t: &str, c: &str, k: &str| {
            made.contains(&(t.to_string(), c.to_string(), k.to_string()))
        };
        // Differences right after seeding that the previous migration did
        // not leave: the backends' checks or types treat the same rows
        // differently. Reported once, for the step the rows went into.
        let at_seed = rows::diverging(&pg_before, &lite_before, &skip);
        let after = rows::diverging(&pg_after, &lite_after, &skip);
        let mut per_table: std::collections::BTreeMap<String, usize> = Default::default();
        let seeded_new = at_seed
            .iter()
            .filter(|d| !carried.contains(d))
            .map(|d| (format!("(rows seeded before migration) {label}"), d));
        // What one backend lost or changed is already reported for it.
        let reported = |d: &&Divergence| {
            pg_changes
                .iter()
                .chain(&lite_changes)
                .any(|c| match (c, &d.column) {
                    (Change::RowsLost { table, missing, .. }, None) => {
                        *table == d.table && missing.contains(&d.row)
                    }
                    (
                        Change::Value {
                            table, row, column, ..
                        },
                        Some(col),
                    ) => *table == d.table && *row == d.row && column == col,
                    _ => false,
                })
        };
        // Rows a migration inserted itself (seed data) may carry keys or
        // instants each backend makes its own way: those are compared by
        // count, the rows that were there before by value.
        let existed = |d: &&Divergence| {
            [&pg_before, &lite_before].iter().any(|snap| {
                snap.get(&d.table)
                    .is_some_and(|t| t.by_key(&t.key).contains_key(&d.row))
            })
        };
        let migrated_new = after
            .iter()
            .filter(|d| !at_seed.contains(d))
            .filter(|d| !reported(d))
            .filter(existed)
            .map(|d| (label.clone(), d));
        for (at, d) in seeded_new.chain(migrated_new) {
            let n = per_table.entry(d.table.clone()).or_default();
            *n += 1;
            if *n <= SAMPLE {
                report.findings.push(divergence_finding(&at, d.clone()));
            }
        }
        report.findings.extend(added_rows_differ(
            &label,
            &pg_before,
            &pg_after,
            &lite_before,
            &lite_after,
        ));
        carried = after;
        pg_rows = pg_after;
        lite_rows = lite_after;
    }
    // A last round over the final structure: the same rows must be
    // accepted and read back identically by both backends.
    let last = format!(
        "(rows seeded after the last migration) {}",
        steps
            .last()
            .map_or_else(|| "no migration".to_string(), Step::label)
    );
    let pg_seedable = p.seedable(None)?;
    let pg_final = p.seed_and_read(&last, pg_seedable, None, &pg_rows, &mut report.not_seeded)?;
    let neutral_final = p.now.schema.clone();
    let lite_seedable = l.seedable(Some(&neutral_final))?;
    let lite_final = l.seed_and_read(
        &last,
        lite_seedable,
        None,
        &lite_rows,
        &mut report.not_seeded,
    )?;
    let skip =
        |t: &str, c: &str, k: &str| made.contains(&(t.to_string(), c.to_string(), k.to_string()));
    let mut per_table: std::collections::BTreeMap<String, usize> = Default::default();
    for d in rows::diverging(&pg_final, &lite_final, &skip) {
        if carried.contains(&d) {
            continue;
        }
        let n = per_table.entry(d.table.clone()).or_default();
        *n += 1;
        if *n <= SAMPLE {
            report.findings.push(divergence_finding(&last, d));
        }
    }
    report.rows_seeded = RowsSeeded {
        postgres: p.seeded,
        sqlite: l.seeded,
    };
    Ok((p.now, l.now, report))
}

/// Tables into which the migration inserted a different number of rows on
/// each backend.
fn added_rows_differ(
    migration: &str,
    pg_before: &Snapshot,
    pg_after: &Snapshot,
    lite_before: &Snapshot,
    lite_after: &Snapshot,
) -> Vec<DataFinding> {
    let added = |before: &Snapshot, after: &Snapshot, table: &str| -> usize {
        let Some(a) = after.get(table) else { return 0 };
        let known = before
            .get(table)
            .map(|b| b.by_key(&b.key))
            .unwrap_or_default();
        a.by_key(&a.key)
            .keys()
            .filter(|k| !known.contains_key(*k))
            .count()
    };
    pg_after
        .keys()
        .filter(|t| lite_after.contains_key(*t))
        .filter_map(|t| {
            let (p, l) = (
                added(pg_before, pg_after, t),
                added(lite_before, lite_after, t),
            );
            (p != l).then(|| DataFinding {
                accepted: false,
                migration: migration.to_string(),
                backend: "both".into(),
                kind: DataKind::BackendsDiffer,
                table: t.clone(),
                rows_before: None,
                rows_after: None,
                rows: vec!["(rows the migration inserted)".into()],
                column: None,
                before: Some(format!("{p} row(s)")),
                after: Some(format!("{l} row(s)")),
            })
        })
        .collect()
}

fn divergence_finding(migration: &str, d: Divergence) -> DataFinding {
    let unreadable = |v: &Option<rows::Value>| matches!(v, Some(rows::Value::Other(_)));
    let kind = if d.column.is_some() && (unreadable(&d.left) || unreadable(&d.right)) {
        DataKind::NotRepresentable
    } else {
        DataKind::BackendsDiffer
    };
    DataFinding {
        migration: migration.to_string(),
        backend: "both".into(),
        kind,
        accepted: false,
        table: d.table,
        rows_before: None,
        rows_after: None,
        rows: vec![d.row],
        column: d.column,
        before: d.left.map(|v| v.to_string()),
        after: d.right.map(|v| v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn m(folder: &str) -> Migration {
        let (version, name) = folder.split_once('_').unwrap_or((folder, folder));
        Migration {
            folder: folder.into(),
            version: version.into(),
            name: name.into(),
            up: PathBuf::from(folder),
            run_in_transaction: true,
        }
    }

    #[test]
    fn sqlite_representations_take_the_neutral_type_of_postgres() {
        use crate::model::ColumnType as T;
        let load = |src: &str| crate::parse_str("t.rs", src).expect("valid");
        let pg = load(
            "table! { t (n) { u -> Uuid, b -> Uuid, f -> Bool, at -> Timestamp, n -> BigInt, s -> Text, } }",
        );
        let mut lite = load(
            "table! { t (n) { u -> Text, b -> Binary, f -> Integer, at -> Text, n -> Integer, s -> Binary, } }",
        );
        let as_text = as_neutral(&mut lite, &pg);
        let got: Vec<T> = lite.tables[0].columns.iter().map(|c| c.ty).collect();
        // A BLOB holding text is no representation of TEXT: kept.
        assert_eq!(
            got,
            [
                T::Uuid,
                T::Uuid,
                T::Bool,
                T::Timestamp,
                T::BigInt,
                T::Binary
            ]
        );
        assert_eq!(
            as_text.into_iter().collect::<Vec<_>>(),
            [("t".to_string(), "u".to_string())]
        );
    }

    #[test]
    fn steps_pair_by_name_and_keep_one_sided_migrations_in_place() {
        let pg = [m("1_a"), m("2_b"), m("4_d")];
        let lite = [m("10_a"), m("15_x"), m("20_b"), m("30_y")];
        let got: Vec<(String, bool, bool)> = pair_steps(&pg, &lite)
            .iter()
            .map(|s| (s.name.clone(), s.postgres.is_some(), s.sqlite.is_some()))
            .collect();
        let want = [
            ("a", true, true),
            ("x", false, true),
            ("b", true, true),
            ("d", true, false),
            ("y", false, true),
        ];
        let want: Vec<(String, bool, bool)> = want
            .iter()
            .map(|(n, p, s)| (n.to_string(), *p, *s))
            .collect();
        assert_eq!(got, want);
    }
}
