//! The `earshot` command line: wiring only.

mod analytics_cmd;
mod bench;
mod bench_dashboard;
mod cli;
mod import;
mod memory;
mod nlp_cmd;

use clap::Parser;
use cli::{Cli, Command};
use std::io::Write;
use std::process::ExitCode;

// glibc's malloc was a quarter of ingest time (many small strings and rows
// crossing sqlx's worker threads); mimalloc's thread-local pages are cheaper.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    memory::tune();
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut settings = server::Settings::load(cli.config.as_deref())?;
    if let Some(url) = &cli.database {
        settings.database_url = Some(url.clone());
    }
    match cli.command {
        Command::Serve { bind } => {
            if let Some(b) = bind {
                settings.bind = b;
            }
            server::serve(settings).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = store::Store::open(&settings.database_url()).await?;
            let counts = store.counts().await?;
            println!(
                "migrations applied to {} ({} conversations, {} messages)",
                server::config::redact_url(&settings.database_url()),
                counts.conversations,
                counts.messages
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(args) => import::run(&settings, args, cli.json).await,
        Command::Simulate(args) if args.inject.is_some() => {
            let kind = scenarios::ScenarioKind::parse(args.inject.as_deref().unwrap_or_default())?;
            let output = args.output.clone().ok_or_else(|| {
                anyhow::anyhow!("--inject needs --output FILE (the truth file goes next to it)")
            })?;
            let cfg = args.sim_config()?;
            let params = scenarios::ScenarioParams {
                seed: cfg.seed,
                days: cfg.days,
                customers_per_day: cfg.customers_per_day,
                start: cfg.start,
            };
            let sc = scenarios::scenario(kind, &params)?;
            let mut out = std::io::BufWriter::new(std::fs::File::create(&output)?);
            for r in &sc.records {
                writeln!(out, "{}", channels::native::to_line(r))?;
            }
            out.flush()?;
            let truth = output.with_extension("truth.json");
            std::fs::write(&truth, serde_json::to_string_pretty(&sc.truths)?)?;
            eprintln!(
                "wrote {} records to {} and {} truths to {}",
                sc.records.len(),
                output.display(),
                sc.truths.len(),
                truth.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(args) => match args.what {
            cli::EvalWhat::Detectors {
                data,
                seeds,
                kinds,
                days,
                per_day,
            } => {
                let kinds = if kinds.is_empty() {
                    scenarios::ScenarioKind::ALL.to_vec()
                } else {
                    kinds
                        .iter()
                        .map(|k| scenarios::ScenarioKind::parse(k))
                        .collect::<Result<_, _>>()?
                };
                anyhow::ensure!(!seeds.is_empty(), "--seeds must name at least one seed");
                // files replace the simulated scenarios: the report's options say so
                let (seeds, kinds) = if data.is_empty() {
                    (seeds, kinds)
                } else {
                    (Vec::new(), Vec::new())
                };
                let opts = scenarios::eval::EvalOptions {
                    files: data,
                    seeds,
                    kinds,
                    days,
                    customers_per_day: per_day,
                    config: settings.analytics.detect.clone(),
                };
                let report =
                    tokio::task::spawn_blocking(move || scenarios::eval::run(&opts)).await??;
                if cli.json {
                    println!("{}", serde_json::to_string(&report)?);
                } else {
                    println!("{report}");
                }
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Simulate(args) => {
            let cfg = args.sim_config()?;
            let out: Box<dyn std::io::Write> = match &args.output {
                Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p)?)),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let (n, truths) = write_simulation(&cfg, out)?;
            // the scripted changes' truth goes next to a file, so `eval detectors --data` can
            // score the history's own story
            match &args.output {
                Some(p) if !truths.is_empty() => {
                    let truth = scenarios::file::truth_path_for(p);
                    std::fs::write(&truth, serde_json::to_string_pretty(&truths)?)?;
                    eprintln!(
                        "wrote {n} records and {} truths (the scripted changes) to {}",
                        truths.len(),
                        truth.display()
                    );
                }
                _ => eprintln!("wrote {n} records"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            if let Some(b) = args.bind.clone() {
                settings.bind = b;
            }
            let mut cfg = args.sim.sim_config()?;
            // Without --start the history runs up to now, today included: otherwise the
            // detector, which judges up to now, rightly reports that everything stopped at
            // midnight (a coverage gap on the total).
            let now = time::OffsetDateTime::now_utc();
            if args.sim.start.is_none() {
                cfg.days += 1;
            }
            let store = store::Store::open(&settings.database_url()).await?;
            let pipeline = server::Pipeline::load(store.clone(), &settings).await?;
            let records: Vec<_> = simulate::generate(&cfg)
                .into_iter()
                .filter(|r| r.at() <= now)
                .collect();
            eprintln!("importing {} simulated records…", records.len());
            let report = import::ingest_records(&pipeline, records, !cli.json).await?;
            eprintln!(
                "demo data: {} accepted, {} already present, {} rejected",
                report.accepted, report.duplicates, report.rejected
            );
            // The imported history is judged the way live data is, and all of it: the
            // serving node's own runs look at the recent days only.
            let run = server::detection::run(
                &store,
                &pipeline.enrichers().default,
                &settings.analytics.detect,
                store::to_ms(cfg.start),
                store::to_ms(now),
                "system:detector",
            )
            .await?;
            analytics_cmd::print_run(&run);
            drop(pipeline);
            store.tidy().await?;
            store.close().await;
            eprintln!("open http://{} in a browser", settings.bind);
            server::serve(settings).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Metrics { from, to, channel } => {
            let store = store::Store::open(&settings.database_url()).await?;
            let (from_ms, to_ms) = server::metrics::parse_range(from.as_deref(), to.as_deref())
                .map_err(anyhow::Error::msg)?;
            let channel = channel
                .as_deref()
                .map(str::parse::<domain::Channel>)
                .transpose()?;
            let r = server::metrics::report(&store, from_ms, to_ms, channel).await?;
            if cli.json {
                println!("{}", serde_json::to_string_pretty(&r)?);
            } else {
                print_metrics(&r);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(args) => bench::run(&settings, args, cli.json).await,
        Command::Nlp(args) => nlp_cmd::run(&settings, args, cli.json).await,
        Command::Analytics(args) => analytics_cmd::run(&settings, args, cli.json).await,
    }
}

/// Writes the history and returns its record count and the truth of its scripted changes.
fn write_simulation(
    cfg: &simulate::SimConfig,
    mut out: Box<dyn std::io::Write>,
) -> anyhow::Result<(u64, Vec<scenarios::Truth>)> {
    let mut n = 0;
    let sim = simulate::stream(cfg);
    let scripted = sim.scripted().to_vec();
    let mut changes = Vec::new();
    let mut last = None;
    for r in sim {
        writeln!(out, "{}", channels::native::to_line(&r))?;
        if let domain::record::Record::Change(c) = &r {
            changes.push(c.clone());
        }
        last = Some(r.at());
        n += 1;
    }
    out.flush()?;
    // a ramp or a step lasts to the end of the last day, where a history read back ends
    let truths = last.map_or_else(Vec::new, |at: time::OffsetDateTime| {
        let day_end = at
            .to_offset(time::UtcOffset::UTC)
            .replace_time(time::Time::MIDNIGHT)
            + time::Duration::days(1);
        scenarios::scripted::truths(&scripted, &changes, day_end)
    });
    Ok((n, truths))
}

fn print_metrics(r: &server::metrics::MetricsReport) {
    let s = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |v| format!("{v:.0} s"));
    println!("range               {} .. {}", r.from, r.to);
    println!("conversations       {}", r.conversations);
    println!(
        "answered            {} ({:.1} %)",
        r.answered,
        r.response_rate * 100.0
    );
    println!(
        "first response      median {}, p90 {}, mean {}",
        s(r.frt_median_s),
        s(r.frt_p90_s),
        s(r.frt_mean_s)
    );
    println!("resolved            {}", r.resolved);
    println!(
        "time to resolution  median {}, p90 {}",
        s(r.ttr_median_s),
        s(r.ttr_p90_s)
    );
    println!("volume by channel   {:?}", r.volume_by_channel);
    println!("volume by topic     {:?}", r.volume_by_topic);
}
