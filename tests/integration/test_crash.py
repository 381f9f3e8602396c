"""Durability: the real daemon is killed with SIGKILL in the middle of a burst of approvals
made through the CLI. After a restart every approval the CLI reported as done is there, and
the timers (pending expiry, grant end) fire although their deadlines were set before the crash."""
import json
import os
import signal
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import Env, wait_for  # noqa: E402

PEOPLE = 300


class CrashRecovery(unittest.TestCase):
    def setUp(self):
        self.env = Env()
        self.addCleanup(self.env.close)
        text = self.env.config_text()
        users = "".join(f"""  - name: dev{i}
    email: dev{i}@example.com
    groups: [developers]
""" for i in range(PEOPLE))
        text = text.replace("users:\n", "users:\n" + users, 1)
        text = text.replace("rules:\n", """rules:
  - name: quick
    users: [dev0, dev1]
    servers: [web01]
    accounts: ["*"]
    mode: approve
    approvers: [bob]
    default_duration: 4s
    max_duration: 1h
    pending_timeout: 4s
""", 1)
        self.env.write_config(text)

    def test_sigkill_mid_burst_loses_no_reported_approval(self):
        env = self.env
        env.start()
        ids = []
        for i in range(2, PEOPLE):
            r = env.cli("request", "root@web01", "--for", f"dev{i}", "--reason", "burst", "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            ids.append(json.loads(r.stdout)["id"])
        # Timers set before the crash: a pending request and a grant, both due in ~4 s.
        pending = json.loads(env.cli("request", "root@web01", "--for", "dev0", "--reason", "t",
                                     "--json").stdout)["id"]
        short = json.loads(env.cli("request", "root@web01", "--for", "dev1", "--reason", "t",
                                   "--json").stdout)["id"]
        self.assertEqual(env.cli("approve", str(short), "--as", "bob").returncode, 0)

        reported = []
        def burst():
            for rid in ids:
                r = env.cli("approve", str(rid), "--as", "bob", "--comment", "ok")
                if r.returncode == 0:
                    reported.append(rid)
                elif "cannot reach" in r.stderr or "reading from" in r.stderr:
                    return
        t = threading.Thread(target=burst)
        t.start()
        wait_for(lambda: len(reported) >= 40, timeout=60, what="the burst to get going")
        env.proc.send_signal(signal.SIGKILL)
        env.proc.wait()
        t.join(60)
        self.assertLess(len(reported), len(ids), "the kill must land mid-burst")
        killed_at = time.time()

        env.start()
        requests = {r["id"]: r for r in json.loads(env.cli("requests", "--json").stdout)}
        grants = {g["id"]: g for g in json.loads(env.cli("grants", "--json").stdout)}
        for rid in reported:
            self.assertEqual(requests[rid]["state"], "approved", f"request #{rid} lost")
            self.assertEqual(grants[requests[rid]["grant_id"]]["state"], "active")
        # Nothing half-done: every request is pending or approved with a grant.
        for rid in ids:
            r = requests[rid]
            self.assertIn(r["state"], ("pending", "approved"))
            self.assertEqual(r["grant_id"] is not None, r["state"] == "approved")

        def state_of(rid):
            return json.loads(env.cli("show", str(rid), "--json").stdout)
        wait_for(lambda: state_of(pending)["state"] == "expired", timeout=15,
                 what="the pending timeout armed before the crash")
        gid = state_of(short)["grant_id"]
        wait_for(lambda: any(g["id"] == gid and g["state"] == "ended"
                             for g in json.loads(env.cli("grants", "--json").stdout)),
                 timeout=15, what="the grant end armed before the crash")
        self.assertLess(time.time() - killed_at, 30)
        self.assertEqual(env.stop(), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
