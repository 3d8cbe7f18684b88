//! Administrative region codes (GB/T 2260).

use crate::{Code, FieldError};
use std::fmt;

/// A six-digit GB/T 2260 code such as `450403` (万秀区).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegionCode(u32);

impl RegionCode {
    /// Parses six digits whose province part is not zero.
    pub fn parse(field: &str, text: &str) -> Result<Self, FieldError> {
        let ok = text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) && !text.starts_with('0');
        if !ok {
            return Err(FieldError::new(field, Code::InvalidRegionCode));
        }
        text.parse().map(Self).map_err(|_| FieldError::new(field, Code::InvalidRegionCode))
    }

    /// The code as a string.
    pub fn as_string(self) -> String {
        self.0.to_string()
    }

    /// True for a prefecture-level code (`xxxx00`), false for a county-level one.
    pub fn is_prefecture(self) -> bool {
        self.0.is_multiple_of(100) && !self.0.is_multiple_of(10000)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(RegionCode::parse("r", "450400").unwrap().is_prefecture());
        assert!(!RegionCode::parse("r", "450403").unwrap().is_prefecture());
        for bad in ["45040", "4504000", "045040", "45040a", ""] {
            assert!(RegionCode::parse("r", bad).is_err(), "{bad}");
        }
    }
}
