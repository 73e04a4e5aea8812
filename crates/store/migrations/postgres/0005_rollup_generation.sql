-- A counter every writer of rollup_cells bumps in the same transaction, so
-- that a process can tell whether the cells it cached are still the stored
-- ones (see store::cell_cache).
CREATE TABLE rollup_meta (
    id INTEGER PRIMARY KEY,
    generation BIGINT NOT NULL
);
INSERT INTO rollup_meta (id, generation) VALUES (1, 0);
