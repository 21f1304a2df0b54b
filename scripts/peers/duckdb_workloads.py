"""Time DuckDB on the W1/W3/W4 workloads: best of N runs, 2 threads (docs/PERFORMANCE.md)."""
import os
import sys
import time

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))


def run(sql_file, data, threads, repeat=3):
    sql = open(os.path.join(HERE, sql_file)).read().replace("{file}", data)
    statements = [s for s in sql.split(";") if s.strip() and not all(
        l.strip().startswith("--") or not l.strip() for l in s.splitlines())]
    best, rows = None, 0
    for _ in range(repeat):
        con = duckdb.connect()
        con.execute(f"SET threads={threads}")
        start = time.perf_counter()
        rows = 0
        for s in statements:
            result = con.execute(s).fetchall()
            rows += len(result)
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
        con.close()
    return best, rows


if __name__ == "__main__":
    data = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    size = os.path.getsize(data)
    for name, f in [("W1", "w1_detections.sql"), ("W3", "w3.sql"), ("W4", "w4.sql")]:
        t, rows = run(f, data, threads)
        print(f"duckdb {name} threads={threads}: {t:.3f} s, {size / t / 1e6:.0f} MB/s, {rows} rows")
