//! Errors and schema diagnostics.
//!
//! Every problem in a schema file becomes a [`Diagnostic`] with a code, a
//! span, a label for the caret and a help line that says what to write
//! instead. A [`SchemaError`] carries all diagnostics of one file together
//! with its text, and renders them like the Rust compiler does (file, line,
//! column, the source line and a caret under the offending token).

use std::fmt;
use std::path::PathBuf;

#[cfg(feature = "fancy")]
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

use crate::model::Span;

/// The crate's error type.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The schema file (or another input) could not be read.
    #[error("cannot read {}: {source}{}", path.display(), read_hint(source))]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The schema file is not UTF-8 text.
    #[error("{}:{line}:{column}: the file is not valid UTF-8: byte 0x{byte:02x} at byte offset {offset} (line {line}, column {column}) does not start or continue a UTF-8 character; save the file as UTF-8, or remove that byte", path.display())]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// Byte offset of the first invalid byte.
        offset: usize,
        /// Its 1-based line.
        line: usize,
        /// Its 1-based column, in characters of the valid text before it.
        column: usize,
        /// The byte.
        byte: u8,
    },
    /// A generated file could not be written.
    #[error("cannot write {}: {source}; check that the directory exists and is writable", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The schema file has errors.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// The builder was used without a required setting.
    #[error("{}", bound_message(.0))]
    Config(String),
    /// A builder setting for the generated Rust (`types_path`, an attribute
    /// hook) is not valid Rust or matches nothing in the schema.
    #[error(
        "builder setting `{setting}({})`: {}",
        shorten(value),
        bound_message(message)
    )]
    Setting {
        /// The builder method, e.g. `model_attribute`.
        setting: &'static str,
        /// What was passed to it.
        value: String,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// The migrations folder is out of step with the schema, or damaged.
    #[error(transparent)]
    Migrations(#[from] crate::history::HistoryError),
    /// A database could not be reached or a query on it failed.
    #[error(
        "{backend} database {target}: {action} failed: {}",
        bound_message(message)
    )]
    Database {
        /// `postgres` or `sqlite`.
        backend: crate::model::Backend,
        /// The URL (password removed) or file.
        target: String,
        /// What was being done (for example `connect`, `read pg_catalog columns`).
        action: String,
        /// What the database said, and what to do about it.
        message: String,
    },
    /// A migration script failed while it was replayed.
    #[error("migration {} failed on {backend}: {}; fix the script (or the pairing) and run the command again", path.display(), bound_message(message))]
    Migration {
        /// The `up.sql` that failed.
        path: PathBuf,
        /// The backend it ran on.
        backend: crate::model::Backend,
        /// What the database said.
        message: String,
    },
    /// Live databases disagree with the schema file or with each other
    /// (`check`, `check-parity`), or a Diesel schema disagrees with itself
    /// or its database (`import`). The report was already printed.
    #[error("{}", bound_message(summary))]
    Parity {
        /// One line: what disagreed.
        summary: String,
    },
    /// A Diesel `schema.rs` could not be imported.
    #[error("{path}:{line}:{column}: {}", bound_message(message))]
    Import {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// Generated Rust code did not parse back (a bug in this crate: please
    /// report it with the schema that triggers it).
    #[error("internal error: generated {what} is not valid Rust ({message}); please report this with your schema file")]
    GeneratedCode {
        /// Which generated file.
        what: String,
        /// The parser's message.
        message: String,
    },
}

/// Quoted user text longer than this (in bytes) is shortened in messages.
pub const QUOTE_MAX: usize = 160;
/// Characters kept on each side of the ellipsis in shortened text.
const QUOTE_KEEP: usize = 48;

/// `text` as it may appear in a message: unchanged when at most
/// [`QUOTE_MAX`] bytes, otherwise its first and last characters around an
/// ellipsis (`aaaa…aaaa`). The caller appends the full length, as
/// [`bound_message`] does.
pub fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= QUOTE_MAX {
        return std::borrow::Cow::Borrowed(text);
    }
    let head: String = text.chars().take(QUOTE_KEEP).collect();
    let n = text.chars().count();
    let tail: String = text.chars().skip(n.saturating_sub(QUOTE_KEEP)).collect();
    std::borrow::Cow::Owned(format!("{head}…{tail}"))
}

