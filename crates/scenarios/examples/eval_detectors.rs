//! `cargo run --release -p scenarios --example eval_detectors [-- --seeds 1,2,3 --kinds a,b --days 84 --json out.json]`
//! Prints the evaluation table (markdown) of every detector over the scenarios.

use scenarios::ScenarioKind;
use scenarios::eval::{EvalOptions, run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = EvalOptions::default();
    let mut json = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let val = args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--seeds" => opts.seeds = val.split(',').map(str::parse).collect::<Result<_, _>>()?,
            "--kinds" => {
                opts.kinds = val
                    .split(',')
                    .map(ScenarioKind::parse)
                    .collect::<Result<_, _>>()?
            }
            "--days" => opts.days = val.parse()?,
            "--customers" => opts.customers_per_day = val.parse()?,
            "--json" => json = Some(val),
            "--spike-budget" => opts.config.spike_fa_budget = val.parse()?,
            "--gap-ratio" => opts.config.gap_max_ratio = val.parse()?,
            "--cause-tau-daily" => opts.config.cause_tau_daily_days = val.parse()?,
            "--spike-windows" => {
                opts.config.spike_windows =
                    val.split(',').map(str::parse).collect::<Result<_, _>>()?
            }
            other => return Err(format!("unknown argument {other}").into()),
        }
        i += 2;
    }
    let report = run(&opts)?;
    println!("{report}");
    if let Some(path) = json {
        std::fs::write(path, serde_json::to_string_pretty(&report)?)?;
    }
    Ok(())
}
