//! The catalogue's entries for codes stored as text (audit actions and records, results,
//! request fields) and the way money and times are written for people: `¥1,234.50`, and
//! `2026-12-05 00:44` in the deployment's zone (never a UTC ISO string).

use crate::i18n::Lang;

/// Yuan from fen as people write it: `¥1,234.50`, `-¥20.00`.
pub fn money(fen: i64) -> String {
    bangfu_domain::money::yuan(fen)
}

/// A stored time (UTC, RFC 3339) in the deployment's zone: `2026-12-05 00:44`.
pub fn time(stored: &str) -> String {
    bangfu_app::clock::local(stored)
}

/// The local date of a stored time: `2026-12-05`.
pub fn date(stored: &str) -> String {
    bangfu_app::clock::local_date(stored)
}

/// Today in the deployment's zone, `YYYY-MM-DD`.
pub fn today() -> String {
    bangfu_app::clock::today().to_string()
}

fn pick(lang: Lang, (zh, en): (&'static str, &'static str)) -> &'static str {
    if lang.zh() {
        zh
    } else {
        en
    }
}

/// Who did something, as people read it: the system's own names (`system`, `migration`,
/// `demo`) in words; a user's name as it is.
pub fn who(name: &str, lang: Lang) -> String {
    let pair = match name {
        "system" => ("系统", "System"),
        "migration" => ("系统初始化", "System set-up"),
        "demo" | "synthetic" => ("演示数据", "Demo data"),
        "synthetic-approver" => ("演示数据审批人", "Demo approver"),
        "unknown" => ("未知", "Unknown"),
        "local" => ("本机", "This machine"),
        _ => return name.to_string(),
    };
    pick(lang, pair).to_string()
}

/// A condition of the household list that came from a figure (dashboard, report), as words:
/// `结果：脱困`, `在档日期：2026-06-30`.
pub fn figure_filter(key: &str, value: &str, lang: Lang) -> String {
    use bangfu_domain::{ExitPathway, OutcomeKind, WithdrawalReason};
    let zh = lang.zh();
    let label = match key {
        "region_exact" => pick(lang, ("仅本级地区", "this region only")),
        "in_file_on" => pick(lang, ("在档日期", "in the file on")),
        "not_withdrawn_on" => pick(lang, ("未退出档案日期", "not withdrawn on")),
        "registered_until" => pick(lang, ("建档截至", "registered until")),
        "outcome" => pick(lang, ("结果", "outcome")),
        "why" => pick(lang, ("途径／原因", "pathway / reason")),
        "approved_from" => pick(lang, ("批准日期自", "approved from")),
        "approved_until" => pick(lang, ("批准日期至", "approved until")),
        "returned" => pick(lang, ("返困预警", "return to hardship")),
        "detected_from" => pick(lang, ("发现日期自", "found from")),
        "detected_until" => pick(lang, ("发现日期至", "found until")),
        "condition" => pick(lang, ("符合条件", "condition")),
        "run" => pick(lang, ("评估批次", "evaluation run")),
        _ => key,
    };
    let shown = match key {
        "region_exact" => pick(lang, if value == "1" { ("是", "yes") } else { ("否", "no") }).to_string(),
        "outcome" => OutcomeKind::from_code(value).map_or(value.to_string(), |k| k.label(zh).to_string()),
        "why" => ExitPathway::from_code(value)
            .map(|p| p.label(zh))
            .or_else(|| WithdrawalReason::from_code(value).map(|w| w.label(zh)))
            .map_or_else(
                || {
                    if value == "achieved" {
                        pick(lang, ("已实现", "achieved")).to_string()
                    } else {
                        value.to_string()
                    }
                },
                str::to_string,
            ),
        "returned" => match value {
            "open" => pick(lang, ("待处理", "open")).to_string(),
            "any" => pick(lang, ("全部", "any")).to_string(),
            other => {
                bangfu_domain::ReturnDecision::from_code(other).map_or(other.to_string(), |d| d.label(zh).to_string())
            }
        },
        _ => value.to_string(),
    };
    format!("{label}{}{shown}", if zh { "：" } else { ": " })
}

/// What a work list's item is about, in words: a measure's kind, an outcome's kind, a status,
/// else the text as recorded (a visit's purpose, a month).
pub fn work_what(code: &str, lang: Lang) -> String {
    vocabulary_label(code, lang.zh()).map_or_else(|| code.to_string(), str::to_string)
}