/// A message with every long piece of user text bounded: each `` `...` ``
/// or `"..."` quotation, and each run of text without spaces, longer than
/// [`QUOTE_MAX`] bytes becomes a window with an ellipsis followed by its
/// full length, as in `` `aaaa…aaaa` (100000 bytes) ``. Short messages come
/// back unchanged, so a 100 KB identifier never makes a 100 KB message.
/// Applied to every diagnostic and to the crate's error messages.
pub fn bound_message(message: &str) -> std::borrow::Cow<'_, str> {
    if message.len() <= QUOTE_MAX {
        return std::borrow::Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(QUOTE_MAX * 2);
    let mut rest = message;
    let mut changed = false;
    while let Some(c) = rest.chars().next() {
        if c == '`' || c == '"' {
            if let Some(close) = rest[1..].find(c) {
                let inner = &rest[1..1 + close];
                if inner.len() > QUOTE_MAX {
                    out.push(c);
                    out.push_str(&shorten(inner));
                    out.push(c);
                    out.push_str(&format!(" ({} bytes)", inner.len()));
                    changed = true;
                } else {
                    out.push_str(&rest[..close + 2]);
                }
                rest = &rest[close + 2..];
                continue;
            }
        }
        if c.is_whitespace() {
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        }
        // A run without spaces, up to the next space or quotation mark.
        let end = rest
            .char_indices()
            .skip(1)
            .find(|&(_, ch)| ch.is_whitespace() || ch == '`' || ch == '"')
            .map_or(rest.len(), |(i, _)| i);
        let word = &rest[..end];
        if word.len() > QUOTE_MAX {
            out.push_str(&shorten(word));
            out.push_str(&format!(" ({} bytes)", word.len()));
            changed = true;
        } else {
            out.push_str(word);
        }
        rest = &rest[end..];
    }
    if changed {
        std::borrow::Cow::Owned(out)
    } else {
        std::borrow::Cow::Borrowed(message)
    }
}

/// What to do about a read error: the path hint only where the path can be
/// the problem.
fn read_hint(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "; check the path (relative paths are resolved against the crate's manifest directory in build scripts)",
        std::io::ErrorKind::PermissionDenied => "; check the file's permissions",
        std::io::ErrorKind::InvalidData => "; save the file as UTF-8",
        _ => "",
    }
}

/// What kind of problem a diagnostic reports. Stable, so tools can match on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DiagCode {
    /// The file is not valid Rust-token syntax, or a construct is misspelled.
    Syntax,
    /// A top-level item other than `table!` or `raw_sql!`.
    UnknownItem,
    /// A column type that is not one of the neutral types.
    UnknownType,
    /// An attribute this language does not have.
    UnknownAttribute,
    /// An attribute that exists but does not apply where it stands.
    MisplacedAttribute,
    /// An attribute given twice where only one makes sense.
    DuplicateAttribute,
    /// A malformed attribute argument.
    BadAttribute,
    /// Two tables with the same name.
    DuplicateTable,
    /// Two columns with the same name in one table.
    DuplicateColumn,
    /// Two indexes or constraints with the same name or the same columns.
    DuplicateIndex,
    /// A table without columns.
    EmptyTable,
    /// A primary key problem.
    PrimaryKey,
    /// A column that a key, index or check names does not exist.
    MissingColumn,
    /// A foreign key problem.
    ForeignKey,
    /// A default that does not fit the column.
    BadDefault,
    /// A check constraint problem.
    BadCheck,
    /// An identifier that is not a plain lowercase SQL name, or too long.
    BadIdentifier,
    /// A reserved word used as a name.
    ReservedWord,
    /// A `renamed_from` hint that collides with another name.
    RenameCollision,
    /// An `auto_increment` column that cannot be one.
    AutoIncrement,
    /// A problem with a `raw_sql!` block.
    RawSql,
    /// A problem with a declared enum (`#[db_enum] enum Name { ... }`).
    BadEnum,
    /// A problem with a declared custom type (`#[custom_type(...)] struct Name;`).
    BadCustomType,
}

