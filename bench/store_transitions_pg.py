#!/usr/bin/env python3
"""Runs bench_store_transitions against a real PostgreSQL 15 started for the run (durable:
fsync and synchronous_commit on, data in a temporary directory under $GATEHOUSE_BENCH_DIR or
/tmp; make sure it is a real disk) and SQLite alike, so the two are measured on one disk; then
prints a table of both side by side per benchmark and thread count, with the ratio PostgreSQL /
SQLite (issue 16: aim >= 1,000 durable file + approve transitions per second on PostgreSQL).

  bench/store_transitions_pg.py BUILD_DIR [benchmark flags...]"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration",
                                "support"))
import tempfile  # noqa: E402

from postgres_env import PostgresServer  # noqa: E402

tempfile.tempdir = os.environ.get("GATEHOUSE_BENCH_DIR") or None


def table(report):
    """{(benchmark, threads): {backend: (rate, counter name)}} from Google Benchmark's JSON."""
    rows = {}
    for b in report["benchmarks"]:
        m = re.match(r"(BM_\w+)/postgresql:(\d)/", b["name"])
        if not m or b.get("error_occurred"):
            continue
        threads = re.search(r"threads:(\d+)", b["name"])
        counter = next((k for k in ("transitions/s", "commits/s") if k in b), None)
        rate = b.get(counter) if counter else b.get("items_per_second", 0)
        backend = "postgresql" if m.group(2) == "1" else "sqlite"
        key = (m.group(1), int(threads.group(1)) if threads else 1)
        rows.setdefault(key, {})[backend] = (rate, counter or "items/s")
    return rows


def main():
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    server = PostgresServer()
    try:
        url = server.create_database("gatehouse_bench")
        env = dict(os.environ, GATEHOUSE_BENCH_PG_URL=url)
        out = os.path.join(server.dir, "report.json")
        r = subprocess.run([os.path.join(build, "bench", "bench_store_transitions"),
                            f"--benchmark_out={out}", "--benchmark_out_format=json",
                            *sys.argv[2:]], env=env)
        if r.returncode != 0:
            return r.returncode
        with open(out) as f:
            rows = table(json.load(f))
    finally:
        server.close()
    print(f"\n| durable transitions, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} "
          "| threads | SQLite /s | PostgreSQL /s | PG / SQLite |")
    print("|---|---:|---:|---:|---:|")
    for (name, threads), by in sorted(rows.items()):
        lite, pg = by.get("sqlite", (None, ""))[0], by.get("postgresql", (None, ""))[0]
        unit = (by.get("postgresql") or by.get("sqlite"))[1]
        ratio = f"{pg / lite:.2f}" if lite and pg else "-"
        shown = [f"{x:,.0f}" if x is not None else "error" for x in (lite, pg)]
        print(f"| {name} ({unit}) | {threads} | {shown[0]} | {shown[1]} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