/// An audit action's label; an action without one is shown as its code.
pub fn audit_action(code: &str, lang: Lang) -> String {
    let pair = match code {
        "create" => ("新建", "Create"),
        "update" => ("修改", "Update"),
        "delete" => ("删除", "Delete"),
        "record" => ("录入", "Record"),
        "approve" => ("批准", "Approve"),
        "reject" => ("驳回", "Reject"),
        "send_back" => ("退回", "Send back"),
        "reverse" => ("冲销", "Reverse"),
        "decide" => ("处理", "Decide"),
        "propose" => ("提出", "Propose"),
        "reopen" => ("重新打开", "Reopen"),
        "pair" => ("结对", "Pair"),
        "end" => ("结束", "End"),
        "answer" => ("答复", "Answer"),
        "upload" => ("上传", "Upload"),
        "import" => ("导入", "Import"),
        "export" => ("导出", "Export"),
        "reveal" => ("查看完整信息", "Reveal"),
        "rotate" => ("轮换", "Rotate"),
        "sign_in" => ("登录", "Sign in"),
        "sign_out" => ("退出登录", "Sign out"),
        "authenticate" => ("令牌认证", "Token sign-in"),
        "denied" => ("拒绝访问", "Denied"),
        "explain" => ("说明", "Explain"),
        "evaluate" => ("评估", "Evaluate"),
        "request" => ("发起", "Request"),
        "revoke" => ("吊销", "Revoke"),
        "set_password" => ("设置密码", "Set password"),
        "change_password" => ("修改密码", "Change password"),
        "accept" => ("接受", "Accept"),
        "api_call" => ("接口调用", "API call"),
        "enable" => ("开启", "Turn on"),
        "reset" => ("重置", "Reset"),
        "save" => ("保存", "Save"),
        _ => return code.to_string(),
    };
    pick(lang, pair).to_string()
}

/// An audit record kind's label.
pub fn audit_entity(code: &str, lang: Lang) -> String {
    let pair = match code {
        "household" => ("家庭档案", "Household"),
        "member" => ("家庭成员", "Member"),
        "monthly_record" | "month" => ("月度收支", "Monthly record"),
        "enrolment" => ("社会救助", "Enrolment"),
        "major_event" => ("重大事件", "Major event"),
        "policy" => ("帮扶标准与参数", "Framework and parameters"),
        "campaign" => ("工作方案", "Campaign"),
        "campaign_targets" => ("工作方案年度目标", "Campaign targets"),
        "region" => ("地区", "Region"),
        "union_assistance" => ("工会帮扶记录", "Union assistance"),
        "outcome" => ("脱困解困结果", "Outcome"),
        "pairing" => ("一帮一结对", "Pairing"),
        "plan" => ("帮扶计划", "Plan"),
        "measure" => ("帮扶措施", "Measure"),
        "visit" => ("走访", "Visit"),
        "hardship_return" | "return_flag" => ("返困预警", "Return to hardship"),
        "fund" => ("帮扶资金", "Fund"),
        "fund_entry" => ("资金收支", "Ledger entry"),
        "fund_standard" => ("发放标准", "Payment standard"),
        "finding" => ("监管发现", "Finding"),
        "roster" => ("部门名单", "Roster"),
        "roster_row" => ("名单行", "Roster row"),
        "verification" => ("核对请求", "Verification request"),
        "meeting" => ("联席会议", "Meeting"),
        "supervised_task" => ("督办事项", "Supervised task"),
        "joint_member" => ("联席会议成员单位", "Joint-meeting member unit"),
        "organisation" => ("单位", "Organisation"),
        "standard" => ("低保与低收入标准", "Standard"),
        "user" => ("用户", "User"),
        "api_token" => ("API 令牌", "API token"),
        "keys" => ("个人信息加密密钥", "Data encryption keys"),
        "second_factor" => ("双因素认证", "Two-factor sign-in"),
        "session" => ("登录会话", "Session"),
        "request" => ("请求", "Request"),
        "audit_log" => ("审计日志", "Audit trail"),
        "recheck" => ("复核名单", "Re-check list"),
        "evaluation_run" => ("批量评估", "Batch evaluation"),
        "my_work" => ("我的工作", "My work"),
        _ => return code.to_string(),
    };
    pick(lang, pair).to_string()
}

