//! The one error a validation can produce: which field, which rule ([`Code`]) and the rule's
//! parameters. It carries no sentence: the words come from the catalogue
//! ([`crate::message`]) in the reader's language when the error is shown.

use crate::message::{Code, Param};
use serde::{Serialize, Serializer};
use std::fmt;

/// A validation failure naming the field (a JSON path such as `members[2].id_number`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path of the offending field (empty when the request as a whole is at fault).
    pub field: String,
    /// The rule broken.
    pub code: Code,
    /// The rule's parameters, by name (`max` → `200`), as the catalogue's texts name them.
    pub params: Vec<(&'static str, Param)>,
}

impl FieldError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, code: Code) -> Self {
        Self { field: field.into(), code, params: Vec::new() }
    }

    /// The same error with a parameter (a number, a file number, a date…).
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.params.push((name, Param::Text(quote(value.to_string()))));
        self
    }

    /// The same error with a parameter that is a label of a vocabulary (Chinese, English).
    #[must_use]
    pub fn with_label(mut self, name: &'static str, zh: &'static str, en: &'static str) -> Self {
        self.params.push((name, Param::Label { zh, en }));
        self
    }

    /// The same error, re-rooted under `prefix` (`members[0]` + `name` → `members[0].name`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() { prefix.to_string() } else { format!("{prefix}.{}", self.field) };
        self
    }

    /// The message in Chinese (`zh`) or English, its parameters filled in.
    pub fn message(&self, zh: bool) -> String {
        self.code.message(zh, &self.params)
    }
}

/// `field: message` in English, for logs and the command line's `--lang en`.
impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message(false))
        } else {
            write!(f, "{}: {}", self.field, self.message(false))
        }
    }
}

impl std::error::Error for FieldError {}

/// `{"field", "code", "message"}`, the message in English: what a program reads. Pages and the
/// API render the message in the reader's language themselves (`message(zh)`).
impl Serialize for FieldError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("FieldError", 3)?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("code", self.code.code())?;
        st.serialize_field("message", &self.message(false))?;
        st.end()
    }
}

/// A parameter as a message quotes it: at most [`QUOTED_CHARS`] characters, then "…". A
/// parameter may echo what was sent (a header, a cell): a 1 GB cell must not become a 1 GB answer.
fn quote(mut s: String) -> String {
    if let Some((cut, _)) = s.char_indices().nth(QUOTED_CHARS) {
        s.truncate(cut);
        s.push('…');
    }
    s
}

/// Characters of a parameter a message quotes.
pub const QUOTED_CHARS: usize = 100;
