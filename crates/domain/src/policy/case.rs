//! Case files (`../shared/cases/README.md`): one household's facts and its region's standards
//! in JSON, validated field by field. A bad file is refused with the path of the offending
//! field, never half-read.

use super::engine::{Enrolment, Facts, MonthFacts, Params, StandardsTable};
use crate::{Cause, Exclusion, Framework, Money, NonLivingKind, Scheme, YearMonth};
use chrono::NaiveDate;
use serde_json::{Map, Value};

/// A case, validated.
#[derive(Debug, Clone)]
pub struct Case {
    /// Evaluation month.
    pub as_of: YearMonth,
    /// Policy parameters.
    pub params: Params,
    /// The region's standards.
    pub standards: StandardsTable,
    /// The household.
    pub facts: Facts,
}

/// What is wrong with a case file: the path of the field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseError {
    /// `household.months[3].members`, or `input`.
    pub path: String,
    /// Why.
    pub message: String,
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

type R<T> = Result<T, CaseError>;

fn err<T>(path: &str, message: impl Into<String>) -> R<T> {
    Err(CaseError { path: path.to_string(), message: message.into() })
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn obj<'a>(v: &'a Value, path: &str) -> R<&'a Map<String, Value>> {
    v.as_object().map_or_else(|| err(path, "must be an object"), Ok)
}

/// A present, non-null member; absent → None; null → error (null is allowed only for `to`).
fn opt<'a>(m: &'a Map<String, Value>, path: &str, key: &str) -> R<Option<(String, &'a Value)>> {
    let p = join(path, key);
    match m.get(key) {
        None => Ok(None),
        Some(Value::Null) => err(&p, "must not be null"),
        Some(v) => Ok(Some((p, v))),
    }
}

fn req<'a>(m: &'a Map<String, Value>, path: &str, key: &str) -> R<(String, &'a Value)> {
    match opt(m, path, key)? {
        Some(x) => Ok(x),
        None => err(&join(path, key), "is required"),
    }
}

fn text<'a>(v: &'a Value, path: &str) -> R<&'a str> {
    v.as_str().map_or_else(|| err(path, "must be a string"), Ok)
}

fn month(v: &Value, path: &str) -> R<YearMonth> {
    YearMonth::parse(path, text(v, path)?).or_else(|_| err(path, "must be a month written YYYY-MM"))
}

fn date(v: &Value, path: &str) -> R<NaiveDate> {
    let t = text(v, path)?;
    let digits = t.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !digits {
        return err(path, "must be a real date written YYYY-MM-DD");
    }
    crate::parse_date(path, t).or_else(|_| err(path, "must be a real date written YYYY-MM-DD"))
}

fn boolean(v: &Value, path: &str) -> R<bool> {
    v.as_bool().map_or_else(|| err(path, "must be true or false"), Ok)
}

fn array<'a>(v: &'a Value, path: &str) -> R<&'a Vec<Value>> {
    v.as_array().map_or_else(|| err(path, "must be a list"), Ok)
}

/// An integer written without fraction or exponent.
fn integer(v: &Value, path: &str) -> R<i64> {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => Ok(i),
            None if n.is_u64() => err(path, "is too large"),
            None => err(path, "must be a whole number written without a fraction or exponent"),
        },
        _ => err(path, "must be a whole number"),
    }
}

/// Yuan: a JSON number, or a string of plain decimal digits; whole fen; not negative.
fn money(v: &Value, path: &str) -> R<i64> {
    let text = match v {
        // The shortest text that reads back as the same number: "5.1" for 5.1, "1e2" for 100.
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                if i < 0 {
                    return err(path, "must not be negative");
                }
                i.to_string()
            } else if let Some(f) = n.as_f64() {
                if f < 0.0 {
                    return err(path, "must not be negative");
                }
                format_number(f)
            } else {
                n.to_string()
            }
        }
        Value::String(s) => s.clone(),
        _ => return err(path, "must be an amount in yuan: a number or a string of decimal digits"),
    };
    match Money::parse_yuan(path, &text) {
        Ok(m) => Ok(m.fen()),
        Err(e) => err(path, e.message(false)),
    }
}

/// A float as plain decimal digits (no exponent), shortest round-trip form.
fn format_number(f: f64) -> String {
    let s = format!("{f}");
    if s.contains('e') || s.contains('E') {
        // Rust's Display of f64 never uses an exponent; kept for safety.
        return format!("{f:.2}");
    }
    s
}

