//! The one expression language of check constraints, partial-index
//! predicates and expression defaults, for both backends.
//!
//! Text (a schema file's `sql = "..."` / `where = "..."`, or what a database
//! stored) is parsed with [`sqlparser`] (the dialect of where it came from),
//! converted into a small closed tree ([`Expr`]) checked against the table's
//! columns and types, and rendered in each backend's spelling
//! ([`render`]). Two texts mean the same when their trees are equal, so a
//! PostgreSQL `(status = ANY (ARRAY['a'::text, 'b'::text]))` and a SQLite
//! `status IN ('a', 'b')` read back as the same [`Expr`].
//!
//! What is in the language, and how each backend spells it:
//!
//! | construct | PostgreSQL | SQLite |
//! |---|---|---|
//! | `true` / `false` | `TRUE` / `FALSE` | `1` / `0` |
//! | `x IN ('a', 'b')` | same (stored as `= ANY (ARRAY[…])`) | same |
//! | `length(x)` | `char_length(x)` (`octet_length` for Binary) | `length(x)` |
//! | `json_valid(x)` | `(x)::jsonb IS NOT NULL` | `json_valid(x)` |
//! | `x LIKE 'a%'` (case-sensitive) | `x LIKE 'a%'` | `x GLOB 'a*'` |
//! | a Uuid literal | `'…'::uuid` | `X'…'` (16-byte BLOB) |
//! | a Timestamp literal (canonical text) | `'…'::timestamptz` | `'…'` (canonical text) |
//!
//! plus column references, integer/float/text literals typed by the column
//! they meet, comparisons, `AND`/`OR`/`NOT`, `IS [NOT] NULL`, `BETWEEN` (read as two
//! comparisons, as PostgreSQL stores it),
//! arithmetic, and `lower`, `upper`, `trim`, `abs`, `coalesce`, spelled the
//! same on both. Anything else (casts, other functions, subqueries, `now()`,
//! which SQLite refuses in checks and index predicates) has no neutral
//! meaning: a schema file must then give per-backend spellings or scope the
//! table to one backend. Known limit: `lower`/`upper` fold only ASCII on
//! SQLite.
//!
//! An expression default ([`parse_default`]) is an expression of the same
//! language with no column in it whose value has the column's type; a lone
//! literal is a plain default instead.

use std::fmt::Write as _;

use sqlparser::ast::{
    self as sp, BinaryOperator, DataType, FunctionArg, FunctionArgExpr, FunctionArguments,
    UnaryOperator, Value,
};
use sqlparser::dialect::{Dialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::{Parser, ParserError};

use crate::model::{Backend, ColumnType, EnumType, Table};
use crate::names::edit_distance;

/// Where a text comes from: it decides the SQL dialect it is parsed with and
/// which stored conventions are read back (SQLite `1`/`0` for booleans,
/// `X'…'` UUIDs, `GLOB`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// A schema file's neutral expression.
    Neutral,
    /// Text stored by (or written for) one backend.
    Stored(Backend),
}

/// A literal, typed by the column it meets.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    /// `NULL`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text.
    Text(String),
    /// A UUID, lowercase hyphenated.
    Uuid(String),
    /// A timestamp, canonical `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
    Timestamp(String),
    /// A `NaiveTimestamp`, `Date` or `Time` in its canonical text.
    Calendar(ColumnType, String),
    /// A literal met by a `Decimal<_, scale>` column: the value times
    /// `10^scale` (SQLite stores exactly that integer).
    Decimal {
        /// The value in units of `10^-scale`.
        units: i64,
        /// The column's scale.
        scale: u8,
    },
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// An arithmetic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `%`
    Mod,
}

/// A function of the whitelist.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    /// Length in characters of Text.
    Length,
    /// Length in bytes of Binary (`octet_length` / `length`).
    ByteLength,
    /// `lower`
    Lower,
    /// `upper`
    Upper,
    /// `trim` (spaces, both ends)
    Trim,
    /// `abs`
    Abs,
    /// `coalesce`
    Coalesce,
    /// Whether text is valid JSON.
    JsonValid,
}

/// A neutral expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A column, by its SQL name.
    Column(String),
    /// A literal.
    Lit(Lit),
    /// `a op b`
    Cmp(Box<Expr>, CmpOp, Box<Expr>),
    /// `a AND b`
    And(Box<Expr>, Box<Expr>),
    /// `a OR b`
    Or(Box<Expr>, Box<Expr>),
    /// `NOT a`
    Not(Box<Expr>),
    /// `a IS [NOT] NULL`
    IsNull {
        /// The operand.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `a [NOT] IN (…)`
    In {
        /// The operand.
        expr: Box<Expr>,
        /// The values.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `a [NOT] LIKE 'pattern'`, case-sensitive, `%` and `_` wildcards.
    Like {
        /// The operand.
        expr: Box<Expr>,
        /// The pattern in LIKE syntax.
        pattern: String,
        /// `NOT LIKE`.
        negated: bool,
    },
    /// `a op b`
    Arith(Box<Expr>, ArithOp, Box<Expr>),
    /// `-a`
    Neg(Box<Expr>),
    /// A whitelisted function call.
    Func(Func, Vec<Expr>),
}

/// Why a text is not an expression of the language, with where in the text
/// (1-based line and column, counted in characters) when known.
#[derive(Clone, Debug, PartialEq)]
pub struct ExprError {
    /// Line and column inside the expression text.
    pub at: Option<(u64, u64)>,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: String,
    /// Whether the construct is valid SQL that only lacks a neutral meaning
    /// (it may then be scoped to one backend), rather than an unknown column,
    /// a type mismatch or a syntax error.
    pub backend_specific: bool,
}

impl ExprError {
    /// The byte offset in `text` of the error's line and column.
    pub fn offset_in(&self, text: &str) -> Option<usize> {
        let (line, col) = self.at?;
        let mut offset = 0usize;
        for (i, l) in text.split_inclusive('\n').enumerate() {
            if i as u64 + 1 == line {
                let within: usize = l
                    .chars()
                    .take(col.saturating_sub(1) as usize)
                    .map(char::len_utf8)
                    .sum();
                return Some(offset + within);
            }
            offset += l.len();
        }
        None
    }
}

/// The value type of a sub-expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Bool,
    Int,
    Float,
    Text,
    Uuid,
    Timestamp,
    Json,
    Binary,
    /// `NaiveTimestamp`, `Date` or `Time` (compared as canonical text on
    /// SQLite, as the type on PostgreSQL).
    Calendar(ColumnType),
    /// `Decimal<_, S>` with this scale: compared only with literals and
    /// columns of the same scale (SQLite stores it scaled, so arithmetic
    /// has no neutral meaning).
    Decimal(u8),
    /// A declared enum: compared for equality (and `IN`) with its labels
    /// only; PostgreSQL orders by declaration, SQLite by text, and
    /// PostgreSQL has no text functions on it.
    Enum(EnumType),
    /// An untyped literal (`NULL`, or a literal not yet met by a column).
    Free,
}

impl Ty {
    fn of(c: ColumnType) -> Ty {
        match c {
            ColumnType::Uuid => Ty::Uuid,
            ColumnType::Text { .. } => Ty::Text,
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => Ty::Int,
            ColumnType::Bool => Ty::Bool,
            ColumnType::Timestamp => Ty::Timestamp,
            ColumnType::Double | ColumnType::Float => Ty::Float,
            ColumnType::Binary => Ty::Binary,
            ColumnType::Json => Ty::Json,
            ColumnType::NaiveTimestamp | ColumnType::Date | ColumnType::Time => Ty::Calendar(c),
            // Compared as PostgreSQL compares them; only PostgreSQL has them.
            ColumnType::Postgres(_) | ColumnType::Custom(_) => Ty::Free,
            ColumnType::Enum(e) => Ty::Enum(e),
            ColumnType::Decimal { scale, .. } => Ty::Decimal(scale),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Ty::Bool => "Bool",
            Ty::Int => "an integer",
            Ty::Float => "Double",
            Ty::Text => "Text",
            Ty::Uuid => "Uuid",
            Ty::Timestamp => "Timestamp",
            Ty::Json => "Json",
            Ty::Binary => "Binary",
            Ty::Calendar(ColumnType::Date) => "Date",
            Ty::Calendar(ColumnType::Time) => "Time",
            Ty::Calendar(_) => "NaiveTimestamp",
            Ty::Decimal(_) => "Decimal",
            Ty::Enum(_) => "an enum",
            Ty::Free => "a literal",
        }
    }

    fn numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::Float)
    }
}

/// Parses `text` (a boolean expression) from `source` and checks it against
/// `table`'s columns (by SQL name) and types.
///
/// # Errors
///
/// An [`ExprError`] for a syntax error, an unknown column, a type mismatch,
/// or a construct without a neutral meaning.
pub fn parse(text: &str, source: Source, table: &Table) -> Result<Expr, ExprError> {
    let ast = parse_sql(text, source)?;
    let cx = Cx { table, source };
    let (e, ty) = cx.expr(&ast)?;
    if !matches!(ty, Ty::Bool | Ty::Free) {
        return Err(ExprError {
            at: at(&ast),
            message: format!("the expression is {}, not a boolean condition", ty.name()),
            help: "write a condition, such as `n > 0` or `name IS NOT NULL`".into(),
            backend_specific: false,
        });
    }
    Ok(e)
}

/// Parses `text` as the default of `column` (by SQL name) of `table`: an
/// expression of the same language with no column reference (a default
/// cannot read the row), whose value type is the column's (`coalesce`,
/// arithmetic on literals, `lower('A')`, …).
///
/// # Errors
///
/// An [`ExprError`] for a syntax error, a column reference, a value of
/// another type, or a construct without a neutral meaning; with the line
/// and column inside `text`.
pub fn parse_default(
    text: &str,
    source: Source,
    table: &Table,
    column: &str,
) -> Result<Expr, ExprError> {
    let ty = table
        .columns
        .iter()
        .find(|c| c.sql_name() == column)
        .map(|c| c.ty)
        .ok_or_else(|| ExprError {
            at: None,
            message: format!("unknown column `{column}` in table `{}`", table.sql_name()),
            help: "give the default on a column of the table".into(),
            backend_specific: false,
        })?;
    parse_default_for(text, source, column, ty)
}

