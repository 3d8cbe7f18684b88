//! The plan of a household for a year and its measures (一户一计划、一户一措施), visits with
//! their findings, and return-to-hardship flags (返困). Reads go through the household's scope;
//! writes need the household's open file, like every other part of the file.

use crate::db::{get, RowGet, Store, WriteTx};
use crate::read::{Pooled, Source};
use crate::schema::{HardshipReturns, Households, Measures, Plans, Visits};
use crate::{OpenFile, Scope, StoreError};
use sea_query::{Expr, IntoIden, Order, Query, SelectStatement, SimpleExpr};
use serde::Serialize;

/// A household's plan for a year.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Plan {
    /// Id.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// Year.
    pub year: i64,
    /// Goals, in words.
    pub goals: String,
    /// The route out of hardship aimed at (a `PlanRoute` code).
    pub route: String,
    /// Who wrote it.
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
}

/// A measure of a plan.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Measure {
    /// Id.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// The plan it belongs to.
    pub plan_id: i64,
    /// Kind (a `MeasureKind` code).
    pub kind: String,
    /// What is to be done.
    pub description: String,
    /// Lead unit (牵头单位).
    pub lead_unit: String,
    /// Responsible units (责任单位).
    pub responsible_units: String,
    /// Responsible person.
    pub person: String,
    /// Due date (YYYY-MM-DD).
    pub due_on: String,
    /// planned, in_progress, done, cancelled.
    pub status: String,
    /// The result, in words.
    pub result: String,
    /// When it was done.
    pub done_on: Option<String>,
    /// The social-assistance enrolment it brought about, if any.
    pub enrolment_id: Option<i64>,
    /// Who added it.
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// Who changed it last.
    pub updated_by: String,
    /// When.
    pub updated_at: String,
    /// Row version.
    pub version: i64,
}

/// A visit (走访), scheduled and then recorded with its findings.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Visit {
    /// Id.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// Due date (YYYY-MM-DD).
    pub due_on: String,
    /// Who is to visit.
    pub visitor: String,
    /// What for.
    pub purpose: String,
    /// scheduled, done, cancelled.
    pub status: String,
    /// When the visit took place.
    pub visited_on: Option<String>,
    /// What was found.
    pub findings: String,
    /// Who scheduled it.
    pub created_by: String,
    /// When.
    pub created_at: String,
    /// Who recorded the visit.
    pub recorded_by: Option<String>,
    /// When.
    pub recorded_at: Option<String>,
    /// Row version.
    pub version: i64,
}

/// An exited household whose income test failed again on a complete window (返困).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct HardshipReturn {
    /// Id.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// The evaluation run that found it.
    pub run_id: Option<i64>,
    /// The month evaluated (YYYY-MM).
    pub as_of: String,
    /// The first month whose income was not above the threshold (YYYY-MM).
    pub failed_month: String,
    /// That month's income, fen.
    pub income: i64,
    /// That month's threshold D·n, fen.
    pub threshold: i64,
    /// When it was found.
    pub detected_at: String,
    /// open or decided.
    pub status: String,
    /// back_in_file or no_return.
    pub decision: Option<String>,
    /// The decider's note.
    pub note: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// Row version.
    pub version: i64,
}

/// A return-to-hardship finding of an evaluation run, to be stored.
#[derive(Debug, Clone)]
pub struct NewReturn {
    /// Household.
    pub household_id: i64,
    /// Month evaluated.
    pub as_of: bangfu_domain::YearMonth,
    /// First failing month, its income and threshold.
    pub failed: (bangfu_domain::YearMonth, i64, i64),
}

fn text_month(r: &dyn RowGet, col: &'static str) -> Result<String, StoreError> {
    let key: i64 = get(r, col)?;
    Ok(bangfu_domain::YearMonth::from_key(key).ok_or(StoreError::Corrupt("month"))?.to_string())
}

pub(crate) const PLAN_COLUMNS: [Plans; 10] = [
    Plans::Id,
    Plans::HouseholdId,
    Plans::Year,
    Plans::Goals,
    Plans::Route,
    Plans::CreatedBy,
    Plans::CreatedAt,
    Plans::UpdatedBy,
    Plans::UpdatedAt,
    Plans::Version,
];

pub(crate) fn plan_from(r: &dyn RowGet) -> Result<Plan, StoreError> {
    Ok(Plan {
        id: get(r, "id")?,
        household_id: get(r, "household_id")?,
        year: get(r, "year")?,
        goals: get(r, "goals")?,
        route: get(r, "route")?,
        created_by: get(r, "created_by")?,
        created_at: get(r, "created_at")?,
        updated_by: get(r, "updated_by")?,
        updated_at: get(r, "updated_at")?,
        version: get(r, "version")?,
    })
}

