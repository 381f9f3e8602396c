#!/usr/bin/env python3
"""Runs bench_store_transitions against a real PostgreSQL 15 started for the run (durable:
fsync and synchronous_commit on, data in a temporary directory under $GATEHOUSE_BENCH_DIR or
/tmp; make sure it is a real disk) and SQLite alike, so the two are measured on one disk.

  bench/store_transitions_pg.py BUILD_DIR [benchmark flags...]"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration",
                                "support"))
import tempfile  # noqa: E402

from postgres_env import PostgresServer  # noqa: E402

tempfile.tempdir = os.environ.get("GATEHOUSE_BENCH_DIR") or None

build = sys.argv[1] if len(sys.argv) > 1 else "build"
server = PostgresServer()
try:
    url = server.create_database("gatehouse_bench")
    env = dict(os.environ, GATEHOUSE_BENCH_PG_URL=url)
    sys.exit(subprocess.run([os.path.join(build, "bench", "bench_store_transitions"),
                             *sys.argv[2:]], env=env).returncode)
finally:
    server.close()