/// [`parse_default`] for a column named `column` of type `ty` (no table
/// needed: a default cannot refer to one).
///
/// # Errors
///
/// As [`parse_default`]; also a lone literal (a plain `#[default(...)]`
/// says it) and a value of no type of its own for a Uuid, Timestamp,
/// Binary or Json column (its literals would not be typed).
pub fn parse_default_for(
    text: &str,
    source: Source,
    column: &str,
    ty: ColumnType,
) -> Result<Expr, ExprError> {
    let ast = parse_sql(text, source)?;
    let want = Ty::of(ty);
    // No columns in scope: a reference to one is an error naming it.
    let scope = Table::named("");
    let cx = Cx {
        table: &scope,
        source,
    };
    let (e, got) = cx.expr(&ast).map_err(|mut err| {
        if err.message.starts_with("unknown column") {
            err.message = format!(
                "a default cannot refer to a column ({})",
                err.message.trim_end_matches(" in table ``")
            );
            err.help = "write a value computed from literals only, such as `coalesce(NULL, 5)` or `lower('ABC')`".into();
        }
        err
    })?;
    if let Expr::Lit(_) = e {
        return Err(ExprError {
            at: at(&ast),
            message: "a single value is a plain default, not an expression".into(),
            help: "write it without `sql = `, e.g. `#[default(42)]` or `#[default(\"text\")]`"
                .into(),
            backend_specific: false,
        });
    }
    let fits = got == want
        || (got == Ty::Free && !matches!(want, Ty::Uuid | Ty::Timestamp | Ty::Binary | Ty::Json))
        || (got.numeric() && want.numeric() && !(got == Ty::Float && want == Ty::Int));
    if !fits && got == Ty::Free {
        return Err(ExprError {
            at: at(&ast),
            message: format!(
                "the default is made of untyped literals only, but column `{column}` is {}",
                want.name()
            ),
            help: "write the value as a plain default, e.g. `#[default(\"2024-01-01T00:00:00.000000Z\")]`".into(),
            backend_specific: false,
        });
    }
    if !fits {
        return Err(ExprError {
            at: at(&ast),
            message: format!(
                "the default is {}, but column `{column}` is {}",
                got.name(),
                want.name()
            ),
            help: "write a default of the column's type".into(),
            backend_specific: false,
        });
    }
    Ok(e)
}

/// Whether `text`, as either backend stored it, is an expression of the
/// language with no column in it: a constant (the language has no
/// volatile function), whatever its type.
pub fn reads_as_constant(text: &str) -> bool {
    let scope = Table::named("");
    [Backend::Postgres, Backend::Sqlite].into_iter().any(|b| {
        let source = Source::Stored(b);
        parse_sql(text, source).is_ok_and(|ast| {
            Cx {
                table: &scope,
                source,
            }
            .expr(&ast)
            .is_ok()
        })
    })
}

/// Reads a default as one of the backends (or the schema language) stored
/// it; `None` when no reading gives a default of the language.
pub fn read_back_default(text: &str, table: &Table, column: &str) -> Option<Expr> {
    [
        Source::Neutral,
        Source::Stored(Backend::Postgres),
        Source::Stored(Backend::Sqlite),
    ]
    .into_iter()
    .find_map(|s| parse_default(text, s, table, column).ok())
}

/// Checks only that `text` is one SQL expression in `backend`'s dialect
/// (for per-backend spellings, which are not neutral).
///
/// # Errors
///
/// An [`ExprError`] with the syntax error.
pub fn parse_syntax(text: &str, backend: Backend) -> Result<(), ExprError> {
    parse_sql(text, Source::Stored(backend)).map(|_| ())
}

/// Deepest parenthesis nesting an expression may have.
pub const MAX_SQL_NESTING: usize = 16;
/// Most operators (and parentheses) one expression may hold: the tree built
/// from it is at most this deep, so every recursive pass over it (type check,
/// rendering, reading back) stays well inside a build script's stack.
pub const MAX_SQL_OPERATORS: usize = 128;
/// sqlparser's own recursion guard (it counts a few levels per nesting).
const MAX_SQL_RECURSION: usize = 4 * MAX_SQL_NESTING;

/// Refuses, before sqlparser's recursive parser runs, an expression nested
/// deeper than [`MAX_SQL_NESTING`] or holding more than
/// [`MAX_SQL_OPERATORS`] operators. The tokenizer does not recurse.
fn check_size(text: &str, dialect: &dyn Dialect) -> Result<(), ExprError> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let tokens = Tokenizer::new(dialect, text)
        .tokenize_with_location()
        .map_err(|e| ExprError {
            at: Some((e.location.line, e.location.column)),
            message: format!("not a SQL expression: {}", e.message),
            help: "write one boolean SQL expression over the table's columns, such as `n > 0 AND name IS NOT NULL`".into(),
            backend_specific: false,
        })?;
    let (mut depth, mut operators) = (0usize, 0usize);
    // Casts of one list item (`'a'::character varying`, PostgreSQL's stored
    // IN lists) are free up to two; a longer chain counts.
    let mut casts_in_item = 0usize;
    for t in &tokens {
        let at = Some((t.span.start.line, t.span.start.column));
        let counts = match &t.token {
            Token::DoubleColon => {
                casts_in_item += 1;
                casts_in_item > 2
            }
            Token::Comma => {
                casts_in_item = 0;
                false
            }
            Token::LParen => {
                depth += 1;
                if depth > MAX_SQL_NESTING {
                    return Err(ExprError {
                        at,
                        message: format!("expression nested deeper than {MAX_SQL_NESTING} parentheses"),
                        help: "write the condition flatter (a check or predicate this deep is almost certainly a mistake)".into(),
                        backend_specific: false,
                    });
                }
                true
            }
            Token::RParen => {
                depth = depth.saturating_sub(1);
                false
            }
            Token::Word(w) => matches!(
                w.value.to_ascii_uppercase().as_str(),
                "AND" | "OR" | "NOT" | "IS" | "LIKE" | "ILIKE" | "BETWEEN" | "IN" | "CASE"
            ),
            Token::Whitespace(_)
            | Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::NationalStringLiteral(_)
            | Token::HexStringLiteral(_)
            | Token::EOF => false,
            _ => true,
        };
        if counts {
            operators += 1;
            if operators > MAX_SQL_OPERATORS {
                return Err(ExprError {
                    at,
                    message: format!("expression holds more than {MAX_SQL_OPERATORS} operators"),
                    help: "split the condition into several checks (each one is ANDed with the others)".into(),
                    backend_specific: false,
                });
            }
        }
    }
    Ok(())
}

fn parse_sql(text: &str, source: Source) -> Result<sp::Expr, ExprError> {
    let dialect: &dyn Dialect = match source {
        Source::Stored(Backend::Sqlite) => &SQLiteDialect {},
        _ => &PostgreSqlDialect {},
    };
    let syntax = |e: ParserError| {
        let msg = e.to_string();
        let at = msg.rfind(" at Line: ").and_then(|i| {
            let rest = &msg[i + " at Line: ".len()..];
            let (line, col) = rest.split_once(", Column: ")?;
            Some((line.trim().parse().ok()?, col.trim().parse().ok()?))
        });
        let message = match msg.rfind(" at Line: ") {
            Some(i) => msg[..i].to_string(),
            None => msg.clone(),
        };
        ExprError {
            at,
            message: format!("not a SQL expression: {}", message.trim_start_matches("sql parser error: ")),
            help: "write one boolean SQL expression over the table's columns, such as `n > 0 AND name IS NOT NULL`".into(),
            backend_specific: false,
        }
    };
    let rewritten;
    let text = match source {
        Source::Stored(b) => {
            rewritten = rewrite_stored(text, b, dialect).map_err(syntax)?;
            rewritten.as_str()
        }
        Source::Neutral => text,
    };
    check_size(text, dialect)?;
    let mut parser = Parser::new(dialect)
        .with_recursion_limit(MAX_SQL_RECURSION)
        .try_with_sql(text)
        .map_err(syntax)?;
    let e = parser.parse_expr().map_err(syntax)?;
    let next = parser.peek_token();
    if next.token != sqlparser::tokenizer::Token::EOF {
        return Err(ExprError {
            at: Some((next.span.start.line, next.span.start.column)),
            message: format!("unexpected `{}` after the expression", next.token),
            help: "an expression is one condition; join several with AND".into(),
            backend_specific: false,
        });
    }
    Ok(e)
}

/// Stored text in a form sqlparser reads: SQLite's `GLOB` becomes
/// `SIMILAR TO` (which SQLite does not have, so it reads back as a GLOB), and
/// PostgreSQL's `TRIM(BOTH FROM x)` becomes `TRIM(x)`.
fn rewrite_stored(
    text: &str,
    backend: Backend,
    dialect: &dyn Dialect,
) -> Result<String, ParserError> {
    use sqlparser::tokenizer::{Token, Tokenizer, Whitespace};
    let tokens = Tokenizer::new(dialect, text)
        .tokenize()
        .map_err(|e| ParserError::TokenizerError(e.to_string()))?;
    let word = |t: &Token, k: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    let mut out = String::new();
    let mut i = 0;
    while i < tokens.len() {
        let t = &tokens[i];
        if backend == Backend::Sqlite && word(t, "glob") {
            out.push_str("SIMILAR TO");
        } else if backend == Backend::Postgres
            && matches!(t, Token::LParen)
            && i > 0
            && word(&tokens[i - 1], "trim")
        {
            out.push('(');
            // Skip `BOTH FROM` (with the spaces around) right after `TRIM(`.
            let significant: Vec<usize> = (i + 1..tokens.len())
                .filter(|k| !matches!(tokens[*k], Token::Whitespace(_)))
                .take(2)
                .collect();
            if let [both, from] = significant[..] {
                if word(&tokens[both], "both") && word(&tokens[from], "from") {
                    i = from + 1;
                    while matches!(tokens.get(i), Some(Token::Whitespace(Whitespace::Space))) {
                        i += 1;
                    }
                    continue;
                }
            }
        } else {
            match t {
                // sqlparser prints these tokens without doubling the quote
                // inside (`'it's'`), which no longer tokenizes: doubled here,
                // as the database stored them.
                Token::SingleQuotedString(v) => {
                    out.push('\'');
                    out.push_str(&v.replace('\'', "''"));
                    out.push('\'');
                }
                Token::Word(w) if w.quote_style == Some('"') => {
                    out.push('"');
                    out.push_str(&w.value.replace('"', "\"\""));
                    out.push('"');
                }
                _ => out.push_str(&t.to_string()),
            }
        }
        i += 1;
    }
    Ok(out)
}

fn at(e: &sp::Expr) -> Option<(u64, u64)> {
    use sqlparser::ast::Spanned;
    let s = e.span();
    (s.start.line > 0).then_some((s.start.line, s.start.column))
}

