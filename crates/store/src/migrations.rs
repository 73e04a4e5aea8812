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

pub fn sqlite() -> Migrator {
    migrator(&[(
        1,
        "core",
        include_str!("../migrations/sqlite/0001_core.sql"),
    )])
}

pub fn postgres() -> Migrator {
    migrator(&[(
        1,
        "core",
        include_str!("../migrations/postgres/0001_core.sql"),
    )])
}
