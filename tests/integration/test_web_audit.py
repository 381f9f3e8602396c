"""The web app's audit pages (issue 6 "Web") through the real gatehoused, a real sshd and the
real OpenSSH client: a pty session through the gate leaves events and an asciicast recording;
only the `auditors` group (carol) may see /audit, /audit/sessions, /audit/requests and the
recording; the filters narrow what is shown; the CSV downloads parse and hold the rows; the
emergency filter finds the emergency request; the recording is served only by session id."""
import csv
import io
import json
import os
import sys
import textwrap
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from web_env import WebEnv, install_player  # noqa: E402


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def read_events(log_path):
    with open(log_path) as f:
        return [json.loads(line) for line in f]


class AuditPages(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        player = install_player()
        cls.env = env = WebEnv()
        env.start_sshd()
        cls.log, cls.recordings = env.audit_paths()
        # bob's access to web01 needs carol's approval; an emergency is taken at once.
        rule_extra = textwrap.indent(textwrap.dedent("""\
            - name: bob-on-call
              users: [bob]
              servers: [web01]
              accounts: ["*"]
              mode: approve
              approvers: [carol]
              emergency: true
            """), "  ")
        text = env.web_config_text(mode="allow", rule_extra=rule_extra,
                                   http_extra=f"asciinema_player: {player}")
        env.write_config(WebEnv.with_auditors(WebEnv.with_audit(text, cls.log, cls.recordings)))
        env.start()

        r = env.ssh(opts=["-tt"], input=b"echo typed-$((6*7))\nexit\n")
        assert r.returncode == 0, r.stderr
        wait_for(lambda: any(e["event"] == "session.end" for e in read_events(cls.log)),
                 what="session.end")
        start = [e for e in read_events(cls.log) if e["event"] == "session.start"][0]
        cls.session = start["session"]
        cls.cast = os.path.join(cls.recordings, cls.session + ".cast")
        wait_for(lambda: b"typed-42" in read_bytes(cls.cast), what="recording written")

        def request(reason, *flags):
            r = env.cli("request", "--for", "bob", f"{env.account}@web01", "--reason", reason,
                        *flags, "--json")
            assert r.returncode == 0, r.stderr
            return json.loads(r.stdout)
        cls.routine = request("routine <b>check</b> & co")
        cls.emergency = request("db down", "--emergency")
        cls.carol = env.sign_in("carol")
        cls.alice = env.sign_in("alice")

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def get(self, path, who=None):
        return self.env.get(path, cookie=who or self.carol)

    def test_only_auditors_see_the_audit_pages(self):
        for path in ("/audit", "/audit.csv", "/audit/sessions", f"/audit/sessions/{self.session}",
                     f"/audit/recordings/{self.session}.cast", "/audit/requests",
                     "/audit/requests.csv"):
            page = self.get(path, who=self.alice)
            self.assertEqual(page.status, 403, path)
            self.assertIn("Auditors only", page.body)
            self.assertNotIn("typed-42", page.body)
        self.assertEqual(self.env.get("/audit").status, 303)  # signed out: to the sign-in page
        self.assertNotIn('href="/audit"', self.get("/my/requests", who=self.alice).body)
        self.assertIn('href="/audit"', self.get("/my/requests").body)

    def test_events_newest_first_filtered_and_escaped(self):
        page = self.get("/audit")
        self.assertEqual(page.status, 200, page.body)
        for name in ("session.start", "session.end", "auth.success", "request.created",
                     "access.emergency"):
            self.assertIn(f"<td>{name}</td>", page.body)
        self.assertLess(page.body.index("access.emergency"), page.body.index("session.start"))
        self.assertIn("&lt;b&gt;check&lt;/b&gt; &amp; co", page.body)
        self.assertNotIn("<b>check</b>", page.body)

        alice = self.get("/audit?person=alice")
        self.assertIn("<td>session.start</td>", alice.body)
        self.assertNotIn("request.created", alice.body)
        bob = self.get("/audit?person=bob&event=request.*")
        self.assertIn("<td>request.created</td>", bob.body)
        self.assertNotIn("session.start", bob.body)
        emergency = self.get("/audit?emergency=1")
        self.assertIn("<td>access.emergency</td>", emergency.body)
        self.assertNotIn("routine", emergency.body)
        self.assertEqual(self.get("/audit?since=yesterday").status, 400)

        events = read_events(self.log)
        limited = self.get("/audit?limit=2")
        self.assertEqual(limited.body.count("<tr><td class=\"time\">"), 2)
        self.assertIn(f"The newest 2 matches", limited.body)
        self.assertIn("limit=4", limited.body)  # Show more
        self.assertGreater(len(events), 4)

    def test_csv_download_parses_and_holds_the_rows(self):
        reply = self.get("/audit.csv?person=alice")
        self.assertEqual(reply.status, 200)
        self.assertTrue(reply.header("content-type").startswith("text/csv"))
        self.assertIn("attachment", reply.header("content-disposition"))
        rows = list(csv.DictReader(io.StringIO(reply.body, newline="")))
        want = [e for e in read_events(self.log)
                if "alice" in (e.get("person"), e.get("requester"), e.get("actor"))]
        self.assertEqual([int(r["seq"]) for r in rows], [e["seq"] for e in want])
        self.assertIn("session.start", [r["event"] for r in rows])
        self.assertTrue(all(r["person"] == "alice" for r in rows))
        end = [r for r in rows if r["event"] == "session.end"][0]
        self.assertEqual(end["session"], self.session)

    def test_request_history_with_the_emergency_filter(self):
        page = self.get("/audit/requests")
        self.assertIn(f"#{self.routine['id']}<", page.body)
        self.assertIn(f"#{self.emergency['id']}<", page.body)
        self.assertIn("&lt;b&gt;check", page.body)
        only = self.get("/audit/requests?emergency=1")
        self.assertIn(f"#{self.emergency['id']}<", only.body)
        self.assertNotIn(f"#{self.routine['id']}<", only.body)
        self.assertIn("emergency", only.body)
        pending = self.get("/audit/requests?state=pending&person=bob")
        self.assertIn(f"#{self.routine['id']}<", pending.body)
        self.assertNotIn(f"#{self.emergency['id']}<", pending.body)
        self.assertEqual(self.get("/audit/requests?state=nonsense").status, 400)

        reply = self.get("/audit/requests.csv?emergency=1")
        self.assertIn("attachment", reply.header("content-disposition"))
        rows = list(csv.DictReader(io.StringIO(reply.body, newline="")))
        self.assertEqual([int(r["id"]) for r in rows], [self.emergency["id"]])
        self.assertEqual(rows[0]["justification"], "db down")
        self.assertEqual(rows[0]["emergency"], "true")
        self.assertEqual(rows[0]["post_approval"], "pending")
        everything = list(csv.DictReader(io.StringIO(self.get("/audit/requests.csv").body,
                                                     newline="")))
        self.assertEqual(everything[1]["justification"], "routine <b>check</b> & co")

    def test_session_list_replay_page_and_recording(self):
        page = self.get("/audit/sessions")
        self.assertEqual(page.status, 200, page.body)
        self.assertIn(f'href="/audit/sessions/{self.session}"', page.body)
        self.assertIn(f'href="/audit/recordings/{self.session}.cast"', page.body)
        end = [e for e in read_events(self.log) if e["event"] == "session.end"][0]
        self.assertIn(f"<td>{end['bytes_in']}</td><td>{end['bytes_out']}</td>", page.body)
        self.assertNotIn(self.session, self.get("/audit/sessions?person=bob").body)

        replay = self.get(f"/audit/sessions/{self.session}")
        self.assertEqual(replay.status, 200, replay.body)
        self.assertIn(f'data-cast="/audit/recordings/{self.session}.cast"', replay.body)
        self.assertIn('src="/assets/asciinema-player/asciinema-player.min.js"', replay.body)
        self.assertNotIn("<script>", replay.body)
        self.assertIn("script-src 'self' 'wasm-unsafe-eval'",
                      replay.header("content-security-policy"))
        self.assertIn("default-src 'self'", replay.header("content-security-policy"))
        js = self.env.get("/assets/asciinema-player/asciinema-player.min.js")
        self.assertEqual(js.status, 200)
        self.assertIn("AsciinemaPlayer", js.body)
        self.assertEqual(self.env.get("/static/replay.js").status, 200)

        cast = self.get(f"/audit/recordings/{self.session}.cast")
        self.assertEqual(cast.status, 200)
        with open(self.cast) as f:
            self.assertEqual(cast.body, f.read())
        self.assertEqual(json.loads(cast.body.splitlines()[0])["version"], 2)
        # Every replay and download is audited, even where no approval is needed.
        viewed = [e for e in read_events(self.log) if e["event"] == "recording.viewed"
                  and e["session"] == self.session]
        self.assertEqual({(e["actor"], e["how"], e["approval"]) for e in viewed},
                         {("carol", "replay", "not_needed"), ("carol", "download", "not_needed")})
        for bad in ("nosuch-1.cast", urllib.parse.quote("../../etc/passwd", safe=""),
                    "..%2Faudit.jsonl", f"{self.session}.cast.bak", f"{self.session}"):
            self.assertEqual(self.get(f"/audit/recordings/{bad}").status, 404, bad)
        self.assertEqual(self.get("/audit/sessions/nosuch-1").status, 404)


class WithoutPlayer(unittest.TestCase):
    def test_replay_page_offers_the_download(self):
        env = WebEnv()
        self.addCleanup(env.close)
        env.start_sshd()
        log, recordings = env.audit_paths()
        text = WebEnv.with_audit(env.web_config_text(mode="allow"), log, recordings)
        env.write_config(WebEnv.with_auditors(text))
        env.start()
        self.assertEqual(env.ssh(opts=["-tt"], input=b"exit\n").returncode, 0)
        wait_for(lambda: any(e["event"] == "session.end" for e in read_events(log)), what="end")
        session = [e for e in read_events(log) if e["event"] == "session.start"][0]["session"]
        page = env.get(f"/audit/sessions/{session}", cookie=env.sign_in("carol"))
        self.assertEqual(page.status, 200, page.body)
        self.assertIn("player is not installed", page.body)
        self.assertIn(f'href="/audit/recordings/{session}.cast"', page.body)
        self.assertNotIn("<script", page.body)
        self.assertEqual(env.get("/assets/asciinema-player/asciinema-player.min.js").status, 404)


class LongSearch(unittest.TestCase):
    """A search that reads a large log runs off the daemon's io thread: the daemon answers
    meanwhile (before, the admin API and every session waited for the whole read)."""

    def test_the_daemon_answers_while_a_search_reads_a_large_log(self):
        env = WebEnv()
        self.addCleanup(env.close)
        log = os.path.join(env.dir, "audit.jsonl")
        WebEnv.fill_audit_log(log + ".1", 500000)  # ~160 MB, none of it by "nobody"
        text = WebEnv.with_audit(env.web_config_text(mode="allow"), log,
                                 extra="  on_write_failure: continue\n")
        env.write_config(WebEnv.with_auditors(text))
        env.start()
        carol = env.sign_in("carol")
        done = {}

        def search():
            reply = env.get("/audit.csv?person=nobody", cookie=carol, timeout=600)
            done["search"] = time.monotonic()
            done["reply"] = reply

        started = time.monotonic()
        worker = threading.Thread(target=search)
        worker.start()
        time.sleep(0.2)  # the search is under way
        status = env.cli("status")
        done["status"] = time.monotonic()
        worker.join(600)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertEqual(done["reply"].status, 200)
        self.assertEqual(len(done["reply"].body.splitlines()), 1, "only the CSV header matches")
        # Meaningful only if the read is long: it must outlast the status call.
        self.assertGreater(done["search"] - started, 0.6, "the log was read too fast to tell")
        self.assertLess(done["status"], done["search"],
                        "gatehouse status waited for the audit search")


if __name__ == "__main__":
    unittest.main(verbosity=2)
