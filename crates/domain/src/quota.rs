//! Annual quotas (POLICY §5): a campaign clears the stock of households registered on or before
//! its cutoff date by yearly percentages. For a region and year `y`, the cumulative target is
//! `ceil(cumulative% × stock)`; achieved is the stock households whose exit or relief was
//! approved on or before 31 December of `y` (or the as-of day, if earlier).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// A campaign's arithmetic: the cutoff, the years with their shares (basis points, 1/100 of a
/// percent, so 30 % is 3,000), and whether withdrawn households leave the denominator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignRule {
    /// Households registered on or before this day form the stock.
    pub stock_cutoff: NaiveDate,
    /// Years in order with their share of the stock, basis points.
    pub years: Vec<(i32, i64)>,
    /// Whether a household withdrawn from the file (approved on or before the day counted)
    /// leaves the stock the targets are computed on.
    pub withdrawn_leave_denominator: bool,
}

impl CampaignRule {
    /// The cumulative share through `year` (basis points; 0 before the first year, 10,000 at
    /// most after the last).
    pub fn cumulative_bp(&self, year: i32) -> i64 {
        self.years.iter().filter(|(y, _)| *y <= year).map(|(_, bp)| bp).sum::<i64>()
    }

    /// The day counted for `year` when looking on `as_of`: 31 December, or `as_of` if earlier.
    pub fn counted_day(year: i32, as_of: NaiveDate) -> NaiveDate {
        let end = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(as_of);
        end.min(as_of)
    }
}

/// `ceil(stock × bp / 10,000)`, in integers (no floating point): the target never rounds a
/// household away.
pub fn target(stock: i64, bp: i64) -> i64 {
    let stock = stock.max(0);
    (stock * bp + 9_999) / 10_000
}

/// How far a region is in one year of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearProgress {
    /// The year.
    pub year: i32,
    /// Stock households counted for the year (withdrawn ones left out when the campaign says so).
    pub stock: i64,
    /// Cumulative share through the year, basis points.
    pub cumulative_bp: i64,
    /// Cumulative target: `ceil(cumulative share × stock)`.
    pub target: i64,
    /// Stock households exited or relieved, approved on or before the day counted.
    pub achieved: i64,
    /// `target − achieved`, never below 0.
    pub shortfall: i64,
    /// What is due by the day looked from: for a past year its whole target; otherwise the
    /// campaign's target pro rata to that day ([`due_on`]), at most this year's target.
    pub due_so_far: i64,
    /// Whether achieved ≥ due so far.
    pub on_track: bool,
}

/// What is due on `as_of` pro rata: last year's cumulative share plus this year's share times
/// the part of the year gone by, of `stock`, rounded up.
pub fn due_on(rule: &CampaignRule, stock: i64, as_of: NaiveDate) -> i64 {
    let year = as_of.year();
    let days = i64::from(NaiveDate::from_ymd_opt(year, 12, 31).map_or(365, |d| d.ordinal()));
    let gone = i64::from(as_of.ordinal());
    let before = rule.cumulative_bp(year - 1);
    let this_year = rule.cumulative_bp(year) - before;
    // ceil(stock × (before × days + this_year × gone) / (10,000 × days))
    let num = stock.max(0) * (before * days + this_year * gone);
    let den = 10_000 * days;
    (num + den - 1) / den
}

/// One year's progress of a region with `stock` households (after withdrawals, if they leave
/// the denominator) and `achieved` approvals counted, seen on `as_of`.
pub fn year_progress(rule: &CampaignRule, year: i32, stock: i64, achieved: i64, as_of: NaiveDate) -> YearProgress {
    let cumulative_bp = rule.cumulative_bp(year);
    let full = target(stock, cumulative_bp);
    let due_so_far = if as_of.year() > year { full } else { due_on(rule, stock, as_of).min(full) };
    YearProgress {
        year,
        stock,
        cumulative_bp,
        target: full,
        achieved,
        shortfall: (full - achieved).max(0),
        due_so_far,
        on_track: achieved >= due_so_far,
    }
}

