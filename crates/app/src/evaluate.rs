//! Evaluating households: case files (the engine's contract), one stored household, and every
//! household in a batch whose determinations are stored (history kept).

use crate::auth::Principal;
use crate::{App, AppError};
use bangfu_domain::policy::engine::{Params, Rule, StandardsTable, Tri};
use bangfu_domain::policy::{case, evaluate, explain, Evaluation, PolicyBook};
use bangfu_domain::{Code, FieldError, HouseholdStatus, Permission, StandardKind, YearMonth};
use bangfu_store::{NewDetermination, NewReturn};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

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

/// Counts of one batch, per region. Households judged under the 2018 plan count in its
/// columns (C1–C5, the three exits, relief); those under the 2021 framework in theirs (D1, R1,
/// A1 as categories of eligible households, withdrawals); exits by income and "in difficulty"
/// are common to both.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    /// Households evaluated.
    pub households: u64,
    /// Of which under the 2018 plan.
    pub plan: u64,
    /// Of which under the 2021 framework.
    pub national: u64,
    /// Windows incomplete.
    pub incomplete: u64,
    /// Eligible.
    pub eligible: u64,
    /// Per condition C1–C5 (plan).
    pub conditions: [u64; 5],
    /// Eligible households per 2021 category D1, R1, A1 (one household may count in several).
    pub categories: [u64; 3],
    /// Exited by social assistance, schooling, income (income: both frameworks).
    pub exited: [u64; 3],
    /// Relieved (plan).
    pub relieved: u64,
    /// Withdrawn by exclusion, by the labour-relation condition (2021).
    pub withdrawn: [u64; 2],
    /// In difficulty.
    pub in_difficulty: u64,
}

impl Tally {
    /// Counts one evaluation.
    pub fn add(&mut self, e: &Evaluation) {
        self.households += 1;
        self.incomplete += u64::from(!e.complete());
        self.eligible += u64::from(e.eligible());
        match e.params.framework {
            bangfu_domain::Framework::Plan2018 => {
                self.plan += 1;
                for (i, r) in Rule::ALL[..5].iter().enumerate() {
                    self.conditions[i] += u64::from(e.result(*r) == Tri::Holds);
                }
            }
            bangfu_domain::Framework::National2021 => {
                self.national += 1;
                for c in e.conditions() {
                    match c {
                        Rule::D1 => self.categories[0] += 1,
                        Rule::R1 => self.categories[1] += 1,
                        _ => self.categories[2] += 1,
                    }
                }
            }
        }
        match e.outcome() {
            Some(Rule::ExitSocialAssistance) => self.exited[0] += 1,
            Some(Rule::ExitSchooling) => self.exited[1] += 1,
            Some(Rule::ExitIncome | Rule::NationalExit) => self.exited[2] += 1,
            Some(Rule::X1) => self.withdrawn[0] += 1,
            Some(Rule::M1) => self.withdrawn[1] += 1,
            Some(_) => self.relieved += 1,
            None => self.in_difficulty += 1,
        }
    }

    /// Adds another tally.
    pub fn merge(&mut self, o: &Tally) {
        self.households += o.households;
        self.plan += o.plan;
        self.national += o.national;
        self.incomplete += o.incomplete;
        self.eligible += o.eligible;
        for i in 0..5 {
            self.conditions[i] += o.conditions[i];
        }
        for i in 0..3 {
            self.categories[i] += o.categories[i];
            self.exited[i] += o.exited[i];
        }
        for i in 0..2 {
            self.withdrawn[i] += o.withdrawn[i];
        }
        self.relieved += o.relieved;
        self.in_difficulty += o.in_difficulty;
    }
}

/// The parameters in force at `as_of` for each region of the book's deployment, found once per
/// region and kept (a batch meets a few thousand regions, millions of households).
pub struct InForce<'a> {
    book: &'a PolicyBook,
    as_of: YearMonth,
    cache: HashMap<String, Params>,
}

impl<'a> InForce<'a> {
    /// For `as_of`.
    pub fn new(book: &'a PolicyBook, as_of: YearMonth) -> Self {
        InForce { book, as_of, cache: HashMap::new() }
    }

