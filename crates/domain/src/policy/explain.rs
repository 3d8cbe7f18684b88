//! The determination as the contract prints it (`../shared/cases/README.md`), with a reason
//! for each rule that names the months and amounts that decided it, in Chinese and English.

use super::engine::{yuan, Evaluation, EveryMonth, Rule, SomeMonth, Tri};
use crate::{Framework, YearMonth};
use serde::Serialize;

/// The window as printed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WindowOut {
    /// First month.
    pub from: YearMonth,
    /// Last month (the evaluation month).
    pub to: YearMonth,
    /// Every month has a record.
    pub complete: bool,
    /// Months without a record.
    pub missing: Vec<YearMonth>,
}

/// Eligibility as printed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EligibilityOut {
    /// A subject of the programme.
    pub eligible: bool,
    /// Conditions that hold, C5 included.
    pub conditions: Vec<&'static str>,
    /// The lowest of C1–C4 that holds.
    pub primary: Option<&'static str>,
}

/// Outcome as printed.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct OutcomeOut {
    /// exited, relieved, in_difficulty.
    pub status: &'static str,
    /// social_assistance, schooling, income for an exit.
    pub basis: Option<&'static str>,
}

/// One rule's reason.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Reason {
    /// Rule code.
    pub rule: &'static str,
    /// Clause of the plan.
    pub clause: &'static str,
    /// holds, fails, not_assessable.
    pub result: &'static str,
    /// Why, in Chinese, naming months and amounts.
    pub text: String,
    /// The same in English.
    pub text_en: String,
}

/// The whole determination.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Determination {
    /// Evaluation month.
    pub as_of: YearMonth,
    /// The rule set applied: plan-2018 or national-2021.
    pub framework: Framework,
    /// Policy version.
    pub policy_version: i64,
    /// stock or incremental.
    pub pool: super::Pool,
    /// The window.
    pub window: WindowOut,
    /// Eligibility.
    pub eligibility: EligibilityOut,
    /// Outcome.
    pub outcome: OutcomeOut,
    /// One reason per rule.
    pub reasons: Vec<Reason>,
}

/// The outcome's status and basis codes.
pub fn outcome_codes(e: &Evaluation) -> (&'static str, Option<&'static str>) {
    match e.outcome() {
        Some(Rule::ExitSocialAssistance) => ("exited", Some("social_assistance")),
        Some(Rule::ExitSchooling) => ("exited", Some("schooling")),
        Some(Rule::ExitIncome | Rule::NationalExit) => ("exited", Some("income")),
        Some(Rule::X1) => ("withdrawn", Some("exclusion")),
        Some(Rule::M1) => ("withdrawn", Some("labour_relation")),
        Some(_) => ("relieved", None),
        None => ("in_difficulty", None),
    }
}

/// Renders an evaluation.
pub fn determination(e: &Evaluation) -> Determination {
    let (status, basis) = outcome_codes(e);
    Determination {
        as_of: e.as_of,
        framework: e.params.framework,
        policy_version: e.params.version,
        pool: e.pool,
        window: WindowOut { from: e.window_from, to: e.as_of, complete: e.complete(), missing: e.missing.clone() },
        eligibility: EligibilityOut {
            eligible: e.eligible(),
            conditions: e.conditions().into_iter().map(Rule::code).collect(),
            primary: e.primary().map(Rule::code),
        },
        outcome: OutcomeOut { status, basis },
        reasons: e.rules().iter().map(|r| reason(e, *r)).collect(),
    }
}

/// A sentence in both languages.
struct Line {
    zh: String,
    en: String,
    tri: Tri,
}

fn line(tri: Tri, zh: String, en: String) -> Line {
    Line { tri, zh, en }
}

fn months_list(ms: &[YearMonth]) -> String {
    ms.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", ")
}

/// A per-month test, described: the left quantity, the comparison when it holds and when it
/// fails, the right quantity.
type Words<'a> = (&'a str, &'a str, &'a str, &'a str);

