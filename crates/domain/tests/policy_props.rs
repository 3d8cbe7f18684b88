//! Invariants of the rules (POLICY §1–§4), over random households.

#![allow(clippy::unwrap_used)]

use bangfu_domain::policy::engine::{Enrolment, Facts, MonthFacts, Params, Rule, StandardsTable, Tri};
use bangfu_domain::policy::evaluate;
use bangfu_domain::{Cause, Exclusion, Framework, Scheme, YearMonth};
use chrono::NaiveDate;
use proptest::prelude::*;

fn ym(y: i32, m: u32) -> YearMonth {
    YearMonth::new(y, m).unwrap()
}

const AS_OF: (i32, u32) = (2018, 6);

/// Months 2017-10 … 2018-06 (a window of six and some before), each with random amounts in fen.
fn household() -> impl Strategy<Value = Facts> {
    let month = (1i64..6, 0i64..600_000, 0i64..100, 0i64..200_000);
    (
        prop::collection::vec(month, 9),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of((0i32..10, prop::option::of(0i32..10))),
        prop::option::of(0i32..12),
    )
        .prop_map(|(ms, migrant, resolved, completed, enrol, union)| {
            let months = ms
                .into_iter()
                .enumerate()
                .map(|(i, (n, income, aid_pct, e))| MonthFacts {
                    month: ym(2017, 10).plus(i as i32),
                    members: n,
                    income,
                    aid: income * aid_pct / 100,
                    non_living: e,
                    rigid: e,
                    hardship: e,
                })
                .collect();
            Facts {
                registered_on: NaiveDate::from_ymd_opt(2016, 5, 10).unwrap(),
                migrant_worker: migrant,
                causes: vec![Cause::Illness, Cause::Schooling],
                causes_resolved: resolved,
                children_completed_studies: completed,
                enrolments: enrol
                    .map(|(f, t)| Enrolment {
                        scheme: Scheme::Dibao,
                        from: ym(2016, 1).plus(f * 3),
                        to: t.map(|t| ym(2016, 1).plus(f * 3 + t * 3)),
                    })
                    .into_iter()
                    .collect(),
                union_assistance: union.map(|u| ym(2017, 6).plus(u)).into_iter().collect(),
                months,
                ..Facts::default()
            }
        })
}

fn standards() -> impl Strategy<Value = StandardsTable> {
    (30_000i64..90_000, 0i64..20_000, 0i64..40_000).prop_map(|(d, rise, over)| {
        StandardsTable::new(vec![(ym(2017, 1), d), (ym(2018, 4), d + rise)], vec![(ym(2017, 1), d + over)])
    })
}

fn eval(f: &Facts, s: &StandardsTable) -> bangfu_domain::policy::Evaluation {
    evaluate(f, s, &Params::default(), ym(AS_OF.0, AS_OF.1))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn raising_income_never_makes_c1_hold(f in household(), s in standards(), i in 0usize..9, more in 1i64..100_000) {
        let before = eval(&f, &s).result(Rule::C1);
        let mut g = f.clone();
        g.months[i].income += more;
        let after = eval(&g, &s).result(Rule::C1);
        prop_assert!(!(after == Tri::Holds && before != Tri::Holds));
    }

    #[test]
    fn more_non_living_spending_never_stops_c2_to_c4(f in household(), s in standards(), i in 0usize..9, more in 1i64..100_000) {
        let before = eval(&f, &s);
        let mut g = f.clone();
        g.months[i].non_living += more;
        let after = eval(&g, &s);
        for r in [Rule::C2, Rule::C3, Rule::C4] {
            prop_assert!(!(before.result(r) == Tri::Holds && after.result(r) != Tri::Holds), "{:?}", r);
        }
    }

    #[test]
    fn the_order_of_months_does_not_matter(f in household(), s in standards(), seed in any::<u64>()) {
        let mut g = f.clone();
        // A deterministic shuffle from the seed.
        let n = g.months.len();
        let mut x = seed | 1;
        for i in (1..n).rev() {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            g.months.swap(i, (x % (i as u64 + 1)) as usize);
        }
        g.union_assistance.reverse();
        prop_assert_eq!(eval(&f, &s), eval(&g, &s));
    }

    #[test]
    fn results_agree_with_eligibility_and_outcome(f in household(), s in standards()) {
        let e = eval(&f, &s);
        prop_assert_eq!(e.eligible(), [Rule::C1, Rule::C2, Rule::C3, Rule::C4].iter().any(|r| e.result(*r) == Tri::Holds));
        if e.result(Rule::C5) == Tri::Holds { prop_assert!(e.eligible() && f.migrant_worker); }
        if let Some(first) = e.outcome() {
            let earlier = &Rule::ALL[5..first as usize];
            prop_assert!(earlier.iter().all(|r| e.result(*r) != Tri::Holds));
        }
    }

    #[test]
    fn a_month_missing_from_the_window_leaves_nothing_eligible(f in household(), s in standards(), i in 3usize..9) {
        let mut g = f.clone();
        g.months.remove(i);
        let e = eval(&g, &s);
        prop_assert!(!e.eligible() && !e.complete());
        prop_assert!(e.result(Rule::ExitIncome) != Tri::Holds && e.result(Rule::Relief) != Tri::Holds);
    }
}

