"""Untrusted bytes (issue 13) through the real gatehoused, sshd and OpenSSH client: a
justification, a comment, an SSH user name and an SFTP path that are not UTF-8, and a
justification with an escape sequence. Every audit line stays strict JSON and verifies, the
admin API still answers JSON, the original bytes come back from the lossless form
(audit/FORMAT.md "Text from outside"), terminals and web pages show the bytes as visible text,
and a request with such a comment still expires on time."""
import csv
import io
import json
import os
import subprocess
import sys
import textwrap
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import quick_rule, wait_for  # noqa: E402
from ssh_env import CLIENT_OPTS, BATCH  # noqa: E402
from web_env import WebEnv  # noqa: E402

LATIN1 = b"caf\xe9"
ESCAPES = b"\x1b[2J\x1b]0;owned\x07"


def original_bytes(text):
    """The bytes behind the lossless form: U+10FE80..U+10FEFF are the raw bytes 0x80..0xFF."""
    out = bytearray()
    for ch in text:
        code = ord(ch)
        if 0x10FE80 <= code <= 0x10FEFF:
            out.append(code - 0x10FE00)
        else:
            out += ch.encode("utf-8")
    return bytes(out)


class UntrustedBytes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = env = WebEnv()
        env.start_sshd()
        cls.log, _ = env.audit_paths()
        web02 = textwrap.dedent(f"""\
            - name: web02
              protocol: ssh
              address: "127.0.0.1:2"
              host_key: "{' '.join(env.upstream_host_key.split()[:2])}"
              accounts:
                - {{ name: deploy, key_file: {env.account_key} }}
            """)
        text = env.web_config_text(mode="approve", rule_extra=quick_rule("3s"), extra_servers=web02)
        env.write_config(WebEnv.with_auditors(WebEnv.with_audit(text, cls.log)))
        env.start()
        # alice files by ssh with a Latin-1 justification that also carries escape sequences.
        r = env.ssh(b"request", f"{env.account}@web01".encode(), b"--reason",
                    b"'" + LATIN1 + b" " + ESCAPES + b"'", target="")
        assert r.returncode == 0, r.stderr
        cls.rid = r.stdout.split(b"#")[1].split()[0].decode()

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()
        cls.env.close()

    def audit_lines(self):
        with open(self.log, "rb") as f:
            raw = f.read().splitlines()
        # Strict: every line is UTF-8 and one JSON object.
        return [json.loads(line.decode("utf-8")) for line in raw]

    def events(self, name):
        return [e for e in self.audit_lines() if e["event"] == name]

    def test_justification_is_lossless_json_everywhere(self):
        created = [e for e in self.events("request.created") if e["request"] == self.rid]
        self.assertEqual(len(created), 1)
        self.assertEqual(original_bytes(created[0]["justification"]), LATIN1 + b" " + ESCAPES)
        r = self.env.cli("requests", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        listed = {str(q["id"]): q for q in json.loads(r.stdout)}
        self.assertEqual(original_bytes(listed[self.rid]["justification"]),
                         LATIN1 + b" " + ESCAPES)
        verify = self.env.cli("audit", "verify")
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)
        self.assertIn("intact", verify.stdout)

    def test_terminals_show_escape_sequences_as_text(self):
        shown = subprocess.run(self.env.cli_args("show", str(self.rid)), capture_output=True)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertNotIn(b"\x1b", shown.stdout)
        self.assertNotIn(b"\x07", shown.stdout)
        self.assertIn(b"caf\\xE9 \\x1B[2J\\x1B]0;owned\\x07", shown.stdout)
        # bob sees the same through his own view of the gate, and approves with a bad comment.
        view = self.env.ssh(target="", person="bob")
        self.assertNotIn(b"\x1b", view.stdout + view.stderr)
        self.assertIn(b"\\x1B[2J", view.stdout)

    def test_z_approval_comment_and_sftp_path(self):
        r = self.env.ssh(b"approve", str(self.rid).encode(), b"--comment", b"'ok " + LATIN1 + b"'",
                         target="", person="bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b"\x1b", r.stdout + r.stderr)
        self.assertIn(b"\\x1B[2J", r.stdout)
        approved = [e for e in self.events("request.approved") if e["request"] == self.rid]
        self.assertEqual(original_bytes(approved[0]["comment"]), b"ok " + LATIN1)
        shown = json.loads(self.env.cli("show", str(self.rid), "--json").stdout)
        self.assertEqual(original_bytes(shown["decisions"][0]["comment"]), b"ok " + LATIN1)
        # alice now has a grant: an SFTP path that is not UTF-8.
        directory = os.path.join(self.env.home, "caf")
        batch = os.path.join(self.env.dir, "batch")
        with open(batch, "wb") as f:
            f.write(b"mkdir " + os.fsencode(directory) + b"\xe9\n")
        sftp = subprocess.run(["sftp", *CLIENT_OPTS, *BATCH, "-b", batch, "-i",
                               os.path.join(self.env.dir, "alice"), "-P",
                               str(self.env.ssh_port),
                               f"alice@{self.env.account}@web01@127.0.0.1"],
                              capture_output=True, timeout=60)
        self.assertEqual(sftp.returncode, 0, sftp.stderr)
        self.assertTrue(os.path.isdir(os.fsencode(directory) + b"\xe9"))
        mkdirs = self.events("sftp.mkdir")
        self.assertEqual([original_bytes(e["path"]) for e in mkdirs],
                         [os.fsencode(directory) + b"\xe9"])
        verify = self.env.cli("audit", "verify")
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)

    def test_ssh_user_name_that_is_not_utf8(self):
        login = b"ev" + LATIN1 + b"l"
        r = subprocess.run(["ssh", *CLIENT_OPTS, *BATCH, "-i", os.path.join(self.env.dir, "alice"),
                            "-p", str(self.env.ssh_port), "-l", login, "127.0.0.1", "true"],
                           capture_output=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        wait_for(lambda: any(original_bytes(e.get("user", "")) == login
                             for e in self.events("auth.failure")), what="auth.failure")
        verify = self.env.cli("audit", "verify")
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)

    def test_web_lists_and_csv_show_the_request(self):
        cookie = self.env.sign_in("carol")
        page = self.env.get("/audit/requests", cookie=cookie)
        self.assertEqual(page.status, 200)
        self.assertIn("caf\\xE9", page.body)
        self.assertNotIn("\ufffd", page.body)  # no byte the page could not carry
        self.assertNotIn("\x1b", page.body)
        exported = self.env.get("/audit.csv?event=request.created", cookie=cookie)
        self.assertEqual(exported.status, 200)
        rows = list(csv.DictReader(io.StringIO(exported.body, newline="")))
        mine = [row for row in rows if row["request"] == str(self.rid)]
        self.assertEqual(len(mine), 1, exported.body)
        self.assertIn("caf\\xE9", mine[0]["details"])
        self.assertNotIn("\x1b", exported.body)

    def test_pending_request_with_such_a_comment_expires_on_time(self):
        r = self.env.cli("request", "deploy@web02", "--for", "alice", "--reason", "later",
                         "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        rid = json.loads(r.stdout)["id"]
        comment = subprocess.run(self.env.cli_args("comment", str(rid), b"note " + LATIN1,
                                                   "--as", "alice"),
                                 capture_output=True)
        self.assertEqual(comment.returncode, 0, comment.stderr)
        wait_for(lambda: json.loads(self.env.cli("show", str(rid), "--json").stdout)["state"]
                 == "expired", timeout=15, what="request expired")
        self.assertNotIn("expiring requests and ending grants", self.env.log())


if __name__ == "__main__":
    unittest.main()
