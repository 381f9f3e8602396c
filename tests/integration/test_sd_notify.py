"""The systemd notify protocol as systemd would see it: a datagram socket in NOTIFY_SOCKET
receives READY=1 after start, RELOADING=1 then READY=1 around a SIGHUP reload, WATCHDOG=1
at half of WATCHDOG_USEC, and STOPPING=1 on SIGTERM."""
import os
import signal
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import Env  # noqa: E402


class SdNotify(unittest.TestCase):
    def setUp(self):
        self.env = Env()
        self.addCleanup(self.env.close)
        self.path = os.path.join(self.env.dir, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(10)
        self.addCleanup(self.sock.close)

    def next_message(self, wanted, timeout=10):
        """The first datagram containing `wanted`, skipping others (watchdog pings, status)."""
        deadline = time.time() + timeout
        seen = []
        while time.time() < deadline:
            data = self.sock.recv(4096).decode()
            seen.append(data)
            if wanted in data.split("\n"):
                return data
        raise AssertionError(f"no {wanted} in {seen}")

    def test_ready_reload_watchdog_stop(self):
        self.env.write_config()
        os.environ["NOTIFY_SOCKET"] = self.path
        os.environ["WATCHDOG_USEC"] = "400000"
        try:
            self.env.start(wait=False)
            os.environ["WATCHDOG_PID"] = str(self.env.proc.pid)
        finally:
            for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"):
                os.environ.pop(k, None)
        self.next_message("READY=1")
        # Fed at half the interval: at least two pings within a second.
        self.next_message("WATCHDOG=1", timeout=1)
        self.next_message("WATCHDOG=1", timeout=1)
        self.env.signal(signal.SIGHUP)
        reloading = self.next_message("RELOADING=1")
        self.assertRegex(reloading, r"MONOTONIC_USEC=\d+")
        self.next_message("READY=1")
        self.env.signal(signal.SIGTERM)
        self.next_message("STOPPING=1")
        self.assertEqual(self.env.proc.wait(15), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
