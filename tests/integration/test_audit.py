"""The audit trail end to end, through the real gatehoused, a real sshd and the real OpenSSH
clients: the hash-chained JSON-lines log (rotated small so the chain crosses files) gets the
auth, session, exec, sftp, host-key, reload and admin events with their paths and byte
counts; `gatehouse audit` filters them and exports CSV; `gatehouse audit verify` passes on
the live log and names the line of a tampered copy. A full disk (a tiny tmpfs) refuses new
sessions with "audit log unavailable" under `on_write_failure: refuse`, and not under
`continue`."""
import csv
import glob
import io
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import textwrap
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import free_port, ssh_keygen, wait_for  # noqa: E402
from ssh_env import SshEnv  # noqa: E402
from syslog_collector import StreamCollector  # noqa: E402
from tls_cert import self_signed_cert  # noqa: E402


def read_events(log_path):
    events = []
    for path in sorted(glob.glob(log_path + ".*"), key=lambda p: int(p.rsplit(".", 1)[1])) + [log_path]:
        if os.path.exists(path):
            with open(path) as f:
                events += [json.loads(line) for line in f]
    return events


def audit_config(env, audit_yaml, rule_extra="", extra_servers="", mode="allow"):
    text = env.ssh_config_text(mode=mode, rule_extra=rule_extra, extra_servers=extra_servers)
    return text.replace("users:\n", audit_yaml + "users:\n", 1)


