//! Quota arithmetic against hand-computed examples, on SQLite and PostgreSQL (POLICY §5): targets
//! round up, the cutoff day is in the stock, an approval on 31 December counts for that year and
//! one on 1 January for the next, withdrawn households leave the denominator only when the
//! campaign says so, reopened outcomes stop counting, the incremental pool is apart, and every
//! figure is limited to the reader's scope.

#![allow(clippy::unwrap_used)]

mod common;

use axum::http::StatusCode;
use bangfu_app::input::*;
use bangfu_app::{App, Principal};
use bangfu_store::testing::TestDb;
use common::*;
use serde_json::{json, Value};

async fn household(app: &App, region: &str, registered_on: &str, n: u32) -> i64 {
    app.create_household(
        &Principal::system(),
        &HouseholdInput {
            head_name: format!("配额户{n}"),
            head_id_number: id_with_check(&format!("{region}19700101{n:03}")),
            region_code: region.into(),
            registered_on: registered_on.into(),
            causes: vec!["illness".into()],
            work_capacity: "partial".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .id
}

/// One year's row of a region: (stock, target, achieved, shortfall, due so far, on track).
fn year(p: &Value, region: &str, y: i64) -> (i64, i64, i64, i64, i64, bool) {
    let r = if region == "total" {
        &p["total"]
    } else {
        p["regions"].as_array().unwrap().iter().find(|r| r["region_code"] == region).unwrap()
    };
    let row = r["years"].as_array().unwrap().iter().find(|x| x["year"] == y).unwrap();
    let n = |k: &str| row[k].as_i64().unwrap();
    (n("stock"), n("target"), n("achieved"), n("shortfall"), n("due_so_far"), row["on_track"].as_bool().unwrap())
}

/// Every linked figure of the dashboard page for `query`: (figure, link). Each is checked
/// against the household list it links to, through the API with the same parameters.
async fn linked_figures_match_their_lists(r: &axum::Router, query: &str) -> usize {
    let page = get(r, &format!("/dashboard?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let mut checked = 0;
    for part in page.text.split("<a href=\"/households?").skip(1) {
        let (link, rest) = part.split_once('"').unwrap();
        let Some(n) = rest.split_once('>').and_then(|(_, r)| r.split_once("</a>")).map(|(n, _)| n.to_string()) else {
            continue;
        };
        let n: u64 = n.trim().parse().unwrap_or_else(|_| panic!("figure {n:?} of {link}"));
        let link = link.replace("&amp;", "&").replace("&#38;", "&");
        let list = get(r, &format!("/api/v1/households?{link}&per_page=1")).await;
        assert_eq!(list.status, StatusCode::OK, "{link}: {}", list.text);
        assert_eq!(
            list.body["total"].as_u64(),
            Some(n),
            "{query}: the figure {n} links to {link}, which lists {}",
            list.body["total"]
        );
        checked += 1;
    }
    checked
}

#[tokio::test]
async fn quota_arithmetic_matches_hand_computed_examples() {
    let logs = capture_logs();
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let router = |t: String| with_token(bangfu_web::router(app.clone()), &t);
        let proposer = router(token_for(&app, "q-proposer", "county_staff", Some("450403"), None).await);
        let approver = router(token_for(&app, "q-approver", "county_staff", Some("450403"), None).await);
        let other = router(token_for(&app, "q-other", "county_staff", Some("450405"), None).await);
        let other_approver = router(token_for(&app, "q-other-approver", "county_staff", Some("450405"), None).await);
        let city = router(token_for(&app, "q-city", "city_staff", Some("450400"), None).await);

        // Seven stock households in 万秀区 — one registered on the cutoff day itself — and one
        // registered the day after (incremental); one stock household in 长洲区.
        let s1 = household(&app, "450403", "2016-10-31", 1).await;
        let mut stock = vec![s1];
        for n in 2..=7 {
            stock.push(household(&app, "450403", "2015-03-01", n).await);
        }
        let inc = household(&app, "450403", "2016-11-01", 8).await;
        let x1 = household(&app, "450405", "2014-01-01", 9).await;

        let decide = |who: axum::Router,
                      decider: axum::Router,
                      h: i64,
                      kind: &'static str,
                      pathway: Option<&'static str>,
                      day: &'static str| async move {
            let mut body = json!({"kind": kind, "reason": "配额测试"});
            if let Some(p) = pathway {
                body["pathway"] = json!(p);
            }
            let p = post(&who, &format!("/api/v1/households/{h}/outcomes"), &body).await;
            assert_eq!(p.status, StatusCode::CREATED, "{}", p.text);
            let id = p.body["id"].as_i64().unwrap();
            let d = post(
                &decider,
                &format!("/api/v1/outcomes/{id}/decision"),
                &json!({"decision": "approve", "approval_date": day}),
            )
            .await;
            assert_eq!(d.status, StatusCode::OK, "{}", d.text);
            id
        };
        decide(proposer.clone(), approver.clone(), stock[0], "exit", Some("employment_business"), "2017-12-31").await;
        decide(proposer.clone(), approver.clone(), stock[1], "relief", None, "2018-01-01").await;
        decide(proposer.clone(), approver.clone(), stock[2], "withdrawal", Some("failed_recheck"), "2017-06-01").await;
        let reopened = decide(proposer.clone(), approver.clone(), stock[3], "exit", Some("other"), "2017-03-01").await;
        let r = post(&approver, &format!("/api/v1/outcomes/{reopened}/reopen"), &json!({"reason": "复核"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        decide(proposer.clone(), approver.clone(), inc, "exit", Some("social_assistance"), "2017-03-01").await;
        decide(other.clone(), other_approver.clone(), x1, "exit", Some("medical_cover"), "2017-05-01").await;

        let campaigns = get(&proposer, "/api/v1/campaigns").await;
        assert_eq!(campaigns.body[0]["code"], "wuzhou-2017-2020", "{}", campaigns.text);
        assert_eq!(campaigns.body[0]["stock_cutoff"], "2016-10-31");
        let progress = |r: axum::Router, q: &str| {
            let uri = format!("/api/v1/campaigns/1/progress?as_of={q}");
            let logs = logs.clone();
            async move {
                let res = get(&r, &uri).await;
                if res.status != StatusCode::OK {
                    let l = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
                    let tail: String = l
                        .lines()
                        .filter(|x| x.contains("ERROR") || x.contains("error"))
                        .take(5)
                        .collect::<Vec<_>>()
                        .join("\n");
                    panic!("{}: {}", res.text, tail);
                }
                res.body
            }
        };

        // End of 2018, seen by 万秀区: stock 7 − 1 withdrawn = 6.
        // 2017: ceil(30 % × 6) = 2; achieved 1 (the exit of 31 December; the reopened exit no
        // longer counts; the relief of 1 January belongs to 2018) → shortfall 1, not on track.
        // 2018: ceil(55 % × 6) = ceil(3.3) = 4; achieved 2 → shortfall 2.
        // 2019, seen before it starts: ceil(80 % × 6) = 5, due so far = 2018's 4.
        let p = progress(proposer.clone(), "2018-12-31").await;
        assert_eq!(p["regions"].as_array().unwrap().len(), 1, "a county sees its own region only");
        assert_eq!(year(&p, "450403", 2017), (6, 2, 1, 1, 2, false));
        assert_eq!(year(&p, "450403", 2018), (6, 4, 2, 2, 4, false));
        assert_eq!(year(&p, "450403", 2019), (6, 5, 2, 3, 4, false));
        assert_eq!(year(&p, "450403", 2020), (6, 6, 2, 4, 4, false));
        let r403 = &p["regions"][0];
        assert_eq!((r403["stock_registered"].as_i64(), r403["stock_withdrawn"].as_i64()), (Some(7), Some(1)));
        assert_eq!(r403["incremental"]["households"], 1, "registered the day after the cutoff");
        assert_eq!(r403["incremental"]["exited"], 1, "its exit is counted apart from the stock's");

        // 31 December counts for its year; the day before does not.
        assert_eq!(year(&progress(proposer.clone(), "2017-12-31").await, "450403", 2017).2, 1);
        assert_eq!(year(&progress(proposer.clone(), "2017-12-30").await, "450403", 2017).2, 0);
        // Before the withdrawal was approved the stock is 7: ceil(30 % × 7) = ceil(2.1) = 3.
        // On 31 May 2017 (day 151 of 365) due = ceil(7 × 0.30 × 151/365) = ceil(0.87) = 1.
        assert_eq!(year(&progress(proposer.clone(), "2017-05-31").await, "450403", 2017), (7, 3, 0, 3, 1, false));

        // The city sees every region and the total, with the rounding done once on the total:
        // stock 6 + 1 = 7 → 2017 target ceil(2.1) = 3, achieved 1 + 1.
        let c = progress(city.clone(), "2018-12-31").await;
        assert_eq!(c["regions"].as_array().unwrap().len(), 8);
        assert_eq!(year(&c, "450405", 2017), (1, 1, 1, 0, 1, true));
        assert_eq!(year(&c, "total", 2017), (7, 3, 2, 1, 3, false));
        assert_eq!(year(&c, "450403", 2017), year(&p, "450403", 2017));
        // Another county sees only its own.
        let o = progress(other.clone(), "2018-12-31").await;
        assert_eq!(o["regions"].as_array().unwrap().len(), 1);
        assert_eq!(o["regions"][0]["region_code"], "450405");
        assert_eq!(year(&o, "total", 2017), (1, 1, 1, 0, 1, true));

        // A campaign whose withdrawn households stay in the denominator: 2017 on 7 households.
        // The dashboard's other figures (万秀区 on 2018-12-31): 8 registered, of them exited 2
        // (s1 and the incremental one; the reopened exit does not count), relieved 1, withdrawn 1.
        let f = get(&proposer, "/api/v1/dashboard?as_of=2018-12-31").await;
        assert_eq!(f.status, StatusCode::OK, "{}", f.text);
        let fig = |v: &Value, code: &str| {
            v.as_array().unwrap().iter().find(|x| x["code"] == code).map_or(0, |x| x["n"].as_i64().unwrap())
        };
        let b = &f.body["by_status"];
        assert_eq!([fig(b, "in_file"), fig(b, "exited"), fig(b, "relieved"), fig(b, "withdrawn")], [4, 2, 1, 1]);
        let p = &f.body["exits_by_pathway"];
        assert_eq!([fig(p, "employment_business"), fig(p, "social_assistance"), fig(p, "medical_cover")], [1, 1, 0]);
        assert_eq!(fig(&f.body["by_cause"], "illness"), 8);
        let months = f.body["monthly"].as_array().unwrap();
        assert_eq!(months.len(), 12);
        assert_eq!((fig(&months[0]["figures"], "relief"), fig(&months[0]["figures"], "exit")), (1, 0));
        assert_eq!(
            months[1..].iter().map(|m| fig(&m["figures"], "exit") + fig(&m["figures"], "relief")).sum::<i64>(),
            0
        );
        // 2017 by month: the incremental exit in March (the reopened one no longer), s1 in December.
        let f = get(&proposer, "/api/v1/dashboard?as_of=2017-12-31").await;
        let m = f.body["monthly"].as_array().unwrap();
        assert_eq!((fig(&m[2]["figures"], "exit"), fig(&m[11]["figures"], "exit")), (1, 1));
        // The city sees 长洲区's exit as well.
        let c = get(&city, "/api/v1/dashboard?as_of=2018-12-31").await;
        assert_eq!(fig(&c.body["exits_by_pathway"], "medical_cover"), 1);
        assert_eq!(fig(&c.body["by_status"], "exited"), 3);
        // Every linked figure of the page lists exactly that many households, for the county
        // and for the city, on two days.
        // The list's figure conditions name what is wrong.
        for (q, field) in [
            ("outcome=left", "outcome"),
            ("outcome=relief&why=other", "why"),
            ("outcome=exit&why=death", "why"),
            ("why=other", "outcome"),
            ("outcome=exit&approved_until=2018-02-30", "approved_until"),
            ("returned=maybe", "returned"),
            ("detected_from=2018-01-01", "returned"),
            ("condition=C9&run=1", "condition"),
            ("condition=C1", "run"),
            ("condition=C1&run=x", "run"),
            ("in_file_on=2018-13-01", "in_file_on"),
            ("region=450403&region_exact=2", "region_exact"),
        ] {
            let r = get(&proposer, &format!("/api/v1/households?{q}")).await;
            assert_eq!((r.status, r.field()), (StatusCode::UNPROCESSABLE_ENTITY, field), "{q}: {}", r.text);
        }
        for (r, q) in [(&proposer, "as_of=2018-12-31"), (&proposer, "as_of=2017-06-30"), (&city, "as_of=2018-12-31")] {
            let n = linked_figures_match_their_lists(r, q).await;
            assert!(n >= 20, "{q}: only {n} linked figures");
        }
        bangfu_store::testing::assert_tallies_consistent(&app.store, "quota story").await;
        let mut keep = app.store.campaigns().await.unwrap().remove(0);
        keep.code = "keep-withdrawn".into();
        keep.withdrawn_leave_denominator = false;
        let mut tx = app.store.begin().await.unwrap();
        let kid = tx.insert_campaign(&keep).await.unwrap();
        tx.commit().await.unwrap();
        let k = get(&proposer, &format!("/api/v1/campaigns/{kid}/progress?as_of=2018-12-31")).await;
        assert_eq!(year(&k.body, "450403", 2017), (7, 3, 1, 2, 3, false), "{}", k.text);

        // Bad input names what is wrong.
        let bad = get(&proposer, "/api/v1/campaigns/1/progress?as_of=2018-02-30").await;
        assert_eq!((bad.status, bad.field()), (StatusCode::UNPROCESSABLE_ENTITY, "as_of"));
        assert_eq!(get(&proposer, "/api/v1/campaigns/999/progress").await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn statistical_tables_count_on_the_day() {
    for db in TestDb::all().await {
        let app = App::new(db.open().await);
        let sys = Principal::system();
        let router = |t: String| with_token(bangfu_web::router(app.clone()), &t);
        let p = router(token_for(&app, "s-proposer", "county_staff", Some("450403"), None).await);
        let a = router(token_for(&app, "s-approver", "county_staff", Some("450403"), None).await);
        let other = router(token_for(&app, "s-other", "county_staff", Some("450405"), None).await);
        let helper = app
            .create_organisation(
                &sys,
                &OrganisationInput {
                    name: "帮扶厂".into(),
                    kind: "employer".into(),
                    region_code: "450403".into(),
                    parent_id: None,
                },
            )
            .await
            .unwrap()
            .id;
        let ha = household(&app, "450403", "2015-01-01", 11).await;
        let hb = household(&app, "450403", "2015-01-01", 12).await;
        let hc = household(&app, "450403", "2017-03-01", 13).await;
        household(&app, "450403", "2019-01-01", 14).await; // registered after the day
        for (h, from) in [(ha, "2018-01-01"), (hc, "2018-01-01")] {
            let r = post(
                &p,
                &format!("/api/v1/households/{h}/pairings"),
                &json!({"helper_org_id": helper, "person": "王", "started_on": from}),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
        let approve = |h: i64, body: Value, day: &'static str| {
            let (p, a) = (p.clone(), a.clone());
            async move {
                let o = post(&p, &format!("/api/v1/households/{h}/outcomes"), &body).await;
                assert_eq!(o.status, StatusCode::CREATED, "{}", o.text);
                let id = o.body["id"].as_i64().unwrap();
                let d = post(
                    &a,
                    &format!("/api/v1/outcomes/{id}/decision"),
                    &json!({"decision": "approve", "approval_date": day}),
                )
                .await;
                assert_eq!(d.status, StatusCode::OK, "{}", d.text);
            }
        };
        approve(ha, json!({"kind": "exit", "pathway": "employment_business", "reason": "就业"}), "2018-06-01").await;
        approve(hb, json!({"kind": "withdrawal", "pathway": "death", "reason": "去世"}), "2018-02-01").await;
        approve(hc, json!({"kind": "relief", "reason": "解困"}), "2018-03-01").await;
        let pairing = get(&p, &format!("/api/v1/households/{ha}/pairings")).await.body[0]["id"].as_i64().unwrap();
        let end = post(
            &p,
            &format!("/api/v1/pairings/{pairing}/end"),
            &json!({"reason": "已脱困", "ended_on": "2018-07-01"}),
        )
        .await;
        assert_eq!(end.status, StatusCode::OK, "{}", end.text);
        for (h, date, amount) in [(ha, "2018-05-01", "500"), (ha, "2017-05-01", "300"), (hc, "2018-09-01", "200")] {
            let r = post(
                &p,
                &format!("/api/v1/households/{h}/union-assistance"),
                &json!({"date": date, "kind": "cash", "amount": amount, "measure": "living_aid"}),
            )
            .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        }
        let stats = |r: axum::Router, q: &'static str| async move {
            let res = get(&r, &format!("/api/v1/reports/statistics?{q}")).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.text);
            res.body
        };
        // 31 December 2018: three registered (the fourth came in 2019), two stock, one
        // incremental; one exit (employment), one relief, one withdrawal (death); none left in
        // difficulty; one pairing still active; two households assisted in 2018 for ¥700 (the
        // 2017 payment is another year's).
        let end_of_year = stats(p.clone(), "as_of=2018-12-31").await;
        let t = &end_of_year["total"];
        assert_eq!(
            (t["registered"].as_i64(), t["stock"].as_i64(), t["incremental"].as_i64()),
            (Some(3), Some(2), Some(1)),
            "{end_of_year}"
        );
        assert_eq!(t["exited"], json!({"employment_business": 1}));
        assert_eq!((t["relieved"].as_i64(), t["withdrawn"].clone()), (Some(1), json!({"death": 1})));
        assert_eq!((t["in_difficulty"].as_i64(), t["paired"].as_i64()), (Some(0), Some(1)));
        assert_eq!((t["assisted"].as_i64(), t["assistance_fen"].as_i64()), (Some(2), Some(70_000)));
        assert_eq!(end_of_year["scope"], "万秀区");
        // 31 May 2018: the exit is not yet approved, both pairings run, ¥500 given.
        let may = stats(p.clone(), "as_of=2018-05-31").await;
        let t = &may["total"];
        assert_eq!(t["exited"], json!({}));
        assert_eq!((t["in_difficulty"].as_i64(), t["paired"].as_i64()), (Some(1), Some(2)));
        assert_eq!((t["assisted"].as_i64(), t["assistance_fen"].as_i64()), (Some(1), Some(50_000)));
        // Another county sees none of it; a bad day or region is named.
        assert_eq!(stats(other.clone(), "as_of=2018-12-31").await["total"]["registered"], 0);
        let bad = get(&p, "/api/v1/reports/statistics?as_of=2018-13-01").await;
        assert_eq!((bad.status, bad.field()), (StatusCode::UNPROCESSABLE_ENTITY, "as_of"));
        let bad = get(&p, "/api/v1/reports/statistics?region=450405").await;
        assert_eq!((bad.status, bad.field()), (StatusCode::UNPROCESSABLE_ENTITY, "region"));

        // The workbook: the day and the scope in the title, a totals row.
        let res = call(&p, axum::http::Method::GET, "/reports/export.xlsx?as_of=2018-12-31", None, &[]).await;
        assert_eq!(res.status, StatusCode::OK);
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(res.raw.clone())).unwrap();
        let range = wb.worksheet_range("统计表").unwrap();
        let title = range.get_value((0, 0)).unwrap().to_string();
        assert!(title.contains("万秀区") && title.contains("2018-12-31"), "{title}");
        assert_eq!(range.get_value((2, 0)).unwrap().to_string(), "地区");
        let last = range.height() as u32 - 1;
        assert_eq!(range.get_value((last, 0)).unwrap().to_string(), "合计");
        assert_eq!(range.get_value((last, 1)).unwrap().to_string(), "3");
        let page = get(&p, "/reports?as_of=2018-12-31").await;
        assert!(page.status == StatusCode::OK && page.text.contains("id=\"report-table\""));
        bangfu_store::testing::assert_tallies_consistent(&app.store, "statistics story").await;
    }
}
