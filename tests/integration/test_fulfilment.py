"""Fulfilment of resources the gate does not proxy (`protocol: manual`), through the real
daemon, CLI and SMTP sink: a request for a manual server is approved, its fulfillers are mailed
and one marks it fulfilled with evidence (the requester is told; request.fulfilled audited) or
failed (request.fulfilment_failed); only a fulfiller may; nobody connects to a manual server."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from shared_daemon_case import SharedDaemonCase  # noqa: E402
from smtp_sink import SmtpSink, html_part, text_part  # noqa: E402
from gatehouse_env import Env, audit_events, wait_for  # noqa: E402
from web_env import WebEnv  # noqa: E402

MANUAL = """\
  - name: github-write
    protocol: manual
    groups: [saas]
  - name: jira-admin
    protocol: manual
    groups: [saas]
server_groups:
  - name: saas
rules:
"""

RULE = """\
  - name: saas-access
    users: [alice]
    servers: ["group:saas"]
    mode: approve
    approvers: [bob]
    fulfillers: ["group:managers"]
"""


def subject_is(subject, to):
    return lambda m: str(m["Subject"]) == subject and to in str(m["To"])


class FulfilmentThroughTheDaemon(SharedDaemonCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink().start()
        cls.env = Env()
        cls.audit_log = os.path.join(cls.env.dir, "audit.jsonl")
        text = cls.env.config_text(extra_rules=RULE)
        text = text.replace("rules:\n", MANUAL, 1)
        text = text.replace("users:\n", f"""mail:
  smtp: "{cls.sink.url}"
  from: gate@example.com
audit:
  log: {cls.audit_log}
