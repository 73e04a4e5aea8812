//! Command-line arguments.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "earshot",
    version,
    about = "Social customer care: hear everything, thread it, work the case, say what the numbers mean"
)]
pub struct Cli {
    /// Database URL: sqlite://PATH or postgres://… (default: sqlite://data/earshot.db)
    #[arg(long, global = true, env = "EARSHOT_DATABASE_URL")]
    pub database: Option<String>,
    /// Configuration file (TOML); default ./earshot.toml when present
    #[arg(long, global = true, env = "EARSHOT_CONFIG")]
    pub config: Option<PathBuf>,
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the API and web page
    Serve {
        /// Address to listen on (default 127.0.0.1:8080)
        #[arg(long, env = "EARSHOT_BIND")]
        bind: Option<String>,
    },
    /// Generate a simulated history, import it and serve it
    Demo(DemoArgs),
    /// Import a file (native JSON Lines or the twcs CSV layout)
    Import(ImportArgs),
    /// Write a simulated history as native JSON Lines
    Simulate(SimArgs),
    /// Measure hot paths
    Bench(BenchArgs),
    /// Train, evaluate and configure the text models
    Nlp(NlpArgs),
    /// Rollups, detection and insights
    Analytics(AnalyticsArgs),
    /// Evaluate the detectors on simulated scenarios with known ground truth
    Eval(EvalArgs),
    /// Apply database migrations
    Migrate,
    /// Print the headline metrics
    Metrics {
        /// Range start, RFC 3339 (default: all history)
        #[arg(long)]
        from: Option<String>,
        /// Range end (exclusive), RFC 3339
        #[arg(long)]
        to: Option<String>,
        /// Only this channel
        #[arg(long)]
        channel: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum Format {
    /// Earshot's native JSON Lines (docs/import-format.md)
    Jsonl,
    /// The "Customer Support on Twitter" CSV layout
    Twcs,
}

#[derive(Args)]
pub struct ImportArgs {
    /// File to import ("-" for standard input)
    pub file: PathBuf,
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
    /// Records per transaction
    #[arg(long, default_value_t = crate::import::BATCH)]
    pub batch: usize,
    /// Hide the progress bar
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Args, Clone)]
pub struct SimArgs {
    /// Random seed: the same seed gives the same data
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Days of history (the detectors need a few weeks of it before they judge)
    #[arg(long, default_value_t = 120)]
    pub days: u32,
    /// New customer conversations per day
    #[arg(long, default_value_t = 300)]
    pub per_day: u32,
    /// First day (RFC 3339); default: `days` before today, at midnight UTC
    #[arg(long)]
    pub start: Option<String>,
    /// Output file (default: standard output)
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Inject an anomaly into a clean history (volume_spike, negative_spike, bleed_sentiment,
    /// bleed_csat, bleed_frt, repeat_trend, masked_resolution, csat_masking, coverage_gap,
    /// recurring_phrase, escalation_trend, topic_shift, bleed_response, or clean); needs --output, and writes the ground
    /// truth next to it as <output stem>.truth.json
    #[arg(long)]
    pub inject: Option<String>,
}

impl SimArgs {
    pub fn sim_config(&self) -> anyhow::Result<simulate::SimConfig> {
        let start = match &self.start {
            Some(s) => {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| anyhow::anyhow!("--start '{s}' is not an RFC 3339 time: {e}"))?
            }
            None => {
                let today = time::OffsetDateTime::now_utc().replace_time(time::Time::MIDNIGHT);
                today - time::Duration::days(i64::from(self.days))
            }
        };
        anyhow::ensure!(self.days >= 1, "--days must be at least 1");
        let mut cfg = simulate::SimConfig::demo(start);
        cfg.seed = self.seed;
        cfg.days = self.days;
        cfg.customers_per_day = self.per_day;
        Ok(cfg)
    }
}

#[derive(Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub sim: SimArgs,
    /// Address to listen on (default 127.0.0.1:8080)
    #[arg(long, env = "EARSHOT_BIND")]
    pub bind: Option<String>,
}

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Subcommand)]
pub enum BenchWhat {
    /// The dashboard query set over rollups on N simulated conversations, next to DuckDB over flat tables
    Dashboard {
        /// Conversations to simulate
        #[arg(long, default_value_t = 1_000_000)]
        conversations: u64,
        /// Days of history
        #[arg(long, default_value_t = 120)]
        days: u32,
        /// Query repetitions (the median is reported)
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Skip the DuckDB comparison
        #[arg(long)]
        no_duckdb: bool,
        /// Keep the benchmark database and print its URL (to re-run queries with --reuse)
        #[arg(long)]
        keep: bool,
        /// Query an already populated database instead of simulating and ingesting
        #[arg(long)]
        reuse: Option<String>,
    },
    /// End-to-end ingest versus raw inserts of the same rows
    Ingest {
        /// Approximate number of messages to ingest
        #[arg(long, default_value_t = 100_000)]
        messages: usize,
        /// Records per transaction (as `import`)
        #[arg(long, default_value_t = crate::import::BATCH)]
        batch: usize,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq, Debug)]
pub enum TaskArg {
    Sentiment,
    Topic,
}

#[derive(Args)]
pub struct NlpArgs {
    #[command(subcommand)]
    pub command: NlpCommand,
}

