"""gatehoused's life: start, status, SIGHUP with a valid and an invalid file, SIGTERM; and
the fatal startup problems, each a clear one-line error and exit 1; the modes and groups of
the files it makes."""
import grp
import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import GATEHOUSED, Env, free_port, wait_for  # noqa: E402


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.env = Env()
        self.addCleanup(self.env.close)

    def status(self):
        r = self.env.cli("status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def test_reload_valid_then_invalid_then_stop(self):
        env = self.env
        env.write_config(env.config_text(instance_name="first-name"))
        env.start()
        self.assertEqual(self.status()["instance_name"], "first-name")
        self.assertEqual(self.status()["listeners"]["ssh"], f"127.0.0.1:{env.ssh_port}")

        env.write_config(env.config_text(instance_name="second-name"))
        env.signal(signal.SIGHUP)
        wait_for(lambda: self.status()["instance_name"] == "second-name", what="reload")
        self.assertEqual(self.status()["reloads"], 1)
        self.assertIn("config.reloaded", env.log())

        env.write_config(env.config_text(instance_name="third-name") + "bogus_key: 1\n")
        env.signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in env.log(), what="refused reload in the log")
        self.assertIn("unknown key 'bogus_key'", env.log())
        self.assertIsNone(env.proc.poll(), "daemon must stay up after an invalid reload")
        st = self.status()
        self.assertEqual(st["instance_name"], "second-name")
        self.assertEqual(st["reloads"], 1)

        # The CLI's reload reports the refusal and exits 1.
        r = env.cli("reload")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown key 'bogus_key'", r.stderr)

        self.assertEqual(env.stop(), 0)
        self.assertFalse(os.path.exists(env.socket), "admin socket removed on stop")

    def test_sigint_stops_cleanly(self):
        self.env.write_config()
        self.env.start()
        self.env.signal(signal.SIGINT)
        self.assertEqual(self.env.proc.wait(15), 0)

    def test_admin_socket_is_group_only(self):
        self.env.write_config()
        self.env.start()
        self.assertEqual(os.stat(self.env.socket).st_mode & 0o777, 0o660)

    def test_admin_socket_survives_garbage_oversize_and_stalls(self):
        self.env.write_config()
        self.env.start()

        def exchange(data):
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(10)
                s.connect(self.env.socket)
                s.sendall(data)
                try:
                    return s.recv(4096)
                except ConnectionResetError:
                    return b""

        garbage = exchange(os.urandom(4096) + b"\r\n\r\n")
        self.assertTrue(garbage == b"" or garbage.startswith(b"HTTP/1.1 400"), garbage[:80])
        big = exchange(b"POST /v1/requests HTTP/1.1\r\nHost: x\r\nContent-Length: 50000000\r\n\r\n"
                       + b"{" * 65536)
        self.assertTrue(big == b"" or big.startswith(b"HTTP/1.1 4"), big[:80])
        # A client that connects and sends half a request must not hold up another one.
        stalled = socket.socket(socket.AF_UNIX)
        stalled.connect(self.env.socket)
        stalled.sendall(b"GET /v1/sta")
        self.addCleanup(stalled.close)
        r = self.env.cli("status", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNone(self.env.proc.poll())
        self.assertEqual(self.env.stop(), 0)

    def test_out_of_descriptors_pauses_accepting_instead_of_spinning(self):
        self.env.write_config()
        self.env.start()
        pid = self.env.proc.pid
        open_fds = len(os.listdir(f"/proc/{pid}/fd"))
        subprocess.run(["prlimit", f"--pid={pid}", f"--nofile={open_fds + 4}:"],
                       check=True)
        clients = []
        for _ in range(20):
            c = socket.socket(socket.AF_UNIX)
            c.connect(self.env.socket)  # the backlog takes them; accept() fails with EMFILE
            clients.append(c)

        def cpu_seconds():
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

        wait_for(lambda: "Too many open files" in self.env.log(), what="EMFILE logged")
        before = cpu_seconds()
        time.sleep(2)
        self.assertLess(cpu_seconds() - before, 0.5, "the accept loop spins on EMFILE")
        self.assertLess(self.env.log().count("accept failed"), 60)
        for c in clients:
            c.close()
        subprocess.run(["prlimit", f"--pid={pid}", "--nofile=4096:"], check=True)
        wait_for(lambda: self.env.cli("status").returncode == 0, what="status answers again")
        self.assertEqual(self.env.stop(), 0)

    def expect_startup_failure(self, needle):
        r = subprocess.run([GATEHOUSED, "-c", self.env.config_path], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 1, r.stderr)
        last = r.stderr.strip().splitlines()[-1]
        self.assertIn(needle, last)
        return last

    def test_port_in_use_is_fatal(self):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", self.env.ssh_port))
            busy.listen()
            self.env.write_config()
            self.expect_startup_failure(
                f"ssh listener 127.0.0.1:{self.env.ssh_port}: Address already in use")

    def test_unloadable_host_key_is_fatal(self):
        self.env.write_config()
        with open(self.env.host_key, "w") as f:
            f.write("this is not a key\n")
        self.expect_startup_failure(f"host key {self.env.host_key}: not a private key")

    def test_store_that_cannot_open_is_fatal(self):
        self.env.write_config(self.env.config_text().replace(
            f"sqlite:{self.env.dir}/gatehouse.db", "sqlite:/nonexistent-dir/gatehouse.db"))
        self.expect_startup_failure("cannot open store sqlite:/nonexistent-dir/gatehouse.db")

    def test_second_daemon_on_same_socket_is_fatal(self):
        self.env.write_config()
        self.env.start()
        # Only the admin socket is shared: the listener moves to a free port.
        text = self.env.config_text().replace(str(self.env.ssh_port), str(free_port()))
        other = os.path.join(self.env.dir, "other.yaml")
        with open(other, "w") as f:
            f.write(text)
        r = subprocess.run([GATEHOUSED, "-c", other], capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("in use by another running gatehoused", r.stderr)

    def test_invalid_config_at_start_is_fatal(self):
        self.env.write_config(self.env.config_text() + "rulez: []\n")
        r = subprocess.run([GATEHOUSED, "-c", self.env.config_path], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown key 'rulez'", r.stderr)

    def test_check_mode(self):
        self.env.write_config()
        r = subprocess.run([GATEHOUSED, "-c", self.env.config_path, "--check"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.env.write_config(self.env.config_text() + "rulez: []\n")
        r = subprocess.run([GATEHOUSED, "-c", self.env.config_path, "--check"],
                           capture_output=True, text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        lines = r.stdout.strip().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertRegex(lines[0], r"^.*gatehouse\.yaml:\d+:1: unknown key 'rulez'")

    def test_journald_priority_prefixes(self):
        self.env.write_config()
        os.environ["JOURNAL_STREAM"] = "8:1234"
        try:
            self.env.start()
        finally:
            del os.environ["JOURNAL_STREAM"]
        self.env.stop()
        lines = [l for l in self.env.log().splitlines() if l]
        self.assertTrue(lines)
        for line in lines:
            self.assertRegex(line, r"^<[0-7]>")


def operators_group():
    """A group this test may give the admin socket: any group as root, else a supplementary
    group of ours (None when there is none)."""
    if os.geteuid() == 0:
        return grp.getgrgid(65534 if os.getegid() != 65534 else 0)
    others = [g for g in os.getgroups() if g != os.getegid()]
    return grp.getgrgid(others[0]) if others else None


class FilesAndGroups(unittest.TestCase):
    """Secrets at rest: whatever the umask, the store and its companion files, the audit log and
    the admin socket are not readable by others; the admin socket belongs to the operators'
    group (listen.admin.group), which is not the group that reads keys."""

    def setUp(self):
        self.env = Env()
        self.addCleanup(self.env.close)
        old = os.umask(0o022)
        self.addCleanup(os.umask, old)

    def test_store_and_audit_files_are_the_owners_with_umask_022(self):
        env = self.env
        log = os.path.join(env.dir, "audit.jsonl")
        env.write_config(env.config_text().replace("users:\n", f"audit: {{ log: {log} }}\nusers:\n", 1))
        env.start()
        r = env.cli("request", "root@web01", "--for", "alice", "--reason", "r")
        self.assertEqual(r.returncode, 0, r.stderr)
        db = os.path.join(env.dir, "gatehouse.db")
        for path in (db, db + "-wal", db + "-shm", log):
            self.assertEqual(oct(os.stat(path).st_mode & 0o777), oct(0o600), path)
        self.assertEqual(oct(os.stat(env.socket).st_mode & 0o777), oct(0o660))

    def test_admin_socket_has_the_operators_group(self):
        group = operators_group()
        if group is None:
            self.skipTest("no second group to give the socket")
        env = self.env
        marker = f"admin: {{ socket: {env.socket} }}"
        text = env.config_text()
        self.assertIn(marker, text)
        env.write_config(text.replace(
            marker, f"admin: {{ socket: {env.socket}, group: {group.gr_name} }}"))
        env.start()
        info = os.stat(env.socket)
        self.assertEqual(info.st_gid, group.gr_gid)
        self.assertEqual(oct(info.st_mode & 0o777), oct(0o660))
        self.assertEqual(env.cli("status").returncode, 0)

    def test_an_unknown_operators_group_is_a_config_error(self):
        env = self.env
        marker = f"admin: {{ socket: {env.socket} }}"
        env.write_config(env.config_text().replace(
            marker, f"admin: {{ socket: {env.socket}, group: no-such-operators }}"))
        r = subprocess.run([GATEHOUSED, "-c", env.config_path, "--check"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"gatehouse\.yaml:\d+:\d+: no group 'no-such-operators'")

    def test_check_warns_of_a_key_file_others_may_read(self):
        env = self.env
        env.write_config()
        os.chmod(env.account_key, 0o644)
        r = subprocess.run([GATEHOUSED, "-c", env.config_path, "--check"], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn(f"warning: {env.account_key} is readable by everyone (mode 0644)", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
