//! The batch's read and write paths (issue 21), on SQLite and PostgreSQL: the bulk reader
//! (`facts_stream`: rusqlite on a SQLite file, the pool on PostgreSQL) hands over the same facts,
//! household for household, as the one-household read (`facts_chunk`), in chunks of any size and
//! in scope; the household page's evaluation, made from what the page read, is the one-household
//! evaluation; a batch that flags returns to hardship keeps the counts in step with the records.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::{App, Principal};
use bangfu_domain::YearMonth;
use bangfu_store::testing::{assert_tallies_consistent, TestDb};
use bangfu_store::{HouseholdFacts, Scope};

/// Every household's facts, read one household at a time through the pool.
async fn one_by_one(app: &App, scope: &Scope, from: YearMonth, to: YearMonth) -> Vec<String> {
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let mut one = app.store.facts_chunk(scope, None, after, 1, from, to).await.unwrap();
        let Some(h) = one.pop() else { break };
        after = h.id;
        out.push(shown(&h));
    }
    out
}

/// A household's facts as text, each list in a fixed order (the two paths need not list a
/// household's rows in the same order).
fn shown(h: &HouseholdFacts) -> String {
    let mut f = h.facts.clone();
    f.months.sort_by_key(|m| m.month);
    f.causes.sort_by_key(|c| c.code());
    f.enrolments.sort_by_key(|e| (e.from, e.scheme.code()));
    f.exclusions.sort_by_key(|e| e.code());
    f.major_events.sort();
    f.union_assistance.sort();
    format!("{} {} {} {f:?}", h.id, h.region_code, h.status)
}

#[tokio::test]
async fn the_bulk_reader_reads_what_the_one_household_read_does_and_returns_keep_the_counts() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        app.demo(None, 240, 11, &|_| {}).await.unwrap();
        let (from, to) = (YearMonth::new(2025, 11).unwrap(), YearMonth::new(2026, 10).unwrap());
        let everything = Scope::everything();
        let expected = one_by_one(&app, &everything, from, to).await;
        assert_eq!(expected.len(), 240);
        assert!(expected.iter().any(|h| h.contains("MonthFacts")), "the window holds months");
        for chunk in [1, 7, 5000] {
            let mut stream = app.store.facts_stream(&everything, None, chunk, from, to);
            let mut got = Vec::new();
            while let Some(c) = stream.next().await.unwrap() {
                assert!(c.len() as u64 <= chunk);
                got.extend(c.iter().map(shown));
            }
            assert_eq!(got, expected, "chunks of {chunk}");
        }
        // In scope only, and only in the regions asked for.
        let county = Scope::regions(vec!["450422".into()]);
        let in_county = one_by_one(&app, &county, from, to).await;
        assert!(!in_county.is_empty() && in_county.len() < 240);
        let mut stream = app.store.facts_stream(&county, None, 50, from, to);
        let mut got = Vec::new();
        while let Some(c) = stream.next().await.unwrap() {
            got.extend(c.iter().map(shown));
        }
        assert_eq!(got, in_county);
        let mut stream = app.store.facts_stream(&everything, Some(vec!["450422".into()]), 50, from, to);
        let mut got = Vec::new();
        while let Some(c) = stream.next().await.unwrap() {
            got.extend(c.iter().map(shown));
        }
        assert_eq!(got, in_county, "regions asked for");

        // The household page's read model evaluates from what it read for the file (or reads
        // the window when the file's 24 months do not hold it): the same as evaluating alone.
        for id in (1..=240).step_by(7) {
            for m in [None, Some(to), Some(to.plus(-5)), Some(YearMonth::new(2019, 6).unwrap())] {
                let view = app.household_view(&sys, id, m).await.unwrap();
                let Some((as_of, ev)) = view.evaluation else {
                    assert!(m.is_none() && view.file.months.iter().all(|r| r.record.is_none()));
                    continue;
                };
                let (pairings, outcomes) = app.casework(&sys, id).await.unwrap();
                assert_eq!((view.pairings, view.outcomes), (pairings, outcomes));
                let alone = app.evaluate_household(&sys, id, as_of).await.unwrap();
                assert_eq!(format!("{ev:?}"), format!("{alone:?}"), "household {id} at {as_of}");
            }
        }

        // The first batch flags returns to hardship (the demo has exited households whose
        // income fails again); the counts kept for the dashboard stay those of the records.
        let first = app.evaluate_all(&sys, to, None, &|_| {}).await.unwrap();
        assert!(first.returns_flagged > 0, "the demo flags returns");
        assert_eq!(first.total.households, 240);
        assert_tallies_consistent(&app.store, "a batch flagging returns").await;
        // What the batch's writer stored (rusqlite on SQLite, COPY on PostgreSQL) reads back as
        // the household's own evaluation says: no condition is an empty text, not a missing one.
        let mut none_held = 0;
        for id in (1..=240).step_by(3) {
            let stored = app.store.determinations(id, 1).await.unwrap().pop().unwrap();
            let alone = app.evaluate_household(&sys, id, to).await.unwrap().determination;
            assert_eq!(stored.run_id, Some(first.run_id));
            assert_eq!((stored.eligible, stored.status.as_str()), (alone.eligibility.eligible, alone.outcome.status));
            assert_eq!(
                (stored.framework.as_str(), stored.policy_version),
                (alone.framework.code(), alone.policy_version)
            );
            if stored.conditions.is_empty() {
                none_held += 1;
                assert!(stored.primary_condition.is_none());
            }
        }
        assert!(none_held > 0, "some households meet no condition");
        let again = app.evaluate_all(&sys, to, None, &|_| {}).await.unwrap();
        assert_eq!(again.returns_flagged, 0, "an open flag is not raised twice");
        assert_eq!(again.total.households, 240);
        assert_tallies_consistent(&app.store, "a second batch").await;
    }
}