/// One household of `n` people whose six window months are all `(income, aid, non_living)`.
fn flat(n: i64, income: i64, aid: i64, e: i64) -> Facts {
    Facts {
        registered_on: NaiveDate::from_ymd_opt(2016, 5, 10).unwrap(),
        causes: vec![Cause::Illness],
        causes_resolved: true,
        months: (0..6).map(|i| MonthFacts::simple(ym(2018, 1).plus(i), n, income, aid, e)).collect(),
        ..Default::default()
    }
}

#[test]
fn boundaries_fall_where_policy_1_says() {
    let s = StandardsTable::new(vec![(ym(2017, 1), 60_000)], vec![(ym(2017, 1), 90_000)]);
    let at = |f: &Facts| eval(f, &s);
    // 低于: I − A = D·n is not below.
    assert_eq!(at(&flat(3, 180_000, 0, 0)).result(Rule::C1), Tri::Fails);
    assert_eq!(at(&flat(3, 179_999, 0, 0)).result(Rule::C1), Tri::Holds);
    // 5倍（含）以内: exactly 5·D·n is within; one fen more is not (with E > 0 and a low living level).
    assert_eq!(at(&flat(3, 900_000, 0, 900_000)).result(Rule::C4), Tri::Holds);
    assert_eq!(at(&flat(3, 900_001, 0, 900_001)).result(Rule::C4), Tri::Fails);
    // 符合低收入家庭标准: I − A = L·n is within.
    assert_eq!(at(&flat(3, 270_000, 0, 270_000)).result(Rule::C3), Tri::Holds);
    assert_eq!(at(&flat(3, 270_001, 0, 270_001)).result(Rule::C3), Tri::Fails);
    // 超过: the exit needs I > D·n; equal is not enough.
    assert_eq!(at(&flat(3, 180_000, 0, 0)).result(Rule::ExitIncome), Tri::Fails);
    assert_eq!(at(&flat(3, 180_001, 0, 0)).result(Rule::ExitIncome), Tri::Holds);
    // The living level: Σ(I − E) = Σ(D·n) is not below (C2 fails on it) and reaches (relief holds on it).
    let mut f = flat(3, 200_000, 50_000, 20_000);
    f.enrolments.push(Enrolment { scheme: Scheme::Dibao, from: ym(2015, 1), to: None });
    f.union_assistance.push(ym(2018, 6));
    f.causes_resolved = false;
    let e = at(&f);
    assert_eq!(e.living.sums, Some((6 * 180_000, 6 * 180_000)));
    assert_eq!(e.result(Rule::Relief), Tri::Holds);
    assert_eq!(e.result(Rule::C2), Tri::Fails);
    // An enrolment that began in the month of registration does not make an exit.
    f.enrolments[0].from = ym(2016, 5);
    assert_eq!(at(&f).result(Rule::ExitSocialAssistance), Tri::Fails);
    f.enrolments[0].from = ym(2016, 6);
    assert_eq!(at(&f).result(Rule::ExitSocialAssistance), Tri::Holds);
    // Union assistance counts in M−11 … M only.
    f.union_assistance = vec![ym(2017, 6)];
    assert_eq!(at(&f).union_month, None);
    f.union_assistance = vec![ym(2017, 7)];
    assert_eq!(at(&f).union_month, Some(ym(2017, 7)));
}

