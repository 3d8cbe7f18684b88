//! The rules of POLICY §2–§4 as pure functions: a household's facts and its region's standards
//! in, a determination out. Exact integer arithmetic in fen; no IO, no floats, no text (the
//! explanation is rendered from the evidence by [`crate::policy::explain`], so a batch over
//! millions of households allocates nothing per rule).

use crate::{Cause, Exclusion, Framework, Scheme, YearMonth};
use chrono::NaiveDate;
use serde::Serialize;

/// The policy parameters a determination was made under (versioned records in the store).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Params {
    /// Version of the policy record (0 for parameters given in a case file).
    pub version: i64,
    /// The rule set: the 2018 plan or the national framework of 2021 (POLICY §9).
    pub framework: Framework,
    /// The window's length in months: "连续6个月以上" under the plan, a year under the 2021
    /// framework.
    pub window_months: u32,
    /// Households registered on or before this date are the stock.
    pub stock_cutoff: NaiveDate,
    /// C4's multiple of the dibao standard ("5倍（含）以内"), plan only.
    pub multiplier: i64,
    /// R1's `p`: relative hardship is below `p`% of the dibao line (2021 only).
    pub relative_percent: i64,
    /// A1's `q`: hardship costs above `q`% of own income (2021 only).
    pub accident_percent: i64,
    /// M1: months of de-facto labour relation a migrant worker needs (2021 only).
    pub min_labour_months: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params::of(Framework::Plan2018)
    }
}

impl Params {
    /// The defaults of a framework (POLICY §2 and §9; `cases/README.md`).
    pub fn of(framework: Framework) -> Self {
        Params {
            version: 0,
            framework,
            window_months: match framework {
                Framework::Plan2018 => 6,
                Framework::National2021 => 12,
            },
            stock_cutoff: super::default_stock_cutoff(),
            multiplier: 5,
            relative_percent: 200,
            accident_percent: 80,
            min_labour_months: 12,
        }
    }
}

/// One month of a household's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthFacts {
    /// The month.
    pub month: YearMonth,
    /// `n`: people that month (≥ 1).
    pub members: i64,
    /// `I`: disposable income, government assistance included (fen).
    pub income: i64,
    /// `A`: government assistance within `I` (fen).
    pub aid: i64,
    /// `E`: non-living expenditure, all kinds summed (fen).
    pub non_living: i64,
    /// `R`: rigid expenditure, the non-living kinds except `other` (fen; 2021 framework).
    pub rigid: i64,
    /// `K`: hardship costs, medical + emergency + accident (fen; 2021 framework).
    pub hardship: i64,
}

impl MonthFacts {
    /// A month whose non-living spending is all of one kind that is neither rigid nor a hardship
    /// cost (`other`): for callers that know only the total.
    pub fn simple(month: YearMonth, members: i64, income: i64, aid: i64, non_living: i64) -> Self {
        MonthFacts { month, members, income, aid, non_living, rigid: 0, hardship: 0 }
    }
}

/// An enrolment in a social-assistance scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enrolment {
    /// Scheme.
    pub scheme: Scheme,
    /// First month.
    pub from: YearMonth,
    /// Last month, None while it lasts.
    pub to: Option<YearMonth>,
}

impl Enrolment {
    fn active_in(&self, m: YearMonth) -> bool {
        self.from <= m && self.to.is_none_or(|t| t >= m)
    }
}

/// What the rules read of a household.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Registration date.
    pub registered_on: NaiveDate,
    /// Migrant-worker family.
    pub migrant_worker: bool,
    /// Hardship causes.
    pub causes: Vec<Cause>,
    /// The causes are marked resolved (致困因素消除).
    pub causes_resolved: bool,
    /// The children have completed their studies.
    pub children_completed_studies: bool,
    /// Social-assistance enrolments.
    pub enrolments: Vec<Enrolment>,
    /// Months with union assistance.
    pub union_assistance: Vec<YearMonth>,
    /// Monthly records, in any order, one per month.
    pub months: Vec<MonthFacts>,
    /// Exclusion conditions (2021 framework, X1).
    pub exclusions: Vec<Exclusion>,
    /// Months of major events (2021 framework, A1).
    pub major_events: Vec<YearMonth>,
    /// Months of de-facto labour relation of a migrant worker (2021 framework, M1); None: not
    /// recorded.
    pub labour_relation_months: Option<i64>,
}

