//! The registry's closed vocabularies: each has a stable code (stored, used in the API)
//! and a Chinese and an English label (pages).

use crate::FieldError;

/// Defines a closed vocabulary: `code()`, `from_code()`, `parse()`, `label()`, `ALL`, serde as code.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal, $en:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Stable code used in storage and the API.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The value with this code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Parses a code, or names the field and the codes allowed.
            pub fn parse(field: &str, code: &str) -> Result<Self, FieldError> {
                Self::from_code(code).ok_or_else(|| {
                    let allowed: Vec<&str> = Self::ALL.iter().map(|v| v.code()).collect();
                    FieldError::new(field, $crate::Code::UnknownCode).with("allowed", allowed.join(", "))
                })
            }

            /// Label in Chinese (`zh`) or English.
            pub fn label(self, zh: bool) -> &'static str {
                match (self, zh) { $(($name::$variant, true) => $zh, ($name::$variant, false) => $en),+ }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }
    };
}

vocabulary! {
    /// Where a household stands in the registry.
    HouseholdStatus {
        InFile = ("in_file", "在档困难", "In file"),
        Exited = ("exited", "已脱困", "Exited hardship"),
        Relieved = ("relieved", "已解困", "Relieved"),
        Withdrawn = ("withdrawn", "已退出档案", "Withdrawn"),
    }
}

vocabulary! {
    /// Why a household is in hardship (致困原因).
    Cause {
        Illness = ("illness", "患病", "Illness"),
        Schooling = ("schooling", "子女上学", "Children's schooling"),
        Emergency = ("emergency", "突发事件", "Emergency"),
        Accident = ("accident", "意外伤害", "Accident"),
        Unemployment = ("unemployment", "失业", "Unemployment"),
        InsuranceArrears = ("insurance_arrears", "社保欠缴", "Social-insurance arrears"),
        Disability = ("disability", "残疾", "Disability"),
        Disaster = ("disaster", "受灾", "Disaster"),
        Other = ("other", "其他", "Other"),
    }
}

impl NonLivingKind {
    /// Rigid expenditure of the 2021 framework (刚性支出, POLICY §9): every kind but `other`.
    pub fn is_rigid(self) -> bool {
        self != NonLivingKind::Other
    }

    /// Hardship costs of the 2021 framework (A1): medical, emergency, accident.
    pub fn is_hardship_cost(self) -> bool {
        matches!(self, NonLivingKind::Medical | NonLivingKind::Emergency | NonLivingKind::Accident)
    }
}

vocabulary! {
    /// Work capacity of the household's head.
    WorkCapacity {
        Full = ("full", "有劳动能力", "Able to work"),
        Partial = ("partial", "部分丧失劳动能力", "Partly unable to work"),
        None = ("none", "无劳动能力", "Unable to work"),
    }
}

vocabulary! {
    /// A member's relation to the head of household.
    Relation {
        Head = ("head", "户主本人", "Head of household"),
        Spouse = ("spouse", "配偶", "Spouse"),
        Child = ("child", "子女", "Child"),
        Parent = ("parent", "父母", "Parent"),
        Sibling = ("sibling", "兄弟姐妹", "Sibling"),
        Grandchild = ("grandchild", "孙子女", "Grandchild"),
        Grandparent = ("grandparent", "祖父母", "Grandparent"),
        Other = ("other", "其他", "Other"),
    }
}

vocabulary! {
    /// A member's situation.
    Situation {
        Student = ("student", "在校学生", "Student"),
        Preschool = ("preschool", "学龄前儿童", "Pre-school child"),
        Employed = ("employed", "在职", "Employed"),
        Unemployed = ("unemployed", "失业", "Unemployed"),
        Retired = ("retired", "退休", "Retired"),
        Ill = ("ill", "患病", "Ill"),
        Disabled = ("disabled", "残疾", "Disabled"),
        Other = ("other", "其他", "Other"),
    }
}

vocabulary! {
    /// Kinds of organisation.
    OrgKind {
        NationalUnion = ("national_union", "中华全国总工会", "All-China Federation of Trade Unions"),
        ProvincialUnion = ("provincial_union", "省（自治区、直辖市）总工会", "Provincial federation of trade unions"),
        CityUnion = ("city_union", "市总工会", "City federation of trade unions"),
        CountyUnion = ("county_union", "县（市、区）总工会", "County union"),
        GrassrootsUnion = ("grassroots_union", "基层工会", "Grassroots union"),
        Department = ("department", "政府部门", "Government department"),
        Employer = ("employer", "用人单位", "Employer"),
    }
}

