"""Identity for gated web apps through the real gatehoused (SPEC "HTTP"): the JWKS at
/.well-known/jwks.json, assertions an independent JWT library (PyJWT over python3-cryptography)
verifies with it, `gatehoused --check` on the assertion key, and personal HTTP tokens printed by
`ssh alice@gate http-token APP` through a real OpenSSH client (and `gatehouse http-token APP
--for PERSON`), audited without the token."""
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import BIN_DIR, GATEHOUSED  # noqa: E402
from web_env import WebEnv  # noqa: E402

import jwt  # noqa: E402  (python3-jwt)

SIGN_ASSERTION = os.path.join(BIN_DIR, "tests", "apps", "apps_sign_assertion")
APPS_DOMAIN = "apps.gate.test"
TOKEN_LINE = re.compile(r"^ghh_[A-Za-z0-9_-]{43}$")

APP_SERVERS = """\
- name: grafana
  protocol: http
  url: "http://127.0.0.1:3000"
- name: wiki
  protocol: http
  url: "http://127.0.0.1:3001"
"""
APP_RULES = """\
  - name: grafana-justify
    users: [alice]
    servers: [grafana]
    mode: justify
  - name: wiki-closed
    users: ["*"]
    servers: [wiki]
    mode: deny
"""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def genpkey(path, algorithm="ed25519"):
    subprocess.run(["openssl", "genpkey", "-algorithm", algorithm, "-out", path], check=True,
                   capture_output=True)
    os.chmod(path, 0o600)
    return path


class IdentityCase(unittest.TestCase):
    def setUp(self):
        self.env = WebEnv()
        self.addCleanup(self.env.close)
        self.audit_log = os.path.join(self.env.dir, "audit.jsonl")
        self.key = genpkey(os.path.join(self.env.dir, "assertion.pem"))

    def config(self, key=None):
        extra = f"apps_domain: {APPS_DOMAIN}"
        if key is not False:
            extra += f", assertion_key: {key or self.key}"
        text = self.env.web_config_text(extra_servers=APP_SERVERS, rule_extra=APP_RULES,
                                        http_extra=extra)
        return WebEnv.with_audit(text, self.audit_log)

    def start(self, key=None):
        self.env.write_config(self.config(key))
        self.env.start()

    def check(self, key):
        self.env.write_config(self.config(key))
        return subprocess.run([GATEHOUSED, "-c", self.env.config_path, "--check"],
                              capture_output=True, text=True, timeout=30)

    def audit_events(self, name):
        with open(self.audit_log) as f:
            return [e for e in map(json.loads, f) if e.get("event") == name]

    def jwks(self):
        r = self.env.get("/.well-known/jwks.json")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.header("content-type"), "application/json")
        self.assertEqual(r.header("cache-control"), "public, max-age=300")
        return json.loads(r.body)


class Jwks(IdentityCase):
    def test_an_assertion_verifies_with_the_served_keys(self):
        self.start()
        keys = self.jwks()["keys"]
        self.assertEqual(len(keys), 1)
        jwk = keys[0]
        self.assertEqual((jwk["kty"], jwk["crv"], jwk["alg"], jwk["use"]),
                         ("OKP", "Ed25519", "EdDSA", "sig"))
        # The kid is the RFC 7638 thumbprint of the key in the file, computed here.
        from cryptography.hazmat.primitives import serialization
        with open(self.key, "rb") as f:
            private = serialization.load_pem_private_key(f.read(), password=None)
        raw = private.public_key().public_bytes(serialization.Encoding.Raw,
                                                serialization.PublicFormat.Raw)
        self.assertEqual(jwk["x"], b64url(raw))
        canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": jwk["x"]},
                               separators=(",", ":"), sort_keys=True)
        self.assertEqual(jwk["kid"], b64url(hashlib.sha256(canonical.encode()).digest()))

        audience = f"https://grafana.{APPS_DOMAIN}:{self.env.http_port}"
        token = subprocess.run([SIGN_ASSERTION, self.key, self.env.public_url, audience, "alice",
                                "alice@example.com", "7"], capture_output=True, text=True,
                               check=True).stdout.strip()
        self.assertEqual(jwt.get_unverified_header(token)["kid"], jwk["kid"])
        public = jwt.PyJWK(jwk).key
        claims = jwt.decode(token, public, algorithms=["EdDSA"], audience=audience,
                            issuer=self.env.public_url)
        self.assertEqual((claims["sub"], claims["email"], claims["grant_id"]),
                         ("alice", "alice@example.com", 7))
        self.assertLessEqual(claims["exp"] - claims["iat"], 300)
        self.assertLessEqual(abs(claims["iat"] - time.time()), 60)
        with self.assertRaises(jwt.InvalidAudienceError):
            jwt.decode(token, public, algorithms=["EdDSA"], audience=f"https://wiki.{APPS_DOMAIN}")
        head, body, sig = token.split(".")
        forged = b64url(json.dumps({**claims, "sub": "mallory"}).encode())
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(f"{head}.{forged}.{sig}", public, algorithms=["EdDSA"], audience=audience)

    def test_without_a_key_file_a_key_is_made_at_each_start(self):
        self.start(key=False)
        first = self.jwks()["keys"][0]["kid"]
        self.assertIn("set listen.http.assertion_key", self.env.log())
        self.env.stop()
        self.env.start()
        self.assertNotEqual(self.jwks()["keys"][0]["kid"], first)

    def test_check_refuses_an_unusable_key(self):
        self.assertEqual(self.check(self.key).returncode, 0)
        rsa = genpkey(os.path.join(self.env.dir, "rsa.pem"), "rsa")
        r = self.check(rsa)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"assertion key {rsa}: holds a RSA key, not Ed25519", r.stdout)
        garbage = os.path.join(self.env.dir, "garbage.pem")
        with open(garbage, "w") as f:
            f.write("not a key\n")
        r = self.check(garbage)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is not a PEM private key", r.stdout)
        missing = os.path.join(self.env.dir, "missing.pem")
        r = self.check(missing)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"cannot read key file '{missing}'", r.stdout)
        # The daemon itself refuses to start on it, with one line.
        self.env.write_config(self.config(rsa))
        proc = self.env.start(wait=False)
        self.assertEqual(proc.wait(15), 1)
        self.assertIn("not Ed25519", self.env.log())


