//! What sits under a household: members, monthly finance records, social-assistance
//! enrolments and union assistance. A household's version covers all of them.

use crate::db::{get, get_code, RowGet, Store, WriteTx};
use crate::read::{Pooled, Source};
use crate::schema::{Enrolments, Members, MonthlyRecords, UnionAssistance as Ua};
use crate::{OpenFile, Scope, StoreError};
use bangfu_domain::{AssistanceKind, MajorEvent, Money, Relation, Scheme, Situation, UnionMeasure, YearMonth};
use chrono::NaiveDate;
use sea_query::{Expr, OnConflict, Order, Query};
use serde::Serialize;

/// A household member.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Member {
    /// Id.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// Name.
    pub name: String,
    /// Resident ID, normalised (empty when the member has none, e.g. a newborn not yet registered).
    pub id_number: String,
    /// Relation to the head.
    #[schema(value_type = String)]
    pub relation: Relation,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Situation.
    #[schema(value_type = String)]
    pub situation: Situation,
}

/// A member as written (validated).
#[derive(Debug, Clone)]
pub struct MemberWrite {
    /// Name.
    pub name: String,
    /// Resident ID or empty.
    pub id_number: String,
    /// Relation.
    pub relation: Relation,
    /// Birth date.
    pub birth_date: NaiveDate,
    /// Situation.
    pub situation: Situation,
}

/// A household's finances for one month (POLICY §1).
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MonthlyRecord {
    /// Month.
    #[schema(value_type = String)]
    pub month: YearMonth,
    /// People in the household that month.
    pub members: i64,
    /// Disposable income, government assistance included.
    #[schema(value_type = String)]
    pub income: Money,
    /// The part of income paid by government social assistance.
    #[schema(value_type = String)]
    pub government_assistance: Money,
    /// Non-living expenditure: medical.
    #[schema(value_type = String)]
    pub medical: Money,
    /// Non-living expenditure: children's education.
    #[schema(value_type = String)]
    pub education: Money,
    /// Non-living expenditure: emergencies.
    #[schema(value_type = String)]
    pub emergency: Money,
    /// Non-living expenditure: accidents.
    #[schema(value_type = String)]
    pub accident: Money,
    /// Non-living expenditure: other.
    #[schema(value_type = String)]
    pub other: Money,
}

impl MonthlyRecord {
    /// All non-living expenditure of the month.
    pub fn non_living(&self) -> Money {
        Money::from_fen(
            self.medical.fen() + self.education.fen() + self.emergency.fen() + self.accident.fen() + self.other.fen(),
        )
    }
}

/// An enrolment in a government social-assistance scheme.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Enrolment {
    /// Id.
    pub id: i64,
    /// Scheme.
    #[schema(value_type = String)]
    pub scheme: Scheme,
    /// First month.
    #[schema(value_type = String)]
    pub from: YearMonth,
    /// Last month, or None while it lasts.
    #[schema(value_type = Option<String>)]
    pub to: Option<YearMonth>,
}

/// A major event that made the household 意外致困 (2021 framework, A1): counts while its month
/// lies in the window.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MajorEventRecord {
    /// Id.
    pub id: i64,
    /// The month it happened.
    #[schema(value_type = String)]
    pub month: YearMonth,
    /// Its kind.
    #[schema(value_type = String)]
    pub kind: MajorEvent,
    /// What happened.
    pub note: String,
    /// Who recorded it.
    pub recorded_by: String,
}

/// A union assistance record.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct UnionAssistance {
    /// Id.
    pub id: i64,
    /// Date given.
    pub date: NaiveDate,
    /// Cash, goods or service.
    #[schema(value_type = String)]
    pub kind: AssistanceKind,
    /// Amount (value of goods or service for non-cash).
    #[schema(value_type = String)]
    pub amount: Money,
    /// The union measure it belongs to.
    #[schema(value_type = String)]
    pub measure: UnionMeasure,
    /// Free note.
    pub note: String,
}

fn date(row: &dyn RowGet, col: &'static str) -> Result<NaiveDate, StoreError> {
    let s: String = get(row, col)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(col))
}

