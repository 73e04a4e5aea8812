-- SQLite clusters rollup_cells by (grain, dim, bucket, value) in this version. PostgreSQL
-- keeps its table, primary key and time index unchanged (its read cost was not measured
-- against a clustered layout).
SELECT 1;