/// The household page's read model (one read transaction: rusqlite on a SQLite file, one sqlx
/// transaction on PostgreSQL) reads what the store's one-section reads through the pool do, for
/// every section, in scope; a household out of scope is not found.
#[tokio::test]
async fn the_household_page_reads_in_one_transaction_what_each_section_reads_alone() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        app.demo(None, 60, 5, &|_| {}).await.unwrap();
        let everything = Scope::everything();
        let departments = app.store.organisations(&everything, Some(bangfu_domain::OrgKind::Department)).await.unwrap();
        assert!(departments.len() >= 2);
        // The demo links the joint meeting's member units to the departments of the same name.
        let members = app.store.joint_members().await.unwrap();
        let linked = members.iter().filter(|m| departments.iter().any(|d| d.name == m.name)).count();
        assert!(linked >= 2, "{members:?}");
        for m in &members {
            let same = departments.iter().find(|d| d.name == m.name).map(|d| d.id);
            assert_eq!(m.organisation_id, same, "{:?}: {}", db.backend, m.name);
        }
        // Requests about two households, one of them answered, so the page has answers to read.
        let city = Principal::system();
        for id in [3, 8] {
            let ask = bangfu_app::exchange::VerificationInput {
                question: "请核对家庭成员收入".into(),
                departments: vec![departments[0].id, departments[1].id],
                due_on: String::new(),
            };
            app.request_verification(&city, id, &ask).await.unwrap();
        }
        let county = Scope::regions(vec!["450422".into()]);
        let (mut seen, mut hidden) = (0, 0);
        for scope in [&everything, &county] {
            for id in 1..=60 {
                let s = &app.store;
                let Ok(h) = s.household(scope, id).await else {
                    assert!(matches!(s.household_records(scope, id).await, Err(bangfu_store::StoreError::NotFound)));
                    hidden += 1;
                    continue;
                };
                let r = s.household_records(scope, id).await.unwrap();
                let last = s.last_record_month(scope, id).await.unwrap();
                let months = match last {
                    Some(l) => s.monthly_records(scope, id, l.plus(-23), l).await.unwrap(),
                    None => Vec::new(),
                };
                let alone = format!(
                    "{:?}",
                    (
                        (&h, s.members(scope, id).await.unwrap(), last, months),
                        (
                            s.standards(Some(&h.region_code)).await.unwrap(),
                            s.enrolments(scope, id).await.unwrap(),
                            s.union_assistance(scope, id).await.unwrap(),
                            s.major_events(scope, id).await.unwrap(),
                        ),
                        (
                            s.household_pairings(scope, id).await.unwrap(),
                            s.household_outcomes(scope, id).await.unwrap(),
                            s.household_plans(scope, id).await.unwrap(),
                            s.household_measures(scope, id).await.unwrap(),
                            s.household_visits(scope, id).await.unwrap(),
                            s.household_returns(scope, id).await.unwrap(),
                        ),
                        s.verifications(&bangfu_store::VerificationAsk {
                            scope: Some(scope),
                            household_id: Some(id),
                            limit: 2000,
                            ..Default::default()
                        })
                        .await
                        .unwrap(),
                        (s.regions().await.unwrap(), s.organisations(scope, None).await.unwrap(), &departments),
                    )
                );
                let together = format!(
                    "{:?}",
                    (
                        (&r.household, &r.members, r.last_month, &r.months),
                        (&r.standards, &r.enrolments, &r.union_assistance, &r.major_events),
                        (&r.pairings, &r.outcomes, &r.plans, &r.measures, &r.visits, &r.returns),
                        &r.verifications,
                        (&r.regions, &r.organisations, &r.departments),
                    )
                );
                assert_eq!(together, alone, "{:?}: household {id}", db.backend);
                seen += 1;
                if id == 3 {
                    assert_eq!(r.verifications.len(), 1);
                    assert_eq!(r.verifications[0].answers.len(), 2, "{:?}", r.verifications);
                }
            }
        }
        assert_eq!(seen + hidden, 120);
        assert!(seen > 60 && hidden > 0, "{seen} read, {hidden} out of the county's reach");
    }
}
