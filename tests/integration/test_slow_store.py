"""A slow store never stalls the io thread: with every store call taking 2 s (the test builds'
GATEHOUSE_TEST_STORE_DELAY_MS hook, storage/slowed_store.hpp), a live SSH session's echo and
the admin socket's `status` still answer at once, while the daemon keeps polling the store's
change feed (every second) and working its deadlines, and while another person connects, is
checked, files a request and is held - all of that store work on the store worker, not on the
loop that relays the bytes (ARCHITECTURE: one io thread; store work is posted off it).

What a person would see on the old code: every keystroke's echo and every `gatehouse status`
waiting up to 2 s behind the feed poll."""
import json
import os
import select
import statistics
import subprocess
import sys
import textwrap
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from ssh_env import SshEnv  # noqa: E402

DELAY_MS = 2000
WINDOW_S = 8       # how long the echo and status are measured: several feed polls
PROMPT_MS = 1000   # half the store's delay: a stall behind one store call shows


def read_line(stream, deadline):
    """One line from a pipe, or None at the deadline."""
    data = b""
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([stream], [], [], left)
        if not ready:
            return None
        chunk = os.read(stream.fileno(), 1)
        if not chunk:
            return None
        data += chunk
    return data


class SlowStore(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = SshEnv()
        cls.env.start_sshd()
        # alice may reach web01 at once (the live session); carol needs bob's approval (the
        # connection held while the store is slow).
        carol = textwrap.indent(textwrap.dedent("""\
            - name: carol-needs-approval
              users: [carol]
              servers: [web01]
              accounts: ["*"]
              mode: approve
              approvers: [bob]
            """), "  ")
        cls.env.write_config(cls.env.ssh_config_text(mode="allow", rule_extra=carol))
        os.environ["GATEHOUSE_TEST_STORE_DELAY_MS"] = str(DELAY_MS)
        try:
            cls.env.start(wait=False)
            cls.env.wait_ready(timeout=120)  # opening the store is many slow calls
        finally:
            del os.environ["GATEHOUSE_TEST_STORE_DELAY_MS"]

    @classmethod
    def tearDownClass(cls):
        cls.env.close()

    def test_echo_and_status_stay_prompt_while_every_store_call_takes_2_s(self):
        self.assertIn("test hook: every store call sleeps 2000 ms", self.env.log(),
                      "the daemon under test must run with the slowed store")
        session = self.env.ssh_popen("cat", stdin=subprocess.PIPE)
        try:
            # The login itself may wait for the store; the session then relays.
            session.stdin.write(b"hello\n")
            session.stdin.flush()
            self.assertEqual(read_line(session.stdout, time.monotonic() + 90), b"hello\n",
                             session.stderr.read1(4096) if session.poll() is not None else "")

            status_times, stop = [], threading.Event()

            def ask_status():
                while not stop.is_set():
                    t0 = time.monotonic()
                    r = self.env.cli("status")
                    status_times.append((time.monotonic() - t0, r.returncode))
                    time.sleep(0.1)

            asker = threading.Thread(target=ask_status)
            asker.start()
            # Meanwhile carol connects: her check, her filing and her hold's watch all read
            # or write the slow store.
            held = self.env.ssh_popen("true", person="carol")
            echo_times = []
            end = time.monotonic() + WINDOW_S
            n = 0
            while time.monotonic() < end:
                n += 1
                line = f"ping {n}\n".encode()
                t0 = time.monotonic()
                session.stdin.write(line)
                session.stdin.flush()
                got = read_line(session.stdout, t0 + 10)
                echo_times.append(time.monotonic() - t0)
                self.assertEqual(got, line, f"echo {n} did not come back within 10 s")
                time.sleep(0.05)
            stop.set()
            asker.join()
            told, deadline = b"", time.monotonic() + 30
            while b"waiting for" not in told and (line := read_line(held.stderr, deadline)):
                told += line
            self.assertIn(b"waiting for", told, "carol is held with the hold banner")
            requests = json.loads(self.env.cli("requests", "--json").stdout or "[]")
            mine = [r for r in requests if r["requester"] == "carol" and r["state"] == "pending"]
            self.assertEqual(len(mine), 1, requests)
            approved = self.env.cli("approve", str(mine[0]["id"]), "--as", "bob")
            self.assertEqual(approved.returncode, 0, approved.stderr)
            self.assertEqual(held.wait(60), 0, "carol goes on once approved")
            held.stdout.close()
            held.stderr.close()
        finally:
            session.stdin.close()
            session.wait(30)
            session.stdout.close()
            session.stderr.close()

        worst_echo = max(echo_times) * 1000
        worst_status = max(t for t, _ in status_times) * 1000
        print(f"\n{len(echo_times)} echoes: median {statistics.median(echo_times) * 1000:.0f} ms, "
              f"max {worst_echo:.0f} ms; {len(status_times)} status calls: max "
              f"{worst_status:.0f} ms (store: {DELAY_MS} ms per call)", file=sys.stderr)
        self.assertGreater(len(echo_times), 20)
        self.assertTrue(all(rc == 0 for _, rc in status_times), status_times)
        self.assertLess(worst_echo, PROMPT_MS, "an echo waited behind a store call")
        self.assertLess(worst_status, PROMPT_MS, "`gatehouse status` waited behind a store call")
        self.assertIsNone(self.env.proc.poll(), "the daemon is still running")


if __name__ == "__main__":
    unittest.main()