fn month(row: &dyn RowGet, col: &'static str) -> Result<YearMonth, StoreError> {
    YearMonth::from_key(get(row, col)?).ok_or(StoreError::Corrupt(col))
}

fn money(row: &dyn RowGet, col: &'static str) -> Result<Money, StoreError> {
    Ok(Money::from_fen(get(row, col)?))
}

pub(crate) fn member_from(row: &dyn RowGet) -> Result<Member, StoreError> {
    Ok(Member {
        id: get(row, "id")?,
        household_id: get(row, "household_id")?,
        name: get(row, "name")?,
        id_number: crate::keys::open(crate::keys::field::MEMBER_ID, &get::<String>(row, "id_number")?)?,
        relation: get_code(row, "relation", Relation::from_code)?,
        birth_date: date(row, "birth_date")?,
        situation: get_code(row, "situation", Situation::from_code)?,
    })
}

pub(crate) fn monthly_from(row: &dyn RowGet) -> Result<MonthlyRecord, StoreError> {
    Ok(MonthlyRecord {
        month: month(row, "month")?,
        members: get(row, "members")?,
        income: money(row, "income")?,
        government_assistance: money(row, "government_assistance")?,
        medical: money(row, "nl_medical")?,
        education: money(row, "nl_education")?,
        emergency: money(row, "nl_emergency")?,
        accident: money(row, "nl_accident")?,
        other: money(row, "nl_other")?,
    })
}

pub(crate) const MONTH_COLUMNS: [MonthlyRecords; 10] = [
    MonthlyRecords::HouseholdId,
    MonthlyRecords::Month,
    MonthlyRecords::Members,
    MonthlyRecords::Income,
    MonthlyRecords::GovernmentAssistance,
    MonthlyRecords::NlMedical,
    MonthlyRecords::NlEducation,
    MonthlyRecords::NlEmergency,
    MonthlyRecords::NlAccident,
    MonthlyRecords::NlOther,
];

pub(crate) fn month_values(household_id: i64, r: &MonthlyRecord) -> [sea_query::SimpleExpr; 10] {
    [
        household_id.into(),
        r.month.to_key().into(),
        r.members.into(),
        r.income.fen().into(),
        r.government_assistance.fen().into(),
        r.medical.fen().into(),
        r.education.fen().into(),
        r.emergency.fen().into(),
        r.accident.fen().into(),
        r.other.fen().into(),
    ]
}

impl Store {
    /// A household's members, in the order they were added.
    pub async fn members(&self, scope: &Scope, household_id: i64) -> Result<Vec<Member>, StoreError> {
        members_in(&mut Pooled(self), scope, household_id).await
    }

    /// A household's monthly records from `from` to `to` inclusive, by month.
    pub async fn monthly_records(
        &self,
        scope: &Scope,
        household_id: i64,
        from: YearMonth,
        to: YearMonth,
    ) -> Result<Vec<MonthlyRecord>, StoreError> {
        monthly_in(&mut Pooled(self), scope, household_id, from, to).await
    }

    /// The latest month with a record, if any.
    pub async fn last_record_month(&self, scope: &Scope, household_id: i64) -> Result<Option<YearMonth>, StoreError> {
        let q = Query::select()
            .expr_as(Expr::col(MonthlyRecords::Month).max(), sea_query::Alias::new("m"))
            .from(MonthlyRecords::Table)
            .and_where(Expr::col(MonthlyRecords::HouseholdId).eq(household_id))
            .cond_where(reachable(scope, household_id))
            .to_owned();
        let Some(row) = self.optional(&q).await? else { return Ok(None) };
        let m: Option<i64> = get(&row, "m")?;
        Ok(m.and_then(YearMonth::from_key))
    }

    /// A household's enrolments, by first month.
    pub async fn enrolments(&self, scope: &Scope, household_id: i64) -> Result<Vec<Enrolment>, StoreError> {
        enrolments_in(&mut Pooled(self), scope, household_id).await
    }

    /// A household's union assistance, newest first.
    pub async fn union_assistance(&self, scope: &Scope, household_id: i64) -> Result<Vec<UnionAssistance>, StoreError> {
        assistance_in(&mut Pooled(self), scope, household_id).await
    }

