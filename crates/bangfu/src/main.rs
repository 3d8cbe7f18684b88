//! `bangfu`: the one binary. Serves the pages and the API, migrates, writes demo data and
//! measures itself.

mod backup;
mod bench;

use anyhow::Context;
use bangfu_app::App;
use bangfu_store::Store;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::net::SocketAddr;

/// mimalloc, not glibc's malloc: the bulk writers and the export seal and open personal data on
/// every core (rayon), and glibc's per-thread arenas then made the database thread pay for
/// consolidations of memory freed elsewhere — 0.2 s of an import of 100,000 members
/// (docs/performance.md, "What sealing personal data costs"). Its C source is in the crate.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Bangfu (帮扶): case management for the trade unions' programme that lifts needy worker
/// households out of hardship (困难职工解困脱困).
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Database: `sqlite://PATH` (the embedded default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "BANGFU_DATABASE_URL", default_value = "sqlite://bangfu-data/bangfu.db", global = true)]
    database_url: String,

    /// The time zone in which people read times and "today" is decided (an IANA name); stored
    /// times stay UTC.
    #[arg(long, env = "BANGFU_TIME_ZONE", default_value = bangfu_app::clock::DEFAULT_ZONE, global = true)]
    time_zone: String,

    /// The key file that seals personal data (SM4 data keys and the blind index's key, made by
    /// `bangfu keys init`; keep it apart from the database and its backups). For a SQLite
    /// database, without this option: `bangfu.key` beside the database file, made at the first
    /// start when the database holds nothing sealed yet.
    #[arg(long, env = "BANGFU_KEY_FILE", global = true)]
    key_file: Option<std::path::PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the pages and the REST API (migrations are applied first).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "BANGFU_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Fill an empty database with 2,000 synthetic households first, and create one
        /// demo account per role with a new random password (printed).
        #[arg(long)]
        demo: bool,
        /// With --demo: the city (or county) the demo households live in, a GB/T 2260 code
        /// (default Wuzhou, 450400); it is set up first when not in use.
        #[arg(long, requires = "demo", value_name = "CODE")]
        region: Option<String>,
        /// A reverse proxy in front of this server (repeat for several): for requests from it,
        /// the client's address (audit trail, sign-in throttle) is taken from X-Forwarded-For.
        #[arg(long = "trusted-proxy", value_name = "IP")]
        trusted_proxies: Vec<std::net::IpAddr>,
        /// Seconds a client has to send a request's line and headers; a slower one is cut off
        /// (a half-sent request would otherwise hold its connection forever).
        #[arg(long, env = "BANGFU_HEADER_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
        header_timeout: u64,
        /// Answers "not found" a user may get in a minute before the rest of that minute is
        /// refused (429): walking through record ids is slowed down (0: no limit).
        #[arg(long, env = "BANGFU_MISSES_PER_MINUTE", default_value_t = 120)]
        misses_per_minute: u32,
        /// Shortest password accepted.
        #[arg(long, env = "BANGFU_PASSWORD_MIN_LENGTH", default_value_t = 10, value_parser = clap::value_parser!(u64).range(8..=64))]
        password_min_length: u64,
        /// Kinds of character a password needs, of upper-case, lower-case, digits and others.
        #[arg(long, env = "BANGFU_PASSWORD_CLASSES", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=4))]
        password_classes: u64,
        /// Minutes without a request after which a session ends.
        #[arg(long, env = "BANGFU_SESSION_IDLE_MINUTES", default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=30))]
        session_idle_minutes: i64,
        /// Hours after sign-in after which a session ends in any case.
        #[arg(long, env = "BANGFU_SESSION_HOURS", default_value_t = 12, value_parser = clap::value_parser!(i64).range(1..=24))]
        session_hours: i64,
    },
    /// Evaluate a case file (`../shared/cases/README.md`): the determination as JSON on standard
    /// output (bad input: exit status 2, one line on standard error naming the field); or, with
    /// `--all`, every household in the database, storing the determinations and printing a summary.
    Evaluate {
        /// The case file, or `-` for standard input.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        case: Option<String>,
        /// Evaluate every household (stored; earlier determinations are kept).
        #[arg(long, requires = "as_of")]
        all: bool,
        /// The month to evaluate, YYYY-MM (with --all).
        #[arg(long)]
        as_of: Option<String>,
        /// Only this region and what lies under it (with --all).
        #[arg(long, requires = "all")]
        region: Option<String>,
    },
    /// The standard statistical tables on a day (the same as the /reports page), as an .xlsx
    /// workbook or JSON. Bad input: exit status 2, one line naming the option.
    Report {
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        as_of: String,
        /// xlsx or json.
        #[arg(long, value_enum, default_value = "xlsx")]
        format: ReportFormat,
        /// Only this region and what lies under it.
        #[arg(long)]
        region: Option<String>,
        /// Where to write the workbook (default statistics-<as-of>.xlsx); JSON goes to standard
        /// output.
        #[arg(long)]
        output: Option<std::path::PathBuf>,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The keys that seal personal data (SM4-GCM, blind index HMAC-SM3).
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Apply the embedded database migrations and report the schema version.
    Migrate,
    /// Import households, members and monthly records from a workbook (.xlsx, sheets 家庭 /
    /// 家庭成员 / 月度收支) or a .csv file (UTF-8 or GBK). Every row is checked first; any bad row
    /// is listed (sheet, row, column, reason), nothing is written and the exit status is 2.
    Import {
        /// The file.
        file: std::path::PathBuf,
        /// Only check and report what would be written.
        #[arg(long)]
        dry_run: bool,
    },
    /// Upload a department's roster (.xlsx or .csv: 身份证号, 姓名, 起始日期, 备注) and match its
    /// rows to households by resident ID. Nothing in any household changes: the matches wait on
    /// the roster's page to be accepted or rejected. Bad rows: listed, nothing written, status 2.
    Roster {
        /// The file.
        file: std::path::PathBuf,
        /// The department it comes from: its name (e.g. 市民政局) or number.
        #[arg(long)]
        department: String,
        /// dibao, tekun, employment, insurance, medical_aid or other.
        #[arg(long)]
        kind: String,
    },
    /// The assistance-funds ledger: reconcile it, rebuild its sums, or add a synthetic ledger.
    Funds {
        #[command(subcommand)]
        command: FundsCommand,
    },
    /// Recompute the counts behind the dashboard and the statistical tables from the records
    /// (every write keeps them in step; this is for data loaded by other means, e.g. SQL).
    Recount,
    /// Write synthetic demo data (seven Wuzhou districts and counties) into an empty database.
    Demo {
        /// Number of households.
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        households: u64,
        /// Random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// The city (or county) whose counties get the households, a GB/T 2260 code (default
        /// Wuzhou, 450400); it is set up first when not in use (`bangfu setup`).
        #[arg(long, value_name = "CODE")]
        region: Option<String>,
    },
    /// Choose the deployment's root region from the national list shipped with the program
    /// (GB/T 2260): it and everything under it come into use, every other region goes out of use
    /// (its files are kept).
    Setup {
        /// A province, city or county code, e.g. 450100 (南宁市).
        #[arg(long, value_name = "CODE")]
        region: String,
    },
    /// Copy the live SQLite database to FILE, consistent while the server runs (SQLite's
    /// VACUUM INTO), then check the copy (integrity, audit chain), print what it holds and write
    /// its manifest (FILE.manifest.json: size and SM3 digest) beside it.
    /// PostgreSQL: pg_dump or a base backup with WAL archiving (docs/deployment.md).
    Backup {
        /// The new file (never overwritten).
        file: std::path::PathBuf,
    },
    /// Restore a backup made by `bangfu backup` into the SQLite database named by
    /// --database-url, which must not exist yet. The copy is checked (its manifest's SM3 digest,
    /// integrity, schema version, audit chain) before it takes the database's name; nothing is
    /// left on failure.
    Restore {
        /// The backup file; its manifest (FILE.manifest.json, size and SM3 digest) must be beside it.
        file: std::path::PathBuf,
        /// Restore a backup that has no manifest (one made before manifests existed), unchecked.
        #[arg(long)]
        without_manifest: bool,
    },
    /// Measure the household list, or the work page and unpaired queue (app, API and page), on
    /// the current database.
    Bench {
        /// Requests per case.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        iterations: u32,
        /// What to measure.
        #[arg(long, value_enum, default_value = "list")]
        target: bench::Target,
    },
    /// Measure the rules alone: evaluate synthetic households already in memory (no database).
    BenchRules {
        /// Households.
        #[arg(long, default_value_t = 1_000_000, value_parser = clap::value_parser!(u64).range(1..=20_000_000))]
        households: u64,
        /// Months of records per household.
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=240))]
        months: u32,
        /// Timed runs (the median is reported).
        #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=100))]
        runs: u32,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user (or reset an existing one's password and enable it). The password is read
    /// from standard input (one line; at least 10 characters) — except for a department system's
    /// account (`--role department_system --scope org:ID`), which has none and uses tokens alone.
    Add {
        /// Sign-in name: 2–40 letters, digits, '.', '_' or '-'.
        name: String,
        /// admin, security_admin, audit_admin (the three administrators: set here only),
        /// city_staff, county_staff, grassroots_staff, joint_office, liaison, auditor or
        /// department_system.
        #[arg(long)]
        role: String,
        /// The scope: a region code (`450403`) for region roles, `org:ID` (an organisation id)
        /// for grassroots staff, liaisons and department systems; an administrator may have none.
        #[arg(long)]
        scope: Option<String>,
        /// Name shown on pages.
        #[arg(long, default_value = "")]
        display_name: String,
    },
    /// Reset a user's two-factor sign-in (a lost phone): it is set up again at the next sign-in.
    /// The only way for the three administrators' accounts.
    ResetSecondFactor {
        /// The user's sign-in name.
        name: String,
    },
    /// Issue an API token for a user (for a script or a department's system) and print its
    /// secret, shown only this once. Revoke it on the user's page or with DELETE /api/v1/tokens/{id}.
    Token {
        /// The user's sign-in name.
        name: String,
        /// What the token is for (shown in the user's token list).
        #[arg(long, default_value = "command line")]
        label: String,
    },
}