    /// Prepares the regions of `codes` (call before evaluating in parallel).
    pub fn prepare<'b>(&mut self, codes: impl Iterator<Item = &'b String>) {
        for c in codes {
            if !self.cache.contains_key(c) {
                self.cache.insert(c.clone(), self.book.params(c, self.as_of));
            }
        }
    }

    /// The parameters of a prepared region (the book's default for one not prepared).
    pub fn get(&self, region: &str) -> Params {
        self.cache.get(region).copied().unwrap_or_else(|| self.book.params(region, self.as_of))
    }
}

/// The longest window any record of the book asks for: how many months a batch must read.
pub fn longest_window(book: &PolicyBook) -> u32 {
    book.records().iter().map(|r| r.params.window_months).max().unwrap_or(6)
}

/// The summary of a batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchSummary {
    /// Run id.
    pub run_id: i64,
    /// Month evaluated.
    pub as_of: String,
    /// The latest policy version when the run started (each determination names its own).
    pub policy_version: i64,
    /// The policy versions applied, with how many households each.
    pub versions: BTreeMap<i64, u64>,
    /// Per region code.
    pub regions: BTreeMap<String, Tally>,
    /// All regions.
    pub total: Tally,
    /// Exited households newly flagged as returning to hardship (返困).
    pub returns_flagged: u64,
}

/// Whether a household that has exited is returning to hardship (返困, POLICY §4): its
/// income test fails again on a complete window. Answers the first failing month, its income and
/// threshold. Relieved households are not watched: their test is a different one (解困).
/// Under the 2021 framework: deep or relative hardship again on an assessable window — the
/// evaluation month with the window's net income `S` against `T` (a major event alone is not a
/// return: it is a new hardship, recorded as such).
pub fn returns_to_hardship(status: &str, e: &Evaluation) -> Option<(YearMonth, i64, i64)> {
    if status != HouseholdStatus::Exited.code() || !e.complete() {
        return None;
    }
    match e.params.framework {
        bangfu_domain::Framework::Plan2018 => e.income_above_dibao.failed,
        bangfu_domain::Framework::National2021 => {
            let again = e.result(Rule::D1) == Tri::Holds || e.result(Rule::R1) == Tri::Holds;
            e.national.deep.filter(|_| again).map(|(s, t)| (e.as_of, s, t))
        }
    }
}

/// One letter per rule result, in the order of the framework's rules.
fn letters(e: &Evaluation) -> String {
    e.rules()
        .iter()
        .map(|r| match e.result(*r) {
            Tri::Holds => 'H',
            Tri::Fails => 'F',
            Tri::NotAssessable => 'N',
        })
        .collect()
}

impl App {
    /// The standards of every region (or of `region` only), as the engine's tables (fen).
    pub async fn standards_tables(&self, region: Option<&str>) -> Result<HashMap<String, StandardsTable>, AppError> {
        let mut by: HashMap<String, Vec<bangfu_store::Standard>> = HashMap::new();
        for s in self.store.standards(region).await? {
            by.entry(s.region_code.clone()).or_default().push(s);
        }
        Ok(by.into_iter().map(|(k, v)| (k, standards_table(&v))).collect())
    }

