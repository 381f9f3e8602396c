"""Approval by replying to the mail, through the real daemon, a real Dovecot IMAP inbox on
loopback (support/imap_env.py) and the SMTP sink: the approver's mail carries a Reply-To with
their own token and the token in the subject; a good reply (From: the approver, the trusted
server's Authentication-Results saying DMARC pass, APPROVE on the first unquoted line)
approves and releases a held ssh, and the approver gets a confirmation. A wrong From:, a
missing, failing or foreign Authentication-Results, a reused token or an APPROVE only in the
quoted part decide nothing, and each gets a reply saying why. Every reply is audited as
`mail.reply` with its Message-ID."""
import os
import re
import sys
import unittest
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import audit_events, wait_for  # noqa: E402
from imap_env import ImapServer  # noqa: E402
from smtp_sink import SmtpSink, text_part  # noqa: E402
from ssh_env import SshEnv  # noqa: E402

AUTHSERV = "mx.gate.example"
GOOD_AUTH = (f"Authentication-Results: {AUTHSERV};\r\n\tdkim=pass header.d=example.com "
             "header.s=s1;\r\n\tdmarc=pass (p=reject) header.from=example.com\r\n")


def approval_subject(rid):
    return f"test-gate - Connection Approval Notification - #{rid}"


def reply(mail, sender="Bob <bob@example.com>", auth=GOOD_AUTH, body=None, subject=None):
    """A reply to `mail` (the approval mail as received) as bob's mail client would write it,
    as our server delivers it (Authentication-Results on top). Returns (raw, message id)."""
    mid = f"{uuid.uuid4().hex}@example.com"
    body = body if body is not None else (
        "APPROVE: fine for the deploy\r\n\r\nOn Mon, 7 Dec 2026 at 03:00, test-gate "
        "<gate@gate.example> wrote:\r\n> Connection approval needed\r\n")
    raw = (auth + f"From: {sender}\r\nTo: {mail['Reply-To']}\r\n"
           f"Subject: {subject or 'Re: ' + str(mail['Subject'])}\r\nMessage-ID: <{mid}>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body)
    return raw, mid


class ApprovalByReply(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = SmtpSink().start()
        cls.imap = ImapServer().start()
        cls.env = SshEnv()
        cls.audit_log = os.path.join(cls.env.dir, "audit.jsonl")
        text = cls.env.ssh_config_text(mode="approve",
                                       rule_extra="    hold_timeout: 2m\n    reply_decisions: all\n")
        text = text.replace("users:\n", f"""audit:
  log: {cls.audit_log}
mail:
  smtp: "{cls.sink.url}"
  from: gate@gate.example
  inbox: "{cls.imap.url}"
  inbox_user: {cls.imap.user}
  inbox_password: {cls.imap.password}
  inbox_poll: 1s
  trusted_authserv_id: {AUTHSERV}
  reply_to: approvals@gate.example
users:
""", 1)
        cls.env.write_config(text)
        cls.env.start_sshd()
        cls.env.start()

    @classmethod
    def tearDownClass(cls):
        try:
            cls.env.stop()
        finally:
            cls.env.close()
            cls.imap.stop()
            cls.sink.stop()

    def setUp(self):
        self.addCleanup(self.clear)

    def clear(self):
        """The tests share one daemon: no live grant or pending request of alice's is left."""
        for g in self.env.cli_json("grants"):
            if g["state"] == "active":
                self.env.cli("revoke", str(g["id"]))
        for r in self.env.cli_json("requests"):
            if r["state"] == "pending":
                self.env.cli("cancel", str(r["id"]))

    def request_state(self, rid):
        return next(r["state"] for r in self.env.cli_json("requests") if r["id"] == rid)

    def file_request(self):
        return self.env.cli_json("request", f"{self.env.account}@web01", "--for", "alice",
                             "--reason", "deploy")

    def approval_mail(self, rid):
        return self.sink.wait_for(
            lambda m: str(m["Subject"]).startswith(approval_subject(rid)) and
            "bob@example.com" in str(m["To"]), what=f"bob's approval mail for #{rid}")

    def answer_to(self, mid, to="bob@example.com"):
        return self.sink.wait_for(lambda m: to in str(m["To"]) and mid in text_part(m),
                                  timeout=30, what=f"the answer to {mid}")

    def audited(self, mid):
        found = []

        def probe():
            found[:] = [e for e in audit_events(self.audit_log, "mail.reply")
                        if e.get("message_id") == mid]
            return bool(found)
        wait_for(probe, timeout=30, what=f"mail.reply of {mid}")
        return found[0]

    def test_a_good_reply_approves_and_releases_a_held_ssh(self):
        proc = self.env.ssh_popen("echo approved-by-reply")
        found = []

        def pending():
            found[:] = [r for r in self.env.cli_json("requests") if r["state"] == "pending"]
            return bool(found)
        wait_for(pending, timeout=15, what="a pending request")
        rid = found[0]["id"]
        mail = self.approval_mail(rid)
        reply_to = str(mail["Reply-To"])
        m = re.fullmatch(r"approvals\+([A-Za-z0-9_-]{43})@gate\.example", reply_to)
        self.assertTrue(m, reply_to)
        self.assertEqual(str(mail["Subject"]), f"{approval_subject(rid)} [GH-{m.group(1)}]")
        self.assertIn("reply to this mail with APPROVE or DENY", text_part(mail))

        raw, mid = reply(mail)
        self.imap.append(raw)
        out, err = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, err.decode(errors="replace") + self.env.log())
        self.assertEqual(out, b"approved-by-reply\n")
        self.assertEqual(self.request_state(rid), "approved")
        confirmation = self.sink.wait_for(
            lambda m: str(m["Subject"]) == f"test-gate - Request #{rid} approved" and
            "bob@example.com" in str(m["To"]), what="the confirmation")
        self.assertIn("fine for the deploy", text_part(confirmation))
        event = self.audited(mid)
        self.assertEqual(event["outcome"], "approved")
        self.assertEqual(event["person"], "bob")
        self.assertEqual(event["from"], "bob@example.com")
        self.assertIn("dmarc=pass", event["authentication"])
        wait_for(lambda: not self.imap.unseen(), timeout=15, what="the reply marked seen")

        # The same token again (a new message): refused, answered, audited.
        again, mid2 = reply(mail, body="APPROVE once more\r\n")
        self.imap.append(again)
        answer = self.answer_to(mid2)
        self.assertEqual(str(answer["Subject"]), "test-gate - Your reply decided nothing")
        self.assertIn("used already", text_part(answer))
        self.assertEqual(self.audited(mid2)["outcome"], "refused")

    def test_bad_replies_decide_nothing_and_say_why(self):
        rid = self.file_request()["id"]
        mail = self.approval_mail(rid)
        cases = [
            ("a wrong From:", dict(sender="Eve <eve@example.com>"), "eve@example.com",
             "not from the address of the approver"),
            ("no Authentication-Results", dict(auth=""), "bob@example.com",
             f"no Authentication-Results header from {AUTHSERV}"),
            ("a failing one", dict(auth=f"Authentication-Results: {AUTHSERV}; dkim=fail "
                                        "header.d=example.com; dmarc=fail header.from=example.com\r\n"),
             "bob@example.com", "did not vouch for its sender"),
            ("another server's", dict(auth="Authentication-Results: mx.evil.example; dmarc=pass "
                                           "header.from=example.com\r\n"),
             "bob@example.com", f"not from {AUTHSERV}"),
            ("a forged one below a failing one",
             dict(auth=f"Authentication-Results: {AUTHSERV}; dmarc=fail header.from=example.com\r\n"
                       + GOOD_AUTH), "bob@example.com", "did not vouch"),
            ("APPROVE only in the quoted part",
             dict(body="On Mon, 7 Dec 2026 at 03:00, test-gate wrote:\r\n> APPROVE\r\n"),
             "bob@example.com", "is not APPROVE, DENY or DISAPPROVE"),
            ("a subject without the token", dict(subject="Re: approval"), "bob@example.com",
             "no approval token"),
        ]
        for what, kw, to, why in cases:
            with self.subTest(what):
                raw, mid = reply(mail, **kw)
                self.imap.append(raw)
                answer = self.answer_to(mid, to=to)
                self.assertEqual(str(answer["Subject"]), "test-gate - Your reply decided nothing")
                self.assertIn(why, text_part(answer))
                event = self.audited(mid)
                self.assertEqual(event["outcome"], "refused")
                self.assertIn(why, event["reason"])
                self.assertEqual(self.request_state(rid), "pending")
        # A stranger's forged From: the server vouched for nobody: audited, never answered.
        raw, mid = reply(mail, sender="victim@elsewhere.example", auth="")
        self.imap.append(raw)
        self.assertEqual(self.audited(mid)["outcome"], "refused")
        # The token was never spent: the real approver's good reply still decides (a denial).
        raw, mid = reply(mail, body="DISAPPROVE not this week\r\n")
        self.imap.append(raw)
        self.assertEqual(self.audited(mid)["outcome"], "denied")
        self.assertEqual(self.request_state(rid), "denied")
        self.sink.wait_for(lambda m: str(m["Subject"]) == f"test-gate - Request #{rid} denied" and
                           "bob@example.com" in str(m["To"]), what="the confirmation of the denial")
        self.assertEqual(self.sink.to("victim@elsewhere.example"), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