class HttpToken(IdentityCase):
    def test_the_token_is_printed_once_and_audited_without_it(self):
        self.start()
        r = self.env.ssh("http-token", "grafana", "--valid", "2h", target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        token = out.splitlines()[0]
        self.assertRegex(token, TOKEN_LINE)
        self.assertIn(f'curl -H "Authorization: Bearer {token}" '
                      f"https://grafana.{APPS_DOMAIN}:{self.env.http_port}/", out)
        self.assertIn("valid for 2h", out)

        events = self.audit_events("http_token.issued")
        self.assertEqual(len(events), 1)
        e = events[0]
        self.assertEqual((e["person"], e["app"]), ("alice", "grafana"))
        expires = time.mktime(time.strptime(e["expires"][:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone
        self.assertLess(abs(expires - (time.time() + 7200)), 120)
        secret = token[4 + 16:]  # the verifier: never in the audit log, the log or the store
        with open(self.audit_log) as f:
            self.assertNotIn(secret, f.read())
        self.assertNotIn(secret, self.env.log())
        with open(self.env.db, "rb") as f:
            self.assertNotIn(secret.encode(), f.read())

        again = self.env.ssh("http-token", "grafana", target="").stdout.decode()
        self.assertNotEqual(again.splitlines()[0], token)
        self.assertIn("valid for 8h", again)  # the default

    def test_refusals_say_why_and_issue_nothing(self):
        self.start()
        cases = [
            (("http-token", "nothing"), "alice", "no web app named 'nothing'"),
            (("http-token", "web01"), "alice", "'web01' is an ssh server, not a web app"),
            (("http-token", "grafana", "--valid", "soon"), "alice", "bad duration 'soon'"),
            (("http-token", "grafana", "--valid", "1m"), "alice",
             "a token is valid for 5m to 30d, not 1m"),
            (("http-token", "grafana", "--valid", "31d"), "alice",
             "a token is valid for 5m to 30d, not 31d"),
            (("http-token", "wiki"), "alice", "rule wiki-closed denies alice access to wiki"),
            (("http-token", "grafana"), "bob", "no rule lets bob reach grafana"),
            (("http-token",), "alice", "usage: http-token APP [--valid 8h]"),
        ]
        for args, person, words in cases:
            r = self.env.ssh(*args, target="", person=person)
            self.assertEqual(r.returncode, 1, (args, r.stdout))
            self.assertEqual(r.stdout, b"", args)
            self.assertIn(words, r.stderr.decode(), args)
        self.assertEqual(self.audit_events("http_token.issued"), [])
        help_text = self.env.ssh("help", target="").stdout.decode()
        self.assertIn("http-token APP [--valid 8h]", help_text)

    def test_the_cli_issues_one_for_a_person(self):
        self.start()
        r = self.env.cli("http-token", "grafana", "--for", "alice", "--valid", "1h")
        self.assertEqual(r.returncode, 0, r.stderr)
        token = r.stdout.splitlines()[0]
        self.assertRegex(token, TOKEN_LINE)
        self.assertIn(f"https://grafana.{APPS_DOMAIN}:{self.env.http_port}/", r.stdout)
        [issued] = self.audit_events("http_token.issued")
        self.assertEqual((issued["person"], issued["app"]), ("alice", "grafana"))
        with open(self.audit_log) as f:
            self.assertNotIn(token[4 + 16:], f.read())  # admin.action records the body only
        r = self.env.cli("http-token", "grafana")
        self.assertEqual(r.returncode, 1)
        self.assertIn("an HTTP token is a person's own: name the person", r.stderr)
        r = self.env.cli("http-token", "grafana", "--for", "bob")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no rule lets bob reach grafana", r.stderr)
        self.assertEqual(len(self.audit_events("http_token.issued")), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