    /// Parses `as_of` (YYYY-MM), or takes the current month.
    pub fn as_of(&self, text: Option<&str>) -> Result<YearMonth, AppError> {
        match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => YearMonth::parse("as_of", t).map_err(AppError::invalid),
            None => Ok(YearMonth::of_date(crate::clock::today())),
        }
    }

    /// Evaluates one household `who` may read, at `as_of`, under the latest policy.
    pub async fn evaluate_household(
        &self,
        who: &Principal,
        id: i64,
        as_of: YearMonth,
    ) -> Result<HouseholdEvaluation, AppError> {
        let household = self.household(who, id).await?;
        // The framework and parameters in force for the household's region in that month.
        let params = self.store.policy_book_for(&household.region_code).await?.params(&household.region_code, as_of);
        let from = as_of.plus(1 - params.window_months as i32);
        let mut chunk = self.store.facts_chunk(&who.scope, None, id - 1, 1, from, as_of).await?;
        let hf = chunk.pop().filter(|h| h.id == id).ok_or(AppError::NotFound)?;
        // One household needs its own region's standards only.
        let table = standards_table(&self.store.standards(Some(&hf.region_code)).await?);
        Ok(household_evaluation(&hf.facts, &table, &params, as_of))
    }

    /// What a household's page shows: its file and its evaluation at `as_of` (None: the month
    /// of its latest record; no evaluation without any record), read once — the evaluation is
    /// computed from the file's own months, standards, enrolments, assistance and events when
    /// the window lies within the file's 24 months, and read only when it does not.
    pub async fn household_view(
        &self,
        who: &Principal,
        id: i64,
        as_of: Option<YearMonth>,
    ) -> Result<HouseholdView, AppError> {
        let (file, standards, r) = self.household_file_and_standards(who, id).await?;
        let mut view = HouseholdView {
            pairings: r.pairings,
            outcomes: r.outcomes,
            plans: (r.plans, r.measures, r.visits, r.returns),
            verifications: r.verifications,
            regions: r.regions,
            organisations: r.organisations,
            departments: r.departments,
            evaluation: None,
            file,
        };
        view.evaluation = self.evaluation_of_file(who, &view.file, &standards, as_of).await?;
        Ok(view)
    }

    async fn evaluation_of_file(
        &self,
        who: &Principal,
        file: &crate::households::HouseholdFile,
        standards: &[bangfu_store::Standard],
        as_of: Option<YearMonth>,
    ) -> Result<Option<(YearMonth, HouseholdEvaluation)>, AppError> {
        let id = file.household.id;
        let Some(as_of) = as_of.or_else(|| file.months.iter().rev().find(|m| m.record.is_some()).map(|m| m.month))
        else {
            return Ok(None);
        };
        let region = &file.household.region_code;
        let params = self.store.policy_book_for(region).await?.params(region, as_of);
        let from = as_of.plus(1 - params.window_months as i32);
        let facts = match facts_of_file(file, from, as_of) {
            Some(f) => f,
            None => {
                let mut chunk = self.store.facts_chunk(&who.scope, None, id - 1, 1, from, as_of).await?;
                chunk.pop().filter(|h| h.id == id).ok_or(AppError::NotFound)?.facts
            }
        };
        let e = household_evaluation(&facts, &standards_table(standards), &params, as_of);
        Ok(Some((as_of, e)))
    }
}

/// A household's plans, measures, visits and returns to hardship (as [`App::household_plans`]).
pub type HouseholdPlans =
    (Vec<bangfu_store::Plan>, Vec<bangfu_store::Measure>, Vec<bangfu_store::Visit>, Vec<bangfu_store::HardshipReturn>);

/// Everything a household's page shows, read once (see [`App::household_view`]).
#[derive(Debug, Clone)]
pub struct HouseholdView {
    /// The file (personal data masked).
    pub file: crate::households::HouseholdFile,
    /// The evaluation at the month asked for (or of the latest record), if any record exists.
    pub evaluation: Option<(YearMonth, HouseholdEvaluation)>,
    /// Helper pairings (一帮一), newest first.
    pub pairings: Vec<bangfu_store::Pairing>,
    /// Outcomes proposed and decided.
    pub outcomes: Vec<bangfu_store::Outcome>,
    /// Yearly plans (一户一计划), measures (一户一措施), home visits and returns to hardship.
    pub plans: HouseholdPlans,
    /// Verification requests about the household.
    pub verifications: Vec<bangfu_store::Verification>,
    /// The regions in use (for their names).
    pub regions: Vec<bangfu_store::Region>,
    /// The organisations the reader reaches (for their names).
    pub organisations: Vec<bangfu_store::Organisation>,
    /// The departments a verification request can be addressed to.
    pub departments: Vec<bangfu_store::Organisation>,
}

/// A region's standards as the engine's table (fen).
fn standards_table(standards: &[bangfu_store::Standard]) -> StandardsTable {
    let (mut d, mut l) = (Vec::new(), Vec::new());
    for s in standards {
        match s.kind {
            StandardKind::Dibao => d.push((s.from, s.amount.fen())),
            StandardKind::LowIncome => l.push((s.from, s.amount.fen())),
        }
    }
    StandardsTable::new(d, l)
}