class AuditTrail(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = SshEnv()
        cls.env.start_sshd()
        cls.log_path = os.path.join(cls.env.dir, "audit", "audit.jsonl")
        cls.recordings = os.path.join(cls.env.dir, "recordings")
        os.makedirs(os.path.dirname(cls.log_path))
        os.makedirs(cls.recordings)
        wrong_key = " ".join(ssh_keygen(os.path.join(cls.env.dir, "not_web02")).split()[:2])
        extra_servers = textwrap.dedent(f"""\
            - name: web02
              protocol: ssh
              address: "127.0.0.1:{cls.env.sshd_port}"
              host_key: "{wrong_key}"
              accounts:
                - {{ name: {cls.env.account}, key_file: {cls.env.account_key} }}
            """)
        rule_extra = textwrap.indent(textwrap.dedent("""\
            - name: web02-rule
              users: [alice]
              servers: [web02]
              accounts: ["*"]
              mode: allow
            """), "  ")
        cls.env.write_config(audit_config(
            cls.env,
            f"audit:\n  log: {cls.log_path}\n  recordings: {cls.recordings}\n  max_file_size: 4K\n",
            rule_extra=rule_extra, extra_servers=extra_servers))
        cls.env.start()
        cls.work = os.path.join(cls.env.dir, "work")
        os.makedirs(cls.work)
        cls.drive()

    @classmethod
    def drive(cls):
        env = cls.env
        r = env.ssh("echo hello-audit")
        assert r.returncode == 0, r.stderr
        # sftp put / get / rename / rm
        cls.src = os.path.join(cls.work, "src.bin")
        with open(cls.src, "wb") as f:
            f.write(os.urandom(123_457))
        cls.remote_dir = os.path.join(env.dir, "remote")
        os.makedirs(cls.remote_dir)
        batch = os.path.join(cls.work, "batch")
        back = os.path.join(cls.work, "back.bin")
        with open(batch, "w") as f:
            f.write(f"cd {cls.remote_dir}\nput {cls.src} a.bin\nget a.bin {back}\n"
                    f"rename a.bin b.bin\nrm b.bin\n")
        cmd = ["sftp", *env.scp_base()[1:-2], "-P", str(env.ssh_port), "-b", batch,
               f"alice@{env.account}@web01@127.0.0.1"]
        r = subprocess.run(cmd, capture_output=True, timeout=60)
        assert r.returncode == 0, r.stderr
        # an unlisted key (bob's key, alice's name), and a server presenting the wrong host key
        args = env.ssh_args("bob")
        args[-1] = f"alice@{env.account}@web01@127.0.0.1"
        subprocess.run(args + ["true"], capture_output=True, timeout=60)
        r = env.ssh("true", target=f"{env.account}@web02")
        cls.mismatch_stderr = r.stderr
        assert env.cli("reload").returncode == 0
        wait_for(lambda: any(e["event"] == "config.reloaded" for e in read_events(cls.log_path)),
                 what="config.reloaded")
        wait_for(lambda: sum(e["event"] == "session.end" for e in read_events(cls.log_path)) >= 2,
                 what="session ends")
        cls.events = read_events(cls.log_path)

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def named(self, name):
        return [e for e in self.events if e["event"] == name]

    def test_chain_crosses_rotated_files_and_verifies(self):
        self.assertTrue(os.path.exists(self.log_path + ".1"), "max_file_size 4K rotates")
        self.assertEqual([e["seq"] for e in self.events], list(range(1, len(self.events) + 1)))
        for a, b in zip(self.events, self.events[1:]):
            self.assertEqual(b["prev_hash"], a["hash"])
        r = self.env.cli("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"intact: {len(self.events)} events", r.stdout)
        status = json.loads(self.env.cli("status", "--json").stdout)
        self.assertTrue(status["audit"]["writable"])
        self.assertEqual(status["audit"]["write_failures"], 0)

    def test_verify_names_the_tampered_line(self):
        copy = os.path.join(self.work, "tampered")
        os.makedirs(copy, exist_ok=True)
        files = []
        for path in sorted(glob.glob(self.log_path + ".*"), key=lambda p: int(p.rsplit(".", 1)[1])):
            files.append(shutil.copy(path, copy))
        ok = self.env.cli("audit", "verify", *files)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        with open(files[0]) as f:
            lines = f.readlines()
        lines[1] = lines[1].replace('"seq":2', '"seq":2 ')
        with open(files[0], "w") as f:
            f.writelines(lines)
        bad = self.env.cli("audit", "verify", *files)
        self.assertEqual(bad.returncode, 1)
        self.assertIn(f"{files[0]}:2: hash does not match", bad.stderr)

    def test_session_events_with_bytes_duration_and_reason(self):
        start = [e for e in self.named("exec.command") if e["command"] == "echo hello-audit"]
        self.assertEqual(len(start), 1)
        session = start[0]["session"]
        mine = [e for e in self.events if e.get("session") == session]
        names = [e["event"] for e in mine]
        self.assertEqual(names[0], "auth.success")
        self.assertLess(names.index("session.start"), names.index("exec.command"))
        end = mine[-1]
        self.assertEqual(end["event"], "session.end")
        self.assertEqual(end["person"], "alice")
        self.assertEqual(end["server"], "web01")
        self.assertEqual(end["bytes_in"], 0)  # no stdin
        self.assertGreaterEqual(end["bytes_out"], len("hello-audit\n"))
        self.assertIsInstance(end["duration_s"], int)
        self.assertIn("reason", end)
        exits = [e for e in mine if e["event"] == "exec.exit"]
        self.assertEqual([(e["command"], e["exit_status"]) for e in exits],
                         [("echo hello-audit", 0)])

    def test_sftp_events_with_paths_and_byte_counts(self):
        a = os.path.join(self.remote_dir, "a.bin")
        b = os.path.join(self.remote_dir, "b.bin")
        opens = [(e["path"], e["flags"]) for e in self.named("sftp.open")]
        self.assertIn((a, "write,create,truncate"), opens)
        self.assertIn((a, "read"), opens)
        closes = [(e["path"], e["bytes_read"], e["bytes_written"]) for e in self.named("sftp.close")]
        self.assertIn((a, 0, 123_457), closes)
        self.assertIn((a, 123_457, 0), closes)
        self.assertIn((a, b), [(e["path"], e["to"]) for e in self.named("sftp.rename")])
        self.assertIn(b, [e["path"] for e in self.named("sftp.remove")])

    def test_auth_failure_hostkey_mismatch_reload_and_admin(self):
        failures = self.named("auth.failure")
        self.assertTrue(any(e.get("reason") == "key not listed for the person" for e in failures),
                        failures)
        mismatch = self.named("hostkey.mismatch")
        self.assertEqual(len(mismatch), 1)
        self.assertEqual(mismatch[0]["server"], "web02")
        reload = self.named("config.reloaded")
        self.assertEqual(len(reload), 1)
        admin = [e for e in self.named("admin.action") if e["path"] == "/v1/reload"]
        self.assertEqual(len(admin), 1)
        self.assertEqual(admin[0]["actor"], "root" if os.getuid() == 0 else os.environ.get("USER"))
        self.assertEqual(admin[0]["status"], 200)

    def test_query_filters_and_formats(self):
        r = self.env.cli("audit", "--event", "sftp.*", "--person", "alice")
        self.assertEqual(r.returncode, 0, r.stderr)
        got = [json.loads(line) for line in r.stdout.splitlines()]
        self.assertEqual(got, [e for e in self.events if e["event"].startswith("sftp.")])
        r = self.env.cli("audit", "--event", "sftp.remove", "--format", "csv")
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = list(csv.reader(io.StringIO(r.stdout)))
        self.assertEqual(rows[0][:4], ["ts", "seq", "event", "person"])
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows[1][2], "sftp.remove")
        self.assertEqual(rows[1][rows[0].index("path")], os.path.join(self.remote_dir, "b.bin"))
        session = self.named("exec.command")[0]["session"]
        r = self.env.cli("audit", "--session", session, "--json")
        self.assertEqual({e["session"] for e in json.loads(r.stdout)}, {session})
        r = self.env.cli("audit", "--since", "2000-01-01T00:00:00Z", "--until", "2000-01-02T00:00:00Z")
        self.assertEqual((r.returncode, r.stdout), (0, ""))
        r = self.env.cli("audit", "--since", "yesterday")
        self.assertEqual(r.returncode, 2)
        r = self.env.cli("audit", "--server", "web02", "--event", "hostkey.mismatch")
        self.assertEqual(len(r.stdout.splitlines()), 1)


RFC5424 = re.compile(
    r"^<(\d+)>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (\S+) gatehouse (\d+) (\S+) "
    r"\[gatehouse@32473 seq=\"(\d+)\" hash=\"([0-9a-f]{64})\"\] (\{.*\})$")


class SyslogForward(unittest.TestCase):
    """audit.syslog to a local UDP, TCP or TLS listener: RFC 5424 messages carrying the log
    lines; over TLS only to a collector whose certificate is trusted and names the host."""

    def check_messages(self, messages, log_path, pid):
        events = read_events(log_path)
        self.assertGreaterEqual(len(messages), 2)
        for m in messages:
            match = RFC5424.match(m)
            self.assertIsNotNone(match, m)
            pri, ts, host, procid, msgid, seq, digest, body = match.groups()
            line = json.loads(body)
            self.assertEqual(line, events[int(seq) - 1])
            self.assertEqual((ts, msgid, digest), (line["ts"], line["event"], line["hash"]))
            self.assertEqual(int(procid), pid)
            self.assertEqual(host, socket.gethostname())
            self.assertEqual(int(pri), 10 * 8 + (4 if msgid == "auth.failure" else 6))
        self.assertIn("config.reloaded", [RFC5424.match(m).group(5) for m in messages])

    def start(self, scheme, port, extra="", env=None):
        env = env or SshEnv()
        self.addCleanup(env.close)
        log = os.path.join(env.dir, "audit.jsonl")
        env.write_config(audit_config(
            env, f"audit:\n  log: {log}\n  syslog: \"{scheme}://127.0.0.1:{port}\"\n{extra}"))
        env.start()
        self.assertEqual(env.cli("reload").returncode, 0)
        return env, log

    def syslog_status(self, env):
        return json.loads(env.cli("status", "--json").stdout)["audit"]["syslog"]

    def test_udp(self):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            sock.settimeout(10)
            env, log = self.start("udp", sock.getsockname()[1])
            messages = [sock.recv(65536).decode() for _ in range(2)]
            self.check_messages(messages, log, env.proc.pid)
            status = json.loads(env.cli("status", "--json").stdout)["audit"]["syslog"]
            self.assertEqual((status["dropped"], status["sent"] >= 2), (0, True))

    def test_tcp_octet_counting(self):
        with StreamCollector() as collector:
            env, log = self.start("tcp", collector.port)
            wait_for(lambda: len(collector.received()) >= 2, what="2 messages")
            self.check_messages(collector.received(), log, env.proc.pid)

    def test_tls_octet_counting_to_a_verified_collector(self):
        env = SshEnv()
        cert, key = self_signed_cert(env.dir, "collector")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        with StreamCollector(context) as collector:
            env, log = self.start("tls", collector.port, f"  syslog_ca_file: {cert}\n", env)
            wait_for(lambda: len(collector.received()) >= 2, what="2 messages")
            self.check_messages(collector.received(), log, env.proc.pid)
            status = self.syslog_status(env)
            self.assertEqual((status["connected"], status["dropped"]), (True, 0))
            self.assertEqual(collector.failed_handshakes, 0)

    def check_untrusted(self, collector_host, ca_of_another):
        """A collector whose certificate the gate must not accept gets nothing; the gate logs
        it loudly and reports the messages as dropped; sessions go on."""
        env = SshEnv()
        env.start_sshd()
        cert, key = self_signed_cert(env.dir, "collector", host=collector_host)
        ca = self_signed_cert(env.dir, "trusted")[0] if ca_of_another else cert
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        with StreamCollector(context) as collector:
            env, _ = self.start("tls", collector.port, f"  syslog_ca_file: {ca}\n", env)
            wait_for(lambda: self.syslog_status(env)["dropped"] >= 2, what="drops reported")
            r = env.ssh("echo still-works")
            self.assertEqual((r.returncode, r.stdout), (0, b"still-works\n"), r.stderr)
            status = self.syslog_status(env)
            self.assertFalse(status["connected"])
            self.assertEqual(status["sent"], 0)
            self.assertGreaterEqual(collector.connections, 1)
            self.assertEqual(collector.received(), [])
        self.assertIn("the collector's certificate is NOT TRUSTED", env.log())

    def test_tls_collector_with_an_untrusted_certificate_gets_nothing(self):
        self.check_untrusted("127.0.0.1", ca_of_another=True)

    def test_tls_collector_with_a_certificate_for_another_host_gets_nothing(self):
        self.check_untrusted("collector.example", ca_of_another=False)

    def test_collector_down_never_blocks_sessions(self):
        port = free_port()  # nobody listens: the TCP forward keeps retrying, sessions go on
        env = SshEnv()
        self.addCleanup(env.close)
        env.start_sshd()
        log = os.path.join(env.dir, "audit.jsonl")
        env.write_config(audit_config(env, f"audit:\n  log: {log}\n  syslog: \"tcp://127.0.0.1:{port}\"\n"))
        env.start()
        r = env.ssh("echo still-works")
        self.assertEqual((r.returncode, r.stdout), (0, b"still-works\n"), r.stderr)
        status = json.loads(env.cli("status", "--json").stdout)["audit"]["syslog"]
        self.assertFalse(status["connected"])
        self.assertGreater(status["queued"], 0)


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def asciinema_cat(cast):
    """`asciinema cat` of a recording; it opens /dev/tty, so script(1) gives it a terminal."""
    return subprocess.run(["script", "-q", "-e", "-c", f"asciinema cat {cast}", "/dev/null"],
                          capture_output=True, timeout=60, stdin=subprocess.DEVNULL)


class Recording(unittest.TestCase):
    """A pty session's asciicast replays with `asciinema cat` and shows what was typed; with
    audit.record_exec_output an exec session's stdout and stderr are recorded the same way."""

    def start(self, audit_extra):
        env = SshEnv()
        self.addCleanup(env.close)
        env.start_sshd()
        log, recordings = env.audit_paths()
        env.write_config(audit_config(
            env, f"audit:\n  log: {log}\n  recordings: {recordings}\n{audit_extra}"))
        env.start()
        return env, log, recordings

    def test_asciinema_cat_shows_typed_and_shown(self):
        env, log, recordings = self.start("  record_input: true\n")
        r = env.ssh(opts=["-tt"], input=b"echo typed-$((6*7))\nexit\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"typed-42", r.stdout)
        wait_for(lambda: any(e["event"] == "session.end" for e in read_events(log)), what="end")
        linked = [e for e in read_events(log) if e["event"] == "session.recording"]
        self.assertEqual(len(linked), 1)
        cast = linked[0]["path"]
        self.assertEqual(os.path.dirname(cast), recordings)
        self.assertEqual(os.path.basename(cast), linked[0]["session"] + ".cast")
        # the writer thread finishes the file moments after the session ends
        wait_for(lambda: b"typed-42" in file_bytes(cast), what="recording written")
        end = [e for e in read_events(log) if e["event"] == "session.end"][0]
        self.assertEqual(end["recordings"], [cast])
        with open(cast) as f:
            typed = "".join(json.loads(line)[2] for line in list(f)[1:] if '"i"' in line)
        self.assertIn("echo typed-$((6*7))", typed)  # record_input: the keystrokes themselves
        out = asciinema_cat(cast)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(b"echo typed-$((6*7))", out.stdout)  # what was typed (echoed by the pty)
        self.assertIn(b"typed-42", out.stdout)  # what was shown

    def test_exec_output_recorded_when_configured(self):
        env, log, recordings = self.start("  record_exec_output: true\n")
        r = env.ssh("echo hello; echo err >&2")
        self.assertEqual((r.returncode, r.stdout, r.stderr.count(b"err")), (0, b"hello\n", 1))
        wait_for(lambda: any(e["event"] == "session.end" for e in read_events(log)), what="end")
        events = read_events(log)
        linked = [e for e in events if e["event"] == "session.recording"]
        self.assertEqual(len(linked), 1)
        cast = linked[0]["path"]
        self.assertEqual(cast, os.path.join(recordings, linked[0]["session"] + ".cast"))
        names = [e["event"] for e in events if e.get("session") == linked[0]["session"]]
        self.assertLess(names.index("exec.command"), names.index("session.recording"))
        end = [e for e in events if e["event"] == "session.end"][0]
        self.assertEqual(end["recordings"], [cast])
        wait_for(lambda: b"err" in file_bytes(cast), what="recording written")
        out = asciinema_cat(cast)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(b"hello", out.stdout)
        self.assertIn(b"err", out.stdout)

    def test_exec_not_recorded_by_default(self):
        env, log, recordings = self.start("")
        r = env.ssh("echo hello; echo err >&2")
        self.assertEqual((r.returncode, r.stdout), (0, b"hello\n"), r.stderr)
        wait_for(lambda: any(e["event"] == "session.end" for e in read_events(log)), what="end")
        events = read_events(log)
        self.assertEqual([e for e in events if e["event"] == "session.recording"], [])
        self.assertNotIn("recordings", [e for e in events if e["event"] == "session.end"][0])
        self.assertEqual(os.listdir(recordings), [])


class DiskFull(unittest.TestCase):
    """The audit log on a 64 KiB tmpfs that the test fills up."""

    def tiny_log(self, env, mode, rule_mode="allow"):
        """Starts the gate with its audit log on a fresh tmpfs; returns (mount, log path)."""
        mount = os.path.join(env.dir, "tiny")
        os.makedirs(mount)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount], check=True)

        def cleanup():
            if env.proc and env.proc.poll() is None:
                env.proc.kill()
                env.proc.wait()
            subprocess.run(["umount", mount])
            env.close()
        self.addCleanup(cleanup)
        log = os.path.join(mount, "audit.jsonl")
        env.start_sshd()
        env.write_config(audit_config(env, f"audit:\n  log: {log}\n  on_write_failure: {mode}\n",
                                      mode=rule_mode))
        env.start()
        return mount, log

    def fill(self, env, mount):
        try:  # take every free block
            with open(os.path.join(mount, "filler"), "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        except OSError:
            pass
        for _ in range(12):  # use up the room left in the log's last block
            env.cli("reload")
        status = json.loads(env.cli("status", "--json").stdout)["audit"]
        self.assertFalse(status["writable"])
        self.assertGreater(status["write_failures"], 0)
        self.assertIn("audit: WRITE FAILURE", env.log())

    def run_mode(self, mode):
        env = SshEnv()
        mount, _ = self.tiny_log(env, mode)
        r = env.ssh("echo before")
        self.assertEqual((r.returncode, r.stdout), (0, b"before\n"), r.stderr)
        self.fill(env, mount)
        r = env.ssh("echo during")
        if mode == "refuse":
            self.assertEqual(r.returncode, 255)
            self.assertIn(b"audit log unavailable", r.stderr)
            self.assertEqual(r.stdout, b"")
        else:
            self.assertEqual((r.returncode, r.stdout), (0, b"during\n"), r.stderr)
        os.remove(os.path.join(mount, "filler"))
        r = env.ssh("echo after")
        self.assertEqual((r.returncode, r.stdout), (0, b"after\n"), r.stderr)
        self.assertTrue(json.loads(env.cli("status", "--json").stdout)["audit"]["writable"])
        v = env.cli("audit", "verify")
        self.assertEqual(v.returncode, 0, v.stderr + v.stdout)
        env.stop()

    @unittest.skipUnless(os.getuid() == 0, "mounting a tmpfs needs root")
    def test_refuse_turns_new_sessions_away(self):
        self.run_mode("refuse")

    @unittest.skipUnless(os.getuid() == 0, "mounting a tmpfs needs root")
    def test_continue_keeps_going(self):
        self.run_mode("continue")

    @unittest.skipUnless(os.getuid() == 0, "mounting a tmpfs needs root")
    def test_refuse_refuses_an_approval_it_cannot_record(self):
        """Audited before it takes effect: an approval the log cannot take does not happen."""
        env = SshEnv()
        mount, log = self.tiny_log(env, "refuse", rule_mode="approve")
        r = env.cli("request", f"{env.account}@web01", "--for", "alice", "--reason", "fix",
                    "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        request_id = str(json.loads(r.stdout)["id"])
        self.fill(env, mount)
        r = env.cli("approve", request_id, "--as", "bob")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("audit log unavailable: request.approved could not be recorded", r.stderr)
        shown = json.loads(env.cli("show", request_id, "--json").stdout)
        self.assertEqual(shown["state"], "pending")
        os.remove(os.path.join(mount, "filler"))
        r = env.cli("approve", request_id, "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(env.cli("show", request_id, "--json").stdout)["state"],
                         "approved")
        self.assertEqual([e["request"] for e in read_events(log) if e["event"] == "request.approved"],
                         [request_id])
        v = env.cli("audit", "verify")
        self.assertEqual(v.returncode, 0, v.stderr + v.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