fn every(e: &Evaluation, t: &EveryMonth, zh_what: Words, en_what: Words) -> Line {
    let (lz, opz, notz, rz) = zh_what;
    let (le, ope, note, re) = en_what;
    let span = format!("{}—{}", e.window_from, e.as_of);
    let span_en = format!("{} to {}", e.window_from, e.as_of);
    if let Some((m, l, r)) = t.failed {
        return line(
            Tri::Fails,
            format!("{m}：{lz} {} 元，{notz}{rz} {} 元", yuan(l), yuan(r)),
            format!("{m}: {le} {} is {note} {re} {}", yuan(l), yuan(r)),
        );
    }
    if t.unknown > 0 {
        let first = t.first_unknown.map(|m| m.to_string()).unwrap_or_default();
        return line(
            Tri::NotAssessable,
            format!("{span} 中有 {} 个月无法判断（缺少月度记录或当月标准，首个为 {first}）", t.unknown),
            format!("{} month(s) of {span_en} cannot be judged (no record or no standard; first {first})", t.unknown),
        );
    }
    let (m, l, r) = t.closest.unwrap_or((e.as_of, 0, 0));
    line(
        Tri::Holds,
        format!("{span} 每月{lz}均{opz}{rz}（最接近的是 {m}：{} 元对 {} 元）", yuan(l), yuan(r)),
        format!("every month of {span_en}, {le} is {ope} {re} (closest {m}: {} against {})", yuan(l), yuan(r)),
    )
}

fn some(t: &SomeMonth, zh: &str, en: &str, e: &Evaluation) -> Line {
    match (t.found, t.unknown) {
        (Some((m, a)), _) => {
            line(Tri::Holds, format!("{m} 有{zh} {} 元", yuan(a)), format!("{m} has {en} of {}", yuan(a)))
        }
        (None, 0) => line(
            Tri::Fails,
            format!("{}—{} 各月均无{zh}", e.window_from, e.as_of),
            format!("no month of {} to {} has {en}", e.window_from, e.as_of),
        ),
        (None, n) => line(
            Tri::NotAssessable,
            format!("已有记录的月份无{zh}，另有 {n} 个月缺少记录"),
            format!("no recorded month has {en}; {n} month(s) have no record"),
        ),
    }
}

fn no_aid(e: &Evaluation) -> Line {
    let l = some(&e.aid_some, "政府救助", "government assistance", e);
    let tri = match l.tri {
        Tri::Holds => Tri::Fails,
        Tri::Fails => Tri::Holds,
        Tri::NotAssessable => Tri::NotAssessable,
    };
    Line { tri, ..l }
}

fn living(e: &Evaluation, at_least: bool) -> Line {
    match e.living.sums {
        None => line(
            Tri::NotAssessable,
            "窗口内有月份缺少记录或低保标准，无法计算实际生活水平".into(),
            "the living level cannot be computed: a window month lacks a record or a dibao standard".into(),
        ),
        Some((l, r)) => {
            let below = l < r;
            let tri = if below != at_least { Tri::Holds } else { Tri::Fails };
            let (zop, eop) = if below { ("低于", "below") } else { ("不低于", "not below") };
            line(
                tri,
                format!("窗口实际生活水平 Σ(收入−非生活性支出) {} 元，{zop} Σ(低保×人数) {} 元", yuan(l), yuan(r)),
                format!("the window's living level Σ(I−E) {} is {eop} Σ(D·n) {}", yuan(l), yuan(r)),
            )
        }
    }
}

fn flag(b: bool, zh_yes: &str, zh_no: &str, en_yes: &str, en_no: &str) -> Line {
    if b {
        line(Tri::Holds, zh_yes.into(), en_yes.into())
    } else {
        line(Tri::Fails, zh_no.into(), en_no.into())
    }
}

fn own_below(e: &Evaluation) -> Line {
    every(
        e,
        &e.own_below_dibao,
        ("收入减政府救助", "低于", "不低于", "低保×人数"),
        ("I−A", "below", "not below", "D·n"),
    )
}

fn spending(e: &Evaluation) -> Line {
    some(&e.spending_some, "非生活性支出", "non-living expenditure", e)
}

