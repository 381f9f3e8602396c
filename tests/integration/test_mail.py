"""Mail from the real daemon to a real SMTP server (aiosmtpd on loopback), as people get it:
approvers are asked with the exact subject and every fact in both parts; the requester hears of
each decision; every approver hears of emergency access. The outbox is durable: mail filed while
SMTP is down arrives after a daemon restart once SMTP is back. A hanging SMTP server never
delays a decision. A delivered link is not kept at rest."""
import contextlib
import json
import os
import quopri
import re
import shutil
import sqlite3
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from shared_daemon_case import SharedDaemonCase  # noqa: E402
from smtp_sink import SilentSmtp, SmtpSink, html_part, text_part  # noqa: E402
from gatehouse_env import Env, free_port, wait_for  # noqa: E402
from web_env import WebEnv  # noqa: E402

REASON = 'fix <prod> & "restart" nginx'


def approval_subject(rid):
    return f"test-gate - Connection Approval Notification - #{rid}"


def mail_env(smtp_url, mail_extra=""):
    env = Env()
    text = env.config_text().replace("    condition: any\n",
                                     "    condition: any\n    emergency: true\n", 1)
    text = text.replace("users:\n", f"""mail:
  smtp: "{smtp_url}"
  from: gate@example.com
{mail_extra}users:
""", 1)
    env.write_config(text)
    return env


