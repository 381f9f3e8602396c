"""Viewing recordings needs approval where configured (audit.recordings_need_approval), through
the real gatehoused, a real sshd and the real OpenSSH client: an auditor's replay and download of
a recorded session are refused until their request for recording:SESSION is approved; the page
files it and waits; the person recorded cannot approve it nor have it handed to them; once
approved the replay and the download work, and each is audited as recording.viewed."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from web_env import WebEnv  # noqa: E402


def read_events(log_path):
    with open(log_path) as f:
        return [json.loads(line) for line in f]


class RecordingsNeedApproval(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = env = WebEnv()
        env.start_sshd()
        cls.log, cls.recordings = env.audit_paths()
        text = env.web_config_text(mode="allow")
        text = WebEnv.with_audit(text, cls.log, cls.recordings,
                                 extra="  recordings_need_approval: true\n")
        env.write_config(WebEnv.with_auditors(text))
        env.start()
        r = env.ssh(opts=["-tt"], input=b"echo typed-$((6*7))\nexit\n")
        assert r.returncode == 0, r.stderr
        wait_for(lambda: any(e["event"] == "session.end" for e in read_events(cls.log)),
                 what="session.end")
        cls.session = [e for e in read_events(cls.log) if e["event"] == "session.start"][0][
            "session"]
        cls.cast = os.path.join(cls.recordings, cls.session + ".cast")
        wait_for(lambda: os.path.exists(cls.cast), what="recording written")
        cls.carol = env.sign_in("carol")

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def get(self, path):
        return self.env.get(path, cookie=self.carol)

    def viewed(self):
        return [e for e in read_events(self.log) if e["event"] == "recording.viewed"]

    def test_replay_is_refused_until_approved_then_allowed_and_audited(self):
        page_path = f"/audit/sessions/{self.session}"
        cast_path = f"/audit/recordings/{self.session}.cast"
        page = self.get(page_path)
        self.assertEqual(page.status, 403, page.body)
        self.assertIn("Approval needed", page.body)
        self.assertNotIn(cast_path, page.body)
        self.assertEqual(self.get(cast_path).status, 403)
        self.assertEqual(self.viewed(), [])

        # The page files the request (alice's managers decide: bob) and then waits.
        filed = self.env.post(page_path + "/request",
                              {"csrf": page.csrf(), "reason": "incident 7 review"},
                              cookie=self.carol)
        self.assertIn(filed.status, (302, 303), filed.body)
        waiting = self.get(page_path)
        self.assertEqual(waiting.status, 403)
        self.assertIn("Waiting for bob", waiting.body)
        [req] = [r for r in json.loads(self.env.cli("requests", "--json").stdout)
                 if r["server"] == f"recording:{self.session}"]
        self.assertEqual((req["requester"], req["account"], req["state"]),
                         ("carol", "alice", "pending"))
        self.assertNotIn("alice", [p for level in req["approvers"] for p in level["approvers"]])

        # The person recorded can neither approve nor be handed the approval.
        r = self.env.cli("approve", str(req["id"]), "--as", "alice")
        self.assertEqual(r.returncode, 1)
        self.assertIn("their own session", r.stderr)
        r = self.env.cli("reassign", str(req["id"]), "--to", "alice", "--as", "bob")
        self.assertEqual(r.returncode, 1)
        self.assertIn("their own session", r.stderr)
        self.assertEqual(self.get(cast_path).status, 403)

        r = self.env.cli("approve", str(req["id"]), "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        page = self.get(page_path)
        self.assertEqual(page.status, 200, page.body)
        self.assertIn(cast_path, page.body)
        cast = self.get(cast_path)
        self.assertEqual(cast.status, 200)
        with open(self.cast) as f:
            self.assertEqual(cast.body, f.read())

        events = self.viewed()
        self.assertEqual([e["how"] for e in events], ["replay", "download"])
        for e in events:
            self.assertEqual((e["actor"], e["session"], e["person"], e["approval"]),
                             ("carol", self.session, "alice", "granted"))


if __name__ == "__main__":
    unittest.main(verbosity=2)