fn lines(e: &Evaluation, r: Rule) -> Vec<Line> {
    match r {
        Rule::D1 | Rule::R1 | Rule::A1 | Rule::X1 | Rule::M1 | Rule::NationalExit => national_lines(e, r),
        Rule::C1 => vec![own_below(e), no_aid(e)],
        Rule::C2 => {
            vec![own_below(e), some(&e.aid_some, "政府救助", "government assistance", e), spending(e), living(e, false)]
        }
        Rule::C3 => {
            let mut l = every(
                e,
                &e.own_within_low_income,
                ("收入减政府救助", "不高于", "高于", "低收入标准×人数"),
                ("I−A", "at most", "above", "L·n"),
            );
            if l.tri == Tri::NotAssessable && !e.no_low_income.is_empty() {
                l.zh = format!("{}；低收入家庭标准未定义的月份：{}", l.zh, months_list(&e.no_low_income));
                l.en = format!("{}; no low-income standard in {}", l.en, months_list(&e.no_low_income));
            }
            vec![l, spending(e), living(e, false)]
        }
        Rule::C4 => {
            let k = e.params.multiplier;
            vec![
                every(
                    e,
                    &e.own_within_multiple,
                    ("收入减政府救助", "不超过", "超过", &format!("{k}倍低保×人数")),
                    ("I−A", "at most", "above", &format!("{k}·D·n")),
                ),
                spending(e),
                living(e, false),
            ]
        }
        Rule::C5 => {
            let any =
                [Rule::C1, Rule::C2, Rule::C3, Rule::C4].iter().fold(Tri::Fails, |acc, c| match (acc, e.result(*c)) {
                    (Tri::Holds, _) | (_, Tri::Holds) => Tri::Holds,
                    (Tri::NotAssessable, _) | (_, Tri::NotAssessable) => Tri::NotAssessable,
                    _ => Tri::Fails,
                });
            let held: Vec<&str> = [Rule::C1, Rule::C2, Rule::C3, Rule::C4]
                .iter()
                .filter(|c| e.result(**c) == Tri::Holds)
                .map(|c| c.code())
                .collect();
            vec![
                flag(
                    e.migrant_worker,
                    "农民工家庭",
                    "不是农民工家庭",
                    "a migrant-worker family",
                    "not a migrant-worker family",
                ),
                line(
                    any,
                    if held.is_empty() {
                        "C1–C4 均不成立".into()
                    } else {
                        format!("{} 成立", held.join("、"))
                    },
                    if held.is_empty() {
                        "none of C1–C4 holds".into()
                    } else {
                        format!("{} hold(s)", held.join(", "))
                    },
                ),
            ]
        }
        Rule::ExitSocialAssistance => vec![match e.exit_enrolment {
            Some(en) => line(
                Tri::Holds,
                format!("建档后于 {} 纳入{}，{} 仍在享受", en.from, en.scheme.label(true), e.as_of),
                format!(
                    "brought into {} from {} (after registration), still active in {}",
                    en.scheme.label(false),
                    en.from,
                    e.as_of
                ),
            ),
            None => line(
                Tri::Fails,
                format!("没有建档当月之后开始、在 {} 仍有效的社会救助", e.as_of),
                format!(
                    "no social-assistance enrolment begun after the month of registration and active in {}",
                    e.as_of
                ),
            ),
        }],
        Rule::ExitSchooling => vec![
            flag(
                e.schooling,
                "致困原因含子女上学",
                "致困原因不含子女上学",
                "schooling is a cause",
                "schooling is not a cause",
            ),
            flag(
                e.children_completed_studies,
                "子女已完成学业",
                "子女尚未完成学业",
                "the children completed their studies",
                "the children have not completed their studies",
            ),
            every(
                e,
                &e.income_above_dibao,
                ("收入（含政府救助）", "高于", "不高于", "低保×人数"),
                ("I", "above", "not above", "D·n"),
            ),
        ],
        Rule::ExitIncome => vec![
            flag(
                e.causes_resolved,
                "致困因素已消除",
                "致困因素未标记为消除",
                "the causes are resolved",
                "the causes are not marked resolved",
            ),
            every(
                e,
                &e.income_above_dibao,
                ("收入（含政府救助）", "高于", "不高于", "低保×人数"),
                ("I", "above", "not above", "D·n"),
            ),
        ],
        Rule::Relief => {
            let system = match (e.active_enrolment, e.aid_in_as_of) {
                (Some(en), _) => line(
                    Tri::Holds,
                    format!("{} 享受{}（自 {} 起）", e.as_of, en.scheme.label(true), en.from),
                    format!("in {} since {}, active in {}", en.scheme.label(false), en.from, e.as_of),
                ),
                (None, Some(a)) if a > 0 => line(
                    Tri::Holds,
                    format!("{} 领取政府救助 {} 元", e.as_of, yuan(a)),
                    format!("receives government assistance of {} in {}", yuan(a), e.as_of),
                ),
                _ => line(
                    Tri::Fails,
                    format!("{} 未纳入政府救助体系", e.as_of),
                    format!("not in the government assistance system in {}", e.as_of),
                ),
            };
            let union = match e.union_month {
                Some(m) => line(Tri::Holds, format!("{m} 获得工会帮扶"), format!("union assistance in {m}")),
                None => line(
                    Tri::Fails,
                    format!("{}—{} 未获得工会帮扶", e.as_of.plus(-11), e.as_of),
                    format!("no union assistance from {} to {}", e.as_of.plus(-11), e.as_of),
                ),
            };
            vec![system, union, living(e, true)]
        }
    }
}

