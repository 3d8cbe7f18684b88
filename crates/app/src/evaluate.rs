//! Evaluating households: case files (the engine's contract) and, later, stored households.

use bangfu_domain::policy::{case, evaluate, explain};

/// Evaluates a case file: the determination as pretty JSON, or the error naming the field.
pub fn case(bytes: &[u8]) -> Result<String, case::CaseError> {
    let c = case::parse(bytes)?;
    let e = evaluate(&c.facts, &c.standards, &c.params, c.as_of);
    // Serialising plain data cannot fail; should it, the error names the input.
    serde_json::to_string_pretty(&explain::determination(&e))
        .map_err(|err| case::CaseError { path: "input".into(), message: err.to_string() })
}
