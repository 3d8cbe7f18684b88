//! Policy parameters that the registry needs before the rule engine exists.

use chrono::NaiveDate;
use serde::Serialize;

/// The stock cut-off of the 2018 plan (POLICY §3): households registered on or before it are
/// the stock (存量). Later campaigns make this data; until then it is this constant.
pub fn default_stock_cutoff() -> NaiveDate {
    NaiveDate::from_ymd_opt(2016, 10, 31).unwrap_or_default()
}

/// Stock or incremental pool (POLICY §3, 二).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pool {
    /// 存量: registered on or before the cut-off.
    Stock,
    /// 增量: registered after it.
    Incremental,
}

impl Pool {
    /// The pool of a household registered on `registered_on`.
    pub fn of(registered_on: NaiveDate, cutoff: NaiveDate) -> Self {
        if registered_on <= cutoff {
            Pool::Stock
        } else {
            Pool::Incremental
        }
    }

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Pool::Stock => "stock",
            Pool::Incremental => "incremental",
        }
    }

    /// Parses a code.
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "stock" => Some(Pool::Stock),
            "incremental" => Some(Pool::Incremental),
            _ => None,
        }
    }

    /// Label in the given language.
    pub fn label(self, zh: bool) -> &'static str {
        match (self, zh) {
            (Pool::Stock, true) => "存量",
            (Pool::Stock, false) => "Stock",
            (Pool::Incremental, true) => "增量",
            (Pool::Incremental, false) => "Incremental",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_day_is_stock() {
        let c = default_stock_cutoff();
        assert_eq!(Pool::of(c, c), Pool::Stock);
        assert_eq!(Pool::of(c.succ_opt().unwrap(), c), Pool::Incremental);
    }
}

pub mod book;
pub mod case;
pub mod engine;
pub mod explain;

pub use book::{PolicyBook, PolicyRecord};
pub use engine::{evaluate, Evaluation, Facts, MonthFacts, Params, Rule, StandardsTable, Tri};
