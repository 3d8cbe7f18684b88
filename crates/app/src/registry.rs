//! Use cases of the reference data: regions, organisations and standards.

use crate::input::*;
use crate::{App, AppError};
use bangfu_domain::*;
use bangfu_store::*;

impl App {
    /// Checks an organisation's region and parent: a grassroots union sits under a county union,
    /// a county union under the city union (or none), others under nobody.
    async fn check_org_refs(&self, o: &OrganisationWrite, own_id: Option<i64>) -> Result<(), AppError> {
        let mut e = Errors::default();
        match self.store.region(&o.region_code).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => e.push(FieldError::new("region_code", "unknown_region", "no such region")),
            Err(other) => return Err(other.into()),
        }
        let wanted = match o.kind {
            OrgKind::GrassrootsUnion => Some(OrgKind::CountyUnion),
            OrgKind::CountyUnion => Some(OrgKind::CityUnion),
            _ => None,
        };
        match (o.parent_id, wanted) {
            (None, Some(OrgKind::CountyUnion)) => {
                e.push(FieldError::new("parent_id", "required", "a grassroots union must name its county union"))
            }
            (None, _) => {}
            (Some(p), _) if Some(p) == own_id => {
                e.push(FieldError::new("parent_id", "self_parent", "an organisation cannot be its own parent"))
            }
            (Some(_), None) => {
                e.push(FieldError::new("parent_id", "not_allowed", "only unions below the city level have a parent"))
            }
            (Some(p), Some(kind)) => match self.store.organisation(p).await {
                Ok(parent) if parent.kind == kind => {}
                Ok(_) => e.push(FieldError::new("parent_id", "wrong_kind", format!("must be a {}", kind.code()))),
                Err(StoreError::NotFound) => {
                    e.push(FieldError::new("parent_id", "unknown_organisation", "no such organisation"))
                }
                Err(other) => return Err(other.into()),
            },
        }
        e.finish(Some(())).map_err(AppError::Invalid)
    }

    /// Creates an organisation.
    pub async fn create_organisation(&self, input: &OrganisationInput) -> Result<Organisation, AppError> {
        let o = input.validate().map_err(AppError::Invalid)?;
        self.check_org_refs(&o, None).await?;
        let mut tx = self.store.begin().await?;
        let id = tx.insert_organisation(&o).await?;
        tx.commit().await?;
        Ok(self.store.organisation(id).await?)
    }

    /// Updates an organisation whose version is `if_match`.
    pub async fn update_organisation(
        &self,
        id: i64,
        if_match: Option<i64>,
        input: &OrganisationInput,
    ) -> Result<Organisation, AppError> {
        let version = if_match.ok_or(AppError::PreconditionRequired)?;
        let o = input.validate().map_err(AppError::Invalid)?;
        self.store.organisation(id).await?;
        self.check_org_refs(&o, Some(id)).await?;
        let mut tx = self.store.begin().await?;
        tx.update_organisation(id, version, &o).await?;
        tx.commit().await?;
        Ok(self.store.organisation(id).await?)
    }

    /// Deletes an organisation that nothing refers to.
    pub async fn delete_organisation(&self, id: i64, if_match: Option<i64>) -> Result<(), AppError> {
        let version = if_match.ok_or(AppError::PreconditionRequired)?;
        let o = self.store.organisation(id).await?;
        if o.version != version {
            return Err(AppError::Stale);
        }
        if self.store.organisation_in_use(id).await? {
            return Err(AppError::Conflict(FieldError::new(
                "id",
                "in_use",
                "households or other organisations refer to this organisation",
            )));
        }
        let mut tx = self.store.begin().await?;
        tx.delete_organisation(id).await?;
        Ok(tx.commit().await?)
    }

    /// Adds a standard; one per region, kind and month.
    pub async fn create_standard(&self, input: &StandardInput) -> Result<Standard, AppError> {
        let s = input.validate().map_err(AppError::Invalid)?;
        match self.store.region(&s.region_code).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => {
                return Err(AppError::invalid(FieldError::new("region_code", "unknown_region", "no such region")))
            }
            Err(other) => return Err(other.into()),
        }
        let mut tx = self.store.begin().await?;
        tx.insert_standard(&s).await.map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict(FieldError::new(
                "from",
                "duplicate_standard",
                format!("a {} standard from {} already exists for this region", s.kind.code(), s.from),
            )),
            other => other.into(),
        })?;
        tx.commit().await?;
        Ok(s)
    }

    /// Deletes a standard.
    pub async fn delete_standard(&self, region: &str, kind: &str, from: &str) -> Result<(), AppError> {
        let mut e = Errors::default();
        let r = e.take(RegionCode::parse("region_code", region));
        let k = e.take(StandardKind::parse("kind", kind));
        let f = e.take(YearMonth::parse("from", from));
        let (r, k, f) = e.finish((|| Some((r?, k?, f?)))()).map_err(AppError::Invalid)?;
        let mut tx = self.store.begin().await?;
        tx.delete_standard(&r.to_string(), k, f).await?;
        Ok(tx.commit().await?)
    }
}
