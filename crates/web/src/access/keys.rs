//! 个人信息加密 (issue 23): the security administrator's page on the keys that seal personal
//! data — the algorithms, the key file and its data keys, how every column of personal data is
//! stored (values in clear, values per key), and the rotation: started here, it runs in the
//! background (the page shows how far it is); `bangfu keys rotate` does the same on the server.

use crate::form::saved;
use crate::kit::{page, text_table, Fm, Section};
use crate::page::Ctx;
use crate::AppState;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};

/// Routes of this page.
pub fn routes() -> crate::Routes {
    crate::Routes::default().route("/security/keys", get(show)).route("/security/keys/rotate", post(rotate))
}

/// `GET /security/keys`.
async fn show(State(s): State<AppState>, ctx: Ctx) -> Response {
    let t = ctx.lang.tr();
    let k = or_error_page!(ctx, s.app.key_status(&ctx.who).await);
    let fill = crate::i18n::fill;
    let keys: Vec<String> = k
        .keys
        .iter()
        .map(|(id, made)| {
            let line = fill(t.k_key, &[("n", id.to_string()), ("made", bangfu_app::clock::local(made))]);
            if *id == k.active {
                format!("{line}{}", t.k_active)
            } else {
                line
            }
        })
        .collect();
    let about = Section {
        heading: t.k_about.into(),
        lines: [vec![t.k_algorithms.to_string(), fill(t.k_file, &[("file", k.file.clone())])], keys].concat(),
        ..Default::default()
    };
    let rows = k
        .columns
        .iter()
        .map(|col| {
            let by_key: Vec<String> = col
                .by_key
                .iter()
                .map(|(id, n)| fill(t.k_by_key, &[("n", id.to_string()), ("count", n.to_string())]))
                .collect();
            vec![
                column_label(t, &col.column),
                col.plain.to_string(),
                match (col.column.as_str(), by_key.is_empty()) {
                    ("roster_rows.id_number", _) => t.k_masked.to_string(),
                    (_, true) => "—".to_string(),
                    (_, false) => by_key.join("；"),
                },
            ]
        })
        .collect();
    let mut table = text_table(&[t.k_column, t.k_in_clear, t.k_sealed], rows);
    table.id = "columns";
    let columns = Section { heading: t.k_columns.into(), table: Some(table), ..Default::default() };
    let mut lines = vec![t.k_rotate_intro.to_string()];
    if let Some(r) = k.rotation.running.as_ref().filter(|r| r.column.is_empty()) {
        lines.push(fill(t.k_starting, &[("since", bangfu_app::clock::local(&r.since))]));
    } else if let Some(r) = &k.rotation.running {
        lines.push(fill(
            t.k_running,
            &[
                ("since", bangfu_app::clock::local(&r.since)),
                ("column", column_label(t, &r.column)),
                ("rows", r.rows.to_string()),
            ],
        ));
    }
    if let Some(e) = &k.rotation.last {
        lines.push(match &e.error {
            None => fill(
                t.k_ended,
                &[
                    ("at", bangfu_app::clock::local(&e.at)),
                    ("n", e.key.to_string()),
                    ("rekeyed", e.rekeyed.to_string()),
                    ("sealed", e.sealed.to_string()),
                ],
            ),
            Some(why) => fill(t.k_failed, &[("at", bangfu_app::clock::local(&e.at)), ("why", why.clone())]),
        });
    }
    let form = k.rotation.running.is_none().then(|| Fm {
        action: "/security/keys/rotate".into(),
        id: "rotate-keys",
        upload: false,
        get: false,
        submit: t.k_rotate.into(),
        fields: Vec::new(),
    });
    let links = if k.rotation.running.is_some() {
        vec![("/security/keys".into(), t.k_refresh.to_string())]
    } else {
        Vec::new()
    };
    let rotation = Section { heading: t.k_rotation.into(), lines, links, form, ..Default::default() };
    page(&ctx, t.k_title, vec![t.k_intro.into()], Vec::new(), vec![about, columns, rotation])
}

/// `POST /security/keys/rotate`: started in the background; back to the page, which shows it.
async fn rotate(State(s): State<AppState>, ctx: Ctx) -> Response {
    match s.app.start_key_rotation(&ctx.who).await {
        Ok(()) => saved("/security/keys"),
        Err(e) => ctx.error(e),
    }
}

/// A column of personal data, as the page names it.
fn column_label(t: &crate::i18n::Tr, column: &str) -> String {
    match column {
        "households.head_id_number" => t.k_col_head_id,
        "households.phone" => t.k_col_phone,
        "members.id_number" => t.k_col_member_id,
        "roster_rows.id_number" => t.k_col_roster_id,
        "joint_members.phone" => t.k_col_joint_phone,
        "audit_log.detail" => t.k_col_audit,
        "" => "",
        other => other,
    }
    .to_string()
}