fn span(e: &Evaluation) -> (String, String) {
    (format!("{}—{}", e.window_from, e.as_of), format!("{} to {}", e.window_from, e.as_of))
}

/// Why the window cannot be judged: the months without a record, then those without a dibao
/// standard.
fn window_unknown(e: &Evaluation) -> Line {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    if !e.missing.is_empty() {
        zh.push(format!("缺少月度记录的月份：{}", months_list(&e.missing)));
        en.push(format!("no record for {}", months_list(&e.missing)));
    }
    if !e.no_dibao.is_empty() {
        zh.push(format!("未定义低保标准的月份：{}", months_list(&e.no_dibao)));
        en.push(format!("no dibao standard in {}", months_list(&e.no_dibao)));
    }
    let (sz, se) = span(e);
    line(
        Tri::NotAssessable,
        format!("{sz} 窗口无法判断（{}）", zh.join("；")),
        format!("the window {se} cannot be judged ({})", en.join("; ")),
    )
}

/// `num/den` as yuan with two decimals, rounded half away from zero (display only).
fn per(num: i64, den: i64) -> String {
    if den == 0 {
        return yuan(0);
    }
    let (n, d) = (i128::from(num), i128::from(den));
    let q = (2 * n + n.signum() * d) / (2 * d);
    yuan(q as i64)
}

/// `pct`% of `fen`, to the fen, rounded down (display only: the rule compares exactly).
fn pct_of(pct: i64, fen: i64) -> String {
    yuan((i128::from(pct) * i128::from(fen) / 100) as i64)
}

