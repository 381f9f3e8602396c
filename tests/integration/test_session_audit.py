"""Session audit without holes, through the real gatehoused, a real sshd and the real OpenSSH
client: with `audit.record: all` a shell without a pty (`ssh -T`) is recorded like a terminal;
an SFTP request the observer cannot audit (a 9,000-byte path) ends the session with a reason
the person sees and the audit log keeps; env requests reach the target only for names on
`ssh.accept_env` (default LANG and LC_*), and every one is audited (`session.env`)."""
import json
import os
import struct
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from ssh_env import SshEnv  # noqa: E402
from test_audit import asciinema_cat, audit_config, file_bytes, read_events  # noqa: E402


def sftp_packet(kind, body):
    return struct.pack(">IB", len(body) + 1, kind) + body


def sftp_string(data):
    return struct.pack(">I", len(data)) + data


class SessionAudit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = SshEnv()
        # The target takes EVIL too: whether it arrives is the gate's decision alone.
        cls.env.start_sshd(extra="AcceptEnv EVIL\n")
        cls.log, cls.recordings = cls.env.audit_paths()
        cls.env.write_config(audit_config(
            cls.env, f"audit:\n  log: {cls.log}\n  recordings: {cls.recordings}\n  record: all\n"))
        cls.env.start()

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def session_events(self, first):
        """The events of the session whose first matching event `first(e)` is true, once
        its session.end is in the log."""
        found = []

        def ended():
            events = read_events(self.log)
            ids = [e["session"] for e in events if first(e)]
            found[:] = [e for e in events if ids and e.get("session") == ids[-1]]
            return any(e["event"] == "session.end" for e in found)
        wait_for(ended, what="the session's end in the audit log")
        return found

    def test_shell_without_pty_is_recorded(self):
        r = self.env.ssh(opts=["-T"], input=b"echo plain-shell-$((6*7))\nexit 0\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"plain-shell-42", r.stdout)
        mine = self.session_events(
            lambda e: e["event"] == "session.channel" and e.get("request") == "shell")
        names = [e["event"] for e in mine]
        self.assertLess(names.index("session.channel"), names.index("session.recording"))
        cast = [e for e in mine if e["event"] == "session.recording"][0]["path"]
        self.assertEqual(cast, os.path.join(self.recordings, mine[0]["session"] + ".cast"))
        self.assertEqual(mine[-1]["recordings"], [cast])
        wait_for(lambda: b"plain-shell-42" in file_bytes(cast), what="recording written")
        with open(cast) as f:
            header = json.loads(f.readline())
        self.assertEqual((header["version"], header["width"], header["height"]), (2, 80, 24))
        out = asciinema_cat(cast)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(b"plain-shell-42", out.stdout)

    def test_sftp_path_too_long_to_audit_ends_the_session(self):
        path = b"/tmp/" + b"x" * 9000
        stream = (sftp_packet(1, struct.pack(">I", 3)) +                        # INIT
                  sftp_packet(14, struct.pack(">I", 7) + sftp_string(path) +     # MKDIR
                              struct.pack(">I", 0)))
        args = self.env.ssh_args(opts=("-s",)) + ["sftp"]
        r = subprocess.run(args, input=stream, capture_output=True, timeout=60)
        reason = "sftp audit: path longer than 8 KiB; session ended"
        self.assertEqual(r.returncode, 255, r.stderr)
        self.assertIn(reason.encode(), r.stderr)
        mine = self.session_events(
            lambda e: e["event"] == "session.channel" and e.get("request") == "subsystem sftp")
        self.assertIn({"reason": "path longer than 8 KiB"},
                      [{"reason": e["reason"]} for e in mine if e["event"] == "sftp.unparsed"])
        self.assertEqual(mine[-1]["event"], "session.end")
        self.assertEqual(mine[-1]["reason"], reason)
        self.assertNotIn("sftp.mkdir", [e["event"] for e in mine])

    def test_env_forwarded_only_from_the_allow_list_and_audited(self):
        # Without the locale of this process, which ssh_config's SendEnv would add.
        clean = {k: v for k, v in os.environ.items() if k != "LANG" and not k.startswith("LC_")}
        # One SetEnv option: ssh takes only the first one given.
        args = self.env.ssh_args(opts=("-o", "SetEnv=LANG=C EVIL=1"))
        r = subprocess.run(args + ["env"], capture_output=True, timeout=60, env=clean)
        self.assertEqual(r.returncode, 0, r.stderr)
        shown = r.stdout.decode().splitlines()
        self.assertIn("LANG=C", shown)
        self.assertNotIn("EVIL=1", shown)
        mine = self.session_events(lambda e: e["event"] == "exec.command" and e["command"] == "env")
        self.assertEqual([(e["name"], e["value"], e["forwarded"]) for e in mine
                          if e["event"] == "session.env"],
                         [("LANG", "C", True), ("EVIL", "1", False)])


if __name__ == "__main__":
    unittest.main(verbosity=2)