/// An audit result's label.
pub fn audit_result(code: &str, lang: Lang) -> String {
    let pair = match code {
        "ok" => ("成功", "OK"),
        "failure" => ("失败", "Failed"),
        "denied" => ("拒绝", "Denied"),
        "out_of_scope" => ("超出权限范围", "Out of scope"),
        "locked" => ("已锁定", "Locked"),
        "csrf" => ("拒绝：表单令牌不符", "Refused: form token mismatch"),
        "read_only_role" => ("拒绝：只读角色", "Refused: read-only role"),
        "service_account" => ("拒绝：部门系统接口账号不可调用", "Refused: not for a department system"),
        _ => return code.to_string(),
    };
    pick(lang, pair).to_string()
}

/// The label of a request field named in an error (`members[0].income` → 家庭收入), for
/// messages shown as one line rather than beside their field.
pub fn field(path: &str, lang: Lang) -> Option<&'static str> {
    let t = lang.tr();
    let last = path.rsplit('.').next().unwrap_or(path);
    let last = last.split('[').next().unwrap_or(last);
    Some(match last {
        "file_no" => t.file_no,
        "head_name" => t.head_name,
        "head_id_number" => t.head_id_number,
        "id_number" => t.id_number,
        "name" => t.name,
        "region" | "region_code" => t.region,
        "registered_on" => t.registered_on,
        "phone" => t.phone,
        "address" => t.address,
        "causes" => t.causes,
        "work_capacity" => t.work_capacity,
        "month" | "as_of" => t.month,
        "members" => t.people,
        "income" => t.income,
        "government_assistance" => t.gov_assistance,
        "birth_date" => t.birth_date,
        "relation" => t.relation,
        "situation" => t.situation,
        "from" => t.from,
        "to" => t.to,
        "amount" => t.amount,
        "percent" => t.percent,
        "status" => t.status,
        "pool" => t.pool,
        "union_id" => t.union,
        "employer_id" => t.employer,
        "date" => t.date,
        "kind" => t.kind,
        "measure" => t.measure,
        "framework" => t.framework,
        "window_months" => t.window_months,
        "relative_percent" => t.relative_percent,
        "accident_percent" => t.accident_percent,
        "min_labour_months" => t.min_labour_months,
        "multiplier" => t.multiplier,
        "stock_cutoff" => t.stock_cutoff,
        "exclusions" => t.exclusions,
        "labour_relation_months" => t.labour_relation_months,
        _ => return None,
    })
}

/// The label of a key of an audit entry's details.
fn detail_key(key: &str, lang: Lang) -> String {
    if let Some(l) = field(key, lang) {
        return l.to_string();
    }
    let pair = match key {
        "rows" => ("行数", "rows"),
        "target_kind" => ("目标方式", "targets as"),
        "withdrawn_leave_denominator" => ("退出户不计入存量", "withdrawn leave the stock"),
        "years" => ("年度与比例（万分比）", "years and shares (basis points)"),
        "regions" => ("覆盖地区", "regions"),
        "created" => ("新建", "created"),
        "existing" => ("已存在", "already there"),
        "title" => ("标题", "title"),
        "note" => ("备注", "note"),
        "reason" => ("理由", "reason"),
        "decision" => ("决定", "decision"),
        "household_id" => ("家庭编号", "household"),
        "enrolment_id" => ("救助记录编号", "enrolment"),
        "due_on" => ("期限", "due"),
        "purpose" => ("用途", "purpose"),
        "year" => ("年度", "year"),
        "visitor" => ("走访人", "visitor"),
        "visited_on" => ("走访日期", "visited on"),
        "user_id" | "user" => ("用户", "user"),
        "started_on" => ("开始日期", "started on"),
        "ended_on" => ("结束日期", "ended on"),
        "row" => ("行", "row"),
        "route" => ("脱困路径", "route"),
        "roster" => ("名单", "roster"),
        "returns_flagged" => ("返困预警", "returns flagged"),
        "reopened_outcome" => ("重新打开的结果", "reopened outcome"),
        "progress" => ("进展", "progress"),
        "policy_version" => ("政策版本", "policy version"),
        "plan_id" => ("计划编号", "plan"),
        "person" => ("责任人", "person"),
        "period" => ("期间", "period"),
        "pathway" => ("途径", "pathway"),
        "path" => ("网址", "path"),
        "parent_id" => ("上级单位", "parent"),
        "outcome" => ("结果", "outcome"),
        "method" => ("方法", "method"),
        "max_amount" => ("单笔上限", "largest payment"),
        "households" => ("户数", "households"),
        "helper_org_id" => ("帮扶单位", "helper unit"),
        "goals" => ("目标", "goals"),
        "follow_up" => ("跟进走访", "follow-up"),
        "findings" => ("走访情况", "findings"),
        "file" => ("文件", "file"),
        "departments" | "department" => ("部门", "department"),
        "change" => ("变更", "change"),
        "attachment" => ("附件", "attachment"),
        "approval_date" => ("批准日期", "approval date"),
        "accept" => ("接受", "accept"),
        "locked" => ("锁定", "locked"),
        "display_name" => ("姓名", "name"),
        "org_id" => ("单位", "organisation"),
        "role" => ("角色", "role"),
        "disabled" => ("停用", "disabled"),
        "region_code" => ("地区", "region"),
        "old" => ("原值", "before"),
        "new" => ("新值", "after"),
        "id" => ("编号", "id"),
        "fund_id" => ("资金", "fund"),
        "measure_id" => ("帮扶措施", "measure"),
        "payee_union_id" => ("收款工会", "payee union"),
        "payer_union_id" => ("付款工会", "paying union"),
        "reverses_id" => ("冲销", "reverses"),
        "day" => ("日期", "day"),
        "voucher" => ("凭证号", "voucher"),
        "label" => ("用途说明", "label"),
        "permission" => ("所需权限", "permission"),
        "scheme" => ("救助项目", "scheme"),
        "recorded_by" | "created_by" => ("记录人", "recorded by"),
        "created_at" => ("记录时间", "recorded at"),
        "params" => ("参数", "parameters"),
        "version" => ("版本", "version"),
        "root" => ("部署地区", "root region"),
        "regions_in_use" => ("启用地区数", "regions in use"),
        "policy_versions" => ("适用政策版本", "policy versions"),
        _ => return key.to_string(),
    };
    pick(lang, pair).to_string()
}