/// Parses and validates a case file. A UTF-8 byte-order mark is ignored.
pub fn parse(bytes: &[u8]) -> R<Case> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let Ok(s) = std::str::from_utf8(bytes) else { return err("input", "is not UTF-8 text") };
    let root: Value = match serde_json::from_str(s) {
        Ok(v) => v,
        Err(e) => return err("input", format!("is not JSON: {e}")),
    };
    let Some(top) = root.as_object() else { return err("input", "must be a JSON object") };
    let (p, v) = req(top, "", "as_of")?;
    let as_of = month(v, &p)?;
    let mut params = Params::default();
    if let Some((p, v)) = opt(top, "", "policy")? {
        let m = obj(v, &p)?;
        // The framework first: it sets the window's default (6 months, or 12 under 2021).
        if let Some((fp, f)) = opt(m, &p, "framework")? {
            let code = text(f, &fp)?;
            let Some(framework) = Framework::from_code(code) else {
                return err(&fp, format!("{code:?} is not a framework (plan-2018, national-2021)"));
            };
            params = Params::of(framework);
        }
        let bounded = |key: &str, min: i64, max: i64, what: &str| -> R<Option<i64>> {
            let Some((kp, k)) = opt(m, &p, key)? else { return Ok(None) };
            let n = integer(k, &kp)?;
            if n < min || n > max {
                return err(&kp, format!("must be {what}"));
            }
            Ok(Some(n))
        };
        if let Some(n) = bounded("relative_percent", 100, i64::MAX, "a whole number of at least 100")? {
            params.relative_percent = n;
        }
        if let Some(n) = bounded("accident_percent", 1, 100, "a whole number from 1 to 100")? {
            params.accident_percent = n;
        }
        if let Some(n) = bounded("min_labour_months", 0, i64::MAX, "a whole number of at least 0")? {
            params.min_labour_months = n;
        }
        if let Some((wp, w)) = opt(m, &p, "window_months")? {
            let n = integer(w, &wp)?;
            if !(1..=120).contains(&n) {
                return err(&wp, "must be a whole number from 1 to 120");
            }
            params.window_months = n as u32;
        }
        if let Some((cp, c)) = opt(m, &p, "stock_cutoff")? {
            params.stock_cutoff = date(c, &cp)?;
        }
    }
    let (sp, sv) = req(top, "", "standards")?;
    let sm = obj(sv, &sp)?;
    let (dp, dv) = req(sm, &sp, "dibao")?;
    let dibao = standards(dv, &dp)?;
    let low_income = match opt(sm, &sp, "low_income")? {
        Some((lp, lv)) => standards(lv, &lp)?,
        None => Vec::new(),
    };
    let (hp, hv) = req(top, "", "household")?;
    let facts = household(obj(hv, &hp)?, &hp)?;
    Ok(Case { as_of, params, standards: StandardsTable::new(dibao, low_income), facts })
}

fn standards(v: &Value, path: &str) -> R<Vec<(YearMonth, i64)>> {
    let mut out: Vec<(YearMonth, i64)> = Vec::new();
    for (i, s) in array(v, path)?.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let m = obj(s, &p)?;
        let (fp, f) = req(m, &p, "from")?;
        let from = month(f, &fp)?;
        let (ap, a) = req(m, &p, "amount")?;
        let amount = money(a, &ap)?;
        if out.iter().any(|o| o.0 == from) {
            return err(&fp, format!("a standard from {from} is already listed"));
        }
        out.push((from, amount));
    }
    Ok(out)
}

