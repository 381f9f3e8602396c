"""End to end in a real browser (issue 5 "Must show"): an ssh connection is held for approval;
the approval mail reaches a real SMTP server (aiosmtpd); the test takes the links from the
mails (the approval link, and a sign-in link asked for on the sign-in page), headless Chromium
signs the approver in, shows My approvals, opens the approval link, clicks Approve, and the held
ssh proceeds. And an auditor replays a recorded session on the audit replay page: the
asciinema-player (installed from npm) draws what was shown, with no Content Security Policy
violation. Screenshots land in the build directory (tests/web/screenshots) to be looked at."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from smtp_sink import SmtpSink  # noqa: E402
from browser_env import WEB_TESTS, prepare_browser  # noqa: E402
from web_env import WebEnv, install_player  # noqa: E402



class Browser(unittest.TestCase):
    def setUp(self):
        self.shots = prepare_browser("approval")
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)
        self.env = WebEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()
        text = self.env.web_config_text(mode="approve", rule_extra="    hold_timeout: 3m\n")
        text = WebEnv.with_mail(text, self.sink.url)
        self.env.write_config(text)
        self.env.start()

    def test_click_approve_and_the_held_ssh_proceeds(self):
        # An earlier request, denied, so that My approvals has history.
        r = self.env.cli("request", "--for", "alice", f"{self.env.account}@web01", "--reason",
                         "rotate the logs", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.env.cli("deny", str(json.loads(r.stdout)["id"]), "--as", "carol",
                                      "--comment", "use the runbook").returncode, 0)
        proc = self.env.ssh_popen("echo in-after-browser-approval")
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.communicate()))
        req = None

        def pending():
            nonlocal req
            reqs = [q for q in json.loads(self.env.cli("requests", "--json").stdout)
                    if q["state"] == "pending"]
            req = reqs[0] if reqs else None
            return req is not None
        wait_for(pending, timeout=15, what="held request")
        approval_url = self.env.link_in_mail(self.sink, "bob@example.com",
                                             f"Connection Approval Notification - #{req['id']}",
                                             r"/approvals/[A-Za-z0-9_-]{43}\?decision=approve")
        asked = self.env.post("/sign-in", {"who": "bob@example.com"})
        self.assertEqual(asked.status, 200)
        sign_in_url = self.env.link_in_mail(self.sink, "bob@example.com", "Sign-in link",
                                            r"/sign-in/[A-Za-z0-9_-]{43}")
        out = subprocess.run(["node", os.path.join(WEB_TESTS, "approve_in_browser.js"),
                              approval_url, sign_in_url, self.shots],
                             capture_output=True, text=True, timeout=180)
        self.assertEqual(out.returncode, 0, out.stderr + out.stdout)
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        self.assertIn("Action required", seen["myApprovals"])
        self.assertIn(f"#{req['id']}", seen["myApprovals"])
        self.assertIn("Approve", seen["form"])
        self.assertIn(f"You approved request #{req['id']}", seen["after"])
        self.assertIn("Timeline", seen["detail"])
        stdout, stderr = proc.communicate(timeout=30)
        self.assertEqual(proc.returncode, 0, stderr.decode(errors="replace"))
        self.assertEqual(stdout, b"in-after-browser-approval\n")
        shown = json.loads(self.env.cli("show", str(req["id"]), "--json").stdout)
        self.assertEqual(shown["decisions"][0]["approver"], "bob")
        self.assertEqual(shown["decisions"][0]["comment"], "approved from the browser")
        for name in ("approval-form.png", "my-approvals.png", "approval-done.png",
                     "request-detail.png"):
            self.assertGreater(os.path.getsize(os.path.join(self.shots, name)), 5000)


class Replay(unittest.TestCase):
    def test_the_player_replays_a_recorded_session(self):
        self.shots = prepare_browser("replay")
        player = install_player()
        env = WebEnv()
        self.addCleanup(env.close)
        env.start_sshd()
        log, recordings = env.audit_paths()
        text = env.web_config_text(mode="allow", http_extra=f"asciinema_player: {player}")
        text = WebEnv.with_audit(text, log, recordings)
        env.write_config(WebEnv.with_auditors(text))
        env.start()
        r = env.ssh(opts=["-tt"], input=b"echo typed-$((6*7))\nexit\n")
        self.assertEqual(r.returncode, 0, r.stderr)

        def read_bytes(path):
            with open(path, "rb") as f:
                return f.read()

        def events():
            with open(log) as f:
                return [json.loads(line) for line in f]
        wait_for(lambda: any(e["event"] == "session.end" for e in events()), what="session.end")
        session = [e for e in events() if e["event"] == "session.start"][0]["session"]
        cast = os.path.join(recordings, session + ".cast")
        wait_for(lambda: b"typed-42" in read_bytes(cast), what="recording written")
        out = subprocess.run(["node", os.path.join(WEB_TESTS, "replay_in_browser.js"),
                              env.sign_in_link("carol"),
                              f"{env.public_url}/audit/sessions/{session}", self.shots],
                             capture_output=True, text=True, timeout=180)
        self.assertEqual(out.returncode, 0, out.stderr + out.stdout)
        seen = json.loads(out.stdout.strip().splitlines()[-1])
        self.assertEqual(seen["violations"], [])
        csp_errors = [e for e in seen["consoleErrors"] if "content security policy" in e.lower()]
        self.assertEqual(csp_errors, [])
        self.assertIn("typed-42", seen["terminal"])
        self.assertIn(f"Session {session}", seen["main"])
        self.assertIn("session.start", seen["audit-events"])
        self.assertIn(session, seen["audit-sessions"])
        self.assertIn("No requests match.", seen["audit-requests"])
        for name in ("replay.png", "audit-events.png", "audit-sessions.png", "audit-requests.png"):
            self.assertGreater(os.path.getsize(os.path.join(self.shots, name)), 5000)


if __name__ == "__main__":
    unittest.main(verbosity=2)