/// One year's progress against targets set as numbers of households: `targets` are a region's
/// cumulative targets by year (a year without one keeps the year before's). What is due so far
/// is last year's target plus this year's increase pro rata to the part of the year gone by,
/// rounded up, as [`due_on`] does for shares.
pub fn year_progress_absolute(
    targets: &[(i32, i64)],
    year: i32,
    stock: i64,
    achieved: i64,
    as_of: NaiveDate,
) -> YearProgress {
    let through =
        |y: i32| targets.iter().filter(|(x, _)| *x <= y).max_by_key(|(x, _)| *x).map_or(0, |(_, n)| (*n).max(0));
    let full = through(year);
    let due_so_far = if as_of.year() > year {
        full
    } else if as_of.year() < year {
        0
    } else {
        let days = i64::from(NaiveDate::from_ymd_opt(year, 12, 31).map_or(365, |d| d.ordinal()));
        let before = through(year - 1);
        let this_year = (full - before).max(0);
        (before + (this_year * i64::from(as_of.ordinal()) + days - 1) / days).min(full)
    };
    YearProgress {
        year,
        stock,
        cumulative_bp: if stock > 0 { full * 10_000 / stock } else { 0 },
        target: full,
        achieved,
        shortfall: (full - achieved).max(0),
        due_so_far,
        on_track: achieved >= due_so_far,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wuzhou() -> CampaignRule {
        CampaignRule {
            stock_cutoff: NaiveDate::from_ymd_opt(2016, 10, 31).unwrap(),
            years: vec![(2017, 3000), (2018, 2500), (2019, 2500), (2020, 2000)],
            withdrawn_leave_denominator: true,
        }
    }

    #[test]
    fn absolute_targets_are_cumulative_and_due_pro_rata() {
        let t = [(2026, 40), (2027, 100)];
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // Mid-2027 (day 181 of 365): 40 + ceil(60 × 181 / 365) = 40 + 30 = 70 due.
        let p = year_progress_absolute(&t, 2027, 500, 69, day(2027, 6, 30));
        assert_eq!((p.target, p.due_so_far, p.on_track, p.shortfall), (100, 70, false, 31));
        // A past year is due in full; a year to come, nothing yet.
        assert_eq!(year_progress_absolute(&t, 2026, 500, 40, day(2027, 1, 1)).due_so_far, 40);
        assert_eq!(year_progress_absolute(&t, 2027, 500, 0, day(2026, 12, 31)).due_so_far, 0);
        // A year without its own target keeps the last one; before the first there is none.
        assert_eq!(year_progress_absolute(&t, 2028, 500, 0, day(2029, 1, 1)).target, 100);
        assert_eq!(year_progress_absolute(&t, 2025, 500, 0, day(2029, 1, 1)).target, 0);
    }

    #[test]
    fn targets_round_up_and_reach_the_whole_stock() {
        let r = wuzhou();
        assert_eq!(
            [2016, 2017, 2018, 2019, 2020, 2021].map(|y| r.cumulative_bp(y)),
            [0, 3000, 5500, 8000, 10000, 10000]
        );
        // 7 households: 30 % is 2.1 → 3; 55 % is 3.85 → 4; 80 % is 5.6 → 6; 100 % is 7.
        assert_eq!([2017, 2018, 2019, 2020].map(|y| target(7, r.cumulative_bp(y))), [3, 4, 6, 7]);
        // Exact multiples do not round up: 10 households, 30 % → 3.
        assert_eq!(target(10, 3000), 3);
        assert_eq!(target(0, 3000), 0);
        assert_eq!(target(1, 1), 1, "one household at 0.01 % is still one");
    }

    #[test]
    fn progress_is_pro_rata_within_the_year_and_whole_after_it() {
        let r = wuzhou();
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        // 100 stock households, 2018 (cumulative 30 → 55 %): on 1 July 2018 (day 182 of 365)
        // due = ceil(100 × (0.30 + 0.25 × 182/365)) = ceil(42.46…) = 43.
        let mid = year_progress(&r, 2018, 100, 43, d(2018, 7, 1));
        assert_eq!((mid.target, mid.due_so_far, mid.shortfall, mid.on_track), (55, 43, 12, true));
        assert!(!year_progress(&r, 2018, 100, 42, d(2018, 7, 1)).on_track);
        // After the year: the whole target.
        let after = year_progress(&r, 2018, 100, 54, d(2019, 1, 1));
        assert_eq!((after.due_so_far, after.on_track, after.shortfall), (55, false, 1));
        // Before the year: last year's cumulative target.
        assert_eq!(year_progress(&r, 2019, 100, 0, d(2018, 12, 31)).due_so_far, 55);
        // 31 December of the year: the whole target is due.
        assert_eq!(year_progress(&r, 2017, 100, 30, d(2017, 12, 31)).due_so_far, 30);
        // Achieving more than the target leaves no shortfall.
        assert_eq!(year_progress(&r, 2017, 100, 40, d(2017, 12, 31)).shortfall, 0);
    }

    #[test]
    fn the_day_counted_is_the_end_of_the_year_or_the_day_looked_from() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        assert_eq!(CampaignRule::counted_day(2018, d(2020, 5, 1)), d(2018, 12, 31));
        assert_eq!(CampaignRule::counted_day(2018, d(2018, 5, 1)), d(2018, 5, 1));
    }
}