fn household(m: &Map<String, Value>, path: &str) -> R<Facts> {
    let (rp, r) = req(m, path, "registered_on")?;
    let registered_on = date(r, &rp)?;
    let flag = |key: &str| -> R<bool> {
        match opt(m, path, key)? {
            Some((p, v)) => boolean(v, &p),
            None => Ok(false),
        }
    };
    let migrant_worker = flag("migrant_worker")?;
    let causes_resolved = flag("causes_resolved")?;
    let children_completed_studies = flag("children_completed_studies")?;
    let mut causes = Vec::new();
    if let Some((p, v)) = opt(m, path, "causes")? {
        for (i, c) in array(v, &p)?.iter().enumerate() {
            let cp = format!("{p}[{i}]");
            let code = text(c, &cp)?;
            match Cause::from_code(code) {
                Some(c) => causes.push(c),
                None => return err(&cp, format!("{code:?} is not a hardship cause")),
            }
        }
    }
    let mut enrolments = Vec::new();
    if let Some((p, v)) = opt(m, path, "social_assistance")? {
        for (i, e) in array(v, &p)?.iter().enumerate() {
            let ep = format!("{p}[{i}]");
            let em = obj(e, &ep)?;
            let (sp, s) = req(em, &ep, "scheme")?;
            let code = text(s, &sp)?;
            let Some(scheme) = Scheme::from_code(code) else { return err(&sp, format!("{code:?} is not a scheme")) };
            let (fp, f) = req(em, &ep, "from")?;
            let from = month(f, &fp)?;
            let to = match em.get("to") {
                None | Some(Value::Null) => None,
                Some(t) => {
                    let tp = format!("{ep}.to");
                    let to = month(t, &tp)?;
                    if to < from {
                        return err(&tp, "must not be earlier than from");
                    }
                    Some(to)
                }
            };
            enrolments.push(Enrolment { scheme, from, to });
        }
    }
    let mut union_assistance = Vec::new();
    if let Some((p, v)) = opt(m, path, "union_assistance")? {
        for (i, u) in array(v, &p)?.iter().enumerate() {
            union_assistance.push(month(u, &format!("{p}[{i}]"))?);
        }
    }
    let mut exclusions = Vec::new();
    if let Some((p, v)) = opt(m, path, "exclusions")? {
        for (i, c) in array(v, &p)?.iter().enumerate() {
            let cp = format!("{p}[{i}]");
            let code = text(c, &cp)?;
            match Exclusion::from_code(code) {
                Some(x) => exclusions.push(x),
                None => return err(&cp, format!("{code:?} is not an exclusion code")),
            }
        }
    }
    let mut major_events = Vec::new();
    if let Some((p, v)) = opt(m, path, "major_events")? {
        for (i, e) in array(v, &p)?.iter().enumerate() {
            major_events.push(month(e, &format!("{p}[{i}]"))?);
        }
    }
    let labour_relation_months = match opt(m, path, "labour_relation_months")? {
        Some((p, v)) => {
            let n = integer(v, &p)?;
            if n < 0 {
                return err(&p, "must be a whole number of at least 0");
            }
            Some(n)
        }
        None => None,
    };
    let mut months: Vec<MonthFacts> = Vec::new();
    if let Some((p, v)) = opt(m, path, "months")? {
        for (i, r) in array(v, &p)?.iter().enumerate() {
            let mp = format!("{p}[{i}]");
            let rec = month_record(obj(r, &mp)?, &mp)?;
            if months.iter().any(|o| o.month == rec.month) {
                return err(&format!("{mp}.month"), format!("{} is listed twice", rec.month));
            }
            months.push(rec);
        }
    }
    Ok(Facts {
        registered_on,
        migrant_worker,
        causes,
        causes_resolved,
        children_completed_studies,
        enrolments,
        union_assistance,
        months,
        exclusions,
        major_events,
        labour_relation_months,
    })
}

fn month_record(m: &Map<String, Value>, path: &str) -> R<MonthFacts> {
    let (p, v) = req(m, path, "month")?;
    let month = month(v, &p)?;
    let (p, v) = req(m, path, "members")?;
    let members = integer(v, &p)?;
    if members < 1 {
        return err(&p, "must be at least 1");
    }
    if members > 100 {
        return err(&p, "must be at most 100");
    }
    let (ip, v) = req(m, path, "income")?;
    let income = money(v, &ip)?;
    let aid = match opt(m, path, "government_assistance")? {
        Some((p, v)) => {
            let a = money(v, &p)?;
            if a > income {
                return err(&p, "must not exceed income (income includes government assistance)");
            }
            a
        }
        None => 0,
    };
    let (mut non_living, mut rigid, mut hardship) = (0i64, 0i64, 0i64);
    if let Some((p, v)) = opt(m, path, "non_living")? {
        for (k, a) in obj(v, &p)? {
            let kp = format!("{p}.{k}");
            let Some(kind) = NonLivingKind::from_code(k) else {
                return err(
                    &kp,
                    "is not a kind of non-living expenditure (medical, education, emergency, accident, other)",
                );
            };
            if a.is_null() {
                return err(&kp, "must not be null");
            }
            let fen = money(a, &kp)?;
            non_living += fen;
            if kind.is_rigid() {
                rigid += fen;
            }
            if kind.is_hardship_cost() {
                hardship += fen;
            }
        }
    }
    Ok(MonthFacts { month, members, income, aid, non_living, rigid, hardship })
}
