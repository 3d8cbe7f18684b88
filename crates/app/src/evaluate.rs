//! Evaluating households: case files (the engine's contract), one stored household, and every
//! household in a batch whose determinations are stored (history kept).

use crate::auth::Principal;
use crate::{App, AppError};
use bangfu_domain::policy::engine::{Params, Rule, StandardsTable, Tri};
use bangfu_domain::policy::{case, evaluate, explain, Evaluation};
use bangfu_domain::{FieldError, Permission, StandardKind, YearMonth};
use bangfu_store::NewDetermination;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Evaluates a case file: the determination as pretty JSON, or the error naming the field.
pub fn case(bytes: &[u8]) -> Result<String, case::CaseError> {
    let c = case::parse(bytes)?;
    let e = evaluate(&c.facts, &c.standards, &c.params, c.as_of);
    // Serialising plain data cannot fail; should it, the error names the input.
    serde_json::to_string_pretty(&explain::determination(&e))
        .map_err(|err| case::CaseError { path: "input".into(), message: err.to_string() })
}

/// A stored household's evaluation: the determination, the window month by month, and what
/// would change the outcome.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HouseholdEvaluation {
    /// The determination (as `POST /evaluate` answers it).
    #[schema(value_type = Object)]
    pub determination: explain::Determination,
    /// The window, month by month, against the standard.
    pub months: Vec<WindowMonth>,
    /// What would change the outcome, in Chinese.
    pub hints: Vec<String>,
    /// The same in English.
    pub hints_en: Vec<String>,
}

/// One month of the window.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WindowMonth {
    /// YYYY-MM.
    pub month: String,
    /// Whether a record exists.
    pub recorded: bool,
    /// Members.
    pub members: Option<i64>,
    /// Income (yuan).
    pub income: Option<String>,
    /// Government assistance (yuan).
    pub aid: Option<String>,
    /// Non-living expenditure (yuan).
    pub non_living: Option<String>,
    /// Dibao standard (yuan per person), if defined.
    pub dibao: Option<String>,
    /// Dibao × members (yuan).
    pub dibao_line: Option<String>,
    /// `I − A < D·n`.
    pub own_below_dibao: Option<bool>,
}

/// Counts of one batch, per region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Tally {
    /// Households evaluated.
    pub households: u64,
    /// Windows incomplete.
    pub incomplete: u64,
    /// Eligible.
    pub eligible: u64,
    /// Per condition C1–C5.
    pub conditions: [u64; 5],
    /// Exited by social assistance, schooling, income.
    pub exited: [u64; 3],
    /// Relieved.
    pub relieved: u64,
    /// In difficulty.
    pub in_difficulty: u64,
}

impl Tally {
    fn add(&mut self, e: &Evaluation) {
        self.households += 1;
        self.incomplete += u64::from(!e.complete());
        self.eligible += u64::from(e.eligible());
        for (i, r) in Rule::ALL[..5].iter().enumerate() {
            self.conditions[i] += u64::from(e.result(*r) == Tri::Holds);
        }
        match e.outcome() {
            Some(Rule::ExitSocialAssistance) => self.exited[0] += 1,
            Some(Rule::ExitSchooling) => self.exited[1] += 1,
            Some(Rule::ExitIncome) => self.exited[2] += 1,
            Some(_) => self.relieved += 1,
            None => self.in_difficulty += 1,
        }
    }

    fn merge(&mut self, o: &Tally) {
        self.households += o.households;
        self.incomplete += o.incomplete;
        self.eligible += o.eligible;
        for i in 0..5 {
            self.conditions[i] += o.conditions[i];
        }
        for i in 0..3 {
            self.exited[i] += o.exited[i];
        }
        self.relieved += o.relieved;
        self.in_difficulty += o.in_difficulty;
    }
}

/// The summary of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    /// Run id.
    pub run_id: i64,
    /// Month evaluated.
    pub as_of: String,
    /// Policy version.
    pub policy_version: i64,
    /// Per region code.
    pub regions: BTreeMap<String, Tally>,
    /// All regions.
    pub total: Tally,
}

/// One letter per rule result, in [`Rule::ALL`] order.
fn letters(e: &Evaluation) -> String {
    e.results
        .iter()
        .map(|t| match t {
            Tri::Holds => 'H',
            Tri::Fails => 'F',
            Tri::NotAssessable => 'N',
        })
        .collect()
}

impl App {
    /// The standards of every region, as the engine's tables (fen).
    pub async fn standards_tables(&self) -> Result<HashMap<String, StandardsTable>, AppError> {
        type Lists = (Vec<(YearMonth, i64)>, Vec<(YearMonth, i64)>);
        let mut by: HashMap<String, Lists> = HashMap::new();
        for s in self.store.standards(None).await? {
            let e = by.entry(s.region_code.clone()).or_default();
            match s.kind {
                StandardKind::Dibao => e.0.push((s.from, s.amount.fen())),
                StandardKind::LowIncome => e.1.push((s.from, s.amount.fen())),
            }
        }
        Ok(by.into_iter().map(|(k, (d, l))| (k, StandardsTable::new(d, l))).collect())
    }