fn not_neutral(e: &sp::Expr, what: impl Into<String>) -> ExprError {
    ExprError {
        at: at(e),
        message: format!("{} has no meaning shared by PostgreSQL and SQLite", what.into()),
        help: "use the neutral forms (comparisons, AND/OR/NOT, IS NULL, IN, BETWEEN, LIKE, arithmetic, length, lower, upper, trim, abs, coalesce, json_valid), give `postgres = \"...\"` and `sqlite = \"...\"` spellings, or scope the table with `#[backend(...)]`".into(),
        backend_specific: true,
    }
}

struct Cx<'a> {
    table: &'a Table,
    source: Source,
}

impl Cx<'_> {
    fn expr(&self, e: &sp::Expr) -> Result<(Expr, Ty), ExprError> {
        use sp::Expr as S;
        match e {
            S::Nested(inner) => self.expr(inner),
            S::Identifier(id) => self.column(e, &id.value),
            S::CompoundIdentifier(parts)
                if parts.len() == 2 && parts[0].value == self.table.sql_name() =>
            {
                self.column(e, &parts[1].value)
            }
            S::Value(v) => self.value(e, &v.value),
            S::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => {
                let (x, t) = self.expr(expr)?;
                let x = self.bool_operand(expr, x, t, "NOT")?;
                Ok((Expr::Not(Box::new(x)), Ty::Bool))
            }
            S::UnaryOp {
                op: UnaryOperator::Minus,
                expr,
            } => {
                let (x, t) = self.expr(expr)?;
                match x {
                    Expr::Lit(Lit::Int(i)) => Ok((Expr::Lit(Lit::Int(-i)), t)),
                    Expr::Lit(Lit::Float(f)) => Ok((Expr::Lit(Lit::Float(-f)), t)),
                    x => {
                        self.want_numeric(expr, t, "-")?;
                        Ok((Expr::Neg(Box::new(x)), t))
                    }
                }
            }
            S::UnaryOp {
                op: UnaryOperator::Plus,
                expr,
            } => self.expr(expr),
            // PostgreSQL's JSON validity: `(x)::jsonb IS NOT NULL`.
            S::IsNotNull(x)
                if self.source != Source::Stored(Backend::Sqlite) && json_cast(x).is_some() =>
            {
                let inner = json_cast(x).unwrap_or(x);
                let (y, t) = self.expr(inner)?;
                if !matches!(t, Ty::Text | Ty::Json) {
                    return Err(mismatch(
                        inner,
                        t,
                        Ty::Text,
                        Some("JSON validity applies to Text or Json values".into()),
                    ));
                }
                Ok((Expr::Func(Func::JsonValid, vec![y]), Ty::Bool))
            }
            S::IsNull(x) | S::IsNotNull(x) => {
                let (x, _) = self.expr(x)?;
                Ok((
                    Expr::IsNull {
                        expr: Box::new(x),
                        negated: matches!(e, S::IsNotNull(_)),
                    },
                    Ty::Bool,
                ))
            }
            S::BinaryOp { left, op, right } => self.binary(e, left, op, right),
            S::InList {
                expr,
                list,
                negated,
            } => {
                let (x, t) = self.expr(expr)?;
                let mut items = Vec::new();
                for item in list {
                    items.push(self.operand_of(item, t)?);
                }
                Ok((in_list(x, items, *negated), Ty::Bool))
            }
            // PostgreSQL stores `x IN (…)` as `x = ANY (ARRAY[…])` and
            // `x NOT IN (…)` as `x <> ALL (ARRAY[…])`.
            S::AnyOp {
                left,
                compare_op: BinaryOperator::Eq,
                right,
                ..
            } => self.array_in(e, left, right, false),
            S::AllOp {
                left,
                compare_op: BinaryOperator::NotEq,
                right,
            } => self.array_in(e, left, right, true),
            S::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (x, t) = self.expr(expr)?;
                let low = self.operand_of(low, t)?;
                let high = self.operand_of(high, t)?;
                // PostgreSQL stores `BETWEEN` as two comparisons: so is the tree.
                let cmp = |op, bound| Box::new(Expr::Cmp(Box::new(x.clone()), op, Box::new(bound)));
                let node = if *negated {
                    Expr::Or(cmp(CmpOp::Lt, low), cmp(CmpOp::Gt, high))
                } else {
                    Expr::And(cmp(CmpOp::Ge, low), cmp(CmpOp::Le, high))
                };
                Ok((node, Ty::Bool))
            }
            S::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => {
                let (x, t) = self.expr(expr)?;
                self.want(expr, t, Ty::Text, "LIKE")?;
                let pattern = self.string(pattern, "a LIKE pattern")?;
                if pattern.contains('\\') {
                    return Err(not_neutral(e, "a LIKE pattern with `\\`"));
                }
                Ok((
                    Expr::Like {
                        expr: Box::new(x),
                        pattern,
                        negated: *negated,
                    },
                    Ty::Bool,
                ))
            }
            // SQLite's case-sensitive match: `GLOB` reads back as `LIKE`.
            S::SimilarTo {
                negated,
                expr,
                pattern,
                escape_char: None,
            } if self.source == Source::Stored(Backend::Sqlite) => {
                let (x, t) = self.expr(expr)?;
                self.want(expr, t, Ty::Text, "GLOB")?;
                let glob = self.string(pattern, "a GLOB pattern")?;
                let pattern =
                    glob_to_like(&glob).ok_or_else(|| not_neutral(e, "this GLOB pattern"))?;
                Ok((
                    Expr::Like {
                        expr: Box::new(x),
                        pattern,
                        negated: *negated,
                    },
                    Ty::Bool,
                ))
            }
            S::Function(f) => self.function(e, f),
            S::Trim {
                expr,
                trim_where: None,
                trim_what: None,
                trim_characters: None,
            } => {
                let (x, t) = self.expr(expr)?;
                self.want(expr, t, Ty::Text, "trim")?;
                Ok((Expr::Func(Func::Trim, vec![x]), Ty::Text))
            }
            S::Cast {
                kind: _,
                expr,
                data_type,
                format: None,
            } if self.source != Source::Neutral || matches!(**expr, S::Value(_)) => {
                self.cast(e, expr, data_type)
            }
            S::TypedString(_) | S::Cast { .. } => Err(not_neutral(e, "a cast")),
            _ => self.other(e),
        }
    }

    fn other(&self, e: &sp::Expr) -> Result<(Expr, Ty), ExprError> {
        if let sp::Expr::RLike { .. } = e {
            return Err(not_neutral(e, "REGEXP"));
        }
        Err(not_neutral(e, format!("`{e}`")))
    }

    fn column(&self, e: &sp::Expr, name: &str) -> Result<(Expr, Ty), ExprError> {
        let lower = name.to_ascii_lowercase();
        match self.table.columns.iter().find(|c| c.sql_name() == lower) {
            Some(c) => Ok((Expr::Column(c.sql_name().to_string()), Ty::of(c.ty))),
            None => {
                let names: Vec<&str> = self.table.columns.iter().map(|c| c.sql_name()).collect();
                let near = names
                    .iter()
                    .min_by_key(|n| edit_distance(n, &lower))
                    .filter(|n| edit_distance(n, &lower) <= 3);
                Err(ExprError {
                    at: at(e),
                    message: format!(
                        "unknown column `{name}` in table `{}`",
                        self.table.sql_name()
                    ),
                    help: match near {
                        Some(n) => {
                            format!("did you mean `{n}`? the columns are: {}", names.join(", "))
                        }
                        None => format!("the columns are: {}", names.join(", ")),
                    },
                    backend_specific: false,
                })
            }
        }
    }

    fn value(&self, e: &sp::Expr, v: &Value) -> Result<(Expr, Ty), ExprError> {
        let lit = match v {
            Value::Null => Lit::Null,
            Value::Boolean(b) => Lit::Bool(*b),
            Value::Number(n, _) => match n.parse::<i64>() {
                Ok(i) => Lit::Int(i),
                Err(_) => match n.parse::<f64>() {
                    Ok(f) if f.is_finite() => Lit::Float(f),
                    _ => return Err(not_neutral(e, format!("the number `{n}`"))),
                },
            },
            Value::SingleQuotedString(s) => Lit::Text(s.clone()),
            Value::HexStringLiteral(h)
                if self.source == Source::Stored(Backend::Sqlite) && h.len() == 32 =>
            {
                let h = h.to_ascii_lowercase();
                Lit::Uuid(format!(
                    "{}-{}-{}-{}-{}",
                    &h[0..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..32]
                ))
            }
            _ => return Err(not_neutral(e, format!("the literal `{v}`"))),
        };
        let ty = match lit {
            Lit::Uuid(_) => Ty::Uuid,
            _ => Ty::Free,
        };
        Ok((Expr::Lit(lit), ty))
    }

    /// An operand that meets a value of type `t`: a literal takes that type.
    fn operand_of(&self, e: &sp::Expr, t: Ty) -> Result<Expr, ExprError> {
        let (x, xt) = self.expr(e)?;
        self.meet(e, x, xt, t).map(|(x, _)| x)
    }

    /// Types `x` (of type `xt`) against `t`, turning a free literal into a
    /// literal of `t`.
    fn meet(&self, e: &sp::Expr, x: Expr, xt: Ty, t: Ty) -> Result<(Expr, Ty), ExprError> {
        if let (Ty::Decimal(scale), Expr::Lit(lit)) = (t, &x) {
            if !matches!(lit, Lit::Null) && (xt == Ty::Free || xt.numeric()) {
                return self.decimal_lit(e, lit, scale).map(|l| (Expr::Lit(l), t));
            }
        }
        if xt != Ty::Free {
            if t == Ty::Free || xt == t || (xt.numeric() && t.numeric()) {
                return Ok((x, xt));
            }
            return Err(mismatch(e, xt, t, None));
        }
        let Expr::Lit(lit) = x else {
            return Ok((x, t));
        };
        let lit = match (t, lit) {
            (_, lit @ Lit::Null) | (Ty::Free, lit) => return Ok((Expr::Lit(lit), t)),
            (Ty::Bool, Lit::Bool(b)) => Lit::Bool(b),
            (Ty::Bool, Lit::Int(i)) if (i == 0 || i == 1) && self.source == Source::Stored(Backend::Sqlite) => Lit::Bool(i == 1),
            (Ty::Bool, Lit::Int(i)) => {
                return Err(mismatch(e, Ty::Int, t, Some(format!("write `{}`: a Bool column compares with `true` or `false`, which each backend spells its own way", i != 0))))
            }
            (Ty::Int, Lit::Int(i)) => Lit::Int(i),
            (Ty::Float, Lit::Int(i)) => Lit::Int(i),
            (Ty::Float, Lit::Float(f)) => Lit::Float(f),
            (Ty::Text, Lit::Text(s)) => Lit::Text(s),
            (Ty::Enum(en), Lit::Text(s)) if en.labels().contains(&s) => Lit::Text(s),
            (Ty::Enum(en), Lit::Text(_)) => {
                let labels: Vec<String> = en.labels().iter().map(|l| format!("'{l}'")).collect();
                return Err(mismatch(e, Ty::Text, t, Some(format!("write one of the labels of enum {}: {}", en.sql_name(), labels.join(", ")))))
            }
            (Ty::Uuid, Lit::Text(s)) if crate::validate::is_uuid_text(&s) => Lit::Uuid(s.to_ascii_lowercase()),
            (Ty::Uuid, Lit::Text(_)) => {
                return Err(mismatch(e, Ty::Text, t, Some("write a hyphenated UUID such as '123e4567-e89b-12d3-a456-426614174000'".into())))
            }
            (Ty::Timestamp, Lit::Text(s)) => match canonical_timestamp(&s, self.source) {
                Some(c) => Lit::Timestamp(c),
                None => {
                    return Err(mismatch(e, Ty::Text, t, Some("write the canonical UTC form 'YYYY-MM-DDTHH:MM:SS.ffffffZ', such as '2024-01-01T00:00:00.000000Z' (SQLite compares the stored text)".into())))
                }
            },
            (Ty::Calendar(ty), Lit::Text(s)) => match canonical_calendar(ty, &s, self.source) {
                Some(c) => Lit::Calendar(ty, c),
                None => {
                    let example = match ty {
                        ColumnType::Date => "'2024-01-31'",
                        ColumnType::Time => "'10:00:00' or '10:00:00.500000'",
                        _ => "'2024-01-31 10:00:00' or '2024-01-31 10:00:00.500000'",
                    };
                    return Err(mismatch(e, Ty::Text, t, Some(format!("write the canonical text, such as {example} (SQLite compares the stored text)"))));
                }
            },
            (t, lit) => {
                let lt = match lit {
                    Lit::Bool(_) => Ty::Bool,
                    Lit::Int(_) => Ty::Int,
                    Lit::Float(_) => Ty::Float,
                    Lit::Text(_) => Ty::Text,
                    _ => Ty::Free,
                };
                return Err(mismatch(e, lt, t, None));
            }
        };
        Ok((Expr::Lit(lit), t))
    }

    /// An operand of NOT / AND / OR: a Bool, or SQLite's stored `1`/`0`
    /// read as `true`/`false`; another bare literal (which PostgreSQL would
    /// refuse: `NOT 1`) is a type error.
    fn bool_operand(&self, e: &sp::Expr, x: Expr, t: Ty, what: &str) -> Result<Expr, ExprError> {
        match x {
            Expr::Lit(Lit::Int(i))
                if (i == 0 || i == 1) && self.source == Source::Stored(Backend::Sqlite) =>
            {
                Ok(Expr::Lit(Lit::Bool(i == 1)))
            }
            Expr::Lit(Lit::Int(_) | Lit::Float(_) | Lit::Text(_)) => Err(mismatch(
                e,
                if matches!(x, Expr::Lit(Lit::Text(_))) {
                    Ty::Text
                } else {
                    Ty::Int
                },
                Ty::Bool,
                Some(format!("{what} takes conditions: write `true` or `false`")),
            )),
            x => {
                self.want(e, t, Ty::Bool, what)?;
                Ok(x)
            }
        }
    }

    /// A numeric literal met by a `Decimal<_, scale>` column, from its exact
    /// digits in the source (never through a binary float): refused when it
    /// has more digits after the point than the scale.
    fn decimal_lit(&self, e: &sp::Expr, lit: &Lit, scale: u8) -> Result<Lit, ExprError> {
        let text = match (number_text(e), lit) {
            (Some(t), _) => t,
            (None, Lit::Int(i)) => i.to_string(),
            (None, _) => {
                return Err(mismatch(
                    e,
                    Ty::Text,
                    Ty::Decimal(scale),
                    Some("compare a Decimal column with a number such as 12.50".into()),
                ))
            }
        };
        // SQLite stores the literal it compares with already scaled.
        if self.source == Source::Stored(Backend::Sqlite) {
            if let Ok(units) = text.trim().parse::<i64>() {
                return Ok(Lit::Decimal { units, scale });
            }
        }
        let max = crate::decimal::MAX_PRECISION;
        crate::decimal::parse_units(&text, max, scale)
            .map(|units| Lit::Decimal { units, scale })
            .map_err(|m| ExprError {
                at: at(e),
                message: format!("this literal does not fit a Decimal with scale {scale}: {m}"),
                help: format!(
                    "write a number with at most {scale} digits after the point (it is compared exactly, never rounded)"
                ),
                backend_specific: false,
            })
    }

    fn want(&self, e: &sp::Expr, got: Ty, want: Ty, what: &str) -> Result<(), ExprError> {
        if got == want || got == Ty::Free {
            Ok(())
        } else {
            Err(ExprError {
                at: at(e),
                message: format!("{what} needs {}, but this is {}", want.name(), got.name()),
                help: format!("give {what} {} operand", want.name()),
                backend_specific: false,
            })
        }
    }

    fn want_numeric(&self, e: &sp::Expr, got: Ty, what: &str) -> Result<(), ExprError> {
        if got.numeric() || got == Ty::Free {
            Ok(())
        } else if let Ty::Decimal(scale) = got {
            Err(ExprError {
                at: at(e),
                message: format!(
                    "`{what}` on a Decimal column has no neutral meaning: SQLite stores it as an integer times 10^{scale}"
                ),
                help: "compare the column with a literal or another Decimal of the same scale, or scope the expression to one backend".into(),
                backend_specific: false,
            })
        } else {
            Err(ExprError {
                at: at(e),
                message: format!("`{what}` needs numbers, but this is {}", got.name()),
                help: "use arithmetic on integer or Double columns only".into(),
                backend_specific: false,
            })
        }
    }

    fn binary(
        &self,
        e: &sp::Expr,
        l: &sp::Expr,
        op: &BinaryOperator,
        r: &sp::Expr,
    ) -> Result<(Expr, Ty), ExprError> {
        let cmp = match op {
            BinaryOperator::Eq => Some(CmpOp::Eq),
            BinaryOperator::NotEq => Some(CmpOp::Ne),
            BinaryOperator::Lt => Some(CmpOp::Lt),
            BinaryOperator::LtEq => Some(CmpOp::Le),
            BinaryOperator::Gt => Some(CmpOp::Gt),
            BinaryOperator::GtEq => Some(CmpOp::Ge),
            _ => None,
        };
        // PostgreSQL stores `LIKE` as `~~` and `NOT LIKE` as `!~~`.
        if self.source == Source::Stored(Backend::Postgres)
            && matches!(
                op,
                BinaryOperator::PGLikeMatch | BinaryOperator::PGNotLikeMatch
            )
        {
            let (x, t) = self.expr(l)?;
            self.want(l, t, Ty::Text, "LIKE")?;
            let pattern = self.string(r, "a LIKE pattern")?;
            let negated = *op == BinaryOperator::PGNotLikeMatch;
            return Ok((
                Expr::Like {
                    expr: Box::new(x),
                    pattern,
                    negated,
                },
                Ty::Bool,
            ));
        }
        if let Some(op) = cmp {
            let (a, at_) = self.expr(l)?;
            let (b, bt) = self.expr(r)?;
            let (a, b) = if at_ == Ty::Free {
                let (a, _) = self.meet(l, a, at_, bt)?;
                (a, b)
            } else {
                let (b, _) = self.meet(r, b, bt, at_)?;
                (a, b)
            };
            let t = if at_ == Ty::Free { bt } else { at_ };
            if matches!(t, Ty::Json | Ty::Binary) && op != CmpOp::Eq && op != CmpOp::Ne {
                return Err(not_neutral(e, format!("ordering {} values", t.name())));
            }
            if matches!(t, Ty::Enum(_)) && op != CmpOp::Eq && op != CmpOp::Ne {
                return Err(not_neutral(
                    e,
                    "ordering enum values (PostgreSQL orders them by declaration, SQLite by text: compare with `=`, `<>` or `IN`)",
                ));
            }
            if t == Ty::Json {
                return Err(not_neutral(e, "comparing Json values"));
            }
            return Ok((Expr::Cmp(Box::new(a), op, Box::new(b)), Ty::Bool));
        }
        match op {
            BinaryOperator::And | BinaryOperator::Or => {
                let what = if *op == BinaryOperator::And {
                    "AND"
                } else {
                    "OR"
                };
                let (a, at_) = self.expr(l)?;
                let a = self.bool_operand(l, a, at_, what)?;
                let (b, bt) = self.expr(r)?;
                let b = self.bool_operand(r, b, bt, what)?;
                let node = if *op == BinaryOperator::And {
                    Expr::And(Box::new(a), Box::new(b))
                } else {
                    Expr::Or(Box::new(a), Box::new(b))
                };
                Ok((node, Ty::Bool))
            }
            BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo => {
                let aop = match op {
                    BinaryOperator::Plus => ArithOp::Add,
                    BinaryOperator::Minus => ArithOp::Sub,
                    BinaryOperator::Multiply => ArithOp::Mul,
                    BinaryOperator::Divide => ArithOp::Div,
                    _ => ArithOp::Mod,
                };
                let (a, at_) = self.expr(l)?;
                let (b, bt) = self.expr(r)?;
                self.want_numeric(l, at_, &op.to_string())?;
                self.want_numeric(r, bt, &op.to_string())?;
                let lit_ty = |x: &Expr| match x {
                    Expr::Lit(Lit::Float(_)) => Ty::Float,
                    _ => Ty::Int,
                };
                let ta = if at_ == Ty::Free { lit_ty(&a) } else { at_ };
                let tb = if bt == Ty::Free { lit_ty(&b) } else { bt };
                let t = if ta == Ty::Float || tb == Ty::Float {
                    Ty::Float
                } else {
                    Ty::Int
                };
                Ok((Expr::Arith(Box::new(a), aop, Box::new(b)), t))
            }
            _ => Err(not_neutral(e, format!("the operator `{op}`"))),
        }
    }

    fn array_in(
        &self,
        e: &sp::Expr,
        left: &sp::Expr,
        right: &sp::Expr,
        negated: bool,
    ) -> Result<(Expr, Ty), ExprError> {
        if self.source != Source::Stored(Backend::Postgres) {
            return Err(not_neutral(e, "`= ANY (…)` / `<> ALL (…)`"));
        }
        // `ARRAY[…]`, parenthesised or cast (`(ARRAY['a'::character
        // varying])::text[]`, how PostgreSQL stores an `IN` on a VARCHAR).
        let mut right = right;
        let elems = loop {
            match right {
                sp::Expr::Nested(inner) => right = inner,
                sp::Expr::Cast { expr, .. } => right = expr,
                sp::Expr::Array(a) => break &a.elem,
                _ => return Err(not_neutral(e, "`= ANY` over something other than an array")),
            }
        };
        let (x, t) = self.expr(left)?;
        let mut list = Vec::new();
        for item in elems {
            list.push(self.operand_of(item, t)?);
        }
        Ok((in_list(x, list, negated), Ty::Bool))
    }

    fn string(&self, e: &sp::Expr, what: &str) -> Result<String, ExprError> {
        let mut e2 = e;
        loop {
            match e2 {
                sp::Expr::Nested(inner) => e2 = inner,
                sp::Expr::Cast { expr, .. } if self.source != Source::Neutral => e2 = expr,
                _ => break,
            }
        }
        match e2 {
            sp::Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(s) => Ok(s.clone()),
                _ => Err(not_neutral(
                    e,
                    format!("{what} that is not a string literal"),
                )),
            },
            _ => Err(not_neutral(
                e,
                format!("{what} that is not a string literal"),
            )),
        }
    }

    fn args(&self, e: &sp::Expr, f: &sp::Function) -> Result<Vec<(sp::Expr, Expr, Ty)>, ExprError> {
        let list = match &f.args {
            FunctionArguments::List(l)
                if l.duplicate_treatment.is_none() && l.clauses.is_empty() =>
            {
                &l.args
            }
            FunctionArguments::None => return Ok(Vec::new()),
            _ => return Err(not_neutral(e, format!("the call `{f}`"))),
        };
        let mut out = Vec::new();
        for a in list {
            match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(x)) => {
                    let (y, t) = self.expr(x)?;
                    out.push((x.clone(), y, t));
                }
                _ => return Err(not_neutral(e, format!("the call `{f}`"))),
            }
        }
        Ok(out)
    }

    fn function(&self, e: &sp::Expr, f: &sp::Function) -> Result<(Expr, Ty), ExprError> {
        let name = f.name.to_string().to_ascii_lowercase();
        if f.filter.is_some()
            || f.over.is_some()
            || !matches!(f.parameters, FunctionArguments::None)
        {
            return Err(not_neutral(e, format!("the call `{f}`")));
        }
        let pg = self.source == Source::Stored(Backend::Postgres);
        let func = match name.as_str() {
            "length" => Func::Length,
            "char_length" | "character_length" | "octet_length" if pg => Func::Length,
            "lower" => Func::Lower,
            "upper" => Func::Upper,
            "trim" => Func::Trim,
            "abs" => Func::Abs,
            "coalesce" => Func::Coalesce,
            "json_valid" => Func::JsonValid,
            "now" | "current_timestamp" | "datetime" | "strftime" | "random" => {
                return Err(not_neutral(e, format!("`{name}()` (SQLite refuses non-deterministic functions in checks and index predicates)")))
            }
            "char_length" => {
                return Err(ExprError {
                    at: at(e),
                    message: "`char_length` is PostgreSQL's spelling".into(),
                    help: "write `length(...)`: it becomes `char_length` on PostgreSQL and `length` on SQLite".into(),
                    backend_specific: true,
                })
            }
            _ => return Err(not_neutral(e, format!("the function `{name}`"))),
        };
        let args = self.args(e, f)?;
        let arity_ok = match func {
            Func::Coalesce => args.len() >= 2,
            _ => args.len() == 1,
        };
        if !arity_ok {
            return Err(ExprError {
                at: at(e),
                message: format!(
                    "`{name}` takes {}",
                    if func == Func::Coalesce {
                        "two or more arguments"
                    } else {
                        "one argument"
                    }
                ),
                help: format!("write `{name}(column)`"),
                backend_specific: false,
            });
        }
        let first_t = args.first().map(|a| a.2).unwrap_or(Ty::Free);
        let ty = match func {
            Func::Length | Func::ByteLength => {
                if !matches!(first_t, Ty::Text | Ty::Binary | Ty::Free) {
                    return Err(mismatch(
                        &args[0].0,
                        first_t,
                        Ty::Text,
                        Some("`length` takes a Text or Binary value".into()),
                    ));
                }
                Ty::Int
            }
            Func::Lower | Func::Upper | Func::Trim => {
                self.want(&args[0].0, first_t, Ty::Text, &name)?;
                Ty::Text
            }
            Func::Abs => {
                self.want_numeric(&args[0].0, first_t, "abs")?;
                first_t
            }
            Func::JsonValid => {
                if !matches!(first_t, Ty::Text | Ty::Json | Ty::Free) {
                    return Err(mismatch(
                        &args[0].0,
                        first_t,
                        Ty::Text,
                        Some("`json_valid` takes a Text or Json value".into()),
                    ));
                }
                Ty::Bool
            }
            Func::Coalesce => {
                let t = args
                    .iter()
                    .map(|a| a.2)
                    .find(|t| *t != Ty::Free)
                    .unwrap_or(Ty::Free);
                let mut out = Vec::new();
                for (src, x, xt) in args {
                    out.push(self.meet(&src, x, xt, t)?.0);
                }
                return Ok((Expr::Func(func, out), t));
            }
        };
        let func = if func == Func::Length && first_t == Ty::Binary {
            Func::ByteLength
        } else {
            func
        };
        Ok((
            Expr::Func(func, args.into_iter().map(|a| a.1).collect()),
            ty,
        ))
    }

    /// A cast: in a schema file only on a literal (`'…'::uuid`); in stored
    /// text the casts PostgreSQL adds (`'a'::text`, `(x)::jsonb IS NOT NULL`).
    fn cast(&self, e: &sp::Expr, inner: &sp::Expr, ty: &DataType) -> Result<(Expr, Ty), ExprError> {
        let (x, xt) = self.expr(inner)?;
        let target = match ty {
            DataType::Text | DataType::Varchar(_) | DataType::CharacterVarying(_) => Some(Ty::Text),
            DataType::Uuid => Some(Ty::Uuid),
            DataType::Timestamp(_, sp::TimezoneInfo::WithTimeZone | sp::TimezoneInfo::Tz) => {
                Some(Ty::Timestamp)
            }
            DataType::Timestamp(_, _) => Some(Ty::Calendar(ColumnType::NaiveTimestamp)),
            DataType::Date => Some(Ty::Calendar(ColumnType::Date)),
            DataType::Time(_, _) => Some(Ty::Calendar(ColumnType::Time)),
            DataType::Boolean | DataType::Bool => Some(Ty::Bool),
            DataType::Integer(_)
            | DataType::Int(_)
            | DataType::BigInt(_)
            | DataType::SmallInt(_)
            | DataType::Int4(_)
            | DataType::Int8(_)
            | DataType::Int2(_) => Some(Ty::Int),
            DataType::JSONB | DataType::JSON => Some(Ty::Json),
            // PostgreSQL stores a label compared with an enum column as
            // `'label'::mood`: the cast to the enum type of one of the
            // table's columns is that column's type (and the label is
            // checked against its labels).
            DataType::Custom(name, modifiers)
                if self.source != Source::Neutral && modifiers.is_empty() =>
            {
                let unquoted = name
                    .0
                    .last()
                    .and_then(|p| p.as_ident())
                    .map(|i| i.value.as_str())
                    .unwrap_or_default();
                self.table.columns.iter().find_map(|c| match c.ty {
                    ColumnType::Enum(en) if name.0.len() == 1 && en.sql_name() == unquoted => {
                        Some(Ty::Enum(en))
                    }
                    _ => None,
                })
            }
            DataType::DoublePrecision
            | DataType::Float8
            | DataType::Real
            | DataType::Numeric(_)
            | DataType::Decimal(_) => Some(Ty::Float),
            _ => None,
        };
        // PostgreSQL stores a negative float constant as `('-1.5'::numeric)::double
        // precision`: a text literal cast to a number is that number.
        let x = match (&x, target) {
            (Expr::Lit(Lit::Text(t)), Some(Ty::Int)) if self.source != Source::Neutral => {
                match t.parse::<i64>() {
                    Ok(i) => Expr::Lit(Lit::Int(i)),
                    Err(_) => return Err(not_neutral(e, "a cast")),
                }
            }
            (Expr::Lit(Lit::Text(t)), Some(Ty::Float)) if self.source != Source::Neutral => {
                match t.parse::<f64>() {
                    Ok(f) if f.is_finite() && f.fract() == 0.0 && !t.contains(['.', 'e', 'E']) => {
                        Expr::Lit(Lit::Int(f as i64))
                    }
                    Ok(f) if f.is_finite() => Expr::Lit(Lit::Float(f)),
                    _ => return Err(not_neutral(e, "a cast")),
                }
            }
            _ => x,
        };
        match (target, &x) {
            (Some(Ty::Json), _) if matches!(xt, Ty::Text | Ty::Json) => Ok((x, Ty::Json)),
            (Some(t), Expr::Lit(_)) => self.meet(inner, x, xt, t),
            (Some(t), _) if t == xt => Ok((x, xt)),
            _ => Err(not_neutral(e, "a cast")),
        }
    }
}