/// A region's standards: `(from, fen)` sorted by `from`, per kind.
#[derive(Debug, Clone, Default)]
pub struct StandardsTable {
    /// Minimum-living standards (低保).
    pub dibao: Vec<(YearMonth, i64)>,
    /// Low-income family standards (低收入家庭).
    pub low_income: Vec<(YearMonth, i64)>,
}

impl StandardsTable {
    /// A table from unsorted lists.
    pub fn new(mut dibao: Vec<(YearMonth, i64)>, mut low_income: Vec<(YearMonth, i64)>) -> Self {
        dibao.sort_by_key(|s| s.0);
        low_income.sort_by_key(|s| s.0);
        StandardsTable { dibao, low_income }
    }

    fn in_force(list: &[(YearMonth, i64)], m: YearMonth) -> Option<i64> {
        let i = list.partition_point(|s| s.0 <= m);
        (i > 0).then(|| list[i - 1].1)
    }

    /// The dibao standard in force in `m` (the latest `from` ≤ m).
    pub fn dibao_in(&self, m: YearMonth) -> Option<i64> {
        Self::in_force(&self.dibao, m)
    }

    /// The low-income standard in force in `m`.
    pub fn low_income_in(&self, m: YearMonth) -> Option<i64> {
        Self::in_force(&self.low_income, m)
    }
}

/// Three-valued result of a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tri {
    /// The test holds.
    Holds,
    /// The test fails.
    Fails,
    /// The test needs data that is missing.
    NotAssessable,
}

impl Tri {
    /// Holds when `b`, else fails.
    pub fn of(b: bool) -> Tri {
        if b {
            Tri::Holds
        } else {
            Tri::Fails
        }
    }

    /// All of several: fails if any fails, else not assessable if any is, else holds.
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::Fails, _) | (_, Tri::Fails) => Tri::Fails,
            (Tri::NotAssessable, _) | (_, Tri::NotAssessable) => Tri::NotAssessable,
            _ => Tri::Holds,
        }
    }

    /// Any of several: holds if any holds, else not assessable if any is, else fails.
    fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::Holds, _) | (_, Tri::Holds) => Tri::Holds,
            (Tri::NotAssessable, _) | (_, Tri::NotAssessable) => Tri::NotAssessable,
            _ => Tri::Fails,
        }
    }

    /// Code: holds, fails, not_assessable.
    pub fn code(self) -> &'static str {
        match self {
            Tri::Holds => "holds",
            Tri::Fails => "fails",
            Tri::NotAssessable => "not_assessable",
        }
    }
}

/// The rules, in the order of the contract's `reasons`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Rule {
    /// 三(一).
    C1,
    /// 三(二).
    C2,
    /// 三(三).
    C3,
    /// 三(四).
    C4,
    /// 三(五).
    C5,
    /// 四(一)4, first half.
    ExitSocialAssistance,
    /// 四(一)4, second half.
    ExitSchooling,
    /// 四(一)1,2,3,5.
    ExitIncome,
    /// 四(二).
    Relief,
    /// 深度困难 (2021).
    D1,
    /// 相对困难 (2021).
    R1,
    /// 意外致困 (2021).
    A1,
    /// 排除性条件 (2021).
    X1,
    /// 农民工劳动关系 (2021).
    M1,
    /// 脱困 under the 2021 framework: none of D1, R1, A1 holds.
    NationalExit,
}

impl Rule {
    /// The 2018 plan's rules, in order.
    pub const ALL: [Rule; 9] = [
        Rule::C1,
        Rule::C2,
        Rule::C3,
        Rule::C4,
        Rule::C5,
        Rule::ExitSocialAssistance,
        Rule::ExitSchooling,
        Rule::ExitIncome,
        Rule::Relief,
    ];

