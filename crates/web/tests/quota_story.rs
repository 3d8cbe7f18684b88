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
