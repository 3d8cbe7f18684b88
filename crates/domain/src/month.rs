//! Calendar months (`YYYY-MM`) and dates (`YYYY-MM-DD`).

use crate::{Code, FieldError};
use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};
use std::fmt;

/// A calendar month. Stored as the integer `YYYYMM` (e.g. 201806), which sorts by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    /// Builds a month; `None` unless 1 ≤ month ≤ 12 and the year has four digits.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        ((1000..=9999).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    /// Parses `YYYY-MM` with MM 01–12.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let err = || FieldError::new(field, Code::InvalidMonth);
        let b = text.as_bytes();
        if b.len() != 7 || b[4] != b'-' || !b.iter().enumerate().all(|(i, c)| i == 4 || c.is_ascii_digit()) {
            return Err(err());
        }
        let year: i32 = text[..4].parse().map_err(|_| err())?;
        let month = text[5..].parse().map_err(|_| err())?;
        let m = Self::new(year, month).ok_or_else(err)?;
        if !(YEARS_MIN..=YEARS_MAX).contains(&year) {
            return Err(FieldError::new(field, Code::YearOutOfRange));
        }
        Ok(m)
    }

    /// The stored form, `YYYYMM`.
    pub fn to_key(self) -> i64 {
        i64::from(self.year) * 100 + i64::from(self.month)
    }

    /// Reads the stored form back; `None` for a value that is not a month.
    pub fn from_key(key: i64) -> Option<Self> {
        Self::new(i32::try_from(key / 100).ok()?, u32::try_from(key % 100).ok()?)
    }

    /// The month containing `date`.
    pub fn of_date(date: NaiveDate) -> Self {
        Self { year: date.year(), month: date.month() }
    }

    /// The month `n` months later (or earlier, for negative `n`).
    pub fn plus(self, n: i32) -> Self {
        let idx = self.year * 12 + self.month as i32 - 1 + n;
        Self { year: idx.div_euclid(12), month: idx.rem_euclid(12) as u32 + 1 }
    }

    /// Year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// Month of year, 1–12.
    pub fn month(self) -> u32 {
        self.month
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The years a month or date given to Bangfu may fall in (issue 19: 9999-12 was accepted).
pub const YEARS_MIN: i32 = 1900;
/// See [`YEARS_MIN`].
pub const YEARS_MAX: i32 = 2100;

/// Parses a real calendar date written `YYYY-MM-DD` (`2016-02-30` is rejected).
pub fn parse_date(field: &str, text: &str) -> Result<NaiveDate, FieldError> {
    let err = || FieldError::new(field, Code::InvalidDate);
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(err());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| err())?;
    if !(YEARS_MIN..=YEARS_MAX).contains(&date.year()) {
        return Err(FieldError::new(field, Code::YearOutOfRange));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_rejects_months() {
        assert_eq!(YearMonth::parse("m", "2018-06").unwrap().to_key(), 201806);
        for bad in ["2018-13", "2018-00", "2018-6", "18-06", "2018/06", "２０１８-06", ""] {
            assert_eq!(YearMonth::parse("m", bad).unwrap_err().code, "invalid_month", "{bad}");
        }
    }

    #[test]
    fn parses_and_rejects_dates() {
        assert!(parse_date("d", "2016-02-29").is_ok());
        for bad in ["2016-02-30", "2017-02-29", "2016-2-01", "2016-10-31T00:00", ""] {
            assert_eq!(parse_date("d", bad).unwrap_err().code, "invalid_date", "{bad}");
        }
    }

    #[test]
    fn month_arithmetic_crosses_years() {
        let m = YearMonth::parse("m", "2018-01").unwrap();
        assert_eq!(m.plus(-1).to_string(), "2017-12");
        assert_eq!(m.plus(-5).to_string(), "2017-08");
        assert_eq!(m.plus(12).to_string(), "2019-01");
    }

    proptest! {
        #[test]
        fn key_round_trips(y in 1000i32..9999, mo in 1u32..=12, n in -500i32..500) {
            let m = YearMonth::new(y, mo).unwrap();
            prop_assert_eq!(YearMonth::from_key(m.to_key()), Some(m));
            // Text is read back within the years a file can concern, refused (by name) outside.
            match YearMonth::parse("m", &m.to_string()) {
                Ok(p) => prop_assert!(p == m && (YEARS_MIN..=YEARS_MAX).contains(&y)),
                Err(e) => prop_assert!(e.code == Code::YearOutOfRange && !(YEARS_MIN..=YEARS_MAX).contains(&y)),
            }
            let back = m.plus(n).plus(-n);
            prop_assert_eq!(back, m);
        }
    }
}
