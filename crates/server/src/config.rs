//! Settings, from defaults, an optional TOML file and `EARSHOT_*` variables
//! (later sources win). With nothing configured Earshot keeps a SQLite file
//! under `./data`.

use domain::routing::Rule;
use domain::threading::ThreadingConfig;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// Largest accepted request body (bytes) for `POST /api/v1/ingest`; larger
/// bodies get 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://...`; defaults to `<data_dir>/earshot.db`.
    pub database_url: Option<String>,
    pub bind: String,
    pub data_dir: PathBuf,
    pub max_body_bytes: usize,
    pub threading: ThreadingConfig,
    pub routing: RoutingSettings,
    /// Topic taxonomy; the NLP crate's default when absent.
    pub taxonomy: Option<nlp::Taxonomy>,
    pub analytics: AnalyticsSettings,
}

/// How metrics are attributed: agents to teams, queues to business hours.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyticsSettings {
    /// Agent (first responder, e.g. `agent:maria`) → team.
    pub agent_team: std::collections::HashMap<String, String>,
    /// Business-hours calendars per queue (default: open around the clock).
    pub business_hours: analytics::BusinessCalendars,
    /// Detector parameters (false-alarm budget, windows, owner teams by topic).
    pub detect: analytics::detect::DetectConfig,
    /// How often `serve` runs detection over recent data (0 = never).
    pub detect_every_secs: u64,
    /// How far back each background detection run looks for findings.
    pub detect_window_days: i64,
    /// How often `serve` tidies the store (`Store::tidy`: PostgreSQL `VACUUM (ANALYZE)` of
    /// the tables each batch rewrites, SQLite `PRAGMA optimize`); 0 = never.
    pub tidy_every_secs: u64,
    /// Receivers of signed webhooks (insight.raised).
    pub webhooks: Vec<crate::webhooks::WebhookTarget>,
}

impl Default for AnalyticsSettings {
    fn default() -> Self {
        Self {
            agent_team: Default::default(),
            business_hours: Default::default(),
            detect: Default::default(),
            detect_every_secs: 300,
            detect_window_days: 14,
            tidy_every_secs: 3600,
            webhooks: Vec::new(),
        }
    }
}

impl Settings {
    /// The attribution rules rollups use.
    pub fn attribution(&self) -> analytics::rollup::Attribution {
        analytics::rollup::Attribution {
            agent_team: self.analytics.agent_team.clone(),
            business_hours: self.analytics.business_hours.clone(),
            repeat_window_secs: self.threading.repeat_window_secs,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RoutingSettings {
    pub default_queue: String,
    pub rules: Vec<Rule>,
}

impl Default for RoutingSettings {
    fn default() -> Self {
        Self {
            default_queue: "general".into(),
            rules: Vec::new(),
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: None,
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            threading: ThreadingConfig::default(),
            routing: RoutingSettings::default(),
            taxonomy: None,
            analytics: AnalyticsSettings::default(),
        }
    }
}

/// Passwords in database URLs never reach logs.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field(
                "database_url",
                &self.database_url.as_deref().map(redact_url),
            )
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("threading", &self.threading)
            .field("routing", &self.routing)
            .finish_non_exhaustive()
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact_url(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((auth, host)) = rest.split_once('@')
        && let Some((user, _)) = auth.split_once(':')
    {
        return format!("{scheme}://{user}:***@{host}");
    }
    url.to_string()
}

impl Settings {
    /// Loads settings: defaults, then `file` (or `./earshot.toml` when it
    /// exists), then environment variables such as `EARSHOT_BIND` or
    /// `EARSHOT_DATABASE_URL`.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder();
        match file {
            Some(f) => {
                anyhow::ensure!(f.exists(), "config file {} does not exist", f.display());
                builder = builder.add_source(config::File::from(f));
            }
            None => {
                builder = builder.add_source(config::File::with_name("earshot").required(false));
            }
        }
        builder = builder.add_source(config::Environment::with_prefix("EARSHOT").try_parsing(true));
        let cfg = builder.build()?;
        // Start from defaults and overlay what was configured.
        let s: Settings = cfg
            .try_deserialize()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        Ok(s)
    }

    /// The database URL in force.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", self.data_dir.join("earshot.db").display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_use_sqlite_under_data() {
        let s = Settings::default();
        assert_eq!(s.database_url(), "sqlite://data/earshot.db");
    }

    #[test]
    fn a_file_sets_routing_rules() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("e.toml");
        std::fs::write(
            &f,
            r#"
bind = "0.0.0.0:9000"
[routing]
default_queue = "care"
[[routing.rules]]
name = "vip"
when = { min_influence = 0.8 }
then = { queue = "vip", priority = "high" }
"#,
        )
        .unwrap();
        let s = Settings::load(Some(&f)).unwrap();
        assert_eq!(s.bind, "0.0.0.0:9000");
        assert_eq!(s.routing.default_queue, "care");
        assert_eq!(s.routing.rules[0].then.queue.as_deref(), Some("vip"));
    }

    #[test]
    fn a_typo_in_the_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("e.toml");
        std::fs::write(&f, "bnd = \"x\"\n").unwrap();
        let err = Settings::load(Some(&f)).unwrap_err().to_string();
        assert!(err.contains("bnd"), "{err}");
    }

    #[test]
    fn the_readme_example_is_a_valid_configuration() {
        let readme = include_str!("../../../README.md");
        let block = readme
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("README has a toml block");
        let s: Settings = toml::from_str(block).unwrap_or_else(|e| panic!("README config: {e}"));
        assert_eq!(s.routing.rules.len(), 3);
        assert_eq!(s.analytics.webhooks.len(), 1);
        domain::routing::Router::new(s.routing.default_queue, s.routing.rules)
            .expect("README rules are valid");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:pw@h/db"), "postgres://u:***@h/db");
        let s = Settings {
            database_url: Some("postgres://u:pw@h/db".into()),
            ..Default::default()
        };
        assert!(!format!("{s:?}").contains("pw"));
    }
}
