//! What the evaluation examples share: opening a labelled CSV and finding its columns.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result};

/// Opens `path` and returns its reader with the positions of `names`, in that order.
pub fn csv_with_columns(path: &Path, names: &[&str]) -> Result<(csv::Reader<File>, Vec<usize>)> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let h = r.headers()?.clone();
    let cols = names
        .iter()
        .map(|name| {
            h.iter()
                .position(|c| c == *name)
                .with_context(|| format!("no column {name} in {}", path.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((r, cols))
}