fn national_lines(e: &Evaluation, r: Rule) -> Vec<Line> {
    let n = &e.national;
    let (sz, se) = span(e);
    let w = e.params.window_months;
    match r {
        Rule::D1 | Rule::R1 => {
            let Some((s, t)) = n.deep else { return vec![window_unknown(e)] };
            let pm = n.person_months;
            let per_zh = format!("（折合人均每月 {} 元，低保 {} 元）", per(s, pm), per(t, pm));
            let per_en = format!(" (per person per month {} against dibao {})", per(s, pm), per(t, pm));
            let (what_zh, what_en) = (
                format!("{sz} {w} 个月 Σ(收入−政府救助−刚性支出) {} 元", yuan(s)),
                format!("over {se} ({w} months) Σ(I−A−R) {}", yuan(s)),
            );
            if r == Rule::D1 {
                let below = s < t;
                let (zop, eop) = if below { ("低于", "is below") } else { ("不低于", "is not below") };
                vec![line(
                    Tri::of(below),
                    format!("{what_zh}，{zop} Σ(低保×人数) {} 元{per_zh}", yuan(t)),
                    format!("{what_en} {eop} Σ(D·n) {}{per_en}", yuan(t)),
                )]
            } else {
                let p = e.params.relative_percent;
                let below = 100 * i128::from(s) < i128::from(p) * i128::from(t);
                let (zop, eop) = if below { ("低于", "is below") } else { ("不低于", "is not below") };
                vec![line(
                    Tri::of(below),
                    format!("{what_zh}，{zop} Σ(低保×人数) {} 元的 {p}%（{} 元）", yuan(t), pct_of(p, t)),
                    format!("{what_en} {eop} {p}% of Σ(D·n) {} ({})", yuan(t), pct_of(p, t)),
                )]
            }
        }
        Rule::A1 => {
            if let Some(m) = n.event {
                return vec![line(
                    Tri::Holds,
                    format!("{m} 发生重大事件（在 {sz} 窗口内）"),
                    format!("a major event in {m}, within the window {se}"),
                )];
            }
            let Some((k, o)) = n.costs else {
                return vec![line(
                    Tri::NotAssessable,
                    format!("窗口内无重大事件；缺少月度记录的月份：{}", months_list(&e.missing)),
                    format!("no major event in the window; no record for {}", months_list(&e.missing)),
                )];
            };
            let q = e.params.accident_percent;
            let above = 100 * i128::from(k) > i128::from(q) * i128::from(o);
            let (zop, eop) = if above { ("超过", "is above") } else { ("未超过", "is not above") };
            vec![line(
                Tri::of(above),
                format!(
                    "{sz} 窗口内无重大事件；Σ致困支出（医疗、突发事件、意外伤害）{} 元，{zop} Σ(收入−政府救助) {} 元的 {q}%（{} 元）",
                    yuan(k),
                    yuan(o),
                    pct_of(q, o)
                ),
                format!(
                    "no major event in {se}; hardship costs Σ(medical+emergency+accident) {} {eop} {q}% of Σ(I−A) {} ({})",
                    yuan(k),
                    yuan(o),
                    pct_of(q, o)
                ),
            )]
        }
        Rule::X1 => {
            if n.exclusions.is_empty() {
                vec![line(Tri::Fails, "无排除性条件".into(), "no exclusion applies".into())]
            } else {
                let zh: Vec<&str> = n.exclusions.iter().map(|x| x.label(true)).collect();
                let en: Vec<&str> = n.exclusions.iter().map(|x| x.label(false)).collect();
                vec![line(
                    Tri::Holds,
                    format!("有排除性条件：{}", zh.join("、")),
                    format!("excluded: {}", en.join("; ")),
                )]
            }
        }
        Rule::M1 => {
            let min = e.params.min_labour_months;
            vec![match (e.migrant_worker, n.labour_months) {
                (false, _) => line(
                    Tri::Holds,
                    "不是农民工，不适用劳动关系条件".into(),
                    "not a migrant worker: the condition does not apply".into(),
                ),
                (true, None) => line(
                    Tri::NotAssessable,
                    format!("农民工，未记录事实劳动关系月数（须满 {min} 个月）"),
                    format!("a migrant worker with no months of labour relation recorded ({min} needed)"),
                ),
                (true, Some(l)) if l >= min => line(
                    Tri::Holds,
                    format!("农民工，事实劳动关系 {l} 个月，达到 {min} 个月"),
                    format!("a migrant worker with {l} months of labour relation, at least {min}"),
                ),
                (true, Some(l)) => line(
                    Tri::Fails,
                    format!("农民工，事实劳动关系 {l} 个月，不足 {min} 个月"),
                    format!("a migrant worker with {l} months of labour relation, fewer than {min}"),
                ),
            }]
        }
        _ => {
            let cats = [Rule::D1, Rule::R1, Rule::A1];
            let held: Vec<&str> = cats.iter().filter(|c| e.result(**c) == Tri::Holds).map(|c| c.clause()).collect();
            let unknown: Vec<&str> =
                cats.iter().filter(|c| e.result(**c) == Tri::NotAssessable).map(|c| c.clause()).collect();
            let codes =
                |t: Tri| cats.iter().filter(|c| e.result(**c) == t).map(|c| c.code()).collect::<Vec<_>>().join(", ");
            let basis = match n.deep {
                Some((s, t)) => format!("（Σ(收入−政府救助−刚性支出) {} 元，Σ(低保×人数) {} 元）", yuan(s), yuan(t)),
                None => String::new(),
            };
            let basis_en = match n.deep {
                Some((s, t)) => format!(" (Σ(I−A−R) {}, Σ(D·n) {})", yuan(s), yuan(t)),
                None => String::new(),
            };
            vec![if !held.is_empty() {
                line(
                    Tri::Fails,
                    format!("{} 成立，尚未脱困{basis}", held.join("、")),
                    format!("{} hold(s): not out of hardship{basis_en}", codes(Tri::Holds)),
                )
            } else if !unknown.is_empty() {
                line(
                    Tri::NotAssessable,
                    format!("{} 无法判断，不能认定脱困", unknown.join("、")),
                    format!("{} cannot be judged: no exit", codes(Tri::NotAssessable)),
                )
            } else {
                line(
                    Tri::Holds,
                    format!("{sz} 深度困难、相对困难、意外致困均不成立{basis}"),
                    format!("over {se} none of D1, R1, A1 holds{basis_en}"),
                )
            }]
        }
    }
}