/// The exact digits of a numeric literal as written (`-1.50`), under
/// parentheses, a sign and a cast (PostgreSQL stores `'-1.50'::numeric`
/// and `(5)::numeric`).
fn number_text(e: &sp::Expr) -> Option<String> {
    match e {
        sp::Expr::Nested(inner) => number_text(inner),
        sp::Expr::Cast { expr, .. } => number_text(expr),
        sp::Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => {
            let t = number_text(expr)?;
            Some(match t.strip_prefix('-') {
                Some(pos) => pos.to_string(),
                None => format!("-{t}"),
            })
        }
        sp::Expr::UnaryOp {
            op: UnaryOperator::Plus,
            expr,
        } => number_text(expr),
        sp::Expr::Value(v) => match &v.value {
            Value::Number(n, _) => Some(n.clone()),
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// `x [NOT] IN (list)`; with one value `x = v` / `x <> v`, as PostgreSQL
/// stores it.
fn in_list(x: Expr, mut list: Vec<Expr>, negated: bool) -> Expr {
    if list.len() == 1 {
        let v = list.remove(0);
        let op = if negated { CmpOp::Ne } else { CmpOp::Eq };
        return Expr::Cmp(Box::new(x), op, Box::new(v));
    }
    Expr::In {
        expr: Box::new(x),
        list,
        negated,
    }
}

/// The operand of a cast to `json`/`jsonb`, under any parentheses.
fn json_cast(e: &sp::Expr) -> Option<&sp::Expr> {
    match e {
        sp::Expr::Nested(inner) => json_cast(inner),
        sp::Expr::Cast {
            expr,
            data_type: DataType::JSON | DataType::JSONB,
            ..
        } => Some(expr),
        _ => None,
    }
}

fn mismatch(e: &sp::Expr, got: Ty, want: Ty, help: Option<String>) -> ExprError {
    ExprError {
        at: at(e),
        message: format!(
            "type mismatch: {} compared with {}",
            got.name(),
            want.name()
        ),
        help: help.unwrap_or_else(|| format!("compare with {} value", want.name())),
        backend_specific: false,
    }
}

/// The canonical text of a calendar literal; stored PostgreSQL text (which
/// drops trailing fraction zeros) is brought to it.
fn canonical_calendar(ty: ColumnType, s: &str, source: Source) -> Option<String> {
    if crate::validate::is_canonical_calendar_text(ty, s) {
        return Some(s.to_string());
    }
    if source != Source::Stored(Backend::Postgres) {
        return None;
    }
    crate::validate::canonicalize_calendar_text(ty, s)
}

/// The canonical text of a timestamp literal: the canonical form itself, or
/// (read back from PostgreSQL) `YYYY-MM-DD HH:MM:SS[.f]+00`.
fn canonical_timestamp(s: &str, source: Source) -> Option<String> {
    if crate::validate::is_canonical_timestamp(s) {
        return Some(s.to_string());
    }
    if source != Source::Stored(Backend::Postgres) {
        return None;
    }
    let body = s.strip_suffix("+00")?;
    let (date_time, frac) = match body.split_once('.') {
        Some((dt, f)) if f.len() <= 6 && f.chars().all(|c| c.is_ascii_digit()) => (dt, f),
        Some(_) => return None,
        None => (body, ""),
    };
    let c = format!(
        "{}T{}.{:0<6}Z",
        date_time.get(0..10)?,
        date_time.get(11..)?,
        frac
    );
    crate::validate::is_canonical_timestamp(&c).then_some(c)
}

// ----- rendering -------------------------------------------------------------

/// How tightly a node binds (higher binds tighter).
fn prec(e: &Expr) -> u8 {
    match e {
        Expr::Or(..) => 1,
        Expr::And(..) => 2,
        Expr::Not(_) => 3,
        Expr::Cmp(..) | Expr::IsNull { .. } | Expr::In { .. } | Expr::Like { .. } => 4,
        Expr::Arith(_, ArithOp::Add | ArithOp::Sub, _) => 5,
        Expr::Arith(..) => 6,
        Expr::Neg(_) => 7,
        Expr::Func(Func::JsonValid, _) => 4,
        Expr::Column(_) | Expr::Func(..) => 8,
        Expr::Lit(Lit::Int(i)) if *i < 0 => 7,
        Expr::Lit(Lit::Float(f)) if *f < 0.0 => 7,
        Expr::Lit(_) => 8,
    }
}

/// `e` in `backend`'s spelling.
pub fn render(e: &Expr, backend: Backend) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, Some(backend));
    out
}

/// `e` in the schema language's neutral spelling (`true`, `length`,
/// `json_valid`, plain `'…'` UUID and timestamp literals): what `inspect`
/// writes and what two readings are compared by.
pub fn render_neutral(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e, None);
    out
}

