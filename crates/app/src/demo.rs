//! Synthetic demo data for the counties of a city — the seven Wuzhou districts and counties
//! (POLICY §8) unless another region is asked for (`bangfu demo --region 450100`).
//!
//! Everything written here is invented: households carry the `synthetic` flag and pages label
//! them so. The same seed gives the same data (ChaCha8, a stable generator).

use crate::{App, AppError};
use bangfu_domain::*;
use bangfu_store::*;
use chrono::{Datelike, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// Wuzhou's seven districts and counties, with the urban three first: their shares of the
/// demo's households are Wuzhou's own (another city's are drawn by kind: districts three
/// parts, counties two).
const WUZHOU: [(&str, &str); 7] = [
    ("450403", "万秀区"),
    ("450405", "长洲区"),
    ("450406", "龙圩区"),
    ("450421", "苍梧县"),
    ("450422", "藤县"),
    ("450423", "蒙山县"),
    ("450481", "岑溪市"),
];

const SURNAMES: &str =
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢覃韦莫蒙廖";
const GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉凤春梅海波辉琳燕萍鹏飞斌庆文";
const STREETS: [&str; 10] =
    ["新兴路", "大南路", "西江路", "民主路", "建设路", "工业园路", "河东街", "中山路", "朝阳路", "东风街"];

/// Households a transaction: small enough to keep memory flat, large enough to amortise the commit.
const BATCH: u64 = 2_000;

/// The month the demo's monthly records run up to.
pub fn demo_last_month() -> YearMonth {
    YearMonth::new(2026, 10).unwrap_or_else(|| YearMonth::of_date(NaiveDate::MIN))
}

/// Dibao history (yuan per person per month) of an urban district; counties are 8% lower.
const DIBAO_HISTORY: [(i32, u32, i64); 12] = [
    (2015, 1, 520),
    (2015, 7, 540),
    (2016, 7, 570),
    (2017, 7, 600),
    (2018, 4, 660),
    (2019, 7, 700),
    (2020, 7, 760),
    (2021, 7, 800),
    (2022, 7, 830),
    (2023, 7, 860),
    (2024, 7, 900),
    (2025, 7, 930),
];

/// The demo's dibao in `m` for a district (`urban`) or a county of a city whose standards are
/// `percent` of Wuzhou's.
fn dibao_fen(urban: bool, percent: i64, m: YearMonth) -> i64 {
    let yuan = DIBAO_HISTORY
        .iter()
        .rev()
        .find(|(y, mo, _)| YearMonth::new(*y, *mo).is_some_and(|f| f <= m))
        .map_or(DIBAO_HISTORY[0].2, |r| r.2);
    let yuan = if urban { yuan } else { yuan * 92 / 100 };
    yuan * percent
}

/// The city the demo fills: its code and name, its county-level regions (code, name, urban
/// district), and its standards as a percentage of Wuzhou's.
#[derive(Debug, Clone)]
pub struct DemoCity {
    code: String,
    name: String,
    counties: Vec<(String, String, bool)>,
    percent: i64,
}

impl DemoCity {
    /// Wuzhou (POLICY §8).
    fn wuzhou() -> Self {
        DemoCity {
            code: "450400".into(),
            name: "梧州市".into(),
            counties: WUZHOU.iter().enumerate().map(|(i, (c, n))| (c.to_string(), n.to_string(), i < 3)).collect(),
            percent: 100,
        }
    }

    /// The city's name without its suffix, for invented company names ("梧州", "南宁").
    fn short(&self) -> &str {
        self.name.trim_end_matches('市')
    }

    fn is_wuzhou(&self) -> bool {
        self.code == "450400"
    }

    /// A county, drawn by share of households.
    fn draw(&self, rng: &mut ChaCha8Rng) -> usize {
        if self.is_wuzhou() {
            // Urban districts hold more households than the counties.
            return match rng.random_range(0..100) {
                0..=21 => 0,
                22..=37 => 1,
                38..=45 => 2,
                46..=59 => 3,
                60..=77 => 4,
                78..=85 => 5,
                _ => 6,
            };
        }
        let weight = |urban: bool| if urban { 3 } else { 2 };
        let total: u32 = self.counties.iter().map(|c| weight(c.2)).sum();
        let mut x = rng.random_range(0..total.max(1));
        for (i, c) in self.counties.iter().enumerate() {
            if x < weight(c.2) {
                return i;
            }
            x -= weight(c.2);
        }
        0
    }
}

fn pick(rng: &mut ChaCha8Rng, s: &str) -> char {
    let n = s.chars().count();
    s.chars().nth(rng.random_range(0..n)).unwrap_or('王')
}

fn name(rng: &mut ChaCha8Rng, surname: char) -> String {
    let mut n = String::from(surname);
    n.push(pick(rng, GIVEN));
    if rng.random_bool(0.7) {
        n.push(pick(rng, GIVEN));
    }
    n
}

/// A resident ID not used before in this run.
fn id_number(rng: &mut ChaCha8Rng, county: &str, birth: NaiveDate, female: bool, used: &mut HashSet<u64>) -> String {
    loop {
        let mut seq: u32 = rng.random_range(0..500) * 2;
        if !female {
            seq += 1;
        }
        let first = format!("{county}{}{seq:03}", birth.format("%Y%m%d"));
        let key: u64 = first.parse().unwrap_or(0);
        if used.insert(key) {
            return format!("{first}{}", IdNumber::check_char(first.as_bytes()) as char);
        }
    }
}

fn date_between(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let days = (to - from).num_days().max(1);
    from + chrono::Duration::days(rng.random_range(0..days))
}

/// Organisations the demo needs: the city union, a union in each county with five grassroots
/// unions under it, ten employers per county and the joint meeting's departments.
pub struct DemoOrgs {
    city: DemoCity,
    grassroots: Vec<Vec<i64>>,
    employers: Vec<Vec<i64>>,
}

impl App {
    /// Writes `households` synthetic households with `seed`, calling `progress` with the
    /// number written so far. Refuses a database that already holds households.
    /// `region`: the city (or county) whose counties get the households; None: Wuzhou. A region
    /// not yet in use is set up first (`bangfu setup --region`).
    pub async fn demo(
        &self,
        region: Option<&str>,
        households: u64,
        seed: u64,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(), AppError> {
        let existing = self.store.count_households().await?;
        if existing > 0 {
            return Err(AppError::invalid(
                FieldError::new("households", Code::DatabaseNotEmpty).with("count", existing),
            ));
        }
        let city = self.demo_city(region.unwrap_or("450400")).await?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        self.demo_standards(&city).await?;
        let orgs = self.demo_orgs(&mut rng, city).await?;
        let mut next_id = self.store.max_household_id().await? + 1;
        let started = std::time::Instant::now();
        // The households are drawn on a thread of their own while the batch before is written
        // (two cores: one draws, SQLite's worker writes), in the same order: the seed makes the
        // same data as when the two took turns.
        let (send, mut batches) = tokio::sync::mpsc::channel::<DemoBatch>(1);
        let drawing = tokio::task::spawn_blocking(move || {
            let mut used = HashSet::new();
            let mut file_seq = vec![std::collections::HashMap::<i32, u32>::new(); orgs.city.counties.len()];
            // Case work draws from its own generator, so the households stay what the seed made them.
            let mut work_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6361_7365);
            let mut made = 0;
            while made < households {
                let n = BATCH.min(households - made);
                let mut b = DemoBatch { n, ..Default::default() };
                for _ in 0..n {
                    let id = next_id;
                    next_id += 1;
                    demo_household(&mut rng, id, &orgs, &mut used, &mut file_seq, &mut b);
                }
                b.work = b.hs.iter().map(|(id, h)| demo_casework(&mut work_rng, *id, h, &orgs)).collect();
                for (w, (_, h)) in b.work.iter().zip(b.hs.iter_mut()) {
                    if let Some((kind, _, _)) = &w.outcome {
                        h.status = match kind.as_str() {
                            "exit" => HouseholdStatus::Exited,
                            "relief" => HouseholdStatus::Relieved,
                            _ => HouseholdStatus::Withdrawn,
                        };
                    }
                }
                made += n;
                if send.blocking_send(b).is_err() {
                    break; // the writer stopped on an error of its own, returned below
                }
            }
        });
        let mut written = 0;
        // On a SQLite file the batches go through a connection of the load's own, on a
        // blocking thread; elsewhere through the pool.
        let mut lite = self.store.lite_load()?;
        while let Some(b) = batches.recv().await {
            if let Some(mut load) = lite.take() {
                let handle = tokio::runtime::Handle::current();
                let (load, b, done) = tokio::task::spawn_blocking(move || {
                    let done = load
                        .begin()
                        .and_then(|()| handle.block_on(write_batch(&mut load, &b)))
                        .and_then(|()| load.commit());
                    if done.is_err() {
                        load.rollback();
                    }
                    (load, b, done)
                })
                .await
                .map_err(|e| AppError::Internal(format!("demo batch: {e}")))?;
                done?;
                lite = Some(load);
                written += b.n;
            } else {
                let mut tx = self.store.begin().await?;
                write_batch(&mut tx, &b).await?;
                tx.commit().await?;
                written += b.n;
            }
            progress(written);
        }
        drawing.await.map_err(|e| AppError::Internal(format!("demo households: {e}")))?;
        let writing_ms = started.elapsed().as_millis();
        self.store.rebuild_tallies().await?;
        let counting_ms = started.elapsed().as_millis() - writing_ms;
        self.store.refresh_statistics().await?;
        let statistics_ms = started.elapsed().as_millis() - writing_ms - counting_ms;
        tracing::info!(households, writing_ms, counting_ms, statistics_ms, "demo households written");
        // A synthetic funds ledger, so the funds pages have something to show: six monthly
        // payments to each household in the file, by the demo's grassroots unions. Up to
        // 100,000 households: at 1,000,000 the ledger's findings took longer than everything
        // before them (`bangfu funds synthetic` adds one to any database).
        if households <= 100_000 {
            self.synthetic_funds(6, 0).await?;
        }
        Ok(())
    }

    /// The city the demo fills, set up first when it is not in use. Wuzhou, in use (as the
    /// migrations leave a new database), keeps its English names.
    async fn demo_city(&self, code: &str) -> Result<DemoCity, AppError> {
        let known = self.store.region(code).await.ok().filter(|r| r.in_use);
        if known.is_none() {
            self.set_up_region(&crate::Principal::system(), code).await?;
        }
        if code == "450400" {
            return Ok(DemoCity::wuzhou());
        }
        let root = self.store.region(code).await?;
        let mut counties: Vec<(String, String, bool)> = Vec::new();
        let regions = self.store.regions().await?;
        for c in self.store.region_and_children(code).await? {
            if c.ends_with("00") {
                continue;
            }
            if let Some(r) = regions.iter().find(|r| r.code == c) {
                counties.push((c.clone(), r.name.clone(), r.name.ends_with('区')));
            }
        }
        counties.sort();
        if counties.is_empty() {
            // A county, or a city without counties: the region itself.
            counties.push((root.code.clone(), root.name.clone(), true));
        }
        // Plausible standards: 95–130% of Wuzhou's, fixed by the code.
        let n: i64 = code.parse().unwrap_or(0);
        Ok(DemoCity { code: root.code, name: root.name, counties, percent: 95 + (n / 100 % 8) * 5 })
    }

    async fn demo_standards(&self, city: &DemoCity) -> Result<(), AppError> {
        let mut tx = self.store.begin().await?;
        let existing = self.store.standards(None).await?;
        for (code, _, urban) in &city.counties {
            if existing.iter().any(|s| s.region_code == *code) {
                continue;
            }
            for (y, m, _) in DIBAO_HISTORY {
                let from = YearMonth::new(y, m).ok_or(AppError::Internal("demo month".into()))?;
                let d = dibao_fen(*urban, city.percent, from);
                for (kind, fen) in [(StandardKind::Dibao, d), (StandardKind::LowIncome, d * 3 / 2)] {
                    tx.insert_standard(&Standard {
                        region_code: code.to_string(),
                        kind,
                        from,
                        amount: Money::from_fen(fen),
                    })
                    .await?;
                }
            }
        }
        Ok(tx.commit().await?)
    }

    async fn demo_orgs(&self, rng: &mut ChaCha8Rng, c: DemoCity) -> Result<DemoOrgs, AppError> {
        let mut tx = self.store.begin().await?;
        let org = |name: String, kind, region: &str, parent| OrganisationWrite {
            name,
            kind,
            region_code: region.to_string(),
            parent_id: parent,
        };
        let city = tx.insert_organisation(&org(format!("{}总工会", c.name), OrgKind::CityUnion, &c.code, None)).await?;
        for d in [
            "市民政局",
            "市人力资源社会保障局",
            "市卫生计生委",
            "市教育局",
            "市工业和信息化委",
            "市国资委",
            "市地税局",
            "市国税局",
        ] {
            tx.insert_organisation(&org(d.into(), OrgKind::Department, &c.code, None)).await?;
        }
        // The joint meeting's member units are the departments of the same names.
        tx.link_joint_members().await?;
        let mut grassroots = Vec::new();
        let mut employers = Vec::new();
        const TRADES: [&str; 10] = [
            "机械厂",
            "纺织厂",
            "食品公司",
            "建筑公司",
            "陶瓷厂",
            "物流公司",
            "制药厂",
            "商贸公司",
            "林产公司",
            "电子厂",
        ];
        for (code, county, _) in &c.counties {
            let code = code.as_str();
            let cu =
                tx.insert_organisation(&org(format!("{county}总工会"), OrgKind::CountyUnion, code, Some(city))).await?;
            let mut g = Vec::new();
            for street in STREETS.iter().take(5) {
                g.push(
                    tx.insert_organisation(&org(
                        format!("{county}{street}社区工会联合会"),
                        OrgKind::GrassrootsUnion,
                        code,
                        Some(cu),
                    ))
                    .await?,
                );
            }
            let mut e = Vec::new();
            for t in TRADES {
                let brand: String = (0..2).map(|_| pick(rng, GIVEN)).collect();
                e.push(
                    tx.insert_organisation(&org(
                        format!("{}{brand}{t}（示例）", c.short()),
                        OrgKind::Employer,
                        code,
                        None,
                    ))
                    .await?,
                );
            }
            grassroots.push(g);
            employers.push(e);
        }
        tx.commit().await?;
        Ok(DemoOrgs { city: c, grassroots, employers })
    }
}

/// A batch of the demo's households and everything written with them.
#[derive(Default)]
struct DemoBatch {
    n: u64,
    hs: Vec<(i64, HouseholdWrite)>,
    members: Vec<(i64, MemberWrite)>,
    months: Vec<(i64, MonthlyRecord)>,
    aid: Vec<(i64, NaiveDate, AssistanceKind, Money, UnionMeasure)>,
    enrol: Vec<(i64, Scheme, YearMonth, Option<YearMonth>)>,
    events: Vec<(i64, YearMonth, MajorEvent, String)>,
    work: Vec<BulkCasework>,
}

/// A member with a drawn name and resident ID (drawn in that order).
fn member(
    rng: &mut ChaCha8Rng,
    surname: char,
    county: &str,
    used: &mut HashSet<u64>,
    (relation, birth_date, situation): (Relation, NaiveDate, Situation),
) -> MemberWrite {
    let name = name(rng, surname);
    let female = rng.random_bool(0.5);
    MemberWrite { name, id_number: id_number(rng, county, birth_date, female, used), relation, birth_date, situation }
}

/// Writes a batch of the demo's households and everything with them.
async fn write_batch(tx: &mut impl Bulk, b: &DemoBatch) -> Result<(), StoreError> {
    tx.bulk_households(&b.hs).await?;
    tx.import_members(&b.members, None).await?;
    tx.bulk_monthly(&b.months).await?;
    tx.bulk_union_assistance(&b.aid).await?;
    tx.bulk_enrolments(&b.enrol).await?;
    tx.bulk_major_events(&b.events).await?;
    tx.bulk_casework(&b.work).await?;
    tx.sync_household_id_sequence().await
}

/// Draws household `id` into the batch.
fn demo_household(
    rng: &mut ChaCha8Rng,
    id: i64,
    orgs: &DemoOrgs,
    used: &mut HashSet<u64>,
    file_seq: &mut [std::collections::HashMap<i32, u32>],
    b: &mut DemoBatch,
) {
    let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
    let county = orgs.city.draw(rng);
    let (code, county_name, urban) = &orgs.city.counties[county];
    let (code, county_name, urban) = (code.as_str(), county_name.as_str(), *urban);
    // About 60% are the stock registered before the 2016-10-31 cut-off.
    let registered_on = if rng.random_bool(0.6) {
        date_between(rng, d(2014, 1, 1), d(2016, 10, 31))
    } else {
        date_between(rng, d(2016, 11, 1), d(2026, 6, 30))
    };
    let surname = pick(rng, SURNAMES);
    let head_female = rng.random_bool(0.4);
    let head_birth = date_between(rng, d(1955, 1, 1), d(1990, 12, 31));
    let head_name = name(rng, surname);
    let head_id = id_number(rng, code, head_birth, head_female, used);
    let mut causes = Vec::new();
    for (cause, p) in [
        (Cause::Illness, 0.45),
        (Cause::Schooling, 0.3),
        (Cause::Unemployment, 0.25),
        (Cause::Disability, 0.12),
        (Cause::Accident, 0.06),
        (Cause::Emergency, 0.04),
        (Cause::InsuranceArrears, 0.04),
        (Cause::Disaster, 0.02),
    ] {
        if rng.random_bool(p) {
            causes.push(cause);
        }
    }
    if causes.is_empty() {
        causes.push(Cause::Other);
    }
    let work_capacity = if causes.contains(&Cause::Disability) {
        WorkCapacity::None
    } else if causes.contains(&Cause::Illness) {
        WorkCapacity::Partial
    } else {
        WorkCapacity::Full
    };
    let year = registered_on.year();
    let seq = file_seq[county].entry(year).or_insert(0);
    *seq += 1;
    let file_no = format!("{code}-{year}-{:06}", *seq);
    // The head is listed as a member too, so the member list is the whole household.
    let mut people = vec![MemberWrite {
        name: head_name.clone(),
        id_number: head_id.clone(),
        relation: Relation::Head,
        birth_date: head_birth,
        situation: if causes.contains(&Cause::Illness) {
            Situation::Ill
        } else if causes.contains(&Cause::Disability) {
            Situation::Disabled
        } else if causes.contains(&Cause::Unemployment) {
            Situation::Unemployed
        } else {
            Situation::Employed
        },
    }];
    if rng.random_bool(0.8) {
        let b = date_between(rng, head_birth - chrono::Duration::days(1500), head_birth + chrono::Duration::days(1500));
        let female = !head_female;
        let sn = pick(rng, SURNAMES);
        people.push(MemberWrite {
            name: name(rng, sn),
            id_number: id_number(rng, code, b, female, used),
            relation: Relation::Spouse,
            birth_date: b,
            situation: if rng.random_bool(0.5) { Situation::Employed } else { Situation::Unemployed },
        });
    }
    let children = if causes.contains(&Cause::Schooling) { rng.random_range(1..=2) } else { rng.random_range(0..=1) };
    // Children of a household in hardship for schooling are of school age (6–22 in 2026).
    let (first_birth, last_birth) = if causes.contains(&Cause::Schooling) {
        ((head_birth.year() + 20).clamp(2004, 2020), 2020)
    } else {
        ((head_birth.year() + 22).min(2020), (head_birth.year() + 40).min(2022))
    };
    for _ in 0..children {
        let b = date_between(rng, d(first_birth, 1, 1), d(last_birth, 12, 31));
        let age = demo_last_month().year() - b.year();
        let situation = match age {
            ..6 => Situation::Preschool,
            6..=22 => Situation::Student,
            _ if rng.random_bool(0.6) => Situation::Employed,
            _ => Situation::Unemployed,
        };
        people.push(member(rng, surname, code, used, (Relation::Child, b, situation)));
    }
    if rng.random_bool(0.15) {
        let b = date_between(rng, d(1935, 1, 1), d(1955, 12, 31));
        // The situation is drawn after the name and ID, as it always was: the seed's data stays.
        let mut m = member(rng, surname, code, used, (Relation::Parent, b, Situation::Retired));
        m.situation = if rng.random_bool(0.5) { Situation::Retired } else { Situation::Ill };
        people.push(m);
    }
    let n = people.len() as i64;
    let migrant = rng.random_bool(0.15);
    let on_dibao = rng.random_bool(0.25);
    // Where the household stands against the dibao line, per capita: 0.6×–2.5×.
    let level = rng.random_range(60..250) as i64;
    let last = demo_last_month();
    let count = rng.random_range(24..=36);
    let first = last.plus(-(count - 1));
    let dibao_from = first.plus(rng.random_range(-24..12));
    if on_dibao {
        b.enrol.push((id, Scheme::Dibao, dibao_from, None));
    }
    for i in 0..count {
        let m = first.plus(i);
        let line = dibao_fen(urban, orgs.city.percent, m) * n;
        let wobble = rng.random_range(90..=110);
        let own = line * level / 100 * wobble / 100;
        let gov = if on_dibao && m >= dibao_from { (line - own).max(0) / 100 * 100 + 10_000 } else { 0 };
        let medical = if causes.contains(&Cause::Illness) && rng.random_bool(0.6) {
            rng.random_range(200..3000) * 100
        } else {
            0
        };
        let education = if causes.contains(&Cause::Schooling) && (m.month() == 3 || m.month() == 9) {
            rng.random_range(800..4000) * 100
        } else {
            0
        };
        let accident = if causes.contains(&Cause::Accident) && rng.random_bool(0.2) {
            rng.random_range(500..8000) * 100
        } else {
            0
        };
        b.months.push((
            id,
            MonthlyRecord {
                month: m,
                members: n,
                income: Money::from_fen(own / 100 * 100 + gov),
                government_assistance: Money::from_fen(gov),
                medical: Money::from_fen(medical),
                education: Money::from_fen(education),
                emergency: Money::ZERO,
                accident: Money::from_fen(accident),
                other: Money::ZERO,
            },
        ));
    }
    for _ in 0..rng.random_range(0..=3) {
        let m = first.plus(rng.random_range(0..count));
        let date = d(m.year(), m.month(), rng.random_range(1..=28));
        let measure =
            [UnionMeasure::LivingAid, UnionMeasure::MedicalAid, UnionMeasure::SchoolingAid, UnionMeasure::Visit]
                [rng.random_range(0..4)];
        let kind = if measure == UnionMeasure::Visit { AssistanceKind::Goods } else { AssistanceKind::Cash };
        b.aid.push((id, date, kind, Money::from_fen(rng.random_range(3..=30) * 10_000), measure));
    }
    let g = &orgs.grassroots[county];
    let e = &orgs.employers[county];
    let mut r21 = ChaCha8Rng::seed_from_u64((id as u64) ^ 0x2021_0000_0000);
    // One household in thirty was struck by a major event in the demo's last two years.
    if r21.random_bool(1.0 / 30.0) {
        let kind = MajorEvent::ALL[r21.random_range(0..MajorEvent::ALL.len())];
        let m = demo_last_month().plus(-r21.random_range(0..24i32));
        b.events.push((id, m, kind, format!("{}（示例）", kind.label(true))));
    }
    b.hs.push((
        id,
        HouseholdWrite {
            file_no,
            head_name,
            head_id_number: head_id,
            phone: format!("1{}{:09}", [3, 5, 7, 8][rng.random_range(0..4)], rng.random_range(0..1_000_000_000u64)),
            address: format!(
                "{county_name}{}{}号",
                STREETS[rng.random_range(0..STREETS.len())],
                rng.random_range(1..300)
            ),
            region_code: code.to_string(),
            union_id: Some(g[rng.random_range(0..g.len())]),
            employer_id: if rng.random_bool(0.8) { Some(e[rng.random_range(0..e.len())]) } else { None },
            registered_on,
            migrant_worker: migrant,
            causes,
            work_capacity,
            status: HouseholdStatus::InFile,
            synthetic: true,
            // After every other draw of the household, so earlier fields keep their values.
            causes_resolved: rng.random_bool(0.15),
            children_completed_studies: rng.random_bool(0.3),
            // The 2021 facts, from the household's own generator so every earlier draw (and
            // so every other household) keeps its value: a migrant worker's months of labour
            // relation (some short of a year, some not recorded), a few exclusions.
            labour_relation_months: if migrant && r21.random_bool(0.9) { Some(r21.random_range(3..60)) } else { None },
            exclusions: if r21.random_bool(0.03) {
                vec![bangfu_domain::Exclusion::ALL[r21.random_range(0..bangfu_domain::Exclusion::ALL.len())]]
            } else {
                Vec::new()
            },
        },
    ));
    b.members.extend(people.into_iter().map(|p| (id, p)));
}

/// The day demo case work is dated around: the first day after the demo's records.
fn demo_anchor() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap_or(NaiveDate::MIN)
}

