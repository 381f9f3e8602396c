"""The browser terminal in a real browser (issue 18 "Must show"): headless Chromium (Debian's,
driven by playwright-core, tests/web/terminal_in_browser.js) signs alice in from the link in a
mail (a real SMTP server), opens the terminal from her Grants page on an approved grant, types a
command and reads its output from xterm's buffer, resizes the window and sees `stty size` on
the real sshd follow; `gatehouse sessions` lists the terminal; `gatehouse revoke` makes the page
show "access grant #N ended: revoked by admin" within 1 s with its socket closed; the page
reloaded afterwards refuses with the same reason; the asciicast recording holds the command's
output and the audit has session.start/end with protocol ssh and via web. Throughput: `cat` of
a 100 MB file of text (base64, 76-character lines) on the real sshd, then a marker line, shows
the marker in the page's xterm within the time allowed, while the gate's RSS (sampled during
the cat) grows by less than 64 MiB: the browser's acknowledgements hold the upstream back
(flow control); the figures go to stderr. Screenshots land in the build directory
(tests/web/screenshots) to be looked at."""
import base64
import json
import os
import re
import secrets
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from smtp_sink import SmtpSink  # noqa: E402
from browser_env import drive_browser, prepare_browser  # noqa: E402
from process_memory import RssSampler, bound_checked  # noqa: E402
from web_env import WebEnv, install_player  # noqa: E402

CAT_LINES_PER_PIECE = 1000  # base64.encodebytes: 57 bytes make a 76-character line
CAT_PIECES = 1362           # 1362 pieces of 77,000 bytes: 104.9 MB (100 MiB and a bit)
CAT_SECONDS = 300 if os.environ.get("GATEHOUSE_BUILD_TYPE") == "Sanitize" else 180
CAT_RSS_GROWTH_KIB = 64 * 1024


