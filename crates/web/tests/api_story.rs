//! The registry's story through the API, run on SQLite and (when configured) PostgreSQL:
//! reference data, a household's file, concurrency, and bad input that changes nothing.

#![allow(clippy::unwrap_used)] // a test fails by panicking

mod common;

use axum::http::{Method, StatusCode};
use bangfu_store::testing::TestDb;
use common::*;
use serde_json::{json, Value};

fn household(name: &str, id: &str, union: i64) -> Value {
    json!({
        "head_name": name, "head_id_number": id, "phone": "0774-1234567", "address": "万秀区新兴路1号",
        "region_code": "450403", "union_id": union, "registered_on": "2016-05-10",
        "migrant_worker": true, "causes": ["illness", "schooling"], "work_capacity": "partial"
    })
}

async fn count(r: &axum::Router, uri: &str) -> usize {
    let res = get(r, uri).await;
    assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.text);
    match &res.body {
        Value::Array(a) => a.len(),
        v => v["total"].as_u64().unwrap() as usize,
    }
}

#[tokio::test]
async fn registry_story_on_every_backend() {
    let logs = common::capture_logs();
    for db in TestDb::all().await {
        let store = db.open().await;
        story(common::as_city_staff(&bangfu_app::App::new(store.clone())).await).await;
        // Migrations are idempotent: a second start applies nothing.
        assert_eq!(store.migrate().await.unwrap(), 0, "{:?}", db.backend);
        store.close().await;
    }
    // Over the whole story, no resident ID reached the log (the API answers with masked IDs,
    // searches by ID are posted, spans carry no query string).
    common::assert_logs_clean(&logs, &["a test password"]);
}

