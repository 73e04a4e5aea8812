-- Rollup cells are updated in place by every ingest batch. Free room on each page lets an
-- update stay on its page (a HOT update: no new index entries), and vacuuming this table at
-- 2 % dead rows instead of the default 20 % keeps reads from walking past dead versions.
ALTER TABLE rollup_cells SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02);
