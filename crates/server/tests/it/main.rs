//! Integration tests of the application on real databases: every test runs
//! on a fresh SQLite file and on a fresh PostgreSQL database.

mod api;
mod detection;
mod nlp;
mod pipeline;
mod rollups;
mod support;
mod upkeep;