// ---- The national framework of 2021 (POLICY §9) ----

const N21_AS_OF: (i32, u32) = (2021, 12);

/// Twelve months 2021-01 … 2021-12 of `n` people, each with own income `own` (no assistance),
/// rigid expenditure `rigid` of which `cost` are hardship costs.
fn year(n: i64, own: i64, rigid: i64, cost: i64) -> Facts {
    Facts {
        registered_on: NaiveDate::from_ymd_opt(2019, 3, 10).unwrap(),
        months: (0..12)
            .map(|i| MonthFacts {
                month: ym(2021, 1).plus(i),
                members: n,
                income: own,
                aid: 0,
                non_living: rigid,
                rigid,
                hardship: cost,
            })
            .collect(),
        ..Default::default()
    }
}

fn national(f: &Facts, dibao: i64, p: i64, q: i64) -> bangfu_domain::policy::Evaluation {
    let s = StandardsTable::new(vec![(ym(2020, 1), dibao)], vec![]);
    let params = Params { relative_percent: p, accident_percent: q, ..Params::of(Framework::National2021) };
    evaluate(f, &s, &params, ym(N21_AS_OF.0, N21_AS_OF.1))
}

/// Random 2021 households: 14 months (2020-11 … 2021-12), amounts in fen, some months missing,
/// exclusions, events, migrant workers with or without months of labour relation.
fn national_household() -> impl Strategy<Value = Facts> {
    let month = (1i64..6, 0i64..600_000, 0i64..100, 0i64..200_000, 0i64..100, any::<bool>());
    (
        prop::collection::vec(month, 14),
        prop::collection::vec(0usize..6, 0..2),
        prop::collection::vec(0i32..20, 0..2),
        any::<bool>(),
        prop::option::of(0i64..30),
    )
        .prop_map(|(ms, ex, ev, migrant, labour)| Facts {
            registered_on: NaiveDate::from_ymd_opt(2019, 3, 10).unwrap(),
            migrant_worker: migrant,
            labour_relation_months: labour,
            exclusions: ex.into_iter().map(|i| Exclusion::ALL[i]).collect(),
            major_events: ev.into_iter().map(|i| ym(2020, 6).plus(i)).collect(),
            months: ms
                .into_iter()
                .enumerate()
                .filter(|(_, m)| m.5 || m.1 > 30_000)
                .map(|(i, (n, income, aid_pct, e, cost_pct, _))| MonthFacts {
                    month: ym(2020, 11).plus(i as i32),
                    members: n,
                    income,
                    aid: income * aid_pct / 100,
                    non_living: e + 1_000,
                    rigid: e,
                    hardship: e * cost_pct / 100,
                })
                .collect(),
            ..Default::default()
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// S = T is not deep; one fen less is.
    #[test]
    fn n21_deep_is_strictly_below(n in 1i64..8, d in 30_000i64..120_000, rigid in 0i64..100_000) {
        let f = year(n, d * n + rigid, rigid, 0);
        let e = national(&f, d, 200, 80);
        prop_assert_eq!(e.national.deep, Some((12 * d * n, 12 * d * n)));
        prop_assert_eq!(e.result(Rule::D1), Tri::Fails);
        let mut g = f.clone();
        g.months[5].income -= 1;
        prop_assert_eq!(national(&g, d, 200, 80).result(Rule::D1), Tri::Holds);
    }

    /// 100·S = p·T is not relative; one fen less is.
    #[test]
    fn n21_relative_is_strictly_below(n in 1i64..8, yuan in 300i64..1_200, p in 100i64..400) {
        let d = yuan * 100;
        // 100·own = p·D·n each month: own is whole fen because D is whole yuan.
        let f = year(n, p * d * n / 100, 0, 0);
        let e = national(&f, d, p, 80);
        prop_assert_eq!(e.result(Rule::R1), Tri::Fails);
        let mut g = f.clone();
        g.months[11].income -= 1;
        prop_assert_eq!(national(&g, d, p, 80).result(Rule::R1), Tri::Holds);
    }

    /// 100·ΣK = q·ΣO is not accident; one fen more is.
    #[test]
    fn n21_accident_is_strictly_above(own in 1i64..10_000, q in 1i64..=100) {
        let own = own * 100;
        let cost = q * own / 100;
        let f = year(2, own, cost, cost);
        let e = national(&f, 60_000, 200, q);
        prop_assert_eq!(e.national.costs, Some((12 * cost, 12 * own)));
        prop_assert_eq!(e.result(Rule::A1), Tri::Fails);
        let mut g = f.clone();
        g.months[0].hardship += 1;
        prop_assert_eq!(national(&g, 60_000, 200, q).result(Rule::A1), Tri::Holds);
    }

    /// A major event counts in the window's first and last months, not the month before it or
    /// after the evaluation month; it counts with months missing.
    #[test]
    fn n21_a_major_event_counts_inside_the_window_only(gap in 0usize..12) {
        let mut f = year(2, 500_000, 0, 0);
        for (m, want) in [(ym(2020, 12), Tri::Fails), (ym(2021, 1), Tri::Holds), (ym(2021, 12), Tri::Holds), (ym(2022, 1), Tri::Fails)] {
            f.major_events = vec![m];
            prop_assert_eq!(national(&f, 60_000, 200, 80).result(Rule::A1), want, "event {}", m);
        }
        f.major_events = vec![ym(2021, 6)];
        f.months.remove(gap);
        prop_assert_eq!(national(&f, 60_000, 200, 80).result(Rule::A1), Tri::Holds);
        f.major_events.clear();
        prop_assert_eq!(national(&f, 60_000, 200, 80).result(Rule::A1), Tri::NotAssessable);
    }

    /// Eligibility, category and outcome follow §9 from the rule results, whatever the household.
    #[test]
    fn n21_results_agree_with_eligibility_and_outcome(f in national_household(), d in 30_000i64..90_000) {
        let e = national(&f, d, 200, 80);
        let r = |x| e.result(x);
        let cat = [Rule::D1, Rule::R1, Rule::A1].iter().any(|c| r(*c) == Tri::Holds);
        prop_assert_eq!(e.eligible(), cat && r(Rule::X1) == Tri::Fails && r(Rule::M1) == Tri::Holds);
        prop_assert_eq!(r(Rule::X1) == Tri::Holds, !f.exclusions.is_empty());
        if f.migrant_worker && f.labour_relation_months.is_none() {
            prop_assert_eq!(r(Rule::M1), Tri::NotAssessable);
        }
        let expected = if r(Rule::X1) == Tri::Holds {
            Some(Rule::X1)
        } else if r(Rule::M1) == Tri::Fails {
            Some(Rule::M1)
        } else if [Rule::D1, Rule::R1, Rule::A1].iter().all(|c| r(*c) == Tri::Fails) {
            Some(Rule::NationalExit)
        } else {
            None
        };
        prop_assert_eq!(e.outcome(), expected);
        if e.eligible() {
            let p = e.primary().unwrap();
            prop_assert!(r(p) == Tri::Holds);
            if r(Rule::D1) == Tri::Holds { prop_assert_eq!(p, Rule::D1); }
        } else {
            prop_assert!(e.conditions().is_empty() && e.primary().is_none());
        }
        // Every reason says something, in both languages.
        let d = bangfu_domain::policy::explain::determination(&e);
        prop_assert_eq!(d.reasons.len(), 6);
        for x in &d.reasons {
            prop_assert!(!x.text.is_empty() && !x.text_en.is_empty());
        }
    }

    /// Raising income never makes a household deep or relative where it was not.
    #[test]
    fn n21_more_income_never_deepens(f in national_household(), i in 0usize..10, more in 1i64..100_000) {
        prop_assume!(i < f.months.len());
        let before = national(&f, 60_000, 200, 80);
        let mut g = f.clone();
        g.months[i].income += more;
        let after = national(&g, 60_000, 200, 80);
        for c in [Rule::D1, Rule::R1] {
            prop_assert!(!(after.result(c) == Tri::Holds && before.result(c) != Tri::Holds));
        }
    }
}