/// A demo household's case work: most are paired (一帮一), each has this year's plan with one or
/// two measures, and a visit is due within six weeks either side of the anchor day.
fn demo_casework(rng: &mut ChaCha8Rng, id: i64, h: &HouseholdWrite, orgs: &DemoOrgs) -> BulkCasework {
    let anchor = demo_anchor();
    let county = orgs.city.counties.iter().position(|(c, _, _)| *c == h.region_code).unwrap_or(0);
    let day = |rng: &mut ChaCha8Rng, lo: i64, hi: i64| {
        (anchor + chrono::Duration::days(rng.random_range(lo..=hi))).to_string()
    };
    let helper = {
        let e = &orgs.employers[county];
        let g = &orgs.grassroots[county];
        if rng.random_bool(0.5) {
            e[rng.random_range(0..e.len())]
        } else {
            g[rng.random_range(0..g.len())]
        }
    };
    let surname = pick(rng, SURNAMES);
    let person = name(rng, surname);
    let pairing = rng
        .random_bool(0.85)
        .then(|| (helper, person.clone(), h.registered_on.max(anchor - chrono::Duration::days(700)).to_string()));
    let route = match h.causes.first() {
        Some(Cause::Illness) | Some(Cause::Disability) => PlanRoute::MedicalCover,
        Some(Cause::Unemployment) => PlanRoute::EmploymentBusiness,
        _ => [PlanRoute::SocialAssistance, PlanRoute::SocialInsurance, PlanRoute::Relief][rng.random_range(0..3)],
    };
    let mut measures = Vec::new();
    for _ in 0..rng.random_range(1..=2) {
        let kind = MeasureKind::ALL[rng.random_range(0..MeasureKind::ALL.len())];
        let (lead, responsible) = kind.units();
        let due = day(rng, -60, 45);
        let status = [MeasureStatus::Planned, MeasureStatus::InProgress, MeasureStatus::Done][rng.random_range(0..3)];
        let done = status == MeasureStatus::Done;
        measures.push(MeasureWrite {
            kind: kind.code().into(),
            description: format!("{}（示例）", kind.label(true)),
            lead_unit: lead.into(),
            responsible_units: responsible.into(),
            person: person.clone(),
            due_on: due.clone(),
            status: status.code().into(),
            result: if done { "已落实（示例）".into() } else { String::new() },
            done_on: done.then_some(due),
        });
    }
    let outcome = demo_outcome(rng, h.registered_on, anchor);
    // A household that has left the file has no helper any more.
    let pairing = if outcome.is_some() { None } else { pairing };
    BulkCasework {
        outcome,
        household_id: id,
        scope: (h.region_code.clone(), h.union_id),
        pairing,
        plan: (i64::from(anchor.year()), format!("{}（示例）", route.label(true)), route.code().into()),
        measures,
        visit: (day(rng, -45, 45), person, "定期走访（示例）".into()),
    }
}