/// `e` with spellings of the same meaning folded to one, for comparing two
/// readings: `b = true` and `b <> false` are `b`, `b = false` and
/// `b <> true` are `NOT b`, `NOT NOT b` is `b` (a Bool compared with a
/// Bool literal; NULL stays NULL either way).
pub fn canonical(e: Expr) -> Expr {
    let bx = |x: Expr| Box::new(canonical(x));
    match e {
        Expr::Cmp(l, op @ (CmpOp::Eq | CmpOp::Ne), r) => {
            let (x, b) = match (*l, *r) {
                (x, Expr::Lit(Lit::Bool(b))) | (Expr::Lit(Lit::Bool(b)), x) => (x, b),
                (l, r) => return Expr::Cmp(bx(l), op, bx(r)),
            };
            let x = canonical(x);
            if b == (op == CmpOp::Eq) {
                x
            } else {
                canonical(Expr::Not(Box::new(x)))
            }
        }
        Expr::Not(x) => match canonical(*x) {
            Expr::Not(inner) => *inner,
            x => Expr::Not(Box::new(x)),
        },
        Expr::Cmp(l, op, r) => Expr::Cmp(bx(*l), op, bx(*r)),
        Expr::And(l, r) => Expr::And(bx(*l), bx(*r)),
        Expr::Or(l, r) => Expr::Or(bx(*l), bx(*r)),
        Expr::IsNull { expr, negated } => Expr::IsNull {
            expr: bx(*expr),
            negated,
        },
        Expr::In {
            expr,
            list,
            negated,
        } => Expr::In {
            expr: bx(*expr),
            list: list.into_iter().map(canonical).collect(),
            negated,
        },
        Expr::Like {
            expr,
            pattern,
            negated,
        } => Expr::Like {
            expr: bx(*expr),
            pattern,
            negated,
        },
        Expr::Arith(l, op, r) => Expr::Arith(bx(*l), op, bx(*r)),
        Expr::Neg(x) => Expr::Neg(bx(*x)),
        Expr::Func(f, args) => Expr::Func(f, args.into_iter().map(canonical).collect()),
        e @ (Expr::Column(_) | Expr::Lit(_)) => e,
    }
}

