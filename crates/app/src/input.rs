//! What users send, before validation: the JSON bodies of the API and the page forms share
//! these types. `validate` turns each into the store's write type or lists every field error.

use bangfu_domain::*;
use bangfu_store::{HouseholdWrite, MemberWrite, MonthlyRecord, OrganisationWrite};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

/// An amount of money in yuan: a JSON number or a string of plain decimal digits (`"660.00"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Amount {
    /// A JSON number such as 660 or 660.5.
    Number(serde_json::Number),
    /// A string such as "660.00".
    Text(String),
}

impl Amount {
    /// Parses into fen, naming `field` on error.
    pub fn parse(&self, field: &str) -> Result<Money, FieldError> {
        match self {
            Amount::Number(n) => Money::parse_yuan(field, &n.to_string()),
            Amount::Text(t) => Money::parse_yuan(field, t),
        }
    }
}

impl utoipa::PartialSchema for Amount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        OneOfBuilder::new()
            .item(ObjectBuilder::new().schema_type(Type::Number).minimum(Some(0.0)))
            .item(ObjectBuilder::new().schema_type(Type::String).pattern(Some(r"^[0-9]+(\.[0-9]+)?$")))
            .description(Some("Yuan, at most two decimals: a number or a string of plain decimal digits"))
            .into()
    }
}

impl ToSchema for Amount {}

impl Default for Amount {
    /// Nothing typed.
    fn default() -> Self {
        Amount::Text(String::new())
    }
}

impl From<&str> for Amount {
    fn from(s: &str) -> Self {
        Amount::Text(s.to_string())
    }
}

/// Collects field errors while validating.
#[derive(Default)]
pub struct Errors(pub Vec<FieldError>);

impl Errors {
    /// Keeps the value or records the error.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// Records an error.
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// Ok if nothing was recorded.
    pub fn finish<T>(self, v: Option<T>) -> Result<T, Vec<FieldError>> {
        if !self.0.is_empty() {
            return Err(self.0);
        }
        // A missing value always comes with a recorded error; this only guards that promise.
        v.ok_or_else(|| {
            tracing::error!("validation gave no value and no error");
            vec![FieldError::new("", Code::Internal)]
        })
    }
}

/// Text that must be present and not too long.
pub fn required_text(field: &str, s: &str, max_chars: usize) -> Result<String, FieldError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(FieldError::new(field, Code::Required));
    }
    optional_text(field, t, max_chars)
}

/// Text that may be empty but not too long, and holds no control characters.
pub fn optional_text(field: &str, s: &str, max_chars: usize) -> Result<String, FieldError> {
    let t = s.trim();
    if t.chars().count() > max_chars {
        return Err(FieldError::new(field, Code::TooLong).with("max", max_chars));
    }
    if t.chars().any(char::is_control) {
        return Err(FieldError::new(field, Code::ControlCharacter));
    }
    if t.chars().any(invisible) {
        return Err(FieldError::new(field, Code::InvisibleCharacter));
    }
    Ok(t.to_string())
}

/// Characters that change how text is shown without being seen (issue 19): zero-width ones and
/// the bidirectional controls (U+202E turns "户主甲.xlsx" around) — a name holding them would
/// read as another name, or hide in a search.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{180E}' | '\u{061C}')
}

/// A household as sent by a user. `status` is not written here: status changes are case work.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct HouseholdInput {
    /// File number; left empty, the next `{region}-{year}-{seq}` is assigned.
    #[serde(default)]
    pub file_no: String,
    /// Head of household's name.
    pub head_name: String,
    /// Head's 18-character resident ID.
    pub head_id_number: String,
    /// Phone number.
    #[serde(default)]
    pub phone: String,
    /// Address.
    #[serde(default)]
    pub address: String,
    /// County-level region code (GB/T 2260).
    pub region_code: String,
    /// Id of the union keeping the file.
    #[serde(default)]
    pub union_id: Option<i64>,
    /// Id of the employer.
    #[serde(default)]
    pub employer_id: Option<i64>,
    /// Registration date, YYYY-MM-DD.
    pub registered_on: String,
    /// Migrant-worker family (农民工).
    #[serde(default)]
    pub migrant_worker: bool,
    /// Hardship causes: illness, schooling, emergency, accident, unemployment, insurance_arrears, disability, disaster, other.
    #[serde(default)]
    pub causes: Vec<String>,
    /// Work capacity of the head: full, partial, none.
    pub work_capacity: String,
    /// The hardship causes are resolved (致困因素消除): with income above the dibao line every
    /// month of the window, the household exits (POLICY §4 rule 3).
    #[serde(default)]
    pub causes_resolved: bool,
    /// The children have completed their studies (POLICY §4 rule 2).
    #[serde(default)]
    pub children_completed_studies: bool,
    /// Exclusion conditions of the 2021 framework (X1): private_school, vehicle, property,
    /// business, luxury, refused_verification.
    #[serde(default)]
    pub exclusions: Vec<String>,
    /// Months of de-facto labour relation of a migrant worker (2021 framework, M1), 0–600;
    /// absent: not recorded.
    #[serde(default)]
    pub labour_relation_months: Option<i64>,
}