impl DiagCode {
    /// The code's stable name, as shown in `error[...]`.
    pub fn name(self) -> &'static str {
        match self {
            DiagCode::Syntax => "syntax",
            DiagCode::UnknownItem => "unknown_item",
            DiagCode::UnknownType => "unknown_type",
            DiagCode::UnknownAttribute => "unknown_attribute",
            DiagCode::MisplacedAttribute => "misplaced_attribute",
            DiagCode::DuplicateAttribute => "duplicate_attribute",
            DiagCode::BadAttribute => "bad_attribute",
            DiagCode::DuplicateTable => "duplicate_table",
            DiagCode::DuplicateColumn => "duplicate_column",
            DiagCode::DuplicateIndex => "duplicate_index",
            DiagCode::EmptyTable => "empty_table",
            DiagCode::PrimaryKey => "primary_key",
            DiagCode::MissingColumn => "missing_column",
            DiagCode::ForeignKey => "foreign_key",
            DiagCode::BadDefault => "bad_default",
            DiagCode::BadCheck => "bad_check",
            DiagCode::BadIdentifier => "bad_identifier",
            DiagCode::ReservedWord => "reserved_word",
            DiagCode::RenameCollision => "rename_collision",
            DiagCode::AutoIncrement => "auto_increment",
            DiagCode::RawSql => "raw_sql",
            DiagCode::BadEnum => "bad_enum",
            DiagCode::BadCustomType => "bad_custom_type",
        }
    }
}

/// One problem at one place in a schema file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem.
    pub code: DiagCode,
    /// The message (one line, no trailing period).
    pub message: String,
    /// The offending token(s).
    pub span: SpanRange,
    /// The text under the caret.
    pub label: String,
    /// What to write instead.
    pub help: Option<String>,
}

/// A byte range that, unlike [`Span`], takes part in equality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SpanRange {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl From<Span> for SpanRange {
    fn from(s: Span) -> Self {
        SpanRange {
            start: s.start,
            end: s.end,
        }
    }
}

impl Diagnostic {
    /// A diagnostic with no help line.
    pub fn new(
        code: DiagCode,
        span: impl Into<SpanRange>,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            message: bounded(message.into()),
            span: span.into(),
            label: bounded(label.into()),
            help: None,
        }
    }

    /// Adds the help line.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(bounded(help.into()));
        self
    }
}

/// [`bound_message`] for an owned message, without copying a short one.
pub(crate) fn bounded(message: String) -> String {
    match bound_message(&message) {
        std::borrow::Cow::Borrowed(_) => message,
        std::borrow::Cow::Owned(short) => short,
    }
}

/// All diagnostics of one schema file, with the file's name and text.
#[derive(Clone, Debug)]
pub struct SchemaError {
    /// The file as named to the user.
    pub path: String,
    /// The file's text.
    pub source: String,
    /// The problems, in source order.
    pub diagnostics: Vec<Diagnostic>,
}