#[derive(Subcommand)]
pub enum NlpCommand {
    /// Train a calibrated model from labelled CSV (and agents' corrections) and store it for a brand
    Train {
        #[arg(long, value_enum)]
        task: TaskArg,
        /// CSV file with a text column and a label column
        #[arg(long)]
        labels: Option<PathBuf>,
        #[arg(long, default_value = "text")]
        text_column: String,
        #[arg(long, default_value = "label")]
        label_column: String,
        /// Keep only rows where COLUMN=VALUE (e.g. airline_sentiment=negative)
        #[arg(long)]
        filter: Option<String>,
        /// Drop rows repeating an id in this column
        #[arg(long)]
        id_column: Option<String>,
        /// Skip rows with an empty label instead of failing
        #[arg(long)]
        skip_empty_labels: bool,
        /// Brand the model serves ("*" = every brand)
        #[arg(long, default_value = "*")]
        brand: String,
        /// Report k-fold cross-validation before saving (0 = skip)
        #[arg(long, default_value_t = 5)]
        folds: usize,
        /// Add agents' stored sentiment corrections as training labels
        #[arg(long)]
        with_corrections: bool,
    },
    /// Evaluate: k-fold cross-validation on one file, or a stored model on a file
    Eval {
        #[arg(long, value_enum)]
        task: TaskArg,
        #[arg(long)]
        labels: PathBuf,
        #[arg(long, default_value = "text")]
        text_column: String,
        #[arg(long, default_value = "label")]
        label_column: String,
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        id_column: Option<String>,
        #[arg(long)]
        skip_empty_labels: bool,
        /// Evaluate the stored model of this brand instead of cross-validating
        #[arg(long)]
        model: Option<String>,
        #[arg(long, default_value_t = 5)]
        folds: usize,
    },
    /// Store a brand's override rules (JSON: {"rules": [{"phrase", "sentiment"|"valence"|"topic"}]})
    Rules {
        #[arg(long, default_value = "*")]
        brand: String,
        #[arg(long)]
        file: PathBuf,
    },
    /// List the stored models in force
    Models,
}

#[derive(Args)]
pub struct AnalyticsArgs {
    #[command(subcommand)]
    pub command: AnalyticsCommand,
}

#[derive(Subcommand)]
pub enum AnalyticsCommand {
    /// Recompute every rollup cell from the stored conversations, messages and surveys
    Rebuild,
    /// Run the detectors over stored data and store what they find as insights
    Detect {
        /// Report findings that end at or after this time (RFC 3339; default 28 days before --to)
        #[arg(long)]
        from: Option<String>,
        /// Use only data before this time (RFC 3339; default now, or the end of the stored data
        /// when that is more than 6 h earlier, so that an imported history's end is not judged
        /// as a coverage gap)
        #[arg(long)]
        to: Option<String>,
    },
    /// List insights, most severe first
    Insights {
        /// new, acknowledged, actioned or dismissed
        #[arg(long)]
        status: Option<String>,
        /// Only this owner team
        #[arg(long)]
        team: Option<String>,
        /// 1 to 1000
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Move an insight along new → acknowledged → actioned | dismissed (kept with actor and note)
    Status {
        /// Insight id (see `earshot analytics insights`)
        id: String,
        /// acknowledged, actioned or dismissed
        #[arg(long)]
        to: String,
        /// Who makes the change, e.g. lead:sam
        #[arg(long)]
        actor: String,
        #[arg(long)]
        note: Option<String>,
    },
    /// Whether an actioned insight's metric came back since the action
    FollowThrough {
        /// Insight id
        id: String,
        /// Judge with data before this time (RFC 3339; default now)
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Print the weekly digest per owner team
    Digest {
        /// Only this team
        #[arg(long)]
        team: Option<String>,
        /// End of the week (RFC 3339; default now)
        #[arg(long)]
        week_end: Option<String>,
    },
    /// Print a metric series from the rollups
    Series {
        /// Metric name, e.g. frt_median_s (see docs/analytics.md)
        #[arg(long)]
        metric: String,
        /// hour, day or week
        #[arg(long, default_value = "day")]
        interval: String,
        /// all, channel, topic, queue, agent or team
        #[arg(long, default_value = "all")]
        dimension: String,
        #[arg(long)]
        value: Option<String>,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub what: EvalWhat,
}

#[derive(Subcommand)]
pub enum EvalWhat {
    /// Recall, false alarms per 4 weeks of clean data and median delay, per detector
    Detectors {
        /// Histories in the native JSON Lines format to judge instead of simulated scenarios,
        /// each with its truth next to it (`x.jsonl` → `x.truth.json`, as `simulate --inject`
        /// writes them); a file without one is clean data
        #[arg(long, num_args = 1.., conflicts_with_all = ["seeds", "kinds", "days", "per_day"])]
        data: Vec<PathBuf>,
        /// Seeds, comma-separated
        #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
        seeds: Vec<u64>,
        /// Scenario kinds, comma-separated (default: all)
        #[arg(long, value_delimiter = ',')]
        kinds: Vec<String>,
        #[arg(long, default_value_t = 84)]
        days: u32,
        #[arg(long, default_value_t = 300)]
        per_day: u32,
    },
}
