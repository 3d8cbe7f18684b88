//! The database's uniqueness rules, on every backend, come back as the field and rule a person
//! can act on — a user name, a standard or a file number used twice — with the words from the
//! catalogue in either language, never the database's own text.

#![allow(clippy::unwrap_used)] // a test fails by panicking

use bangfu_app::input::{HouseholdInput, StandardInput};
use bangfu_app::users::UserInput;
use bangfu_app::{AppError, Principal};
use bangfu_domain::{Code, FieldError};
use bangfu_store::testing::TestDb;
use bangfu_store::StoreError;

fn id(first17: &str) -> String {
    format!("{first17}{}", bangfu_domain::IdNumber::check_char(first17.as_bytes()) as char)
}

fn conflict<T: std::fmt::Debug>(r: Result<T, AppError>) -> FieldError {
    match r {
        Err(AppError::Conflict(f)) => f,
        other => panic!("wanted a conflict, got {other:?}"),
    }
}

fn household(file_no: &str, head: &str) -> HouseholdInput {
    HouseholdInput {
        file_no: file_no.into(),
        head_name: "户主".into(),
        head_id_number: head.into(),
        region_code: "450403".into(),
        registered_on: "2020-01-01".into(),
        causes: vec!["illness".into()],
        work_capacity: "full".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_value_used_twice_names_its_field_and_rule() {
    for db in TestDb::all().await {
        let app = bangfu_app::App::new(db.open().await);
        let sys = Principal::system();

        let user = UserInput {
            name: "twice.user".into(),
            display_name: String::new(),
            role: "city_staff".into(),
            region_code: Some("450400".into()),
            org_id: None,
            disabled: false,
            password: Some("a-long-password-1".into()),
        };
        app.create_user(&sys, &user).await.unwrap();
        let f = conflict(app.create_user(&sys, &user).await);
        assert_eq!((f.field.as_str(), f.code), ("name", Code::NameTaken), "{:?}", db.backend);
        assert_eq!(f.message(true), "用户名 twice.user 已被使用");

        let standard = StandardInput {
            region_code: "450403".into(),
            kind: "dibao".into(),
            from: "2031-01".into(),
            amount: "700".into(),
        };
        app.create_standard(&sys, &standard).await.unwrap();
        let f = conflict(app.create_standard(&sys, &standard).await);
        assert_eq!((f.field.as_str(), f.code), ("from", Code::DuplicateStandard), "{:?}", db.backend);
        assert!(f.message(true).contains("2031-01"), "{}", f.message(true));

        app.create_household(&sys, &household("F-1", "11010519491231002X")).await.unwrap();
        let f = conflict(app.create_household(&sys, &household("F-1", &id("11010519491231003"))).await);
        assert_eq!((f.field.as_str(), f.code), ("file_no", Code::FileNoTaken), "{:?}", db.backend);
        assert_eq!(f.message(false), "file number F-1 is already used");

        // Below the use cases, the store says which rule, and nothing of the database's words.
        let mut tx = app.store.begin().await.unwrap();
        tx.insert_fund("同名资金", "other", 2030, "", "test").await.unwrap();
        match tx.insert_fund("同名资金", "other", 2030, "", "test").await {
            Err(StoreError::Conflict(f)) => {
                assert_eq!((f.field.as_str(), f.code), ("name", Code::FundNameTaken), "{:?}", db.backend);
                assert!(!f.to_string().contains("UNIQUE") && !f.to_string().contains("duplicate key"), "{f}");
            }
            other => panic!("{:?}: {other:?}", db.backend),
        }
    }
}