impl SchemaError {
    /// Builds the error; diagnostics are sorted by position.
    pub fn new(
        path: impl Into<String>,
        source: impl Into<String>,
        mut diagnostics: Vec<Diagnostic>,
    ) -> Self {
        diagnostics.sort_by_key(|d| (d.span.start, d.span.end));
        diagnostics.dedup();
        SchemaError {
            path: path.into(),
            source: source.into(),
            diagnostics,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col(&self.source, offset)
    }

    /// Renders every diagnostic the way rustc does, without colour:
    /// `error[code]: message`, the file with line and column, the source
    /// line with a caret under the token, and the help line.
    ///
    /// With the `fancy` feature (part of `cli`) the source excerpt is drawn
    /// by miette's graphical printer; without it (a build script's lean
    /// build) by [`SchemaError::render_plain`].
    pub fn render(&self) -> String {
        #[cfg(feature = "fancy")]
        {
            self.render_fancy()
        }
        #[cfg(not(feature = "fancy"))]
        {
            self.render_plain()
        }
    }

    /// Renders every diagnostic as plain rustc-style text, with no
    /// dependency beyond the standard library:
    ///
    /// ```text
    /// error[unknown_type]: schema/app.rs:3:15: unknown column type `Strng`
    ///   --> schema/app.rs:3:15
    ///    |
    ///  3 |         id -> Strng,
    ///    |               ^^^^^ not a neutral type
    ///    = help: did you mean `Text`?
    /// ```
    pub fn render_plain(&self) -> String {
        let mut out = String::new();
        for (i, diag) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let (line, col) = self.line_col(diag.span.start);
            // A very long line is shown as a window around the column.
            if let Some(window) = self.render_long_line(diag) {
                out.push_str(&format!(
                    "error[{}]: {}:{line}:{col}: {}\n",
                    diag.code.name(),
                    self.path,
                    diag.message
                ));
                out.push_str(&window);
                continue;
            }
            let text = self
                .source
                .lines()
                .nth(line.saturating_sub(1))
                .unwrap_or("");
            let gutter = " ".repeat(line.to_string().len());
            // The caret covers the span on its first line, at least one column.
            let end = diag.span.end.min(self.source.len()).max(diag.span.start);
            let (end_line, end_col) = self.line_col(end);
            let width = if end_line == line {
                end_col.saturating_sub(col).max(1)
            } else {
                text.chars().count().saturating_sub(col - 1).max(1)
            };
            out.push_str(&format!(
                "error[{}]: {}:{line}:{col}: {}\n{gutter}--> {}:{line}:{col}\n{gutter} |\n{line} | {text}\n{gutter} | {}{} {}\n",
                diag.code.name(),
                self.path,
                diag.message,
                self.path,
                " ".repeat(col - 1),
                "^".repeat(width),
                diag.label,
            ));
            if let Some(help) = &diag.help {
                out.push_str(&format!("{gutter} = help: {help}\n"));
            }
        }
        out
    }

    #[cfg(feature = "fancy")]
    fn render_fancy(&self) -> String {
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(100)
            .with_links(false);
        let named = NamedSource::new(&self.path, self.source.clone());
        let mut out = String::new();
        for (i, diag) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let (line, col) = self.line_col(diag.span.start);
            out.push_str(&format!(
                "error[{}]: {}:{}:{}: {}\n",
                diag.code.name(),
                self.path,
                line,
                col,
                diag.message
            ));
            // miette cannot lay out very long lines (it panics past 65,535
            // columns); show a window of such a line plainly instead.
            if let Some(plain) = self.render_long_line(diag) {
                out.push_str(&plain);
                continue;
            }
            let report = Rendered {
                diag,
                source: &named,
            };
            // Rendering into a String cannot fail.
            let _ = handler.render_report(&mut out, &report);
        }
        out
    }
}

/// Lines longer than this (in bytes) around a diagnostic are shown as a
/// window around the column, without miette.
const LONG_LINE: usize = 400;
/// Characters shown on each side of the column in such a window.
const WINDOW: usize = 60;

impl SchemaError {
    /// The diagnostic in miette's layout, drawn by hand, when a line it
    /// would show (the line before, the span's lines, the line after) is
    /// longer than [`LONG_LINE`]: only a window of the span's first line
    /// around the column is shown. `None` when all lines are short.
    fn render_long_line(&self, diag: &Diagnostic) -> Option<String> {
        let src = self.source.as_str();
        let start = floor_char_boundary(src, diag.span.start.min(src.len()));
        let end = floor_char_boundary(src, diag.span.end.clamp(start, src.len()));
        let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = src[start..].find('\n').map_or(src.len(), |i| start + i);
        // From the line before the span to the line after it.
        let from = src[..line_start.saturating_sub(1)]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let after_end = src[end..].find('\n').map_or(src.len(), |i| end + i);
        let to = src
            .get(after_end + 1..)
            .and_then(|rest| rest.find('\n'))
            .map_or(src.len(), |i| after_end + 1 + i);
        if !src[from..to].split('\n').any(|l| l.len() > LONG_LINE) {
            return None;
        }
        let (line, col) = line_col(src, start);
        let text = &src[line_start..line_end];
        let chars: Vec<char> = text.chars().collect();
        let at = col - 1;
        let first = at.saturating_sub(WINDOW);
        let last = (at + WINDOW).min(chars.len());
        let mut shown: String = chars[first..last]
            .iter()
            .map(|&c| if c.is_control() { ' ' } else { c })
            .collect();
        let mut caret_at = at - first;
        if first > 0 {
            shown.insert(0, '…');
            caret_at += 1;
        }
        if last < chars.len() {
            shown.push('…');
        }
        let width = src[start..end.min(line_end)]
            .chars()
            .count()
            .clamp(1, (last - at).max(1));
        let gutter = line.to_string().len();
        let note = if first > 0 || last < chars.len() {
            format!(
                " (line {line} is {} characters long; columns {}..{} shown)",
                chars.len(),
                first + 1,
                last
            )
        } else {
            String::new()
        };
        let pad = " ".repeat(caret_at);
        let mut out = format!(
            "  × {}\n{:w$}╭─[{}:{line}:{col}]\n {line} │ {shown}\n",
            diag.message,
            "",
            self.path,
            w = gutter + 2
        );
        out.push_str(&format!(" {:gutter$} · {pad}{}\n", "", "─".repeat(width)));
        out.push_str(&format!(
            " {:gutter$} · {pad}╰── {}{note}\n",
            "", diag.label
        ));
        out.push_str(&format!("{:w$}╰────\n", "", w = gutter + 2));
        if let Some(help) = &diag.help {
            out.push_str(&format!("  help: {help}\n"));
        }
        Some(out)
    }
}

