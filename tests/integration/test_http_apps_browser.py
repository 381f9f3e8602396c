"""Gated web apps in a real browser (issue 15 "Must show"): headless Chromium (Debian's, driven
by playwright-core, tests/web/apps_in_browser.js) opens a real upstream app
(tests/apps/upstream_app.py) at its own host name through the real gatehoused; it is sent to
the portal's sign-in page, signs in from the link in the mail (a real SMTP server), files on the
request page and waits; bob approves from the link in his mail; the waiting page goes on to the
app by itself; the app sees alice in an assertion PyJWT verifies with the gate's JWKS; the
WebSocket echo works; a personal token made on the portal's token page works for a curl-like
client; `gatehouse revoke` closes the page's WebSocket with 1008 and the reason within 1 s,
and the next navigation shows the request page. Screenshots land in the build directory
(tests/web/screenshots) to be looked at."""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from smtp_sink import SmtpSink  # noqa: E402
import test_http_apps  # noqa: E402  (its classes stay there: not run twice)
from browser_env import drive_browser, prepare_browser  # noqa: E402
from tls_cert import self_signed_cert  # noqa: E402
from web_env import WebEnv  # noqa: E402

import jwt  # noqa: E402  (python3-jwt)



class AppsInBrowser(unittest.TestCase):
    # The HTTPS client under an app's host name, as test_http_apps has it.
    app_request = test_http_apps.HttpApps.app_request
    host = test_http_apps.HttpApps.host
    origin = test_http_apps.HttpApps.origin

    def setUp(self):
        self.shots = prepare_browser("apps")
        self.sink = SmtpSink().start()
        self.addCleanup(self.sink.stop)
        self.env = WebEnv()
        self.addCleanup(self.env.close)
        self.env.cert, self.env.key = self_signed_cert(self.env.dir, "gate", more_names=[
            "*." + test_http_apps.DOMAIN])
        self.upstream = subprocess.Popen([sys.executable, test_http_apps.UPSTREAM_APP],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (self.upstream.kill(), self.upstream.communicate()))
        upstream_port = int(self.upstream.stdout.readline())
        text = self.env.web_config_text(
            extra_servers=test_http_apps.APP_SERVERS.format(port=upstream_port),
            rule_extra=test_http_apps.APP_RULES,
            http_extra=f"apps_domain: {test_http_apps.DOMAIN}")
        text = WebEnv.with_mail(text, self.sink.url)
        self.env.write_config(text)
        self.env.start()
        self.ctx = self.env.tls_context()

    def grafana_request(self, state):
        listed = json.loads(self.env.cli("requests", "--json").stdout)
        return [r for r in listed if r["server"] == "grafana" and r["state"] == state]

    def test_sign_in_request_approve_app_websocket_token_and_revocation(self):
        app_url = f"{self.origin('grafana')}/app.html"
        revoked = {}

        def answer(need):
            if need["need"] == "sign-in link":
                return self.env.link_in_mail(self.sink, "alice@example.com", "Sign-in link",
                                             r"/sign-in/[A-Za-z0-9_-]{43}")
            if need["need"] == "approval link":
                pending = self.grafana_request("pending")
                self.assertEqual(len(pending), 1)
                revoked["request"] = pending[0]["id"]
                return self.env.link_in_mail(self.sink, "bob@example.com", f"#{pending[0]['id']}",
                                             r"/approvals/[A-Za-z0-9_-]{43}\?decision=approve")
            if need["need"] == "revocation":
                self.check_the_app_side(need, revoked["request"])
                grant = json.loads(self.env.cli("show", str(revoked["request"]), "--json")
                                   .stdout)["grant_id"]
                revoked["grant"] = grant
                revoked["at"] = time.time()
                r = self.env.cli("revoke", str(grant))
                self.assertEqual(r.returncode, 0, r.stderr)
                return "done"
            self.fail(f"unknown need {need}")

        seen = drive_browser(self, "apps_in_browser.js", [app_url, self.shots], answer,
                             seconds=240)

        self.assertTrue(seen["signInUrl"].startswith(f"{self.env.public_url}/sign-in?next="),
                        seen["signInUrl"])
        self.assertIn("Request access to grafana", seen["requestPage"])
        self.assertIn("bob", seen["requestPage"])
        self.assertIn("Waiting for bob", seen["waitingPage"])
        self.assertIn(f"You approved request #{revoked['request']}", seen["approved"])
        self.assertEqual(seen["appUrl"], app_url, "the page went on to the app by itself")
        self.assertLess(seen["onwardMs"], 5000, "by the live events, not the 10 s refresh")
        self.assertEqual(seen["echo"], "echo: hello from the browser")
        self.assertEqual(seen["closeCode"], 1008)
        self.assertEqual(seen["closeReason"],
                         f"access grant #{revoked['grant']} ended: revoked by admin")
        took = seen["closedAt"] / 1000 - revoked["at"]
        print(f"approval to the app: {seen['onwardMs']} ms; revocation to the browser's close "
              f"event: {took * 1000:.0f} ms", file=sys.stderr)
        self.assertLess(took, 1.0)
        self.assertIn("Request access to grafana", seen["afterRevocation"])
        self.assertIn("shown only this once", seen["tokenPage"])
        self.assertIn(f"Authorization: Bearer {seen['token']}\" {self.origin('grafana')}/",
                      seen["curl"])
        shown = json.loads(self.env.cli("show", str(revoked["request"]), "--json").stdout)
        self.assertEqual(shown["decisions"][0]["approver"], "bob")
        for name in ("app-request.png", "app-waiting.png", "app-websocket.png", "app-token.png",
                     "app-revoked.png", "app-request-again.png"):
            self.assertGreater(os.path.getsize(os.path.join(self.shots, name)), 5000, name)

    def check_the_app_side(self, need, request_id):
        """While the grant lives: the app saw alice in a verified assertion, and the token from
        the portal's page lets a curl-like client through."""
        keys = json.loads(self.env.get("/.well-known/jwks.json").body)["keys"]
        key = jwt.PyJWK(keys[0]).key
        headers = {k.lower(): v for k, v in need["seenHeaders"]["headers"]}
        claims = jwt.decode(headers["gatehouse-jwt-assertion"], key, algorithms=["EdDSA"],
                            audience=self.origin("grafana"), issuer=self.env.public_url)
        grant = json.loads(self.env.cli("show", str(request_id), "--json").stdout)["grant_id"]
        self.assertEqual((claims["sub"], claims["email"], claims["grant_id"]),
                         ("alice", "alice@example.com", grant))
        self.assertNotIn("__Host-gh_app", headers.get("cookie", ""))
        token = need["token"]
        self.assertRegex(token, r"^ghh_[A-Za-z0-9_-]{43}$")
        r = self.app_request("grafana", "GET", "/headers/api",
                             {"Authorization": f"Bearer {token}"})
        self.assertEqual(r.status, 200, r.body)
        seen = {k.lower(): v for k, v in r.json()["headers"]}
        self.assertNotIn("authorization", seen)
        self.assertEqual(jwt.decode(seen["gatehouse-jwt-assertion"], key, algorithms=["EdDSA"],
                                    audience=self.origin("grafana"))["sub"], "alice")
        self.assertEqual(self.app_request("grafana", "GET", "/headers", {
            "Authorization": "Bearer ghh_" + "B" * 43}).status, 401)


if __name__ == "__main__":
    unittest.main(verbosity=2)
