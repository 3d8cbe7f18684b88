//! `bangfu user add` reads the password from standard input; bad input names the field, exits
//! with status 2 and creates nothing.

#![allow(clippy::unwrap_used)]

use bangfu_app::App;
use bangfu_store::testing::TestDb;
use std::io::Write;
use std::process::{Command, Stdio};

fn user_add(url: &str, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bangfu"))
        .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
        .args(["--database-url", url, "user", "add"])
        .args(args)
        .env("BANGFU_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[tokio::test]
async fn user_add_reads_the_password_from_stdin_and_refuses_bad_input() {
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    let (code, out, err) =
        user_add(&db.url, &["Wanxiu.Li", "--role", "county_staff", "--scope", "450403"], "a long password here\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("user wanxiu.li"), "{out}");
    let (who, _) = app.sign_in("wanxiu.li", "a long password here", "", "local").await.unwrap();
    assert_eq!(who.role, bangfu_domain::Role::CountyStaff);
    assert_eq!(who.scope.region_codes(), Some(&["450403".to_string()][..]));

    for (args, stdin, field) in [
        (vec!["x1", "--role", "king", "--scope", "450403"], "a long password here\n", "role"),
        (vec!["x2", "--role", "county_staff", "--scope", "450403"], "short\n", "password"),
        (vec!["x3", "--role", "county_staff", "--scope", "999999"], "a long password here\n", "region_code"),
        (vec!["x4", "--role", "grassroots_staff"], "a long password here\n", "org_id"),
        (vec!["李", "--role", "county_staff", "--scope", "450403"], "a long password here\n", "name"),
    ] {
        let (code, out, err) = user_add(&db.url, &args, stdin);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(out.is_empty(), "{args:?}: nothing on standard output, got {out}");
        assert!(err.starts_with(field), "{args:?}: the error names {field}: {err}");
    }
    let (code, _, err) = user_add(&db.url, &["x5", "--role", "grassroots_staff", "--scope", "org:abc"], "pw\n");
    assert!(code != 0 && err.contains("organisation id"), "{err}");
    let names: Vec<String> = app.store.users().await.unwrap().into_iter().map(|u| u.name).collect();
    assert_eq!(names, ["wanxiu.li"], "bad input created nobody");
}

/// Issue 23: the three administrators are made on the command line; an administrator who lost
/// the phone gets two-factor sign-in reset there (`bangfu user reset-second-factor`), and only
/// there.
#[tokio::test]
async fn administrators_are_made_and_their_second_factor_reset_on_the_command_line() {
    let db = TestDb::sqlite();
    let app = App::new(db.open().await);
    let (code, out, err) = user_add(&db.url, &["sec", "--role", "security_admin"], "a long password here\n");
    assert_eq!(code, 0, "{out}{err}");
    let (who, _) = app.sign_in("sec", "a long password here", "", "local").await.unwrap();
    assert!(who.second_factor_due, "an administrator sets up a second factor first");
    let e = app.start_second_factor(&who).await.unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    app.confirm_second_factor(&who, &bangfu_app::second_factor::code_at(&e.secret, now).unwrap()).await.unwrap();
    assert!(app.has_second_factor(who.user_id).await.unwrap());
    let reset = |name: &str| {
        Command::new(env!("CARGO_BIN_EXE_bangfu"))
            .env("BANGFU_KEY_FILE", bangfu_store::testing::test_key_file())
            .args(["--database-url", &db.url, "user", "reset-second-factor", name])
            .env("BANGFU_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = reset("sec");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!app.has_second_factor(who.user_id).await.unwrap());
    let again = reset("sec");
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("no two-factor sign-in to reset"));
    assert_eq!(reset("nobody").status.code(), Some(2));
}
