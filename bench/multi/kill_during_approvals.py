#!/usr/bin/env python3
"""Issue 16's `kill -9` claim at its full size (tests/integration/test_three_daemons.py runs it
with fewer requests to fit CI): three gatehoused on one real PostgreSQL, --requests requests
filed, approved through the three admin CLIs at once while daemon A is killed with SIGKILL a
third of the way; the approvals it cut off made again through B and C. Then the same checks as
the test (support/kill_during_approvals.py): every approval a CLI reported is approved with its
grant, nothing is decided twice (store and the three audit logs), every approver mail is sent
exactly once (the SMTP sink). Prints a table; exits non-zero if a check fails.

Usage: bench/multi/kill_during_approvals.py [--bin-dir BUILD] [--requests 1000] [--workers 6]"""
import argparse
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "support"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get("GATEHOUSE_BIN_DIR",
                                                        os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=6, help="CLI calls in flight at once")
    args = ap.parse_args()
    # before the support modules are imported: they take their binaries from it
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)
    from kill_during_approvals import approve_while_killing, check, file_requests
    from three_daemons import ThreeDaemons

    three = ThreeDaemons(bulk_accounts=args.requests, haproxy=False)
    rows, failed = [], None
    try:
        three.start()
        t = time.perf_counter()
        ids = file_requests(three, args.requests, args.workers)
        rows.append(("requests filed through the three CLIs, s / per s",
                     f"{time.perf_counter() - t:.1f} / {len(ids) / (time.perf_counter() - t):.0f}"))
        said, seconds, retried = approve_while_killing(three, ids, victim=0,
                                                       workers=args.workers)
        rows.append(("approvals (A killed after a third), s / per s",
                     f"{seconds:.1f} / {len(ids) / seconds:.0f}"))
        rows.append(("approvals cut off by the kill, made again on B or C", str(retried)))
        t = time.perf_counter()
        case = unittest.TestCase()
        try:
            repeats = check(case, three, ids, said, victim=0, mail_timeout=600)
            rows.append(("checks (grants, decided once, mail once)", "pass"))
            rows.append(("the message in flight at the kill delivered again (same Message-ID)",
                         str(repeats)))
        except AssertionError as e:
            failed = str(e)
            rows.append(("checks (grants, decided once, mail once)", "FAIL: " + failed[:80]))
        rows.append(("until every mail was sent and counted, s", f"{time.perf_counter() - t:.0f}"))
        rows.append(("mails received by the sink", str(len(three.sink.messages))))
    finally:
        print(f"\n| kill -9 during {args.requests} approvals, three daemons, loopback, "
              f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f} | |")
        print("|---|---:|")
        for r in rows:
            print(f"| {r[0]} | {r[1]} |")
        three.close()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
