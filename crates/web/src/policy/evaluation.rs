//! The evaluation panel of the household page: the window month by month against the
//! standard, each rule with its result and reason, and what would change the outcome.

use crate::page::Ctx;
use bangfu_app::evaluate::HouseholdEvaluation;
use bangfu_domain::YearMonth;

/// One rule's line.
pub(crate) struct RuleLine {
    pub(crate) rule: String,
    pub(crate) clause: &'static str,
    pub(crate) result: &'static str,
    pub(crate) css: &'static str,
    pub(crate) text: String,
}

/// The panel.
pub(crate) struct EvalView {
    pub(crate) as_of: String,
    pub(crate) eligible: bool,
    pub(crate) conditions: String,
    pub(crate) outcome: String,
    pub(crate) pool: String,
    /// The framework and policy version the determination was made under.
    pub(crate) framework: String,
    pub(crate) months: Vec<bangfu_app::evaluate::WindowMonth>,
    pub(crate) rules: Vec<RuleLine>,
    pub(crate) hints: Vec<String>,
}

/// A rule's name: the conditions keep their letters (C1–C5, as the plan's clauses name them),
/// the exits and the relief are named in words.
fn rule_label(code: &str, zh: bool) -> String {
    let (z, e) = match code {
        "exit_social_assistance" => ("脱困：纳入社会救助", "Exit: social assistance"),
        "exit_schooling" => ("脱困：子女完成学业", "Exit: schooling completed"),
        "exit_income" => ("脱困：收入", "Exit: income"),
        "relief" => ("解困", "Relief"),
        other => return other.to_string(),
    };
    (if zh { z } else { e }).to_string()
}

/// Yuan as stored text (`1500.00`) written as money (`¥1,500.00`).
fn yuan(v: &Option<String>) -> Option<String> {
    v.as_deref().map(|s| match bangfu_domain::Money::parse_yuan("", s) {
        Ok(m) => crate::labels::money(m.fen()),
        Err(_) => s.to_string(),
    })
}

/// The panel of a household's evaluation at a month (from [`bangfu_app::App::household_view`]).
pub(crate) fn panel(ctx: &Ctx, as_of: YearMonth, ev: HouseholdEvaluation) -> EvalView {
    let zh = ctx.lang.zh();
    let d = &ev.determination;
    let outcome = match (d.outcome.status, d.outcome.basis) {
        ("exited", Some("social_assistance")) => crate::i18n::texts(zh).x_exited_social_assistance,
        ("exited", Some("schooling")) => crate::i18n::texts(zh).x_exited_schooling_completed,
        ("exited", _) => crate::i18n::texts(zh).x_exited_income,
        ("relieved", _) => crate::i18n::texts(zh).x_relieved,
        ("withdrawn", Some("exclusion")) => crate::i18n::texts(zh).x_withdrawn_exclusion,
        ("withdrawn", _) => crate::i18n::texts(zh).x_withdrawn_labour,
        _ => crate::i18n::texts(zh).in_difficulty,
    };
    EvalView {
        as_of: as_of.to_string(),
        eligible: d.eligibility.eligible,
        conditions: d.eligibility.conditions.join(crate::i18n::texts(zh).list_separator),
        outcome: format!("{outcome}（{}）", crate::i18n::texts(zh).x_proposed_person_confirms),
        pool: d.pool.label(zh).to_string(),
        framework: format!(
            "{} · {} {}",
            d.framework.label(zh),
            crate::i18n::texts(zh).policy_version,
            d.policy_version
        ),
        months: ev
            .months
            .iter()
            .map(|m| bangfu_app::evaluate::WindowMonth {
                income: yuan(&m.income),
                aid: yuan(&m.aid),
                non_living: yuan(&m.non_living),
                dibao: yuan(&m.dibao),
                dibao_line: yuan(&m.dibao_line),
                ..m.clone()
            })
            .collect(),
        rules: d
            .reasons
            .iter()
            .map(|r| {
                let (css, z, e) = match r.result {
                    "holds" => ("ok", "成立", "holds"),
                    "fails" => ("no", "不成立", "fails"),
                    _ => ("na", "无法判断", "not assessable"),
                };
                RuleLine {
                    rule: rule_label(r.rule, zh),
                    clause: r.clause,
                    result: if zh { z } else { e },
                    css,
                    text: if zh { r.text.clone() } else { r.text_en.clone() },
                }
            })
            .collect(),
        hints: if zh { ev.hints.clone() } else { ev.hints_en.clone() },
    }
}
