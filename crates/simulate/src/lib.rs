//! Deterministic simulated customer-care history.