    /// The 2021 framework's rules, in order.
    pub const NATIONAL: [Rule; 6] = [Rule::D1, Rule::R1, Rule::A1, Rule::X1, Rule::M1, Rule::NationalExit];

    /// A framework's rules, in the order of the contract's `reasons`.
    pub fn of(framework: Framework) -> &'static [Rule] {
        match framework {
            Framework::Plan2018 => &Rule::ALL,
            Framework::National2021 => &Rule::NATIONAL,
        }
    }

    /// Code used in the output.
    pub fn code(self) -> &'static str {
        match self {
            Rule::C1 => "C1",
            Rule::C2 => "C2",
            Rule::C3 => "C3",
            Rule::C4 => "C4",
            Rule::C5 => "C5",
            Rule::ExitSocialAssistance => "exit_social_assistance",
            Rule::ExitSchooling => "exit_schooling",
            Rule::ExitIncome | Rule::NationalExit => "exit_income",
            Rule::Relief => "relief",
            Rule::D1 => "D1",
            Rule::R1 => "R1",
            Rule::A1 => "A1",
            Rule::X1 => "X1",
            Rule::M1 => "M1",
        }
    }

    /// The clause of the plan.
    pub fn clause(self) -> &'static str {
        match self {
            Rule::C1 => "三(一)",
            Rule::C2 => "三(二)",
            Rule::C3 => "三(三)",
            Rule::C4 => "三(四)",
            Rule::C5 => "三(五)",
            Rule::ExitSocialAssistance | Rule::ExitSchooling => "四(一)4",
            Rule::ExitIncome => "四(一)1,2,3,5",
            Rule::Relief => "四(二)",
            Rule::D1 => "深度困难",
            Rule::R1 => "相对困难",
            Rule::A1 => "意外致困",
            Rule::X1 => "排除性条件",
            Rule::M1 => "农民工劳动关系",
            Rule::NationalExit => "脱困",
        }
    }
}

/// A per-month comparison `lhs op rhs` over the window, as evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EveryMonth {
    /// The result.
    pub result: Option<bool>,
    /// The first month where it failed (with lhs, rhs), if any.
    pub failed: Option<(YearMonth, i64, i64)>,
    /// The month with the least margin where it held (with lhs, rhs): the closest call.
    pub closest: Option<(YearMonth, i64, i64)>,
    /// Months that could not be checked (no record, or no standard).
    pub unknown: u32,
    /// The first such month.
    pub first_unknown: Option<YearMonth>,
}

impl EveryMonth {
    fn tri(&self) -> Tri {
        if self.failed.is_some() {
            Tri::Fails
        } else if self.unknown > 0 {
            Tri::NotAssessable
        } else {
            Tri::Holds
        }
    }
}

/// "in some month": the first month where it is true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SomeMonth {
    /// The first month where it held, with the amount.
    pub found: Option<(YearMonth, i64)>,
    /// Months without a record.
    pub unknown: u32,
}

impl SomeMonth {
    fn tri(&self) -> Tri {
        if self.found.is_some() {
            Tri::Holds
        } else if self.unknown > 0 {
            Tri::NotAssessable
        } else {
            Tri::Fails
        }
    }
}

/// The window's living level: `Σ(I − E)` against `Σ(D·n)`, when every month is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Living {
    /// `Σ(I − E)` and `Σ(D·n)`, or None when a month lacks a record or a standard.
    pub sums: Option<(i64, i64)>,
}

impl Living {
    fn below(&self) -> Tri {
        self.sums.map_or(Tri::NotAssessable, |(l, r)| Tri::of(l < r))
    }

    fn at_least(&self) -> Tri {
        self.sums.map_or(Tri::NotAssessable, |(l, r)| Tri::of(l >= r))
    }
}