def file_request(env, *extra):
    r = env.cli("request", "root@web01", "--for", "alice", "--reason", REASON, *extra, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def clear(env):
    """Tests share one daemon: no pending request or live grant of alice's is left behind."""
    for g in json.loads(env.cli("grants", "--json").stdout or "[]"):
        if g["state"] == "active":
            env.cli("revoke", str(g["id"]))
    for r in json.loads(env.cli("requests", "--state", "pending", "--json").stdout or "[]"):
        env.cli("cancel", str(r["id"]))


def unsent(env):
    with sqlite3.connect(os.path.join(env.dir, "gatehouse.db")) as c:
        return c.execute("SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL").fetchone()[0]


def subject_is(subject, to):
    return lambda m: str(m["Subject"]) == subject and to in str(m["To"])


class MailToARealSmtpServer(SharedDaemonCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink().start()
        cls.env = mail_env(cls.sink.url)
        cls.env.start()

    def setUp(self):
        self.addCleanup(clear, self.env)

    def test_approvers_are_asked_with_every_fact_in_both_parts(self):
        req = file_request(self.env)
        rid = req["id"]
        for approver in ("bob", "carol"):
            msg = self.sink.wait_for(subject_is(approval_subject(rid), f"{approver}@example.com"),
                                     what=f"the approval mail to {approver}")
            self.assertIn("gate@example.com", str(msg["From"]))
            self.assertTrue(msg["Message-ID"] and msg["Date"])
            self.assertEqual(msg.get_content_type(), "multipart/alternative")
            text, html = text_part(msg), html_part(msg)
            for part in (text, html):
                for fact in ("alice", "web01", "root", "ssh", req["window"]["start"],
                             req["window"]["end"], "Emergency", "Approver level", f"#{rid}"):
                    self.assertIn(fact, part)
            self.assertIn(REASON, text)
            self.assertIn("fix &lt;prod&gt; &amp; &quot;restart&quot; nginx", html)
            self.assertNotIn("<prod>", html)
            # No web listener: the mail says how to decide.
            self.assertIn(f"gatehouse approve {rid} --as {approver}", text)
            self.assertIn(f"{approver}@127.0.0.1 approve {rid}", text)
        raw = next(r for r, m in zip(self.sink.raw, self.sink.messages)
                   if str(m["Subject"]) == approval_subject(rid))
        for line in raw.split(b"\r\n"):
            self.assertLessEqual(len(line), 998)

    def test_the_requester_hears_of_the_approval(self):
        rid = file_request(self.env)["id"]
        self.sink.wait_for(subject_is(approval_subject(rid), "bob@example.com"))
        r = self.env.cli("approve", str(rid), "--as", "bob", "--comment", "go ahead")
        self.assertEqual(r.returncode, 0, r.stderr)
        msg = self.sink.wait_for(
            subject_is(f"test-gate - Connection Request Approved - #{rid}", "alice@example.com"),
            what="the approval mail to alice")
        for part in (text_part(msg), html_part(msg)):
            self.assertIn("approved by bob", part)
            self.assertIn("go ahead", part)
            self.assertIn("root@web01", part)

    def test_the_requester_hears_of_the_denial(self):
        rid = file_request(self.env)["id"]
        r = self.env.cli("deny", str(rid), "--as", "carol", "--comment", "not <now>")
        self.assertEqual(r.returncode, 0, r.stderr)
        msg = self.sink.wait_for(
            subject_is(f"test-gate - Connection Request Denied - #{rid}", "alice@example.com"),
            what="the denial mail to alice")
        self.assertIn("denied by carol", text_part(msg))
        self.assertIn("not <now>", text_part(msg))
        self.assertIn("not &lt;now&gt;", html_part(msg))

    def test_every_approver_hears_of_emergency_access(self):
        req = file_request(self.env, "--emergency")
        rid = req["id"]
        self.assertEqual(req["state"], "approved")
        for approver in ("bob", "carol"):
            msg = self.sink.wait_for(
                subject_is(f"test-gate - Emergency Access Taken - #{rid}",
                           f"{approver}@example.com"),
                what=f"the emergency mail to {approver}")
            for part in (text_part(msg), html_part(msg)):
                self.assertIn("alice took emergency access to root@web01", part)
                self.assertIn("yes", part)


class FilingLimitSparesTheApprovers(unittest.TestCase):
    def test_a_request_cancel_loop_mails_the_approvers_20_times_not_100(self):
        sink = SmtpSink().start()
        self.addCleanup(sink.stop)
        env = mail_env(sink.url)
        self.addCleanup(env.close)
        env.start()
        self.addCleanup(env.stop)
        ids = []
        for _ in range(100):
            r = env.cli("request", "root@web01", "--for", "alice", "--as", "alice",
                        "--reason", "loop", "--json")
            if r.returncode == 0:
                ids.append(json.loads(r.stdout)["id"])
                env.cli("cancel", str(ids[-1]), "--as", "alice")
            else:
                self.assertIn("too many requests: alice may file 20 within 10m", r.stderr)
        self.assertEqual(len(ids), 20)
        wait_for(lambda: unsent(env) == 0, timeout=60, what="the outbox sent")
        asked = [m for m in sink.messages if "Connection Approval Notification" in str(m["Subject"])]
        self.assertEqual(len(asked), 40, "bob and carol, asked once per filed request")


def outbox_errors(env):
    with sqlite3.connect(os.path.join(env.dir, "gatehouse.db")) as c:
        return [e for (e,) in c.execute("SELECT last_error FROM mail_outbox"
                                        " WHERE sent_at IS NULL AND attempts > 0")]


class MailAuthAndTls(unittest.TestCase):
    def test_smtp_auth_with_user_and_password_never_logs_the_password(self):
        secret = "s3cret-Pa55word"
        with SmtpSink(login="gatehouse", password=secret) as sink:
            env = mail_env(sink.url, f"  user: gatehouse\n  password: {secret}\n")
            self.addCleanup(env.close)
            env.start()
            rid = file_request(env)["id"]
            sink.wait_for(subject_is(approval_subject(rid), "bob@example.com"))
            self.assertIn(("gatehouse", secret), sink.auth_attempts)
            self.assertEqual(env.stop(), 0)
            self.assertNotIn(secret, env.log())

    def test_a_wrong_password_is_retried_and_never_logged(self):
        secret = "wr0ng-Pa55word"
        with SmtpSink(login="gatehouse", password="right") as sink:
            env = mail_env(sink.url, f"  user: gatehouse\n  password: {secret}\n")
            self.addCleanup(env.close)
            env.start()
            file_request(env)
            wait_for(lambda: len(outbox_errors(env)) == 2, timeout=30,
                     what="failed attempts recorded")
            self.assertEqual(sink.messages, [])
            self.assertIn(("gatehouse", secret), sink.auth_attempts)
            self.assertIn("could not send", env.log())
            self.assertEqual(env.stop(), 0)
            self.assertNotIn(secret, env.log())

    def test_starttls_required_never_falls_back_to_clear_text(self):
        with SmtpSink() as sink:  # offers no STARTTLS
            env = mail_env(sink.url, "  starttls: true\n")
            self.addCleanup(env.close)
            env.start()
            file_request(env)
            wait_for(lambda: len(outbox_errors(env)) == 2, timeout=30,
                     what="failed attempts recorded")
            self.assertEqual(sink.messages, [])
            self.assertEqual(env.stop(), 0)

    def test_starttls_delivers_to_a_server_verified_with_ca_file(self):
        tls_dir = tempfile.mkdtemp(prefix="gatehouse-smtp-tls-")
        self.addCleanup(shutil.rmtree, tls_dir, ignore_errors=True)
        with SmtpSink(tls_dir=tls_dir) as sink:
            ca = os.path.join(tls_dir, "smtp.crt")  # the self-signed certificate is its own CA
            env = mail_env(sink.url, f"  starttls: true\n  ca_file: {ca}\n")
            self.addCleanup(env.close)
            env.start()
            rid = file_request(env)["id"]
            msg = sink.wait_for(lambda m: m["Subject"].endswith(f"#{rid}"), timeout=30)
            self.assertTrue(all(sink.over_tls), "every mail went over STARTTLS")
            self.assertIn("alice", text_part(msg))
            self.assertEqual(env.stop(), 0)

    def test_starttls_refuses_a_certificate_it_cannot_verify(self):
        tls_dir = tempfile.mkdtemp(prefix="gatehouse-smtp-tls-")
        self.addCleanup(shutil.rmtree, tls_dir, ignore_errors=True)
        with SmtpSink(tls_dir=tls_dir) as sink:  # STARTTLS with a self-signed certificate
            env = mail_env(sink.url, "  starttls: true\n")
            self.addCleanup(env.close)
            env.start()
            file_request(env)
            wait_for(lambda: len(outbox_errors(env)) == 2, timeout=30,
                     what="failed attempts recorded")
            self.assertEqual(sink.messages, [])
            self.assertTrue(any("certificate" in e.lower() or "SSL" in e
                                for e in outbox_errors(env)), outbox_errors(env))
            self.assertEqual(env.stop(), 0)


class SecretsAtRest(unittest.TestCase):
    """A delivered mail's approval link is not kept in the store: the outbox row that recorded
    it has no message left; the link itself still works (it was mailed, not lost)."""

    def test_a_delivered_approval_link_is_not_kept_in_the_outbox(self):
        with SmtpSink() as sink:
            env = WebEnv()
            self.addCleanup(env.close)
            text = env.web_config_text(mode="approve")
            text = text.replace("users:\n", f"""mail:
  smtp: "{sink.url}"
  from: gate@example.com
users:
""", 1)
            env.write_config(text)
            env.start()
            r = env.cli("request", f"{env.account}@web01", "--for", "alice", "--reason", "fix",
                        "--json")
            self.assertEqual(r.returncode, 0, r.stderr)
            rid = json.loads(r.stdout)["id"]
            msg = sink.wait_for(subject_is(approval_subject(rid), "bob@example.com"),
                                what="the approval mail to bob")
            link = re.search(r"https://\S+/approvals/[A-Za-z0-9_-]+", text_part(msg)).group(0)
            token = link.rsplit("/", 1)[1]
            wait_for(lambda: unsent(env) == 0, what="every mail marked sent")
            with contextlib.closing(sqlite3.connect(env.db)) as c:
                rows = c.execute("SELECT * FROM mail_outbox").fetchall()
                bodies = c.execute("SELECT body FROM mail_outbox").fetchall()
            self.assertGreaterEqual(len(rows), 2)  # bob and carol
            for row in rows:  # the message is quoted-printable: decoded, as a reader would
                self.assertNotIn(token.encode(), quopri.decodestring(
                    " ".join(str(v) for v in row).encode()))
            self.assertEqual({b for (b,) in bodies}, {""})
            # The mailed link works: it was delivered, only the copy at rest is gone.
            self.assertEqual(env.get(env.path_of(link)).status, 200)
            self.assertEqual(env.stop(), 0)


class MailOutage(unittest.TestCase):
    def test_mail_filed_while_smtp_is_down_arrives_after_a_restart(self):
        port = free_port()  # nothing listens here yet
        env = mail_env(f"smtp://127.0.0.1:{port}")
        self.addCleanup(env.close)
        env.start()
        rid = file_request(env)["id"]
        db = os.path.join(env.dir, "gatehouse.db")

        def failed_once():
            with sqlite3.connect(db) as c:
                rows = c.execute("SELECT attempts, last_error FROM mail_outbox"
                                 " WHERE sent_at IS NULL AND subject = ?",
                                 (approval_subject(rid),)).fetchall()
            return len(rows) == 2 and all(a >= 1 and e for a, e in rows)

        wait_for(failed_once, timeout=30, what="a failed delivery attempt for both approvers")
        self.assertEqual(env.stop(), 0)
        env.start()
        with SmtpSink(port=port) as sink:
            for approver in ("bob", "carol"):
                sink.wait_for(subject_is(approval_subject(rid), f"{approver}@example.com"),
                              timeout=90, what=f"the delayed mail to {approver}")
            wait_for(lambda: unsent(env) == 0, what="the outbox to be empty")
            self.assertEqual(env.stop(), 0)
            self.assertEqual(len(sink.to("bob@example.com")), 1)

    def test_a_hanging_smtp_server_never_delays_a_decision(self):
        with SilentSmtp() as silent:
            env = mail_env(silent.url)
            self.addCleanup(env.close)
            env.start()
            rid = file_request(env)["id"]
            # The sender is now stuck waiting for a greeting that never comes (30 s reply
            # timeout); the decision still goes through at once.
            wait_for(lambda: silent.accepted, what="the sender's connection to the silent server")
            started = time.monotonic()
            r = env.cli("approve", str(rid), "--as", "bob", "--comment", "ok")
            took = time.monotonic() - started
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(f"request #{rid} approved", r.stdout)
            self.assertLess(took, 15, "approve waited for the SMTP server (30 s timeout)")
            # And the daemon stops promptly although a transfer is in progress.
            self.assertEqual(env.stop(timeout=15), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