/// A demo household's approved outcome, if any. Stock households (registered by the
/// 2016-10-31 cut-off) leave the file mostly in 2017–2020, a little behind the campaign's
/// 30/25/25/20 % so the dashboard has regions off track; later households leave some months
/// after registration. Three in ten leave by relief, one in twenty is withdrawn.
fn demo_outcome(
    rng: &mut ChaCha8Rng,
    registered_on: NaiveDate,
    anchor: NaiveDate,
) -> Option<(String, Option<String>, String)> {
    let cutoff = NaiveDate::from_ymd_opt(2016, 10, 31).unwrap_or(anchor);
    let day = if registered_on <= cutoff {
        let r: f64 = rng.random();
        let year = match r {
            r if r < 0.27 => 2017,
            r if r < 0.51 => 2018,
            r if r < 0.74 => 2019,
            r if r < 0.90 => 2020,
            _ => return None,
        };
        date_between(rng, NaiveDate::from_ymd_opt(year, 1, 1)?, NaiveDate::from_ymd_opt(year, 12, 31)?)
    } else {
        let from = registered_on + chrono::Duration::days(90);
        if !rng.random_bool(0.45) || from >= anchor {
            return None;
        }
        date_between(rng, from, anchor - chrono::Duration::days(1))
    };
    let r: f64 = rng.random();
    let (kind, why) = if r < 0.30 {
        ("relief", None)
    } else if r < 0.95 {
        let p = [
            ExitPathway::EmploymentBusiness,
            ExitPathway::SocialInsurance,
            ExitPathway::MedicalCover,
            ExitPathway::SocialAssistance,
            ExitPathway::Other,
        ];
        ("exit", Some(p[rng.random_range(0..p.len())].code()))
    } else {
        let w = [WithdrawalReason::Death, WithdrawalReason::FailedRecheck, WithdrawalReason::MovedAway];
        ("withdrawal", Some(w[rng.random_range(0..w.len())].code()))
    };
    Some((kind.to_string(), why.map(str::to_string), day.to_string()))
}