/// What the 2021 rules found (POLICY §9).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct National {
    /// `S = Σ(O − R)` and `T = Σ(D·n)`, when the window is assessable.
    pub deep: Option<(i64, i64)>,
    /// `ΣK` and `ΣO`, when every window month has a record.
    pub costs: Option<(i64, i64)>,
    /// `Σn`: person-months of the window, when every month has a record.
    pub person_months: i64,
    /// The first major event in the window.
    pub event: Option<YearMonth>,
    /// The household's exclusions (deduplicated, in code order).
    pub exclusions: Vec<Exclusion>,
    /// Months of labour relation of a migrant worker, if recorded.
    pub labour_months: Option<i64>,
}

/// Everything the rules found, enough to explain each result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// Evaluation month `M`.
    pub as_of: YearMonth,
    /// Parameters used.
    pub params: Params,
    /// Stock or incremental.
    pub pool: super::Pool,
    /// First month of the window.
    pub window_from: YearMonth,
    /// Window months without a record.
    pub missing: Vec<YearMonth>,
    /// Window months without a dibao standard.
    pub no_dibao: Vec<YearMonth>,
    /// Window months without a low-income standard.
    pub no_low_income: Vec<YearMonth>,
    /// `I − A < D·n` every month.
    pub own_below_dibao: EveryMonth,
    /// `A = 0` every month (checked as "A > 0 in some month" negated).
    pub aid_some: SomeMonth,
    /// `E > 0` in some month.
    pub spending_some: SomeMonth,
    /// `I − A ≤ L·n` every month.
    pub own_within_low_income: EveryMonth,
    /// `I − A ≤ k·D·n` every month.
    pub own_within_multiple: EveryMonth,
    /// `I > D·n` every month (exit tests use the whole income).
    pub income_above_dibao: EveryMonth,
    /// The living level over the window.
    pub living: Living,
    /// Migrant-worker family.
    pub migrant_worker: bool,
    /// The enrolment that brought the household into social assistance after registration and is
    /// active in `M`, if any.
    pub exit_enrolment: Option<Enrolment>,
    /// Any enrolment active in `M`.
    pub active_enrolment: Option<Enrolment>,
    /// `A` in `M`, when `M` has a record.
    pub aid_in_as_of: Option<i64>,
    /// The latest union assistance month in `M−11 … M`.
    pub union_month: Option<YearMonth>,
    /// Causes include schooling.
    pub schooling: bool,
    /// Children completed studies.
    pub children_completed_studies: bool,
    /// Causes resolved.
    pub causes_resolved: bool,
    /// What the 2021 rules found (default under the plan).
    pub national: National,
    /// The result of each rule, indexed by [`Rule`] (rules of the other framework: fails).
    pub results: [Tri; 15],
}

impl Evaluation {
    /// The result of one rule.
    pub fn result(&self, r: Rule) -> Tri {
        self.results[r as usize]
    }

    /// The framework's rules, in order.
    pub fn rules(&self) -> &'static [Rule] {
        Rule::of(self.params.framework)
    }

    fn holds(&self, r: Rule) -> bool {
        self.result(r) == Tri::Holds
    }

    /// The conditions that hold, in order: C1–C5 under the plan; D1, R1, A1 under the 2021
    /// framework, and only when the household is eligible.
    pub fn conditions(&self) -> Vec<Rule> {
        match self.params.framework {
            Framework::Plan2018 => Rule::ALL[..5].iter().copied().filter(|r| self.holds(*r)).collect(),
            Framework::National2021 if self.eligible() => {
                [Rule::D1, Rule::R1, Rule::A1].into_iter().filter(|r| self.holds(*r)).collect()
            }
            Framework::National2021 => Vec::new(),
        }
    }

    /// The primary condition: the lowest of C1–C4 that holds; under the 2021 framework D1, else
    /// A1, else R1, when eligible.
    pub fn primary(&self) -> Option<Rule> {
        match self.params.framework {
            Framework::Plan2018 => Rule::ALL[..4].iter().copied().find(|r| self.holds(*r)),
            Framework::National2021 if self.eligible() => {
                [Rule::D1, Rule::A1, Rule::R1].into_iter().find(|r| self.holds(*r))
            }
            Framework::National2021 => None,
        }
    }

    /// Whether the household is a subject of the programme. Under the 2021 framework: a
    /// category holds, no exclusion, and the labour-relation condition holds (POLICY §9).
    pub fn eligible(&self) -> bool {
        match self.params.framework {
            Framework::Plan2018 => self.primary().is_some(),
            Framework::National2021 => {
                (self.holds(Rule::D1) || self.holds(Rule::R1) || self.holds(Rule::A1))
                    && self.result(Rule::X1) == Tri::Fails
                    && self.holds(Rule::M1)
            }
        }
    }

    /// The outcome. Plan: the first of exit (social assistance, schooling, income) and relief
    /// that holds, in that order (POLICY §4). 2021: X1 (withdrawn, exclusion), M1 (withdrawn,
    /// labour relation: when it fails), the exit (POLICY §9). None: in difficulty.
    pub fn outcome(&self) -> Option<Rule> {
        match self.params.framework {
            Framework::Plan2018 => Rule::ALL[5..].iter().copied().find(|r| self.holds(*r)),
            Framework::National2021 => {
                if self.holds(Rule::X1) {
                    Some(Rule::X1)
                } else if self.result(Rule::M1) == Tri::Fails {
                    Some(Rule::M1)
                } else if self.holds(Rule::NationalExit) {
                    Some(Rule::NationalExit)
                } else {
                    None
                }
            }
        }
    }

    /// Whether every window month has a record.
    pub fn complete(&self) -> bool {
        self.missing.is_empty()
    }
}

