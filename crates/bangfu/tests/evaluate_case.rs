//! `bangfu evaluate --case` honours the whole contract of `../shared/cases/README.md`: every
//! example (from the repository's copy in `cases/`), standard input, and bad input of every kind
//! the contract lists — exit status 2, nothing on standard output, exactly one line on standard
//! error starting with the offending field's path, never a panic.

#![allow(clippy::unwrap_used)]

use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn run(input: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
        .args(["evaluate", "--case", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn cases_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../cases")
}

fn subset(want: &Value, got: &Value, path: &str) {
    match (want, got) {
        (Value::Object(w), Value::Object(g)) => {
            for (k, v) in w {
                subset(v, g.get(k).unwrap_or_else(|| panic!("{path}.{k} missing")), &format!("{path}.{k}"));
            }
        }
        _ => assert_eq!(want, got, "{path}"),
    }
}

fn assert_bad(input: &[u8], field: &str) {
    let (code, out, err) = run(input);
    assert_eq!(code, 2, "{field}: exit status; stderr {err}");
    assert!(out.is_empty(), "{field}: nothing on standard output, got {out}");
    assert_eq!(err.lines().count(), 1, "{field}: exactly one line, got {err:?}");
    assert!(err.starts_with(&format!("{field}: ")), "wanted a line starting with {field:?}, got {err:?}");
}

#[test]
fn every_example_through_the_command_line() {
    let mut n = 0;
    for entry in std::fs::read_dir(cases_dir()).unwrap() {
        let p = entry.unwrap().path();
        let name = p.to_string_lossy().to_string();
        if !name.ends_with(".json") || name.ends_with(".expected.json") {
            continue;
        }
        let expected: Value =
            serde_json::from_slice(&std::fs::read(p.with_extension("expected.json")).unwrap()).unwrap();
        if expected["exit_status"] == 2 {
            assert_bad(&std::fs::read(&p).unwrap(), expected["field"].as_str().unwrap_or("input"));
        } else {
            // By path, as a user runs it.
            let out = Command::new(env!("CARGO_BIN_EXE_bangfu"))
                .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
                .args(["evaluate", "--case", &name])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{name}: {}", String::from_utf8_lossy(&out.stderr));
            assert!(out.stderr.is_empty(), "{name}: nothing on standard error");
            let got: Value = serde_json::from_slice(&out.stdout).unwrap();
            subset(&expected, &got, &name);
        }
        n += 1;
    }
    assert!(n >= 9, "{n} examples");
}

/// A good case to break one field at a time.
fn good() -> Value {
    json!({
        "as_of": "2018-06",
        "policy": { "window_months": 6, "stock_cutoff": "2016-10-31" },
        "standards": { "dibao": [{"from": "2017-01", "amount": 600}, {"from": "2018-04", "amount": "660.00"}],
                       "low_income": [{"from": "2017-01", "amount": 900}] },
        "household": {
            "registered_on": "2016-05-10", "migrant_worker": false, "causes": ["illness"],
            "social_assistance": [{"scheme": "dibao", "from": "2018-03", "to": null}],
            "union_assistance": ["2018-05"],
            "months": [
                {"month": "2018-05", "members": 3, "income": 1500, "government_assistance": 0, "non_living": {"medical": 100}},
                {"month": "2018-06", "members": 3, "income": 1500}
            ]
        }
    })
}

fn with(path: &[&str], v: Value) -> Vec<u8> {
    let mut g = good();
    let mut at = &mut g;
    for (i, k) in path.iter().enumerate() {
        if i == path.len() - 1 {
            match k.parse::<usize>() {
                Ok(n) => at[n] = v.clone(),
                Err(_) => at[*k] = v.clone(),
            }
            break;
        }
        at = match k.parse::<usize>() {
            Ok(n) => &mut at[n],
            Err(_) => &mut at[*k],
        };
    }
    g.to_string().into_bytes()
}

fn without(path: &[&str]) -> Vec<u8> {
    let mut g = good();
    let mut at = &mut g;
    for k in &path[..path.len() - 1] {
        at = match k.parse::<usize>() {
            Ok(n) => &mut at[n],
            Err(_) => &mut at[*k],
        };
    }
    at.as_object_mut().unwrap().remove(path[path.len() - 1]);
    g.to_string().into_bytes()
}

#[test]
fn bad_input_is_refused_with_the_field_and_nothing_else() {
    let (code, _, err) = run(&good().to_string().into_bytes());
    assert_eq!(code, 0, "the base case is good: {err}");
    let m0 = ["household", "months", "0"];
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{".to_vec(), "input"),
        (b"\xff\xfe{}".to_vec(), "input"),
        (b"[1, 2]".to_vec(), "input"),
        (b"".to_vec(), "input"),
        (without(&["as_of"]), "as_of"),
        (without(&["standards", "dibao"]), "standards.dibao"),
        (without(&["household", "registered_on"]), "household.registered_on"),
        (without(&[&m0[..], &["income"]].concat()), "household.months[0].income"),
        (without(&[&m0[..], &["members"]].concat()), "household.months[0].members"),
        (with(&["household", "months", "0", "members"], json!("3")), "household.months[0].members"),
        (with(&["household", "months", "0", "members"], json!(3.0)), "household.months[0].members"),
        (with(&["household", "months", "0", "members"], json!(0)), "household.months[0].members"),
        (with(&["household", "months", "0"], json!(7)), "household.months[0]"),
        (with(&["household", "months", "0", "month"], json!("2018-13")), "household.months[0].month"),
        (with(&["household", "months", "1", "month"], json!("2018-05")), "household.months[1].month"),
        (with(&["household", "registered_on"], json!("2016-02-30")), "household.registered_on"),
        (with(&["policy", "stock_cutoff"], json!("2016-10-32")), "policy.stock_cutoff"),
        (with(&["as_of"], json!("2018-6")), "as_of"),
        (with(&["standards", "dibao", "1", "from"], json!("2017-01")), "standards.dibao[1].from"),
        (with(&["standards", "dibao", "0", "amount"], json!(-600)), "standards.dibao[0].amount"),
        (with(&["household", "months", "0", "income"], json!("5.005")), "household.months[0].income"),
        (with(&["household", "months", "0", "income"], json!(5.005)), "household.months[0].income"),
        (with(&["household", "months", "0", "income"], json!("1e2")), "household.months[0].income"),
        (with(&["household", "months", "0", "income"], json!(" 5")), "household.months[0].income"),
        (with(&["household", "months", "0", "income"], json!("NaN")), "household.months[0].income"),
        (with(&["household", "months", "0", "income"], json!("-5")), "household.months[0].income"),
        (
            with(&["household", "months", "0", "government_assistance"], json!(1600)),
            "household.months[0].government_assistance",
        ),
        (with(&["household", "months", "0", "non_living", "fuel"], json!(5)), "household.months[0].non_living.fuel"),
        (
            with(&["household", "social_assistance", "0", "scheme"], json!("bank")),
            "household.social_assistance[0].scheme",
        ),
        (with(&["household", "social_assistance", "0", "to"], json!("2018-01")), "household.social_assistance[0].to"),
        (without(&["household", "social_assistance", "0", "from"]), "household.social_assistance[0].from"),
        (with(&["household", "causes", "0"], json!("luck")), "household.causes[0]"),
        (with(&["household", "migrant_worker"], Value::Null), "household.migrant_worker"),
        (with(&["household", "union_assistance", "0"], json!("May")), "household.union_assistance[0]"),
        (with(&["policy", "window_months"], json!(0)), "policy.window_months"),
        (with(&["policy", "window_months"], json!(2.5)), "policy.window_months"),
        (with(&["policy", "window_months"], json!("6")), "policy.window_months"),
        (with(&["standards"], json!([])), "standards"),
        // The 2021 framework's fields, validated whatever the framework (this case is plan-2018).
        (with(&["policy", "framework"], json!("plan-2030")), "policy.framework"),
        (with(&["policy", "framework"], json!(2021)), "policy.framework"),
        (with(&["policy", "relative_percent"], json!(99)), "policy.relative_percent"),
        (with(&["policy", "relative_percent"], json!(200.5)), "policy.relative_percent"),
        (with(&["policy", "relative_percent"], json!("200")), "policy.relative_percent"),
        (with(&["policy", "accident_percent"], json!(0)), "policy.accident_percent"),
        (with(&["policy", "accident_percent"], json!(101)), "policy.accident_percent"),
        (with(&["policy", "min_labour_months"], json!(-1)), "policy.min_labour_months"),
        (with(&["household", "exclusions"], json!(["vehicle", "yacht"])), "household.exclusions[1]"),
        (with(&["household", "exclusions"], json!("vehicle")), "household.exclusions"),
        (with(&["household", "major_events"], json!(["2021-13"])), "household.major_events[0]"),
        (with(&["household", "labour_relation_months"], json!(-1)), "household.labour_relation_months"),
        (with(&["household", "labour_relation_months"], Value::Null), "household.labour_relation_months"),
        (with(&["household", "labour_relation_months"], json!(2.5)), "household.labour_relation_months"),
    ];
    for (input, field) in cases {
        assert_bad(&input, field);
    }
    // Accepted: a byte-order mark, unknown keys, amounts as numbers with fen, null for `to`.
    let mut bom = "\u{feff}".as_bytes().to_vec();
    bom.extend(with(&["household", "months", "0", "income"], json!(5.1)));
    let (code, out, err) = run(&bom);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    let (code, _, err) = run(&with(&["household", "hobby"], json!("chess")));
    assert_eq!(code, 0, "{err}");
}

#[test]
fn the_2021_framework_takes_its_own_window_and_fields() {
    // The same household under national-2021: a window of 12 months by default, six rules.
    let mut g = good();
    g["policy"] = json!({ "framework": "national-2021", "relative_percent": 150, "min_labour_months": 0 });
    g["household"]["exclusions"] = json!(["vehicle", "vehicle"]);
    g["household"]["major_events"] = json!(["2018-05", "2018-05"]);
    g["household"]["migrant_worker"] = json!(true);
    g["household"]["labour_relation_months"] = json!(0);
    let (code, out, err) = run(&g.to_string().into_bytes());
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["framework"], "national-2021");
    assert_eq!(v["window"]["from"], "2017-07", "twelve months to 2018-06");
    let rules: Vec<&str> = v["reasons"].as_array().unwrap().iter().map(|r| r["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["D1", "R1", "A1", "X1", "M1", "exit_income"]);
    assert_eq!(v["reasons"][2]["result"], "holds", "the event of 2018-05 lies in the window: {out}");
    assert_eq!(v["reasons"][0]["result"], "not_assessable", "ten months have no record");
    assert_eq!(v["outcome"], json!({ "status": "withdrawn", "basis": "exclusion" }));
    assert!(v["reasons"][3]["text"].as_str().unwrap().contains("非营运机动车"), "{out}");
    assert_eq!(v["reasons"][4]["result"], "holds", "0 months needed, 0 recorded");
    // Under the plan the same household keeps nine rules and its six-month window.
    let (code, out, _) = run(&good().to_string().into_bytes());
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((v["framework"].as_str(), v["reasons"].as_array().unwrap().len()), (Some("plan-2018"), 9));
}