async fn story(r: axum::Router) {
    // Regions are seeded with Wuzhou and its seven districts and counties.
    let regions = get(&r, "/api/v1/regions").await;
    assert_eq!(regions.body.as_array().unwrap().len(), 8);
    assert_eq!(get(&r, "/api/v1/regions/450422").await.body["name"], "藤县");
    assert_eq!(get(&r, "/api/v1/regions/999999").await.status, StatusCode::NOT_FOUND);

    // Organisations: city → county → grassroots; a grassroots union must name the union above it.
    let city = post(
        &r,
        "/api/v1/organisations",
        &json!({"name": "梧州市总工会", "kind": "city_union", "region_code": "450400"}),
    )
    .await;
    assert_eq!(city.status, StatusCode::CREATED, "{}", city.text);
    let city_id = city.body["id"].as_i64().unwrap();
    let county = post(
        &r,
        "/api/v1/organisations",
        &json!({"name": "万秀区总工会", "kind": "county_union", "region_code": "450403", "parent_id": city_id}),
    )
    .await;
    let county_id = county.body["id"].as_i64().unwrap();
    let orphan = post(
        &r,
        "/api/v1/organisations",
        &json!({"name": "某街道工会", "kind": "grassroots_union", "region_code": "450403"}),
    )
    .await;
    assert_eq!((orphan.status, orphan.field()), (StatusCode::UNPROCESSABLE_ENTITY, "parent_id"));
    // A union reports to a union of a higher level (a county union not to another county union).
    let wrong_parent = post(
        &r,
        "/api/v1/organisations",
        &json!({"name": "某区总工会", "kind": "county_union", "region_code": "450403", "parent_id": county_id}),
    )
    .await;
    assert_eq!(
        (wrong_parent.status, wrong_parent.field(), wrong_parent.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "parent_id", "parent_level")
    );
    let grass = post(
        &r,
        "/api/v1/organisations",
        &json!({"name": "新兴街道工会", "kind": "grassroots_union", "region_code": "450403", "parent_id": county_id}),
    )
    .await;
    assert_eq!(grass.status, StatusCode::CREATED);
    let union_id = grass.body["id"].as_i64().unwrap();
    assert_eq!(count(&r, "/api/v1/organisations").await, 3);
    assert_eq!(count(&r, "/api/v1/organisations?kind=grassroots_union").await, 1);
    assert_eq!(get(&r, "/api/v1/organisations?kind=club").await.status, StatusCode::BAD_REQUEST);

    // Standards: one per region, kind and month; money to the fen.
    for (from, amount) in [("2017-01", json!(600)), ("2018-04", json!("660.00"))] {
        let s = post(
            &r,
            "/api/v1/standards",
            &json!({"region_code": "450403", "kind": "dibao", "from": from, "amount": amount}),
        )
        .await;
        assert_eq!(s.status, StatusCode::CREATED, "{}", s.text);
    }
    let dup = post(
        &r,
        "/api/v1/standards",
        &json!({"region_code": "450403", "kind": "dibao", "from": "2018-04", "amount": 700}),
    )
    .await;
    assert_eq!((dup.status, dup.field()), (StatusCode::CONFLICT, "from"));
    for (body, field) in [
        (json!({"region_code": "450403", "kind": "dibao", "from": "2019-01", "amount": "5.005"}), "amount"),
        (json!({"region_code": "450403", "kind": "dibao", "from": "2019-13", "amount": 5}), "from"),
        (json!({"region_code": "450403", "kind": "rent", "from": "2019-01", "amount": 5}), "kind"),
        (json!({"region_code": "450403", "kind": "dibao", "from": "2019-01", "amount": -5}), "amount"),
        (json!({"region_code": "459999", "kind": "dibao", "from": "2019-01", "amount": 5}), "region_code"),
    ] {
        let res = post(&r, "/api/v1/standards", &body).await;
        assert_eq!((res.status, res.field()), (StatusCode::UNPROCESSABLE_ENTITY, field), "{body}");
    }
    assert_eq!(count(&r, "/api/v1/standards?region=450403").await, 2);

    // A household: created with a file number assigned, ETag version 1.
    let head_id = id_with_check("45040319800101123");
    let h = post(&r, "/api/v1/households", &household("黄伟明", &head_id, union_id)).await;
    assert_eq!(h.status, StatusCode::CREATED, "{}", h.text);
    assert_eq!(h.etag.as_deref(), Some("\"1\""));
    assert_eq!(h.body["file_no"], "450403-2016-000001");
    assert_eq!(h.body["causes"], json!(["illness", "schooling"]));
    let hid = h.body["id"].as_i64().unwrap();
    let file_no = h.body["file_no"].as_str().unwrap().to_string();

    // Bad input names the field and writes nothing.
    // A valid number with its check character changed.
    let valid = id_with_check("45040319900101123");
    let bad_check = format!("{}{}", &valid[..17], if valid.ends_with('1') { '2' } else { '1' });
    for (patch, field, status) in [
        (json!({"head_id_number": bad_check}), "head_id_number", StatusCode::UNPROCESSABLE_ENTITY),
        (
            json!({"head_id_number": id_with_check("45040319800230123")}),
            "head_id_number",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"registered_on": "2016-02-30"}), "registered_on", StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"region_code": "450400"}), "region_code", StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"causes": ["laziness"]}), "causes[0]", StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"causes": []}), "causes", StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"union_id": 999999}), "union_id", StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"union_id": "seven"}), "union_id", StatusCode::BAD_REQUEST),
        (json!({"migrant_worker": "yes"}), "migrant_worker", StatusCode::BAD_REQUEST),
        (json!({"head_id_number": head_id}), "head_id_number", StatusCode::CONFLICT),
    ] {
        let mut body = household("李四", &id_with_check("45040319900101123"), union_id);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let res = post(&r, "/api/v1/households", &body).await;
        assert_eq!((res.status, res.field()), (status, field), "{patch}: {}", res.text);
        if status == StatusCode::CONFLICT {
            // The error names the other household's file number.
            assert!(res.body["error"]["message"].as_str().unwrap().contains(&file_no), "{}", res.text);
        }
    }
    assert_eq!(count(&r, "/api/v1/households").await, 1);
    let malformed = call(&r, Method::POST, "/api/v1/households", Some("{\"head_name\": "), &[]).await;
    assert_eq!((malformed.status, malformed.code()), (StatusCode::BAD_REQUEST, "malformed_json"));
    let missing = post(&r, "/api/v1/households", &json!({"head_name": "王五"})).await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "{}", missing.text);
    let not_json = call(&r, Method::POST, "/api/v1/households", None, &[("content-type", "text/plain")]).await;
    assert_eq!(not_json.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // The list: filters and text search.
    for (q, n) in [
        ("", 1),
        ("?region=450400", 1),
        ("?region=450403&pool=stock&status=in_file&cause=schooling", 1),
        ("?region=450405", 0),
        ("?pool=incremental", 0),
        ("?cause=disability", 0),
        ("?q=%E9%BB%84", 1),
        ("?q=%E6%9D%8E", 0),
        (&format!("?q={file_no}"), 1),
    ] {
        assert_eq!(count(&r, &format!("/api/v1/households{q}")).await, n, "{q}");
    }
    // A resident ID is searched for in a POST body, never in a URL (URLs end up in logs).
    let in_url = get(&r, &format!("/api/v1/households?q={head_id}")).await;
    assert_eq!((in_url.status, in_url.code()), (StatusCode::UNPROCESSABLE_ENTITY, "id_in_url"));
    let by_id = post(&r, "/api/v1/households/search", &json!({ "q": head_id })).await;
    assert_eq!(by_id.body["total"], 1, "{}", by_id.text);
    // Lists and records show the resident ID masked; the phone too.
    assert_eq!(by_id.body["items"][0]["head_id_number"], bangfu_domain::id_number::mask(&head_id));
    for (q, field) in [
        ("?region=12", "region"),
        ("?region=110000", "region"),
        ("?pool=all", "pool"),
        ("?status=gone", "status"),
        ("?page=0", "page"),
        ("?per_page=1000", "per_page"),
    ] {
        let res = get(&r, &format!("/api/v1/households{q}")).await;
        assert_eq!((res.status, res.field()), (StatusCode::UNPROCESSABLE_ENTITY, field), "{q}");
    }

    // Updates need the ETag; a stale one gets 412 and changes nothing.
    let uri = format!("/api/v1/households/{hid}");
    let mut body = household("黄伟明", &head_id, union_id);
    body["phone"] = json!("13800000000");
    let put = |b: Value, m: Option<&'static str>| {
        let r = r.clone();
        let uri = uri.clone();
        async move {
            let headers: Vec<(&str, &str)> = m.map(|v| vec![("if-match", v)]).unwrap_or_default();
            call(&r, Method::PUT, &uri, Some(&b.to_string()), &headers).await
        }
    };
    assert_eq!(put(body.clone(), None).await.status, StatusCode::PRECONDITION_REQUIRED);
    let ok = put(body.clone(), Some("\"1\"")).await;
    assert_eq!((ok.status, ok.etag.as_deref()), (StatusCode::OK, Some("\"2\"")), "{}", ok.text);
    body["phone"] = json!("13900000000");
    assert_eq!(put(body.clone(), Some("\"1\"")).await.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(put(body.clone(), Some("garbage")).await.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(get(&r, &uri).await.body["phone"], "138****0000");
    let revealed = post(&r, &format!("{uri}/reveal"), &json!({})).await;
    assert_eq!(
        (revealed.body["phone"].as_str(), revealed.body["head_id_number"].as_str()),
        (Some("13800000000"), Some(head_id.as_str()))
    );
    // What a reader got back (masked ID and phone) can be sent back unchanged: the stored values stay.
    let mut masked = household("黄伟明", &bangfu_domain::id_number::mask(&head_id), union_id);
    masked["phone"] = json!("138****0000");
    masked["address"] = json!("万秀区新兴路2号");
    let v = get(&r, &uri).await.etag.unwrap();
    let again = call(&r, Method::PUT, &uri, Some(&masked.to_string()), &[("if-match", &v)]).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(get(&r, &uri).await.body["address"], "万秀区新兴路2号");
    let revealed = post(&r, &format!("{uri}/reveal"), &json!({})).await;
    assert_eq!(
        (revealed.body["phone"].as_str(), revealed.body["head_id_number"].as_str()),
        (Some("13800000000"), Some(head_id.as_str()))
    );
    assert_eq!(
        call(&r, Method::PUT, "/api/v1/households/99999", Some(&body.to_string()), &[("if-match", "\"1\"")])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&r, "/api/v1/households/abc").await.status, StatusCode::NOT_FOUND);

    // Members: IDs are unique across households still in the file.
    let other = post(&r, "/api/v1/households", &household("陈静", &id_with_check("45040519750505222"), union_id)).await;
    assert_eq!(other.status, StatusCode::CREATED);
    let other_id = other.body["id"].as_i64().unwrap();
    let child_id = id_with_check("45040320100315002");
    let m = post(
        &r,
        &format!("/api/v1/households/{hid}/members"),
        &json!({"name": "黄小明", "id_number": child_id, "relation": "child", "situation": "student"}),
    )
    .await;
    assert_eq!(m.status, StatusCode::CREATED, "{}", m.text);
    assert_eq!(m.body["birth_date"], "2010-03-15");
    // Search finds a member's resident ID, and file numbers by their beginning.
    let found = post(&r, "/api/v1/households/search", &json!({ "q": child_id.to_lowercase() })).await;
    assert_eq!(found.body["items"][0]["id"], hid, "{}", found.text);
    assert_eq!(found.body["total"], 1);
    assert_eq!(count(&r, "/api/v1/households?q=450403-2016").await, 2);
    assert_eq!(count(&r, "/api/v1/households?q=450403-2017").await, 0);
    let taken = post(
        &r,
        &format!("/api/v1/households/{other_id}/members"),
        &json!({"name": "黄小明", "id_number": child_id, "relation": "child", "situation": "student"}),
    )
    .await;
    assert_eq!((taken.status, taken.field()), (StatusCode::CONFLICT, "id_number"));
    assert!(taken.text.contains(&file_no));
    let head_as_member = post(
        &r,
        &format!("/api/v1/households/{other_id}/members"),
        &json!({"name": "黄伟明", "id_number": head_id, "relation": "spouse", "situation": "ill"}),
    )
    .await;
    assert_eq!(head_as_member.status, StatusCode::CONFLICT);
    for (body, field) in [
        (json!({"name": "", "relation": "child", "situation": "student", "birth_date": "2012-01-01"}), "name"),
        (
            json!({"name": "黄小红", "relation": "cousin", "situation": "student", "birth_date": "2012-01-01"}),
            "relation",
        ),
        (json!({"name": "黄小红", "relation": "child", "situation": "student"}), "birth_date"),
        (
            json!({"name": "黄小红", "id_number": child_id, "relation": "child", "situation": "student", "birth_date": "2011-01-01"}),
            "birth_date",
        ),
    ] {
        let res = post(&r, &format!("/api/v1/households/{hid}/members"), &body).await;
        assert_eq!(res.field(), field, "{body}: {}", res.text);
        assert!(res.status.is_client_error());
    }
    assert_eq!(count(&r, &format!("/api/v1/households/{hid}/members")).await, 1);
    // A sub-record write moves the household's version (its ETag covers the whole file).
    assert_eq!(get(&r, &uri).await.etag.as_deref(), Some("\"4\""));
    let stale_member = call(
        &r,
        Method::POST,
        &format!("/api/v1/households/{hid}/members"),
        Some(&json!({"name": "x", "relation": "other", "situation": "other", "birth_date": "2000-01-01"}).to_string()),
        &[("if-match", "\"3\"")],
    )
    .await;
    assert_eq!(stale_member.status, StatusCode::PRECONDITION_FAILED);

    // Monthly records: all months are checked before any is written.
    let months_uri = format!("/api/v1/households/{hid}/months");
    let good = json!([
        {"month": "2018-01", "members": 3, "income": 1500},
        {"month": "2018-02", "members": 3, "income": "1800.50", "government_assistance": 600, "non_living": {"medical": 900}},
        {"month": "2018-04", "members": 3, "income": 1500, "non_living": {"education": "300.1"}}
    ]);
    let res = call(&r, Method::PUT, &months_uri, Some(&good.to_string()), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    for (bad, field, status) in [
        (
            json!([{"month": "2018-05", "members": 3, "income": 1}, {"month": "2018-06", "members": 0, "income": 1}]),
            "months[1].members",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!([{"month": "2018-05", "members": 3, "income": 100, "government_assistance": 101}]),
            "months[0].government_assistance",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!([{"month": "2018-05", "members": 3, "income": "1e2"}]),
            "months[0].income",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            json!([{"month": "2018-05", "members": 3, "income": 1, "non_living": {"rent": 5}}]),
            "[0].non_living.rent",
            StatusCode::BAD_REQUEST,
        ),
        (
            json!([{"month": "2018-05", "members": 3, "income": 1}, {"month": "2018-05", "members": 3, "income": 1}]),
            "months[1].month",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!([{"month": "2018-05", "members": "3", "income": 1}]), "[0].members", StatusCode::BAD_REQUEST),
        (json!([]), "months", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let res = call(&r, Method::PUT, &months_uri, Some(&bad.to_string()), &[]).await;
        assert_eq!((res.status, res.field()), (status, field), "{bad}: {}", res.text);
    }
    let stored = get(&r, &months_uri).await;
    assert_eq!(stored.body.as_array().unwrap().len(), 3);
    assert_eq!(stored.body[1]["income"], "1800.50");
    assert_eq!(stored.body[2]["education"], "300.10");
    assert_eq!(count(&r, &format!("{months_uri}?from=2018-02&to=2018-03")).await, 1);
    assert_eq!(
        call(&r, Method::DELETE, &format!("{months_uri}/2018-04"), None, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&r, Method::DELETE, &format!("{months_uri}/2018-04"), None, &[]).await.status,
        StatusCode::NOT_FOUND
    );

    // Enrolments and union assistance.
    let e_uri = format!("/api/v1/households/{hid}/enrolments");
    let bad = post(&r, &e_uri, &json!({"scheme": "dibao", "from": "2018-05", "to": "2018-01"})).await;
    assert_eq!((bad.status, bad.field()), (StatusCode::UNPROCESSABLE_ENTITY, "to"));
    assert_eq!(post(&r, &e_uri, &json!({"scheme": "lottery", "from": "2018-05"})).await.field(), "scheme");
    assert_eq!(
        post(&r, &e_uri, &json!({"scheme": "dibao", "from": "2018-03", "to": null})).await.status,
        StatusCode::CREATED
    );
    assert_eq!(count(&r, &e_uri).await, 1);
    let a_uri = format!("/api/v1/households/{hid}/union-assistance");
    let a = post(
        &r,
        &a_uri,
        &json!({"date": "2018-02-14", "kind": "cash", "amount": 500, "measure": "living_aid", "note": "春节慰问"}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text);
    assert_eq!(
        post(&r, &a_uri, &json!({"date": "2018-02-30", "kind": "cash", "amount": 500, "measure": "living_aid"}))
            .await
            .field(),
        "date"
    );
    assert_eq!(count(&r, &a_uri).await, 1);

    // The household page shows the month's standard beside its record.
    let page = get(&r, &format!("/households/{hid}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("黄伟明") && page.text.contains("¥1,800.50") && page.text.contains("¥600.00"),
        "page lacks the finance table"
    );
    assert!(!page.text.contains(&head_id), "the page must mask resident IDs");
    let en = call(&r, Method::GET, "/households?lang=en", None, &[]).await;
    assert!(en.text.contains("Households") && en.text.contains("Head of household"));

    // The filtered list exports to Excel: every match, IDs as masked text.
    let xlsx = get(&r, "/households/export.xlsx?region=450400&cause=illness").await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let sheet = read_xlsx(&r, "/households/export.xlsx?region=450400&cause=illness").await;
    assert_eq!(sheet.len(), 1 + 2, "header and two households: {sheet:?}");
    assert_eq!(sheet[0][0], "档案编号");
    assert!(sheet.iter().any(|row| row[1] == "黄伟明" && row[2].starts_with("4504*") && !row[2].contains("19800101")));
    assert_eq!(read_xlsx(&r, "/households/export.xlsx?cause=disability").await.len(), 1);
    // A bad filter is the page's error (422, as every refused input: the error policy).
    assert_eq!(get(&r, "/households/export.xlsx?region=12").await.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Deleting needs the current ETag; then the resident ID is free again.
    let etag = get(&r, &uri).await.etag.unwrap();
    assert_eq!(
        call(&r, Method::DELETE, &uri, None, &[("if-match", "\"1\"")]).await.status,
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(call(&r, Method::DELETE, &uri, None, &[("if-match", &etag)]).await.status, StatusCode::NO_CONTENT);
    assert_eq!(get(&r, &uri).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&r, &months_uri).await.status, StatusCode::NOT_FOUND);
    let again = post(&r, "/api/v1/households", &household("黄伟明", &head_id, union_id)).await;
    assert_eq!(again.status, StatusCode::CREATED);

    // Moving a household to another county moves its causes with it (the cause filter follows).
    let again_uri = format!("/api/v1/households/{}", again.body["id"]);
    let mut moved = household("黄伟明", &head_id, union_id);
    moved["region_code"] = json!("450405");
    let res = call(&r, Method::PUT, &again_uri, Some(&moved.to_string()), &[("if-match", "\"1\"")]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text);
    assert_eq!(count(&r, "/api/v1/households?region=450405&cause=illness").await, 1);
    assert_eq!(
        count(&r, "/api/v1/households?region=450403&cause=illness").await,
        1,
        "only the other household is left"
    );
    assert_eq!(count(&r, "/api/v1/households?region=450400&cause=schooling").await, 2);

    // An organisation in use cannot be deleted.
    let org = get(&r, &format!("/api/v1/organisations/{union_id}")).await;
    let res = call(
        &r,
        Method::DELETE,
        &format!("/api/v1/organisations/{union_id}"),
        None,
        &[("if-match", org.etag.as_deref().unwrap())],
    )
    .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
}

/// The first sheet of an exported workbook, as strings.
async fn read_xlsx(r: &axum::Router, uri: &str) -> Vec<Vec<String>> {
    use calamine::Reader;
    let res = call(r, Method::GET, uri, None, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{uri}");
    let bytes = res.raw;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = wb.worksheet_range_at(0).unwrap().unwrap();
    range.rows().map(|row| row.iter().map(|c| c.to_string()).collect()).collect()
}
