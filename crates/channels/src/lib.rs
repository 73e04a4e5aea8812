//! Sources of records: each module turns one input format into
//! [`domain::record::Record`]s, reporting every bad line or row precisely
//! instead of failing the whole input.
//!
//! - [`native`]: Earshot's own JSON Lines import format (also the item format
//!   of the HTTP ingest endpoint), documented in `docs/import-format.md`.
//! - [`twcs`]: the public "Customer Support on Twitter" CSV layout.

pub mod error;
pub mod native;
pub mod twcs;

pub use error::{LineError, RecordError};