#[derive(Subcommand)]
enum FundsCommand {
    /// Check the kept balances against the ledger itself at a date (every union and fund):
    /// exit status 1 and the differences if they do not reconcile.
    Check {
        /// End of this day (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Recompute the kept sums and every finding from the ledger (after loading entries by SQL).
    Rebuild,
    /// Add a synthetic ledger (labelled 示例): a fund, allocations to each county union and
    /// monthly payments to every household in the file, for demonstrations and benchmarks.
    Synthetic {
        /// Payments per household in the file.
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(i64).range(1..=60))]
        per_household: i64,
        /// Grassroots unions that pay per county (missing ones are created, labelled 示例).
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=1000))]
        unions_per_county: u64,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create the key file (mode 0600; refused if it exists): a data key and the blind index's key.
    Init,
    /// Seal everything with a new data key: adds a key to the key file, then reseals in short
    /// batches while the server runs (servers take up the new key within seconds). Run again
    /// after an interruption, it finishes the rotation it started instead of adding a key.
    Rotate {
        /// Rows per transaction.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u64).range(1..=100_000))]
        batch: u64,
    },
    /// How the personal data is stored: per column, values in clear and values per key.
    Status,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain; exit status 1 and the first entry that does not match if broken.
    Verify,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BANGFU_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    if let Err(e) = bangfu_app::clock::set_zone(&cli.time_zone) {
        eprintln!("--time-zone: {e}");
        std::process::exit(2);
    }
    // A case file needs no database: nothing is opened, created or logged.
    if let Command::Evaluate { case: Some(case), .. } = &cli.command {
        std::process::exit(evaluate_case(case));
    }
    if let Command::BenchRules { households, months, runs } = cli.command {
        bench::rules(households, months, runs);
        return Ok(());
    }
    if let Command::Keys { command: KeysCommand::Init } = &cli.command {
        let path = key_file_of(&cli).context("keys init")?;
        match bangfu_store::keys::Keyring::init(&path) {
            Ok(_) => println!(
                "key file {} created (mode 0600): keep it apart from the database and its backups",
                path.display()
            ),
            Err(e) => {
                eprintln!("keys init refused: {e}");
                std::process::exit(2);
            }
        }
        return Ok(());
    }
    // A restore writes a database that must not exist yet: it is not opened here.
    if let Command::Restore { file, without_manifest } = &cli.command {
        // The backup's audit details that name personal data are sealed: checking its chain
        // opens them with the key file, if there is one.
        if let Some(path) = key_file_of(&cli).ok().filter(|p| p.exists()) {
            bangfu_store::keys::install(bangfu_store::keys::Keyring::load(&path)?);
        }
        if let Err(e) = backup::restore(&cli.database_url, file, *without_manifest).await {
            eprintln!("restore refused: {e:#}");
            std::process::exit(2);
        }
        return Ok(());
    }
    let store = Store::open(&cli.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&cli.database_url)))?;
    install_keys(&cli, &store).await?;
    let app = App::new(store);
    match cli.command {
        Command::Migrate => {
            println!("schema version {}", app.store.schema_version().await?);
        }
        Command::Import { file, dry_run } => import(&app, &file, dry_run).await?,
        Command::Roster { file, department, kind } => roster(&app, &file, &department, &kind).await?,
        Command::Funds { command } => funds(&app, command).await?,
        Command::Recount => {
            let started = std::time::Instant::now();
            app.store.rebuild_tallies().await?;
            println!("counts recomputed in {:.1} s", started.elapsed().as_secs_f64());
        }
        Command::Demo { households, seed, region } => demo(&app, region.as_deref(), households, seed).await?,
        Command::Setup { region } => {
            match app.set_up_region(&bangfu_app::Principal::system(), &region).await {
                Ok(codes) => {
                    let r = app.store.region(region.trim()).await?;
                    println!("{} {}: {} regions in use", r.code, r.name, codes.len());
                }
                // A code that is not one, or not on the national list: named, nothing changed.
                Err(e @ bangfu_app::AppError::Invalid(_)) => {
                    eprintln!("{}", app_error(e));
                    std::process::exit(2);
                }
                Err(e) => return Err(app_error(e)),
            }
        }
        Command::Serve {
            addr,
            demo: with_demo,
            region,
            trusted_proxies,
            header_timeout,
            misses_per_minute,
            password_min_length,
            password_classes,
            session_idle_minutes,
            session_hours,
        } => {
            let app = app.with_security(bangfu_app::SecurityPolicy {
                password: bangfu_domain::access::PasswordPolicy {
                    min_length: password_min_length as usize,
                    min_classes: password_classes as usize,
                },
                idle_minutes: session_idle_minutes,
                session_hours,
            });
            bangfu_web::auth::trust_proxies(trusted_proxies);
            // An import whose process died while writing is undone: now if its heartbeat has
            // stopped long enough, and by a reaper every half minute after.
            app.recover_imports().await.map_err(app_error)?;
            let reaper = app.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(bangfu_app::import::ABANDONED_AFTER / 2).await;
                    if let Err(e) = reaper.recover_imports().await {
                        tracing::warn!(error = %e, "abandoned imports not undone yet");
                    }
                }
            });
            let listener =
                tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
            if with_demo {
                if app.store.count_households().await? == 0 {
                    demo(&app, region.as_deref(), 2000, 1).await?;
                }
                let users = app.demo_users().await.map_err(app_error)?;
                println!("Demo accounts (new passwords at every start with --demo):");
                for (name, role, password) in users {
                    if role.is_service() {
                        println!("  {name:<18} {:<16}  {}", "(API 令牌，安全管理员在 /users 签发)", role.label(true));
                    } else {
                        println!("  {name:<18} {password}  {}", role.label(true));
                    }
                }
            }
            println!("Bangfu is serving at http://{addr}/");
            let header_timeout = std::time::Duration::from_secs(header_timeout);
            let router = bangfu_web::router_with(app, bangfu_web::auth::Misses::per_minute(misses_per_minute));
            bangfu_web::serve::serve(listener, router, header_timeout, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        }
        Command::Bench { iterations, target } => bench::run(app, iterations, target).await?,
        Command::Evaluate { as_of, region, .. } => evaluate_all(&app, as_of.as_deref(), region.as_deref()).await?,
        Command::Report { as_of, format, region, output } => {
            report(&app, &as_of, format, region.as_deref(), output).await?
        }
        Command::Backup { file } => {
            if let Err(e) = backup::backup(&app.store, &file).await {
                eprintln!("backup failed: {e:#}");
                std::process::exit(2);
            }
        }
        // Ran above, before the database was opened.
        Command::BenchRules { .. } | Command::Restore { .. } | Command::Keys { command: KeysCommand::Init } => {}
        Command::Keys { command: KeysCommand::Status } => print_seal_counts(&app.store).await?,
        Command::Keys { command: KeysCommand::Rotate { batch } } => rotate(&app, batch).await?,
        Command::User { command: UserCommand::Add { name, role, scope, display_name } } => {
            user_add(&app, name, role, scope, display_name).await?
        }
        Command::User { command: UserCommand::Token { name, label } } => user_token(&app, &name, &label).await?,
        Command::User { command: UserCommand::ResetSecondFactor { name } } => {
            let Some(user) = app.store.user_by_name(&name.trim().to_lowercase()).await? else {
                eprintln!("no user named {name}");
                std::process::exit(2);
            };
            match app.reset_second_factor(&bangfu_app::Principal::system(), user.id).await {
                Ok(()) => println!("two-factor sign-in of {} reset: it is set up again at the next sign-in", user.name),
                Err(bangfu_app::AppError::Conflict(_)) => {
                    eprintln!("{} has no two-factor sign-in to reset", user.name);
                    std::process::exit(2);
                }
                Err(e) => return Err(app_error(e)),
            }
        }
        Command::Audit { command: AuditCommand::Verify } => {
            let bar = ProgressBar::new_spinner();
            bar.set_message("checking the audit chain");
            let b = bar.clone();
            let result = app.verify_audit(&move |n| b.set_position(n)).await.map_err(app_error)?;
            bar.finish_and_clear();
            match result {
                Ok(n) => {
                    let by_alg = app.store.audit_algorithms().await?;
                    let algs: Vec<String> = by_alg
                        .iter()
                        .map(|(alg, k)| format!("{k} {}", if alg == "sm3" { "SM3" } else { "SHA-256" }))
                        .collect();
                    println!("audit trail intact: {n} entries ({})", algs.join(", "));
                }
                Err(broken) => {
                    eprintln!("audit trail broken: {broken}");
                    std::process::exit(1);
                }
            }
        }
    }
    Ok(())
}

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    /// An Excel workbook.
    Xlsx,
    /// JSON on standard output.
    Json,
}

