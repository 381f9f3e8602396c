"""How fast a decision made on the web releases a held ssh connection (issue 5: within 100 ms,
same process). Real gatehoused, real sshd and ssh; each round holds one ssh, approves it through
its approval link (HTTPS POST), and reads from the daemon's log the time from the durable
decision (`request.approved` event) to the held connection's `hold.end` (the hold learns of the
decision: the release proper) and to its `session.start` (authentication succeeded, upstream
connected). Also reports the POST's round trip as the approver sees it.

    GATEHOUSE_BIN_DIR=build python3 bench/web/web_release_bench.py [ROUNDS] [web|cli]

`session.start` comes after the upstream SSH connection is made, so the figure includes the
upstream handshake; `cli` (approve over the admin socket) is the baseline to compare with.
"""
import json
import os
import re
import statistics
import sys
import time
from datetime import datetime

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "integration",
                                "support"))
from gatehouse_env import wait_for  # noqa: E402
from web_env import WebEnv  # noqa: E402


def ts(line):
    return datetime.fromisoformat(line.split()[0].replace("Z", "+00:00")).timestamp()


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    via = sys.argv[2] if len(sys.argv) > 2 else "web"
    env = WebEnv()
    try:
        env.start_sshd()
        env.write_config(env.web_config_text(mode="approve", rule_extra="    hold_timeout: 2m\n"))
        env.start()
        release_ms, held_ms, post_ms = [], [], []
        for _ in range(rounds):
            proc = env.ssh_popen("true")
            found = []

            def pending():
                found[:] = [r for r in json.loads(env.cli("requests", "--json").stdout)
                            if r["state"] == "pending"]
                return bool(found)
            wait_for(pending, timeout=15, what="held request")
            rid = found[0]["id"]
            if via == "web":
                path = env.path_of(env.approval_link(rid, "bob"))
                csrf = env.get(path).csrf()
                t = time.time()
                assert env.post(path, {"csrf": csrf, "action": "approve"}).status == 200
            else:
                t = time.time()
                assert env.cli("approve", str(rid), "--as", "bob").returncode == 0
            post_ms.append((time.time() - t) * 1000)
            proc.communicate(timeout=30)
            assert proc.returncode == 0
            log = env.log().splitlines()
            approved = next(l for l in log if "request.approved" in l and
                            re.search(rf"\brequest={rid}\b", l))
            after = [l for l in log if "session.start" in l and ts(l) >= ts(approved)]
            release_ms.append((ts(after[0]) - ts(approved)) * 1000)
            released = next(l for l in log if "hold.end" in l and
                            re.search(rf"\brequest_id={rid}\b", l))
            held_ms.append((ts(released) - ts(approved)) * 1000)
            # the grant lets the next round in at once: revoke it first
            grant = json.loads(env.cli("show", str(rid), "--json").stdout)["grant_id"]
            env.cli("revoke", str(grant))
        for name, xs in (("decision -> held connection told (hold.end) (ms)", held_ms),
                         ("decision -> held ssh released and upstream session started (ms)", release_ms),
                         (f"approval round trip via {via} (ms)", post_ms)):
            xs = sorted(xs)
            print(f"{name}: n={len(xs)} median={statistics.median(xs):.1f} "
                  f"p90={xs[int(len(xs) * 0.9) - 1]:.1f} max={xs[-1]:.1f}")
    finally:
        env.stop()
        env.close()


if __name__ == "__main__":
    main()
