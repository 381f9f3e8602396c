"""The SSH listener under abuse and in the daemon's life: stalled and garbage connections,
the login grace time, per-source failure limits, caps on held connections, SIGHUP with live
sessions, and SIGTERM ending sessions with a message."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from ssh_env import SshEnv  # noqa: E402


class Robustness(unittest.TestCase):
    def setUp(self):
        self.env = SshEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()

    def start(self, mode="allow", rule_extra=""):
        self.env.write_config(self.env.ssh_config_text(mode=mode, rule_extra=rule_extra))
        self.env.start()

    def sessions(self):
        r = self.env.cli("sessions", "--json")
        return json.loads(r.stdout or "[]")

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

    def test_held_connections_are_capped_per_person(self):
        self.start(mode="approve")
        procs = [self.env.ssh_popen("true") for _ in range(10)]
        try:
            wait_for(lambda: len([s for s in self.sessions() if s["state"] == "held"]) == 10,
                     timeout=30, what="ten held connections")
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