impl HouseholdInput {
    /// Checks every field on its own (references to regions and organisations are checked by the use case).
    pub fn validate(&self, status: HouseholdStatus, synthetic: bool) -> Result<HouseholdWrite, Vec<FieldError>> {
        let mut e = Errors::default();
        let file_no = e.take(optional_text("file_no", &self.file_no, 40).and_then(|f| {
            if f.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                Ok(f)
            } else {
                Err(FieldError::new("file_no", Code::InvalidFileNo))
            }
        }));
        let head_name = e.take(required_text("head_name", &self.head_name, 50));
        let id = e.take(IdNumber::parse("head_id_number", &self.head_id_number));
        let phone = e.take(optional_text("phone", &self.phone, 30).and_then(|p| {
            if p.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c)) {
                Ok(p)
            } else {
                Err(FieldError::new("phone", Code::InvalidPhone))
            }
        }));
        let address = e.take(optional_text("address", &self.address, 200));
        let region = e.take(RegionCode::parse("region_code", self.region_code.trim()));
        let registered_on = e.take(parse_date("registered_on", self.registered_on.trim()).and_then(|d| {
            if d > crate::clock::today() {
                Err(FieldError::new("registered_on", Code::InFuture))
            } else {
                Ok(d)
            }
        }));
        let mut causes = Vec::new();
        for (i, c) in self.causes.iter().enumerate() {
            if let Some(c) = e.take(Cause::parse(&format!("causes[{i}]"), c.trim())) {
                if !causes.contains(&c) {
                    causes.push(c);
                }
            }
        }
        causes.sort();
        if self.causes.is_empty() {
            e.push(FieldError::new("causes", Code::CausesRequired));
        }
        let work_capacity = e.take(WorkCapacity::parse("work_capacity", self.work_capacity.trim()));
        let mut exclusions = Vec::new();
        for (i, c) in self.exclusions.iter().enumerate() {
            if let Some(x) = e.take(bangfu_domain::Exclusion::parse(&format!("exclusions[{i}]"), c.trim())) {
                if !exclusions.contains(&x) {
                    exclusions.push(x);
                }
            }
        }
        exclusions.sort();
        if self.labour_relation_months.is_some_and(|n| !(0..=600).contains(&n)) {
            e.push(FieldError::new("labour_relation_months", Code::OutOfRange).with("min", 0).with("max", 600));
        }
        let v = (|| {
            Some(HouseholdWrite {
                file_no: file_no?,
                head_name: head_name?,
                head_id_number: id?.as_str().to_string(),
                phone: phone?,
                address: address?,
                region_code: region?.to_string(),
                union_id: self.union_id,
                employer_id: self.employer_id,
                registered_on: registered_on?,
                migrant_worker: self.migrant_worker,
                causes,
                work_capacity: work_capacity?,
                status,
                synthetic,
                causes_resolved: self.causes_resolved,
                children_completed_studies: self.children_completed_studies,
                labour_relation_months: self.labour_relation_months,
                exclusions,
            })
        })();
        e.finish(v)
    }
}

/// A household member as sent by a user.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MemberInput {
    /// Name.
    pub name: String,
    /// Resident ID; may be empty for a child not yet issued one.
    #[serde(default)]
    pub id_number: String,
    /// Relation to the head: head, spouse, child, parent, sibling, grandchild, grandparent, other.
    pub relation: String,
    /// Birth date YYYY-MM-DD; may be empty when the resident ID gives it.
    #[serde(default)]
    pub birth_date: String,
    /// Situation: student, preschool, employed, unemployed, retired, ill, disabled, other.
    pub situation: String,
}

impl MemberInput {
    /// Validates; the birth date must agree with the resident ID when both are given.
    pub fn validate(&self) -> Result<MemberWrite, Vec<FieldError>> {
        let mut e = Errors::default();
        let name = e.take(required_text("name", &self.name, 50));
        let id = if self.id_number.trim().is_empty() {
            Some(None)
        } else {
            e.take(IdNumber::parse("id_number", &self.id_number)).map(Some)
        };
        let relation = e.take(Relation::parse("relation", self.relation.trim()));
        let situation = e.take(Situation::parse("situation", self.situation.trim()));
        let birth = if self.birth_date.trim().is_empty() {
            match &id {
                Some(Some(id)) => Some(id.birth_date()),
                Some(None) => {
                    e.push(FieldError::new("birth_date", Code::BirthDateRequired));
                    None
                }
                None => None,
            }
        } else {
            let d = e.take(parse_date("birth_date", self.birth_date.trim()));
            if let (Some(d), Some(Some(id))) = (d, &id) {
                if id.birth_date() != d {
                    e.push(FieldError::new("birth_date", Code::DisagreesWithId));
                }
            }
            d
        };
        let v = (|| {
            Some(MemberWrite {
                name: name?,
                id_number: id?.map(|i| i.as_str().to_string()).unwrap_or_default(),
                relation: relation?,
                birth_date: birth?,
                situation: situation?,
            })
        })();
        e.finish(v)
    }
}