/// The facts of a household's file for the window `from … to`, if the file's months cover it
/// (the same facts the store reads for the window: `facts_chunk`).
pub(crate) fn facts_of_file(
    file: &crate::households::HouseholdFile,
    from: YearMonth,
    to: YearMonth,
) -> Option<bangfu_domain::policy::engine::Facts> {
    use bangfu_domain::policy::engine::{Enrolment, Facts, MonthFacts};
    let (first, last) = (file.months.first()?.month, file.months.last()?.month);
    if from < first || to > last {
        return None;
    }
    let h = &file.household;
    let in_window = |m: YearMonth| from <= m && m <= to;
    Some(Facts {
        registered_on: h.registered_on,
        migrant_worker: h.migrant_worker,
        causes: h.causes.clone(),
        causes_resolved: h.causes_resolved,
        children_completed_studies: h.children_completed_studies,
        labour_relation_months: h.labour_relation_months,
        exclusions: h.exclusions.clone(),
        months: file
            .months
            .iter()
            .filter(|m| in_window(m.month))
            .filter_map(|m| m.record.as_ref())
            .map(|r| {
                use bangfu_domain::NonLivingKind as K;
                let spent = [
                    (K::Medical, r.medical),
                    (K::Education, r.education),
                    (K::Emergency, r.emergency),
                    (K::Accident, r.accident),
                    (K::Other, r.other),
                ];
                // The framework's own sets of kinds (rigid, hardship costs), as the case files use.
                let sum = |keep: fn(K) -> bool| spent.iter().filter(|(k, _)| keep(*k)).map(|(_, a)| a.fen()).sum();
                MonthFacts {
                    month: r.month,
                    members: r.members,
                    income: r.income.fen(),
                    aid: r.government_assistance.fen(),
                    non_living: sum(|_| true),
                    rigid: sum(K::is_rigid),
                    hardship: sum(K::is_hardship_cost),
                }
            })
            .collect(),
        enrolments: file.enrolments.iter().map(|e| Enrolment { scheme: e.scheme, from: e.from, to: e.to }).collect(),
        union_assistance: file
            .union_assistance
            .iter()
            .map(|a| YearMonth::of_date(a.date))
            .filter(|m| to.plus(-11) <= *m && *m <= to)
            .collect(),
        major_events: file.major_events.iter().map(|e| e.month).filter(|m| in_window(*m)).collect(),
    })
}