/// The reason for one rule: the sentences that decided its result.
pub fn reason(e: &Evaluation, r: Rule) -> Reason {
    let result = e.result(r);
    let all = lines(e, r);
    // A rule fails on its failing parts, is not assessable for its unknown ones, holds on all.
    let deciding: Vec<&Line> = match result {
        Tri::Holds => all.iter().collect(),
        t => all.iter().filter(|l| l.tri == t).collect(),
    };
    let deciding = if deciding.is_empty() { all.iter().collect() } else { deciding };
    let mut text = deciding.iter().map(|l| l.zh.as_str()).collect::<Vec<_>>().join("；");
    let mut text_en = deciding.iter().map(|l| l.en.as_str()).collect::<Vec<_>>().join("; ");
    if !e.missing.is_empty() && result == Tri::NotAssessable {
        text = format!("{text}（缺少记录的月份：{}）", months_list(&e.missing));
        text_en = format!("{text_en} (months without a record: {})", months_list(&e.missing));
    }
    Reason { rule: r.code(), clause: r.clause(), result: result.code(), text, text_en }
}

/// What would change the outcome of an evaluation, as sentences (Chinese, English): the income
/// each month of the window would need for the income exit, the records missing, the union
/// assistance relief needs. Empty when the household has exited.
pub fn hints(
    e: &Evaluation,
    facts: &super::engine::Facts,
    standards: &super::engine::StandardsTable,
) -> Vec<(String, String)> {
    if e.params.framework == Framework::National2021 {
        return national_hints(e);
    }
    let mut out = Vec::new();
    if matches!(e.outcome(), Some(Rule::ExitSocialAssistance | Rule::ExitSchooling | Rule::ExitIncome)) {
        return out;
    }
    if !e.missing.is_empty() {
        out.push((
            format!("补录 {} 的月度记录后才能判断各项条件", months_list(&e.missing)),
            format!("records for {} would make the tests assessable", months_list(&e.missing)),
        ));
    }
    // The income exit: every window month needs I > D·n.
    let mut short = Vec::new();
    for i in 0..e.params.window_months as i32 {
        let m = e.window_from.plus(i);
        let (Some(r), Some(d)) = (facts.months.iter().find(|r| r.month == m), standards.dibao_in(m)) else { continue };
        let dn = d * r.members;
        if r.income <= dn {
            short.push((m, dn));
        }
    }
    if !short.is_empty() {
        let zh = short.iter().map(|(m, dn)| format!("{m} 收入高于 {} 元", yuan(*dn))).collect::<Vec<_>>().join("、");
        let en =
            short.iter().map(|(m, dn)| format!("income above ¥{} in {m}", yuan(*dn))).collect::<Vec<_>>().join(", ");
        let (zh_need, en_need) = if e.causes_resolved {
            ("即可完成收入脱困检验", "would complete the exit test")
        } else {
            ("且致困因素消除，即可完成收入脱困检验", "with the causes resolved, would complete the exit test")
        };
        out.push((format!("{zh}，{zh_need}"), format!("{en} {en_need}")));
    } else if e.missing.is_empty() && !e.causes_resolved && e.result(Rule::ExitIncome) == Tri::Fails {
        out.push((
            "窗口内每月收入已高于低保线：确认致困因素消除即可按收入脱困".into(),
            "income is above the dibao line every month of the window: marking the causes resolved would make it an exit".into(),
        ));
    }
    if e.result(Rule::Relief) == Tri::Fails && e.union_month.is_none() && e.living.sums.is_some_and(|(l, r)| l >= r) {
        out.push((
            format!("{}—{} 内获得工会帮扶可使其解困", e.as_of.plus(-11), e.as_of),
            format!("union assistance between {} and {} would make it relieved", e.as_of.plus(-11), e.as_of),
        ));
    }
    out
}

