//! Money in integer fen (分). Never a float.

use crate::{Code, FieldError};
use serde::{Serialize, Serializer};
use std::fmt;

/// A non-negative amount of money in fen (1 yuan = 100 fen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(i64);

/// The largest amount accepted: one trillion yuan, far beyond any household figure,
/// small enough that sums over millions of records cannot overflow an i64.
const MAX_FEN: i64 = 100_000_000_000_000;

/// Fen as people write yuan: `¥1,234.50`, `-¥20.00` (thousands separated, two decimals).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let abs = fen.unsigned_abs();
    let digits = (abs / 100).to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}¥{grouped}.{:02}", abs % 100)
}

impl Money {
    /// Zero yuan.
    pub const ZERO: Money = Money(0);

    /// Wraps an amount already in fen (from the store). Negative values are clamped to zero
    /// by the caller's schema; this is trusted data.
    pub const fn from_fen(fen: i64) -> Self {
        Money(fen)
    }

    /// The amount in fen.
    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses yuan written as plain decimal digits with at most two decimals (`"1234.5"`).
    /// Fractions of a fen are rejected, not rounded: `"5.000"` is fine, `"5.005"` is not.
    pub fn parse_yuan(field: &str, text: &str) -> Result<Self, FieldError> {
        let bad = |code| Err(FieldError::new(field, code));
        if text.is_empty() {
            return bad(Code::Required);
        }
        if text.starts_with('-') {
            return bad(Code::Negative);
        }
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i, f),
            None => (text, ""),
        };
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !digits(int) || !digits(frac) || (text.contains('.') && frac.is_empty()) {
            return bad(Code::NotAnAmount);
        }
        let frac_trimmed = frac.trim_end_matches('0');
        if frac_trimmed.len() > 2 {
            return bad(Code::FractionOfFen);
        }
        let int = int.trim_start_matches('0');
        if int.len() > 13 {
            return bad(Code::TooLarge);
        }
        let yuan: i64 =
            if int.is_empty() { 0 } else { int.parse().map_err(|_| FieldError::new(field, Code::TooLarge))? };
        let mut cents = 0i64;
        for (i, b) in frac_trimmed.bytes().enumerate() {
            cents += i64::from(b - b'0') * if i == 0 { 10 } else { 1 };
        }
        let fen = yuan * 100 + cents;
        if fen > MAX_FEN {
            return bad(Code::TooLarge);
        }
        Ok(Money(fen))
    }

    /// Checked sum.
    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.0.checked_add(other.0).map(Money)
    }
}

impl fmt::Display for Money {
    /// Yuan with two decimals, as people write it: `1234.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl Serialize for Money {
    /// Serialised as a yuan string (`"1234.50"`) so that no JSON reader turns it into a float.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_plain_amounts() {
        assert_eq!(Money::parse_yuan("x", "0").unwrap().fen(), 0);
        assert_eq!(Money::parse_yuan("x", "660.00").unwrap().fen(), 66_000);
        assert_eq!(Money::parse_yuan("x", "5.1").unwrap().fen(), 510);
        assert_eq!(Money::parse_yuan("x", "5.000").unwrap().fen(), 500);
        assert_eq!(Money::parse_yuan("x", "007.05").unwrap().fen(), 705);
    }

    #[test]
    fn rejects_bad_amounts_naming_the_field() {
        for (text, code) in [
            ("-1", "negative"),
            ("5.005", "fraction_of_fen"),
            ("1e2", "not_a_number"),
            (" 5", "not_a_number"),
            ("NaN", "not_a_number"),
            ("5.", "not_a_number"),
            (".5", "not_a_number"),
            ("", "required"),
            ("99999999999999999999", "too_large"),
        ] {
            let e = Money::parse_yuan("months[1].income", text).unwrap_err();
            assert_eq!(e.code, code, "{text}");
            assert_eq!(e.field, "months[1].income");
        }
    }

    proptest! {
        #[test]
        fn display_round_trips(fen in 0i64..MAX_FEN) {
            let m = Money::from_fen(fen);
            prop_assert_eq!(Money::parse_yuan("x", &m.to_string()).unwrap(), m);
        }
    }
}