fn detail_value(v: &serde_json::Value, lang: Lang) -> String {
    match v {
        serde_json::Value::String(s) => vocabulary_label(s, lang.zh()).map_or_else(|| s.clone(), str::to_string),
        serde_json::Value::Null => String::new(),
        serde_json::Value::Bool(b) => pick(lang, if *b { ("是", "yes") } else { ("否", "no") }).to_string(),
        serde_json::Value::Object(m) => m
            .iter()
            .map(|(k, v)| format!("{} {}", detail_key(k, lang), detail_value(v, lang)))
            .collect::<Vec<_>>()
            .join("，"),
        serde_json::Value::Array(a) => a.iter().map(|v| detail_value(v, lang)).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

/// The label of a value that is a code of one of the vocabularies (a role, a kind of outcome, a
/// scheme…), for details recorded as codes.
fn vocabulary_label(code: &str, zh: bool) -> Option<&'static str> {
    use bangfu_domain::funds::{EntryKind, EntryStatus, FundSource};
    use bangfu_domain::*;
    Role::from_code(code)
        .map(|v| v.label(zh))
        .or_else(|| OutcomeKind::from_code(code).map(|v| v.label(zh)))
        .or_else(|| ExitPathway::from_code(code).map(|v| v.label(zh)))
        .or_else(|| WithdrawalReason::from_code(code).map(|v| v.label(zh)))
        .or_else(|| EntryKind::from_code(code).map(|v| v.label(zh)))
        .or_else(|| EntryStatus::from_code(code).map(|v| v.label(zh)))
        .or_else(|| FundSource::from_code(code).map(|v| v.label(zh)))
        .or_else(|| RosterKind::from_code(code).map(|v| v.label(zh)))
        .or_else(|| Scheme::from_code(code).map(|v| v.label(zh)))
        .or_else(|| MajorEvent::from_code(code).map(|v| v.label(zh)))
        .or_else(|| Exclusion::from_code(code).map(|v| v.label(zh)))
        .or_else(|| Framework::from_code(code).map(|v| v.label(zh)))
        .or_else(|| TargetKind::from_code(code).map(|v| v.label(zh)))
        .or_else(|| OrgKind::from_code(code).map(|v| v.label(zh)))
        .or_else(|| MeasureKind::from_code(code).map(|v| v.label(zh)))
        .or_else(|| MeasureStatus::from_code(code).map(|v| v.label(zh)))
        .or_else(|| PlanRoute::from_code(code).map(|v| v.label(zh)))
        .or_else(|| VisitStatus::from_code(code).map(|v| v.label(zh)))
        .or_else(|| ReturnDecision::from_code(code).map(|v| v.label(zh)))
        .or_else(|| HouseholdStatus::from_code(code).map(|v| v.label(zh)))
        .or_else(|| Cause::from_code(code).map(|v| v.label(zh)))
        .or_else(|| Relation::from_code(code).map(|v| v.label(zh)))
        .or_else(|| Situation::from_code(code).map(|v| v.label(zh)))
        .or_else(|| WorkCapacity::from_code(code).map(|v| v.label(zh)))
        .or_else(|| AssistanceKind::from_code(code).map(|v| v.label(zh)))
        .or_else(|| UnionMeasure::from_code(code).map(|v| v.label(zh)))
        .or_else(|| TaskStatus::from_code(code).map(|v| v.label(zh)))
        .or_else(|| permission(code).map(|(z, e)| if zh { z } else { e }))
}

/// A permission's label (the audit trail records refusals by the permission asked for).
fn permission(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        "read_households" => ("查阅档案", "read files"),
        "write_households" => ("修改档案", "change files"),
        "delete_households" => ("删除档案", "delete files"),
        "reveal_personal" => ("查看完整身份信息", "reveal personal data"),
        "export" => ("导出", "export"),
        "write_reference" => ("维护单位和标准", "change organisations and standards"),
        "manage_users" => ("管理用户", "manage users"),
        "read_audit" => ("查阅审计日志", "read the audit trail"),
        "approve_outcomes" => ("审批结果", "approve outcomes"),
        "upload_rosters" => ("上传部门名单", "upload rosters"),
        "answer_verifications" => ("答复核对请求", "answer verifications"),
        "read_joint_meeting" => ("查阅联席会议", "read the joint meeting"),
        "manage_joint_meeting" => ("管理联席会议", "run the joint meeting"),
        "read_funds" => ("查阅资金", "read funds"),
        "record_funds" => ("录入资金收支", "record funds"),
        "approve_funds" => ("审批资金收支", "approve funds"),
        "manage_funds" => ("管理资金", "manage funds"),
        "explain_findings" => ("说明监管发现", "explain findings"),
        _ => return None,
    })
}