const MEASURE_COLUMNS: [Measures; 18] = [
    Measures::Id,
    Measures::HouseholdId,
    Measures::PlanId,
    Measures::Kind,
    Measures::Description,
    Measures::LeadUnit,
    Measures::ResponsibleUnits,
    Measures::Person,
    Measures::DueOn,
    Measures::Status,
    Measures::Result,
    Measures::DoneOn,
    Measures::EnrolmentId,
    Measures::CreatedBy,
    Measures::CreatedAt,
    Measures::UpdatedBy,
    Measures::UpdatedAt,
    Measures::Version,
];

pub(crate) fn measure_from(r: &dyn RowGet) -> Result<Measure, StoreError> {
    Ok(Measure {
        id: get(r, "id")?,
        household_id: get(r, "household_id")?,
        plan_id: get(r, "plan_id")?,
        kind: get(r, "kind")?,
        description: get(r, "description")?,
        lead_unit: get(r, "lead_unit")?,
        responsible_units: get(r, "responsible_units")?,
        person: get(r, "person")?,
        due_on: get(r, "due_on")?,
        status: get(r, "status")?,
        result: get(r, "result")?,
        done_on: get(r, "done_on")?,
        enrolment_id: get(r, "enrolment_id")?,
        created_by: get(r, "created_by")?,
        created_at: get(r, "created_at")?,
        updated_by: get(r, "updated_by")?,
        updated_at: get(r, "updated_at")?,
        version: get(r, "version")?,
    })
}

const VISIT_COLUMNS: [Visits; 13] = [
    Visits::Id,
    Visits::HouseholdId,
    Visits::DueOn,
    Visits::Visitor,
    Visits::Purpose,
    Visits::Status,
    Visits::VisitedOn,
    Visits::Findings,
    Visits::CreatedBy,
    Visits::CreatedAt,
    Visits::RecordedBy,
    Visits::RecordedAt,
    Visits::Version,
];

pub(crate) fn visit_from(r: &dyn RowGet) -> Result<Visit, StoreError> {
    Ok(Visit {
        id: get(r, "id")?,
        household_id: get(r, "household_id")?,
        due_on: get(r, "due_on")?,
        visitor: get(r, "visitor")?,
        purpose: get(r, "purpose")?,
        status: get(r, "status")?,
        visited_on: get(r, "visited_on")?,
        findings: get(r, "findings")?,
        created_by: get(r, "created_by")?,
        created_at: get(r, "created_at")?,
        recorded_by: get(r, "recorded_by")?,
        recorded_at: get(r, "recorded_at")?,
        version: get(r, "version")?,
    })
}

const RETURN_COLUMNS: [HardshipReturns; 14] = [
    HardshipReturns::Id,
    HardshipReturns::HouseholdId,
    HardshipReturns::RunId,
    HardshipReturns::AsOf,
    HardshipReturns::FailedMonth,
    HardshipReturns::Income,
    HardshipReturns::Threshold,
    HardshipReturns::DetectedAt,
    HardshipReturns::Status,
    HardshipReturns::Decision,
    HardshipReturns::Note,
    HardshipReturns::DecidedBy,
    HardshipReturns::DecidedAt,
    HardshipReturns::Version,
];

pub(crate) fn return_from(r: &dyn RowGet) -> Result<HardshipReturn, StoreError> {
    Ok(HardshipReturn {
        id: get(r, "id")?,
        household_id: get(r, "household_id")?,
        run_id: get(r, "run_id")?,
        as_of: text_month(r, "as_of")?,
        failed_month: text_month(r, "failed_month")?,
        income: get(r, "income")?,
        threshold: get(r, "threshold")?,
        detected_at: get(r, "detected_at")?,
        status: get(r, "status")?,
        decision: get(r, "decision")?,
        note: get(r, "note")?,
        decided_by: get(r, "decided_by")?,
        decided_at: get(r, "decided_at")?,
        version: get(r, "version")?,
    })
}

/// A select of `columns` of `table` joined to the households `scope` reaches.
fn scoped<T: IntoIden + Copy + 'static>(scope: &Scope, table: T, household_col: T, columns: &[T]) -> SelectStatement {
    let mut q = Query::select();
    q.columns(columns.iter().map(|c| (table, *c)))
        .from(table)
        .inner_join(Households::Table, Expr::col((Households::Table, Households::Id)).equals((table, household_col)))
        .cond_where(scope.households());
    q
}

fn plans(scope: &Scope) -> SelectStatement {
    scoped(scope, Plans::Table, Plans::HouseholdId, &PLAN_COLUMNS)
}
fn measures(scope: &Scope) -> SelectStatement {
    scoped(scope, Measures::Table, Measures::HouseholdId, &MEASURE_COLUMNS)
}
fn visits(scope: &Scope) -> SelectStatement {
    scoped(scope, Visits::Table, Visits::HouseholdId, &VISIT_COLUMNS)
}
fn returns(scope: &Scope) -> SelectStatement {
    scoped(scope, HardshipReturns::Table, HardshipReturns::HouseholdId, &RETURN_COLUMNS)
}

