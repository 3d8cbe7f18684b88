//! Page language: Simplified Chinese by default, English on request (`?lang=en`, kept in a cookie).

use axum::http::HeaderMap;

/// The language of a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// From `?lang=` if given, else the `lang` cookie, else Chinese.
    pub fn pick(query: Option<&str>, headers: &HeaderMap) -> Lang {
        let from = |s: &str| if s == "en" { Lang::En } else { Lang::Zh };
        if let Some(q) = query {
            return from(q);
        }
        headers
            .get_all(axum::http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().strip_prefix("lang="))
            .map(from)
            .next()
            .unwrap_or(Lang::Zh)
    }

    /// True for Chinese (the vocabularies' `label(zh)` argument).
    pub fn zh(self) -> bool {
        self == Lang::Zh
    }

    /// The page texts.
    pub fn tr(self) -> &'static Tr {
        match self {
            Lang::Zh => &ZH,
            Lang::En => &EN,
        }
    }

    /// Every field error as one line: `field: message; field: message`.
    pub fn messages(self, errors: &[bangfu_domain::FieldError]) -> String {
        errors
            .iter()
            .map(|f| format!("{}: {}", f.field, self.message(f.code, &f.message)))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The message for a write that lost to another (412).
    pub fn stale(self) -> String {
        self.message("stale", "the record was changed by someone else; reload and try again")
    }

    /// Translates a validation message by its code; English pages keep the English message.
    pub fn message(self, code: &str, english: &str) -> String {
        if self == Lang::En {
            return english.to_string();
        }
        let zh = match code {
            "required" => "必填",
            "too_long" => "内容过长",
            "control_character" => "含有不允许的控制字符",
            "invalid_id_number" => "应为18位居民身份证号码：17位数字加1位数字或X",
            "invalid_birth_date" => "身份证号码中的出生日期不存在",
            "invalid_check_digit" => "身份证号码校验位错误",
            "invalid_date" => "应为真实日期，格式 YYYY-MM-DD",
            "invalid_month" => "应为月份，格式 YYYY-MM",
            "in_future" => "不能晚于今天",
            "invalid_region_code" => "应为6位行政区划代码",
            "unknown_region" => "没有这个行政区划",
            "not_county" => "应选择县（市、区），不能是市本级",
            "unknown_code" => "不是可选的值",
            "unknown_organisation" => "没有这个单位",
            "wrong_kind" => "单位类型不符",
            "invalid_phone" => "电话只能包含数字、空格、+ 和 -",
            "invalid_file_no" => "档案编号只能包含字母、数字和 -",
            "not_a_number" => "应为金额（元），如 1234.50",
            "negative" => "不能为负数",
            "fraction_of_fen" => "最多两位小数（精确到分）",
            "too_large" => "数值过大",
            "too_small" => "数值过小",
            "exceeds_income" => "政府救助不能超过收入（收入含政府救助）",
            "disagrees_with_id" => "与身份证号码中的出生日期不一致",
            "file_no_taken" => "档案编号已被使用",
            "duplicate_standard" => "该地区该月起的标准已存在",
            "stale" => "记录已被他人修改，请刷新后重试",
            _ if code == "id_number_on_file" => {
                // Keep the other household's file number from the English message.
                let file_no =
                    english.split_whitespace().find(|w| w.chars().filter(|c| *c == '-').count() == 2).unwrap_or("");
                return format!("该身份证号码已属于仍在档的家庭 {file_no}");
            }
            _ => return english.to_string(),
        };
        zh.to_string()
    }
}

/// Every fixed text of the pages.
pub struct Tr {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub other_lang_name: &'static str,
    pub title: &'static str,
    pub households: &'static str,
    pub standards: &'static str,
    pub synthetic_banner: &'static str,
    pub synthetic: &'static str,
    pub new_household: &'static str,
    pub region: &'static str,
    pub all: &'static str,
    pub pool: &'static str,
    pub status: &'static str,
    pub cause: &'static str,
    pub causes: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub filter: &'static str,
    pub file_no: &'static str,
    pub head_name: &'static str,
    pub head_id_number: &'static str,
    pub phone: &'static str,
    pub address: &'static str,
    pub union: &'static str,
    pub employer: &'static str,
    pub none: &'static str,
    pub registered_on: &'static str,
    pub migrant_worker: &'static str,
    pub work_capacity: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub total: &'static str,
    pub households_unit: &'static str,
    pub prev: &'static str,
    pub next: &'static str,
    pub page: &'static str,
    pub no_results: &'static str,
    pub members: &'static str,
    pub name: &'static str,
    pub id_number: &'static str,
    pub relation: &'static str,
    pub birth_date: &'static str,
    pub situation: &'static str,
    pub finances: &'static str,
    pub month: &'static str,
    pub people: &'static str,
    pub income: &'static str,
    pub gov_assistance: &'static str,
    pub non_living: &'static str,
    pub per_capita_own: &'static str,
    pub dibao: &'static str,
    pub low_income: &'static str,
    pub below_dibao: &'static str,
    pub no_record: &'static str,
    pub undefined: &'static str,
    pub enrolments: &'static str,
    pub scheme: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub ongoing: &'static str,
    pub union_assistance: &'static str,
    pub date: &'static str,
    pub kind: &'static str,
    pub amount: &'static str,
    pub measure: &'static str,
    pub edit: &'static str,
    pub save: &'static str,
    pub create: &'static str,
    pub cancel: &'static str,
    pub file_no_hint: &'static str,
    pub form_has_errors: &'static str,
    pub add_standard: &'static str,
    pub yuan_per_person: &'static str,
    pub not_found: &'static str,
    pub back_to_list: &'static str,
    pub request_error: &'static str,
    pub server_error: &'static str,
    pub saved: &'static str,
    pub export_xlsx: &'static str,
    pub no_standards: &'static str,
}

