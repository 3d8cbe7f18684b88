//! Resident identity numbers (居民身份证号码, GB 11643-1999).

use crate::{Code, FieldError};
use chrono::NaiveDate;
use std::fmt;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// An 18-character resident ID with a valid check digit and birth date, stored with an
/// upper-case `X`. Its `Display` is the masked form; the full number needs [`IdNumber::as_str`],
/// so that it does not end up in a log line by accident.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

impl IdNumber {
    /// Validates and normalises (trims surrounding spaces, upper-cases `x`).
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let s = text.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) || !(b[17].is_ascii_digit() || b[17] == b'X') {
            return Err(FieldError::new(field, Code::InvalidIdNumber));
        }
        if Self::birth_date_of(&s).is_none() {
            return Err(FieldError::new(field, Code::InvalidBirthDate));
        }
        if b[17] != Self::check_char(&b[..17]) {
            return Err(FieldError::new(field, Code::InvalidCheckDigit));
        }
        Ok(Self(s))
    }

    /// The GB 11643 check character for the first 17 digits.
    pub fn check_char(first17: &[u8]) -> u8 {
        let sum: u32 = first17.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d - b'0') * w).sum();
        CHECK_CHARS[(sum % 11) as usize]
    }

    fn birth_date_of(s: &str) -> Option<NaiveDate> {
        let d = NaiveDate::parse_from_str(&s[6..14], "%Y%m%d").ok()?;
        (d >= NaiveDate::from_ymd_opt(1880, 1, 1)?).then_some(d)
    }

    /// Birth date encoded in the number.
    pub fn birth_date(&self) -> NaiveDate {
        Self::birth_date_of(&self.0).unwrap_or_default()
    }

    /// The full, normalised number. Only for storage and for roles allowed to see it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Masked for display: `4504**********123X`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks any stored ID for display, keeping the first four and the last four characters.
pub fn mask(id: &str) -> String {
    keep_ends(id, 4, 4)
}

/// `text` with every character but the first `head` and the last `tail` starred (all of them,
/// if it has no more than that), in one allocation: lists and exports mask every row.
fn keep_ends(text: &str, head: usize, tail: usize) -> String {
    let n = text.chars().count();
    if n <= head + tail {
        return "*".repeat(n);
    }
    // A starred character takes one byte, never more than it did.
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        out.push(if i < head || i >= n - tail { c } else { '*' });
    }
    out
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds a valid ID from its first 17 digits.
    fn with_check(first17: &str) -> String {
        format!("{first17}{}", IdNumber::check_char(first17.as_bytes()) as char)
    }

    #[test]
    fn accepts_a_known_valid_number_and_normalises_x() {
        // The GB 11643 standard's own worked example.
        let id = IdNumber::parse("id", "11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert!(!format!("{id:?} {id}").contains("19491231"));
    }

    #[test]
    fn rejects_wrong_check_digit_bad_date_and_shape() {
        assert_eq!(IdNumber::parse("id", "110105194912310021").unwrap_err().code, "invalid_check_digit");
        let bad_date = with_check("45040319870230123");
        assert_eq!(IdNumber::parse("id", &bad_date).unwrap_err().code, "invalid_birth_date");
        for bad in ["", "1234", "11010519491231002Y", "1101051949123100２X", "110105194912310021 1"] {
            assert_eq!(IdNumber::parse("id", bad).unwrap_err().code, "invalid_id_number", "{bad}");
        }
    }

    proptest! {
        #[test]
        fn every_generated_number_validates_and_one_changed_digit_does_not(
            region in 110000u32..660000, days in 0i64..40000, seq in 0u32..1000, pos in 0usize..17, delta in 1u8..10
        ) {
            let birth = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Duration::days(days);
            let first = format!("{region:06}{}{seq:03}", birth.format("%Y%m%d"));
            let id = with_check(&first);
            prop_assert!(IdNumber::parse("id", &id).is_ok());
            let mut bytes = id.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            // A single changed digit is always caught (by the date or by the check digit).
            prop_assert!(IdNumber::parse("id", &changed).is_err());
        }
    }
}

/// Masks a phone number for display: keeps the first three and the last four digits.
pub fn mask_phone(phone: &str) -> String {
    keep_ends(phone, 3, 4)
}

/// Masks every run in free text that looks like a resident ID (17 digits and a digit or X)
/// or a mobile number (11 digits), for showing stored texts such as audit details.
pub fn redact(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric()) {
            let mut j = i;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            let digits = j - i;
            let id_with_x = digits == 17 && j < chars.len() && matches!(chars[j], 'X' | 'x');
            let end = if id_with_x { j + 1 } else { j };
            let run: String = chars[i..end].iter().collect();
            if digits == 18 || id_with_x {
                out.push_str(&mask(&run));
            } else if digits == 11 {
                out.push_str(&mask_phone(&run));
            } else {
                out.push_str(&run);
            }
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod redact_tests {
    use super::*;

    #[test]
    fn redacts_ids_and_phones_in_text_and_keeps_other_numbers() {
        let t = r#"{"head_id_number":"45040319800101123X","phone":"13812345678","version":3,"n":"450403198001011234"}"#;
        let r = redact(t);
        assert!(!r.contains("45040319800101123X") && !r.contains("13812345678") && !r.contains("450403198001011234"));
        assert!(r.contains("4504**********123X") && r.contains("138****5678") && r.contains("\"version\":3"));
        assert_eq!(redact("450403-2016-000001 file"), "450403-2016-000001 file");
        assert_eq!(mask_phone("0774-3821234"), "077*****1234");
    }

    #[test]
    fn masks_count_characters_not_bytes_and_star_short_values_whole() {
        assert_eq!(mask("12345678"), "********");
        assert_eq!(mask("123456789"), "1234*6789");
        assert_eq!(mask_phone(""), "");
        assert_eq!(mask_phone("1234567"), "*******");
        assert_eq!(mask_phone("电话一二三四五六七"), "电话一**四五六七");
        assert_eq!(mask("身份证号码一二三四五"), "身份证号**二三四五");
    }
}