vocabulary! {
    /// How a campaign sets its yearly targets.
    TargetKind {
        Share = ("share", "按存量户累计比例", "Cumulative share of the stock"),
        Absolute = ("absolute", "按累计户数", "Cumulative households"),
    }
}

impl OrgKind {
    /// A union's level in the hierarchy 全总 → 省总 → 市总 → 县总 → 基层 (0 at the top); `None`
    /// for a department or an employer.
    pub fn union_level(self) -> Option<u8> {
        match self {
            OrgKind::NationalUnion => Some(0),
            OrgKind::ProvincialUnion => Some(1),
            OrgKind::CityUnion => Some(2),
            OrgKind::CountyUnion => Some(3),
            OrgKind::GrassrootsUnion => Some(4),
            OrgKind::Department | OrgKind::Employer => None,
        }
    }

    /// Whether it is a union body (any level).
    pub fn is_union(self) -> bool {
        self.union_level().is_some()
    }

    /// Whether a union of this kind may report to one of `parent`: a union of a level above it,
    /// or — a grassroots union — another grassroots union (联合工会 and its 分工会).
    pub fn may_report_to(self, parent: OrgKind) -> bool {
        match (self.union_level(), parent.union_level()) {
            (Some(4), Some(4)) => true,
            (Some(me), Some(p)) => p < me,
            _ => false,
        }
    }
}

vocabulary! {
    /// Government social-assistance schemes (POLICY §4 rule 1).
    Scheme {
        Dibao = ("dibao", "最低生活保障", "Minimum living guarantee"),
        ExtremePoverty = ("extreme_poverty", "特困人员供养", "Support for the extremely poor"),
        Disaster = ("disaster", "受灾人员救助", "Disaster relief"),
        Education = ("education", "教育救助", "Education assistance"),
        Housing = ("housing", "住房救助", "Housing assistance"),
        Employment = ("employment", "就业救助", "Employment assistance"),
        Temporary = ("temporary", "临时救助", "Temporary assistance"),
    }
}

vocabulary! {
    /// Kinds of regional standard (POLICY §1).
    StandardKind {
        Dibao = ("dibao", "最低生活保障标准", "Minimum living standard"),
        LowIncome = ("low_income", "低收入家庭标准", "Low-income family standard"),
    }
}

vocabulary! {
    /// Form of a union assistance payment.
    AssistanceKind {
        Cash = ("cash", "现金", "Cash"),
        Goods = ("goods", "实物", "Goods"),
        Service = ("service", "服务", "Service"),
    }
}

vocabulary! {
    /// Union measures (POLICY §6, 五(一)4).
    UnionMeasure {
        LivingAid = ("living_aid", "生活救助", "Living aid"),
        MedicalAid = ("medical_aid", "医疗救助", "Medical aid"),
        SchoolingAid = ("schooling_aid", "助学救助", "Schooling aid"),
        LegalAid = ("legal_aid", "法律援助", "Legal aid"),
        JobTraining = ("job_training", "就业培训", "Job training"),
        JobReferral = ("job_referral", "职业介绍", "Job referral"),
        Visit = ("visit", "送温暖", "Warmth visit"),
    }
}

vocabulary! {
    /// The rule sets a determination can be made under (POLICY §9): the 2018 plan and the
    /// national framework of 2021.
    Framework {
        Plan2018 = ("plan-2018", "解困脱困实施方案（2018）", "Relief plan (2018)"),
        National2021 = ("national-2021", "全国常态化帮扶（2021）", "National framework (2021)"),
    }
}

vocabulary! {
    /// Exclusion conditions of the 2021 framework (排除性条件, POLICY §9 rule X1).
    Exclusion {
        PrivateSchool = ("private_school", "子女就读高收费私立学校或自费出国留学", "Children at a high-fee private school or studying abroad at own expense"),
        Vehicle = ("vehicle", "拥有非营运机动车", "Owns a non-commercial motor vehicle"),
        Property = ("property", "拥有两套及以上住房", "Owns two or more homes"),
        Business = ("business", "开办正常经营的企业或个体工商户", "Runs a going business"),
        Luxury = ("luxury", "有高消费行为", "High consumption"),
        RefusedVerification = ("refused_verification", "拒不配合家庭经济状况核对", "Refused verification of household finances"),
    }
}

