"""The `gatehouse` CLI against the real daemon: the approval workflow as an operator sees it,
with the exit codes SPEC promises (0 ok, 1 refused with a one-line reason, 2 usage)."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import GATEHOUSE, Env, quick_rule, wait_for  # noqa: E402
import subprocess  # noqa: E402



class AdminCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = Env()
        text = cls.env.config_text().replace("rules:\n", "rules:\n" + quick_rule(), 1)
        text = text.replace("servers:\n", f"""servers:
  - name: web02
    protocol: ssh
    address: "127.0.0.1:2"
    host_key: "{' '.join(cls.env.upstream_host_key.split()[:2])}"
    accounts:
      - {{ name: deploy, key_file: {cls.env.account_key} }}
""", 1)
        cls.env.write_config(text)
        cls.env.start()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()
        cls.env.close()

    def cli(self, *args):
        return self.env.cli(*args)

    def file(self, target="root@web01", person="alice", *extra):
        r = self.cli("request", target, "--for", person, "--reason", "fix prod", *extra, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        req = json.loads(r.stdout)
        # Tests share one daemon: never leave a pending request behind for the next one.
        self.addCleanup(self.cli, "cancel", str(req["id"]))
        return req

    def show(self, rid):
        r = self.cli("show", str(rid), "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_request_then_approve_creates_grant(self):
        req = self.file()
        self.assertEqual(req["state"], "pending")
        self.assertEqual(req["requester"], "alice")
        self.assertEqual(req["approvers"][0]["approvers"], ["carol", "bob"])
        for key in ("id", "state", "requester", "server", "account", "protocol", "justification",
                    "emergency", "post_approval", "window", "approvers", "decisions", "comments",
                    "grant_id"):
            self.assertIn(key, req)
        r = self.cli("approve", str(req["id"]), "--as", "bob", "--comment", "go ahead",
                     "--duration", "30m")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, rf"request #{req['id']} approved, grant #\d+ until ")
        after = self.show(req["id"])
        self.assertEqual(after["state"], "approved")
        self.assertEqual(after["decisions"][0]["approver"], "bob")
        self.assertEqual(after["decisions"][0]["comment"], "go ahead")
        grants = json.loads(self.cli("grants", "--json").stdout)
        grant = next(g for g in grants if g["id"] == after["grant_id"])
        self.assertEqual((grant["person"], grant["server"], grant["account"], grant["state"]),
                         ("alice", "web01", "root", "active"))
        # Revoke by an approver who did not act; a second revoke is refused.
        r = self.cli("revoke", str(grant["id"]), "--as", "carol")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), f"grant #{grant['id']} revoked")
        r = self.cli("revoke", str(grant["id"]), "--as", "carol")
        self.assertEqual(r.returncode, 1)

    def test_refusals_exit_1_and_change_nothing(self):
        req = self.file()
        rid = str(req["id"])
        r = self.cli("approve", rid, "--as", "alice")
        self.assertEqual(r.returncode, 1)
        self.assertIn("own request", r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertEqual(self.show(rid)["state"], "pending")
        r = self.cli("deny", rid, "--as", "bob", "--comment", "not during the freeze")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("approve", rid, "--as", "carol")
        self.assertEqual(r.returncode, 1)
        self.assertIn("denied", r.stderr)
        after = self.show(rid)
        self.assertEqual(after["state"], "denied")
        self.assertEqual(after["grant_id"], None)
        self.assertEqual(after["decisions"][0]["comment"], "not during the freeze")

    def test_admin_override_without_as(self):
        req = self.file()
        r = self.cli("approve", str(req["id"]))
        self.assertEqual(r.returncode, 0, r.stderr)
        after = self.show(req["id"])
        self.assertEqual(after["state"], "approved")
        self.assertEqual(after["decisions"][0]["approver"], "admin")
        self.cli("revoke", str(after["grant_id"]))

    def test_cancel_and_comment(self):
        req = self.file()
        rid = str(req["id"])
        r = self.cli("comment", rid, "why now?", "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.show(rid)["comments"][0]["text"], "why now?")
        self.assertEqual(self.show(rid)["state"], "pending")
        r = self.cli("cancel", rid, "--as", "alice")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.show(rid)["state"], "cancelled")
        pending = json.loads(self.cli("requests", "--state", "pending", "--json").stdout)
        self.assertNotIn(int(rid), [p["id"] for p in pending])

    def test_pending_request_expires_and_grant_ends_on_time(self):
        req = self.file("deploy@web02")
        wait_for(lambda: self.show(req["id"])["state"] == "expired", timeout=10,
                 what="pending_timeout of 2s")
        req = self.file("deploy@web02")
        self.assertEqual(self.cli("approve", str(req["id"]), "--as", "bob").returncode, 0)
        gid = self.show(req["id"])["grant_id"]
        def grant_state():
            grants = json.loads(self.cli("grants", "--json").stdout)
            return next(g for g in grants if g["id"] == gid)["state"]
        self.assertEqual(grant_state(), "active")
        wait_for(lambda: grant_state() == "ended", timeout=10, what="a 3s grant to end")

    def test_usage_errors_exit_2(self):
        self.assertEqual(self.cli("frobnicate").returncode, 2)
        self.assertEqual(self.cli("approve").returncode, 2)
        self.assertEqual(self.cli("approve", "abc").returncode, 2)
        self.assertEqual(self.cli("approve", "1", "--duration", "soon").returncode, 2)
        r = subprocess.run([GATEHOUSE], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)

    def test_not_found_and_unreachable_exit_1(self):
        r = self.cli("show", "999999")
        self.assertEqual(r.returncode, 1)
        r = subprocess.run([GATEHOUSE, "--socket", "/nonexistent.sock", "status"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach gatehoused", r.stderr)

    def test_human_tables(self):
        self.file()
        r = self.cli("requests")
        self.assertEqual(r.returncode, 0)
        header = r.stdout.splitlines()[0].split()
        self.assertEqual(header[:4], ["ID", "STATE", "REQUESTER", "TARGET"])
        r = self.cli("sessions")
        self.assertEqual(r.stdout.strip(), "no live sessions")


if __name__ == "__main__":
    unittest.main(verbosity=2)
