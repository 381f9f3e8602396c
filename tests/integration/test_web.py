"""The HTTPS listener and approval links through the real gatehoused (SPEC "HTTP", issue 5):
a GET of a link changes nothing, a link is single-use, expires with its request, needs the
form's CSRF token, and decides only as its own approver; a decision on the web releases a held
ssh at once; garbage, bad TLS, oversized headers and slow clients never disturb an approval."""
import json
import os
import re
import sqlite3
import ssl
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import free_port, wait_for  # noqa: E402
from smtp_sink import SmtpSink, text_part  # noqa: E402
from web_env import WebEnv  # noqa: E402


class WebCase(unittest.TestCase):
    rule_extra = ""
    require_sign_in = False

    def setUp(self):
        self.env = WebEnv()
        self.addCleanup(self.env.close)

    def start(self, rule_extra=None, with_sshd=False, condition="any"):
        if with_sshd:
            self.env.start_sshd()
        self.env.write_config(self.env.web_config_text(
            mode="approve", require_sign_in=self.require_sign_in,
            rule_extra=self.rule_extra if rule_extra is None else rule_extra).replace(
                "condition: any", f"condition: {condition}"))
        self.env.start()

    def file_request(self, reason="deploy 4.2"):
        r = self.env.cli("request", "--for", "alice", f"{self.env.account}@web01", "--reason",
                         reason, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def show(self, rid):
        r = self.env.cli("show", str(rid), "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)


class ApprovalLinks(WebCase):
    def test_get_changes_nothing_and_post_decides(self):
        self.start()
        req = self.file_request()
        path = self.env.path_of(self.env.approval_link(req["id"], "bob"))
        for _ in range(3):  # mail scanners and previews fetch links
            page = self.env.get(path)
            self.assertEqual(page.status, 200)
            self.assertIn("deploy 4.2", page.body)
            self.assertIn("Approve", page.body)
        self.assertEqual(self.show(req["id"])["state"], "pending")
        done = self.env.post(path, {"csrf": page.csrf(), "action": "approve", "comment": "ok"})
        self.assertEqual(done.status, 200, done.body)
        shown = self.show(req["id"])
        self.assertEqual(shown["state"], "approved")
        self.assertEqual(shown["decisions"][0]["approver"], "bob")
        self.assertFalse(shown["decisions"][0]["admin_override"])
        wait_for(lambda: "request.approved" in self.env.log(), what="audit event")

    def test_token_pages_carry_protective_headers(self):
        self.start()
        req = self.file_request()
        page = self.env.get(self.env.path_of(self.env.approval_link(req["id"], "bob")))
        self.assertEqual(page.header("referrer-policy"), "no-referrer")
        self.assertIn("max-age=", page.header("strict-transport-security"))
        self.assertIn("default-src 'self'", page.header("content-security-policy"))
        self.assertIn("frame-ancestors 'none'", page.header("content-security-policy"))
        self.assertEqual(page.header("x-content-type-options"), "nosniff")
        self.assertEqual(page.header("cache-control"), "no-store")

    def test_second_use_is_refused(self):
        self.start()
        req = self.file_request()
        path = self.env.path_of(self.env.approval_link(req["id"], "bob"))
        csrf = self.env.get(path).csrf()
        self.assertEqual(self.env.post(path, {"csrf": csrf, "action": "deny",
                                              "comment": "not today"}).status, 200)
        again = self.env.post(path, {"csrf": csrf, "action": "approve"})
        self.assertEqual(again.status, 410)
        self.assertEqual(self.show(req["id"])["state"], "denied")
        page = self.env.get(path)
        self.assertEqual(page.status, 410)
        self.assertIn("This link was used", page.body)
        self.assertIn("<strong>bob</strong> denied at", page.body)
        self.assertIn("not today", page.body)

    def test_expired_link_is_refused(self):
        self.start(rule_extra="    pending_timeout: 2s\n")
        req = self.file_request()
        path = self.env.path_of(self.env.approval_link(req["id"], "bob"))
        csrf = self.env.get(path).csrf()
        wait_for(lambda: self.show(req["id"])["state"] == "expired", timeout=10,
                 what="request expired")
        self.assertEqual(self.env.get(path).status, 410)
        self.assertEqual(self.env.post(path, {"csrf": csrf, "action": "approve"}).status, 410)
        self.assertEqual(self.show(req["id"])["decisions"], [])

    def test_post_without_csrf_token_is_refused(self):
        self.start()
        req = self.file_request()
        path = self.env.path_of(self.env.approval_link(req["id"], "bob"))
        self.assertEqual(self.env.post(path, {"action": "approve"}).status, 403)
        self.assertEqual(self.env.post(path, {"action": "approve", "csrf": "x" * 43}).status, 403)
        csrf = self.env.get(path).csrf()
        evil = self.env.post(path, {"action": "approve", "csrf": csrf},
                             origin="https://evil.example")
        self.assertEqual(evil.status, 403)
        self.assertEqual(self.show(req["id"])["state"], "pending")
        self.assertEqual(self.env.get(path).status, 200, "refused POSTs do not use the link")

    def test_one_approvers_link_cannot_decide_for_another(self):
        self.start(condition="all")
        req = self.file_request()
        bob = self.env.path_of(self.env.approval_link(req["id"], "bob"))
        carol = self.env.path_of(self.env.approval_link(req["id"], "carol"))
        self.assertIn("Deciding as <strong>carol</strong>", self.env.get(carol).body)
        # A form token from bob's page does not fit carol's link.
        bob_csrf = self.env.get(bob).csrf()
        self.assertEqual(self.env.post(carol, {"csrf": bob_csrf, "action": "approve"}).status,
                         403)
        # bob's selector with carol's secret part is nobody's link.
        forged = bob[:-27] + carol[-27:]
        self.assertEqual(self.env.get(forged).status, 404)
        self.assertEqual(self.env.post(bob, {"csrf": bob_csrf, "action": "approve"}).status, 200)
        shown = self.show(req["id"])
        self.assertEqual(shown["state"], "pending", "carol's part is still open")
        self.assertEqual([d["approver"] for d in shown["decisions"]], ["bob"])

    def test_web_decision_releases_the_held_ssh(self):
        self.start(rule_extra="    hold_timeout: 2m\n", with_sshd=True)
        proc = self.env.ssh_popen("echo approved-on-the-web")
        req = None

        def pending():
            nonlocal req
            reqs = [r for r in json.loads(self.env.cli("requests", "--json").stdout)
                    if r["state"] == "pending"]
            req = reqs[0] if reqs else None
            return req is not None
        wait_for(pending, timeout=15, what="held request")
        path = self.env.path_of(self.env.approval_link(req["id"], "bob"))
        csrf = self.env.get(path).csrf()
        self.assertEqual(self.env.post(path, {"csrf": csrf, "action": "approve"}).status, 200)
        out, err = proc.communicate(timeout=20)
        self.assertEqual(proc.returncode, 0, err.decode(errors="replace") + self.env.log())
        self.assertEqual(out, b"approved-on-the-web\n")


class SignInRequired(WebCase):
    require_sign_in = True

    def test_link_asks_for_sign_in_and_only_its_approver_decides(self):
        self.start()
        req = self.file_request()
        path = self.env.path_of(self.env.approval_link(req["id"], "bob"))
        first = self.env.get(path)
        self.assertEqual(first.status, 303)
        self.assertTrue(first.header("location").startswith("/sign-in?next="))
        carol = self.env.sign_in("carol")
        self.assertEqual(self.env.get(path, cookie=carol).status, 403)
        bob = self.env.sign_in("bob")
        page = self.env.get(path, cookie=bob)
        self.assertEqual(page.status, 200)
        done = self.env.post(path, {"csrf": page.csrf(), "action": "approve"}, cookie=bob)
        self.assertEqual(done.status, 200, done.body)
        self.assertEqual(self.show(req["id"])["decisions"][0]["approver"], "bob")


class RdpFiles(WebCase):
    def test_a_signed_in_person_downloads_an_rdp_file(self):
        token_key = os.path.join(self.env.dir, "rdp_token.key")
        with open(token_key, "wb") as f:
            f.write(os.urandom(32))
        rdp_port = free_port()
        text = self.env.web_config_text(mode="approve")
        marker = f"  admin: {{ socket: {self.env.socket} }}\n"
        text = text.replace(marker, f'  rdp: {{ address: "127.0.0.1:{rdp_port}", '
                                    f"token_key: {token_key} }}\n" + marker)
        text = text.replace("servers:\n", 'servers:\n  - name: win01\n    protocol: rdp\n'
                                           '    address: "127.0.0.1:9"\n', 1)
        text += ('  - name: win01-rule\n    users: ["group:developers"]\n    servers: [win01]\n'
                 '    accounts: ["*"]\n    mode: allow\n')
        self.env.write_config(text)
        self.env.start()
        alice = self.env.sign_in("alice")
        r = self.env.get("/rdp-files/win01", cookie=alice)
        self.assertEqual(r.status, 200, r.body)
        self.assertIn("application/x-rdp", r.header("content-type"))
        self.assertIn('filename="win01.rdp"', r.header("content-disposition"))
        self.assertIn(f"full address:s:127.0.0.1:{rdp_port}\r\n", r.body)
        self.assertRegex(r.body, r"loadbalanceinfo:s:gh1~alice~win01~\d+~[0-9a-f]{16}~\S{43}\r\n")
        self.assertEqual(self.env.get("/rdp-files/web01", cookie=alice).status, 404)
        self.assertEqual(self.env.get("/rdp-files/win01").status, 303, "sign in first")


class People(WebCase):
    def test_sign_in_session_pages_and_api(self):
        self.start()
        req = self.file_request()
        asked = self.env.post("/sign-in", {"who": "bob@example.com"})
        self.assertEqual(asked.status, 200)
        self.assertIn("on its way", asked.body)
        link = self.env.sign_in_link("bob")
        self.assertNotIn(link.rsplit("/", 1)[1], self.env.log(), "no secret in the log")
        done = self.env.follow_sign_in_link(self.env.path_of(link))
        self.assertEqual(done.status, 303)
        cookie = done.header("set-cookie")
        for attr in ("HttpOnly", "Secure", "SameSite=Lax", "Max-Age="):
            self.assertIn(attr, cookie)
        self.assertEqual(self.env.post(self.env.path_of(link), {}).status, 410)
        session = cookie.split(";")[0]
        mine = self.env.get("/my/approvals", cookie=session)
        self.assertEqual(mine.status, 200)
        self.assertIn(f'/requests/{req["id"]}', mine.body)
        detail = self.env.get(f'/requests/{req["id"]}', cookie=session)
        self.assertIn("Timeline", detail.body)
        api = self.env.get("/api/v1/requests", cookie=session)
        self.assertEqual([r["id"] for r in json.loads(api.body)], [req["id"]])
        frank = self.env.sign_in("alice")
        self.assertEqual(self.env.get(f'/requests/{req["id"]}', cookie=frank).status, 200)
        self.assertEqual(self.env.get("/my/approvals").status, 303)

    def test_sign_in_links_are_limited_per_person(self):
        self.start()
        for _ in range(5):
            asked = self.env.post("/sign-in", {"who": "bob"})
            self.assertEqual(asked.status, 200)
            self.assertIn("on its way", asked.body, "the same answer over the limit")
        with sqlite3.connect(self.env.db) as db:
            (links,), = db.execute(
                "SELECT COUNT(*) FROM web_tokens WHERE kind = 'sign_in' AND person = 'bob'")
        self.assertEqual(links, 3, "three sign-in links per person within 15 minutes")
        self.assertIn("no sign-in link mailed to bob", self.env.log())
        # Someone else is not held back by bob's limit.
        self.assertEqual(self.env.post("/sign-in", {"who": "carol"}).status, 200)
        with sqlite3.connect(self.env.db) as db:
            (carol,), = db.execute(
                "SELECT COUNT(*) FROM web_tokens WHERE kind = 'sign_in' AND person = 'carol'")
        self.assertEqual(carol, 1)

    def test_healthz_and_metrics(self):
        self.start()
        self.file_request()
        self.assertEqual(self.env.get("/healthz").body, "ok\n")
        m = self.env.get("/metrics").body
        self.assertIn('gatehouse_requests{instance="test-gate",state="pending"} 1', m)
        self.assertIn("gatehouse_held_connections", m)
        self.assertIn("gatehouse_http_sent_bytes_total", m)


class Abuse(WebCase):
    """Issue 13: next= after sign-in, cross-site sign-in posts, removed approvers, the sign-in
    limit per source, the /metrics token - against the real daemon, mail through SMTP."""

    def start_with_mail(self, http_extra=""):
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)
        text = self.env.web_config_text(mode="approve", http_extra=http_extra)
        self.config = WebEnv.with_mail(text, self.sink.url)
        self.env.write_config(self.config)
        self.env.start()

    def sign_in_links_mailed(self, to, count):
        """The sign-in links mailed to `to`, once there are `count` of them."""
        wait_for(lambda: len(self.sink.to(to)) >= count, timeout=30, what=f"{count} mails")
        pattern = re.escape(self.env.public_url) + r"/sign-in/[A-Za-z0-9_-]{43}"
        return [re.search(pattern, text_part(m)).group(0) for m in self.sink.to(to)]

    def test_next_after_sign_in_is_only_a_local_path(self):
        self.start_with_mail()
        for i, evil in enumerate(["//evil.example", "/\t/evil.example", "/\\evil.example"]):
            asked = self.env.post("/sign-in", {"who": "bob", "next": evil},
                                  source=f"127.0.0.{10 + i}")
            self.assertEqual(asked.status, 200)
            link = self.sign_in_links_mailed("bob@example.com", i + 1)[-1]
            done = self.env.follow_sign_in_link(self.env.path_of(link))
            self.assertEqual(done.status, 303, done.body)
            self.assertEqual(done.header("location"), "/", repr(evil))

    def test_a_cross_site_sign_in_post_is_refused(self):
        self.start()
        path = self.env.path_of(self.env.sign_in_link("bob"))
        for origin in ("null", "https://evil.example", None):
            refused = self.env.post(path, {}, origin=origin)
            self.assertEqual(refused.status, 403, origin)
            self.assertRegex(refused.body, "did not come from this site|sent from another site")
        page = self.env.get(path)
        cookie = "; ".join(page.cookies)
        self.assertIn("SameSite=Strict", page.header("set-cookie"))
        cross = self.env.post(path, {"csrf": page.csrf()}, cookie=cookie,
                              headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(cross.status, 403)
        done = self.env.post(path, {"csrf": page.csrf()}, cookie=cookie,
                             headers={"Sec-Fetch-Site": "same-origin"})
        self.assertEqual(done.status, 303, done.body)
        self.assertIn("__Host-gatehouse=", done.header("set-cookie"))

    def test_a_removed_approvers_link_stops_working_after_reload(self):
        self.start()
        req = self.file_request()
        path = self.env.path_of(self.env.approval_link(req["id"], "carol"))
        page = self.env.get(path)
        self.assertEqual(page.status, 200)
        carol = self.env.sign_in("carol")
        self.assertEqual(self.env.get("/my/approvals", cookie=carol).status, 200)
        text = self.env.web_config_text(mode="approve").replace("approvers: [bob, carol]",
                                                                "approvers: [bob]")
        text = re.sub(r"  - name: carol\n(    .*\n)+", "", text)
        self.assertNotIn("carol", text)
        self.env.write_config(text)
        self.assertEqual(self.env.cli("reload").returncode, 0)
        gone = self.env.get(path)
        self.assertEqual(gone.status, 410)
        self.assertIn("no longer an approver", gone.body)
        post = self.env.post(path, {"csrf": page.csrf(), "action": "approve"})
        self.assertEqual(post.status, 410)
        self.assertEqual(self.show(req["id"])["decisions"], [])
        self.assertEqual(self.env.get("/my/approvals", cookie=carol).status, 303)

    def test_a_flood_of_bobs_name_from_elsewhere_does_not_lock_bob_out(self):
        self.start_with_mail()
        for _ in range(8):
            self.env.post("/sign-in", {"who": "bob"}, source="127.0.0.2")
        self.sign_in_links_mailed("bob@example.com", 3)
        asked = self.env.post("/sign-in", {"who": "bob@example.com"}, source="127.0.0.3")
        self.assertIn("on its way", asked.body)
        links = self.sign_in_links_mailed("bob@example.com", 4)
        self.assertEqual(len(links), 4)
        done = self.env.follow_sign_in_link(self.env.path_of(links[-1]), source="127.0.0.3")
        self.assertEqual(done.status, 303, done.body)
        self.assertIn("no sign-in link mailed to bob (asked from 127.0.0.2)", self.env.log())

    def test_metrics_need_the_bearer_token(self):
        token = "scrape-" + os.urandom(16).hex()
        token_file = os.path.join(self.env.dir, "metrics_token")
        with open(token_file, "w") as f:
            f.write(token + "\n")
        os.chmod(token_file, 0o600)
        self.env.write_config(self.env.web_config_text(
            mode="approve", http_extra=f"metrics_token: {token_file}"))
        self.env.start()
        self.file_request()
        none = self.env.get("/metrics")
        self.assertEqual(none.status, 401)
        self.assertNotIn("gatehouse_", none.body)
        self.assertEqual(self.env.get("/metrics", headers={
            "Authorization": "Bearer " + token[:-1] + "x"}).status, 401)
        ok = self.env.get("/metrics", headers={"Authorization": "Bearer " + token})
        self.assertEqual(ok.status, 200)
        self.assertIn('gatehouse_requests{instance="test-gate",state="pending"} 1', ok.body)
        self.assertIn('gatehouse_requests_filed_total{instance="test-gate"} 1', ok.body)


class Robustness(WebCase):
    def test_tls_below_1_2_and_weak_ciphers_are_refused(self):
        self.start()
        import warnings
        warnings.simplefilter("ignore", DeprecationWarning)
        for version in (ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1):
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            try:
                ctx.minimum_version = version
                ctx.maximum_version = version
                ctx.set_ciphers("ALL:@SECLEVEL=0")
            except (ValueError, ssl.SSLError):
                continue
            with self.env.raw_connection() as s:
                with self.assertRaises((ssl.SSLError, ConnectionError)):
                    ctx.wrap_socket(s).do_handshake()
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("AES128-SHA:ECDHE-ECDSA-AES128-SHA")  # CBC, no AEAD
        with self.env.raw_connection() as s:
            with self.assertRaises((ssl.SSLError, ConnectionError)):
                ctx.wrap_socket(s).do_handshake()

    def test_oversized_headers_are_refused(self):
        self.start()
        r = self.env.get("/healthz", headers={"X-Big": "a" * 20000})
        self.assertEqual(r.status, 431)

    def test_bad_clients_never_disturb_a_concurrent_approval(self):
        self.start(rule_extra="    hold_timeout: 2m\n", with_sshd=True)
        stop = threading.Event()
        sockets = []

        def garbage():
            while not stop.is_set():
                try:
                    with self.env.raw_connection() as s:
                        s.sendall(os.urandom(4096))
                        s.settimeout(2)
                        s.recv(100)
                except OSError:
                    pass

        def bad_tls():
            while not stop.is_set():
                try:
                    with self.env.raw_connection() as s:
                        # A TLS record header announcing a handshake, then nonsense.
                        s.sendall(b"\x16\x03\x01\x00\x40" + os.urandom(64))
                        s.settimeout(2)
                        s.recv(100)
                except OSError:
                    pass

        def slowloris():
            ctx = ssl.create_default_context(cafile=self.env.cert)
            for _ in range(30):
                try:
                    s = ctx.wrap_socket(self.env.raw_connection(), server_hostname="127.0.0.1")
                    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
                    sockets.append(s)
                except OSError:
                    pass
            while not stop.is_set():
                for s in list(sockets):
                    try:
                        s.sendall(b"X-a: b\r\n")
                    except OSError:
                        sockets.remove(s)
                time.sleep(1)

        def big_headers():
            while not stop.is_set():
                try:
                    self.env.get("/healthz", headers={"X-Big": "a" * 50000}, timeout=5)
                except OSError:
                    pass

        workers = [threading.Thread(target=f, daemon=True)
                   for f in (garbage, garbage, bad_tls, slowloris, big_headers)]
        for w in workers:
            w.start()
        try:
            proc = self.env.ssh_popen("echo still-approved")
            req = None

            def pending():
                nonlocal req
                reqs = [r for r in json.loads(self.env.cli("requests", "--json").stdout)
                        if r["state"] == "pending"]
                req = reqs[0] if reqs else None
                return req is not None
            wait_for(pending, timeout=15, what="held request")
            time.sleep(2)  # let the bad clients pile up
            path = self.env.path_of(self.env.approval_link(req["id"], "bob"))
            t = time.time()
            page = self.env.get(path)
            done = self.env.post(path, {"csrf": page.csrf(), "action": "approve"})
            elapsed = time.time() - t
            self.assertEqual(done.status, 200)
            self.assertLess(elapsed, 3, "the approval was not slowed by the bad clients")
            out, err = proc.communicate(timeout=20)
            self.assertEqual(proc.returncode, 0, err.decode(errors="replace"))
            self.assertEqual(out, b"still-approved\n")
        finally:
            stop.set()
            for w in workers:
                w.join(10)
            for s in sockets:
                s.close()
        self.assertIsNone(self.env.proc.poll(), "the daemon is still running")


if __name__ == "__main__":
    unittest.main(verbosity=2)
