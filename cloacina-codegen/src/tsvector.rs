//! `tsvector` text as PostgreSQL prints it, for `Tsvector` defaults.
//!
//! PostgreSQL stores a tsvector default as the value and prints it back in
//! one form: each lexeme once, quoted, in byte order, its positions
//! ascending and each once, a weight other than `D` after its position
//! (`'a':1,3B 'b'`). `check` compares a default with what the database
//! prints, so the schema file writes that form; this reads the simple
//! tsvector syntax (plain or quoted lexemes, optional positions) and
//! prints it so, for the validator's help.

use std::collections::BTreeMap;

/// The largest position PostgreSQL keeps (larger ones are clamped).
const MAX_POSITION: u16 = 16383;

/// `text` read as tsvector input and printed as PostgreSQL prints it, or
/// `None` when it is outside the simple syntax this reads (a backslash, an
/// empty lexeme, a position outside 1..=16383, a bad weight).
pub fn canonical(text: &str) -> Option<String> {
    let mut lexemes: BTreeMap<String, BTreeMap<u16, char>> = BTreeMap::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let mut lexeme = String::new();
        if first == '\'' {
            chars.next();
            loop {
                match chars.next()? {
                    '\'' if chars.next_if_eq(&'\'').is_some() => lexeme.push('\''),
                    '\'' => break,
                    '\\' => return None,
                    c => lexeme.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != ':') {
                if c == '\'' || c == '\\' {
                    return None;
                }
                lexeme.push(c);
            }
        }
        if lexeme.is_empty() {
            return None;
        }
        let positions = lexemes.entry(lexeme).or_default();
        if chars.next_if_eq(&':').is_some() {
            loop {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                let position: u16 = digits.parse().ok()?;
                if position == 0 || position > MAX_POSITION {
                    return None;
                }
                let weight = match chars.next_if(|c| c.is_ascii_alphabetic()) {
                    None => 'D',
                    Some(w) => match w.to_ascii_uppercase() {
                        w @ ('A' | 'B' | 'C' | 'D') => w,
                        _ => return None,
                    },
                };
                // The same position twice: PostgreSQL keeps one; a
                // different weight for it is beyond this reader.
                if positions
                    .insert(position, weight)
                    .is_some_and(|w| w != weight)
                {
                    return None;
                }
                if chars.next_if_eq(&',').is_none() {
                    break;
                }
            }
        }
        if chars.peek().is_some_and(|c| !c.is_whitespace()) {
            return None;
        }
    }
    let printed: Vec<String> = lexemes
        .into_iter()
        .map(|(lexeme, positions)| {
            let mut out = crate::render::ddl::quote_literal(&lexeme);
            let list: Vec<String> = positions
                .into_iter()
                .map(|(p, w)| match w {
                    'D' => p.to_string(),
                    w => format!("{p}{w}"),
                })
                .collect();
            if !list.is_empty() {
                out.push(':');
                out.push_str(&list.join(","));
            }
            out
        })
        .collect();
    Some(printed.join(" "))
}

#[cfg(test)]
mod tests {
    use super::canonical;

    /// What PostgreSQL 15 prints for each input (`SELECT '<input>'::tsvector`).
    #[test]
    fn prints_as_postgres_does() {
        for (input, printed) in [
            ("", ""),
            ("b aa a ab ba A", "'A' 'a' 'aa' 'ab' 'b' 'ba'"),
            ("x:3 x:1 y:2B z:1,1 w:4D", "'w':4 'x':1,3 'y':2B 'z':1"),
            ("éa eb", "'eb' 'éa'"),
            ("'it''s' 'a b':2", "'a b':2 'it''s'"),
            ("'fat':1 'row7':2,3", "'fat':1 'row7':2,3"),
            ("  a:1c  ", "'a':1C"),
        ] {
            assert_eq!(canonical(input).as_deref(), Some(printed), "{input}");
        }
        for unread in [
            "a\\ b", "''", "a:0", "a:16384", "a:1E", "a:x", "'a", "a:1,1B",
        ] {
            assert_eq!(canonical(unread), None, "{unread}");
        }
    }
}