/// Evaluates a household at month `as_of` under the framework of `params` (POLICY §2–§4, §9).
pub fn evaluate(facts: &Facts, standards: &StandardsTable, params: &Params, as_of: YearMonth) -> Evaluation {
    match params.framework {
        Framework::Plan2018 => plan(facts, standards, params, as_of),
        Framework::National2021 => national(facts, standards, params, as_of),
    }
}

fn results(pairs: &[(Rule, Tri)]) -> [Tri; 15] {
    let mut out = [Tri::Fails; 15];
    for (r, t) in pairs {
        out[*r as usize] = *t;
    }
    out
}

/// The 2018 plan (POLICY §2–§4).
fn plan(facts: &Facts, standards: &StandardsTable, params: &Params, as_of: YearMonth) -> Evaluation {
    let w = params.window_months.max(1) as i32;
    let window_from = as_of.plus(1 - w);
    let mut missing = Vec::new();
    let mut no_dibao = Vec::new();
    let mut no_low_income = Vec::new();
    let mut own_below_dibao = EveryMonth::default();
    let mut own_within_low_income = EveryMonth::default();
    let mut own_within_multiple = EveryMonth::default();
    let mut income_above_dibao = EveryMonth::default();
    let mut aid_some = SomeMonth::default();
    let mut spending_some = SomeMonth::default();
    let (mut sum_living, mut sum_standard, mut sums_known) = (0i64, 0i64, true);
    let mut aid_in_as_of = None;
    for i in 0..w {
        let m = window_from.plus(i);
        // One record a month (validated at the edge); input order does not matter.
        let rec = facts.months.iter().find(|r| r.month == m);
        let d = standards.dibao_in(m);
        let l = standards.low_income_in(m);
        if d.is_none() {
            no_dibao.push(m);
        }
        if l.is_none() {
            no_low_income.push(m);
        }
        let Some(r) = rec else {
            missing.push(m);
            for t in
                [&mut own_below_dibao, &mut own_within_low_income, &mut own_within_multiple, &mut income_above_dibao]
            {
                unknown(t, m);
            }
            aid_some.unknown += 1;
            spending_some.unknown += 1;
            sums_known = false;
            continue;
        };
        if m == as_of {
            aid_in_as_of = Some(r.aid);
        }
        let own = r.income - r.aid;
        if r.aid > 0 && aid_some.found.is_none() {
            aid_some.found = Some((m, r.aid));
        }
        if r.non_living > 0 && spending_some.found.is_none() {
            spending_some.found = Some((m, r.non_living));
        }
        match d {
            Some(d) => {
                let dn = d * r.members;
                check(&mut own_below_dibao, m, own, dn, own < dn);
                check(&mut own_within_multiple, m, own, params.multiplier * dn, own <= params.multiplier * dn);
                check(&mut income_above_dibao, m, r.income, dn, r.income > dn);
                sum_living += r.income - r.non_living;
                sum_standard += dn;
            }
            None => {
                for t in [&mut own_below_dibao, &mut own_within_multiple, &mut income_above_dibao] {
                    unknown(t, m);
                }
                sums_known = false;
            }
        }
        match l {
            Some(l) => check(&mut own_within_low_income, m, own, l * r.members, own <= l * r.members),
            None => unknown(&mut own_within_low_income, m),
        }
    }
    for t in [&mut own_below_dibao, &mut own_within_low_income, &mut own_within_multiple, &mut income_above_dibao] {
        t.result = match t.tri() {
            Tri::Holds => Some(true),
            Tri::Fails => Some(false),
            Tri::NotAssessable => None,
        };
    }
    let living = Living { sums: sums_known.then_some((sum_living, sum_standard)) };
    let registered = YearMonth::of_date(facts.registered_on);
    let exit_enrolment = facts.enrolments.iter().copied().find(|e| e.from > registered && e.active_in(as_of));
    let active_enrolment = facts.enrolments.iter().copied().find(|e| e.active_in(as_of));
    let union_month = facts.union_assistance.iter().copied().filter(|u| *u <= as_of && *u >= as_of.plus(-11)).max();
    let schooling = facts.causes.contains(&Cause::Schooling);

    let no_aid = match aid_some.tri() {
        Tri::Holds => Tri::Fails,
        Tri::Fails => Tri::Holds,
        Tri::NotAssessable => Tri::NotAssessable,
    };
    let spending = spending_some.tri();
    let c1 = own_below_dibao.tri().and(no_aid);
    let c2 = own_below_dibao.tri().and(aid_some.tri()).and(spending).and(living.below());
    let c3 = own_within_low_income.tri().and(spending).and(living.below());
    let c4 = own_within_multiple.tri().and(spending).and(living.below());
    let c5 = Tri::of(facts.migrant_worker).and(c1.or(c2).or(c3).or(c4));
    let exit_sa = Tri::of(exit_enrolment.is_some());
    let exit_school = Tri::of(schooling).and(Tri::of(facts.children_completed_studies)).and(income_above_dibao.tri());
    let exit_income = Tri::of(facts.causes_resolved).and(income_above_dibao.tri());
    let in_system = active_enrolment.is_some() || aid_in_as_of.is_some_and(|a| a > 0);
    let relief = Tri::of(in_system).and(Tri::of(union_month.is_some())).and(living.at_least());

    Evaluation {
        as_of,
        params: *params,
        pool: super::Pool::of(facts.registered_on, params.stock_cutoff),
        window_from,
        missing,
        no_dibao,
        no_low_income,
        own_below_dibao,
        aid_some,
        spending_some,
        own_within_low_income,
        own_within_multiple,
        income_above_dibao,
        living,
        migrant_worker: facts.migrant_worker,
        exit_enrolment,
        active_enrolment,
        aid_in_as_of,
        union_month,
        schooling,
        children_completed_studies: facts.children_completed_studies,
        causes_resolved: facts.causes_resolved,
        national: National::default(),
        results: results(&[
            (Rule::C1, c1),
            (Rule::C2, c2),
            (Rule::C3, c3),
            (Rule::C4, c4),
            (Rule::C5, c5),
            (Rule::ExitSocialAssistance, exit_sa),
            (Rule::ExitSchooling, exit_school),
            (Rule::ExitIncome, exit_income),
            (Rule::Relief, relief),
        ]),
    }
}