    /// Parses `as_of` (YYYY-MM), or takes the current month.
    pub fn as_of(&self, text: Option<&str>) -> Result<YearMonth, AppError> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => YearMonth::parse("as_of", t).map_err(AppError::invalid),
            None => Ok(YearMonth::of_date(chrono::Utc::now().date_naive())),
        }
    }

    /// Evaluates one household `who` may read, at `as_of`, under the latest policy.
    pub async fn evaluate_household(
        &self,
        who: &Principal,
        id: i64,
        as_of: YearMonth,
    ) -> Result<HouseholdEvaluation, AppError> {
        self.household(who, id).await?;
        let params = self.store.policy(None).await?;
        let from = as_of.plus(1 - params.window_months as i32);
        let mut chunk = self.store.facts_chunk(&who.scope, None, id - 1, 1, from, as_of).await?;
        let hf = chunk.pop().filter(|h| h.id == id).ok_or(AppError::NotFound)?;
        let tables = self.standards_tables().await?;
        let empty = StandardsTable::default();
        let table = tables.get(&hf.region_code).unwrap_or(&empty);
        let e = evaluate(&hf.facts, table, &params, as_of);
        let months = (0..params.window_months as i32)
            .map(|i| {
                let m = from.plus(i);
                let r = hf.facts.months.iter().find(|r| r.month == m);
                let d = table.dibao_in(m);
                let y = |f: i64| bangfu_domain::policy::engine::yuan(f);
                WindowMonth {
                    month: m.to_string(),
                    recorded: r.is_some(),
                    members: r.map(|r| r.members),
                    income: r.map(|r| y(r.income)),
                    aid: r.map(|r| y(r.aid)),
                    non_living: r.map(|r| y(r.non_living)),
                    dibao: d.map(y),
                    dibao_line: d.zip(r).map(|(d, r)| y(d * r.members)),
                    own_below_dibao: d.zip(r).map(|(d, r)| r.income - r.aid < d * r.members),
                }
            })
            .collect();
        let (hints, hints_en) = explain::hints(&e, &hf.facts, table).into_iter().unzip();
        Ok(HouseholdEvaluation { determination: explain::determination(&e), months, hints, hints_en })
    }

    /// Evaluates every household `who` reaches (optionally in `region` and what lies under it)
    /// at `as_of` under the latest policy, stores one determination each in a new run (earlier
    /// ones are kept), and returns the counts. `progress` gets the number done so far.
    pub async fn evaluate_all(
        &self,
        who: &Principal,
        as_of: YearMonth,
        region: Option<&str>,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<BatchSummary, AppError> {
        self.permit(who, Permission::WriteHouseholds, "evaluation_run", None).await?;
        let regions = match region.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => {
                let codes = self.store.region_and_children(r).await?;
                if codes.is_empty() || !who.scope.has_region(r) {
                    return Err(AppError::invalid(FieldError::new("region", "unknown_region", "no such region")));
                }
                Some(codes)
            }
            None => None,
        };
        let params: Params = self.store.policy(None).await?;
        let tables = self.standards_tables().await?;
        let empty = StandardsTable::default();
        let from = as_of.plus(1 - params.window_months as i32);
        let mut tx = self.store.begin().await?;
        let run = tx.insert_run(as_of, params.version, region, &who.name).await?;
        tx.commit().await?;
        let mut summary: BTreeMap<String, Tally> = BTreeMap::new();
        let (mut after, mut done) = (0i64, 0u64);
        loop {
            let chunk = self.store.facts_chunk(&who.scope, regions.as_deref(), after, 5000, from, as_of).await?;
            let Some(last) = chunk.last() else { break };
            after = last.id;
            let evaluated: Vec<(NewDetermination, Evaluation)> = chunk
                .par_iter()
                .map(|h| {
                    let e = evaluate(&h.facts, tables.get(&h.region_code).unwrap_or(&empty), &params, as_of);
                    let (status, basis) = explain::outcome_codes(&e);
                    let d = NewDetermination {
                        household_id: h.id,
                        region_code: h.region_code.clone(),
                        as_of,
                        policy_version: params.version,
                        pool: e.pool.code(),
                        complete: e.complete(),
                        eligible: e.eligible(),
                        conditions: e.conditions().iter().map(|r| r.code()).collect::<Vec<_>>().join(","),
                        primary_condition: e.primary().map(Rule::code),
                        status,
                        basis,
                        results: letters(&e),
                    };
                    (d, e)
                })
                .collect();
            for (d, e) in &evaluated {
                summary.entry(d.region_code.clone()).or_default().add(e);
            }
            let rows: Vec<NewDetermination> = evaluated.into_iter().map(|(d, _)| d).collect();
            let mut tx = self.store.begin().await?;
            tx.insert_determinations(Some(run), &rows).await?;
            tx.commit().await?;
            done += rows.len() as u64;
            progress(done);
        }
        let mut total = Tally::default();
        for t in summary.values() {
            total.merge(t);
        }
        let mut tx = self.store.begin().await?;
        tx.finish_run(run, done as i64, "done").await?;
        let mut a = who.audit("evaluate", "evaluation_run", Some(run), region);
        a.detail =
            serde_json::json!({ "as_of": as_of.to_string(), "policy_version": params.version, "households": done })
                .to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        Ok(BatchSummary {
            run_id: run,
            as_of: as_of.to_string(),
            policy_version: params.version,
            regions: summary,
            total,
        })
    }
}