/// An audit entry's details (JSON) as people read them: `字段：值；…`, a change as the fields that
/// differ, `字段：旧值 → 新值`.
pub fn audit_detail(json: &str, lang: Lang) -> String {
    if json == bangfu_app::audit::WITHHELD {
        let pair = (
            "档案内容不向审计管理员显示（三员分立）",
            "a household file's contents: not shown to the audit administrator",
        );
        return pick(lang, pair).to_string();
    }
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(json) else {
        return json.to_string();
    };
    let sep = if lang.zh() { "：" } else { ": " };
    if let (Some(serde_json::Value::Object(old)), Some(serde_json::Value::Object(new))) = (m.get("old"), m.get("new")) {
        return new
            .iter()
            .filter(|(k, v)| old.get(*k) != Some(*v))
            .map(|(k, v)| {
                format!(
                    "{}{sep}{} → {}",
                    detail_key(k, lang),
                    old.get(k).map(|o| detail_value(o, lang)).unwrap_or_default(),
                    detail_value(v, lang)
                )
            })
            .collect::<Vec<_>>()
            .join("；");
    }
    m.iter()
        .map(|(k, v)| match (k.as_str(), v.as_str()) {
            ("method", Some(method)) => format!("{}{sep}{}", detail_key(k, lang), http_method(method, lang)),
            _ => format!("{}{sep}{}", detail_key(k, lang), detail_value(v, lang)),
        })
        .collect::<Vec<_>>()
        .join("；")
}

/// An HTTP method as what it asked to do (读取, 提交…), in a request's audit entry.
fn http_method(method: &str, lang: Lang) -> String {
    let pair = match method {
        "GET" | "HEAD" => ("读取", "read"),
        "POST" => ("提交", "submit"),
        "PUT" | "PATCH" => ("修改", "change"),
        "DELETE" => ("删除", "delete"),
        _ => return method.to_string(),
    };
    pick(lang, pair).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_written_with_separators_and_two_decimals() {
        assert_eq!(money(123_450), "¥1,234.50");
        assert_eq!(money(0), "¥0.00");
        assert_eq!(money(5), "¥0.05");
        assert_eq!(money(-2_000), "-¥20.00");
        assert_eq!(money(62_801_200), "¥628,012.00");
        assert_eq!(money(100_000_000_000), "¥1,000,000,000.00");
    }
}
