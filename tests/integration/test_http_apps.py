"""Gated web apps end to end through the real gatehoused (issue 15 "Must show", SPEC "HTTP"):
a real upstream app (tests/apps/upstream_app.py, python3-aiohttp) served at its own host name
under apps_domain. A browser without a grant is sent to the portal, files on the request page,
follows the request live (server-sent events) and, once approved through the CLI, goes on to
the app through a single-use launch link; the app sees the person in a signed assertion that
PyJWT verifies with the gate's JWKS, never the gate's cookies; a WebSocket echo works and is
closed with 1008 and the reason within a second of a revocation, after which the cookie no
longer passes. A personal token (curl-like client) is held like an SSH login, then answered, or
refused with 403, the reason and the request's number. Sessions are listed and killed like SSH
ones, and everything is audited."""
import asyncio
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import BIN_DIR, wait_for  # noqa: E402
from tls_cert import self_signed_cert  # noqa: E402
from web_env import WebEnv  # noqa: E402

import aiohttp  # noqa: E402  (python3-aiohttp)
import jwt  # noqa: E402  (python3-jwt)

UPSTREAM_APP = os.path.join(os.path.dirname(__file__), "..", "apps", "upstream_app.py")
DOMAIN = "apps.gate.test"

APP_SERVERS = """\
- name: grafana
  protocol: http
  url: "http://127.0.0.1:{port}"
- name: wiki
  protocol: http
  url: "http://127.0.0.1:{port}"
  pass_identity: header
"""
# A second upstream behind TLS with its own CA, and a CA that did not sign it.
TLS_APP_SERVERS = """\
- name: vault
  protocol: http
  url: "https://127.0.0.1:{tls_port}"
  ca_file: {ca}
- name: forged
  protocol: http
  url: "https://127.0.0.1:{tls_port}"
  ca_file: {wrong_ca}
"""
APP_RULES = """\
  - name: grafana-needs-approval
    users: [alice]
    servers: [grafana]
    mode: approve
    approvers: [bob]
    hold_timeout: 2m
  - name: wiki-open
    users: [alice]
    servers: [wiki]
    mode: allow
"""
TLS_APP_RULES = """\
  - name: tls-apps-open
    users: [alice]
    servers: [vault, forged]
    mode: allow
"""