    /// A household's major events, newest first.
    pub async fn major_events(&self, scope: &Scope, household_id: i64) -> Result<Vec<MajorEventRecord>, StoreError> {
        events_in(&mut Pooled(self), scope, household_id).await
    }
}

pub(crate) async fn events_in(
    r: &mut impl Source,
    scope: &Scope,
    household_id: i64,
) -> Result<Vec<MajorEventRecord>, StoreError> {
    use crate::schema::MajorEvents as E;
    let q = Query::select()
        .columns([E::Id, E::Month, E::Kind, E::Note, E::RecordedBy])
        .from(E::Table)
        .and_where(Expr::col(E::HouseholdId).eq(household_id))
        .cond_where(reachable(scope, household_id))
        .order_by(E::Month, Order::Desc)
        .order_by(E::Id, Order::Desc)
        .to_owned();
    r.rows(&q, |row| {
        Ok(MajorEventRecord {
            id: get(row, "id")?,
            month: month(row, "month")?,
            kind: get_code(row, "kind", MajorEvent::from_code)?,
            note: get(row, "note")?,
            recorded_by: get(row, "recorded_by")?,
        })
    })
    .await
}

/// The records of an open file, read inside its transaction: the values a change replaces,
/// for the audit trail, exactly as they stood (and on SQLite without a second connection,
/// which the writer waiting on `BEGIN IMMEDIATE` may all hold).
impl WriteTx {
    /// The file's members.
    pub async fn file_members(&mut self, file: &OpenFile) -> Result<Vec<Member>, StoreError> {
        members_in(self, &Scope::everything(), file.id()).await
    }

    /// The file's monthly records in a range.
    pub async fn file_months(
        &mut self,
        file: &OpenFile,
        from: YearMonth,
        to: YearMonth,
    ) -> Result<Vec<MonthlyRecord>, StoreError> {
        monthly_in(self, &Scope::everything(), file.id(), from, to).await
    }

    /// The file's enrolments.
    pub async fn file_enrolments(&mut self, file: &OpenFile) -> Result<Vec<Enrolment>, StoreError> {
        enrolments_in(self, &Scope::everything(), file.id()).await
    }

    /// The file's union assistance.
    pub async fn file_assistance(&mut self, file: &OpenFile) -> Result<Vec<UnionAssistance>, StoreError> {
        assistance_in(self, &Scope::everything(), file.id()).await
    }

    /// The file's major events.
    pub async fn file_major_events(&mut self, file: &OpenFile) -> Result<Vec<MajorEventRecord>, StoreError> {
        events_in(self, &Scope::everything(), file.id()).await
    }

