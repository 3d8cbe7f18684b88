//! Bulk paths for batch jobs (demo data, imports): multi-row statements with ids chosen by the
//! caller, so one statement writes hundreds of rows. Each chunk stays below the parameter
//! limits (SQLite 32,766, PostgreSQL 65,535).

use crate::casework::{measure_insert_columns, measure_row, plan_row, visit_insert_columns, visit_row, PLAN_COLUMNS};
use crate::db::{get, Backend, Store, WriteTx};
use crate::households::{write_values, HouseholdWrite, COLUMNS as HOUSEHOLD_COLUMNS};
use crate::records::{month_values, MonthlyRecord, MONTH_COLUMNS};
use crate::schema::*;
use crate::StoreError;
use bangfu_domain::{AssistanceKind, Money, UnionMeasure};
use chrono::NaiveDate;
use sea_query::{Expr, Query, SimpleExpr};

pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

impl Store {
    /// The highest household id in use (0 for none).
    pub async fn max_household_id(&self) -> Result<i64, StoreError> {
        let q = Query::select()
            .expr_as(Expr::col(Households::Id).max(), sea_query::Alias::new("m"))
            .from(Households::Table)
            .to_owned();
        let Some(row) = self.optional(&q).await? else { return Ok(0) };
        Ok(get::<Option<i64>>(&row, "m")?.unwrap_or(0))
    }

    /// Number of households.
    pub async fn count_households(&self) -> Result<i64, StoreError> {
        let q = Query::select()
            .expr_as(Expr::cust("COUNT(*)"), sea_query::Alias::new("n"))
            .from(Households::Table)
            .to_owned();
        let Some(row) = self.optional(&q).await? else { return Ok(0) };
        get(&row, "n")
    }
}

impl WriteTx {
    pub(crate) async fn insert_rows<C, I>(
        &mut self,
        table: impl sea_query::IntoTableRef + Copy,
        cols: C,
        rows: I,
    ) -> Result<(), StoreError>
    where
        C: IntoIterator + Clone,
        C::Item: sea_query::IntoIden,
        I: IntoIterator<Item = Vec<SimpleExpr>>,
    {
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut q = Query::insert();
            q.into_table(table).columns(cols.clone());
            for r in rows.by_ref().take(ROWS_PER_STATEMENT) {
                q.values_panic(r);
            }
            self.exec(&q).await?;
        }
        Ok(())
    }

    /// Inserts households with the given ids, and their causes.
    pub async fn bulk_households(&mut self, rows: &[(i64, HouseholdWrite)]) -> Result<(), StoreError> {
        let now = crate::now_rfc3339();
        // Rows are built before the first await: an iterator of closures held across it would
        // make the future not `Send` for every lifetime (rustc #102211), and handlers need `Send`.
        let households: Vec<Vec<SimpleExpr>> = rows
            .iter()
            .map(|(id, h)| {
                let mut v: Vec<SimpleExpr> = vec![(*id).into()];
                v.extend(write_values(h, 1, &now, Some(&now)));
                v
            })
            .collect();
        let mut causes: Vec<Vec<SimpleExpr>> = Vec::new();
        let mut exclusions: Vec<Vec<SimpleExpr>> = Vec::new();
        for (id, h) in rows {
            for c in &h.causes {
                causes.push(vec![(*id).into(), c.code().into(), h.region_code.clone().into()]);
            }
            let mut x = h.exclusions.clone();
            x.sort();
            x.dedup();
            exclusions.extend(x.iter().map(|c| vec![(*id).into(), c.code().into()]));
        }
        self.insert_rows(Households::Table, HOUSEHOLD_COLUMNS, households).await?;
        self.insert_rows(
            HouseholdCauses::Table,
            [HouseholdCauses::HouseholdId, HouseholdCauses::Cause, HouseholdCauses::RegionCode],
            causes,
        )
        .await?;
        self.insert_rows(
            crate::schema::HouseholdExclusions::Table,
            [crate::schema::HouseholdExclusions::HouseholdId, crate::schema::HouseholdExclusions::Code],
            exclusions,
        )
        .await
    }

    /// Inserts major events: (household, month, kind, note), recorded by the system.
    pub async fn bulk_major_events(
        &mut self,
        rows: &[(i64, bangfu_domain::YearMonth, bangfu_domain::MajorEvent, String)],
    ) -> Result<(), StoreError> {
        use crate::schema::MajorEvents as E;
        let now = crate::now_rfc3339();
        let values: Vec<Vec<SimpleExpr>> = rows
            .iter()
            .map(|(h, m, k, note)| {
                vec![
                    (*h).into(),
                    m.to_key().into(),
                    k.code().into(),
                    note.clone().into(),
                    "system".into(),
                    now.clone().into(),
                ]
            })
            .collect();
        self.insert_rows(E::Table, [E::HouseholdId, E::Month, E::Kind, E::Note, E::RecordedBy, E::RecordedAt], values)
            .await
    }

    /// Inserts monthly records (no month may exist yet).
    pub async fn bulk_monthly(&mut self, rows: &[(i64, MonthlyRecord)]) -> Result<(), StoreError> {
        self.insert_rows(MonthlyRecords::Table, MONTH_COLUMNS, rows.iter().map(|(h, r)| month_values(*h, r).to_vec()))
            .await
    }

    /// Inserts union assistance records.
    pub async fn bulk_union_assistance(
        &mut self,
        rows: &[(i64, NaiveDate, AssistanceKind, Money, UnionMeasure)],
    ) -> Result<(), StoreError> {
        use crate::schema::UnionAssistance as Ua;
        self.insert_rows(
            Ua::Table,
            [Ua::HouseholdId, Ua::Date, Ua::Kind, Ua::Amount, Ua::Measure, Ua::Note],
            rows.iter().map(|(h, d, k, a, m)| {
                vec![(*h).into(), d.to_string().into(), k.code().into(), a.fen().into(), m.code().into(), "".into()]
            }),
        )
        .await
    }

    /// Inserts enrolments.
    pub async fn bulk_enrolments(
        &mut self,
        rows: &[(i64, bangfu_domain::Scheme, bangfu_domain::YearMonth, Option<bangfu_domain::YearMonth>)],
    ) -> Result<(), StoreError> {
        self.insert_rows(
            Enrolments::Table,
            [Enrolments::HouseholdId, Enrolments::Scheme, Enrolments::FromMonth, Enrolments::ToMonth],
            rows.iter().map(|(h, s, f, t)| {
                vec![(*h).into(), s.code().into(), f.to_key().into(), t.map(|m| m.to_key()).into()]
            }),
        )
        .await
    }

    /// After inserting explicit ids, moves PostgreSQL's id sequence past them (SQLite's
    /// AUTOINCREMENT already follows the highest id). Only ever forward: the sequence is not
    /// transactional, and ids other transactions took must never be given again.
    pub async fn sync_household_id_sequence(&mut self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            self.raw(
                "SELECT setval(s, GREATEST(COALESCE((SELECT MAX(id) FROM households), 0), \
                 COALESCE(pg_sequence_last_value(s), 0)) + 1, false) \
                 FROM (SELECT CAST(pg_get_serial_sequence('households', 'id') AS regclass) AS s) AS seq",
            )
            .await?;
        }
        Ok(())
    }
}