/// The national framework of 2021 (POLICY §9): sums over a window of `W` months, integer
/// arithmetic widened so no parameter can overflow a comparison.
fn national(facts: &Facts, standards: &StandardsTable, params: &Params, as_of: YearMonth) -> Evaluation {
    let w = params.window_months.max(1) as i32;
    let window_from = as_of.plus(1 - w);
    let (mut missing, mut no_dibao) = (Vec::new(), Vec::new());
    let (mut s, mut t, mut k, mut o, mut n) = (0i64, 0i64, 0i64, 0i64, 0i64);
    for i in 0..w {
        let m = window_from.plus(i);
        let d = standards.dibao_in(m);
        if d.is_none() {
            no_dibao.push(m);
        }
        let Some(r) = facts.months.iter().find(|r| r.month == m) else {
            missing.push(m);
            continue;
        };
        let own = r.income - r.aid;
        s += own - r.rigid;
        t += d.unwrap_or(0) * r.members;
        k += r.hardship;
        o += own;
        n += r.members;
    }
    let complete = missing.is_empty();
    let assessable = complete && no_dibao.is_empty();
    let deep = assessable.then_some((s, t));
    let costs = complete.then_some((k, o));
    let event = facts.major_events.iter().copied().filter(|e| *e >= window_from && *e <= as_of).min();
    let wide = |x: i64| i128::from(x);
    let d1 = deep.map_or(Tri::NotAssessable, |(s, t)| Tri::of(s < t));
    let r1 = deep.map_or(Tri::NotAssessable, |(s, t)| Tri::of(100 * wide(s) < wide(params.relative_percent) * wide(t)));
    let a1 = if event.is_some() {
        Tri::Holds
    } else {
        costs.map_or(Tri::NotAssessable, |(k, o)| Tri::of(100 * wide(k) > wide(params.accident_percent) * wide(o)))
    };
    let mut exclusions = facts.exclusions.clone();
    exclusions.sort();
    exclusions.dedup();
    let x1 = Tri::of(!exclusions.is_empty());
    let m1 = if !facts.migrant_worker {
        Tri::Holds
    } else {
        facts.labour_relation_months.map_or(Tri::NotAssessable, |l| Tri::of(l >= params.min_labour_months))
    };
    let exit = match (d1, r1, a1) {
        (Tri::Fails, Tri::Fails, Tri::Fails) => Tri::Holds,
        _ if [d1, r1, a1].contains(&Tri::Holds) => Tri::Fails,
        _ => Tri::NotAssessable,
    };
    Evaluation {
        as_of,
        params: *params,
        pool: super::Pool::of(facts.registered_on, params.stock_cutoff),
        window_from,
        missing,
        no_dibao,
        no_low_income: Vec::new(),
        own_below_dibao: EveryMonth::default(),
        aid_some: SomeMonth::default(),
        spending_some: SomeMonth::default(),
        own_within_low_income: EveryMonth::default(),
        own_within_multiple: EveryMonth::default(),
        income_above_dibao: EveryMonth::default(),
        living: Living::default(),
        migrant_worker: facts.migrant_worker,
        exit_enrolment: None,
        active_enrolment: None,
        aid_in_as_of: None,
        union_month: None,
        schooling: false,
        children_completed_studies: false,
        causes_resolved: false,
        national: National {
            deep,
            costs,
            person_months: if complete { n } else { 0 },
            event,
            exclusions,
            labour_months: facts.labour_relation_months,
        },
        results: results(&[
            (Rule::D1, d1),
            (Rule::R1, r1),
            (Rule::A1, a1),
            (Rule::X1, x1),
            (Rule::M1, m1),
            (Rule::NationalExit, exit),
        ]),
    }
}

fn check(t: &mut EveryMonth, m: YearMonth, lhs: i64, rhs: i64, ok: bool) {
    if ok {
        // The closest call: the month with the least room (rhs − lhs, or lhs − rhs for ">").
        let margin = (rhs - lhs).abs();
        if t.closest.is_none_or(|(_, l, r)| margin < (r - l).abs()) {
            t.closest = Some((m, lhs, rhs));
        }
    } else if t.failed.is_none() {
        t.failed = Some((m, lhs, rhs));
    }
}

fn unknown(t: &mut EveryMonth, m: YearMonth) {
    t.unknown += 1;
    if t.first_unknown.is_none() {
        t.first_unknown = Some(m);
    }
}

/// Money in fen as yuan with two decimals, for explanations (sums may be negative).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}
