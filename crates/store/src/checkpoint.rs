//! SQLite WAL checkpoints off the write path.
//!
//! With SQLite's automatic checkpoints, the commit that crosses the WAL size
//! limit copies the whole WAL into the database file and syncs both before
//! it returns: a third of a second every few batches of a large import. Here
//! the writer only nudges a background task after each commit; once the WAL
//! has grown past `WAL_LIMIT` the task runs a PASSIVE checkpoint on a
//! connection of its own, which never blocks the writer, while the next batch
//! is being planned and written. The writer keeps SQLite's own checkpoint as
//! a backstop at a much larger size, in case the task cannot keep up.

use sqlx::SqlitePool;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::Notify;

/// The WAL size from which the background task checkpoints.
const WAL_LIMIT: u64 = 32 << 20;
/// The writer's own `wal_autocheckpoint`, in pages (about 1 GiB at 4 KiB pages).
pub const BACKSTOP_PAGES: &str = "250000";

#[derive(Clone)]
pub struct Checkpointer {
    nudge: Arc<Notify>,
}

impl Checkpointer {
    /// Starts the task for the database at `db_path`, using `pool` for its
    /// connection. It ends when the pool is closed.
    pub fn start(db_path: PathBuf, pool: SqlitePool) -> Self {
        let nudge = Arc::new(Notify::new());
        let wake = nudge.clone();
        let mut wal = db_path.into_os_string();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        tokio::spawn(async move {
            loop {
                wake.notified().await;
                if pool.is_closed() {
                    break;
                }
                let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
                if size < WAL_LIMIT {
                    continue;
                }
                let t = std::time::Instant::now();
                match sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                {
                    Ok(_) => tracing::trace!(
                        wal_bytes = size,
                        checkpoint_us = t.elapsed().as_micros() as u64,
                        "background checkpoint"
                    ),
                    // The writer's backstop checkpoint still bounds the WAL.
                    Err(e) => tracing::warn!("background WAL checkpoint failed: {e}"),
                }
            }
        });
        Self { nudge }
    }

    /// After a commit: the WAL may have grown.
    pub fn nudge(&self) {
        self.nudge.notify_one();
    }
}
