"""How long the web app's audit pages take over a large log (issue 6 "Web"). The search reads
the log on the web server's worker thread (one search at a time; the daemon's io thread goes
on meanwhile, tests/integration/test_web_audit.py LongSearch). Real gatehoused; the log's rotated file is filled with EVENTS synthetic
events (about 330 bytes each, a mix of session, sftp and request events, two people) before the
daemon starts.

    GATEHOUSE_BIN_DIR=build python3 bench/web/audit_page_bench.py [EVENTS] [ROUNDS]

Prints the median and worst time of each page over ROUNDS (as the HTTPS client sees it).
"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration",
                                "support"))
from web_env import WebEnv  # noqa: E402


def main():
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    env = WebEnv()
    try:
        log = os.path.join(env.dir, "audit.jsonl")
        WebEnv.fill_audit_log(log + ".1", events)
        size = os.path.getsize(log + ".1")
        text = WebEnv.with_audit(env.web_config_text(mode="allow"), log,
                                 extra="  on_write_failure: continue\n")
        env.write_config(WebEnv.with_auditors(text))
        env.start()
        carol = env.sign_in("carol")
        print(f"{events} events, {size / 1e6:.0f} MB; {rounds} rounds; times in ms (median / max)")
        for path in ("/audit", "/audit?person=nobody", "/audit.csv?event=session.start",
                     "/audit/sessions", "/audit/sessions/ssh-abcdef-7"):
            took = []
            for _ in range(rounds):
                start = time.perf_counter()
                r = env.get(path, cookie=carol, timeout=300)
                took.append((time.perf_counter() - start) * 1000)
                assert r.status == 200, (path, r.status, r.body[:300])
            print(f"  {path:40} {statistics.median(took):8.0f} {max(took):8.0f}  "
                  f"({len(r.body) / 1e3:.0f} kB)")
    finally:
        env.close()


if __name__ == "__main__":
    main()