/// Reads text that a backend stored (or a schema file holds) into the tree,
/// whichever of the three spellings it is in: neutral first, then
/// PostgreSQL's, then SQLite's. `None` when it is in none of them.
pub fn read_back(text: &str, table: &Table) -> Option<Expr> {
    read_back_from(text, table, None)
}

/// [`read_back`] of text that `stored_by` stored. SQLite stores a literal
/// compared with a `Decimal` column scaled (`amount > -150` is
/// `amount > -1.50` when the scale is 2), which also parses as neutral
/// text of another meaning: for a table with a decimal column SQLite's
/// reading comes first.
pub fn read_back_from(text: &str, table: &Table, stored_by: Option<Backend>) -> Option<Expr> {
    let decimal = table
        .columns
        .iter()
        .any(|c| matches!(c.ty, ColumnType::Decimal { .. }));
    let order = if decimal && stored_by == Some(Backend::Sqlite) {
        [
            Source::Stored(Backend::Sqlite),
            Source::Neutral,
            Source::Stored(Backend::Postgres),
        ]
    } else {
        [
            Source::Neutral,
            Source::Stored(Backend::Postgres),
            Source::Stored(Backend::Sqlite),
        ]
    };
    order.into_iter().find_map(|s| parse(text, s, table).ok())
}

fn child(out: &mut String, e: &Expr, min: u8, backend: Option<Backend>) {
    if prec(e) < min {
        out.push('(');
        write_expr(out, e, backend);
        out.push(')');
    } else {
        write_expr(out, e, backend);
    }
}