vocabulary! {
    /// Kinds of major event that make a household 意外致困 (POLICY §9 rule A1).
    MajorEvent {
        Disaster = ("disaster", "自然灾害", "Natural disaster"),
        SafetyAccident = ("safety_accident", "重大安全事故", "Major safety accident"),
        Epidemic = ("epidemic", "重大疫情", "Major epidemic"),
        PublicSecurity = ("public_security", "重大社会安全事件", "Major public-security event"),
        SeriousIllness = ("serious_illness", "突发重大疾病", "Sudden serious illness"),
        Other = ("other", "其他重大变故", "Other major misfortune"),
    }
}

vocabulary! {
    /// Kinds of non-living expenditure (POLICY §1).
    NonLivingKind {
        Medical = ("medical", "医疗", "Medical"),
        Education = ("education", "子女上学", "Education"),
        Emergency = ("emergency", "突发事件", "Emergency"),
        Accident = ("accident", "意外伤害", "Accident"),
        Other = ("other", "其他", "Other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_name_the_choices() {
        for c in Cause::ALL {
            assert_eq!(Cause::from_code(c.code()), Some(*c));
        }
        let e = Scheme::parse("social_assistance[0].scheme", "lottery").unwrap_err();
        assert_eq!(e.field, "social_assistance[0].scheme");
        assert!(e.message(false).contains("dibao"));
    }
}

vocabulary! {
    /// What a person decides about a household (clause 四, 五(一)1).
    OutcomeKind {
        Exit = ("exit", "脱困", "Exit from hardship"),
        Relief = ("relief", "解困", "Relief"),
        Withdrawal = ("withdrawal", "退出档案", "Withdrawal from the file"),
    }
}

vocabulary! {
    /// How an exit came about (四(一)1–5).
    ExitPathway {
        EmploymentBusiness = ("employment_business", "就业创业", "Employment or business"),
        SocialInsurance = ("social_insurance", "社会保险待遇", "Social-insurance benefits"),
        MedicalCover = ("medical_cover", "医疗保障", "Medical cover"),
        SocialAssistance = ("social_assistance", "纳入社会救助", "Social assistance"),
        Other = ("other", "其他", "Other"),
    }
}

vocabulary! {
    /// Why a household leaves the file (退出档案).
    WithdrawalReason {
        Death = ("death", "死亡", "Death"),
        FailedRecheck = ("failed_recheck", "复核不符合条件", "Failed re-check"),
        MovedAway = ("moved_away", "迁出", "Moved away"),
        Other = ("other", "其他", "Other"),
    }
}

vocabulary! {
    /// Where an outcome stands.
    OutcomeStatus {
        Proposed = ("proposed", "待审批", "Proposed"),
        Approved = ("approved", "已批准", "Approved"),
        SentBack = ("sent_back", "已退回", "Sent back"),
        Reopened = ("reopened", "已重新打开", "Reopened"),
    }
}

vocabulary! {
    /// Kinds of measure in a household's plan: the union's own (五(一)4) and the "four batches"
    /// (四个一批, 五(二)).
    MeasureKind {
        LivingAid = ("living_aid", "生活救助", "Living aid"),
        MedicalAid = ("medical_aid", "医疗救助", "Medical aid"),
        SchoolingAid = ("schooling_aid", "助学救助（金秋助学）", "Schooling aid"),
        LegalAid = ("legal_aid", "法律援助", "Legal aid"),
        JobTraining = ("job_training", "就业培训", "Job training"),
        JobReferral = ("job_referral", "职业介绍", "Job referral"),
        Visit = ("visit", "送温暖", "Warmth visit"),
        EmploymentBusiness = ("employment_business", "就业创业一批", "Employment and business (batch)"),
        SocialInsurance = ("social_insurance", "社会保险一批", "Social insurance (batch)"),
        SeriousIllness = ("serious_illness", "大病保险和医疗互助一批", "Serious-illness insurance and mutual medical aid (batch)"),
        SafetyNet = ("safety_net", "社会救助兜底一批", "Social-assistance safety net (batch)"),
    }
}

impl MeasureKind {
    /// Whether this is one of the "four batches" rather than a union measure.
    pub fn is_batch(self) -> bool {
        matches!(
            self,
            MeasureKind::EmploymentBusiness
                | MeasureKind::SocialInsurance
                | MeasureKind::SeriousIllness
                | MeasureKind::SafetyNet
        )
    }

    /// The lead unit (牵头单位) and responsible units (责任单位) the plan names for this kind
    /// (POLICY §6); a union measure is led by the union itself. Pre-filled, editable.
    pub fn units(self) -> (&'static str, &'static str) {
        match self {
            MeasureKind::EmploymentBusiness => {
                ("市人力资源社会保障局", "市总工会、工业和信息化委、国资委、地税局、国税局、各县（市、区）人民政府")
            }
            MeasureKind::SocialInsurance => ("市人力资源社会保障局", "工业和信息化委、国资委、各县（市、区）人民政府"),
            MeasureKind::SeriousIllness => {
                ("市人力资源社会保障局", "市总工会、民政局、卫生计生委、各县（市、区）人民政府")
            }
            MeasureKind::SafetyNet => {
                ("市民政局", "市总工会、教育局、人力资源社会保障局、卫生计生委、各县（市、区）人民政府")
            }
            _ => ("市总工会", "县（市、区）总工会、基层工会、结对帮扶单位"),
        }
    }
}

vocabulary! {
    /// Where a measure stands.
    MeasureStatus {
        Planned = ("planned", "计划中", "Planned"),
        InProgress = ("in_progress", "实施中", "In progress"),
        Done = ("done", "已完成", "Done"),
        Cancelled = ("cancelled", "已取消", "Cancelled"),
    }
}

vocabulary! {
    /// The route out of hardship a plan aims at.
    PlanRoute {
        EmploymentBusiness = ("employment_business", "就业创业脱困", "Exit by employment or business"),
        SocialInsurance = ("social_insurance", "社会保险待遇脱困", "Exit by social-insurance benefits"),
        MedicalCover = ("medical_cover", "医疗保障脱困", "Exit by medical cover"),
        SocialAssistance = ("social_assistance", "纳入社会救助脱困", "Exit by social assistance"),
        Other = ("other", "其他途径脱困", "Exit by other means"),
        Relief = ("relief", "解困", "Relief"),
    }
}

vocabulary! {
    /// Where a visit stands.
    VisitStatus {
        Scheduled = ("scheduled", "待走访", "Scheduled"),
        Done = ("done", "已走访", "Done"),
        Cancelled = ("cancelled", "已取消", "Cancelled"),
    }
}

vocabulary! {
    /// What a person decided about a household flagged as returning to hardship (返困).
    ReturnDecision {
        BackInFile = ("back_in_file", "重新纳入困难档案", "Back in the file"),
        NoReturn = ("no_return", "不属返困（说明原因）", "Not a return (reason given)"),
    }
}

#[cfg(test)]
mod measure_tests {
    use super::*;

    #[test]
    fn every_batch_names_the_policy_lead_and_a_union_measure_is_led_by_the_union() {
        assert_eq!(MeasureKind::SafetyNet.units().0, "市民政局");
        assert_eq!(MeasureKind::EmploymentBusiness.units().0, "市人力资源社会保障局");
        assert!(MeasureKind::SeriousIllness.units().1.contains("卫生计生委"));
        assert_eq!(MeasureKind::LegalAid.units().0, "市总工会");
        assert_eq!(MeasureKind::ALL.iter().filter(|k| k.is_batch()).count(), 4);
    }
}

vocabulary! {
    /// What a department's roster lists (issue 7).
    RosterKind {
        Dibao = ("dibao", "低保名单", "Minimum living allowance (dibao) enrolments"),
        Tekun = ("tekun", "特困供养名单", "Extreme-poverty support enrolments"),
        Employment = ("employment", "就业登记名单", "Employment registrations"),
        Insurance = ("insurance", "社会保险参保名单", "Social insurance enrolments"),
        MedicalAid = ("medical_aid", "医疗救助名单", "Medical assistance"),
        Other = ("other", "其他名单", "Other roster"),
    }
}

impl RosterKind {
    /// Whether a match suggests an exit via social assistance (a new 低保 or 特困 enrolment):
    /// other rosters suggest a note on the household's plan.
    pub fn suggests_exit(self) -> bool {
        matches!(self, RosterKind::Dibao | RosterKind::Tekun)
    }
}

vocabulary! {
    /// A supervised task's state (督办事项).
    TaskStatus {
        Open = ("open", "未开始", "Not started"),
        InProgress = ("in_progress", "推进中", "In progress"),
        Done = ("done", "已办结", "Done"),
    }
}