/// One household's evaluation with its window laid out month by month and the hints.
fn household_evaluation(
    facts: &bangfu_domain::policy::engine::Facts,
    table: &StandardsTable,
    params: &Params,
    as_of: YearMonth,
) -> HouseholdEvaluation {
    let from = as_of.plus(1 - params.window_months as i32);
    let e = evaluate(facts, table, params, as_of);
    let months = (0..params.window_months as i32)
        .map(|i| {
            let m = from.plus(i);
            let r = facts.months.iter().find(|r| r.month == m);
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
    let (hints, hints_en) = explain::hints(&e, facts, table).into_iter().unzip();
    HouseholdEvaluation { determination: explain::determination(&e), months, hints, hints_en }
}

impl App {
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
                    return Err(AppError::invalid(FieldError::new("region", Code::UnknownRegion)));
                }
                Some(codes)
            }
            None => None,
        };
        let book = self.store.policy_book().await?;
        let latest = book.records().iter().map(|r| r.params.version).max().unwrap_or(0);
        let mut in_force = InForce::new(&book, as_of);
        let tables = self.standards_tables(None).await?;
        let empty = StandardsTable::default();
        let from = as_of.plus(1 - longest_window(&book) as i32);
        let mut tx = self.store.begin().await?;
        let run = tx.insert_run(as_of, latest, region, &who.name).await?;
        tx.commit().await?;
        let mut summary: BTreeMap<String, Tally> = BTreeMap::new();
        let mut versions: BTreeMap<i64, u64> = BTreeMap::new();
        let (mut done, mut flagged) = (0u64, 0u64);
        let mut chunks = self.store.facts_stream(&who.scope, regions, CHUNK, from, as_of);
        // Where the time goes (logged at the end): waiting for the reader, judging, writing.
        let mut phases = Phases::default();
        let mut writer = self.store.determination_writer().await?;
        loop {
            let t = Instant::now();
            let Some(chunk) = chunks.next().await? else { break };
            phases.read += t.elapsed();
            let t = Instant::now();
            in_force.prepare(chunk.iter().map(|h| &h.region_code));
            let in_force = &in_force;
            let evaluated: Vec<(NewDetermination, Evaluation)> = chunk
                .par_iter()
                .map(|h| {
                    let params = in_force.get(&h.region_code);
                    let e = evaluate(&h.facts, tables.get(&h.region_code).unwrap_or(&empty), &params, as_of);
                    let (status, basis) = explain::outcome_codes(&e);
                    let d = NewDetermination {
                        household_id: h.id,
                        region_code: h.region_code.clone(),
                        as_of,
                        policy_version: params.version,
                        framework: params.framework.code(),
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
                *versions.entry(d.policy_version).or_default() += 1;
            }
            let mut returning: Vec<NewReturn> = Vec::new();
            for (h, (_, e)) in chunk.iter().zip(&evaluated) {
                if let Some(failed) = returns_to_hardship(&h.status, e) {
                    returning.push(NewReturn { household_id: h.id, as_of, failed });
                }
            }
            let rows: Vec<NewDetermination> = evaluated.into_iter().map(|(d, _)| d).collect();
            phases.judge += t.elapsed();
            let t = Instant::now();
            done += rows.len() as u64;
            writer.write(Some(run), rows).await?;
            if !returning.is_empty() {
                let mut tx = self.store.begin().await?;
                flagged += tx.insert_returns(Some(run), &returning).await?;
                tx.commit().await?;
            }
            phases.write += t.elapsed();
            progress(done);
        }
        let t = Instant::now();
        let mut total = Tally::default();
        for t in summary.values() {
            total.merge(t);
        }
        let mut tx = self.store.begin().await?;
        tx.finish_run(run, done as i64, "done").await?;
        let mut a = who.audit("evaluate", "evaluation_run", Some(run), region);
        a.detail =
            serde_json::json!({ "as_of": as_of.to_string(), "policy_versions": versions, "households": done, "returns_flagged": flagged })
                .to_string();
        tx.append_audit(&a).await?;
        tx.commit().await?;
        tracing::info!(
            run,
            households = done,
            waiting_for_reads_ms = phases.read.as_millis() as u64,
            judging_ms = phases.judge.as_millis() as u64,
            writing_ms = phases.write.as_millis() as u64,
            finishing_ms = t.elapsed().as_millis() as u64,
            "batch done"
        );
        Ok(BatchSummary {
            run_id: run,
            as_of: as_of.to_string(),
            policy_version: latest,
            versions,
            regions: summary,
            total,
            returns_flagged: flagged,
        })
    }
}

/// The re-check list (五(一)1) of the latest run.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecheckPage {
    /// The run the list comes from (None: no batch has run yet).
    pub run: Option<bangfu_store::EvaluationRun>,
    /// Households proposed for withdrawal, personal data masked, with their determination.
    pub items: Vec<RecheckRow>,
    /// Page.
    pub page: u64,
    /// Rows a page.
    pub per_page: u64,
    /// Matches, counted up to 10,000.
    pub total: u64,
}

/// One household of the re-check list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RecheckRow {
    /// The household (masked).
    pub household: bangfu_store::Household,
    /// Its determination in the run.
    pub determination: bangfu_store::StoredDetermination,
}

impl App {
    /// Households still in the file that the latest batch found meeting no condition, with no
    /// exit or relief, on a complete window: proposed for withdrawal (a person decides).
    /// Incomplete windows are not proposed: missing data is not a failed re-check.
    pub async fn recheck(&self, who: &Principal, page: u64, per_page: u64) -> Result<RecheckPage, AppError> {
        self.permit(who, Permission::ReadHouseholds, "household", None).await?;
        let Some(run) = self.store.latest_run().await? else {
            return Ok(RecheckPage { run: None, items: Vec::new(), page, per_page, total: 0 });
        };
        let (rows, total) = self.store.recheck(&who.scope, run.id, page, per_page).await?;
        let items = rows
            .into_iter()
            .map(|(h, d)| RecheckRow { household: crate::households::masked(h), determination: d })
            .collect();
        Ok(RecheckPage { run: Some(run), items, page, per_page, total })
    }
}

