//! Frameworks as data (POLICY §9): each region has a sequence of policy records — a framework,
//! its parameters, the month it takes effect — and a month of a household is judged under the
//! record in force for its region then.
//!
//! Which record is in force for region `r` in month `m`: the most specific region of `r`'s line
//! (the county, its city, the province, then the deployment's default, stored without a region)
//! that has a record taking effect on or before `m`; within that region, the record with the
//! latest effective month, and of two records for the same month the later version. A region
//! that sets its own parameters from a month thus keeps them whatever its city does later, and a
//! change from a month on never touches the months before it. Records are never edited: a
//! change is a new version, and a determination names the version it was made under.

use super::engine::Params;
use crate::YearMonth;
use serde::Serialize;
use std::collections::HashMap;

/// One version of the policy: a framework and its parameters for a region from a month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyRecord {
    /// The region it applies to (and what lies under it); None: every region without its own.
    pub region_code: Option<String>,
    /// The first month it applies to; None: from the beginning.
    pub from: Option<YearMonth>,
    /// Its name (the document it reads).
    pub name: String,
    /// The framework, the parameters and the version.
    pub params: Params,
    /// Who made it (None for a preset).
    pub created_by: Option<String>,
    /// When (UTC, RFC 3339).
    pub created_at: String,
}

/// Every policy record and the regions' parents: enough to find the record in force for any
/// region and month.
#[derive(Debug, Clone, Default)]
pub struct PolicyBook {
    records: Vec<PolicyRecord>,
    parents: HashMap<String, String>,
}

impl PolicyBook {
    /// A book of `records`, with each region's parent (`region → parent`).
    pub fn new(records: Vec<PolicyRecord>, parents: HashMap<String, String>) -> Self {
        PolicyBook { records, parents }
    }

    /// The book with one more record (a change previewed before it is saved).
    pub fn with(&self, record: PolicyRecord) -> PolicyBook {
        let mut b = self.clone();
        b.records.push(record);
        b
    }

    /// Every record, in the order given.
    pub fn records(&self) -> &[PolicyRecord] {
        &self.records
    }

    /// The line of `region`: itself, its parent, … (a cycle in bad data stops after 8 steps).
    fn line(&self, region: &str) -> Vec<String> {
        let mut out = vec![region.to_string()];
        while let Some(p) = out.last().and_then(|r| self.parents.get(r)) {
            if out.len() >= 8 || out.contains(p) {
                break;
            }
            out.push(p.clone());
        }
        out
    }

    /// `m` None: before every month (only records "from the beginning" are in force).
    fn best<'a>(&'a self, region: Option<&str>, m: Option<YearMonth>) -> Option<&'a PolicyRecord> {
        self.records
            .iter()
            .filter(|r| r.region_code.as_deref() == region && r.from <= m)
            // A record not yet saved (version 0) is the newest.
            .max_by_key(|r| (r.from, if r.params.version == 0 { i64::MAX } else { r.params.version }))
    }

    fn at(&self, region: &str, m: Option<YearMonth>) -> Option<&PolicyRecord> {
        self.line(region).iter().find_map(|r| self.best(Some(r), m)).or_else(|| self.best(None, m))
    }

    /// The record in force for `region` in `m` (see the module's rule), if any.
    pub fn in_force(&self, region: &str, m: YearMonth) -> Option<&PolicyRecord> {
        self.at(region, Some(m))
    }

    /// The parameters in force for `region` in `m`; the 2018 plan's defaults when the book is
    /// empty.
    pub fn params(&self, region: &str, m: YearMonth) -> Params {
        self.in_force(region, m).map(|r| r.params).unwrap_or_default()
    }

    /// The sequence that applies to `region`: for each record that is in force for some month,
    /// from that month on, in effective order — what a page shows for a region.
    pub fn sequence(&self, region: &str) -> Vec<&PolicyRecord> {
        let mut starts: Vec<Option<YearMonth>> = self.records.iter().map(|r| r.from).collect();
        starts.sort();
        starts.dedup();
        let mut out: Vec<&PolicyRecord> = Vec::new();
        for s in starts {
            if let Some(r) = self.at(region, s) {
                if out.last().is_none_or(|l| !std::ptr::eq(*l, r)) {
                    out.push(r);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Framework;

    fn ym(y: i32, m: u32) -> YearMonth {
        YearMonth::new(y, m).unwrap()
    }

    fn rec(version: i64, region: Option<&str>, from: Option<YearMonth>, f: Framework, p: i64) -> PolicyRecord {
        PolicyRecord {
            region_code: region.map(str::to_string),
            from,
            name: format!("v{version}"),
            params: Params { version, relative_percent: p, ..Params::of(f) },
            created_by: None,
            created_at: String::new(),
        }
    }

    #[test]
    fn the_most_specific_region_with_a_record_in_force_wins() {
        let parents = HashMap::from([("450403".to_string(), "450400".to_string())]);
        let book = PolicyBook::new(
            vec![
                rec(1, None, None, Framework::Plan2018, 200),
                rec(2, None, Some(ym(2021, 1)), Framework::National2021, 200),
                rec(3, Some("450400"), Some(ym(2026, 1)), Framework::National2021, 180),
                rec(4, Some("450400"), Some(ym(2026, 1)), Framework::National2021, 170),
                rec(5, Some("450403"), Some(ym(2027, 1)), Framework::National2021, 150),
            ],
            parents,
        );
        let at = |r: &str, y, m| book.params(r, ym(y, m));
        assert_eq!(at("450403", 2020, 12).framework, Framework::Plan2018);
        assert_eq!(at("450403", 2021, 1).version, 2);
        assert_eq!(at("450403", 2025, 12).version, 2);
        assert_eq!(at("450403", 2026, 1).version, 4, "the later version of the same month");
        assert_eq!(at("450405", 2026, 1).version, 2, "a county of another city (no parent known)");
        assert_eq!(at("450403", 2027, 1).version, 5);
        assert_eq!(at("450400", 2027, 1).version, 4, "the county's record is not the city's");
        let seq: Vec<i64> = book.sequence("450403").iter().map(|r| r.params.version).collect();
        assert_eq!(seq, [1, 2, 4, 5]);
        assert_eq!(PolicyBook::default().params("450403", ym(2026, 1)), Params::default());
    }
}
