//! Versioned migrations, embedded in the binary so a single file runs anywhere.

use sqlx::SqlSafeStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

fn migrator(files: &[(i64, &'static str, &'static str)]) -> Migrator {
    Migrator::with_migrations(
        files
            .iter()
            .map(|(version, name, sql)| {
                Migration::new(
                    *version,
                    (*name).into(),
                    MigrationType::Simple,
                    sql.into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}

/// Every migration, in order: (version, name, SQLite SQL, PostgreSQL SQL).
macro_rules! migrations {
    ($($version:literal $name:literal),* $(,)?) => {
        pub fn sqlite() -> Migrator {
            migrator(&[$(($version, $name, include_str!(concat!("../migrations/sqlite/", $name, ".sql")))),*])
        }

        pub fn postgres() -> Migrator {
            migrator(&[$(($version, $name, include_str!(concat!("../migrations/postgres/", $name, ".sql")))),*])
        }
    };
}

migrations!(1 "0001_core", 2 "0002_nlp", 3 "0003_rollups", 4 "0004_insights", 5 "0005_rollup_generation", 6 "0006_last_inbound", 7 "0007_cells_clustered", 8 "0008_cells_fillfactor");