/// A standard changed for a what-if.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WhatIfQuery {
    /// Month to evaluate, YYYY-MM.
    pub as_of: Option<String>,
    /// dibao or low_income (default dibao).
    pub kind: Option<String>,
    /// Change in percent, e.g. 10 or -5.5.
    pub percent: Option<String>,
    /// From this month, YYYY-MM (default: as_of).
    pub from: Option<String>,
}

/// Counts before and after, per region.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WhatIf {
    /// Month evaluated.
    pub as_of: String,
    /// The change.
    pub kind: String,
    /// Percent.
    pub percent: String,
    /// From.
    pub from: String,
    /// Region code → [before, after].
    #[schema(value_type = Object)]
    pub regions: BTreeMap<String, (Tally, Tally)>,
    /// All regions: [before, after].
    #[schema(value_type = Vec<Object>)]
    pub total: (Tally, Tally),
}

/// `amount` changed by `bp` basis points (1% = 100), to the fen, halves away from zero.
fn scaled(amount: i64, bp: i64) -> i64 {
    let n = amount * (10_000 + bp);
    (n + n.signum() * 5_000) / 10_000
}

impl App {
    /// Previews the counts per region if a standard changed by `percent` from a month: every
    /// household `who` reaches is evaluated twice in memory. Nothing is written.
    pub async fn what_if(&self, who: &Principal, q: &WhatIfQuery) -> Result<WhatIf, AppError> {
        self.permit(who, Permission::ReadHouseholds, "household", None).await?;
        let mut e = crate::input::Errors::default();
        let as_of = e.take(self.as_of(q.as_of.as_deref()).map_err(|_| FieldError::new("as_of", Code::InvalidMonth)));
        let kind = e.take(StandardKind::parse("kind", q.kind.as_deref().filter(|k| !k.is_empty()).unwrap_or("dibao")));
        let pct = q.percent.as_deref().map(str::trim).unwrap_or("");
        let (neg, digits) = pct.strip_prefix('-').map_or((false, pct), |d| (true, d));
        let bp =
            e.take(bangfu_domain::Money::parse_yuan("percent", digits).map(|m| if neg { -m.fen() } else { m.fen() }));
        if bp.is_some_and(|b| !(-9_000..=100_000).contains(&b)) {
            e.push(FieldError::new("percent", Code::OutOfRange).with("min", -90).with("max", 1000));
        }
        let from = match q.from.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => e.take(YearMonth::parse("from", f)),
            None => as_of,
        };
        let (as_of, kind, bp, from) = e.finish((|| Some((as_of?, kind?, bp?, from?)))()).map_err(AppError::Invalid)?;
        let book = self.store.policy_book().await?;
        let base = self.standards_tables(None).await?;
        let changed: HashMap<String, StandardsTable> = base
            .iter()
            .map(|(r, t)| {
                let change = |list: &Vec<(YearMonth, i64)>| {
                    let mut out: Vec<(YearMonth, i64)> =
                        list.iter().map(|(m, a)| (*m, if *m >= from { scaled(*a, bp) } else { *a })).collect();
                    // The standard in force at `from` changes from `from` on.
                    if let Some((_, a)) = list.iter().filter(|(m, _)| *m < from).max_by_key(|(m, _)| *m) {
                        if !list.iter().any(|(m, _)| *m == from) {
                            out.push((from, scaled(*a, bp)));
                        }
                    }
                    out
                };
                let t = match kind {
                    StandardKind::Dibao => StandardsTable::new(change(&t.dibao), t.low_income.clone()),
                    StandardKind::LowIncome => StandardsTable::new(t.dibao.clone(), change(&t.low_income)),
                };
                (r.clone(), t)
            })
            .collect();
        let (regions, total) = compare(self, who, as_of, None, (&book, &base), (&book, &changed)).await?;
        Ok(WhatIf {
            as_of: as_of.to_string(),
            kind: kind.code().into(),
            percent: format!("{}{}", if bp < 0 { "-" } else { "" }, bangfu_domain::Money::from_fen(bp.abs())),
            from: from.to_string(),
            regions,
            total,
        })
    }
}

/// A batch's time by phase.
#[derive(Default)]
struct Phases {
    read: Duration,
    judge: Duration,
    write: Duration,
}

