//! The one error a validation can produce: which field, which rule, and a message.

use serde::Serialize;

/// A validation failure naming the field (a JSON path such as `members[2].id_number`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// Path of the offending field.
    pub field: String,
    /// Machine-readable rule name, e.g. `invalid_check_digit`.
    pub code: &'static str,
    /// Human-readable explanation (English; pages translate by `code`).
    pub message: String,
}

impl FieldError {
    /// Builds an error for `field`.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { field: field.into(), code, message: message.into() }
    }

    /// The same error, re-rooted under `prefix` (`members[0]` + `name` → `members[0].name`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.field = if self.field.is_empty() { prefix.to_string() } else { format!("{prefix}.{}", self.field) };
        self
    }
}
