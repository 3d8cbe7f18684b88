//! Embedded migrations, written once with sea-query's schema builder and rendered per backend.
//! Applied at start and by `bangfu migrate`; each runs in its own transaction and is recorded
//! in `bangfu_migrations`.

use crate::db::{Backend, Store};
use crate::schema::*;
use crate::StoreError;
use sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, Index, PostgresQueryBuilder, SchemaStatementBuilder, SqliteQueryBuilder,
    Table, TableCreateStatement,
};
use sqlx::Row;

type Migration = (i64, &'static str, fn(Backend) -> Vec<String>);

const MIGRATIONS: &[Migration] = &[
    (1, "registry", registry),
    (2, "wuzhou regions", wuzhou_regions),
    (3, "access and audit", access),
    (4, "union index", union_index),
    (5, "policy engine", policy_engine),
    (6, "outcomes", outcomes),
    (7, "pairings", pairings),
    (8, "plans, measures, visits, returns", casework),
    (9, "campaigns", campaigns),
    (10, "counts for the dashboard and reports", tallies),
    (11, "outcomes carry their household's region; status indexes", outcome_scope),
    (12, "return flags carry their household's region", return_scope),
    (13, "data exchange: rosters, verification requests, evidence, the joint meeting", exchange),
    (14, "assistance funds: ledger, balances, standards, findings", funds),
    (15, "name searches read households in name order", name_search),
    (16, "imports written in short transactions, undone as one", imports),
    (17, "frameworks by region and month; the facts of the 2021 framework", frameworks),
    (18, "campaigns created on a page: absolute targets per region and year", campaign_targets),
];

/// The schema version this program migrates to.
pub fn latest_schema_version() -> i64 {
    MIGRATIONS.last().map(|m| m.0).unwrap_or(0)
}

pub(crate) async fn run(store: &Store) -> Result<usize, StoreError> {
    // Every step holds the migrations lock (SQLite: the write lock of BEGIN IMMEDIATE;
    // PostgreSQL: an advisory lock), so replicas starting at once apply each migration once and
    // never race on CREATE TABLE.
    let mut tx = store.begin().await?;
    tx.serialize_on("bangfu_migrations").await?;
    tx.raw(
        "CREATE TABLE IF NOT EXISTS bangfu_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )
    .await?;
    tx.commit().await?;
    let mut ran = 0;
    for (version, name, statements) in MIGRATIONS {
        let mut tx = store.begin().await?;
        tx.serialize_on("bangfu_migrations").await?;
        // Checked under the lock, so two processes starting at once cannot both apply it.
        let done = sqlx::query("SELECT version FROM bangfu_migrations WHERE version = $1")
            .bind(*version)
            .fetch_optional(&mut *tx.tx)
            .await?;
        if done.is_some() {
            continue;
        }
        for sql in statements(store.backend) {
            tx.raw(&sql).await?;
        }
        sqlx::query("INSERT INTO bangfu_migrations (version, name, applied_at) VALUES ($1, $2, $3)")
            .bind(*version)
            .bind(*name)
            .bind(crate::now_rfc3339())
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        tracing::info!(version, name, "applied migration");
        ran += 1;
    }
    Ok(ran)
}

/// Latest applied migration version, for `bangfu migrate` to report.
pub(crate) async fn current(store: &Store) -> Result<i64, StoreError> {
    let row =
        sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM bangfu_migrations").fetch_one(&store.pool).await?;
    Ok(row.try_get::<i64, _>("v").unwrap_or(0))
}

fn render(backend: Backend, stmt: &impl SchemaStatementBuilder) -> String {
    match backend {
        Backend::Sqlite => stmt.to_string(SqliteQueryBuilder),
        Backend::Postgres => stmt.to_string(PostgresQueryBuilder),
    }
}

fn id(c: impl sea_query::IntoIden) -> ColumnDef {
    ColumnDef::new(c).big_integer().not_null().auto_increment().primary_key().to_owned()
}

fn text(c: impl sea_query::IntoIden) -> ColumnDef {
    ColumnDef::new(c).text().not_null().to_owned()
}

/// Prefix searches are written as ranges (`x <= col < x || U+10FFFF`). They need the column to
/// compare bytewise: under a linguistic collation such as zh_CN.UTF-8, PostgreSQL may sort
/// U+10FFFF low and the range would miss every match. SQLite compares bytewise already.
fn bytewise(b: Backend, mut c: ColumnDef) -> ColumnDef {
    if b == Backend::Postgres {
        c.extra("COLLATE \"C\"");
    }
    c
}

fn big(c: impl sea_query::IntoIden) -> ColumnDef {
    ColumnDef::new(c).big_integer().not_null().to_owned()
}

fn fk(
    from: impl sea_query::IntoIden + 'static,
    col: impl sea_query::IntoIden + 'static,
    to: impl sea_query::IntoIden + 'static,
    to_col: impl sea_query::IntoIden + 'static,
    cascade: bool,
) -> sea_query::ForeignKeyCreateStatement {
    let mut f = ForeignKey::create();
    f.from(from, col).to(to, to_col);
    if cascade {
        f.on_delete(ForeignKeyAction::Cascade);
    }
    f
}

fn registry(b: Backend) -> Vec<String> {
    let tables: Vec<TableCreateStatement> = vec![
        Table::create()
            .table(Regions::Table)
            .col(ColumnDef::new(Regions::Code).text().not_null().primary_key())
            .col(text(Regions::Name))
            .col(text(Regions::NameEn))
            .col(ColumnDef::new(Regions::ParentCode).text().null())
            .foreign_key(&mut fk(Regions::Table, Regions::ParentCode, Regions::Table, Regions::Code, false))
            .to_owned(),
        Table::create()
            .table(Organisations::Table)
            .col(id(Organisations::Id))
            .col(text(Organisations::Name))
            .col(text(Organisations::Kind))
            .col(text(Organisations::RegionCode))
            .col(ColumnDef::new(Organisations::ParentId).big_integer().null())
            .col(big(Organisations::Version))
            .col(text(Organisations::CreatedAt))
            .col(text(Organisations::UpdatedAt))
            .foreign_key(&mut fk(Organisations::Table, Organisations::RegionCode, Regions::Table, Regions::Code, false))
            .foreign_key(&mut fk(
                Organisations::Table,
                Organisations::ParentId,
                Organisations::Table,
                Organisations::Id,
                false,
            ))
            .to_owned(),
        Table::create()
            .table(Households::Table)
            .col(id(Households::Id))
            .col(bytewise(b, text(Households::FileNo).unique_key().to_owned()))
            .col(bytewise(b, text(Households::HeadName)))
            .col(text(Households::HeadIdNumber))
            .col(text(Households::Phone))
            .col(text(Households::Address))
            .col(text(Households::RegionCode))
            .col(ColumnDef::new(Households::UnionId).big_integer().null())
            .col(ColumnDef::new(Households::EmployerId).big_integer().null())
            .col(text(Households::RegisteredOn))
            .col(big(Households::MigrantWorker))
            .col(text(Households::WorkCapacity))
            .col(text(Households::Status))
            .col(big(Households::Synthetic))
            .col(big(Households::Version))
            .col(text(Households::CreatedAt))
            .col(text(Households::UpdatedAt))
            .foreign_key(&mut fk(Households::Table, Households::RegionCode, Regions::Table, Regions::Code, false))
            .foreign_key(&mut fk(
                Households::Table,
                Households::UnionId,
                Organisations::Table,
                Organisations::Id,
                false,
            ))
            .foreign_key(&mut fk(
                Households::Table,
                Households::EmployerId,
                Organisations::Table,
                Organisations::Id,
                false,
            ))
            .to_owned(),
        Table::create()
            .table(HouseholdCauses::Table)
            .col(big(HouseholdCauses::HouseholdId))
            .col(text(HouseholdCauses::Cause))
            // The household's region, kept with each cause so that "this cause in this region"
            // is one index range (written together with the household, never on its own).
            .col(text(HouseholdCauses::RegionCode))
            .primary_key(Index::create().col(HouseholdCauses::HouseholdId).col(HouseholdCauses::Cause))
            .foreign_key(&mut fk(
                HouseholdCauses::Table,
                HouseholdCauses::HouseholdId,
                Households::Table,
                Households::Id,
                true,
            ))
            .to_owned(),
        Table::create()
            .table(Members::Table)
            .col(id(Members::Id))
            .col(big(Members::HouseholdId))
            .col(text(Members::Name))
            .col(text(Members::IdNumber))
            .col(text(Members::Relation))
            .col(text(Members::BirthDate))
            .col(text(Members::Situation))
            .foreign_key(&mut fk(Members::Table, Members::HouseholdId, Households::Table, Households::Id, true))
            .to_owned(),
        Table::create()
            .table(MonthlyRecords::Table)
            .col(big(MonthlyRecords::HouseholdId))
            .col(big(MonthlyRecords::Month))
            .col(big(MonthlyRecords::Members))
            .col(big(MonthlyRecords::Income))
            .col(big(MonthlyRecords::GovernmentAssistance))
            .col(big(MonthlyRecords::NlMedical))
            .col(big(MonthlyRecords::NlEducation))
            .col(big(MonthlyRecords::NlEmergency))
            .col(big(MonthlyRecords::NlAccident))
            .col(big(MonthlyRecords::NlOther))
            .primary_key(Index::create().col(MonthlyRecords::HouseholdId).col(MonthlyRecords::Month))
            .foreign_key(&mut fk(
                MonthlyRecords::Table,
                MonthlyRecords::HouseholdId,
                Households::Table,
                Households::Id,
                true,
            ))
            .to_owned(),
        Table::create()
            .table(Standards::Table)
            .col(text(Standards::RegionCode))
            .col(text(Standards::Kind))
            .col(big(Standards::FromMonth))
            .col(big(Standards::Amount))
            .primary_key(Index::create().col(Standards::RegionCode).col(Standards::Kind).col(Standards::FromMonth))
            .foreign_key(&mut fk(Standards::Table, Standards::RegionCode, Regions::Table, Regions::Code, false))
            .to_owned(),
        Table::create()
            .table(Enrolments::Table)
            .col(id(Enrolments::Id))
            .col(big(Enrolments::HouseholdId))
            .col(text(Enrolments::Scheme))
            .col(big(Enrolments::FromMonth))
            .col(ColumnDef::new(Enrolments::ToMonth).big_integer().null())
            .foreign_key(&mut fk(Enrolments::Table, Enrolments::HouseholdId, Households::Table, Households::Id, true))
            .to_owned(),
        Table::create()
            .table(UnionAssistance::Table)
            .col(id(UnionAssistance::Id))
            .col(big(UnionAssistance::HouseholdId))
            .col(text(UnionAssistance::Date))
            .col(text(UnionAssistance::Kind))
            .col(big(UnionAssistance::Amount))
            .col(text(UnionAssistance::Measure))
            .col(text(UnionAssistance::Note))
            .foreign_key(&mut fk(
                UnionAssistance::Table,
                UnionAssistance::HouseholdId,
                Households::Table,
                Households::Id,
                true,
            ))
            .to_owned(),
    ];
    let mut out: Vec<String> = tables
        .iter()
        .map(|t| {
            let mut sql = render(b, t);
            // Monthly records are read by (household, month) only; on SQLite a clustered key
            // halves the storage and the read cost (STORE-NOTES: 1.6 s vs 2.2–4.3 s per window).
            if b == Backend::Sqlite && sql.contains("\"monthly_records\"") {
                sql.push_str(" WITHOUT ROWID");
            }
            sql
        })
        .collect();
    // The household list is paged in file-number order within the usual filters.
    let indexes = [
        Index::create()
            .name("idx_households_region_file")
            .table(Households::Table)
            .col(Households::RegionCode)
            .col(Households::FileNo)
            .to_owned(),
        Index::create()
            .name("idx_households_status_file")
            .table(Households::Table)
            .col(Households::Status)
            .col(Households::FileNo)
            .to_owned(),
        Index::create()
            .name("idx_households_registered")
            .table(Households::Table)
            .col(Households::RegisteredOn)
            .to_owned(),
        Index::create()
            .name("idx_households_head_id")
            .table(Households::Table)
            .col(Households::HeadIdNumber)
            .to_owned(),
        Index::create().name("idx_households_head_name").table(Households::Table).col(Households::HeadName).to_owned(),
        Index::create()
            .name("idx_household_causes_cause")
            .table(HouseholdCauses::Table)
            .col(HouseholdCauses::Cause)
            .col(HouseholdCauses::RegionCode)
            .col(HouseholdCauses::HouseholdId)
            .to_owned(),
        Index::create().name("idx_members_household").table(Members::Table).col(Members::HouseholdId).to_owned(),
        Index::create().name("idx_members_id_number").table(Members::Table).col(Members::IdNumber).to_owned(),
        Index::create()
            .name("idx_organisations_region")
            .table(Organisations::Table)
            .col(Organisations::RegionCode)
            .to_owned(),
        Index::create()
            .name("idx_enrolments_household")
            .table(Enrolments::Table)
            .col(Enrolments::HouseholdId)
            .to_owned(),
        Index::create()
            .name("idx_union_assistance_household")
            .table(UnionAssistance::Table)
            .col(UnionAssistance::HouseholdId)
            .col(UnionAssistance::Date)
            .to_owned(),
    ];
    out.extend(indexes.iter().map(|i| render(b, i)));
    out
}

/// The regions of POLICY §8: 梧州市 and its seven districts and counties.
fn wuzhou_regions(b: Backend) -> Vec<String> {
    const ROWS: [(&str, &str, &str, Option<&str>); 8] = [
        ("450400", "梧州市", "Wuzhou", None),
        ("450403", "万秀区", "Wanxiu District", Some("450400")),
        ("450405", "长洲区", "Changzhou District", Some("450400")),
        ("450406", "龙圩区", "Longxu District", Some("450400")),
        ("450421", "苍梧县", "Cangwu County", Some("450400")),
        ("450422", "藤县", "Teng County", Some("450400")),
        ("450423", "蒙山县", "Mengshan County", Some("450400")),
        ("450481", "岑溪市", "Cenxi City", Some("450400")),
    ];
    let mut q = sea_query::Query::insert();
    q.into_table(Regions::Table).columns([Regions::Code, Regions::Name, Regions::NameEn, Regions::ParentCode]);
    for (code, name, en, parent) in ROWS {
        q.values_panic([code.into(), name.into(), en.into(), parent.into()]);
    }
    vec![match b {
        Backend::Sqlite => q.to_string(SqliteQueryBuilder),
        Backend::Postgres => q.to_string(PostgresQueryBuilder),
    }]
}

/// Users, sessions, API tokens and the hash-chained audit trail.
fn access(b: Backend) -> Vec<String> {
    let tables: Vec<TableCreateStatement> = vec![
        Table::create()
            .table(Users::Table)
            .col(id(Users::Id))
            .col(text(Users::Name).unique_key().to_owned())
            .col(text(Users::DisplayName))
            .col(text(Users::Role))
            .col(ColumnDef::new(Users::RegionCode).text().null())
            .col(ColumnDef::new(Users::OrgId).big_integer().null())
            .col(big(Users::Disabled))
            .col(text(Users::PasswordHash))
            .col(big(Users::Version))
            .col(text(Users::CreatedAt))
            .col(text(Users::UpdatedAt))
            .foreign_key(&mut fk(Users::Table, Users::RegionCode, Regions::Table, Regions::Code, false))
            .foreign_key(&mut fk(Users::Table, Users::OrgId, Organisations::Table, Organisations::Id, false))
            .to_owned(),
        Table::create()
            .table(Sessions::Table)
            .col(ColumnDef::new(Sessions::TokenHash).text().not_null().primary_key())
            .col(big(Sessions::UserId))
            .col(text(Sessions::Csrf))
            .col(text(Sessions::CreatedAt))
            .col(text(Sessions::LastSeenAt))
            .foreign_key(&mut fk(Sessions::Table, Sessions::UserId, Users::Table, Users::Id, true))
            .to_owned(),
        Table::create()
            .table(ApiTokens::Table)
            .col(id(ApiTokens::Id))
            .col(big(ApiTokens::UserId))
            .col(text(ApiTokens::Name))
            .col(text(ApiTokens::TokenHash).unique_key().to_owned())
            .col(big(ApiTokens::CreatedBy))
            .col(text(ApiTokens::CreatedAt))
            .col(ColumnDef::new(ApiTokens::RevokedAt).text().null())
            .foreign_key(&mut fk(ApiTokens::Table, ApiTokens::UserId, Users::Table, Users::Id, true))
            .to_owned(),
        Table::create()
            .table(AuditLog::Table)
            .col(ColumnDef::new(AuditLog::Seq).big_integer().not_null().primary_key())
            .col(text(AuditLog::At))
            .col(ColumnDef::new(AuditLog::ActorId).big_integer().null())
            .col(text(AuditLog::ActorName))
            .col(text(AuditLog::Role))
            .col(text(AuditLog::Action))
            .col(text(AuditLog::Entity))
            .col(ColumnDef::new(AuditLog::EntityId).big_integer().null())
            .col(ColumnDef::new(AuditLog::RegionCode).text().null())
            .col(text(AuditLog::Result))
            .col(text(AuditLog::Address))
            .col(text(AuditLog::Detail))
            .col(text(AuditLog::PrevHash))
            .col(text(AuditLog::Hash))
            .to_owned(),
    ];
    let mut out: Vec<String> = tables.iter().map(|t| render(b, t)).collect();
    let indexes = [
        Index::create().name("idx_sessions_user").table(Sessions::Table).col(Sessions::UserId).to_owned(),
        Index::create().name("idx_api_tokens_user").table(ApiTokens::Table).col(ApiTokens::UserId).to_owned(),
        Index::create()
            .name("idx_audit_actor")
            .table(AuditLog::Table)
            .col(AuditLog::Action)
            .col(AuditLog::ActorName)
            .col(AuditLog::At)
            .to_owned(),
        Index::create()
            .name("idx_audit_address")
            .table(AuditLog::Table)
            .col(AuditLog::Action)
            .col(AuditLog::Address)
            .col(AuditLog::At)
            .to_owned(),
        Index::create()
            .name("idx_audit_entity")
            .table(AuditLog::Table)
            .col(AuditLog::Entity)
            .col(AuditLog::EntityId)
            .to_owned(),
    ];
    out.extend(indexes.iter().map(|i| render(b, i)));
    // Append-only inside the database too: no statement of the system's can change or remove an
    // entry. Someone with the database's own keys can drop these; the hash chain then tells.
    match b {
        Backend::Sqlite => {
            for op in ["UPDATE", "DELETE"] {
                out.push(format!(
                    "CREATE TRIGGER audit_log_no_{} BEFORE {op} ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END",
                    op.to_lowercase()
                ));
            }
        }
        Backend::Postgres => {
            out.push(
                "CREATE FUNCTION bangfu_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$"
                    .to_string(),
            );
            out.push(
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION bangfu_audit_append_only()"
                    .to_string(),
            );
        }
    }
    out
}

/// Grassroots staff reach the households their union keeps: their lists walk this index. The
/// planner learns about it at once (at a million households, a grassroots user's cause filter
/// took 131 ms before `ANALYZE` and 40 ms after; see docs/performance.md).
fn union_index(b: Backend) -> Vec<String> {
    let i = Index::create()
        .name("idx_households_union_file")
        .table(Households::Table)
        .col(Households::UnionId)
        .col(Households::FileNo)
        .to_owned();
    vec![render(b, &i), "ANALYZE households".to_string()]
}

/// The facts of POLICY §4 a cadre records, the policy records and the determinations.
fn policy_engine(b: Backend) -> Vec<String> {
    let flag = |c: Households| {
        Table::alter()
            .table(Households::Table)
            .add_column(ColumnDef::new(c).big_integer().not_null().default(0))
            .to_owned()
    };
    let mut out: Vec<String> = [flag(Households::CausesResolved), flag(Households::ChildrenCompletedStudies)]
        .iter()
        .map(|t| render(b, t))
        .collect();
    let tables: Vec<TableCreateStatement> = vec![
        Table::create()
            .table(Policies::Table)
            .col(ColumnDef::new(Policies::Version).big_integer().not_null().primary_key())
            .col(text(Policies::Name))
            .col(big(Policies::WindowMonths))
            .col(text(Policies::StockCutoff))
            .col(big(Policies::Multiplier))
            .col(text(Policies::CreatedAt))
            .to_owned(),
        Table::create()
            .table(EvaluationRuns::Table)
            .col(id(EvaluationRuns::Id))
            .col(big(EvaluationRuns::AsOf))
            .col(big(EvaluationRuns::PolicyVersion))
            .col(ColumnDef::new(EvaluationRuns::RegionCode).text().null())
            .col(text(EvaluationRuns::StartedBy))
            .col(text(EvaluationRuns::StartedAt))
            .col(ColumnDef::new(EvaluationRuns::FinishedAt).text().null())
            .col(big(EvaluationRuns::Households))
            .col(text(EvaluationRuns::Status))
            .foreign_key(&mut fk(
                EvaluationRuns::Table,
                EvaluationRuns::PolicyVersion,
                Policies::Table,
                Policies::Version,
                false,
            ))
            .to_owned(),
        Table::create()
            .table(Determinations::Table)
            .col(id(Determinations::Id))
            .col(ColumnDef::new(Determinations::RunId).big_integer().null())
            .col(big(Determinations::HouseholdId))
            .col(big(Determinations::AsOf))
            .col(big(Determinations::PolicyVersion))
            .col(text(Determinations::RegionCode))
            .col(text(Determinations::Pool))
            .col(big(Determinations::Complete))
            .col(big(Determinations::Eligible))
            .col(text(Determinations::Conditions))
            .col(ColumnDef::new(Determinations::PrimaryCondition).text().null())
            .col(text(Determinations::Status))
            .col(ColumnDef::new(Determinations::Basis).text().null())
            .col(text(Determinations::Results))
            .col(text(Determinations::ComputedAt))
            .foreign_key(&mut fk(
                Determinations::Table,
                Determinations::HouseholdId,
                Households::Table,
                Households::Id,
                true,
            ))
            .foreign_key(&mut fk(
                Determinations::Table,
                Determinations::RunId,
                EvaluationRuns::Table,
                EvaluationRuns::Id,
                false,
            ))
            .foreign_key(&mut fk(
                Determinations::Table,
                Determinations::PolicyVersion,
                Policies::Table,
                Policies::Version,
                false,
            ))
            .to_owned(),
    ];
    out.extend(tables.iter().map(|t| render(b, t)));
    let indexes = [
        Index::create()
            .name("idx_determinations_household")
            .table(Determinations::Table)
            .col(Determinations::HouseholdId)
            .col(Determinations::AsOf)
            .to_owned(),
        Index::create()
            .name("idx_determinations_run")
            .table(Determinations::Table)
            .col(Determinations::RunId)
            .to_owned(),
    ];
    out.extend(indexes.iter().map(|i| render(b, i)));
    // Version 1: the 2018 Wuzhou plan's reading (POLICY §2, §3).
    let mut q = sea_query::Query::insert();
    q.into_table(Policies::Table)
        .columns([
            Policies::Version,
            Policies::Name,
            Policies::WindowMonths,
            Policies::StockCutoff,
            Policies::Multiplier,
            Policies::CreatedAt,
        ])
        .values_panic([
            1.into(),
            "梧政办发〔2018〕48号".into(),
            6.into(),
            "2016-10-31".into(),
            5.into(),
            "2018-01-01T00:00:00Z".into(),
        ]);
    out.push(match b {
        Backend::Sqlite => q.to_string(SqliteQueryBuilder),
        Backend::Postgres => q.to_string(PostgresQueryBuilder),
    });
    out
}

/// Outcomes a person proposes and another decides (四, 五(一)1).
fn outcomes(b: Backend) -> Vec<String> {
    let t = Table::create()
        .table(Outcomes::Table)
        .col(id(Outcomes::Id))
        .col(big(Outcomes::HouseholdId))
        .col(text(Outcomes::Kind))
        .col(ColumnDef::new(Outcomes::Pathway).text().null())
        .col(text(Outcomes::Reason))
        .col(text(Outcomes::Status))
        .col(big(Outcomes::ProposedBy))
        .col(text(Outcomes::ProposedByName))
        .col(text(Outcomes::ProposedAt))
        .col(ColumnDef::new(Outcomes::DecidedBy).big_integer().null())
        .col(ColumnDef::new(Outcomes::DecidedByName).text().null())
        .col(ColumnDef::new(Outcomes::DecidedAt).text().null())
        .col(ColumnDef::new(Outcomes::DecisionNote).text().null())
        .col(ColumnDef::new(Outcomes::ApprovalDate).text().null())
        .col(ColumnDef::new(Outcomes::ReopenReason).text().null())
        .col(big(Outcomes::Version))
        .foreign_key(&mut fk(Outcomes::Table, Outcomes::HouseholdId, Households::Table, Households::Id, true))
        .to_owned();
    let i = Index::create()
        .name("idx_outcomes_household")
        .table(Outcomes::Table)
        .col(Outcomes::HouseholdId)
        .col(Outcomes::Status)
        .to_owned();
    let j = Index::create().name("idx_outcomes_status").table(Outcomes::Table).col(Outcomes::Status).to_owned();
    vec![render(b, &t), render(b, &i), render(b, &j)]
}

/// One-to-one pairing (一帮一): a helper unit and a responsible person per household.
fn pairings(b: Backend) -> Vec<String> {
    let t = Table::create()
        .table(Pairings::Table)
        .col(id(Pairings::Id))
        .col(big(Pairings::HouseholdId))
        .col(big(Pairings::HelperOrgId))
        .col(text(Pairings::Person))
        .col(text(Pairings::StartedOn))
        .col(ColumnDef::new(Pairings::EndedOn).text().null())
        .col(ColumnDef::new(Pairings::EndReason).text().null())
        .col(text(Pairings::CreatedBy))
        .col(big(Pairings::Version))
        .foreign_key(&mut fk(Pairings::Table, Pairings::HouseholdId, Households::Table, Households::Id, true))
        .foreign_key(&mut fk(Pairings::Table, Pairings::HelperOrgId, Organisations::Table, Organisations::Id, false))
        .to_owned();
    let i = Index::create()
        .name("idx_pairings_household")
        .table(Pairings::Table)
        .col(Pairings::HouseholdId)
        .col(Pairings::EndedOn)
        .to_owned();
    let j = Index::create()
        .name("idx_pairings_helper")
        .table(Pairings::Table)
        .col(Pairings::HelperOrgId)
        .col(Pairings::EndedOn)
        .to_owned();
    vec![render(b, &t), render(b, &i), render(b, &j)]
}

/// Plans and measures (一户一计划、一户一措施), visits (both carry their household's region and
/// union, so a work list in due order is read from one index), return-to-hardship flags (返困), and who
/// recorded each registry row (for the household's timeline; rows written before this
/// migration or in bulk keep no name).
fn casework(b: Backend) -> Vec<String> {
    let mut out = Vec::new();
    let column = |table: &dyn sea_query::Iden, c: ColumnDef| {
        render(b, &Table::alter().table(sea_query::Alias::new(table.to_string())).add_column(c).to_owned())
    };
    let note = |c: &dyn sea_query::Iden| ColumnDef::new(sea_query::Alias::new(c.to_string())).text().null().to_owned();
    out.push(column(&Households::Table, note(&Households::RegisteredBy)));
    out.push(column(&MonthlyRecords::Table, note(&MonthlyRecords::RecordedBy)));
    out.push(column(&MonthlyRecords::Table, note(&MonthlyRecords::RecordedAt)));
    out.push(column(&Enrolments::Table, note(&Enrolments::RecordedBy)));
    out.push(column(&Enrolments::Table, note(&Enrolments::RecordedAt)));
    out.push(column(&Enrolments::Table, ColumnDef::new(Enrolments::MeasureId).big_integer().null().to_owned()));
    out.push(column(&UnionAssistance::Table, note(&UnionAssistance::RecordedBy)));
    out.push(column(&UnionAssistance::Table, note(&UnionAssistance::RecordedAt)));
    let plans = Table::create()
        .table(Plans::Table)
        .col(id(Plans::Id))
        .col(big(Plans::HouseholdId))
        .col(big(Plans::Year))
        .col(text(Plans::Goals))
        .col(text(Plans::Route))
        .col(text(Plans::CreatedBy))
        .col(text(Plans::CreatedAt))
        .col(text(Plans::UpdatedBy))
        .col(text(Plans::UpdatedAt))
        .col(big(Plans::Version))
        .foreign_key(&mut fk(Plans::Table, Plans::HouseholdId, Households::Table, Households::Id, true))
        .to_owned();
    let measures = Table::create()
        .table(Measures::Table)
        .col(id(Measures::Id))
        .col(big(Measures::HouseholdId))
        .col(big(Measures::PlanId))
        .col(text(Measures::Kind))
        .col(text(Measures::Description))
        .col(text(Measures::LeadUnit))
        .col(text(Measures::ResponsibleUnits))
        .col(text(Measures::Person))
        .col(text(Measures::DueOn))
        .col(text(Measures::Status))
        .col(text(Measures::Result))
        .col(ColumnDef::new(Measures::DoneOn).text().null())
        .col(ColumnDef::new(Measures::EnrolmentId).big_integer().null())
        .col(text(Measures::CreatedBy))
        .col(text(Measures::CreatedAt))
        .col(text(Measures::UpdatedBy))
        .col(text(Measures::UpdatedAt))
        .col(big(Measures::Version))
        .col(text(Measures::RegionCode))
        .col(ColumnDef::new(Measures::UnionId).big_integer().null())
        .foreign_key(&mut fk(Measures::Table, Measures::HouseholdId, Households::Table, Households::Id, true))
        .foreign_key(&mut fk(Measures::Table, Measures::PlanId, Plans::Table, Plans::Id, true))
        .to_owned();
    let visits = Table::create()
        .table(Visits::Table)
        .col(id(Visits::Id))
        .col(big(Visits::HouseholdId))
        .col(text(Visits::DueOn))
        .col(text(Visits::Visitor))
        .col(text(Visits::Purpose))
        .col(text(Visits::Status))
        .col(ColumnDef::new(Visits::VisitedOn).text().null())
        .col(text(Visits::Findings))
        .col(text(Visits::CreatedBy))
        .col(text(Visits::CreatedAt))
        .col(ColumnDef::new(Visits::RecordedBy).text().null())
        .col(ColumnDef::new(Visits::RecordedAt).text().null())
        .col(big(Visits::Version))
        .col(text(Visits::RegionCode))
        .col(ColumnDef::new(Visits::UnionId).big_integer().null())
        .foreign_key(&mut fk(Visits::Table, Visits::HouseholdId, Households::Table, Households::Id, true))
        .to_owned();
    let returns = Table::create()
        .table(HardshipReturns::Table)
        .col(id(HardshipReturns::Id))
        .col(big(HardshipReturns::HouseholdId))
        .col(ColumnDef::new(HardshipReturns::RunId).big_integer().null())
        .col(big(HardshipReturns::AsOf))
        .col(big(HardshipReturns::FailedMonth))
        .col(big(HardshipReturns::Income))
        .col(big(HardshipReturns::Threshold))
        .col(text(HardshipReturns::DetectedAt))
        .col(text(HardshipReturns::Status))
        .col(ColumnDef::new(HardshipReturns::Decision).text().null())
        .col(ColumnDef::new(HardshipReturns::Note).text().null())
        .col(ColumnDef::new(HardshipReturns::DecidedBy).text().null())
        .col(ColumnDef::new(HardshipReturns::DecidedAt).text().null())
        .col(big(HardshipReturns::Version))
        .foreign_key(&mut fk(
            HardshipReturns::Table,
            HardshipReturns::HouseholdId,
            Households::Table,
            Households::Id,
            true,
        ))
        .to_owned();
    out.extend([render(b, &plans), render(b, &measures), render(b, &visits), render(b, &returns)]);
    let indexes = [
        Index::create()
            .name("idx_plans_household_year")
            .table(Plans::Table)
            .col(Plans::HouseholdId)
            .col(Plans::Year)
            .unique()
            .to_owned(),
        Index::create().name("idx_measures_household").table(Measures::Table).col(Measures::HouseholdId).to_owned(),
        Index::create().name("idx_measures_plan").table(Measures::Table).col(Measures::PlanId).to_owned(),
        Index::create()
            .name("idx_measures_due")
            .table(Measures::Table)
            .col(Measures::Status)
            .col(Measures::DueOn)
            .to_owned(),
        Index::create().name("idx_visits_household").table(Visits::Table).col(Visits::HouseholdId).to_owned(),
        Index::create()
            .name("idx_visits_due")
            .table(Visits::Table)
            .col(Visits::Status)
            .col(Visits::DueOn)
            .col(Visits::RegionCode)
            .to_owned(),
        Index::create()
            .name("idx_visits_union_due")
            .table(Visits::Table)
            .col(Visits::UnionId)
            .col(Visits::Status)
            .col(Visits::DueOn)
            .to_owned(),
        Index::create()
            .name("idx_returns_household")
            .table(HardshipReturns::Table)
            .col(HardshipReturns::HouseholdId)
            .col(HardshipReturns::Status)
            .to_owned(),
        Index::create()
            .name("idx_returns_status")
            .table(HardshipReturns::Table)
            .col(HardshipReturns::Status)
            .to_owned(),
        Index::create()
            .name("idx_determinations_run_status")
            .table(Determinations::Table)
            .col(Determinations::RunId)
            .col(Determinations::Status)
            .col(Determinations::HouseholdId)
            .to_owned(),
    ];
    out.extend(indexes.iter().map(|i| render(b, i)));
    out
}

/// Campaigns as data (POLICY §5): cutoff, yearly shares, regions; the Wuzhou 2017–2020 campaign
/// is seeded. Withdrawn households leave its denominator: the plan has files re-checked and those
/// that do not meet the standard withdrawn (不符合的退出), and the target is the households on file.
fn campaigns(b: Backend) -> Vec<String> {
    let c = Table::create()
        .table(Campaigns::Table)
        .col(id(Campaigns::Id))
        .col(ColumnDef::new(Campaigns::Code).text().not_null().unique_key())
        .col(text(Campaigns::Name))
        .col(text(Campaigns::NameEn))
        .col(text(Campaigns::StockCutoff))
        .col(big(Campaigns::WithdrawnLeaveDenominator))
        .col(text(Campaigns::CreatedAt))
        .to_owned();
    let y = Table::create()
        .table(CampaignYears::Table)
        .col(big(CampaignYears::CampaignId))
        .col(big(CampaignYears::Year))
        .col(big(CampaignYears::ShareBp))
        .primary_key(Index::create().col(CampaignYears::CampaignId).col(CampaignYears::Year))
        .foreign_key(&mut fk(CampaignYears::Table, CampaignYears::CampaignId, Campaigns::Table, Campaigns::Id, true))
        .to_owned();
    let r = Table::create()
        .table(CampaignRegions::Table)
        .col(big(CampaignRegions::CampaignId))
        .col(text(CampaignRegions::RegionCode))
        .primary_key(Index::create().col(CampaignRegions::CampaignId).col(CampaignRegions::RegionCode))
        .foreign_key(&mut fk(
            CampaignRegions::Table,
            CampaignRegions::CampaignId,
            Campaigns::Table,
            Campaigns::Id,
            true,
        ))
        .foreign_key(&mut fk(CampaignRegions::Table, CampaignRegions::RegionCode, Regions::Table, Regions::Code, false))
        .to_owned();
    let mut out = vec![render(b, &c), render(b, &y), render(b, &r)];
    let sql = |q: &sea_query::InsertStatement| match b {
        Backend::Sqlite => q.to_string(SqliteQueryBuilder),
        Backend::Postgres => q.to_string(PostgresQueryBuilder),
    };
    out.push(sql(&sea_query::Query::insert()
        .into_table(Campaigns::Table)
        .columns([
            Campaigns::Id,
            Campaigns::Code,
            Campaigns::Name,
            Campaigns::NameEn,
            Campaigns::StockCutoff,
            Campaigns::WithdrawnLeaveDenominator,
            Campaigns::CreatedAt,
        ])
        .values_panic([
            1i64.into(),
            "wuzhou-2017-2020".into(),
            "梧州市困难职工解困脱困（2017—2020年）".into(),
            "Wuzhou needy workers out of hardship, 2017–2020".into(),
            "2016-10-31".into(),
            1i64.into(),
            "2018-01-01T00:00:00Z".into(),
        ])
        .to_owned()));
    let mut years = sea_query::Query::insert();
    years.into_table(CampaignYears::Table).columns([
        CampaignYears::CampaignId,
        CampaignYears::Year,
        CampaignYears::ShareBp,
    ]);
    for (y, bp) in [(2017i64, 3000i64), (2018, 2500), (2019, 2500), (2020, 2000)] {
        years.values_panic([1i64.into(), y.into(), bp.into()]);
    }
    out.push(sql(&years));
    let mut regions = sea_query::Query::insert();
    regions.into_table(CampaignRegions::Table).columns([CampaignRegions::CampaignId, CampaignRegions::RegionCode]);
    for code in ["450400", "450403", "450405", "450406", "450421", "450422", "450423", "450481"] {
        regions.values_panic([1i64.into(), code.into()]);
    }
    out.push(sql(&regions));
    if b == Backend::Postgres {
        out.push("SELECT setval(pg_get_serial_sequence('campaigns', 'id'), 2, false)".into());
    }
    out
}

/// The counts behind the dashboard and the statistical tables, computed from what is there.
fn tallies(_b: Backend) -> Vec<String> {
    let mut out = crate::tallies::create_tables();
    out.extend(crate::tallies::rebuild_statements());
    out
}

/// Outcomes carry their household's region and union (kept in step when it moves), so the
/// proposals waiting in a scope are one index range however many outcomes are approved; and the
/// households' status within a region or union is indexed for the unpaired queue, now that most
/// households of a mature registry have left the file.
fn outcome_scope(_b: Backend) -> Vec<String> {
    [
        "ALTER TABLE outcomes ADD COLUMN region_code TEXT",
        "ALTER TABLE outcomes ADD COLUMN union_id BIGINT",
        "UPDATE outcomes SET region_code = (SELECT h.region_code FROM households h WHERE h.id = outcomes.household_id), \
         union_id = (SELECT h.union_id FROM households h WHERE h.id = outcomes.household_id)",
        "CREATE INDEX idx_outcomes_status_region ON outcomes (status, region_code, id)",
        "CREATE INDEX idx_outcomes_status_union ON outcomes (status, union_id, id)",
        "CREATE INDEX idx_households_region_status_file ON households (region_code, status, file_no)",
        "CREATE INDEX idx_households_union_status_file ON households (union_id, status, file_no)",
        "ANALYZE outcomes",
        "ANALYZE households",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Return-to-hardship flags carry their household's region and union too: the open flags of a
/// scope, oldest first, are one index range however many are open elsewhere.
/// A search by the head's name lists in name order, read straight from this index, so a common
/// surname (tens of thousands of households) gives its first page without sorting them all; with
/// the region in it, the capped count of a region-scoped search reads the index alone (SQLite,
/// 1,000,000 households, 陈: 41 ms → 2 ms).
/// An import commits in batches (issue 19): `imports` records each with its state; the
/// households it touched are listed, the rows it added carry its id, and the months it replaced
/// keep their earlier figures, so an import that fails, is stopped or dies with its process is
/// undone as a whole.
fn imports(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        format!(
            "CREATE TABLE imports (id {pk}, file_name TEXT NOT NULL, by_user TEXT NOT NULL, status TEXT NOT NULL, \
             started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL, finished_at TEXT)"
        ),
        "CREATE INDEX idx_imports_status ON imports (status)".into(),
        "CREATE TABLE import_households (import_id BIGINT NOT NULL REFERENCES imports (id), \
         household_id BIGINT NOT NULL, created BIGINT NOT NULL, PRIMARY KEY (import_id, household_id))"
            .into(),
        "CREATE TABLE import_replaced (import_id BIGINT NOT NULL REFERENCES imports (id), household_id BIGINT NOT NULL, \
         month BIGINT NOT NULL, members BIGINT NOT NULL, income BIGINT NOT NULL, government_assistance BIGINT NOT NULL, \
         nl_medical BIGINT NOT NULL, nl_education BIGINT NOT NULL, nl_emergency BIGINT NOT NULL, \
         nl_accident BIGINT NOT NULL, nl_other BIGINT NOT NULL, recorded_by TEXT, recorded_at TEXT, \
         import_id_before BIGINT, PRIMARY KEY (import_id, household_id, month))"
            .into(),
        "ALTER TABLE members ADD COLUMN import_id BIGINT".into(),
        "ALTER TABLE monthly_records ADD COLUMN import_id BIGINT".into(),
    ]
}

/// Policy records become a sequence per region (POLICY §9): a framework, its parameters and the
/// month it takes effect; the preset is the plan to 2020-12 and the national framework from
/// 2021-01 for every region without its own. Determinations name their framework. Households
/// gain the facts the 2021 rules read: exclusions, major events, months of labour relation.
fn frameworks(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    vec![
        "ALTER TABLE policies ADD COLUMN region_code TEXT".into(),
        "ALTER TABLE policies ADD COLUMN framework TEXT NOT NULL DEFAULT 'plan-2018'".into(),
        "ALTER TABLE policies ADD COLUMN from_month BIGINT".into(),
        "ALTER TABLE policies ADD COLUMN relative_percent BIGINT NOT NULL DEFAULT 200".into(),
        "ALTER TABLE policies ADD COLUMN accident_percent BIGINT NOT NULL DEFAULT 80".into(),
        "ALTER TABLE policies ADD COLUMN min_labour_months BIGINT NOT NULL DEFAULT 12".into(),
        "ALTER TABLE policies ADD COLUMN created_by TEXT".into(),
        "INSERT INTO policies (version, name, window_months, stock_cutoff, multiplier, created_at, region_code, \
         framework, from_month, relative_percent, accident_percent, min_labour_months) \
         SELECT 2, '全国总工会困难职工帮扶工作（2021）', 12, '2016-10-31', 5, '2021-01-01T00:00:00Z', NULL, \
         'national-2021', 202101, 200, 80, 12 WHERE NOT EXISTS (SELECT 1 FROM policies WHERE version = 2)"
            .into(),
        "ALTER TABLE determinations ADD COLUMN framework TEXT NOT NULL DEFAULT 'plan-2018'".into(),
        "ALTER TABLE households ADD COLUMN labour_relation_months BIGINT".into(),
        "CREATE TABLE household_exclusions (household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE, \
         code TEXT NOT NULL, PRIMARY KEY (household_id, code))"
            .into(),
        format!(
            "CREATE TABLE major_events (id {pk}, household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE, \
             month BIGINT NOT NULL, kind TEXT NOT NULL, note TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL)"
        ),
        "CREATE INDEX idx_major_events_household ON major_events (household_id, month)".into(),
        "ALTER TABLE regions ADD COLUMN in_use BIGINT NOT NULL DEFAULT 1".into(),
    ]
}

fn name_search(_b: Backend) -> Vec<String> {
    vec!["CREATE INDEX idx_households_head_name_file_no ON households (head_name, file_no, region_code)".into()]
}

fn return_scope(_b: Backend) -> Vec<String> {
    [
        "ALTER TABLE hardship_returns ADD COLUMN region_code TEXT",
        "ALTER TABLE hardship_returns ADD COLUMN union_id BIGINT",
        "UPDATE hardship_returns SET region_code = (SELECT h.region_code FROM households h WHERE h.id = hardship_returns.household_id), \
         union_id = (SELECT h.union_id FROM households h WHERE h.id = hardship_returns.household_id)",
        "CREATE INDEX idx_returns_status_region ON hardship_returns (status, region_code, id)",
        "CREATE INDEX idx_returns_status_union ON hardship_returns (status, union_id, id)",
        "ANALYZE hardship_returns",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// The joint meeting's member units (POLICY §7), in the plan's order.
pub(crate) const JOINT_MEMBERS: [&str; 9] = [
    "市总工会",
    "市工业和信息化委",
    "市教育局",
    "市民政局",
    "市人力资源社会保障局",
    "市卫生计生委",
    "市国资委",
    "市地税局",
    "市国税局",
];

fn exchange(b: Backend) -> Vec<String> {
    let (pk, blob) = match b {
        Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
        Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
    };
    let mut out: Vec<String> = [
        format!(
            "CREATE TABLE attachments (id {pk}, name TEXT NOT NULL, content_type TEXT NOT NULL, size BIGINT NOT NULL, \
             data {blob} NOT NULL, uploaded_by TEXT NOT NULL, uploaded_at TEXT NOT NULL)"
        ),
        format!(
            "CREATE TABLE rosters (id {pk}, department_id BIGINT NOT NULL REFERENCES organisations (id), \
             kind TEXT NOT NULL, file_name TEXT NOT NULL, region_code TEXT NOT NULL, union_id BIGINT, \
             uploaded_by TEXT NOT NULL, uploaded_at TEXT NOT NULL, rows_total BIGINT NOT NULL DEFAULT 0, \
             matched BIGINT NOT NULL DEFAULT 0)"
        ),
        format!(
            "CREATE TABLE roster_rows (id {pk}, roster_id BIGINT NOT NULL REFERENCES rosters (id) ON DELETE CASCADE, \
             row_no BIGINT NOT NULL, id_number TEXT NOT NULL, name TEXT NOT NULL, fact TEXT NOT NULL, \
             since TEXT NOT NULL, note TEXT NOT NULL, household_id BIGINT REFERENCES households (id) ON DELETE SET NULL, \
             region_code TEXT, union_id BIGINT, person TEXT, suggestion TEXT NOT NULL DEFAULT 'none', \
             decision TEXT NOT NULL DEFAULT 'pending', decided_by TEXT, decided_at TEXT, outcome_id BIGINT)"
        ),
        "CREATE INDEX idx_roster_rows_roster ON roster_rows (roster_id, row_no)".into(),
        "CREATE INDEX idx_roster_rows_household ON roster_rows (household_id)".into(),
        format!(
            "CREATE TABLE evidence (id {pk}, household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE, \
             day TEXT NOT NULL, source TEXT NOT NULL, source_id BIGINT NOT NULL, department_id BIGINT, \
             summary TEXT NOT NULL, attachment_id BIGINT REFERENCES attachments (id), recorded_by TEXT NOT NULL, \
             recorded_at TEXT NOT NULL)"
        ),
        "CREATE INDEX idx_evidence_household ON evidence (household_id, day)".into(),
        format!(
            "CREATE TABLE verifications (id {pk}, household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE, \
             region_code TEXT NOT NULL, union_id BIGINT, question TEXT NOT NULL, asked_by TEXT NOT NULL, \
             asked_on TEXT NOT NULL, due_on TEXT NOT NULL, created_at TEXT NOT NULL)"
        ),
        "CREATE INDEX idx_verifications_household ON verifications (household_id)".into(),
        "CREATE INDEX idx_verifications_region ON verifications (region_code, id)".into(),
        format!(
            "CREATE TABLE verification_answers (id {pk}, \
             verification_id BIGINT NOT NULL REFERENCES verifications (id) ON DELETE CASCADE, \
             department_id BIGINT NOT NULL REFERENCES organisations (id), status TEXT NOT NULL, \
             facts TEXT NOT NULL DEFAULT '', attachment_id BIGINT REFERENCES attachments (id), answered_by TEXT, \
             answered_at TEXT, UNIQUE (verification_id, department_id))"
        ),
        "CREATE INDEX idx_verification_answers_department ON verification_answers (department_id, status, verification_id)"
            .into(),
        format!(
            "CREATE TABLE joint_members (id {pk}, name TEXT NOT NULL UNIQUE, \
             organisation_id BIGINT REFERENCES organisations (id), responsible TEXT NOT NULL DEFAULT '', \
             liaison TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '', position BIGINT NOT NULL)"
        ),
        format!(
            "CREATE TABLE meetings (id {pk}, held_on TEXT NOT NULL, title TEXT NOT NULL, place TEXT NOT NULL, \
             attendees TEXT NOT NULL, minutes TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL)"
        ),
        format!(
            "CREATE TABLE meeting_decisions (id {pk}, meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE, \
             position BIGINT NOT NULL, text TEXT NOT NULL)"
        ),
        format!(
            "CREATE TABLE supervised_tasks (id {pk}, meeting_id BIGINT REFERENCES meetings (id), title TEXT NOT NULL, \
             lead_member_id BIGINT NOT NULL REFERENCES joint_members (id), deadline TEXT NOT NULL, status TEXT NOT NULL, \
             progress TEXT NOT NULL DEFAULT '', version BIGINT NOT NULL DEFAULT 1, updated_by TEXT NOT NULL, \
             updated_at TEXT NOT NULL)"
        ),
        "CREATE INDEX idx_supervised_tasks_status ON supervised_tasks (status, deadline)".into(),
    ]
    .to_vec();
    for (i, name) in JOINT_MEMBERS.iter().enumerate() {
        // Names are constants of this file (no quote in them).
        out.push(format!("INSERT INTO joint_members (name, position) VALUES ('{name}', {})", i + 1));
    }
    out
}

/// How often a purpose may be paid to one household before it is a finding, by default
/// (changeable on the standards page): living aid monthly, schooling aid (金秋助学) and the
/// warmth visits (送温暖) yearly, medical aid quarterly, the rest monthly. No amount standard is
/// set by default: the plan gives none.
pub(crate) const FUND_PERIODS: [(&str, &str); 11] = [
    ("living_aid", "month"),
    ("medical_aid", "quarter"),
    ("schooling_aid", "year"),
    ("legal_aid", "year"),
    ("job_training", "quarter"),
    ("job_referral", "quarter"),
    ("visit", "year"),
    ("employment_business", "year"),
    ("social_insurance", "year"),
    ("serious_illness", "year"),
    ("safety_net", "month"),
];

fn funds(b: Backend) -> Vec<String> {
    let pk = match b {
        Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
        Backend::Postgres => "BIGSERIAL PRIMARY KEY",
    };
    let mut out: Vec<String> = vec![
        format!(
            "CREATE TABLE funds (id {pk}, name TEXT NOT NULL UNIQUE, source TEXT NOT NULL, year BIGINT NOT NULL, \
             note TEXT NOT NULL DEFAULT '', created_by TEXT NOT NULL, created_at TEXT NOT NULL)"
        ),
        // One row per allocation, disbursement or reversal; never updated but for its decision,
        // never deleted. A reversal carries the opposite amount and the entry it reverses.
        format!(
            "CREATE TABLE fund_entries (id {pk}, kind TEXT NOT NULL, fund_id BIGINT NOT NULL REFERENCES funds (id), \
             day TEXT NOT NULL, amount BIGINT NOT NULL, payer_union_id BIGINT REFERENCES organisations (id), \
             payee_union_id BIGINT REFERENCES organisations (id), household_id BIGINT REFERENCES households (id), \
             measure_id BIGINT REFERENCES measures (id) ON DELETE SET NULL, purpose TEXT, region_code TEXT NOT NULL, \
             union_id BIGINT, payer_region TEXT, voucher TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', \
             reverses_id BIGINT REFERENCES fund_entries (id), status TEXT NOT NULL, recorded_by TEXT NOT NULL, \
             recorded_at TEXT NOT NULL, decided_by TEXT, decided_at TEXT, decision_note TEXT NOT NULL DEFAULT '')"
        ),
        // An entry is reversed at most once (a rejected reversal does not count).
        "CREATE UNIQUE INDEX idx_fund_entries_reverses ON fund_entries (reverses_id) \
         WHERE reverses_id IS NOT NULL AND status <> 'rejected'"
            .into(),
        // Whether an entry is reversed is asked for every payment the findings look at.
        "CREATE INDEX idx_fund_entries_reversal ON fund_entries (reverses_id, status)".into(),
        "CREATE INDEX idx_fund_entries_household ON fund_entries (household_id, purpose, day)".into(),
        "CREATE INDEX idx_fund_entries_status ON fund_entries (status, id)".into(),
        "CREATE INDEX idx_fund_entries_region ON fund_entries (region_code, day)".into(),
        "CREATE INDEX idx_fund_entries_payer ON fund_entries (payer_union_id, day)".into(),
        "CREATE INDEX idx_fund_entries_payee ON fund_entries (payee_union_id, day)".into(),
        // Approved movements summed per union, fund and day, and per month: a balance at any
        // date reads the months before it and the days of its month, not the ledger.
        "CREATE TABLE fund_daily (union_id BIGINT NOT NULL, fund_id BIGINT NOT NULL, day TEXT NOT NULL, \
         received BIGINT NOT NULL, transferred BIGINT NOT NULL, disbursed BIGINT NOT NULL, \
         PRIMARY KEY (union_id, fund_id, day))"
            .into(),
        "CREATE TABLE fund_monthly (union_id BIGINT NOT NULL, fund_id BIGINT NOT NULL, month TEXT NOT NULL, \
         received BIGINT NOT NULL, transferred BIGINT NOT NULL, disbursed BIGINT NOT NULL, \
         PRIMARY KEY (union_id, fund_id, month))"
            .into(),
        "CREATE INDEX idx_fund_daily_day ON fund_daily (day)".into(),
        "CREATE INDEX idx_fund_monthly_month ON fund_monthly (month)".into(),
        // Approved payments to households summed for the reports.
        "CREATE TABLE fund_spending (fund_id BIGINT NOT NULL, purpose TEXT NOT NULL, region_code TEXT NOT NULL, \
         year BIGINT NOT NULL, amount BIGINT NOT NULL, payments BIGINT NOT NULL, \
         PRIMARY KEY (fund_id, purpose, region_code, year))"
            .into(),
        "CREATE TABLE fund_household_years (household_id BIGINT NOT NULL REFERENCES households (id), \
         year BIGINT NOT NULL, region_code TEXT NOT NULL, amount BIGINT NOT NULL, PRIMARY KEY (household_id, year))"
            .into(),
        "CREATE INDEX idx_fund_household_years_year ON fund_household_years (year, region_code)".into(),
        "CREATE TABLE fund_standards (purpose TEXT PRIMARY KEY, max_amount BIGINT, period TEXT NOT NULL, \
         updated_by TEXT NOT NULL, updated_at TEXT NOT NULL)"
            .into(),
        format!(
            "CREATE TABLE fund_findings (id {pk}, entry_id BIGINT NOT NULL REFERENCES fund_entries (id), \
             kind TEXT NOT NULL, related_entry_id BIGINT, household_id BIGINT NOT NULL REFERENCES households (id), \
             region_code TEXT NOT NULL, union_id BIGINT, day TEXT NOT NULL, amount BIGINT NOT NULL, \
             detail TEXT NOT NULL, status TEXT NOT NULL, note TEXT NOT NULL DEFAULT '', explained_by TEXT, \
             explained_at TEXT, found_at TEXT NOT NULL, UNIQUE (entry_id, kind))"
        ),
        "CREATE INDEX idx_fund_findings_status ON fund_findings (status, region_code, id)".into(),
        "CREATE INDEX idx_fund_findings_household ON fund_findings (household_id)".into(),
    ];
    for (purpose, period) in FUND_PERIODS {
        out.push(format!(
            "INSERT INTO fund_standards (purpose, max_amount, period, updated_by, updated_at) \
             VALUES ('{purpose}', NULL, '{period}', 'migration', '2026-11-30T00:00:00Z')"
        ));
    }
    out
}

/// Campaigns set up by city staff: by yearly cumulative shares (as the Wuzhou preset) or by
/// absolute cumulative targets per region and year (下达目标任务数), and who created them.
fn campaign_targets(_b: Backend) -> Vec<String> {
    vec![
        "ALTER TABLE campaigns ADD COLUMN target_kind TEXT NOT NULL DEFAULT 'share'".into(),
        "ALTER TABLE campaigns ADD COLUMN created_by TEXT".into(),
        "CREATE TABLE campaign_targets (campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE, \
         region_code TEXT NOT NULL REFERENCES regions (code), year BIGINT NOT NULL, households BIGINT NOT NULL, \
         PRIMARY KEY (campaign_id, region_code, year))"
            .into(),
    ]
}