/// Non-living expenditure of a month, by kind (POLICY §1). Missing kinds are zero.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NonLivingInput {
    /// Medical.
    pub medical: Option<Amount>,
    /// Children's education.
    pub education: Option<Amount>,
    /// Emergencies.
    pub emergency: Option<Amount>,
    /// Accidents.
    pub accident: Option<Amount>,
    /// Other.
    pub other: Option<Amount>,
}

/// One month's finances as sent by a user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct MonthlyRecordInput {
    /// Month, YYYY-MM.
    pub month: String,
    /// People in the household that month (≥ 1).
    pub members: i64,
    /// Disposable income in yuan, government assistance included.
    pub income: Amount,
    /// The part of income paid by government assistance (≤ income).
    #[serde(default)]
    pub government_assistance: Option<Amount>,
    /// Non-living expenditure by kind.
    #[serde(default)]
    pub non_living: NonLivingInput,
}

impl MonthlyRecordInput {
    /// From named text fields (a form, an import row); an empty amount is absent.
    pub fn from_text(field: impl Fn(&str) -> String, members: i64) -> MonthlyRecordInput {
        let amount = |f: &str| Some(field(f)).filter(|v| !v.is_empty()).map(Amount::Text);
        MonthlyRecordInput {
            month: field("month"),
            members,
            income: Amount::Text(field("income")),
            government_assistance: amount("government_assistance"),
            non_living: NonLivingInput {
                medical: amount("medical"),
                education: amount("education"),
                emergency: amount("emergency"),
                accident: amount("accident"),
                other: amount("other"),
            },
        }
    }

    /// Validates one month; `at` is the path prefix (`months[3]`).
    pub fn validate(&self, at: &str) -> Result<MonthlyRecord, Vec<FieldError>> {
        let mut e = Errors::default();
        let f = |name: &str| if at.is_empty() { name.to_string() } else { format!("{at}.{name}") };
        let month = e.take(YearMonth::parse(&f("month"), self.month.trim()));
        if !(1..=100).contains(&self.members) {
            e.push(FieldError::new(f("members"), Code::OutOfRange).with("min", 1).with("max", 100));
        }
        let income = e.take(self.income.parse(&f("income")));
        let aid = match &self.government_assistance {
            Some(a) => e.take(a.parse(&f("government_assistance"))),
            None => Some(Money::ZERO),
        };
        if let (Some(i), Some(a)) = (income, aid) {
            if a > i {
                e.push(FieldError::new(f("government_assistance"), Code::ExceedsIncome));
            }
        }
        let mut nl = |v: &Option<Amount>, name: &str| match v {
            Some(a) => e.take(a.parse(&f(&format!("non_living.{name}")))),
            None => Some(Money::ZERO),
        };
        let n = &self.non_living;
        let (medical, education, emergency, accident, other) = (
            nl(&n.medical, "medical"),
            nl(&n.education, "education"),
            nl(&n.emergency, "emergency"),
            nl(&n.accident, "accident"),
            nl(&n.other, "other"),
        );
        let v = (|| {
            Some(MonthlyRecord {
                month: month?,
                members: self.members,
                income: income?,
                government_assistance: aid?,
                medical: medical?,
                education: education?,
                emergency: emergency?,
                accident: accident?,
                other: other?,
            })
        })();
        e.finish(v)
    }
}

/// An organisation as sent by a user.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct OrganisationInput {
    /// Name.
    pub name: String,
    /// city_union, county_union, grassroots_union, department, employer.
    pub kind: String,
    /// Region code.
    pub region_code: String,
    /// The union it reports to (a grassroots union's county union).
    #[serde(default)]
    pub parent_id: Option<i64>,
}

impl OrganisationInput {
    /// Validates the fields on their own.
    pub fn validate(&self) -> Result<OrganisationWrite, Vec<FieldError>> {
        let mut e = Errors::default();
        let name = e.take(required_text("name", &self.name, 100));
        let kind = e.take(OrgKind::parse("kind", self.kind.trim()));
        let region = e.take(RegionCode::parse("region_code", self.region_code.trim()));
        let v = (|| {
            Some(OrganisationWrite {
                name: name?,
                kind: kind?,
                region_code: region?.to_string(),
                parent_id: self.parent_id,
            })
        })();
        e.finish(v)
    }
}