impl fmt::Display for SchemaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        write!(
            f,
            "{} has {} error{}",
            self.path,
            n,
            if n == 1 { "" } else { "s" }
        )?;
        for diag in &self.diagnostics {
            let (line, col) = self.line_col(diag.span.start);
            write!(f, "\n  {}:{}:{}: {}", self.path, line, col, diag.message)?;
            if let Some(help) = &diag.help {
                write!(f, " (help: {help})")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for SchemaError {}

/// 1-based line and column (in characters) of a byte offset in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = source[line_start..offset].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(feature = "fancy")]
struct Rendered<'a> {
    diag: &'a Diagnostic,
    source: &'a NamedSource<String>,
}

#[cfg(feature = "fancy")]
impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.diag, f)
    }
}

#[cfg(feature = "fancy")]
impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

#[cfg(feature = "fancy")]
impl std::error::Error for Rendered<'_> {}

#[cfg(feature = "fancy")]
impl miette::Diagnostic for Rendered<'_> {
    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diag
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let len = self.source.inner().len();
        let start = self.diag.span.start.min(len);
        let end = self.diag.span.end.clamp(start, len);
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some(self.diag.label.clone()),
            start,
            (end - start).max(usize::from(start < len)),
        ))))
    }
}

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_errors_hint_at_the_path_only_when_it_is_missing() {
        let read = |kind| {
            Error::Read {
                path: PathBuf::from("schema.rs"),
                source: std::io::Error::from(kind),
            }
            .to_string()
        };
        assert!(read(std::io::ErrorKind::NotFound).contains("check the path"));
        let denied = read(std::io::ErrorKind::PermissionDenied);
        assert!(!denied.contains("relative paths"), "{denied}");
        assert!(denied.contains("permissions"), "{denied}");
    }

    #[test]
    fn line_col_counts_characters() {
        let src = "ab\ncä d\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 3), (2, 1));
        // 'd' is after a two-byte 'ä'.
        assert_eq!(line_col(src, 7), (2, 4));
        assert_eq!(line_col(src, 999), (3, 1));
    }

    #[test]
    fn plain_rendering_points_at_the_token() {
        let src = "table! {\n    t (id) {\n        id -> Strng,\n    }\n}\n";
        let start = src.find("Strng").unwrap_or_default();
        let err = SchemaError::new(
            "schema/app.rs",
            src,
            vec![Diagnostic::new(
                DiagCode::UnknownType,
                SpanRange {
                    start,
                    end: start + 5,
                },
                "unknown column type `Strng`",
                "not a neutral type",
            )
            .help("did you mean `Text`?")],
        );
        assert_eq!(
            err.render_plain(),
            "error[unknown_type]: schema/app.rs:3:15: unknown column type `Strng`\n \
             --> schema/app.rs:3:15\n  |\n3 |         id -> Strng,\n  |               ^^^^^ not a neutral type\n  \
             = help: did you mean `Text`?\n"
        );
    }
}