class WebTerminal(unittest.TestCase):
    def setUp(self):
        self.shots = prepare_browser("terminal")
        player = install_player()  # xterm.js comes with it (web/player/package.json)
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)
        self.env = WebEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()
        self.recordings = os.path.join(self.env.dir, "recordings")
        os.makedirs(self.recordings)
        self.audit_log = os.path.join(self.env.dir, "audit.jsonl")
        text = self.env.web_config_text(mode="approve", http_extra=f"asciinema_player: {player}")
        text = WebEnv.with_audit(text, self.audit_log, self.recordings)
        text = WebEnv.with_mail(text, self.sink.url)
        self.env.write_config(text)
        self.env.start()

    def approved_grant(self):
        return self.env.approved_grant("look at the logs")

    def audit_events(self):
        with open(self.audit_log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def drive(self, script, url, answer, more_args=(), seconds=120):
        return drive_browser(self, script, [url, self.shots, *more_args], answer, seconds,
                             log=lambda: "gatehoused:\n" + self.env.log()[-4000:])

    def test_terminal_on_an_approved_grant_resize_sessions_revocation_recording(self):
        grant = self.approved_grant()
        # The requester's approval mail opens the terminal and the file browser.
        for path in ("terminal", "sftp"):
            self.env.link_in_mail(self.sink, "alice@example.com", "Connection Request Approved",
                                  f"/{path}/web01/{re.escape(self.env.account)}")
        seen_sessions = {}
        revoked = {}

        def answer(need):
            if need["need"] == "sign-in link":
                return self.env.link_in_mail(self.sink, "alice@example.com", "Sign-in link",
                                             r"/sign-in/[A-Za-z0-9_-]{43}")
            if need["need"] == "sessions":
                seen_sessions["list"] = json.loads(self.env.cli("sessions", "--json").stdout)
                return "done"
            if need["need"] == "revocation":
                revoked["at"] = time.time()
                r = self.env.cli("revoke", str(grant))
                self.assertEqual(r.returncode, 0, r.stderr)
                return "done"
            self.fail(f"unknown need {need}")

        seen = self.drive("terminal_in_browser.js", f"{self.env.public_url}/grants", answer)

        self.assertIn("Open terminal", seen["grantsPage"])
        self.assertEqual(seen["terminalUrl"],
                         f"{self.env.public_url}/terminal/web01/{self.env.account}")
        self.assertEqual(seen["output"], "out-42-put")
        # stty size is "ROWS COLS"; the pty follows xterm's size, before and after the resize.
        self.assertEqual(seen["sizeBefore"]["stty"], seen["sizeBefore"]["xterm"])
        self.assertEqual(seen["sizeAfter"]["stty"], seen["sizeAfter"]["xterm"])
        self.assertLess(seen["sizeAfter"]["xterm"][1], seen["sizeBefore"]["xterm"][1])
        self.assertEqual(seen["violations"], [], "no Content Security Policy violation")

        listed = [s for s in seen_sessions["list"] if s["person"] == "alice"]
        self.assertEqual(len(listed), 1, seen_sessions["list"])
        self.assertEqual((listed[0]["protocol"], listed[0]["server"], listed[0]["account"],
                          listed[0]["grant_id"], listed[0]["state"]),
                         ("ssh", "web01", self.env.account, grant, "active"))
        session_id = listed[0]["id"]

        reason = f"access grant #{grant} ended: revoked by admin"
        self.assertEqual(seen["status"], reason)
        self.assertIn(reason, seen["screenAfter"])
        took = seen["closedAt"] / 1000 - revoked["at"]
        print(f"revocation to the page's closed socket: {took * 1000:.0f} ms", file=sys.stderr)
        self.assertLess(took, 1.0)
        self.assertIn(reason, seen["reloaded"], "no terminal after the grant ended")

        # The recording has the command's output; the audit has the session, via web.
        cast = os.path.join(self.recordings, f"{session_id}.cast")
        def cast_text():
            with open(cast) as f:
                return f.read()
        deadline = time.time() + 10
        while time.time() < deadline and "out-42-put" not in cast_text():
            time.sleep(0.1)
        with open(cast) as f:
            header = json.loads(f.readline())
            output = "".join(e[2] for e in map(json.loads, f) if e[1] == "o")
        self.assertEqual(header["version"], 2)
        self.assertIn("out-42-put", output)
        events = [e for e in self.audit_events() if e.get("session") == session_id]
        names = [e["event"] for e in events]
        self.assertIn("session.start", names)
        self.assertIn("session.end", names)
        start = next(e for e in events if e["event"] == "session.start")
        self.assertEqual((start["protocol"], start["via"], start["person"], start["grant_id"]),
                         ("ssh", "web", "alice", grant))
        end = next(e for e in events if e["event"] == "session.end")
        self.assertEqual(end["reason"], "grant revoked by admin")  # as ssh and web SFTP say it

    def test_held_in_the_browser_file_approve_from_mail_and_the_terminal_opens(self):
        terminal_url = f"{self.env.public_url}/terminal/web01/{self.env.account}"
        filed = {}

        def answer(need):
            if need["need"] == "sign-in link":
                return self.env.link_in_mail(self.sink, "alice@example.com", "Sign-in link",
                                             r"/sign-in/[A-Za-z0-9_-]{43}")
            if need["need"] == "approval link":
                pending = [q for q in json.loads(self.env.cli("requests", "--json").stdout)
                           if q["state"] == "pending"]
                self.assertEqual(len(pending), 1)
                filed["request"] = pending[0]
                return self.env.link_in_mail(self.sink, "bob@example.com", f"#{pending[0]['id']}",
                                             r"/approvals/[A-Za-z0-9_-]{43}\?decision=approve")
            self.fail(f"unknown need {need}")

        seen = self.drive("terminal_held_in_browser.js", terminal_url, answer)
        self.assertIn("Request access to", seen["requestPage"])
        self.assertIn("bob", seen["requestPage"])
        self.assertIn("Waiting for bob", seen["waitingPage"])
        self.assertEqual((filed["request"]["requester"], filed["request"]["account"],
                          filed["request"]["justification"]),
                         ("alice", self.env.account, "restart the service, from the browser"))
        self.assertEqual(seen["output"], "held-23-then-in")
        print(f"approval to the open terminal: {seen['onwardMs']} ms", file=sys.stderr)
        self.assertLess(seen["onwardMs"], 5000, "by the live events, not the 10 s refresh")

    def text_file(self, name):
        """A file of printable text in the test's folder (base64 of random bytes, 76-character
        lines); its path and size."""
        path = os.path.join(self.env.dir, name)
        with open(path, "wb") as f:
            for _ in range(CAT_PIECES):
                f.write(base64.encodebytes(os.urandom(57 * CAT_LINES_PER_PIECE)))
        return path, os.path.getsize(path)

    def test_cat_of_100_mb_completes_with_the_gate_memory_bounded(self):
        self.approved_grant()
        path, size = self.text_file("big.txt")
        token = secrets.token_hex(8)
        # The marker typed as DONE-""TOKEN: the echoed command line never matches the line.
        command = f'cat {path}; echo DONE-""{token}'
        pid = self.env.proc.pid
        sampled = {}

        def answer(need):
            if need["need"] == "sign-in link":
                return self.env.link_in_mail(self.sink, "alice@example.com", "Sign-in link",
                                             r"/sign-in/[A-Za-z0-9_-]{43}")
            if need["need"] == "cat starts":
                sampled["rss"] = RssSampler(pid).start()
                sampled["at"] = time.time()
                return "done"
            if need["need"] == "cat done":
                sampled["seconds"] = time.time() - sampled["at"]
                sampled["rss"].finish()
                return "done"
            self.fail(f"unknown need {need}")

        slowdown = os.environ.get("GATEHOUSE_CAT_SLOWDOWN", "")  # a slow reader, by hand
        seen = self.drive("terminal_cat_in_browser.js", f"{self.env.public_url}/grants", answer,
                          (command, f"DONE-{token}", str(CAT_SECONDS * 1000), slowdown),
                          seconds=CAT_SECONDS + 90)
        rss = sampled["rss"]
        seconds = seen["catMs"] / 1000
        print(f"cat of {size / 1e6:.1f} MB in the browser terminal"
              f"{f' (CPU slowed {slowdown}x)' if slowdown else ''}: {seconds:.1f} s, "
              f"{size / 1e6 / seconds:.1f} MB/s; gatehoused RSS before {rss.before} KiB, peak "
              f"{rss.peak} KiB (+{(rss.peak - rss.before) / 1024:.1f} MiB)", file=sys.stderr)
        # The marker follows the file's last line (76 characters of base64) on the screen.
        shown = seen["lastLines"]
        self.assertIn(f"DONE-{token}", shown)
        self.assertRegex(shown[shown.index(f"DONE-{token}") - 1], r"^[A-Za-z0-9+/=]{76}$")
        self.assertLess(seconds, CAT_SECONDS)
        if bound_checked():  # not under ASan (process_memory.py)
            self.assertLess(rss.peak - rss.before, CAT_RSS_GROWTH_KIB,
                            "the output is held back by the browser's acknowledgements")

        # Every byte went through the gate: session.end (the page has left) counts them.
        deadline = time.time() + 10
        ends = []
        while time.time() < deadline and not ends:
            ends = [e for e in self.audit_events() if e["event"] == "session.end"]
            time.sleep(0.1)
        self.assertEqual(len(ends), 1)
        self.assertGreater(ends[0]["bytes_out"], size)


if __name__ == "__main__":
    unittest.main()