/// Runs `report`: the statistical tables for the whole database (or a region) on a day.
async fn report(
    app: &App,
    as_of: &str,
    format: ReportFormat,
    region: Option<&str>,
    output: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let r = match app.statistics(&bangfu_app::Principal::system(), Some(as_of), region).await {
        Ok(r) => r,
        Err(bangfu_app::AppError::Invalid(errs)) => {
            for e in errs {
                eprintln!("--{}: {}", e.field.replace('_', "-"), e.message(true));
            }
            std::process::exit(2);
        }
        Err(e) => return Err(app_error(e)),
    };
    match format {
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(&r)?),
        ReportFormat::Xlsx => {
            let path = output.unwrap_or_else(|| format!("statistics-{}.xlsx", r.as_of).into());
            let bytes = bangfu_web::export::statistics(bangfu_web::i18n::Lang::Zh, &r)?;
            std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
            println!("{} regions written to {}", r.regions.len(), path.display());
        }
    }
    Ok(())
}

/// Runs `evaluate --all`: a progress bar, then the counts per region.
async fn evaluate_all(app: &App, as_of: Option<&str>, region: Option<&str>) -> anyhow::Result<()> {
    let as_of = match app.as_of(as_of) {
        Ok(m) => m,
        Err(bangfu_app::AppError::Invalid(errs)) => {
            for e in errs {
                eprintln!("--as-of: {}", e.message(true));
            }
            std::process::exit(2);
        }
        Err(e) => return Err(app_error(e)),
    };
    let total = app.store.count_households().await?.max(0) as u64;
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} households, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(format!("evaluating {as_of}"));
    let started = std::time::Instant::now();
    let b = bar.clone();
    let summary =
        match app.evaluate_all(&bangfu_app::Principal::system(), as_of, region, &move |n| b.set_position(n)).await {
            Ok(s) => s,
            Err(bangfu_app::AppError::Invalid(errs)) => {
                bar.abandon();
                for e in errs {
                    eprintln!("--{}: {}", e.field, e.message(true));
                }
                std::process::exit(2);
            }
            Err(e) => return Err(app_error(e)),
        };
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "run {} · {} · policy versions {} · {} households in {secs:.1} s ({:.0}/s)",
        summary.run_id,
        summary.as_of,
        summary.versions.iter().map(|(v, n)| format!("v{v}: {n}")).collect::<Vec<_>>().join(", "),
        summary.total.households,
        summary.total.households as f64 / secs.max(1e-9)
    );
    // The columns of the frameworks that were applied: the plan's conditions, exits and relief;
    // the 2021 categories (rule ids D1, R1, A1) and withdrawals; then exits by income and in
    // difficulty, common to both.
    let (plan, national) = (summary.total.plan > 0, summary.total.national > 0);
    let mut head: Vec<&str> = vec!["region", "house", "incompl", "eligible"];
    if plan {
        head.extend(["C1", "C2", "C3", "C4", "C5", "exit-sa", "exit-sch", "relieved"]);
    }
    if national {
        head.extend(["D1", "R1", "A1", "wd-excl", "wd-labour"]);
    }
    head.extend(["exit-inc", "in-diff"]);
    let line = |cells: Vec<String>| {
        let mut out = format!("{:<8}", cells[0]);
        for c in &cells[1..] {
            out.push_str(&format!(" {c:>9}"));
        }
        println!("{out}");
    };
    line(head.iter().map(|h| h.to_string()).collect());
    let row = |name: &str, t: &bangfu_app::evaluate::Tally| {
        let mut cells =
            vec![name.to_string(), t.households.to_string(), t.incomplete.to_string(), t.eligible.to_string()];
        if plan {
            cells.extend(t.conditions.iter().map(u64::to_string));
            cells.extend([t.exited[0], t.exited[1], t.relieved].iter().map(u64::to_string));
        }
        if national {
            cells.extend(t.categories.iter().map(u64::to_string));
            cells.extend(t.withdrawn.iter().map(u64::to_string));
        }
        cells.extend([t.exited[2], t.in_difficulty].iter().map(u64::to_string));
        line(cells);
    };
    for (code, t) in &summary.regions {
        row(code, t);
    }
    row("total", &summary.total);
    Ok(())
}

