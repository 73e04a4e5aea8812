//! Rollup cells as this process last wrote them, so that an ingest batch
//! merges its deltas without reading and decoding the stored cells again.
//!
//! The cache is only trusted while the stored `rollup_meta.generation` is the
//! one it was filled at: every writer of `rollup_cells` bumps it in the same
//! transaction, under the write lock, so a cell written by another process or
//! node (or a rebuild) invalidates the whole cache at the next batch.

use analytics::Cell;
use analytics::rollup::CellKey;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

/// At most this many cells are kept (a few KiB each): imports and live
/// traffic arrive roughly in time order, so recent buckets are the ones
/// reused.
const MAX_CELLS: usize = 16_384;

#[derive(Default)]
struct Inner {
    generation: Option<i64>,
    cells: HashMap<CellKey, Cell>,
}

/// Shared by the clones of one store.
#[derive(Clone, Default)]
pub struct CellCache(Arc<Mutex<Inner>>);

/// The cells a transaction wrote and the generation it left behind; installed
/// into the cache once the transaction has committed.
#[must_use = "install the written cells after the commit"]
pub struct Staged {
    generation: i64,
    cells: Vec<(CellKey, Cell)>,
}

impl CellCache {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves at worst a cache without
        // some entries; clearing it is always safe.
        match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => {
                let mut g = poisoned.into_inner();
                g.generation = None;
                g.cells.clear();
                g
            }
        }
    }

    /// Takes the cached cells of `keys` out of the cache when it is valid for
    /// the stored `generation` (and empties it when it is not). The caller
    /// reads the keys not returned from the database.
    pub fn take(&self, generation: i64, keys: &[&CellKey]) -> HashMap<CellKey, Cell> {
        let mut g = self.lock();
        if g.generation != Some(generation) {
            g.cells.clear();
            g.generation = Some(generation);
            return HashMap::new();
        }
        keys.iter()
            .filter_map(|k| g.cells.remove_entry(*k))
            .collect()
    }

    /// Forgets everything (after the stored cells were replaced).
    pub fn clear(&self) {
        let mut g = self.lock();
        g.generation = None;
        g.cells.clear();
    }

    pub fn stage(generation: i64, cells: Vec<(CellKey, Cell)>) -> Staged {
        Staged { generation, cells }
    }

    /// Keeps the cells a committed transaction wrote, as of its generation.
    pub fn install(&self, staged: Staged) {
        let mut g = self.lock();
        if g.generation.is_some_and(|was| was + 1 != staged.generation) {
            // Someone else wrote in between: what is cached is stale.
            g.cells.clear();
        }
        if g.cells.len() + staged.cells.len() > MAX_CELLS {
            g.cells.clear();
        }
        g.generation = Some(staged.generation);
        g.cells.extend(staged.cells);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().cells.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use analytics::rollup::{Dim, Grain};

    fn key(bucket_ms: i64) -> CellKey {
        CellKey {
            grain: Grain::Hour,
            dim: Dim::All,
            value: String::new(),
            bucket_ms,
        }
    }

    #[test]
    fn serves_cells_only_at_the_generation_it_was_filled_at() {
        let cache = CellCache::default();
        let k = key(0);
        assert!(cache.take(0, &[&k]).is_empty(), "empty at first");
        cache.install(CellCache::stage(1, vec![(k.clone(), Cell::default())]));
        assert_eq!(cache.take(1, &[&k]).len(), 1);
        // Taken out: a second take finds nothing until it is installed again.
        assert!(cache.take(1, &[&k]).is_empty());
        cache.install(CellCache::stage(2, vec![(k.clone(), Cell::default())]));
        // Another writer moved the generation on: nothing is served.
        assert!(cache.take(3, &[&k]).is_empty());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_gap_in_generations_drops_stale_cells() {
        let cache = CellCache::default();
        cache.take(0, &[]);
        cache.install(CellCache::stage(1, vec![(key(0), Cell::default())]));
        // Generation 2 was written elsewhere; this process wrote 3.
        cache.install(CellCache::stage(3, vec![(key(1), Cell::default())]));
        assert!(cache.take(3, &[&key(0)]).is_empty());
        assert_eq!(cache.take(3, &[&key(1)]).len(), 1);
    }

    #[test]
    fn stays_bounded() {
        let cache = CellCache::default();
        cache.take(0, &[]);
        let many: Vec<_> = (0..MAX_CELLS as i64)
            .map(|b| (key(b), Cell::default()))
            .collect();
        cache.install(CellCache::stage(1, many));
        cache.install(CellCache::stage(2, vec![(key(-1), Cell::default())]));
        assert_eq!(cache.len(), 1);
    }
}
