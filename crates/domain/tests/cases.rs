//! Every example of the rule engine's contract: `cases/` (a copy of `../shared/cases/`, kept in
//! the repository so a clean clone tests them) and, when present beside the repository,
//! `../shared/cases/` itself, which must hold the same files.

#![allow(clippy::unwrap_used)]

use bangfu_domain::policy::{case, evaluate, explain};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = vec![root.join("cases")];
    let shared = root.join("../shared/cases");
    if shared.is_dir() {
        out.push(shared);
    }
    out
}

/// Every key of `want` is in `got` with the same value (objects compared recursively).
fn subset(want: &Value, got: &Value, path: &str) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, v) in w {
                let p = format!("{path}.{k}");
                subset(v, g.get(k).unwrap_or_else(|| panic!("{p} missing in {got}")), &p);
            }
        }
        _ => assert_eq!(want, got, "{path}"),
    }
}

fn run_case(input: &[u8]) -> Result<Value, case::CaseError> {
    let c = case::parse(input)?;
    let e = evaluate(&c.facts, &c.standards, &c.params, c.as_of);
    Ok(serde_json::to_value(explain::determination(&e)).unwrap())
}

#[test]
fn every_example_gives_its_expected_answer() {
    let (mut n, mut national) = (0, 0);
    for dir in dirs() {
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json") && !p.to_string_lossy().ends_with(".expected.json"))
            .collect();
        names.sort();
        for input in names {
            let expected: Value =
                serde_json::from_slice(&std::fs::read(input.with_extension("expected.json")).unwrap()).unwrap();
            let got = run_case(&std::fs::read(&input).unwrap());
            let name = input.display();
            if expected.get("exit_status") == Some(&Value::from(2)) {
                let e = got.expect_err(&format!("{name} is bad input"));
                if let Some(field) = expected.get("field").and_then(Value::as_str) {
                    assert_eq!(e.path, field, "{name}");
                }
                continue;
            }
            let got = got.unwrap_or_else(|e| panic!("{name}: {e}"));
            subset(&expected, &got, "");
            // The contract's shape: one reason per rule of the framework, in order, each with a
            // clause and a text; the results agree with eligibility and outcome.
            let reasons = got["reasons"].as_array().unwrap();
            let rules: Vec<&str> = reasons.iter().map(|r| r["rule"].as_str().unwrap()).collect();
            if got["framework"] == "national-2021" {
                national += 1;
                assert_eq!(rules, ["D1", "R1", "A1", "X1", "M1", "exit_income"], "{name}");
                let held = |r: &str| reasons.iter().any(|x| x["rule"] == r && x["result"] == "holds");
                let eligible = (held("D1") || held("R1") || held("A1")) && !held("X1") && held("M1");
                assert_eq!(got["eligibility"]["eligible"], eligible, "{name}");
                assert_eq!(
                    got["outcome"]["status"] == "exited",
                    held("exit_income") && !held("X1") && reasons[4]["result"] != "fails",
                    "{name}"
                );
            } else {
                assert_eq!(rules.len(), 9, "{name}");
            }
            for r in reasons {
                assert!(
                    !r["text"].as_str().unwrap().is_empty() && !r["clause"].as_str().unwrap().is_empty(),
                    "{name}: {r}"
                );
            }
            n += 1;
        }
    }
    assert!(n >= 8, "only {n} examples ran");
    assert!(national >= 5, "only {national} examples of the 2021 framework ran");
    // The copy in the repository is the shared folder's.
    if let [ours, shared] = dirs().as_slice() {
        for e in std::fs::read_dir(shared).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_owned();
            assert_eq!(
                std::fs::read(&p).unwrap(),
                std::fs::read(ours.join(&name)).unwrap_or_default(),
                "cases/{name:?} differs from ../shared/cases: copy it again"
            );
        }
    }
}