class AppConnection(http.client.HTTPSConnection):
    """HTTPS to the gate on loopback, under an app's host name (SNI and Host)."""

    def __init__(self, host, port, context, timeout=30):
        super().__init__(host, port, context=context, timeout=timeout)

    def connect(self):
        sock = socket.create_connection(("127.0.0.1", self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class LoopbackResolver(aiohttp.abc.AbstractResolver):
    """Every name is 127.0.0.1 (the app hosts have no DNS here)."""

    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self):
        pass


class Reply:
    def __init__(self, res):
        self.status = res.status
        self.headers = {k.lower(): v for k, v in res.getheaders()}
        self.cookies = [v.split(";")[0] for k, v in res.getheaders() if k.lower() == "set-cookie"]
        self.raw_cookies = [v for k, v in res.getheaders() if k.lower() == "set-cookie"]
        self.body = res.read()

    def json(self):
        return json.loads(self.body)


class HttpApps(unittest.TestCase):
    def setUp(self):
        self.env = WebEnv()
        self.addCleanup(self.env.close)
        # One certificate for the gate (127.0.0.1) and every app host.
        self.env.cert, self.env.key = self_signed_cert(self.env.dir, "gate", more_names=[
            "*." + DOMAIN])
        self.upstream = subprocess.Popen([sys.executable, UPSTREAM_APP], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (self.upstream.kill(), self.upstream.communicate()))
        self.upstream_port = int(self.upstream.stdout.readline())
        # A second upstream behind TLS with its own CA (its self-signed certificate), and a CA
        # that did not sign it.
        upstream_cert, upstream_key = self_signed_cert(self.env.dir, "upstream")
        self.wrong_ca, _ = self_signed_cert(self.env.dir, "other-ca")
        self.tls_upstream = subprocess.Popen(
            [sys.executable, UPSTREAM_APP, "--tls", upstream_cert, upstream_key],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (self.tls_upstream.kill(), self.tls_upstream.communicate()))
        tls_port = int(self.tls_upstream.stdout.readline())
        self.audit_log = os.path.join(self.env.dir, "audit.jsonl")
        text = self.env.web_config_text(
            extra_servers=APP_SERVERS.format(port=self.upstream_port) + TLS_APP_SERVERS.format(
                tls_port=tls_port, ca=upstream_cert, wrong_ca=self.wrong_ca),
            rule_extra=APP_RULES + TLS_APP_RULES,
            http_extra=f"apps_domain: {DOMAIN}")
        self.env.write_config(WebEnv.with_audit(text, self.audit_log))
        self.env.start()
        self.ctx = ssl.create_default_context(cafile=self.env.cert)

    # --- helpers --------------------------------------------------------------------------
    def host(self, app):
        return f"{app}.{DOMAIN}"

    def origin(self, app):
        return f"https://{self.host(app)}:{self.env.http_port}"

    def app_request(self, app, method, path, headers=None, body=None, timeout=30):
        conn = AppConnection(self.host(app), self.env.http_port, self.ctx, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            return Reply(conn.getresponse())
        finally:
            conn.close()

    def audit(self, name):
        with open(self.audit_log) as f:
            return [e for e in map(json.loads, f) if e.get("event") == name]

    def request_id_of(self, location):
        m = re.search(r"/apps/grafana/wait/(\d+)", location)
        self.assertIsNotNone(m, location)
        return int(m.group(1))

    def follow_events(self, path, cookie):
        """Reads the waiting page's event stream on a thread; returns the list it fills."""
        seen = []

        def read():
            conn = http.client.HTTPSConnection("127.0.0.1", self.env.http_port, context=self.ctx,
                                               timeout=60)
            conn.request("GET", path, headers={"Cookie": cookie, "Accept": "text/event-stream"})
            res = conn.getresponse()
            seen.append(("status", res.status, res.getheader("content-type")))
            for line in res:
                line = line.decode().rstrip("\n")
                if line.startswith("event: "):
                    seen.append(("event", line[len("event: "):]))
                    if line.endswith("decided"):
                        break
            conn.close()

        t = threading.Thread(target=read, daemon=True)
        t.start()
        return seen, t

    def jwks_key(self):
        keys = json.loads(self.env.get("/.well-known/jwks.json").body)["keys"]
        return jwt.PyJWK(keys[0]).key

    async def websocket(self, cookie, origin, on_open):
        connector = aiohttp.TCPConnector(resolver=LoopbackResolver(), ssl=self.ctx)
        async with aiohttp.ClientSession(connector=connector) as session:
            async with session.ws_connect(f"{self.origin('grafana')}/ws", origin=origin,
                                          headers={"Cookie": cookie}) as ws:
                await ws.send_str("hello through the gate")
                echo = await ws.receive(timeout=10)
                await on_open()
                started = time.monotonic()
                closing = await ws.receive(timeout=10)
                return echo.data, closing, time.monotonic() - started, ws.close_code

    # --- browsers -------------------------------------------------------------------------
    def test_browser_request_page_approval_launch_assertion_websocket_and_revocation(self):
        # Without a pass, a browser is sent to the portal's page for the app.
        r = self.app_request("grafana", "GET", "/headers/board?x=1", {"Accept": "text/html"})
        self.assertEqual(r.status, 302)
        portal = r.headers["location"]
        self.assertEqual(portal, f"{self.env.public_url}/apps/grafana?next="
                                 + urllib.parse.quote("/headers/board?x=1", safe="/"))
        alice = self.env.sign_in("alice")
        page = self.env.get(self.env.path_of(portal), cookie=alice)
        self.assertEqual(page.status, 200, page.body)
        self.assertIn("Request access to grafana", page.body)
        self.assertIn("<li>bob</li>", page.body)
        filed = self.env.post("/apps/grafana/request",
                              {"csrf": page.csrf(), "next": "/headers/board?x=1",
                               "reason": "latency dashboard", "duration": "1h"}, cookie=alice)
        self.assertEqual(filed.status, 303, filed.body)
        request_id = self.request_id_of(filed.header("location"))
        waiting = self.env.get(filed.header("location"), cookie=alice)
        self.assertIn("Waiting for bob", waiting.body)

        # The page follows the request live; the approval (CLI, as bob) reaches it.
        seen, reader = self.follow_events(f"/apps/grafana/wait/{request_id}/events", alice)
        wait_for(lambda: ("event", "waiting") in seen, what="the waiting event")
        self.assertEqual(seen[0], ("status", 200, "text/event-stream; charset=utf-8"))
        approved_at = time.monotonic()
        r = self.env.cli("approve", str(request_id), "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        reader.join(10)
        self.assertIn(("event", "decided"), seen)
        self.assertLess(time.monotonic() - approved_at, 5)

        # Reloaded, the page goes on to the app through a single-use launch link.
        onward = self.env.get(filed.header("location"), cookie=alice)
        self.assertEqual(onward.status, 303)
        launch = self.env.get(onward.header("location"), cookie=alice)
        self.assertEqual(launch.status, 303)
        launch_url = launch.header("location")
        self.assertTrue(launch_url.startswith(self.origin("grafana") + "/.gatehouse/launch?t="),
                        launch_url)
        launch_path = launch_url[len(self.origin("grafana")):]
        opened = self.app_request("grafana", "GET", launch_path)
        self.assertEqual(opened.status, 302)
        self.assertEqual(opened.headers["location"], "/headers/board?x=1")
        self.assertEqual(len(opened.raw_cookies), 1)
        cookie_line = opened.raw_cookies[0]
        self.assertTrue(cookie_line.startswith("__Host-gh_app="), cookie_line)
        for attribute in ("Path=/", "Secure", "HttpOnly", "SameSite=Lax"):
            self.assertIn(attribute, cookie_line)
        self.assertNotIn("Domain", cookie_line)
        app_cookie = opened.cookies[0]
        again = self.app_request("grafana", "GET", launch_path)
        self.assertEqual(again.status, 403, "a launch link works once")

        # The app sees the person in a verified assertion, and none of the gate's secrets.
        r = self.app_request("grafana", "GET", "/headers/board?x=1", {
            "Cookie": f"{app_cookie}; {alice}; theme=dark",
            "X-Gatehouse-User": "mallory", "X-Forwarded-For": "6.6.6.6"})
        self.assertEqual(r.status, 200, r.body)
        seen_headers = {k.lower(): v for k, v in r.json()["headers"]}
        claims = jwt.decode(seen_headers["gatehouse-jwt-assertion"], self.jwks_key(),
                            algorithms=["EdDSA"], audience=self.origin("grafana"),
                            issuer=self.env.public_url)
        grant_id = json.loads(self.env.cli("show", str(request_id), "--json").stdout)["grant_id"]
        self.assertEqual((claims["sub"], claims["email"], claims["grant_id"]),
                         ("alice", "alice@example.com", grant_id))
        self.assertLessEqual(claims["exp"] - claims["iat"], 300)
        self.assertEqual(seen_headers.get("cookie"), "theme=dark")
        self.assertNotIn("x-gatehouse-user", seen_headers)
        self.assertEqual(seen_headers["x-forwarded-for"], "127.0.0.1")
        self.assertEqual(seen_headers["x-forwarded-host"], f"{self.host('grafana')}:{self.env.http_port}")
        self.assertEqual(seen_headers["x-forwarded-proto"], "https")
        # The app's cookie is worth nothing on another app's host.
        other = self.app_request("wiki", "GET", "/headers", {"Cookie": app_cookie,
                                                             "Accept": "text/html"})
        self.assertEqual(other.status, 302)
        self.assertIn("/apps/wiki", other.headers["location"])

        # A WebSocket echo through the gate; a revocation closes it with 1008 within a second.
        async def revoke():
            r = await asyncio.to_thread(self.env.cli, "revoke", str(grant_id))
            self.assertEqual(r.returncode, 0, r.stderr)

        echo, closing, took, code = asyncio.run(
            self.websocket(app_cookie, self.origin("grafana"), revoke))
        self.assertEqual(echo, "hello through the gate")
        self.assertEqual(closing.type, aiohttp.WSMsgType.CLOSE)
        self.assertEqual(code, 1008)
        self.assertEqual(closing.extra, f"access grant #{grant_id} ended: revoked by admin")
        self.assertLess(took, 1.0)
        after = self.app_request("grafana", "GET", "/headers", {"Cookie": app_cookie,
                                                                "Accept": "text/html"})
        self.assertEqual(after.status, 302, "the next navigation goes back to the request page")

        starts = [e for e in self.audit("session.start") if e.get("protocol") == "http"]
        self.assertEqual(len(starts), 1)
        self.assertEqual((starts[0]["person"], starts[0]["server"], starts[0]["grant_id"]),
                         ("alice", "grafana", grant_id))
        requests = [e for e in self.audit("http.request") if e["server"] == "grafana"]
        self.assertIn(("GET", "/headers/board?x=", 200),
                      [(e["method"], e["path"], e["status"]) for e in requests])
        self.assertTrue(any(e.get("websocket") for e in requests))
        # Each request is in the audit log, not also a line in the daemon's own log (at an
        # app's rate that would drown it); the session's events are in both.
        self.assertNotIn(" audit http.request ", self.env.log())
        self.assertIn(" audit session.start ", self.env.log())
        ends = [e for e in self.audit("session.end") if e.get("protocol") == "http"]
        self.assertEqual([e["reason"] for e in ends], ["grant revoked by admin"])

    def test_a_websocket_from_another_origin_is_refused(self):
        wiki = self.env.sign_in("alice")
        launch = self.env.get("/apps/wiki?next=/", cookie=wiki)
        self.assertEqual(launch.status, 303, launch.body)
        opened = self.app_request("wiki", "GET", launch.header("location")[len(self.origin("wiki")):])
        cookie = opened.cookies[0]
        r = self.app_request("wiki", "GET", "/ws", {
            "Cookie": cookie, "Origin": "https://evil.example", "Connection": "Upgrade",
            "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="})
        self.assertEqual(r.status, 403)
        # pass_identity: header
        r = self.app_request("wiki", "GET", "/headers", {"Cookie": cookie})
        seen = {k.lower(): v for k, v in r.json()["headers"]}
        self.assertEqual(seen["x-gatehouse-user"], "alice")
        self.assertNotIn("gatehouse-jwt-assertion", seen)

    def test_an_https_upstream_is_verified_against_its_ca_file(self):
        alice = self.env.sign_in("alice")
        for app in ("vault", "forged"):
            launch = self.env.get(f"/apps/{app}?next=/headers", cookie=alice)
            self.assertEqual(launch.status, 303, launch.body)
            opened = self.app_request(app, "GET", launch.header("location")[len(self.origin(app)):])
            self.assertEqual(opened.status, 302)
            r = self.app_request(app, "GET", "/headers", {"Cookie": opened.cookies[0]})
            if app == "vault":
                self.assertEqual(r.status, 200, r.body)
                self.assertEqual(r.json()["path"], "/headers")
            else:
                # A certificate its ca_file did not sign: never proxied.
                self.assertEqual(r.status, 502, r.body)
                self.assertNotIn(b"connection", r.body)

    # --- tokens ---------------------------------------------------------------------------
    def token(self):
        r = self.env.ssh("http-token", "grafana", target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode().splitlines()[0]

    def held_request(self, token, out):
        def run():
            try:
                out.append(self.app_request("grafana", "GET", "/headers/api", {
                    "Authorization": f"Bearer {token}"}, timeout=120))
            except Exception as e:  # noqa: BLE001 - shown by the assertion below
                out.append(e)
        t = threading.Thread(target=run, daemon=True)
        t.start()
        return t

    def pending_request(self):
        def find():
            listed = json.loads(self.env.cli("requests", "--json").stdout)
            pending = [r for r in listed if r["server"] == "grafana" and r["state"] == "pending"]
            return pending[0]["id"] if pending else None
        wait_for(lambda: find() is not None, timeout=15, what="the held request's filing")
        return find()

    def test_a_token_request_is_held_then_answered_or_refused(self):
        token = self.token()
        answered = []
        t = self.held_request(token, answered)
        request_id = self.pending_request()
        time.sleep(0.3)
        self.assertEqual(answered, [], "held until a decision")
        self.assertEqual(self.env.cli("approve", str(request_id), "--as", "bob").returncode, 0)
        t.join(30)
        r = answered[0]
        self.assertIsInstance(r, Reply)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.headers.get("gatehouse-request"), str(request_id),
                         "the answer names the request it was held for")
        seen = {k.lower(): v for k, v in r.json()["headers"]}
        self.assertNotIn("authorization", seen, "the person's token never reaches the app")
        self.assertEqual(jwt.decode(seen["gatehouse-jwt-assertion"], self.jwks_key(),
                                    algorithms=["EdDSA"], audience=self.origin("grafana"))["sub"],
                         "alice")
        # Listed as a session, and killed like one.
        sessions = json.loads(self.env.cli("sessions", "--json").stdout)
        http_sessions = [s for s in sessions if s["protocol"] == "http"]
        self.assertEqual(len(http_sessions), 1, sessions)
        self.assertEqual((http_sessions[0]["person"], http_sessions[0]["server"]),
                         ("alice", "grafana"))
        self.assertEqual(self.env.cli("kill", http_sessions[0]["id"]).returncode, 0)
        wait_for(lambda: not [s for s in json.loads(self.env.cli("sessions", "--json").stdout)
                              if s["protocol"] == "http"], what="the session's end")
        holds = self.audit("hold.start")
        self.assertTrue(any(e.get("protocol") == "http" for e in holds))

    def test_a_denied_token_request_gets_403_with_the_reason_and_the_request(self):
        token = self.token()
        answered = []
        t = self.held_request(token, answered)
        request_id = self.pending_request()
        r = self.env.cli("deny", str(request_id), "--as", "bob", "--comment", "use staging")
        self.assertEqual(r.returncode, 0, r.stderr)
        t.join(30)
        r = answered[0]
        self.assertEqual(r.status, 403)
        self.assertEqual(r.headers.get("gatehouse-request"), str(request_id))
        self.assertIn(b"request_denied", r.body)
        self.assertIn(b"use staging", r.body)
        # Unknown tokens and tokens of another app are refused at once.
        self.assertEqual(self.app_request("grafana", "GET", "/", {
            "Authorization": "Bearer ghh_" + "A" * 43}).status, 401)
        self.assertEqual(self.app_request("wiki", "GET", "/", {
            "Authorization": f"Bearer {token}"}).status, 403)

    def test_a_held_token_client_that_leaves_cancels_its_hold(self):
        token = self.token()
        raw = socket.create_connection(("127.0.0.1", self.env.http_port), 10)
        client = self.ctx.wrap_socket(raw, server_hostname=self.host("grafana"))
        client.sendall((f"GET /headers/api HTTP/1.1\r\nHost: {self.host('grafana')}:"
                        f"{self.env.http_port}\r\nAuthorization: Bearer {token}\r\n\r\n")
                       .encode())
        request_id = self.pending_request()
        wait_for(lambda: any(e.get("protocol") == "http" for e in self.audit("hold.start")),
                 what="the hold's start")
        client.close()
        # Noticed at once, not at the rule's hold_timeout (2 minutes).
        wait_for(lambda: [e for e in self.audit("hold.end") if e.get("protocol") == "http"],
                 timeout=5, what="the hold's end when the client left")
        ends = [e for e in self.audit("hold.end") if e.get("protocol") == "http"]
        self.assertEqual([(e["outcome"], e["request_id"]) for e in ends],
                         [("client_left", request_id)])

    def test_after_a_token_grant_ends_the_next_request_gets_403_with_the_reason(self):
        token = self.token()
        answered = []
        t = self.held_request(token, answered)
        request_id = self.pending_request()
        self.assertEqual(self.env.cli("approve", str(request_id), "--as", "bob").returncode, 0)
        t.join(30)
        self.assertEqual(answered[0].status, 200, answered[0].body)
        grant_id = json.loads(self.env.cli("show", str(request_id), "--json").stdout)["grant_id"]
        self.assertEqual(self.env.cli("revoke", str(grant_id)).returncode, 0)
        wait_for(lambda: [e for e in self.audit("session.end") if e.get("protocol") == "http"],
                 what="the token session's end")
        started = time.monotonic()
        r = self.app_request("grafana", "GET", "/headers/api",
                             {"Authorization": f"Bearer {token}"}, timeout=30)
        self.assertEqual(r.status, 403, r.body)
        self.assertLess(time.monotonic() - started, 5, "refused at once, not held")
        self.assertIn(f"access grant #{grant_id} ended: revoked by admin".encode(), r.body)
        listed = json.loads(self.env.cli("requests", "--json").stdout)
        self.assertEqual([x for x in listed if x["state"] == "pending"], [],
                         "no new request was filed for it")


if __name__ == "__main__":
    unittest.main(verbosity=2)