/// Demo case work for one household, written in bulk: a pairing, a plan for a year (its id is
/// the household's), measures and a scheduled visit.
#[derive(Debug, Clone)]
pub struct BulkCasework {
    /// Household (and plan id).
    pub household_id: i64,
    /// The household's region and union (carried by its visits and measures).
    pub scope: (String, Option<i64>),
    /// Helper unit and responsible person, from a day.
    pub pairing: Option<(i64, String, String)>,
    /// Plan year, goals, route code.
    pub plan: (i64, String, String),
    /// Measures: kind, description, lead, responsible, person, due, status, result, done_on.
    pub measures: Vec<crate::MeasureWrite>,
    /// A scheduled visit: due date, visitor, purpose.
    pub visit: (String, String, String),
    /// An approved outcome: kind, pathway or reason code, approval date.
    pub outcome: Option<(String, Option<String>, String)>,
}

impl WriteTx {
    /// Inserts demo case work (names recorded as "demo").
    pub async fn bulk_casework(&mut self, rows: &[BulkCasework]) -> Result<(), StoreError> {
        let now = crate::now_rfc3339();
        let by = "demo";
        self.insert_rows(
            Pairings::Table,
            [
                Pairings::HouseholdId,
                Pairings::HelperOrgId,
                Pairings::Person,
                Pairings::StartedOn,
                Pairings::CreatedBy,
                Pairings::Version,
            ],
            rows.iter().filter_map(|r| {
                r.pairing.as_ref().map(|(org, person, from)| {
                    vec![
                        r.household_id.into(),
                        (*org).into(),
                        person.clone().into(),
                        from.clone().into(),
                        by.into(),
                        1i64.into(),
                    ]
                })
            }),
        )
        .await?;
        self.insert_rows(
            Plans::Table,
            std::iter::once(Plans::Id).chain(PLAN_COLUMNS[1..].iter().copied()).collect::<Vec<_>>(),
            rows.iter().map(|r| {
                let mut row = vec![r.household_id.into()];
                row.extend(plan_row(r.household_id, r.plan.0, (&r.plan.1, &r.plan.2), by, &now));
                row
            }),
        )
        .await?;
        let scope = |r: &BulkCasework| (r.scope.0.clone(), r.scope.1);
        self.insert_rows(
            Measures::Table,
            measure_insert_columns(),
            rows.iter().flat_map(|r| {
                let (region, union_id) = scope(r);
                let now = now.clone();
                r.measures
                    .iter()
                    .map(move |m| measure_row((r.household_id, r.household_id), m, (by, &now), (&region, union_id)))
            }),
        )
        .await?;
        self.insert_rows(
            Visits::Table,
            visit_insert_columns(),
            rows.iter().map(|r| {
                let (due, visitor, purpose) = &r.visit;
                visit_row(r.household_id, (due, visitor, purpose), (by, &now), (&r.scope.0, r.scope.1))
            }),
        )
        .await?;
        self.insert_rows(
            Outcomes::Table,
            crate::outcomes::COLUMNS[1..]
                .iter()
                .copied()
                .chain([Outcomes::RegionCode, Outcomes::UnionId])
                .collect::<Vec<_>>(),
            rows.iter().filter_map(|r| {
                r.outcome.as_ref().map(|(kind, pathway, day)| {
                    let at = format!("{day}T00:00:00Z");
                    vec![
                        r.household_id.into(),
                        kind.clone().into(),
                        pathway.clone().into(),
                        "示例数据".into(),
                        "approved".into(),
                        0i64.into(),
                        by.into(),
                        at.clone().into(),
                        0i64.into(),
                        by.into(),
                        at.into(),
                        String::new().into(),
                        day.clone().into(),
                        Option::<String>::None.into(),
                        1i64.into(),
                        r.scope.0.clone().into(),
                        r.scope.1.into(),
                    ]
                })
            }),
        )
        .await?;
        if self.backend == Backend::Postgres {
            self.raw("SELECT setval(pg_get_serial_sequence('plans', 'id'), COALESCE((SELECT MAX(id) FROM plans), 0) + 1, false)").await?;
        }
        Ok(())
    }
}
