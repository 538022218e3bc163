//! The exact decimal `Decimal<P, S>`: its literals as scaled integers.
//!
//! SQLite stores a decimal as an `INTEGER` holding the value times `10^S`
//! (so rows sort, compare and `SUM` exactly), PostgreSQL as `NUMERIC(P, S)`.
//! Every literal the toolkit writes (defaults, check and predicate
//! literals, seeded values) goes through [`parse_units`], which refuses a
//! value that does not fit `P, S` instead of rounding it.

/// The largest precision: `10^18 - 1` fits a signed 64-bit integer.
pub const MAX_PRECISION: u8 = 18;

/// The largest magnitude of a `Decimal<precision, _>` in units of
/// `10^-scale`: `10^precision - 1`.
pub fn max_units(precision: u8) -> i64 {
    10i64.pow(u32::from(precision.min(MAX_PRECISION))) - 1
}

/// The value of plain decimal text (`-12.5`, `3`, `0.010`) in units of
/// `10^-scale`.
///
/// # Errors
/// Text that is not a plain decimal, more significant digits after the
/// point than `scale` (it would be rounded), or more than `precision`
/// digits in all; each message says what to write instead.
pub fn parse_units(text: &str, precision: u8, scale: u8) -> Result<i64, String> {
    let t = text.trim();
    let (negative, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if (whole.is_empty() && frac.is_empty()) || !plain(whole) || !plain(frac) {
        return Err(format!(
            "`{text}` is not a plain decimal; write digits with an optional `-` and one `.`, such as -12.50"
        ));
    }
    let kept = frac.trim_end_matches('0');
    if kept.len() > usize::from(scale) {
        return Err(format!(
            "`{text}` has more than {scale} digits after the point and would be rounded; \
             write it with at most {scale}"
        ));
    }
    let whole = whole.trim_start_matches('0');
    let max_whole = usize::from(precision - scale.min(precision));
    if whole.len() > max_whole {
        return Err(format!(
            "`{text}` does not fit Decimal<{precision}, {scale}>: at most {max_whole} digits before the point"
        ));
    }
    let mut units: i64 = 0;
    let padded = format!("{whole}{kept:0<width$}", width = usize::from(scale));
    for c in padded.chars() {
        units = units * 10 + i64::from(c as u8 - b'0');
    }
    Ok(if negative { -units } else { units })
}

/// The canonical text of `units` times `10^-scale`: exactly `scale` digits
/// after the point (none when the scale is 0), a `-` when negative.
pub fn format_units(units: i64, scale: u8) -> String {
    let digits = units.unsigned_abs().to_string();
    let sign = if units < 0 { "-" } else { "" };
    let scale = usize::from(scale);
    if scale == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = scale + 1);
    let (whole, frac) = padded.split_at(padded.len() - scale);
    format!("{sign}{whole}.{frac}")
}

/// The canonical text of a decimal literal for a `Decimal<precision,
/// scale>` column (see [`parse_units`]).
///
/// # Errors
/// As [`parse_units`].
pub fn canonical(text: &str, precision: u8, scale: u8) -> Result<String, String> {
    parse_units(text, precision, scale).map(|u| format_units(u, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_scale_exactly() {
        assert_eq!(parse_units("1.50", 10, 2), Ok(150));
        assert_eq!(parse_units("1.5", 10, 2), Ok(150));
        assert_eq!(parse_units("-0.01", 10, 2), Ok(-1));
        assert_eq!(parse_units("0", 4, 4), Ok(0));
        assert_eq!(parse_units("12", 4, 2), Ok(1200));
        assert_eq!(parse_units(".5", 4, 2), Ok(50));
        assert_eq!(parse_units("1.500", 4, 2), Ok(150));
        assert_eq!(
            parse_units("999999999999999999", 18, 0),
            Ok(999_999_999_999_999_999)
        );
        assert_eq!(
            parse_units("-9999999999.99999999", 18, 8),
            Ok(-999_999_999_999_999_999)
        );
    }

    #[test]
    fn what_does_not_fit_is_refused_not_rounded() {
        let e = parse_units("1.555", 10, 2).expect_err("would round");
        assert!(e.contains("would be rounded"), "{e}");
        let e = parse_units("123.4", 4, 2).expect_err("too many digits");
        assert!(e.contains("at most 2 digits before the point"), "{e}");
        for bad in ["", "-", ".", "1e3", "1.2.3", "+1", "x"] {
            assert!(parse_units(bad, 10, 2).is_err(), "{bad}");
        }
    }

    #[test]
    fn units_format_canonically() {
        assert_eq!(format_units(150, 2), "1.50");
        assert_eq!(format_units(-1, 2), "-0.01");
        assert_eq!(format_units(0, 3), "0.000");
        assert_eq!(format_units(42, 0), "42");
        assert_eq!(format_units(i64::MIN + 1, 0), (i64::MIN + 1).to_string());
        assert_eq!(max_units(2), 99);
        assert_eq!(max_units(18), 999_999_999_999_999_999);
    }
}