fn write_lit(out: &mut String, l: &Lit, backend: Option<Backend>) {
    let pg = backend == Some(Backend::Postgres);
    let neutral = backend.is_none();
    match l {
        Lit::Null => out.push_str("NULL"),
        Lit::Bool(b) => out.push_str(match (backend, b) {
            (None, true) => "true",
            (None, false) => "false",
            (Some(Backend::Postgres), true) => "TRUE",
            (Some(Backend::Postgres), false) => "FALSE",
            (Some(Backend::Sqlite), true) => "1",
            (Some(Backend::Sqlite), false) => "0",
        }),
        Lit::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Lit::Float(f) => out.push_str(&crate::model::format_float(*f)),
        Lit::Text(s) => out.push_str(&quote(s)),
        Lit::Uuid(u) if pg => {
            let _ = write!(out, "{}::uuid", quote(u));
        }
        Lit::Uuid(u) if neutral => out.push_str(&quote(u)),
        Lit::Uuid(u) => {
            let _ = write!(out, "X'{}'", u.replace('-', "").to_ascii_uppercase());
        }
        Lit::Timestamp(t) if pg => {
            let _ = write!(out, "{}::timestamptz", quote(t));
        }
        Lit::Timestamp(t) => out.push_str(&quote(t)),
        Lit::Calendar(ty, t) if pg => {
            let cast = match ty {
                ColumnType::Date => "date",
                ColumnType::Time => "time",
                _ => "timestamp",
            };
            let _ = write!(out, "{}::{cast}", quote(t));
        }
        Lit::Calendar(_, t) => out.push_str(&quote(t)),
        Lit::Decimal { units, scale } if pg => {
            let _ = write!(
                out,
                "{}::numeric",
                crate::decimal::format_units(*units, *scale)
            );
        }
        Lit::Decimal { units, .. } if !neutral => {
            let _ = write!(out, "{units}");
        }
        Lit::Decimal { units, scale } => {
            out.push_str(&crate::decimal::format_units(*units, *scale))
        }
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A LIKE pattern as a GLOB pattern: `%` → `*`, `_` → `?`, and GLOB's own
/// wildcards made literal with `[…]`.
fn like_to_glob(p: &str) -> String {
    let mut g = String::new();
    for c in p.chars() {
        match c {
            '%' => g.push('*'),
            '_' => g.push('?'),
            '*' | '?' | '[' => {
                g.push('[');
                g.push(c);
                g.push(']');
            }
            c => g.push(c),
        }
    }
    g
}

/// A GLOB pattern back as a LIKE pattern; `None` when LIKE cannot say it.
fn glob_to_like(g: &str) -> Option<String> {
    let mut out = String::new();
    let chars: Vec<char> = g.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '*' => out.push('%'),
            '?' => out.push('_'),
            '[' if chars.get(i + 2) == Some(&']')
                && matches!(chars.get(i + 1), Some('*' | '?' | '[')) =>
            {
                out.push(chars[i + 1]);
                i += 2;
            }
            '%' | '_' | '[' | '\\' => return None,
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

fn write_expr(out: &mut String, e: &Expr, b: Option<Backend>) {
    let pg = b == Some(Backend::Postgres);
    let lite = b == Some(Backend::Sqlite);
    match e {
        Expr::Column(c) => out.push_str(c),
        Expr::Lit(l) => write_lit(out, l, b),
        Expr::Cmp(l, op, r) => {
            child(out, l, 5, b);
            out.push_str(match op {
                CmpOp::Eq => " = ",
                CmpOp::Ne => " <> ",
                CmpOp::Lt => " < ",
                CmpOp::Le => " <= ",
                CmpOp::Gt => " > ",
                CmpOp::Ge => " >= ",
            });
            child(out, r, 5, b);
        }
        Expr::And(l, r) => {
            child(out, l, 2, b);
            out.push_str(" AND ");
            child(out, r, 2, b);
        }
        Expr::Or(l, r) => {
            child(out, l, 1, b);
            out.push_str(" OR ");
            child(out, r, 1, b);
        }
        Expr::Not(x) => {
            out.push_str("NOT ");
            child(out, x, 3, b);
        }
        Expr::IsNull { expr, negated } => {
            child(out, expr, 5, b);
            out.push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
        }
        Expr::In {
            expr,
            list,
            negated,
        } => {
            child(out, expr, 5, b);
            out.push_str(if *negated { " NOT IN (" } else { " IN (" });
            for (i, x) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, x, b);
            }
            out.push(')');
        }
        Expr::Like {
            expr,
            pattern,
            negated,
        } => {
            child(out, expr, 5, b);
            let not = if *negated { " NOT" } else { "" };
            if lite {
                let _ = write!(out, "{not} GLOB {}", quote(&like_to_glob(pattern)));
            } else {
                let _ = write!(out, "{not} LIKE {}", quote(pattern));
            }
        }
        Expr::Arith(l, op, r) => {
            let p = prec(e);
            child(out, l, p, b);
            out.push_str(match op {
                ArithOp::Add => " + ",
                ArithOp::Sub => " - ",
                ArithOp::Mul => " * ",
                ArithOp::Div => " / ",
                ArithOp::Mod => " % ",
            });
            child(out, r, p + 1, b);
        }
        Expr::Neg(x) => {
            out.push('-');
            child(out, x, 8, b);
        }
        Expr::Func(Func::JsonValid, args) if pg => {
            out.push('(');
            if let Some(a) = args.first() {
                write_expr(out, a, b);
            }
            out.push_str(")::jsonb IS NOT NULL");
        }
        Expr::Func(f, args) => {
            out.push_str(match (f, pg) {
                (Func::Length, true) => "char_length",
                (Func::Length, false) => "length",
                (Func::ByteLength, true) => "octet_length",
                (Func::ByteLength, false) => "length",
                (Func::Lower, _) => "lower",
                (Func::Upper, _) => "upper",
                (Func::Trim, _) => "trim",
                (Func::Abs, _) => "abs",
                (Func::Coalesce, _) => "coalesce",
                (Func::JsonValid, _) => "json_valid",
            });
            out.push('(');
            for (i, x) in args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(out, x, b);
            }
            out.push(')');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_column_free_typed_expressions_rendered_and_read_back() {
        let t = table();
        let d = parse_default("coalesce(NULL, 2 + 3)", Source::Neutral, &t, "n").expect("default");
        for b in [Backend::Postgres, Backend::Sqlite] {
            let text = render(&d, b);
            assert_eq!(
                read_back_default(&text, &t, "n"),
                Some(d.clone()),
                "{b:?}: {text}"
            );
        }
        let l = parse_default("lower('ABC')", Source::Neutral, &t, "status").expect("text");
        assert_eq!(render(&l, Backend::Sqlite), render(&l, Backend::Postgres));
        // A column reference is a located error, not a default.
        let e = parse_default("n + 1", Source::Neutral, &t, "n").expect_err("column");
        assert!(
            e.message.starts_with("a default cannot refer to a column"),
            "{e:?}"
        );
        assert_eq!(e.at, Some((1, 1)));
        // A construct without a neutral meaning is located.
        let e = parse_default("1 + random()", Source::Neutral, &t, "n").expect_err("random");
        assert_eq!(e.at.map(|(l, _)| l), Some(1), "{e:?}");
        assert!(e.backend_specific, "{e:?}");
        // The value type must be the column's.
        let e = parse_default("lower('A')", Source::Neutral, &t, "n").expect_err("type");
        assert!(e.message.contains("column `n` is"), "{e:?}");
        // A bare number as a condition would not run on PostgreSQL (`NOT 1`);
        // SQLite's stored `NOT 1` is its spelling of `NOT true`.
        let e = parse_default("NOT 1", Source::Neutral, &t, "enabled").expect_err("NOT 1");
        assert!(e.message.contains("Bool"), "{e:?}");
        assert_eq!(
            parse_default("NOT 1", Source::Stored(Backend::Sqlite), &t, "enabled"),
            parse_default("NOT true", Source::Neutral, &t, "enabled")
        );
    }

    #[test]
    fn decimal_literals_are_scaled_on_sqlite_and_typed_on_postgres() {
        let t = crate::parse::parse(
            "table! { p (id) { id -> BigInt, amount -> Decimal<10, 2>, whole -> Decimal<4, 0>, } }",
        )
        .0
        .tables
        .remove(0);
        let cases = [
            (
                "amount > -1.5",
                "amount > -1.50",
                "amount > -1.50::numeric",
                "amount > -150",
            ),
            (
                "amount BETWEEN 0 AND 12.25",
                "amount >= 0.00 AND amount <= 12.25",
                "amount >= 0.00::numeric AND amount <= 12.25::numeric",
                "amount >= 0 AND amount <= 1225",
            ),
            (
                "whole <> 7",
                "whole <> 7",
                "whole <> 7::numeric",
                "whole <> 7",
            ),
        ];
        for (text, neutral, pg, lite) in cases {
            let e = parse(text, Source::Neutral, &t).expect(text);
            assert_eq!(render_neutral(&e), neutral, "{text}");
            assert_eq!(render(&e, Backend::Postgres), pg, "{text}");
            assert_eq!(render(&e, Backend::Sqlite), lite, "{text}");
            // What each backend stores reads back as the same expression.
            assert_eq!(
                read_back_from(lite, &t, Some(Backend::Sqlite)),
                Some(e.clone()),
                "{lite}"
            );
            assert_eq!(
                read_back_from(pg, &t, Some(Backend::Postgres)),
                Some(e.clone()),
                "{pg}"
            );
            assert_eq!(read_back(neutral, &t), Some(e.clone()), "{neutral}");
        }
        // PostgreSQL's own spellings of a numeric constant.
        let e = parse(
            "amount > '-1.50'::numeric",
            Source::Stored(Backend::Postgres),
            &t,
        )
        .expect("cast text");
        assert_eq!(render(&e, Backend::Sqlite), "amount > -150");
        let e = parse(
            "whole > (5)::numeric",
            Source::Stored(Backend::Postgres),
            &t,
        )
        .expect("cast");
        assert_eq!(render(&e, Backend::Sqlite), "whole > 5");
        // A literal that would round, arithmetic, another type: refused.
        let e = parse("amount = 0.005", Source::Neutral, &t).expect_err("would round");
        assert!(e.message.contains("would be rounded"), "{e:?}");
        let e = parse("amount + 1 > 2", Source::Neutral, &t).expect_err("arithmetic");
        assert!(e.message.contains("no neutral meaning"), "{e:?}");
        assert!(parse("amount = 'x'", Source::Neutral, &t).is_err());
        assert!(parse("amount = whole", Source::Neutral, &t).is_err());
    }

    fn table() -> Table {
        crate::parse::parse(
            r#"
table! {
    t (id) {
        id -> Uuid,
        enabled -> Bool,
        status -> Text,
        code -> Nullable<Text>,
        n -> Integer,
        score -> Double,
        at -> Timestamp,
        done_at -> Nullable<Timestamp>,
        payload -> Nullable<Text>,
        doc -> Json,
        bytes -> Binary,
    }
}
"#,
        )
        .0
        .tables
        .remove(0)
    }

    /// Every construct: the neutral text, then PostgreSQL's and SQLite's
    /// spelling.
    const CASES: &[(&str, &str, &str)] = &[
        ("enabled = true", "enabled = TRUE", "enabled = 1"),
        ("NOT enabled", "NOT enabled", "NOT enabled"),
        (
            "status IN ('a', 'b')",
            "status IN ('a', 'b')",
            "status IN ('a', 'b')",
        ),
        ("n NOT IN (1, 2)", "n NOT IN (1, 2)", "n NOT IN (1, 2)"),
        (
            "length(status) <= 10",
            "char_length(status) <= 10",
            "length(status) <= 10",
        ),
        (
            "length(bytes) = 16",
            "octet_length(bytes) = 16",
            "length(bytes) = 16",
        ),
        (
            "json_valid(payload)",
            "(payload)::jsonb IS NOT NULL",
            "json_valid(payload)",
        ),
        (
            "payload IS NULL OR json_valid(payload)",
            "payload IS NULL OR (payload)::jsonb IS NOT NULL",
            "payload IS NULL OR json_valid(payload)",
        ),
        (
            "coalesce(code, 'x') <> ''",
            "coalesce(code, 'x') <> ''",
            "coalesce(code, 'x') <> ''",
        ),
        (
            "lower(status) = status AND upper(status) <> ''",
            "lower(status) = status AND upper(status) <> ''",
            "lower(status) = status AND upper(status) <> ''",
        ),
        (
            "trim(status) = status",
            "trim(status) = status",
            "trim(status) = status",
        ),
        ("abs(n - 1) < 5", "abs(n - 1) < 5", "abs(n - 1) < 5"),
        (
            "n >= 0 AND n <= 10",
            "n >= 0 AND n <= 10",
            "n >= 0 AND n <= 10",
        ),
        (
            "(n + 1) * 2 > score",
            "(n + 1) * 2 > score",
            "(n + 1) * 2 > score",
        ),
        (
            "status LIKE 'job_%'",
            "status LIKE 'job_%'",
            "status GLOB 'job?*'",
        ),
        (
            "status NOT LIKE '*x'",
            "status NOT LIKE '*x'",
            "status NOT GLOB '[*]x'",
        ),
        (
            "id <> '123e4567-e89b-12d3-a456-426614174000'",
            "id <> '123e4567-e89b-12d3-a456-426614174000'::uuid",
            "id <> X'123E4567E89B12D3A456426614174000'",
        ),
        (
            "at >= '2024-01-01T00:00:00.000000Z'",
            "at >= '2024-01-01T00:00:00.000000Z'::timestamptz",
            "at >= '2024-01-01T00:00:00.000000Z'",
        ),
        (
            "done_at IS NULL OR done_at >= at",
            "done_at IS NULL OR done_at >= at",
            "done_at IS NULL OR done_at >= at",
        ),
        (
            "(enabled OR n > 0) AND score >= -1.5",
            "(enabled OR n > 0) AND score >= -1.5",
            "(enabled OR n > 0) AND score >= -1.5",
        ),
    ];

    #[test]
    fn every_construct_renders_per_backend_and_reads_back() {
        let t = table();
        for (src, pg, lite) in CASES {
            let e = parse(src, Source::Neutral, &t).unwrap_or_else(|err| panic!("{src}: {err:?}"));
            assert_eq!(render(&e, Backend::Postgres), *pg, "{src}");
            assert_eq!(render(&e, Backend::Sqlite), *lite, "{src}");
            assert_eq!(
                render_neutral(&e).to_ascii_lowercase(),
                src.to_ascii_lowercase(),
                "{src}"
            );
            for (text, b) in [(pg, Backend::Postgres), (lite, Backend::Sqlite)] {
                let back = parse(text, Source::Stored(b), &t)
                    .unwrap_or_else(|err| panic!("{text}: {err:?}"));
                assert_eq!(back, e, "{b} text {text} reads back as the source tree");
                assert_eq!(read_back(text, &t).as_ref(), Some(&e), "{text}");
            }
        }
    }

    #[test]
    fn postgres_stored_spellings_read_back() {
        let t = table();
        let cases = [
            (
                "(status = ANY (ARRAY['a'::text, 'b'::text]))",
                "status IN ('a', 'b')",
            ),
            (
                "(status <> ALL (ARRAY['a'::text, 'b'::text]))",
                "status NOT IN ('a', 'b')",
            ),
            ("(status <> ALL (ARRAY['a'::text]))", "status <> 'a'"),
            (
                "((payload IS NULL) OR ((payload)::jsonb IS NOT NULL))",
                "payload IS NULL OR json_valid(payload)",
            ),
            ("(char_length(status) <= 10)", "length(status) <= 10"),
            (
                "((score * (2)::double precision) > ('-1.5'::numeric)::double precision)",
                "score * 2 > -1.5",
            ),
            ("(TRIM(BOTH FROM status) = status)", "trim(status) = status"),
            ("(trim(both from status) = status)", "trim(status) = status"),
            ("(status ~~ 'a%'::text)", "status LIKE 'a%'"),
            ("(status !~~ 'a%'::text)", "status NOT LIKE 'a%'"),
            ("(enabled = true)", "enabled = true"),
            (
                "(at >= '2024-01-01 00:00:00+00'::timestamp with time zone)",
                "at >= '2024-01-01T00:00:00.000000Z'",
            ),
            (
                "(id <> '123e4567-e89b-12d3-a456-426614174000'::uuid)",
                "id <> '123e4567-e89b-12d3-a456-426614174000'",
            ),
        ];
        for (stored, neutral) in cases {
            let e = parse(stored, Source::Stored(Backend::Postgres), &t)
                .unwrap_or_else(|err| panic!("{stored}: {err:?}"));
            assert_eq!(render_neutral(&e), neutral);
        }
        let between = parse("n NOT BETWEEN 0 AND 10", Source::Neutral, &t).expect("between");
        assert_eq!(render_neutral(&between), "n < 0 OR n > 10");
        let sqlite =
            parse("enabled = 1", Source::Stored(Backend::Sqlite), &t).expect("sqlite bool");
        assert_eq!(render_neutral(&sqlite), "enabled = true");
    }

    #[test]
    fn errors_say_where_and_what() {
        let t = table();
        let err = |s: &str| parse(s, Source::Neutral, &t).expect_err(s);
        let e = err("n > 0 AND stauts = 'x'");
        assert_eq!(e.at, Some((1, 11)));
        assert!(e.message.contains("unknown column `stauts`"), "{e:?}");
        assert!(e.help.contains("did you mean `status`?"), "{e:?}");
        assert!(!e.backend_specific);

        let e = err("enabled = 1");
        assert!(e.message.contains("type mismatch"), "{e:?}");
        assert!(e.help.contains("`true`"), "{e:?}");
        assert_eq!(e.at, Some((1, 11)));

        for pg_only in [
            "char_length(status) = 4",
            "status = ANY (ARRAY['a'])",
            "status::text = 'a'",
            "now() > at",
            "status ~ 'a'",
        ] {
            let e = err(pg_only);
            assert!(e.backend_specific, "{pg_only}: {e:?}");
            assert!(e.at.is_some(), "{pg_only}: {e:?}");
        }
        assert!(err("at > '2024-01-01'").help.contains("canonical"));
        assert!(err("id = 'nope'").help.contains("UUID"));
        assert!(err("n +").message.contains("not a SQL expression"));
        assert!(err("n").message.contains("not a boolean condition"));
        assert!(err("n > 0 n").message.contains("unexpected"));
    }

    #[test]
    fn schema_files_get_located_errors_unless_scoped() {
        let file = |attr: &str, scope: &str| {
            format!("table! {{\n    {attr}\n    {scope}\n    t (id) {{\n        id -> Integer,\n        enabled -> Bool,\n        code -> Text,\n    }}\n}}\n")
        };
        let err = |src: String| {
            crate::parse_str("schema/app.rs", &src)
                .expect_err(&src)
                .render()
        };
        let text = err(file(r#"#[check(sql = "char_length(code) = 4")]"#, ""));
        assert!(text.contains("schema/app.rs:2:20"), "{text}");
        assert!(
            text.contains("`char_length` is PostgreSQL's spelling"),
            "{text}"
        );
        let text = err(file(r#"#[index(code, where = "enabled = 1")]"#, ""));
        assert!(text.contains("schema/app.rs:2:38"), "{text}");
        assert!(text.contains("write `true`"), "{text}");
        let text = err(file(r#"#[check(sql = "cdoe <> ''")]"#, ""));
        assert!(text.contains("schema/app.rs:2:20"), "{text}");
        assert!(text.contains("did you mean `code`?"), "{text}");
        // Scoped to one backend: that backend's SQL is fine.
        crate::parse_str(
            "a.rs",
            &file(
                r#"#[check(sql = "char_length(code) = 4")]"#,
                "#[backend(postgres)]",
            ),
        )
        .expect("scoped table");
        crate::parse_str(
            "a.rs",
            &file(
                r#"#[check(postgres = "char_length(code) = 4", sqlite = "length(code) = 4")]"#,
                "",
            ),
        )
        .expect("per-backend spellings");
        // ... but must still be that backend's SQL.
        let text = err(file(
            r#"#[check(postgres = "char_length(code) = = 4", sqlite = "length(code) = 4")]"#,
            "",
        ));
        assert!(text.contains("not a SQL expression"), "{text}");
    }

    #[test]
    fn equal_meaning_reads_equal() {
        let t = table();
        let same = [
            vec![
                "(enabled = true)",
                "enabled = 1",
                "enabled",
                "enabled <> false",
                "NOT NOT enabled",
            ],
            vec![
                "NOT enabled",
                "enabled = 0",
                "(enabled = false)",
                "NOT (enabled = true)",
            ],
            vec![
                "(status = ANY (ARRAY['a'::text, 'b'::text]))",
                "status IN ('a', 'b')",
            ],
            vec!["((payload)::jsonb IS NOT NULL)", "json_valid(payload)"],
            vec!["(char_length(status) > 0)", "length(status) > 0"],
            vec![
                "(id <> '123e4567-e89b-12d3-a456-426614174000'::uuid)",
                "id <> X'123E4567E89B12D3A456426614174000'",
            ],
        ];
        for group in same {
            let first = crate::normalize::by_meaning(group[0], &t);
            for text in &group[1..] {
                assert_eq!(
                    crate::normalize::by_meaning(text, &t),
                    first,
                    "{text} vs {}",
                    group[0]
                );
            }
        }
        assert_ne!(
            crate::normalize::by_meaning("enabled = 1", &t),
            crate::normalize::by_meaning("enabled = 0", &t)
        );
    }

    #[test]
    fn error_offsets_count_characters() {
        let e = ExprError {
            at: Some((2, 3)),
            message: String::new(),
            help: String::new(),
            backend_specific: false,
        };
        assert_eq!(e.offset_in("é = 1\nab c"), Some(9));
    }
}
#[cfg(test)]
mod stored_quotes_tests {
    use crate::model::Backend;

    /// Text a database stored with a quote inside a literal or a quoted
    /// name (`'it''s'`, `"a""b"`) reads back: it was re-tokenized as
    /// `'it's'` ("Unterminated string literal"), so such a check or index
    /// predicate was carried as raw SQL or, for a predicate, written with
    /// PostgreSQL's cast (`'it''s'::mood`) that validate then refused. A
    /// label cast to the enum type of a column is that column's type.
    #[test]
    fn stored_quotes_and_enum_casts_read_back() {
        let s = crate::parse_str(
            "s.rs",
            "#[db_enum]\nenum Mood { A, #[value(\"it's\")] B }\n\
             table! { t (id) { id -> BigInt, m -> Mood, name -> Text, } }",
        )
        .expect("valid");
        let t = s.table("t").expect("t");
        for (stored, by, neutral) in [
            ("(m = 'it''s'::mood)", Backend::Postgres, "m = 'it''s'"),
            ("(m <> 'A'::mood)", Backend::Postgres, "m <> 'A'"),
            (
                "(name <> 'O''Brien'::text)",
                Backend::Postgres,
                "name <> 'O''Brien'",
            ),
            ("name <> 'O''Brien'", Backend::Sqlite, "name <> 'O''Brien'"),
            ("(\"name\" <> 'x')", Backend::Sqlite, "name <> 'x'"),
        ] {
            let e = super::read_back_from(stored, t, Some(by))
                .unwrap_or_else(|| panic!("{stored} does not read back"));
            assert_eq!(super::render_neutral(&e), neutral, "{stored}");
        }
        // A label the enum does not have, or a cast to another type, stays
        // an error.
        for stored in ["(m = 'C'::mood)", "(m = 'A'::other)"] {
            assert!(
                super::parse(stored, super::Source::Stored(Backend::Postgres), t).is_err(),
                "{stored}"
            );
        }
    }
}