/// Runs `evaluate --case`; returns the exit status.
fn evaluate_case(path: &str) -> i32 {
    use std::io::{Read, Write};
    let mut bytes = Vec::new();
    let read = if path == "-" {
        std::io::stdin().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::read(path).map(|b| bytes = b)
    };
    if let Err(e) = read {
        eprintln!("input: cannot read {path}: {e}");
        return 2;
    }
    match bangfu_app::evaluate::case(&bytes) {
        Ok(json) => {
            let mut out = std::io::stdout().lock();
            match writeln!(out, "{json}") {
                Ok(()) => 0,
                Err(_) => 1,
            }
        }
        Err(e) => {
            eprintln!("{e}");
            2
        }
    }
}

async fn user_add(app: &App, name: String, role: String, scope: Option<String>, display: String) -> anyhow::Result<()> {
    let (region_code, org_id) = match scope.as_deref().map(str::trim) {
        None | Some("") => (None, None),
        Some(s) => match s.strip_prefix("org:") {
            Some(id) => {
                (None, Some(id.parse::<i64>().with_context(|| format!("--scope {s}: org: takes an organisation id"))?))
            }
            None => (Some(s.to_string()), None),
        },
    };
    let service = bangfu_domain::Role::from_code(role.trim()).is_some_and(bangfu_domain::Role::is_service);
    let mut password = String::new();
    if !service {
        std::io::stdin().read_line(&mut password).context("cannot read the password from standard input")?;
    }
    let password = password.trim_end_matches(['\n', '\r']).to_string();
    let input = bangfu_app::users::UserInput {
        name,
        display_name: display,
        role,
        region_code,
        org_id,
        disabled: false,
        password: (!service).then_some(password),
    };
    match app.ensure_user(&input).await {
        Ok(u) => {
            println!("user {} (id {}) ready: {}", u.name, u.id, u.role);
            Ok(())
        }
        Err(bangfu_app::AppError::Invalid(errs)) => {
            for e in &errs {
                eprintln!("{}: {}", e.field, e.message(true));
            }
            std::process::exit(2);
        }
        Err(e) => Err(app_error(e)),
    }
}