impl App {
    /// Creates one demo account per role (or, when they exist, gives them new passwords) and
    /// returns their names, roles and passwords. Only `bangfu serve --demo` calls this: outside
    /// demo mode there is no account with a known password.
    pub async fn demo_users(&self) -> Result<Vec<(String, Role, String)>, AppError> {
        let everything = bangfu_store::Scope::everything();
        // The demo's city and its first county (Wuzhou and 万秀区 unless the demo was written
        // for another region); Wuzhou's county accounts keep their names.
        let city = self
            .store
            .organisations(&everything, Some(OrgKind::CityUnion))
            .await?
            .into_iter()
            .next()
            .map_or_else(|| "450400".to_string(), |o| o.region_code);
        let mut counties: Vec<String> =
            self.store.region_and_children(&city).await?.into_iter().filter(|c| !c.ends_with("00")).collect();
        counties.sort();
        let county = counties.first().cloned().unwrap_or_else(|| city.clone());
        let county_name = self.store.region(&county).await.map(|r| r.name).unwrap_or_default();
        let (county_user, grassroots_user) =
            if county == "450403" { ("wanxiu", "wanxiu-grassroots") } else { ("county", "county-grassroots") };
        let county_display = format!("{county_name}总工会 示例用户");
        let grassroots_display = format!("{county_name}基层工会 示例用户");
        let grassroots = self
            .store
            .organisations(&everything, Some(OrgKind::GrassrootsUnion))
            .await?
            .into_iter()
            .find(|o| o.region_code == county)
            .map(|o| o.id);
        let civil_affairs = self
            .store
            .organisations(&everything, Some(OrgKind::Department))
            .await?
            .into_iter()
            .find(|o| o.name == "市民政局")
            .map(|o| o.id);
        // (name, shown name, role, scope region, scope organisation)
        type Account<'a> = (&'a str, &'a str, Role, Option<&'a str>, Option<i64>);
        let accounts: [Account; 10] = [
            ("admin", "系统管理员", Role::Admin, None, None),
            ("city", "市总工会 示例用户", Role::CityStaff, Some(&city), None),
            (county_user, &county_display, Role::CountyStaff, Some(&county), None),
            (grassroots_user, &grassroots_display, Role::GrassrootsStaff, None, grassroots),
            ("joint-office", "联席会议办公室 示例用户", Role::JointOffice, Some(&city), None),
            ("liaison", "市民政局联络员 示例用户", Role::Liaison, None, civil_affairs),
            ("auditor", "审计监督 示例用户", Role::Auditor, Some(&city), None),
            // A department's own system: no password; an administrator issues its API token on
            // its account page (/users).
            ("minzheng-system", "市民政局低保系统 接口账号", Role::DepartmentSystem, None, civil_affairs),
            // The other two of the three administrators (三员分立).
            ("security", "安全管理员", Role::SecurityAdmin, None, None),
            ("audit-admin", "审计管理员", Role::AuditAdmin, None, None),
        ];
        let mut out = Vec::new();
        for (name, display, role, region, org) in accounts {
            if role.scoped_by_organisation() && org.is_none() {
                continue; // the demo organisations are missing (no demo data written)
            }
            let password = if role.is_service() { String::new() } else { crate::auth::random_hex(8)? };
            self.ensure_user(&crate::users::UserInput {
                name: name.into(),
                display_name: display.into(),
                role: role.code().into(),
                region_code: region.map(str::to_string),
                org_id: org,
                disabled: false,
                password: (!role.is_service()).then(|| password.clone()),
            })
            .await?;
            out.push((name.to_string(), role, password));
        }
        Ok(out)
    }
}
