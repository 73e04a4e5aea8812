//! Integration tests for the public API (one test binary for the crate).

mod enrich;
mod model;