users:
""", 1)
        cls.env.write_config(text)
        check = subprocess.run([os.path.join(os.path.dirname(cls.env.cli_args()[0]), "..",
                                             "daemon", "gatehoused"), "-c",
                                cls.env.config_path, "--check"], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        cls.env.start()

    def approved_request(self, server):
        req = self.env.cli_json("request", server, "--for", "alice", "--reason", "release v2")
        rid = req["id"]
        self.assertEqual(req["protocol"], "manual")
        self.assertEqual(req["fulfilment"], "none")
        self.sink.wait_for(subject_is(f"test-gate - Connection Approval Notification - #{rid}",
                                      "bob@example.com"), what="bob's approval mail")
        approved = self.env.cli_json("approve", str(rid), "--as", "bob", "--comment", "ok")
        self.assertEqual(approved["state"], "approved")
        self.assertEqual(approved["fulfilment"], "awaiting")
        # Every fulfiller (group managers: bob and carol) is asked, with how to mark it.
        for who in ("bob", "carol"):
            msg = self.sink.wait_for(
                subject_is(f"test-gate - Fulfilment Needed - #{rid}", f"{who}@example.com"),
                what=f"{who}'s fulfilment mail")
            self.assertIn(server, text_part(msg))
            self.assertIn(f"gatehouse fulfil {rid}", text_part(msg))
        approved_mail = self.sink.wait_for(
            subject_is(f"test-gate - Connection Request Approved - #{rid}", "alice@example.com"),
            what="alice's approval mail")
        self.assertIn("fulfillers are asked", text_part(approved_mail))
        return rid

    def test_approved_then_fulfilled_with_mails_and_events(self):
        rid = self.approved_request("github-write")
        # Only a fulfiller may mark it; the requester may not.
        r = self.env.cli("fulfil", str(rid), "--evidence", "added myself", "--as", "alice")
        self.assertEqual(r.returncode, 1)
        self.assertIn("alice is not a fulfiller", r.stderr)
        r = self.env.cli("fulfil", str(rid), "--as", "carol")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("evidence", r.stderr)
        done = self.env.cli_json("fulfil", str(rid), "--evidence", "added alice to org <writers>",
                             "--as", "carol")
        self.assertEqual(done["fulfilment"], "fulfilled")
        self.assertIn({"event": "fulfilled", "actor": "carol",
                       "text": "added alice to org <writers>"},
                      [{k: h[k] for k in ("event", "actor", "text")} for h in done["history"]])
        msg = self.sink.wait_for(
            subject_is(f"test-gate - Access Request Fulfilled - #{rid}", "alice@example.com"),
            what="alice's fulfilled mail")
        self.assertIn("fulfilled by carol", text_part(msg))
        self.assertIn("added alice to org <writers>", text_part(msg))
        self.assertIn("added alice to org &lt;writers&gt;", html_part(msg))
        # Once is enough.
        again = self.env.cli("fulfil", str(rid), "--evidence", "again", "--as", "bob")
        self.assertEqual(again.returncode, 1)
        self.assertIn("already fulfilled", again.stderr)
        wait_for(lambda: audit_events(self.audit_log, "request.fulfilled"),
                 what="request.fulfilled")
        [event] = [e for e in audit_events(self.audit_log, "request.fulfilled")
                   if e.get("request") == str(rid)]
        self.assertEqual(event["actor"], "carol")
        self.assertEqual(event["evidence"], "added alice to org <writers>")
        self.assertEqual(event["server"], "github-write")

    def test_failed_fulfilment_is_told_and_audited(self):
        rid = self.approved_request("jira-admin")
        r = self.env.cli("fulfil", str(rid), "--failed", "--as", "bob")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("comment", r.stderr)
        done = self.env.cli_json("fulfil", str(rid), "--failed", "--comment", "no licence left",
                             "--as", "bob")
        self.assertEqual(done["fulfilment"], "failed")
        msg = self.sink.wait_for(
            subject_is(f"test-gate - Access Request Fulfilment Failed - #{rid}",
                       "alice@example.com"), what="alice's failed mail")
        self.assertIn("no licence left", text_part(msg))
        wait_for(lambda: [e for e in audit_events(self.audit_log, "request.fulfilment_failed")
                          if e.get("request") == str(rid)], what="request.fulfilment_failed")
        r = self.env.cli("fulfil", str(rid), "--evidence", "done after all", "--as", "carol")
        self.assertEqual(r.returncode, 1)
        self.assertIn("already failed", r.stderr)

    def test_nobody_connects_to_a_manual_server(self):
        r = subprocess.run(
            ["ssh", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
             "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
             "-i", os.path.join(self.env.dir, "alice"), "-p", str(self.env.ssh_port),
             "alice@github-write@127.0.0.1", "true"],
            capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("github-write' is a manual resource", r.stdout + r.stderr)
        # Nor can anyone ask for it as an ssh account.
        r = self.env.cli("request", "root@github-write", "--for", "alice", "--reason", "x")
        self.assertEqual(r.returncode, 1)
        self.assertIn("manual resource", r.stderr)


class FulfilmentOnTheWeb(unittest.TestCase):
    """carol, a fulfiller, finds the task under "Action required" and marks it on its page."""

    def test_a_fulfiller_marks_the_task_on_the_web(self):
        env = WebEnv()
        self.addCleanup(env.close)
        text = env.web_config_text(mode="allow")
        text = text.replace("rules:\n", MANUAL, 1) + RULE.replace(
            '["group:managers"]', "[carol]")
        env.write_config(text)
        env.start()
        r = env.cli("request", "github-write", "--for", "alice", "--reason", "x", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        rid = json.loads(r.stdout)["id"]
        self.assertEqual(env.cli("approve", str(rid), "--as", "bob").returncode, 0)
        carol = env.sign_in("carol")
        todo = env.get("/my/approvals", cookie=carol)
        self.assertEqual(todo.status, 200)
        action_required = todo.body.split("<h2>Action required</h2>")[1].split("<h2>")[0]
        self.assertIn(f'href="/requests/{rid}"', action_required)
        page = env.get(f"/requests/{rid}", cookie=carol)
        self.assertEqual(page.status, 200, page.body)
        self.assertIn(f'action="/requests/{rid}/fulfil"', page.body)
        done = env.post(f"/requests/{rid}/fulfil",
                        {"csrf": page.csrf(), "evidence": "invited alice"}, cookie=carol)
        self.assertIn(done.status, (302, 303), done.body)
        shown = json.loads(env.cli("show", str(rid), "--json").stdout)
        self.assertEqual(shown["fulfilment"], "fulfilled")
        self.assertIn("fulfilled the request", env.get(f"/requests/{rid}", cookie=carol).body)
        # bob is no fulfiller: no form for him.
        bob = env.sign_in("bob")
        self.assertNotIn("/fulfil\"", env.get(f"/requests/{rid}", cookie=bob).body)


if __name__ == "__main__":
    unittest.main(verbosity=2)