impl Store {
    /// One plan whose household `scope` reaches.
    pub async fn plan(&self, scope: &Scope, id: i64) -> Result<Plan, StoreError> {
        let mut q = plans(scope);
        q.and_where(Expr::col((Plans::Table, Plans::Id)).eq(id));
        plan_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// A household's plans, newest year first.
    pub async fn household_plans(&self, scope: &Scope, household_id: i64) -> Result<Vec<Plan>, StoreError> {
        Pooled(self).rows(&household_plans_q(scope, household_id), plan_from).await
    }

    /// One measure whose household `scope` reaches.
    pub async fn measure(&self, scope: &Scope, id: i64) -> Result<Measure, StoreError> {
        let mut q = measures(scope);
        q.and_where(Expr::col((Measures::Table, Measures::Id)).eq(id));
        measure_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// A household's measures, by due date.
    pub async fn household_measures(&self, scope: &Scope, household_id: i64) -> Result<Vec<Measure>, StoreError> {
        Pooled(self).rows(&household_measures_q(scope, household_id), measure_from).await
    }

    /// One visit whose household `scope` reaches.
    pub async fn visit(&self, scope: &Scope, id: i64) -> Result<Visit, StoreError> {
        let mut q = visits(scope);
        q.and_where(Expr::col((Visits::Table, Visits::Id)).eq(id));
        visit_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// A household's visits, by due date.
    pub async fn household_visits(&self, scope: &Scope, household_id: i64) -> Result<Vec<Visit>, StoreError> {
        Pooled(self).rows(&household_visits_q(scope, household_id), visit_from).await
    }

    /// One return-to-hardship flag whose household `scope` reaches.
    pub async fn hardship_return(&self, scope: &Scope, id: i64) -> Result<HardshipReturn, StoreError> {
        let mut q = returns(scope);
        q.and_where(Expr::col((HardshipReturns::Table, HardshipReturns::Id)).eq(id));
        return_from(&self.optional(&q).await?.ok_or(StoreError::NotFound)?)
    }

    /// A household's return-to-hardship flags, newest first.
    pub async fn household_returns(&self, scope: &Scope, household_id: i64) -> Result<Vec<HardshipReturn>, StoreError> {
        Pooled(self).rows(&household_returns_q(scope, household_id), return_from).await
    }
}

/// A change to a measure.
#[derive(Debug, Clone)]
pub struct MeasureWrite {
    /// Kind code.
    pub kind: String,
    /// What is to be done.
    pub description: String,
    /// Lead unit.
    pub lead_unit: String,
    /// Responsible units.
    pub responsible_units: String,
    /// Responsible person.
    pub person: String,
    /// Due date.
    pub due_on: String,
    /// Status code.
    pub status: String,
    /// Result.
    pub result: String,
    /// Done on.
    pub done_on: Option<String>,
}

/// A new plan's row, in `PLAN_COLUMNS[1..]` order.
pub(crate) fn plan_row(
    household_id: i64,
    year: i64,
    (goals, route): (&str, &str),
    by: &str,
    now: &str,
) -> Vec<SimpleExpr> {
    vec![
        household_id.into(),
        year.into(),
        goals.into(),
        route.into(),
        by.into(),
        now.into(),
        by.into(),
        now.into(),
        1i64.into(),
    ]
}

/// Columns of a new measure's row: `MEASURE_COLUMNS[1..]`, then the household's region and union.
pub(crate) fn measure_insert_columns() -> Vec<Measures> {
    MEASURE_COLUMNS[1..].iter().copied().chain([Measures::RegionCode, Measures::UnionId]).collect()
}

/// A new measure's row, in [`measure_insert_columns`] order.
pub(crate) fn measure_row(
    (household_id, plan_id): (i64, i64),
    m: &MeasureWrite,
    (by, now): (&str, &str),
    (region, union_id): (&str, Option<i64>),
) -> Vec<SimpleExpr> {
    vec![
        household_id.into(),
        plan_id.into(),
        m.kind.clone().into(),
        m.description.clone().into(),
        m.lead_unit.clone().into(),
        m.responsible_units.clone().into(),
        m.person.clone().into(),
        m.due_on.clone().into(),
        m.status.clone().into(),
        m.result.clone().into(),
        m.done_on.clone().into(),
        Option::<i64>::None.into(),
        by.into(),
        now.into(),
        by.into(),
        now.into(),
        1i64.into(),
        region.into(),
        union_id.into(),
    ]
}

/// Columns of a new visit's row: `VISIT_COLUMNS[1..]`, then the household's region and union.
pub(crate) fn visit_insert_columns() -> Vec<Visits> {
    VISIT_COLUMNS[1..].iter().copied().chain([Visits::RegionCode, Visits::UnionId]).collect()
}

/// A scheduled visit's row, in [`visit_insert_columns`] order.
pub(crate) fn visit_row(
    household_id: i64,
    (due_on, visitor, purpose): (&str, &str, &str),
    (by, now): (&str, &str),
    (region, union_id): (&str, Option<i64>),
) -> Vec<SimpleExpr> {
    vec![
        household_id.into(),
        due_on.into(),
        visitor.into(),
        purpose.into(),
        "scheduled".into(),
        Option::<String>::None.into(),
        "".into(),
        by.into(),
        now.into(),
        Option::<String>::None.into(),
        Option::<String>::None.into(),
        1i64.into(),
        region.into(),
        union_id.into(),
    ]
}

impl WriteTx {
    /// The open file's plan for `year`, if any.
    pub async fn plan_of_year(&mut self, file: &OpenFile, year: i64) -> Result<Option<i64>, StoreError> {
        let q = Query::select()
            .column(Plans::Id)
            .from(Plans::Table)
            .and_where(Expr::col(Plans::HouseholdId).eq(file.id()))
            .and_where(Expr::col(Plans::Year).eq(year))
            .to_owned();
        match self.optional(&q).await? {
            Some(r) => Ok(Some(get(&r, "id")?)),
            None => Ok(None),
        }
    }

    /// Adds the open file's plan for a year; returns the id.
    pub async fn insert_plan(
        &mut self,
        file: &OpenFile,
        year: i64,
        (goals, route): (&str, &str),
        by: &str,
    ) -> Result<i64, StoreError> {
        let now = crate::now_rfc3339();
        let q = Query::insert()
            .into_table(Plans::Table)
            .columns(PLAN_COLUMNS[1..].iter().copied())
            .values_panic(plan_row(file.id(), year, (goals, route), by, &now))
            .returning_col(Plans::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Changes a plan's goals and route if it still has `version`.
    pub async fn update_plan(
        &mut self,
        file: &OpenFile,
        (id, version): (i64, i64),
        (goals, route): (&str, &str),
        by: &str,
    ) -> Result<(), StoreError> {
        let q = Query::update()
            .table(Plans::Table)
            .values([
                (Plans::Goals, goals.into()),
                (Plans::Route, route.into()),
                (Plans::UpdatedBy, by.into()),
                (Plans::UpdatedAt, crate::now_rfc3339().into()),
                (Plans::Version, (version + 1).into()),
            ])
            .and_where(Expr::col(Plans::Id).eq(id))
            .and_where(Expr::col(Plans::HouseholdId).eq(file.id()))
            .and_where(Expr::col(Plans::Version).eq(version))
            .to_owned();
        self.expect_one(q, Plans::Table, Plans::Id, id).await
    }

    /// Adds a measure to a plan of the open file; returns the id.
    pub async fn insert_measure(
        &mut self,
        file: &OpenFile,
        plan_id: i64,
        m: &MeasureWrite,
        by: &str,
    ) -> Result<i64, StoreError> {
        let now = crate::now_rfc3339();
        let h = file.household();
        let q = Query::insert()
            .into_table(Measures::Table)
            .columns(measure_insert_columns())
            .values_panic(measure_row((file.id(), plan_id), m, (by, &now), (&h.region_code, h.union_id)))
            .returning_col(Measures::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Replaces a measure of the open file if it still has `version`.
    pub async fn update_measure(
        &mut self,
        file: &OpenFile,
        (id, version): (i64, i64),
        m: &MeasureWrite,
        by: &str,
    ) -> Result<(), StoreError> {
        let q = Query::update()
            .table(Measures::Table)
            .values([
                (Measures::Kind, m.kind.clone().into()),
                (Measures::Description, m.description.clone().into()),
                (Measures::LeadUnit, m.lead_unit.clone().into()),
                (Measures::ResponsibleUnits, m.responsible_units.clone().into()),
                (Measures::Person, m.person.clone().into()),
                (Measures::DueOn, m.due_on.clone().into()),
                (Measures::Status, m.status.clone().into()),
                (Measures::Result, m.result.clone().into()),
                (Measures::DoneOn, m.done_on.clone().into()),
                (Measures::UpdatedBy, by.into()),
                (Measures::UpdatedAt, crate::now_rfc3339().into()),
                (Measures::Version, (version + 1).into()),
            ])
            .and_where(Expr::col(Measures::Id).eq(id))
            .and_where(Expr::col(Measures::HouseholdId).eq(file.id()))
            .and_where(Expr::col(Measures::Version).eq(version))
            .to_owned();
        self.expect_one(q, Measures::Table, Measures::Id, id).await
    }

    /// Links a measure to the enrolment it brought about.
    pub async fn link_enrolment(
        &mut self,
        file: &OpenFile,
        measure_id: i64,
        enrolment_id: i64,
    ) -> Result<(), StoreError> {
        let q = Query::update()
            .table(Measures::Table)
            .value(Measures::EnrolmentId, enrolment_id)
            .and_where(Expr::col(Measures::Id).eq(measure_id))
            .and_where(Expr::col(Measures::HouseholdId).eq(file.id()))
            .to_owned();
        self.exec(&q).await.map(|_| ())
    }

    /// Schedules a visit to the open file; returns the id.
    pub async fn insert_visit(
        &mut self,
        file: &OpenFile,
        (due_on, visitor, purpose): (&str, &str, &str),
        by: &str,
    ) -> Result<i64, StoreError> {
        let (h, now) = (file.household(), crate::now_rfc3339());
        let q = Query::insert()
            .into_table(Visits::Table)
            .columns(visit_insert_columns())
            .values_panic(visit_row(file.id(), (due_on, visitor, purpose), (by, &now), (&h.region_code, h.union_id)))
            .returning_col(Visits::Id)
            .to_owned();
        self.insert_id(&q).await
    }

    /// Records a scheduled visit as done (with the day and findings) or cancelled.
    pub async fn close_visit(
        &mut self,
        file: &OpenFile,
        (id, version): (i64, i64),
        (status, visited_on, findings): (&str, Option<&str>, &str),
        by: &str,
    ) -> Result<(), StoreError> {
        let q = Query::update()
            .table(Visits::Table)
            .values([
                (Visits::Status, status.into()),
                (Visits::VisitedOn, visited_on.map(str::to_string).into()),
                (Visits::Findings, findings.into()),
                (Visits::RecordedBy, by.into()),
                (Visits::RecordedAt, crate::now_rfc3339().into()),
                (Visits::Version, (version + 1).into()),
            ])
            .and_where(Expr::col(Visits::Id).eq(id))
            .and_where(Expr::col(Visits::HouseholdId).eq(file.id()))
            .and_where(Expr::col(Visits::Version).eq(version))
            .to_owned();
        self.expect_one(q, Visits::Table, Visits::Id, id).await
    }

    /// Keeps the region and union a household's visits and measures carry in step with the
    /// household's (called when the household is changed).
    pub(crate) async fn rescope_casework(
        &mut self,
        household_id: i64,
        region: &str,
        union_id: Option<i64>,
    ) -> Result<(), StoreError> {
        let v = Query::update()
            .table(Visits::Table)
            .values([(Visits::RegionCode, region.into()), (Visits::UnionId, union_id.into())])
            .and_where(Expr::col(Visits::HouseholdId).eq(household_id))
            .to_owned();
        self.exec(&v).await?;
        let m = Query::update()
            .table(Measures::Table)
            .values([(Measures::RegionCode, region.into()), (Measures::UnionId, union_id.into())])
            .and_where(Expr::col(Measures::HouseholdId).eq(household_id))
            .to_owned();
        self.exec(&m).await?;
        use crate::schema::Outcomes;
        let o = Query::update()
            .table(Outcomes::Table)
            .values([(Outcomes::RegionCode, region.into()), (Outcomes::UnionId, union_id.into())])
            .and_where(Expr::col(Outcomes::HouseholdId).eq(household_id))
            .to_owned();
        self.exec(&o).await?;
        let r = Query::update()
            .table(HardshipReturns::Table)
            .values([(HardshipReturns::RegionCode, region.into()), (HardshipReturns::UnionId, union_id.into())])
            .and_where(Expr::col(HardshipReturns::HouseholdId).eq(household_id))
            .to_owned();
        self.exec(&r).await.map(|_| ())
    }

    /// Stores the return-to-hardship findings of a run, skipping households that already have an
    /// open flag; returns how many were new.
    pub async fn insert_returns(&mut self, run_id: Option<i64>, rows: &[NewReturn]) -> Result<u64, StoreError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.household_id).collect();
        let open = Query::select()
            .column(HardshipReturns::HouseholdId)
            .from(HardshipReturns::Table)
            .and_where(Expr::col(HardshipReturns::Status).eq("open"))
            .and_where(Expr::col(HardshipReturns::HouseholdId).is_in(ids))
            .to_owned();
        let flagged: std::collections::HashSet<i64> =
            self.all(&open).await?.iter().map(|r| get::<i64>(r, "household_id")).collect::<Result<_, _>>()?;
        let now = crate::now_rfc3339();
        let fresh: Vec<&NewReturn> = rows.iter().filter(|r| !flagged.contains(&r.household_id)).collect();
        let n = fresh.len() as u64;
        let fresh_ids: Vec<i64> = fresh.iter().map(|r| r.household_id).collect();
        // New flags change the households' "return" counts and nothing else.
        self.tally_touch_metric(&fresh_ids, "return").await?;
        self.insert_rows(
            HardshipReturns::Table,
            RETURN_COLUMNS[1..].to_vec(),
            fresh.into_iter().map(|r| {
                vec![
                    r.household_id.into(),
                    run_id.into(),
                    r.as_of.to_key().into(),
                    r.failed.0.to_key().into(),
                    r.failed.1.into(),
                    r.failed.2.into(),
                    now.clone().into(),
                    "open".into(),
                    Option::<String>::None.into(),
                    Option::<String>::None.into(),
                    Option::<String>::None.into(),
                    Option::<String>::None.into(),
                    1i64.into(),
                ]
            }),
        )
        .await?;
        // The new flags take their households' region and union.
        for chunk in fresh_ids.chunks(500) {
            let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
            self.raw(&format!(
                "UPDATE hardship_returns SET \
                 region_code = (SELECT h.region_code FROM households h WHERE h.id = hardship_returns.household_id), \
                 union_id = (SELECT h.union_id FROM households h WHERE h.id = hardship_returns.household_id) \
                 WHERE region_code IS NULL AND household_id IN ({list})"
            ))
            .await?;
        }
        Ok(n)
    }

    /// Records the decision on an open return-to-hardship flag of the open file.
    pub async fn decide_return(
        &mut self,
        file: &OpenFile,
        (id, version): (i64, i64),
        (decision, note): (&str, &str),
        by: &str,
    ) -> Result<(), StoreError> {
        self.tally_touch(&[file.id()]).await?;
        let q = Query::update()
            .table(HardshipReturns::Table)
            .values([
                (HardshipReturns::Status, "decided".into()),
                (HardshipReturns::Decision, decision.into()),
                (HardshipReturns::Note, note.into()),
                (HardshipReturns::DecidedBy, by.into()),
                (HardshipReturns::DecidedAt, crate::now_rfc3339().into()),
                (HardshipReturns::Version, (version + 1).into()),
            ])
            .and_where(Expr::col(HardshipReturns::Id).eq(id))
            .and_where(Expr::col(HardshipReturns::HouseholdId).eq(file.id()))
            .and_where(Expr::col(HardshipReturns::Version).eq(version))
            .and_where(Expr::col(HardshipReturns::Status).eq("open"))
            .to_owned();
        self.expect_one(q, HardshipReturns::Table, HardshipReturns::Id, id).await
    }
}

/// One line of a user's work list: what is due or waiting, and for which household.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct WorkItem {
    /// The visit, measure, outcome, flag or determination.
    pub id: i64,
    /// Household.
    pub household_id: i64,
    /// Its file number.
    pub file_no: String,
    /// Its head's name.
    pub head_name: String,
    /// Its region.
    pub region_code: String,
    /// The date that matters: due, proposed, found.
    pub date: String,
    /// What: the purpose, the measure kind, the outcome kind, the failing month.
    pub what: String,
    /// Who: the visitor, the responsible person, the proposer.
    pub who: String,
}

/// One list of the work page: the first items and how many there are (counted up to a cap).
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct WorkList {
    /// The first items, most urgent first.
    pub items: Vec<WorkItem>,
    /// How many, up to the cap (cap + 1 means "more").
    pub total: u64,
}

/// What a work list selects: its table, the household column, the date/what/who expressions,
/// the conditions and the order.
struct WorkQuery {
    table: sea_query::DynIden,
    household: sea_query::DynIden,
    id: sea_query::DynIden,
    date: sea_query::SimpleExpr,
    what: sea_query::SimpleExpr,
    who: sea_query::SimpleExpr,
    filter: sea_query::Cond,
    /// The scope's condition, on the list's own columns where it carries them.
    scope: sea_query::Cond,
    order: sea_query::SimpleExpr,
}

/// Work lists are counted up to this many (shown as "100+" beyond): a to-do list needs to say
/// "a lot", and each counted item costs a look into the household for its scope.
pub const WORK_CAP: u64 = 100;

impl Store {
    async fn work_list(&self, w: WorkQuery, limit: u64) -> Result<WorkList, StoreError> {
        let h = Households::Table;
        let base = |q: &mut SelectStatement| {
            q.from(w.table.clone())
                .inner_join(h, Expr::col((h, Households::Id)).equals((w.table.clone(), w.household.clone())))
                .cond_where(w.filter.clone())
                .cond_where(w.scope.clone());
        };
        let mut q = Query::select();
        q.expr_as(Expr::col((w.table.clone(), w.id.clone())), sea_query::Alias::new("item_id"))
            .columns([
                (h, Households::Id),
                (h, Households::FileNo),
                (h, Households::HeadName),
                (h, Households::RegionCode),
            ])
            .expr_as(w.date.clone(), sea_query::Alias::new("item_date"))
            .expr_as(w.what.clone(), sea_query::Alias::new("item_what"))
            .expr_as(w.who.clone(), sea_query::Alias::new("item_who"));
        base(&mut q);
        q.order_by_expr(w.order.clone(), Order::Asc).limit(limit);
        let items = self
            .all(&q)
            .await?
            .iter()
            .map(|r| {
                Ok(WorkItem {
                    id: get(r, "item_id")?,
                    household_id: get(r, "id")?,
                    file_no: get(r, "file_no")?,
                    head_name: get(r, "head_name")?,
                    region_code: get(r, "region_code")?,
                    date: get(r, "item_date")?,
                    what: get(r, "item_what")?,
                    who: get(r, "item_who")?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut matches = Query::select();
        matches.expr(Expr::val(1));
        base(&mut matches);
        Ok(WorkList { items, total: self.capped_count(matches, WORK_CAP).await? })
    }

    /// Scheduled visits due before `before` (overdue) or from `from` to `to` (upcoming), by due date.
    pub async fn visits_due(
        &self,
        scope: &Scope,
        (from, to): (Option<&str>, &str),
        limit: u64,
    ) -> Result<WorkList, StoreError> {
        let v = Visits::Table;
        let mut filter = sea_query::Cond::all()
            .add(Expr::col((v, Visits::Status)).eq("scheduled"))
            .add(Expr::col((v, Visits::DueOn)).lt(to));
        if let Some(from) = from {
            filter = filter.add(Expr::col((v, Visits::DueOn)).gte(from));
        }
        let w = WorkQuery {
            table: v.into_iden(),
            household: Visits::HouseholdId.into_iden(),
            id: Visits::Id.into_iden(),
            date: Expr::col((v, Visits::DueOn)).into(),
            what: Expr::col((v, Visits::Purpose)).into(),
            who: Expr::col((v, Visits::Visitor)).into(),
            filter,
            scope: scope.rows_of(v, Visits::RegionCode, Visits::UnionId),
            order: Expr::col((v, Visits::DueOn)).into(),
        };
        self.work_list(w, limit).await
    }

    /// Measures with `status` (planned or in progress) due before `before`, by due date.
    pub async fn measures_due(
        &self,
        scope: &Scope,
        status: &str,
        before: &str,
        limit: u64,
    ) -> Result<WorkList, StoreError> {
        let m = Measures::Table;
        let w = WorkQuery {
            table: m.into_iden(),
            household: Measures::HouseholdId.into_iden(),
            id: Measures::Id.into_iden(),
            date: Expr::col((m, Measures::DueOn)).into(),
            what: Expr::col((m, Measures::Kind)).into(),
            who: Expr::col((m, Measures::Person)).into(),
            filter: sea_query::Cond::all()
                .add(Expr::col((m, Measures::Status)).eq(status))
                .add(Expr::col((m, Measures::DueOn)).lt(before)),
            scope: scope.rows_of(m, Measures::RegionCode, Measures::UnionId),
            order: Expr::col((m, Measures::DueOn)).into(),
        };
        self.work_list(w, limit).await
    }

    /// Outcomes waiting for a decision, oldest first.
    pub async fn outcomes_waiting(&self, scope: &Scope, limit: u64) -> Result<WorkList, StoreError> {
        use crate::schema::Outcomes;
        let o = Outcomes::Table;
        let w = WorkQuery {
            table: o.into_iden(),
            household: Outcomes::HouseholdId.into_iden(),
            id: Outcomes::Id.into_iden(),
            date: Expr::col((o, Outcomes::ProposedAt)).into(),
            what: Expr::col((o, Outcomes::Kind)).into(),
            who: Expr::col((o, Outcomes::ProposedByName)).into(),
            filter: sea_query::Cond::all().add(Expr::col((o, Outcomes::Status)).eq("proposed")),
            // The outcome's own region and union: one index range, whatever the share of
            // approved outcomes (reading the scope's households first took 330 ms a county).
            scope: scope.rows_of(o, Outcomes::RegionCode, Outcomes::UnionId),
            order: Expr::col((o, Outcomes::Id)).into(),
        };
        self.work_list(w, limit).await
    }

    /// Open return-to-hardship flags, oldest first.
    pub async fn returns_open(&self, scope: &Scope, limit: u64) -> Result<WorkList, StoreError> {
        let r = HardshipReturns::Table;
        let w = WorkQuery {
            table: r.into_iden(),
            household: HardshipReturns::HouseholdId.into_iden(),
            id: HardshipReturns::Id.into_iden(),
            date: Expr::col((r, HardshipReturns::DetectedAt)).into(),
            what: Expr::cust("CAST(hardship_returns.failed_month AS TEXT)"),
            who: Expr::val("").into(),
            filter: sea_query::Cond::all().add(Expr::col((r, HardshipReturns::Status)).eq("open")),
            // The flag's own region and union, as for proposals (PostgreSQL joined a county's
            // households with 89,672 open flags to find the first 20: 200 ms).
            scope: scope.rows_of(r, HardshipReturns::RegionCode, HardshipReturns::UnionId),
            order: Expr::col((r, HardshipReturns::Id)).into(),
        };
        self.work_list(w, limit).await
    }

    /// Households still in the file whose determination in run `run_id` is `status` (exited or
    /// relieved) and that have no proposal waiting: the engine proposes, a person is to act.
    pub async fn engine_proposals(
        &self,
        scope: &Scope,
        run_id: i64,
        status: &str,
        limit: u64,
    ) -> Result<WorkList, StoreError> {
        use crate::schema::{Determinations, Outcomes};
        let d = Determinations::Table;
        let waiting = Query::select()
            .expr(Expr::val(1))
            .from(Outcomes::Table)
            .and_where(Expr::col((Outcomes::Table, Outcomes::HouseholdId)).equals((d, Determinations::HouseholdId)))
            .and_where(Expr::col((Outcomes::Table, Outcomes::Status)).eq("proposed"))
            .to_owned();
        let w = WorkQuery {
            table: d.into_iden(),
            household: Determinations::HouseholdId.into_iden(),
            id: Determinations::Id.into_iden(),
            date: Expr::cust("CAST(determinations.as_of AS TEXT)"),
            what: Expr::cust("COALESCE(determinations.basis, determinations.status)"),
            who: Expr::val("").into(),
            filter: sea_query::Cond::all()
                .add(Expr::col((d, Determinations::RunId)).eq(run_id))
                .add(Expr::col((d, Determinations::Status)).eq(status))
                .add(Expr::col((Households::Table, Households::Status)).eq("in_file"))
                .add(Expr::exists(waiting).not()),
            scope: scope.households(),
            order: Expr::col((d, Determinations::HouseholdId)).into(),
        };
        self.work_list(w, limit).await
    }
}

/// Who recorded a row and when (None for rows written in bulk or before names were kept).
pub type Recorded = (Option<String>, Option<String>);

/// Who recorded a household's registry rows and when.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Provenance {
    /// The household's registration: who, when.
    pub registered: (Option<String>, String),
    /// Monthly records by month key: who, when.
    pub months: std::collections::HashMap<i64, Recorded>,
    /// Enrolments by id: who, when, the measure behind it.
    pub enrolments: std::collections::HashMap<i64, (Recorded, Option<i64>)>,
    /// Union assistance by id: who, when.
    pub assistance: std::collections::HashMap<i64, Recorded>,
}

impl Store {
    /// Who recorded a household's registry rows, for its timeline. The caller has checked that
    /// `scope` reaches the household; the household row is read through the scope again.
    pub async fn provenance(&self, scope: &Scope, household_id: i64) -> Result<Provenance, StoreError> {
        use crate::schema::{Enrolments, MonthlyRecords, UnionAssistance};
        let h = Households::Table;
        let q = Query::select()
            .columns([(h, Households::RegisteredBy), (h, Households::CreatedAt)])
            .from(h)
            .and_where(Expr::col((h, Households::Id)).eq(household_id))
            .cond_where(scope.households())
            .to_owned();
        let row = self.optional(&q).await?.ok_or(StoreError::NotFound)?;
        let mut p =
            Provenance { registered: (get(&row, "registered_by")?, get(&row, "created_at")?), ..Default::default() };
        let q = Query::select()
            .columns([MonthlyRecords::Month, MonthlyRecords::RecordedBy, MonthlyRecords::RecordedAt])
            .from(MonthlyRecords::Table)
            .and_where(Expr::col(MonthlyRecords::HouseholdId).eq(household_id))
            .to_owned();
        for r in self.all(&q).await? {
            p.months.insert(get(&r, "month")?, (get(&r, "recorded_by")?, get(&r, "recorded_at")?));
        }
        let q = Query::select()
            .columns([Enrolments::Id, Enrolments::RecordedBy, Enrolments::RecordedAt, Enrolments::MeasureId])
            .from(Enrolments::Table)
            .and_where(Expr::col(Enrolments::HouseholdId).eq(household_id))
            .to_owned();
        for r in self.all(&q).await? {
            p.enrolments
                .insert(get(&r, "id")?, ((get(&r, "recorded_by")?, get(&r, "recorded_at")?), get(&r, "measure_id")?));
        }
        let q = Query::select()
            .columns([UnionAssistance::Id, UnionAssistance::RecordedBy, UnionAssistance::RecordedAt])
            .from(UnionAssistance::Table)
            .and_where(Expr::col(UnionAssistance::HouseholdId).eq(household_id))
            .to_owned();
        for r in self.all(&q).await? {
            p.assistance.insert(get(&r, "id")?, (get(&r, "recorded_by")?, get(&r, "recorded_at")?));
        }
        Ok(p)
    }
}

/// The statement of [`Store::household_plans`].
pub(crate) fn household_plans_q(scope: &Scope, household_id: i64) -> sea_query::SelectStatement {
    let mut q = plans(scope);
    q.and_where(Expr::col((Plans::Table, Plans::HouseholdId)).eq(household_id))
        .order_by((Plans::Table, Plans::Year), Order::Desc);
    q
}

/// The statement of [`Store::household_measures`].
pub(crate) fn household_measures_q(scope: &Scope, household_id: i64) -> sea_query::SelectStatement {
    let mut q = measures(scope);
    q.and_where(Expr::col((Measures::Table, Measures::HouseholdId)).eq(household_id))
        .order_by((Measures::Table, Measures::DueOn), Order::Asc)
        .order_by((Measures::Table, Measures::Id), Order::Asc);
    q
}

/// The statement of [`Store::household_visits`].
pub(crate) fn household_visits_q(scope: &Scope, household_id: i64) -> sea_query::SelectStatement {
    let mut q = visits(scope);
    q.and_where(Expr::col((Visits::Table, Visits::HouseholdId)).eq(household_id))
        .order_by((Visits::Table, Visits::DueOn), Order::Asc)
        .order_by((Visits::Table, Visits::Id), Order::Asc);
    q
}

/// The statement of [`Store::household_returns`].
pub(crate) fn household_returns_q(scope: &Scope, household_id: i64) -> sea_query::SelectStatement {
    let mut q = returns(scope);
    q.and_where(Expr::col((HardshipReturns::Table, HardshipReturns::HouseholdId)).eq(household_id))
        .order_by((HardshipReturns::Table, HardshipReturns::Id), Order::Desc);
    q
}