/// 简体中文.
pub static ZH: Tr = Tr {
    lang: "zh-CN",
    other_lang: "en",
    other_lang_name: "English",
    title: "帮扶 · 困难职工解困脱困管理",
    households: "困难职工家庭",
    standards: "低保与低收入标准",
    synthetic_banner: "演示数据：本系统中标注“示例”的家庭均为合成数据，并非真实家庭。",
    synthetic: "示例",
    new_household: "新建档案",
    region: "地区",
    all: "全部",
    pool: "库别",
    status: "状态",
    cause: "致困原因",
    causes: "致困原因",
    search: "搜索",
    search_hint: "档案编号、身份证号码或户主姓名开头",
    filter: "筛选",
    file_no: "档案编号",
    head_name: "户主姓名",
    head_id_number: "户主身份证号码",
    phone: "联系电话",
    address: "家庭住址",
    union: "建档工会",
    employer: "工作单位",
    none: "无",
    registered_on: "建档日期",
    migrant_worker: "农民工家庭",
    work_capacity: "劳动能力",
    yes: "是",
    no: "否",
    total: "共",
    households_unit: "户",
    prev: "上一页",
    next: "下一页",
    page: "第 {} 页",
    no_results: "没有符合条件的家庭。",
    members: "家庭成员",
    name: "姓名",
    id_number: "身份证号码",
    relation: "与户主关系",
    birth_date: "出生日期",
    situation: "状况",
    finances: "近24个月收支（元）与当月标准",
    month: "月份",
    people: "人数",
    income: "家庭收入",
    gov_assistance: "其中政府救助",
    non_living: "非生活性支出",
    per_capita_own: "人均自有收入",
    dibao: "低保标准",
    low_income: "低收入标准",
    below_dibao: "低于低保",
    no_record: "无记录",
    undefined: "未定义",
    enrolments: "社会救助",
    scheme: "救助项目",
    from: "起始月",
    to: "终止月",
    ongoing: "至今",
    union_assistance: "工会帮扶记录",
    date: "日期",
    kind: "形式",
    amount: "金额（元）",
    measure: "帮扶措施",
    edit: "编辑",
    save: "保存",
    create: "建档",
    cancel: "取消",
    file_no_hint: "留空则自动编号",
    form_has_errors: "表单有错误，请按提示修改。",
    add_standard: "新增标准",
    yuan_per_person: "元/人·月",
    not_found: "没有找到该记录。",
    back_to_list: "返回列表",
    request_error: "请求有误",
    server_error: "系统内部错误，已记录",
    saved: "已保存。",
    export_xlsx: "导出 Excel",
    no_standards: "尚未设定标准。",
};

/// English.
pub static EN: Tr = Tr {
    lang: "en",
    other_lang: "zh",
    other_lang_name: "中文",
    title: "Bangfu · Needy worker households",
    households: "Households",
    standards: "Living standards",
    synthetic_banner: "Demo data: households marked “synthetic” are invented, not real families.",
    synthetic: "synthetic",
    new_household: "New file",
    region: "Region",
    all: "All",
    pool: "Pool",
    status: "Status",
    cause: "Cause",
    causes: "Hardship causes",
    search: "Search",
    search_hint: "file number, resident ID or start of the head's name",
    filter: "Filter",
    file_no: "File number",
    head_name: "Head of household",
    head_id_number: "Head's resident ID",
    phone: "Phone",
    address: "Address",
    union: "Union",
    employer: "Employer",
    none: "None",
    registered_on: "Registered on",
    migrant_worker: "Migrant-worker family",
    work_capacity: "Work capacity",
    yes: "Yes",
    no: "No",
    total: "Total",
    households_unit: "households",
    prev: "Previous",
    next: "Next",
    page: "Page {}",
    no_results: "No household matches.",
    members: "Members",
    name: "Name",
    id_number: "Resident ID",
    relation: "Relation",
    birth_date: "Birth date",
    situation: "Situation",
    finances: "Last 24 months (yuan) with the standard in force",
    month: "Month",
    people: "People",
    income: "Income",
    gov_assistance: "of which government aid",
    non_living: "Non-living expenditure",
    per_capita_own: "Own income per person",
    dibao: "Dibao standard",
    low_income: "Low-income standard",
    below_dibao: "Below dibao",
    no_record: "no record",
    undefined: "undefined",
    enrolments: "Social assistance",
    scheme: "Scheme",
    from: "From",
    to: "To",
    ongoing: "ongoing",
    union_assistance: "Union assistance",
    date: "Date",
    kind: "Kind",
    amount: "Amount (yuan)",
    measure: "Measure",
    edit: "Edit",
    save: "Save",
    create: "Create file",
    cancel: "Cancel",
    file_no_hint: "leave empty to number automatically",
    form_has_errors: "The form has errors; see the messages below.",
    add_standard: "Add a standard",
    yuan_per_person: "yuan / person / month",
    not_found: "No such record.",
    back_to_list: "Back to the list",
    request_error: "Bad request",
    server_error: "Internal error; it has been logged",
    saved: "Saved.",
    export_xlsx: "Export to Excel",
    no_standards: "No standard set yet.",
};
