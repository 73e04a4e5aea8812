-- Who answered first (per-agent and per-team metrics), and the rollup
-- cells dashboards and detectors read: one row per time bucket × dimension
-- value, holding counters and mergeable sketches (analytics::Cell bytes).
ALTER TABLE conversations ADD COLUMN first_responder TEXT;

CREATE TABLE rollup_cells (
    grain TEXT NOT NULL,
    dim TEXT NOT NULL,
    value TEXT NOT NULL,
    bucket_ms INTEGER NOT NULL,
    cell BLOB NOT NULL,
    PRIMARY KEY (grain, dim, value, bucket_ms)
);
CREATE INDEX rollup_cells_time ON rollup_cells(grain, dim, bucket_ms);
