//! Assistance funds (POLICY §7, 六(二)): where money comes from, how it moves between unions and
//! reaches households, and which payments look irregular. Pure vocabulary and arithmetic; the
//! store keeps the ledger, the app decides who may write it.

use crate::FieldError;
use chrono::{Datelike, NaiveDate};

vocabulary! {
    /// Where a fund's money comes from.
    FundSource {
        CentralFinance = ("central_finance", "中央财政", "Central finance"),
        LocalFinance = ("local_finance", "地方财政", "Local finance"),
        UnionFunds = ("union_funds", "工会经费", "Union funds"),
        Donations = ("donations", "社会捐赠", "Donations"),
        Other = ("other", "其他", "Other"),
    }
}

vocabulary! {
    /// A ledger entry: money allocated to a union (from the fund's source or from another
    /// union), or paid by a union to a household.
    EntryKind {
        Allocation = ("allocation", "拨付", "Allocation"),
        Disbursement = ("disbursement", "发放", "Disbursement"),
    }
}

vocabulary! {
    /// A ledger entry's state: only approved entries move money.
    EntryStatus {
        Pending = ("pending", "待审批", "Waiting for approval"),
        Approved = ("approved", "已审批", "Approved"),
        Rejected = ("rejected", "已驳回", "Rejected"),
    }
}

vocabulary! {
    /// The period within which one purpose is paid at most once to a household.
    FundPeriod {
        Month = ("month", "每月", "Month"),
        Quarter = ("quarter", "每季度", "Quarter"),
        Year = ("year", "每年", "Year"),
    }
}

vocabulary! {
    /// An irregularity found in the ledger (资金监管).
    FindingKind {
        NotInFile = ("not_in_file", "付款日未在档", "Household not yet in the file"),
        Exited = ("exited", "付款日已脱困", "Household already exited"),
        Withdrawn = ("withdrawn", "付款日已退出档案", "Household already withdrawn"),
        Duplicate = ("duplicate", "同一期间重复发放", "Same purpose paid twice in a period"),
        AboveStandard = ("above_standard", "超过发放标准", "Above the standard"),
        NoMeasure = ("no_measure", "无有效帮扶措施", "No valid measure behind it"),
    }
}

vocabulary! {
    /// A finding's state: open until someone explains it; cleared when its cause is gone
    /// (the payment reversed, the outcome reopened). Findings are never deleted.
    FindingStatus {
        Open = ("open", "待说明", "Open"),
        Explained = ("explained", "已说明", "Explained"),
        Cleared = ("cleared", "已消除", "Cleared"),
    }
}

impl FundPeriod {
    /// The period holding `day`: `2026-11`, `2026-Q4` or `2026`. The store computes the same
    /// key in SQL; this is the definition its tests compare against.
    pub fn key(self, day: NaiveDate) -> String {
        match self {
            FundPeriod::Month => format!("{:04}-{:02}", day.year(), day.month()),
            FundPeriod::Quarter => format!("{:04}-Q{}", day.year(), day.month().div_ceil(3)),
            FundPeriod::Year => format!("{:04}", day.year()),
        }
    }
}

/// Signed fen as yuan with two decimals: `-12.50`. Ledger sums and reversals can be negative;
/// [`crate::Money`] is for amounts people enter, which cannot.
pub fn signed_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// One union's position in one fund: allocations received, transferred out to other unions,
/// disbursed to households, in fen. The ledger reconciles when received = transferred +
/// disbursed + balance, with the balance never below zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    /// Allocations received (from the source or another union).
    pub received: i64,
    /// Allocations made to other unions.
    pub transferred: i64,
    /// Payments to households.
    pub disbursed: i64,
}

impl Position {
    /// What is left.
    pub fn balance(self) -> i64 {
        self.received - self.transferred - self.disbursed
    }

    /// The sum of two positions.
    pub fn plus(self, o: Position) -> Position {
        Position {
            received: self.received + o.received,
            transferred: self.transferred + o.transferred,
            disbursed: self.disbursed + o.disbursed,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_keys() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(FundPeriod::Month.key(d), "2026-11");
        assert_eq!(FundPeriod::Quarter.key(d), "2026-Q4");
        assert_eq!(FundPeriod::Year.key(d), "2026");
        let jan = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(FundPeriod::Quarter.key(jan), "2027-Q1");
        let mar = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
        assert_eq!(FundPeriod::Quarter.key(mar), "2027-Q1");
        let apr = NaiveDate::from_ymd_opt(2027, 4, 1).unwrap();
        assert_eq!(FundPeriod::Quarter.key(apr), "2027-Q2");
    }

    #[test]
    fn signed_amounts_and_positions() {
        assert_eq!(signed_yuan(-1250), "-12.50");
        assert_eq!(signed_yuan(5), "0.05");
        assert_eq!(signed_yuan(0), "0.00");
        assert_eq!(signed_yuan(i64::MIN + 1).chars().next(), Some('-'));
        let p = Position { received: 1000, transferred: 300, disbursed: 200 };
        assert_eq!(p.balance(), 500);
        assert_eq!(p.plus(p).balance(), 1000);
    }
}
