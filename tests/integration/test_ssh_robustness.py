"""The SSH listener under abuse and in the daemon's life: stalled and garbage connections
(one and a thousand at once), the login grace time, per-source failure limits, caps on held
connections, SIGHUP with live sessions, and SIGTERM ending sessions with a message."""
import json
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from process_memory import bound_checked  # noqa: E402
from ssh_env import SshEnv  # noqa: E402


class Robustness(unittest.TestCase):
    def setUp(self):
        self.env = SshEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()

    def start(self, mode="allow", rule_extra="", listen_extra=""):
        self.env.write_config(self.env.ssh_config_text(mode=mode, rule_extra=rule_extra,
                                                       listen_extra=listen_extra))
        self.env.start()

    def sessions(self):
        r = self.env.cli("sessions", "--json")
        return json.loads(r.stdout or "[]")

    def rss_kib(self):
        with open(f"/proc/{self.env.proc.pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))

    def fds(self):
        return len(os.listdir(f"/proc/{self.env.proc.pid}/fd"))

    def flood(self, n, base_fds):
        """n connections at once: half send garbage, half stall after the version exchange
        (or before it); a normal login works throughout. Returns the daemon's peak VmRSS."""
        socks = []
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", self.env.ssh_port), timeout=10)
            socks.append(s)
            if i % 100 == 0:  # a normal login keeps working while they pile up
                r = self.env.ssh("echo", "still-serving", timeout=30)
                self.assertEqual(r.stdout, b"still-serving\n", r.stderr)
        garbage, stalled = socks[: n // 2], socks[n // 2:]
        for s in socks:
            s.recv(64)  # the gate's version line: every one was accepted
        for i, s in enumerate(garbage):
            s.sendall(b"SSH-2.0-Garbage\r\n" + os.urandom(256) if i % 2 else os.urandom(300))
        for i, s in enumerate(stalled):
            if i % 2:
                s.sendall(b"SSH-2.0-Stalled\r\n")  # then nothing: KEXINIT never comes
        t = time.time()
        for _ in range(3):
            r = self.env.ssh("echo", "still-serving", timeout=30)
            self.assertEqual(r.stdout, b"still-serving\n", r.stderr)
        peak_rss = self.rss_kib()

        # Garbage gets a clean disconnect at once; stalled ones are still there.
        open_garbage = set(garbage)
        deadline = time.time() + 15
        while open_garbage and time.time() < deadline:
            ready, _, _ = select.select(list(open_garbage), [], [], 1)
            for s in ready:
                try:
                    if not s.recv(65536):
                        open_garbage.discard(s)
                except OSError:
                    open_garbage.discard(s)
        self.assertEqual(len(open_garbage), 0, "garbage connections left open")
        self.assertLess(time.time() - t, 15)
        ready, _, _ = select.select(stalled, [], [], 0)
        self.assertEqual([s for s in ready if not s.recv(65536, socket.MSG_PEEK)], [],
                         "a stalled connection was closed before its login grace time")

        # The login grace time ends the stalled ones; nothing is left behind.
        wait_for(lambda: self.fds() <= base_fds, timeout=60, interval=0.5,
                 what=f"daemon fds back to {base_fds} (now {self.fds()})")
        for s in socks:
            s.close()
        self.assertEqual(self.env.ssh("echo", "after").stdout, b"after\n")
        return peak_rss

    def test_a_thousand_garbage_and_stalled_connections(self):
        # All from 127.0.0.1, like the normal client: the per-source cap on unauthenticated
        # connections (32 by default) would turn the normal one away too, so it is raised here.
        n = 1000
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, n + 200)), hard))
        self.start(listen_extra=f"max_unauthenticated_per_source: {n + 10}, login_grace: 10s")
        for _ in range(3):  # warm up: the first sessions size the allocator's pools
            self.assertEqual(self.env.ssh("true").returncode, 0)
        wait_for(lambda: self.sessions() == [], timeout=10, what="warm-up sessions gone")
        base_rss, base_fds = self.rss_kib(), self.fds()
        peak1 = self.flood(n, base_fds)
        time.sleep(1)
        after1 = self.rss_kib()
        peak2 = self.flood(n, base_fds)
        time.sleep(1)
        after2 = self.rss_kib()
        peak3 = self.flood(n, base_fds)
        time.sleep(1)
        after3 = self.rss_kib()
        print(f"\ngatehoused VmRSS KiB: {base_rss} before; {peak1} with {n} abusive connections, "
              f"{after1} after; again {peak2}, {after2} after; again {peak3}, {after3} after",
              file=sys.stderr)
        self.assertIn("login grace time exceeded", self.env.log())
        if bound_checked():
            # ASan keeps freed memory in its quarantine. Elsewhere the heap a flood took is kept
            # for the next one (the gate does not malloc_trim: that froze its io thread for
            # seconds), so a later flood reuses it. A leak grows with every flood, while the
            # allocator's fragments settle: one of the two later floods must leave (almost)
            # nothing more behind. (CI saw 1056 KiB once after the second flood: one flood's
            # growth alone is noise at this size.)
            self.assertLess(min(after2 - after1, after3 - after2), 1024,
                            "memory kept grows with each flood")
            self.assertLess(after3 - after1, 3 * 1024, "memory kept grows with each flood")

    def test_stalled_client_is_dropped_after_the_login_grace_time(self):
        self.start()
        t = time.time()
        with socket.create_connection(("127.0.0.1", self.env.ssh_port), timeout=60) as s:
            s.sendall(b"SSH-2.0-Stalled\r\n")
            s.settimeout(60)
            while s.recv(4096):
                pass
        self.assertLess(time.time() - t, 40)
        self.assertGreater(time.time() - t, 25)

    def test_repeated_failures_block_the_source(self):
        self.start()
        args = self.env.ssh_args()
        args[args.index("-i") + 1] = os.path.join(self.env.dir, "bob")  # not alice's key
        for _ in range(10):
            r = subprocess.run(args + ["true"], capture_output=True, timeout=30)
            self.assertIn(b"Permission denied", r.stderr)
        wait_for(lambda: self.env.log().count("auth.failure") >= 10, what="failures counted")
        r = self.env.ssh("true")  # even the right key: the source is blocked for a while
        self.assertEqual(r.returncode, 255)
        self.assertNotIn(b"Permission denied", r.stderr)
        self.assertIn("too many authentication failures", self.env.log())

    def test_a_64_kib_user_name_is_not_logged_whole(self):
        self.start()
        args = self.env.ssh_args()
        args[-1] = "x" * 65536 + "@127.0.0.1"
        r = subprocess.run(args + ["true"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 255)
        wait_for(lambda: "auth.failure" in self.env.log(), what="the failure logged")
        [line] = [x for x in self.env.log().splitlines() if "auth.failure" in x]
        self.assertIn("x" * 256 + "...[truncated, 65536 bytes]", line)
        self.assertNotIn("x" * 257, self.env.log())

    def test_held_connections_are_capped_per_person(self):
        self.start(mode="approve")
        self.sessions()
        base_fds = self.fds()
        procs = [self.env.ssh_popen("true") for _ in range(10)]
        try:
            wait_for(lambda: len([s for s in self.sessions() if s["state"] == "held"]) == 10,
                     timeout=30, what="ten held connections")
            # One descriptor per held connection (libssh's socket, which Asio watches too):
            # 10,000 held fit a limit of 20,000.
            self.assertLessEqual(self.fds() - base_fds, 13, "descriptors per held connection")
            r = self.env.ssh("true")
            self.assertEqual(r.returncode, 255)
            self.assertIn(b"Too many connections of alice are waiting for approval", r.stderr)
        finally:
            for p in procs:
                p.kill()
                p.communicate()
        wait_for(lambda: self.sessions() == [], timeout=15, what="holds released")

    def test_reload_keeps_sessions_and_sigterm_ends_them(self):
        self.start()
        proc = self.env.ssh_popen("sleep 60")
        wait_for(lambda: any(s["state"] == "active" for s in self.sessions()), timeout=15,
                 what="active session")
        self.env.write_config(self.env.ssh_config_text(mode="allow", instance_name="renamed"))
        self.env.signal(signal.SIGHUP)
        wait_for(lambda: "config.reloaded" in self.env.log(), what="reload")
        time.sleep(0.5)
        self.assertIsNone(proc.poll(), "session survives a reload")
        self.assertEqual(len(self.sessions()), 1)
        self.env.signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=15)
        self.assertEqual(proc.returncode, 255)
        self.assertIn(b"shutting down", err)
        self.assertEqual(self.env.proc.wait(15), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
