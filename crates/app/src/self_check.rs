//! A worker's self-check (困难职工自测): what the rules in force for a county would say of a
//! household described by a few yearly figures — public, without signing in, and nothing is
//! stored or logged. The figures are spread evenly over the months of the window (the 2021
//! framework compares annual sums; the 2018 plan's monthly tests then see the monthly average),
//! and the same engine as the batch judges them.

use crate::input::{Amount, Errors};
use crate::{App, AppError};
use bangfu_domain::policy::engine::{evaluate, Facts, MonthFacts, Rule, StandardsTable};
use bangfu_domain::policy::explain;
use bangfu_domain::*;

/// What a worker enters.
#[derive(Debug, Clone, Default)]
pub struct SelfCheckInput {
    /// The county (区县) where the household lives.
    pub region_code: String,
    /// People in the household.
    pub members: i64,
    /// The household's income over the last 12 months, government assistance included (yuan).
    pub income: Amount,
    /// Of it, government assistance (低保金等, yuan).
    pub aid: Amount,
    /// Medical costs over the 12 months (yuan).
    pub medical: Amount,
    /// Education costs over the 12 months (yuan).
    pub education: Amount,
    /// Costs of sudden events and accidents over the 12 months (yuan).
    pub accident: Amount,
    /// A major event (disaster, safety accident, epidemic …) in the last 12 months, by kind.
    pub event: String,
    /// Exclusion conditions that apply (codes).
    pub exclusions: Vec<String>,
    /// A migrant worker's household.
    pub migrant_worker: bool,
    /// Months of de-facto labour relation (migrant workers).
    pub labour_months: Option<i64>,
}

/// What the rules would say.
#[derive(Debug, Clone)]
pub struct SelfCheck {
    /// The framework in force for the county this month.
    pub framework: Framework,
    /// The month judged (last month) and the window's first month.
    pub as_of: YearMonth,
    /// First month of the window.
    pub window_from: YearMonth,
    /// Whether the household would be a subject of the programme.
    pub eligible: bool,
    /// The primary category or condition (D1, A1, R1; C1…C4), if any.
    pub primary: Option<&'static str>,
    /// exited, relieved, withdrawn, in_difficulty (as the engine names them).
    pub status: &'static str,
    /// The rules' reasons.
    pub reasons: Vec<explain::Reason>,
    /// What would change the outcome (Chinese, English).
    pub hints: Vec<(String, String)>,
    /// The minimum-living standard in force in the month judged (yuan per person), if any.
    pub dibao: Option<Money>,
}

/// Largest household the check takes.
const MAX_MEMBERS: i64 = 30;

impl App {
    /// Judges a household described by `input` under the rules in force for its county last
    /// month. Reads the region, its standards and the policy; writes nothing.
    pub async fn self_check(&self, input: &SelfCheckInput) -> Result<SelfCheck, AppError> {
        let mut e = Errors::default();
        let region = input.region_code.trim();
        let known = match self.store.region(region).await {
            Ok(r) => r.in_use,
            Err(bangfu_store::StoreError::NotFound) => false,
            Err(other) => return Err(other.into()),
        };
        if !known {
            e.push(FieldError::new("region_code", Code::UnknownRegion));
        }
        if !(1..=MAX_MEMBERS).contains(&input.members) {
            e.push(FieldError::new("members", Code::OutOfRange).with("min", 1).with("max", MAX_MEMBERS));
        }
        let money = |e: &mut Errors, field: &str, a: &Amount| -> i64 {
            match a {
                Amount::Text(t) if t.trim().is_empty() => 0,
                a => e.take(a.parse(field)).map_or(0, |m| m.fen()),
            }
        };
        let income = money(&mut e, "income", &input.income);
        let aid = money(&mut e, "aid", &input.aid);
        let medical = money(&mut e, "medical", &input.medical);
        let education = money(&mut e, "education", &input.education);
        let accident = money(&mut e, "accident", &input.accident);
        if aid > income {
            e.push(FieldError::new("aid", Code::ExceedsIncome));
        }
        let event = match input.event.trim() {
            "" => None,
            k => e.take(MajorEvent::parse("event", k)),
        };
        let mut exclusions = Vec::new();
        for x in &input.exclusions {
            if let Some(x) = e.take(Exclusion::parse("exclusions", x.trim())) {
                exclusions.push(x);
            }
        }
        let labour = match input.labour_months {
            Some(n) if !(0..=600).contains(&n) => {
                e.push(FieldError::new("labour_months", Code::OutOfRange).with("min", 0).with("max", 600));
                None
            }
            n => n,
        };
        e.finish(Some(())).map_err(AppError::Invalid)?;
        let as_of = YearMonth::of_date(crate::clock::today()).plus(-1);
        let params = self.store.policy_book_for(region).await?.params(region, as_of);
        // At least the 12 months asked about; the window may be shorter.
        let n = params.window_months.max(12) as i64;
        let from = as_of.plus(1 - n as i32);
        let spread = |total: i64, i: i64| total / n + if i == n - 1 { total % n } else { 0 };
        let months = (0..n)
            .map(|i| {
                let (m, ed, ac, inc, a) =
                    (spread(medical, i), spread(education, i), spread(accident, i), spread(income, i), spread(aid, i));
                MonthFacts {
                    month: from.plus(i as i32),
                    members: input.members,
                    income: inc,
                    aid: a,
                    non_living: m + ed + ac,
                    rigid: m + ed + ac,
                    hardship: m + ac,
                }
            })
            .collect();
        let facts = Facts {
            registered_on: crate::clock::today(),
            migrant_worker: input.migrant_worker,
            causes: Vec::new(),
            causes_resolved: false,
            children_completed_studies: false,
            enrolments: Vec::new(),
            union_assistance: Vec::new(),
            months,
            exclusions,
            major_events: event.map(|_| as_of).into_iter().collect(),
            labour_relation_months: labour,
        };
        let tables = self.standards_tables(Some(region)).await?;
        let empty = StandardsTable::default();
        let table = tables.get(region).unwrap_or(&empty);
        let ev = evaluate(&facts, table, &params, as_of);
        let d = explain::determination(&ev);
        Ok(SelfCheck {
            framework: params.framework,
            as_of,
            window_from: ev.window_from,
            eligible: d.eligibility.eligible,
            primary: ev.primary().map(Rule::code),
            status: d.outcome.status,
            reasons: d.reasons,
            hints: explain::hints(&ev, &facts, table),
            dibao: table.dibao_in(as_of).map(Money::from_fen),
        })
    }
}