async fn user_token(app: &App, name: &str, label: &str) -> anyhow::Result<()> {
    let system = bangfu_app::Principal::system();
    let Some(user) = app.store.user_by_name(name).await? else {
        eprintln!("no user named {name}");
        std::process::exit(2);
    };
    match app.create_token(&system, user.id, label).await {
        Ok(t) => {
            println!("{}", t.secret);
            Ok(())
        }
        Err(bangfu_app::AppError::Invalid(errs)) => {
            for e in &errs {
                eprintln!("--{}: {}", if e.field == "name" { "label" } else { &e.field }, e.message(true));
            }
            std::process::exit(2);
        }
        Err(e) => Err(app_error(e)),
    }
}

async fn demo(app: &App, region: Option<&str>, households: u64, seed: u64) -> anyhow::Result<()> {
    let bar = ProgressBar::new(households);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} households, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("writing demo data");
    let started = std::time::Instant::now();
    let b = bar.clone();
    app.demo(region, households, seed, &move |n| b.set_position(n)).await.map_err(app_error)?;
    bar.finish();
    eprintln!("wrote {households} synthetic households (seed {seed}) in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// An error of a use case for the operator: the rule broken in Chinese (the command line's
/// language, as the pages' default), naming the field; other failures as they are.
fn app_error(e: bangfu_app::AppError) -> anyhow::Error {
    use bangfu_app::AppError;
    let say = |f: &bangfu_domain::FieldError| {
        if f.field.is_empty() {
            f.message(true)
        } else {
            format!("{}: {}", f.field, f.message(true))
        }
    };
    match &e {
        AppError::Invalid(errs) => anyhow::anyhow!("{}", errs.iter().map(say).collect::<Vec<_>>().join("\n")),
        AppError::Conflict(f) => anyhow::anyhow!("{}", say(f)),
        _ => anyhow::anyhow!("{e}"),
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// `bangfu funds …`.
async fn funds(app: &App, command: FundsCommand) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let e = app_error;
    match command {
        FundsCommand::Check { as_of } => {
            let day = match as_of {
                Some(d) => match bangfu_domain::parse_date("--as-of", d.trim()) {
                    Ok(d) => d,
                    Err(err) => {
                        eprintln!("{}: {}", err.field, err.message(true));
                        std::process::exit(2)
                    }
                },
                None => bangfu_app::clock::today(),
            };
            let problems = app.reconcile_funds(&day.to_string()).await.map_err(e)?;
            if problems.is_empty() {
                println!("the ledger reconciles at the end of {day} ({:.1} s)", started.elapsed().as_secs_f64());
            } else {
                for p in &problems {
                    println!("{p}");
                }
                std::process::exit(1);
            }
        }
        FundsCommand::Rebuild => {
            let mut tx = app.store.begin().await?;
            tx.rebuild_fund_sums().await?;
            tx.refresh_findings(None).await?;
            tx.commit().await?;
            println!("sums and findings rebuilt in {:.1} s", started.elapsed().as_secs_f64());
        }
        FundsCommand::Synthetic { per_household, unions_per_county } => {
            let (payments, findings) =
                app.synthetic_funds(per_household, unions_per_county as usize).await.map_err(e)?;
            println!(
                "{payments} synthetic payments written, {findings} findings ({:.1} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(())
}

/// `bangfu roster`: matches on standard output; bad rows or arguments exit with status 2.
async fn roster(app: &App, file: &std::path::Path, department: &str, kind: &str) -> anyhow::Result<()> {
    let fail = |m: String| -> ! {
        eprintln!("{m}");
        std::process::exit(2)
    };
    if let Err(e) = std::fs::metadata(file) {
        fail(format!("cannot read {}: {e}", file.display()));
    }
    let everything = bangfu_store::Scope::everything();
    let depts = app.store.organisations(&everything, Some(bangfu_domain::OrgKind::Department)).await?;
    let Some(dept) = depts.iter().find(|o| o.name == department || o.id.to_string() == department) else {
        let names: Vec<&str> = depts.iter().map(|o| o.name.as_str()).collect();
        fail(format!("--department: no department {department}; there are: {}", names.join("、")))
    };
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let started = std::time::Instant::now();
    let r = match app.upload_roster_file(&bangfu_app::Principal::system(), Some(dept.id), kind, &name, file).await {
        Ok(r) => r,
        Err(bangfu_app::AppError::Invalid(errs)) => {
            fail(errs.iter().map(|e| format!("{}: {}", e.field, e.message(true))).collect::<Vec<_>>().join("\n"))
        }
        Err(e) => return Err(app_error(e)),
    };
    for e in &r.errors {
        println!("row {} {}: {} ({})", e.row, e.column, e.message(true), e.code);
    }
    match r.roster_id {
        Some(id) => println!(
            "roster {id}: {} rows, {} matched, {} unmatched ({:.1} s); decide on /rosters/{id}",
            r.rows,
            r.matched,
            r.rows - r.matched,
            started.elapsed().as_secs_f64()
        ),
        None => fail("nothing written: fix the rows above".into()),
    }
    Ok(())
}

/// `bangfu import`: the report on standard output; bad rows exit with status 2.
async fn import(app: &App, file: &std::path::Path, dry_run: bool) -> anyhow::Result<()> {
    if let Err(e) = std::fs::metadata(file) {
        eprintln!("cannot read {}: {e}", file.display());
        std::process::exit(2);
    }
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let bar = ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:8} [{bar:40}] {pos}/{len} ({elapsed})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("reading");
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let started = std::time::Instant::now();
    let on = |p: bangfu_app::import::Progress| {
        bar.set_message(if p.step == "check" { "checking" } else { "writing" });
        bar.set_length(p.total);
        bar.set_position(p.done);
    };
    // Ctrl-C stops the import between two batches; what it wrote is undone.
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    let run = bangfu_app::import::ImportRun { dry_run, progress: &on, cancel: Some(&cancel) };
    let result = app.import_with(&bangfu_app::Principal::system(), &name, file, run).await;
    bar.finish_and_clear();
    let r = match result {
        Ok(r) => r,
        Err(bangfu_app::AppError::Invalid(errs)) => {
            for e in errs {
                eprintln!("{}: {}", e.field, e.message(true));
            }
            std::process::exit(2);
        }
        Err(bangfu_app::AppError::Conflict(e)) => {
            eprintln!("{}: {}", e.field, e.message(true));
            std::process::exit(2);
        }
        Err(e) => return Err(app_error(e)),
    };
    for e in &r.errors {
        println!("{} row {} {}: {} ({})", e.sheet, e.row, e.column, e.message(true), e.code);
    }
    if r.error_count > r.errors.len() as u64 {
        for c in &r.errors_by_column {
            println!("{} {}: {} bad rows", c.sheet, c.column, c.count);
        }
        println!("{} bad rows in all; the first {} are listed above", r.error_count, r.errors.len());
    }
    println!(
        "households {} new, {} already on file; members {} new, {} on file; months {} new, {} changed, {} unchanged",
        r.households_new,
        r.households_existing,
        r.members_new,
        r.members_existing,
        r.months_new,
        r.months_changed,
        r.months_unchanged
    );
    let what = if r.written {
        "written"
    } else if !r.errors.is_empty() {
        "nothing written: fix the rows above"
    } else {
        "dry run: nothing written"
    };
    println!("{what} ({:.1} s)", started.elapsed().as_secs_f64());
    if !r.errors.is_empty() {
        std::process::exit(2);
    }
    Ok(())
}

/// The key file named, or for SQLite the one beside the database.
fn key_file_of(cli: &Cli) -> anyhow::Result<std::path::PathBuf> {
    if let Some(p) = &cli.key_file {
        return Ok(p.clone());
    }
    let file = cli.database_url.strip_prefix("sqlite://").or_else(|| cli.database_url.strip_prefix("sqlite:"));
    match file.map(|f| f.split('?').next().unwrap_or(f)) {
        Some(f) => Ok(std::path::Path::new(f).with_file_name("bangfu.key")),
        None => anyhow::bail!(
            "a PostgreSQL database needs --key-file (or BANGFU_KEY_FILE): the keys that seal personal data; \
             create one with `bangfu keys init --key-file PATH`"
        ),
    }
}

/// Loads the key file and makes it this process's keyring. A missing file is made only for a
/// database that holds nothing sealed yet (a new one, or one from before sealing); otherwise
/// the program stops, naming the file: a new key would not open what the old one sealed.
async fn install_keys(cli: &Cli, store: &Store) -> anyhow::Result<()> {
    use bangfu_store::keys::Keyring;
    let path = key_file_of(cli)?;
    let keys = if path.exists() {
        Keyring::load(&path)?
    } else if store.holds_sealed_values().await? {
        anyhow::bail!(
            "key file {} is missing, and the database holds personal data sealed with its keys: give the key file with --key-file",
            path.display()
        );
    } else {
        let k = Keyring::init(&path)?;
        tracing::warn!(file = %path.display(), "key file created (mode 0600): keep it apart from the database and its backups");
        k
    };
    bangfu_store::keys::install(keys);
    // A database written before personal data was sealed is sealed now, before any other work.
    if let Some(done) = store.seal_plain_values(&|column, n| tracing::debug!(column, n, "sealing")).await? {
        if done.sealed > 0 {
            tracing::warn!(
                values = done.sealed,
                "personal data stored in clear has been sealed, and its old space rewritten"
            );
        }
    }
    Ok(())
}

/// `bangfu keys status`.
async fn print_seal_counts(store: &Store) -> anyhow::Result<()> {
    let keys = bangfu_store::keys::keyring()?;
    println!("key file: data keys {:?}, sealing with key {}", keys.key_ids(), keys.active());
    for c in store.seal_counts().await? {
        let by_key: Vec<String> = c.by_key.iter().map(|(k, n)| format!("key {k}: {n}")).collect();
        println!("{:<28} in clear: {:<8} {}", c.column, c.plain, by_key.join(", "));
    }
    Ok(())
}

/// `bangfu keys rotate`: a new key, unless a rotation was left unfinished (values in clear or
/// sealed with an older key remain): then that one is finished.
async fn rotate(app: &App, batch: u64) -> anyhow::Result<()> {
    let (key, added) = app.begin_key_rotation().await.map_err(app_error)?;
    if added {
        println!("key {key} added to the key file; resealing");
    } else {
        println!("resuming: values not sealed with key {key} remain; sealing them with it");
    }
    let progress = |column: &str, n: u64| println!("{column}: {n} rows looked at");
    let done = app.reseal_with_newest_key(batch, &progress).await.map_err(app_error)?;
    println!(
        "rotation complete: every value sealed with key {key} ({} moved from older keys, {} sealed from clear)",
        done.rekeyed, done.sealed
    );
    Ok(())
}
