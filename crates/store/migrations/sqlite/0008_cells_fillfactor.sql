-- PostgreSQL only (page fill and vacuum settings of rollup_cells); SQLite has neither.
SELECT 1;