/// A regional standard as sent by a user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct StandardInput {
    /// Region code.
    pub region_code: String,
    /// dibao or low_income.
    pub kind: String,
    /// First month in force, YYYY-MM.
    pub from: String,
    /// Yuan per person per month.
    pub amount: Amount,
}

impl StandardInput {
    /// Validates.
    pub fn validate(&self) -> Result<bangfu_store::Standard, Vec<FieldError>> {
        let mut e = Errors::default();
        let region = e.take(RegionCode::parse("region_code", self.region_code.trim()));
        let kind = e.take(StandardKind::parse("kind", self.kind.trim()));
        let from = e.take(YearMonth::parse("from", self.from.trim()));
        let amount = e.take(self.amount.parse("amount"));
        if amount == Some(Money::ZERO) {
            e.push(FieldError::new("amount", Code::NotPositive));
        }
        let v = (|| {
            Some(bangfu_store::Standard { region_code: region?.to_string(), kind: kind?, from: from?, amount: amount? })
        })();
        e.finish(v)
    }
}

/// A social-assistance enrolment as sent by a user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EnrolmentInput {
    /// dibao, extreme_poverty, disaster, education, housing, employment, temporary.
    pub scheme: String,
    /// First month, YYYY-MM.
    pub from: String,
    /// Last month, YYYY-MM, or null while it lasts.
    #[serde(default)]
    pub to: Option<String>,
}

impl EnrolmentInput {
    /// Validates; `to` may not be before `from`.
    pub fn validate(&self) -> Result<(Scheme, YearMonth, Option<YearMonth>), Vec<FieldError>> {
        let mut e = Errors::default();
        let scheme = e.take(Scheme::parse("scheme", self.scheme.trim()));
        let from = e.take(YearMonth::parse("from", self.from.trim()));
        let to = match self.to.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(t) => e.take(YearMonth::parse("to", t)).map(Some),
            None => Some(None),
        };
        if let (Some(f), Some(Some(t))) = (from, to) {
            if t < f {
                e.push(FieldError::new("to", Code::BeforeFrom));
            }
        }
        let v = (|| Some((scheme?, from?, to?)))();
        e.finish(v)
    }
}

/// A major event (2021 framework, A1) as sent by a user.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct MajorEventInput {
    /// The month it happened, YYYY-MM (not after the current month).
    pub month: String,
    /// disaster, safety_accident, epidemic, public_security, serious_illness, other.
    pub kind: String,
    /// What happened (up to 500 characters).
    #[serde(default)]
    pub note: String,
}

impl MajorEventInput {
    /// Validates.
    pub fn validate(&self) -> Result<(YearMonth, MajorEvent, String), Vec<FieldError>> {
        let mut e = Errors::default();
        let month = e.take(YearMonth::parse("month", self.month.trim()).and_then(|m| {
            if m > YearMonth::of_date(crate::clock::today()) {
                Err(FieldError::new("month", Code::InFuture))
            } else {
                Ok(m)
            }
        }));
        let kind = e.take(MajorEvent::parse("kind", self.kind.trim()));
        let note = e.take(optional_text("note", &self.note, 500));
        let v = (|| Some((month?, kind?, note?)))();
        e.finish(v)
    }
}

/// A union assistance record as sent by a user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UnionAssistanceInput {
    /// Date given, YYYY-MM-DD.
    pub date: String,
    /// cash, goods, service.
    pub kind: String,
    /// Amount (or value) in yuan.
    pub amount: Amount,
    /// living_aid, medical_aid, schooling_aid, legal_aid, job_training, job_referral, visit.
    pub measure: String,
    /// Note.
    #[serde(default)]
    pub note: String,
}

impl UnionAssistanceInput {
    /// Validates.
    pub fn validate(&self) -> Result<bangfu_store::UnionAssistance, Vec<FieldError>> {
        let mut e = Errors::default();
        let date = e.take(parse_date("date", self.date.trim()));
        let kind = e.take(AssistanceKind::parse("kind", self.kind.trim()));
        let amount = e.take(self.amount.parse("amount"));
        let measure = e.take(UnionMeasure::parse("measure", self.measure.trim()));
        let note = e.take(optional_text("note", &self.note, 500));
        let v = (|| {
            Some(bangfu_store::UnionAssistance {
                id: 0,
                date: date?,
                kind: kind?,
                amount: amount?,
                measure: measure?,
                note: note?,
            })
        })();
        e.finish(v)
    }
}

/// Parses an optional date bound from a query string.
pub fn optional_date(field: &str, s: Option<&str>) -> Result<Option<NaiveDate>, FieldError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => parse_date(field, s).map(Some),
        None => Ok(None),
    }
}
