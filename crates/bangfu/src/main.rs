//! `bangfu`: the one binary. Serves the pages and the API, migrates, writes demo data and
//! measures itself.

mod bench;

use anyhow::Context;
use bangfu_app::App;
use bangfu_store::Store;
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::net::SocketAddr;

/// Bangfu (帮扶): case management for the trade unions' programme that lifts needy worker
/// households out of hardship (困难职工解困脱困).
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Database: `sqlite://PATH` (the embedded default) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "BANGFU_DATABASE_URL", default_value = "sqlite://bangfu-data/bangfu.db", global = true)]
    database_url: String,

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
        /// Fill an empty database with 2,000 synthetic Wuzhou households first.
        #[arg(long)]
        demo: bool,
    },
    /// Apply the embedded database migrations and report the schema version.
    Migrate,
    /// Write synthetic demo data (seven Wuzhou districts and counties) into an empty database.
    Demo {
        /// Number of households.
        #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000_000))]
        households: u64,
        /// Random seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Measure the household list (store, API and page) on the current database.
    Bench {
        /// Requests per case.
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        iterations: u32,
    },
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
    let store = Store::open(&cli.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", redact(&cli.database_url)))?;
    let app = App::new(store);
    match cli.command {
        Command::Migrate => {
            println!("schema version {}", app.store.schema_version().await?);
        }
        Command::Demo { households, seed } => demo(&app, households, seed).await?,
        Command::Serve { addr, demo: with_demo } => {
            if with_demo && app.store.count_households().await? == 0 {
                demo(&app, 2000, 1).await?;
            }
            let listener =
                tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
            println!("Bangfu is serving at http://{addr}/");
            println!("(no sign-in yet: every page is open; do not put real data on a shared network)");
            axum::serve(listener, bangfu_web::router(app))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
        Command::Bench { iterations } => bench::run(app, iterations).await?,
    }
    Ok(())
}

async fn demo(app: &App, households: u64, seed: u64) -> anyhow::Result<()> {
    let bar = ProgressBar::new(households);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} households, {per_sec}, eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("writing demo data");
    let started = std::time::Instant::now();
    let b = bar.clone();
    app.demo(households, seed, &move |n| b.set_position(n)).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish();
    eprintln!("wrote {households} synthetic households (seed {seed}) in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
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
