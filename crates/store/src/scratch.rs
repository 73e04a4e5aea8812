//! Throw-away databases for tests and benchmarks: a fresh SQLite file or a
//! fresh PostgreSQL database next to the one an admin URL names.

use crate::{Backend, Result, StoreError};
use sqlx::Connection;

/// A database that is dropped (PostgreSQL) or deleted (SQLite) by [`Scratch::destroy`].
pub struct Scratch {
    pub url: String,
    admin_url: Option<String>,
    name: String,
    dir: Option<std::path::PathBuf>,
}

fn unique_name(prefix: &str) -> String {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000_000
    )
}

/// Replaces the database name of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let root = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

impl Scratch {
    /// Creates an empty database of the same kind as `like_url`: for
    /// SQLite a file in a new temporary directory, for PostgreSQL a new
    /// database on the same server.
    pub async fn create(like_url: &str, prefix: &str) -> Result<Self> {
        let name = unique_name(prefix);
        match Backend::from_url(like_url)? {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).map_err(|source| StoreError::DataDir {
                    path: dir.clone(),
                    source,
                })?;
                Ok(Self {
                    url: format!("sqlite://{}", dir.join("earshot.db").display()),
                    admin_url: None,
                    name,
                    dir: Some(dir),
                })
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(like_url).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                    .execute(&mut conn)
                    .await?;
                conn.close().await?;
                Ok(Self {
                    url: with_database(like_url, &name),
                    admin_url: Some(like_url.to_string()),
                    name,
                    dir: None,
                })
            }
        }
    }

    /// Removes the database. Call after closing every pool on it.
    pub async fn destroy(self) -> Result<()> {
        if let Some(admin) = &self.admin_url {
            let mut conn = sqlx::PgConnection::connect(admin).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            )))
            .execute(&mut conn)
            .await?;
            conn.close().await?;
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            with_database("postgres://u@h:5432/postgres", "x"),
            "postgres://u@h:5432/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
