#!/usr/bin/env python3
"""The dashboard query set in DuckDB over flat tables, for comparison with
Earshot's rollups (earshot bench dashboard writes the tables and runs this).

Usage: bench_duckdb.py DIR FROM_MS TO_MS [RUNS]
DIR holds conversations.csv and inbound.csv. Prints one JSON line:
{"duckdb_version", "rows_conversations", "rows_inbound", "median_ms", "runs_ms": [...]}.
DuckDB runs on one thread (SET threads = 1), tables loaded in memory first
(not timed); each run executes the whole query set.
"""
import json
import statistics
import subprocess
import sys
import time

try:
    import duckdb
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "duckdb"])
    import duckdb

QUERIES = [
    # daily FRT median and p90 per channel
    """SELECT day, channel, quantile_cont(frt_s, 0.5), quantile_cont(frt_s, 0.9)
       FROM conv WHERE first_inbound_ms >= $f AND first_inbound_ms < $t AND frt_s IS NOT NULL
       GROUP BY day, channel""",
    # daily resolution rate and repeat-contact rate
    """SELECT day, avg(resolved::INT), avg(repeat::INT)
       FROM conv WHERE first_inbound_ms >= $f AND first_inbound_ms < $t GROUP BY day""",
    # daily mean sentiment per topic (customer messages)
    """SELECT day, topic, avg(score)
       FROM inbound WHERE at_ms >= $f AND at_ms < $t AND classified GROUP BY day, topic""",
]


def main():
    d, f, t = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    con = duckdb.connect()
    con.execute("SET threads = 1")
    con.execute(f"CREATE TABLE conv AS SELECT * FROM read_csv_auto('{d}/conversations.csv', header = true)")
    con.execute(f"CREATE TABLE inbound AS SELECT * FROM read_csv_auto('{d}/inbound.csv', header = true)")
    n_conv = con.execute("SELECT count(*) FROM conv").fetchone()[0]
    n_in = con.execute("SELECT count(*) FROM inbound").fetchone()[0]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for q in QUERIES:
            con.execute(q.replace("$f", str(f)).replace("$t", str(t))).fetchall()
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({
        "duckdb_version": duckdb.__version__,
        "rows_conversations": n_conv,
        "rows_inbound": n_in,
        "median_ms": statistics.median(times),
        "runs_ms": times,
    }))


if __name__ == "__main__":
    main()
