//! What the app's story tests share.

#![allow(clippy::unwrap_used, dead_code)] // a test fails by panicking; not every story uses all

use bangfu_app::{App, Principal};

/// A user of `role` in `region` (created once), as a principal.
pub async fn user(app: &App, name: &str, role: &str, region: &str) -> Principal {
    let u = app
        .ensure_user(&bangfu_app::users::UserInput {
            name: name.into(),
            role: role.into(),
            region_code: Some(region.into()),
            password: Some("a long password".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    app.principal_of(&u, "test").await.unwrap().unwrap()
}

/// A valid resident ID: `first17` and its check character.
pub fn id_with_check(first17: &str) -> String {
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}