    /// Records a major event; returns its id.
    pub async fn insert_major_event(
        &mut self,
        file: &OpenFile,
        m: YearMonth,
        kind: MajorEvent,
        note: &str,
        by: &str,
    ) -> Result<i64, StoreError> {
        use crate::schema::MajorEvents as E;
        let q = Query::insert()
            .into_table(E::Table)
            .columns([E::HouseholdId, E::Month, E::Kind, E::Note, E::RecordedBy, E::RecordedAt])
            .values_panic([
                file.id().into(),
                m.to_key().into(),
                kind.code().into(),
                note.into(),
                by.into(),
                crate::now_rfc3339().into(),
            ])
            .returning_col(E::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Removes a major event of the file.
    pub async fn delete_major_event(&mut self, file: &OpenFile, id: i64) -> Result<(), StoreError> {
        use crate::schema::MajorEvents as E;
        let q = Query::delete()
            .from_table(E::Table)
            .and_where(Expr::col(E::Id).eq(id))
            .and_where(Expr::col(E::HouseholdId).eq(file.id()))
            .to_owned();
        one_row(self.exec(&q).await?)
    }
}

/// A household's members, in the order they were added.
pub(crate) async fn members_in(
    r: &mut impl Source,
    scope: &Scope,
    household_id: i64,
) -> Result<Vec<Member>, StoreError> {
    use Members::*;
    let q = Query::select()
        .columns([Id, HouseholdId, Name, IdNumber, Relation, BirthDate, Situation])
        .from(Table)
        .and_where(Expr::col(HouseholdId).eq(household_id))
        .cond_where(reachable(scope, household_id))
        .order_by(Id, Order::Asc)
        .to_owned();
    r.rows(&q, member_from).await
}

/// A household's monthly records from `from` to `to` inclusive, by month.
pub(crate) async fn monthly_in(
    r: &mut impl Source,
    scope: &Scope,
    household_id: i64,
    from: YearMonth,
    to: YearMonth,
) -> Result<Vec<MonthlyRecord>, StoreError> {
    let q = Query::select()
        .columns(MONTH_COLUMNS)
        .from(MonthlyRecords::Table)
        .and_where(Expr::col(MonthlyRecords::HouseholdId).eq(household_id))
        .cond_where(reachable(scope, household_id))
        .and_where(Expr::col(MonthlyRecords::Month).between(from.to_key(), to.to_key()))
        .order_by(MonthlyRecords::Month, Order::Asc)
        .to_owned();
    r.rows(&q, monthly_from).await
}

/// A household's latest `n` monthly records, newest first.
pub(crate) fn latest_months_q(scope: &Scope, household_id: i64, n: u64) -> sea_query::SelectStatement {
    Query::select()
        .columns(MONTH_COLUMNS)
        .from(MonthlyRecords::Table)
        .and_where(Expr::col(MonthlyRecords::HouseholdId).eq(household_id))
        .cond_where(reachable(scope, household_id))
        .order_by(MonthlyRecords::Month, Order::Desc)
        .limit(n)
        .to_owned()
}

/// A household's enrolments, by first month.
pub(crate) async fn enrolments_in(
    r: &mut impl Source,
    scope: &Scope,
    household_id: i64,
) -> Result<Vec<Enrolment>, StoreError> {
    let q = Query::select()
        .columns([Enrolments::Id, Enrolments::Scheme, Enrolments::FromMonth, Enrolments::ToMonth])
        .from(Enrolments::Table)
        .and_where(Expr::col(Enrolments::HouseholdId).eq(household_id))
        .cond_where(reachable(scope, household_id))
        .order_by(Enrolments::FromMonth, Order::Asc)
        .to_owned();
    r.rows(&q, |row| {
        let to: Option<i64> = get(row, "to_month")?;
        Ok(Enrolment {
            id: get(row, "id")?,
            scheme: get_code(row, "scheme", Scheme::from_code)?,
            from: month(row, "from_month")?,
            to: match to {
                Some(k) => Some(YearMonth::from_key(k).ok_or(StoreError::Corrupt("to_month"))?),
                None => None,
            },
        })
    })
    .await
}

/// A household's union assistance, newest first.
pub(crate) async fn assistance_in(
    r: &mut impl Source,
    scope: &Scope,
    household_id: i64,
) -> Result<Vec<UnionAssistance>, StoreError> {
    let q = Query::select()
        .columns([Ua::Id, Ua::Date, Ua::Kind, Ua::Amount, Ua::Measure, Ua::Note])
        .from(Ua::Table)
        .and_where(Expr::col(Ua::HouseholdId).eq(household_id))
        .cond_where(reachable(scope, household_id))
        .order_by(Ua::Date, Order::Desc)
        .order_by(Ua::Id, Order::Desc)
        .to_owned();
    r.rows(&q, |row| {
        Ok(UnionAssistance {
            id: get(row, "id")?,
            date: date(row, "date")?,
            kind: get_code(row, "kind", AssistanceKind::from_code)?,
            amount: money(row, "amount")?,
            measure: get_code(row, "measure", UnionMeasure::from_code)?,
            note: get(row, "note")?,
        })
    })
    .await
}

impl WriteTx {
    /// Adds a member.
    pub async fn insert_member(&mut self, file: &OpenFile, m: &MemberWrite) -> Result<i64, StoreError> {
        let household_id = file.id();
        use Members::*;
        let q = Query::insert()
            .into_table(Table)
            .columns([HouseholdId, Name, IdNumber, IdIndex, Relation, BirthDate, Situation])
            .values_panic([
                household_id.into(),
                m.name.clone().into(),
                crate::keys::seal(crate::keys::field::MEMBER_ID, &m.id_number)?.into(),
                crate::keys::blind(&m.id_number)?.into(),
                m.relation.code().into(),
                m.birth_date.to_string().into(),
                m.situation.code().into(),
            ])
            .returning_col(Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Replaces a member's fields.
    pub async fn update_member(&mut self, file: &OpenFile, id: i64, m: &MemberWrite) -> Result<(), StoreError> {
        let household_id = file.id();
        use Members::*;
        let q = Query::update()
            .table(Table)
            .values([
                (Name, m.name.clone().into()),
                (IdNumber, crate::keys::seal(crate::keys::field::MEMBER_ID, &m.id_number)?.into()),
                (IdIndex, crate::keys::blind(&m.id_number)?.into()),
                (Relation, m.relation.code().into()),
                (BirthDate, m.birth_date.to_string().into()),
                (Situation, m.situation.code().into()),
            ])
            .and_where(Expr::col(Id).eq(id))
            .and_where(Expr::col(HouseholdId).eq(household_id))
            .to_owned();
        one_row(self.exec(&q).await?)
    }

    /// Removes a member.
    pub async fn delete_member(&mut self, file: &OpenFile, id: i64) -> Result<(), StoreError> {
        let household_id = file.id();
        use Members::*;
        let q = Query::delete()
            .from_table(Table)
            .and_where(Expr::col(Id).eq(id))
            .and_where(Expr::col(HouseholdId).eq(household_id))
            .to_owned();
        one_row(self.exec(&q).await?)
    }

    /// Writes monthly records, replacing any of the same months.
    pub async fn upsert_monthly_records(
        &mut self,
        file: &OpenFile,
        records: &[MonthlyRecord],
        by: &str,
    ) -> Result<(), StoreError> {
        let household_id = file.id();
        let now = crate::now_rfc3339();
        // 10 columns a row: 500 rows stay far below both backends' parameter limits.
        for chunk in records.chunks(500) {
            let mut q = Query::insert();
            q.into_table(MonthlyRecords::Table).columns(MONTH_COLUMNS);
            for r in chunk {
                q.values_panic(month_values(household_id, r));
            }
            q.on_conflict(
                OnConflict::columns([MonthlyRecords::HouseholdId, MonthlyRecords::Month])
                    .update_columns(MONTH_COLUMNS[2..].iter().copied())
                    .to_owned(),
            );
            self.exec(&q).await?;
            let who = Query::update()
                .table(MonthlyRecords::Table)
                .values([(MonthlyRecords::RecordedBy, by.into()), (MonthlyRecords::RecordedAt, now.clone().into())])
                .and_where(Expr::col(MonthlyRecords::HouseholdId).eq(household_id))
                .and_where(Expr::col(MonthlyRecords::Month).is_in(chunk.iter().map(|r| r.month.to_key())))
                .to_owned();
            self.exec(&who).await?;
        }
        Ok(())
    }

    /// Removes one month's record.
    pub async fn delete_monthly_record(&mut self, file: &OpenFile, m: YearMonth) -> Result<(), StoreError> {
        let household_id = file.id();
        let q = Query::delete()
            .from_table(MonthlyRecords::Table)
            .and_where(Expr::col(MonthlyRecords::HouseholdId).eq(household_id))
            .and_where(Expr::col(MonthlyRecords::Month).eq(m.to_key()))
            .to_owned();
        one_row(self.exec(&q).await?)
    }

    /// Adds an enrolment.
    pub async fn insert_enrolment(
        &mut self,
        file: &OpenFile,
        scheme: Scheme,
        (from, to): (YearMonth, Option<YearMonth>),
        (by, measure_id): (&str, Option<i64>),
    ) -> Result<i64, StoreError> {
        let household_id = file.id();
        let q = Query::insert()
            .into_table(Enrolments::Table)
            .columns([
                Enrolments::HouseholdId,
                Enrolments::Scheme,
                Enrolments::FromMonth,
                Enrolments::ToMonth,
                Enrolments::RecordedBy,
                Enrolments::RecordedAt,
                Enrolments::MeasureId,
            ])
            .values_panic([
                household_id.into(),
                scheme.code().into(),
                from.to_key().into(),
                to.map(YearMonth::to_key).into(),
                by.into(),
                crate::now_rfc3339().into(),
                measure_id.into(),
            ])
            .returning_col(Enrolments::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Changes an enrolment's scheme and months (an enrolment that ends gets its last month).
    pub async fn update_enrolment(
        &mut self,
        file: &OpenFile,
        id: i64,
        scheme: Scheme,
        (from, to): (YearMonth, Option<YearMonth>),
        by: &str,
    ) -> Result<(), StoreError> {
        let q = Query::update()
            .table(Enrolments::Table)
            .values([
                (Enrolments::Scheme, scheme.code().into()),
                (Enrolments::FromMonth, from.to_key().into()),
                (Enrolments::ToMonth, to.map(YearMonth::to_key).into()),
                (Enrolments::RecordedBy, by.into()),
                (Enrolments::RecordedAt, crate::now_rfc3339().into()),
            ])
            .and_where(Expr::col(Enrolments::Id).eq(id))
            .and_where(Expr::col(Enrolments::HouseholdId).eq(file.id()))
            .to_owned();
        one_row(self.exec(&q).await?)
    }

    /// Removes an enrolment.
    pub async fn delete_enrolment(&mut self, file: &OpenFile, id: i64) -> Result<(), StoreError> {
        let household_id = file.id();
        let q = Query::delete()
            .from_table(Enrolments::Table)
            .and_where(Expr::col(Enrolments::Id).eq(id))
            .and_where(Expr::col(Enrolments::HouseholdId).eq(household_id))
            .to_owned();
        one_row(self.exec(&q).await?)
    }

    /// Adds a union assistance record.
    pub async fn insert_union_assistance(
        &mut self,
        file: &OpenFile,
        a: &UnionAssistance,
        by: &str,
    ) -> Result<i64, StoreError> {
        let household_id = file.id();
        self.tally_touch(&[household_id]).await?;
        let q = Query::insert()
            .into_table(Ua::Table)
            .columns([
                Ua::HouseholdId,
                Ua::Date,
                Ua::Kind,
                Ua::Amount,
                Ua::Measure,
                Ua::Note,
                Ua::RecordedBy,
                Ua::RecordedAt,
            ])
            .values_panic([
                household_id.into(),
                a.date.to_string().into(),
                a.kind.code().into(),
                a.amount.fen().into(),
                a.measure.code().into(),
                a.note.clone().into(),
                by.into(),
                crate::now_rfc3339().into(),
            ])
            .returning_col(Ua::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Changes a union assistance record.
    pub async fn update_union_assistance(
        &mut self,
        file: &OpenFile,
        id: i64,
        a: &UnionAssistance,
        by: &str,
    ) -> Result<(), StoreError> {
        let household_id = file.id();
        self.tally_touch(&[household_id]).await?;
        let q = Query::update()
            .table(Ua::Table)
            .values([
                (Ua::Date, a.date.to_string().into()),
                (Ua::Kind, a.kind.code().into()),
                (Ua::Amount, a.amount.fen().into()),
                (Ua::Measure, a.measure.code().into()),
                (Ua::Note, a.note.clone().into()),
                (Ua::RecordedBy, by.into()),
                (Ua::RecordedAt, crate::now_rfc3339().into()),
            ])
            .and_where(Expr::col(Ua::Id).eq(id))
            .and_where(Expr::col(Ua::HouseholdId).eq(household_id))
            .to_owned();
        one_row(self.exec(&q).await?)
    }

    /// Removes a union assistance record.
    pub async fn delete_union_assistance(&mut self, file: &OpenFile, id: i64) -> Result<(), StoreError> {
        let household_id = file.id();
        self.tally_touch(&[household_id]).await?;
        let q = Query::delete()
            .from_table(Ua::Table)
            .and_where(Expr::col(Ua::Id).eq(id))
            .and_where(Expr::col(Ua::HouseholdId).eq(household_id))
            .to_owned();
        one_row(self.exec(&q).await?)
    }
}

fn one_row(n: u64) -> Result<(), StoreError> {
    if n == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

/// The condition that `scope` reaches household `id` (none for the whole scope).
fn reachable(scope: &Scope, id: i64) -> sea_query::Cond {
    scope.household_reachable(Expr::val(id).into()).unwrap_or_else(sea_query::Cond::all)
}