/// What would change a 2021 outcome: the records missing, the months of labour relation, the
/// exact amount by which the window's net income must rise to leave deep and relative hardship,
/// the month a major event leaves the window, the hardship costs that stop counting. Empty for
/// a household that has exited or is withdrawn.
fn national_hints(e: &Evaluation) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if e.outcome().is_some() {
        return out;
    }
    let n = &e.national;
    if !e.missing.is_empty() {
        out.push((
            format!("补录 {} 的月度记录后才能判断各类困难", months_list(&e.missing)),
            format!("records for {} would make the categories assessable", months_list(&e.missing)),
        ));
    }
    if !e.no_dibao.is_empty() {
        out.push((
            format!("录入 {} 的低保标准后才能判断深度困难和相对困难", months_list(&e.no_dibao)),
            format!("a dibao standard for {} would make D1 and R1 assessable", months_list(&e.no_dibao)),
        ));
    }
    if e.migrant_worker && n.labour_months.is_none() {
        out.push((
            format!("农民工须记录事实劳动关系月数（满 {} 个月）", e.params.min_labour_months),
            format!(
                "a migrant worker needs the months of labour relation recorded ({} needed)",
                e.params.min_labour_months
            ),
        ));
    }
    if let Some((s, t)) = n.deep {
        if s < t {
            out.push((
                format!("窗口内净收入再增加 {} 元，即不再属于深度困难", yuan(t - s)),
                format!("{} more net income over the window would end deep hardship (D1)", yuan(t - s)),
            ));
        }
        // 100·S ≥ p·T: S must reach ceil(p·T / 100).
        let p = i128::from(e.params.relative_percent);
        let need = (p * i128::from(t) + 99).div_euclid(100);
        if 100 * i128::from(s) < p * i128::from(t) {
            let more = (need - i128::from(s)) as i64;
            out.push((
                format!("窗口内净收入再增加 {} 元，即不再属于相对困难", yuan(more)),
                format!("{} more net income over the window would end relative hardship (R1)", yuan(more)),
            ));
        }
    }
    if let Some(m) = n.event {
        let leaves = m.plus(e.params.window_months as i32);
        out.push((
            format!("{m} 的重大事件在 {leaves} 移出窗口后，不再据此认定意外致困"),
            format!("the major event of {m} leaves the window in {leaves}; from then it no longer makes A1 hold"),
        ));
    } else if let Some((k, o)) = n.costs {
        let q = i128::from(e.params.accident_percent);
        if 100 * i128::from(k) > q * i128::from(o) {
            out.push((
                format!("致困支出降至 Σ(收入−政府救助) 的 {q}%（{} 元）以内，即不再属于意外致困", pct_of(q as i64, o)),
                format!("hardship costs within {q}% of Σ(I−A) ({}) would end A1", pct_of(q as i64, o)),
            ));
        }
    }
    out
}
