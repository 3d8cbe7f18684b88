//! `bangfu serve` as a real process, for the tests that kill it or run two of it.

#![allow(dead_code, clippy::unwrap_used)] // each test binary uses part of it; a test fails by panicking

use bangfu_app::{App, Principal};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `bangfu serve`; killed with SIGKILL when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Starts `bangfu serve` on a free port over `url` and waits until it answers.
    pub async fn start(url: &str) -> Server {
        Self::start_with(url, &[]).await
    }

    /// [`Server::start`] with more options of `bangfu serve`.
    pub async fn start_with(url: &str, options: &[&str]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_bangfu"))
            .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
            .args(["--database-url", url, "serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(options)
            .env("BANGFU_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server { child, base: format!("http://127.0.0.1:{port}") };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{}/sign-in", server.base)).send().await {
                if r.status().is_success() {
                    return server;
                }
            }
            assert!(started.elapsed() < Duration::from_secs(60), "bangfu serve did not answer within 60 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A resident ID with its check character.
pub fn id_with_check(first17: &str) -> String {
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

/// The password of the `city` account.
pub const PASSWORD: &str = "process test password";

/// The city union, a city-staff account and an API token for it: the token's secret.
pub async fn city_and_token(app: &App) -> String {
    app.create_organisation(
        &Principal::system(),
        &bangfu_app::input::OrganisationInput {
            name: "梧州市总工会".into(),
            kind: "city_union".into(),
            region_code: "450400".into(),
            parent_id: None,
        },
    )
    .await
    .unwrap();
    city_token(app).await
}

/// A city-staff account (`city`, password `PASSWORD`) and an API token for it: the token's secret.
pub async fn city_token(app: &App) -> String {
    let system = Principal::system();
    let user = app
        .ensure_user(&bangfu_app::users::UserInput {
            name: "city".into(),
            role: "city_staff".into(),
            region_code: Some("450400".into()),
            password: Some(PASSWORD.into()),
            ..Default::default()
        })
        .await
        .unwrap();
    app.create_token(&system, user.id, "process tests").await.unwrap().secret
}
