"""The web SFTP (issue 18 part 2 "Must show"), against a real gatehoused and a real sshd (its
sftp-server), by HTTP as the file browser's script calls it (tests/web drives the page's
script in Chromium for the terminal; here the bytes matter): alice signs in, her Grants page
links "Browse files", the page's ticket opens a session; a 100 MB upload and its download come
back with the same SHA-256 and the gate's memory stays bounded while they stream (its RSS is
sampled and printed); make folder, rename, listing, delete; the audit has each operation as
the SSH gate's sftp.* events with paths and bytes; `gatehouse sessions` lists it and `gatehouse
kill` ends it; without a grant the page holds (the request form) and no ticket is given; a
revoked grant ends the session and every later operation is refused with the reason; the
browser's paths and origin are checked, and the caps (upload size, listing length) hold. One
test drives the page itself in headless Chromium (tests/web/sftp_in_browser.js): upload with
its progress bar, make folder, rename, download, delete, revocation, leaving the page."""
import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from browser_env import drive_browser, prepare_browser  # noqa: E402
from process_memory import RssSampler, bound_checked  # noqa: E402
from gatehouse_env import GATEHOUSED  # noqa: E402
from web_env import WebEnv  # noqa: E402

SIZE = 100 * 1024 * 1024


class WebSftp(unittest.TestCase):
    def setUp(self):
        self.env = WebEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()
        self.audit_log = os.path.join(self.env.dir, "audit.jsonl")
        text = self.env.web_config_text(mode="approve")
        self.env.write_config(WebEnv.with_audit(text, self.audit_log))
        self.env.start()
        self.files = os.path.join(self.env.dir, "files")
        os.makedirs(self.files)
        self.cookie = self.env.sign_in("alice")
        self.page_path = f"/sftp/web01/{self.env.account}"

    # --- helpers ------------------------------------------------------------------------
    def approved_grant(self):
        return self.env.approved_grant("move the files")

    def connection(self):
        return http.client.HTTPSConnection("127.0.0.1", self.env.http_port,
                                           context=self.env.tls_context(), timeout=120)

    def api(self, method, op, origin=True, body=None, headers=None, **params):
        conn = self.connection()
        h = dict(headers or {})
        if origin:
            h["Origin"] = self.env.public_url
        conn.request(method, f"/sftp-api/{op}?" + urllib.parse.urlencode(params), body=body,
                     headers=h)
        res = conn.getresponse()
        data = res.read()
        conn.close()
        try:
            return res.status, json.loads(data)
        except ValueError:
            return res.status, data

    def open_session(self):
        page = self.env.get(self.page_path, cookie=self.cookie)
        self.assertEqual(page.status, 200, page.body)
        csrf = re.search(r'data-csrf="([^"]+)"', page.body).group(1)
        self.assertIn('/static/sftp.js', page.body)
        ticket = self.env.post(self.page_path + "/ticket", {"csrf": csrf}, cookie=self.cookie)
        self.assertEqual(ticket.status, 200, ticket.body)
        status, opened = self.api("POST", "open", t=ticket.body.strip())
        self.assertEqual(status, 200, opened)
        return opened["key"], opened["home"]

    def audit_events(self, session=None):
        with open(self.audit_log) as f:
            events = [json.loads(line) for line in f if line.strip()]
        return [e for e in events if session is None or e.get("session") == session]

    def web_session(self):
        listed = [s for s in json.loads(self.env.cli("sessions", "--json").stdout)
                  if s["person"] == "alice" and s.get("via") == "web"]
        self.assertEqual(len(listed), 1, listed)
        return listed[0]

    # --- tests --------------------------------------------------------------------------
    def test_upload_download_100_mb_rename_mkdir_delete_audited(self):
        grant = self.approved_grant()
        grants = self.env.get("/grants", cookie=self.cookie)
        self.assertIn(f'href="{self.page_path}">Browse files</a>', grants.body)
        key, home = self.open_session()
        self.assertTrue(home.startswith("/"), home)
        session = self.web_session()
        self.assertEqual((session["protocol"], session["server"], session["grant_id"],
                          session["state"]), ("ssh", "web01", grant, "active"))

        source = os.path.join(self.env.dir, "big.bin")
        digest = hashlib.sha256()
        with open(source, "wb") as f:
            for _ in range(SIZE // (1 << 20)):
                piece = os.urandom(1 << 20)
                digest.update(piece)
                f.write(piece)
        target = os.path.join(self.files, "big.bin")
        pid = self.env.proc.pid
        with RssSampler(pid) as up, open(source, "rb") as body:
            started = time.time()
            status, answer = self.api("POST", "upload", body=body,
                                      headers={"Content-Length": str(SIZE)}, k=key, path=target)
            up_seconds = time.time() - started
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["bytes"], SIZE)
        with open(target, "rb") as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(), digest.hexdigest())

        back = hashlib.sha256()
        with RssSampler(pid) as down:
            started = time.time()
            conn = self.connection()
            conn.request("GET", "/sftp-api/download?" + urllib.parse.urlencode(
                {"k": key, "path": target}))
            res = conn.getresponse()
            self.assertEqual(res.status, 200)
            self.assertIn("big.bin", res.getheader("Content-Disposition"))
            got = 0
            while True:
                piece = res.read(1 << 16)
                if not piece:
                    break
                got += len(piece)
                back.update(piece)
            conn.close()
            down_seconds = time.time() - started
        self.assertEqual(got, SIZE)
        self.assertEqual(back.hexdigest(), digest.hexdigest())
        print(f"gatehoused RSS: before upload {up.before} KiB, peak during the 100 MB upload "
              f"{up.peak} KiB ({up_seconds:.1f} s); before download {down.before} KiB, peak "
              f"during the download {down.peak} KiB ({down_seconds:.1f} s)", file=sys.stderr)
        if bound_checked():  # not under ASan (process_memory.py)
            self.assertLess(up.peak - up.before, 48 * 1024, "the upload is streamed, not held")
            self.assertLess(down.peak - down.before, 48 * 1024, "the download is streamed")

        sub = os.path.join(self.files, "sub")
        self.assertEqual(self.api("POST", "mkdir", k=key, path=sub)[0], 200)
        moved = os.path.join(sub, "moved.bin")
        self.assertEqual(self.api("POST", "rename", k=key, path=target, to=moved)[0], 200)
        status, listing = self.api("GET", "list", origin=False, k=key, path=sub)
        self.assertEqual(status, 200, listing)
        self.assertEqual([(e["name"], e["dir"], e["size"]) for e in listing["entries"]],
                         [("moved.bin", False, SIZE)])
        status, listing = self.api("GET", "list", origin=False, k=key, path=self.files)
        self.assertEqual([(e["name"], e["dir"]) for e in listing["entries"]], [("sub", True)])
        self.assertEqual(self.api("POST", "delete", k=key, path=moved)[0], 200)
        self.assertEqual(self.api("POST", "delete", k=key, path=sub, dir="1")[0], 200)
        self.assertEqual(os.listdir(self.files), [])
        status, missing = self.api("POST", "delete", k=key, path=moved)
        self.assertEqual(status, 404, missing)

        # The audit: the SSH gate's own sftp.* events, with paths and bytes.
        time.sleep(0.3)
        events = self.audit_events(session["id"])
        sftp = [(e["event"], e.get("path"), e.get("to"), e.get("bytes_read"),
                 e.get("bytes_written")) for e in events if e["event"].startswith("sftp.")]
        self.assertIn(("sftp.close", target, None, 0, SIZE), sftp)
        self.assertIn(("sftp.close", target, None, SIZE, 0), sftp)
        self.assertIn(("sftp.mkdir", sub, None, None, None), sftp)
        self.assertIn(("sftp.rename", target, moved, None, None), sftp)
        self.assertIn(("sftp.remove", moved, None, None, None), sftp)
        self.assertIn(("sftp.rmdir", sub, None, None, None), sftp)
        opens = [e for e in events if e["event"] == "sftp.open" and e["path"] == target]
        self.assertEqual(sorted(e["flags"] for e in opens), ["read", "write,create,truncate"])
        start = next(e for e in events if e["event"] == "session.start")
        self.assertEqual((start["protocol"], start["via"], start["grant_id"]), ("ssh", "web", grant))

        # `gatehouse kill` ends it; the next operation says so.
        r = self.env.cli("kill", session["id"])
        self.assertEqual(r.returncode, 0, r.stderr)
        status, refused = self.api("GET", "list", origin=False, k=key, path=self.files)
        self.assertEqual(status, 410, refused)
        end = [e for e in self.audit_events(session["id"]) if e["event"] == "session.end"]
        self.assertEqual(len(end), 1)
        self.assertGreaterEqual(end[0]["bytes_in"], SIZE)
        self.assertGreaterEqual(end[0]["bytes_out"], SIZE)

    def test_revocation_ends_the_session_and_refuses_what_follows(self):
        grant = self.approved_grant()
        key, home = self.open_session()
        self.assertEqual(self.api("GET", "list", origin=False, k=key, path=home)[0], 200)
        r = self.env.cli("revoke", str(grant))
        self.assertEqual(r.returncode, 0, r.stderr)
        reason = f"access grant #{grant} ended: revoked by admin"
        deadline = time.time() + 5
        status, answer = self.api("GET", "list", origin=False, k=key, path=home)
        while status == 200 and time.time() < deadline:
            time.sleep(0.05)
            status, answer = self.api("GET", "list", origin=False, k=key, path=home)
        self.assertEqual((status, answer["error"]), (410, reason))
        status, answer = self.api("POST", "mkdir", k=key, path=os.path.join(self.files, "x"))
        self.assertEqual(status, 410)
        self.assertFalse(os.path.exists(os.path.join(self.files, "x")))
        # The page no longer opens one: a reload asks for a request instead.
        page = self.env.get(self.page_path, cookie=self.cookie)
        self.assertIn(reason, page.body)
        self.assertNotIn("/static/sftp.js", page.body)
        end = [e for e in self.audit_events() if e["event"] == "session.end"
               and e.get("via") == "web"]
        self.assertEqual(end[0]["reason"], "grant revoked by admin")

    def test_without_a_grant_the_page_holds_and_no_session_opens(self):
        page = self.env.get(self.page_path, cookie=self.cookie)
        self.assertEqual(page.status, 200)
        self.assertIn("Request access to", page.body)
        self.assertIn(f'action="{self.page_path}/request"', page.body)
        self.assertNotIn("/static/sftp.js", page.body)
        ticket = self.env.post(self.page_path + "/ticket", {"csrf": page.csrf()},
                               cookie=self.cookie)
        self.assertEqual(ticket.status, 403, ticket.body)
        self.assertEqual(self.api("POST", "open", t="1abc.def")[0], 403)
        denied = [e for e in self.audit_events() if e["event"] == "access.denied"]
        self.assertEqual(denied, [])  # no ticket, so no session was ever tried

        # Held in the browser: the form files the request, the waiting page follows it and
        # goes on to the file browser once it is approved.
        filed = self.env.post(self.page_path + "/request",
                              {"csrf": page.csrf(), "reason": "fetch the logs",
                               "duration": "30m"}, cookie=self.cookie)
        self.assertEqual(filed.status, 303, filed.body)
        wait = self.env.path_of(filed.header("location")) if filed.header(
            "location").startswith("http") else filed.header("location")
        self.assertTrue(wait.startswith(self.page_path + "/wait/"), wait)
        waiting = self.env.get(wait, cookie=self.cookie)
        self.assertIn("Waiting for bob", waiting.body)
        self.assertIn("the file browser", waiting.body)
        request = wait.rsplit("/", 1)[1]
        r = self.env.cli("approve", request, "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        onward = self.env.get(wait, cookie=self.cookie)
        self.assertEqual((onward.status, onward.header("location")), (303, self.page_path))
        key, home = self.open_session()
        self.assertEqual(self.api("GET", "list", origin=False, k=key, path=home)[0], 200)

    def test_browser_input_and_origin_are_checked(self):
        self.approved_grant()
        key, home = self.open_session()
        self.assertEqual(self.api("POST", "mkdir", origin=False, k=key,
                                  path=os.path.join(self.files, "a"))[0], 403)
        self.assertEqual(self.api("GET", "list", origin=False, k=key, path=home,
                                  headers={"Sec-Fetch-Site": "cross-site"})[0], 403)
        self.assertEqual(self.api("GET", "list", origin=False, k=key, path="/tmp\0x")[0], 400)
        self.assertEqual(self.api("GET", "list", origin=False, k=key, path="a" * 4097)[0], 400)
        self.assertEqual(self.api("GET", "list", origin=False, k=key[:-2] + "xx",
                                  path=home)[0], 410)
        self.assertEqual(self.api("GET", "mkdir", origin=False, k=key, path=home)[0], 405)
        self.assertEqual(self.api("GET", "nosuch", origin=False, k=key)[0], 404)
        # The caps (websftp/sftp_limits.hpp): an upload over 2 GiB is refused before a byte
        # is written; a listing stops at 10,000 entries and says so.
        conn = self.connection()
        conn.putrequest("POST", "/sftp-api/upload?" + urllib.parse.urlencode(
            {"k": key, "path": os.path.join(self.files, "huge")}))
        conn.putheader("Origin", self.env.public_url)
        conn.putheader("Content-Length", str(3 << 30))
        conn.endheaders()
        self.assertEqual(conn.getresponse().status, 413)
        conn.close()
        self.assertFalse(os.path.exists(os.path.join(self.files, "huge")))
        many = os.path.join(self.files, "many")
        os.makedirs(many)
        for i in range(10001):
            open(os.path.join(many, f"f{i:05}"), "w").close()
        status, listing = self.api("GET", "list", origin=False, k=key, path=many)
        self.assertEqual(status, 200)
        self.assertEqual((len(listing["entries"]), listing["truncated"]), (10000, True))
        # A name that is not UTF-8 is listed without breaking the JSON.
        with open(os.path.join(self.files.encode(), b"caf\xe9.txt"), "w") as f:
            f.write("x")
        status, listing = self.api("GET", "list", origin=False, k=key, path=self.files)
        self.assertEqual(status, 200, listing)
        self.assertEqual(len(listing["entries"]), 2)  # many/ and the file
        # A clean stop with the session still open: it ends, and (Sanitize) nothing leaks.
        self.assertEqual(self.env.stop(), 0, self.env.log()[-3000:])
        self.assertNotIn("Sanitizer", self.env.log())
        self.assertIn("session.end", [e["event"] for e in self.audit_events()])

    def events(self, key):
        """The session's event stream, read as server-sent events: yields (event, data)."""
        conn = self.connection()
        conn.request("GET", "/sftp-api/events?" + urllib.parse.urlencode({"k": key}))
        res = conn.getresponse()
        self.assertEqual(res.status, 200)
        self.assertTrue(res.getheader("Content-Type").startswith("text/event-stream"))
        name, data = None, []
        while True:
            line = res.fp.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and name:
                yield name, "\n".join(data)
                name, data = None, []

    def test_the_grant_warning_and_its_end_reach_the_open_page(self):
        # A grant that ends in 70 s: the 1-minute warning comes 10 s in, while the page is
        # open; then a revocation ends the session and the stream says why.
        until = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 70))
        grant = self.env.approved_grant("quick look", approve_args=("--until", until))
        key, home = self.open_session()
        stream = self.events(key)
        name, text = next(stream)
        self.assertEqual(name, "warning")
        self.assertIn(f"Access grant #{grant}", text)
        self.assertIn("ends in 1 minute", text)
        r = self.env.cli("revoke", str(grant))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(next(stream), ("ended", f"access grant #{grant} ended: revoked by admin"))
        self.assertEqual(self.api("GET", "list", origin=False, k=key, path=home),
                         (410, {"error": f"access grant #{grant} ended: revoked by admin"}))
        end = [e for e in self.audit_events() if e["event"] == "session.end"][-1]
        self.assertEqual(end["reason"], "grant revoked by admin")

    def test_the_caps_come_from_the_configuration(self):
        text = self.env.web_config_text(mode="approve")
        text = text.replace("users:\n", "web_sftp:\n  max_upload_bytes: 64K\n"
                            "  max_listing_entries: 5\n  sessions_per_person: 2\n"
                            "  idle_time: 10s\nusers:\n", 1)
        self.env.write_config(WebEnv.with_audit(text, self.audit_log))
        r = self.env.cli("reload")
        self.assertEqual(r.returncode, 0, r.stderr + self.env.log()[-2000:])
        self.approved_grant()
        key, home = self.open_session()
        # An upload over 64 KiB is refused; one of 64 KiB is written.
        target = os.path.join(self.files, "f.bin")
        status, _ = self.api("POST", "upload", k=key, path=target, body=b"x" * (65536 + 1))
        self.assertEqual(status, 413)
        status, body = self.api("POST", "upload", k=key, path=target, body=b"x" * 65536)
        self.assertEqual((status, body), (200, {"path": target, "bytes": 65536}))
        # A listing stops at 5 entries and says so.
        for i in range(6):
            open(os.path.join(self.files, f"g{i}"), "w").close()
        status, listing = self.api("GET", "list", origin=False, k=key, path=self.files)
        self.assertEqual((status, len(listing["entries"]), listing["truncated"]), (200, 5, True))
        # A second browser is allowed, a third is not.
        self.open_session()
        page = self.env.get(self.page_path, cookie=self.cookie)
        csrf = re.search(r'data-csrf="([^"]+)"', page.body).group(1)
        ticket = self.env.post(self.page_path + "/ticket", {"csrf": csrf}, cookie=self.cookie)
        status, body = self.api("POST", "open", t=ticket.body.strip())
        self.assertEqual((status, body["error"]),
                         (429, "too many file browsers open; close one first"))
        # Left alone for the idle time, the first one ends and says why.
        stream = self.events(key)
        self.assertEqual(next(stream),
                         ("ended", "the file browser was idle too long; reload the page"))
        # A bad value is refused with its place in the file.
        self.env.write_config(WebEnv.with_audit(text.replace("idle_time: 10s", "idle_time: 2s"),
                                                self.audit_log))
        r = subprocess.run([GATEHOUSED, "--check", "-c", self.env.config_path],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("'idle_time' must be at least 10s", r.stdout + r.stderr)

    def test_in_the_browser_upload_with_progress_rename_download_delete_revoke(self):
        shots = prepare_browser("sftp")
        grant = self.approved_grant()
        first = {}

        def answer(need):
            if need["need"] == "sign-in link":
                return self.env.sign_in_link("alice")
            if need["need"] == "sessions":
                first["id"] = self.web_session()["id"]
                return "done"
            if need["need"] == "revocation":
                r = self.env.cli("revoke", str(grant))
                self.assertEqual(r.returncode, 0, r.stderr)
                return "done"
            self.fail(f"unknown need {need}")

        seen = drive_browser(self, "sftp_in_browser.js",
                             [f"{self.env.public_url}/grants", self.files, shots], answer,
                             log=lambda: "gatehoused:\n" + self.env.log()[-4000:])
        self.assertEqual(seen["sftpUrl"], f"{self.env.public_url}{self.page_path}")
        self.assertEqual((seen["progress"], seen["progressText"]), ("100", "8.0 MiB of 8.0 MiB"))
        self.assertEqual(seen["afterUpload"], "Uploaded report.bin (8388608 bytes)")
        self.assertEqual(seen["downloaded"], seen["uploaded"])
        self.assertEqual(seen["downloadName"], "renamed.bin")
        self.assertEqual(seen["afterDelete"], ["../", "docs/"])
        self.assertEqual(os.listdir(self.files), ["docs"])
        self.assertEqual(seen["status"], f"access grant #{grant} ended: revoked by admin")
        self.assertEqual(seen["violations"], [], "no Content Security Policy violation")
        ends = [e for e in self.audit_events(first["id"]) if e["event"] == "session.end"]
        self.assertEqual([e["reason"] for e in ends], ["closed by the browser"])


if __name__ == "__main__":
    unittest.main()