/// Households a batch reads, evaluates and writes at a time: memory stays flat in the number of
/// households, and one write transaction stays short.
const CHUNK: u64 = 5000;

/// A policy book and the regions' standards: what a determination is made under.
pub type Setup<'a> = (&'a PolicyBook, &'a HashMap<String, StandardsTable>);

/// The counts per region (and in all) of every household `who` reaches — only in `regions` when
/// given — evaluated at `as_of` under two setups, in memory: the what-if machinery, for a
/// change of standards and for a change of framework or parameters. Nothing is written.
pub(crate) async fn compare(
    app: &App,
    who: &Principal,
    as_of: YearMonth,
    regions: Option<&[String]>,
    before: Setup<'_>,
    after: Setup<'_>,
) -> Result<(BTreeMap<String, (Tally, Tally)>, (Tally, Tally)), AppError> {
    let empty = StandardsTable::default();
    let window = longest_window(before.0).max(longest_window(after.0));
    let window_from = as_of.plus(1 - window as i32);
    let (mut force_b, mut force_a) = (InForce::new(before.0, as_of), InForce::new(after.0, as_of));
    let mut out: BTreeMap<String, (Tally, Tally)> = BTreeMap::new();
    let mut chunks = app.store.facts_stream(&who.scope, regions.map(<[String]>::to_vec), CHUNK, window_from, as_of);
    while let Some(chunk) = chunks.next().await? {
        force_b.prepare(chunk.iter().map(|h| &h.region_code));
        force_a.prepare(chunk.iter().map(|h| &h.region_code));
        let (fb, fa) = (&force_b, &force_a);
        let pairs: Vec<(String, Evaluation, Evaluation)> = chunk
            .par_iter()
            .map(|h| {
                let r = &h.region_code;
                let b = evaluate(&h.facts, before.1.get(r).unwrap_or(&empty), &fb.get(r), as_of);
                let c = evaluate(&h.facts, after.1.get(r).unwrap_or(&empty), &fa.get(r), as_of);
                (r.clone(), b, c)
            })
            .collect();
        for (r, b, c) in &pairs {
            let e = out.entry(r.clone()).or_default();
            e.0.add(b);
            e.1.add(c);
        }
    }
    let mut total = (Tally::default(), Tally::default());
    for (b, c) in out.values() {
        total.0.merge(b);
        total.1.merge(c);
    }
    Ok((out, total))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn only_an_exited_household_failing_on_a_complete_window_returns_to_hardship() {
        use bangfu_domain::policy::engine::{Facts, MonthFacts};
        let params = Params {
            version: 1,
            stock_cutoff: chrono::NaiveDate::from_ymd_opt(2016, 12, 31).unwrap(),
            multiplier: 2,
            ..Params::default()
        };
        let as_of = YearMonth::new(2026, 6).unwrap();
        let table = StandardsTable::new(vec![(YearMonth::new(2015, 1).unwrap(), 60_000)], vec![]);
        let facts = |income: i64, months: i32| Facts {
            registered_on: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            months: (0..months).map(|i| MonthFacts::simple(as_of.plus(-i), 2, income, 0, 0)).collect(),
            ..Default::default()
        };
        let low = evaluate(&facts(100_000, 6), &table, &params, as_of);
        let failed = returns_to_hardship("exited", &low).expect("income 1000 ≤ 1200 in every month");
        assert_eq!((failed.1, failed.2), (100_000, 120_000));
        assert_eq!(returns_to_hardship("relieved", &low), None, "only exits are watched");
        assert_eq!(returns_to_hardship("in_file", &low), None);
        let high = evaluate(&facts(150_000, 6), &table, &params, as_of);
        assert_eq!(returns_to_hardship("exited", &high), None, "income above the line");
        let partial = evaluate(&facts(100_000, 5), &table, &params, as_of);
        assert_eq!(returns_to_hardship("exited", &partial), None, "an incomplete window flags nothing");
    }

    #[test]
    fn scaling_rounds_to_the_fen() {
        assert_eq!(super::scaled(60_000, 1_000), 66_000);
        assert_eq!(super::scaled(60_005, 1_000), 66_006); // 66005.5 → 66006
        assert_eq!(super::scaled(60_000, -550), 56_700);
    }
}
