"""Several io threads (`workers: 4`, issue 20) through the real gatehoused, sshd and ssh: each
connection lives on one thread, the threads share the caps and the gate, and the control
thread's decisions (approval, revocation, kill from the admin socket) reach connections on
every thread. Thread confinement is observable twice: each session object names its `worker`,
and a test build of the daemon stops at once (abort) when a connection's step runs on another
thread than the one that started it, so a daemon still alive with its sessions served proves
it was kept."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from ssh_env import SshEnv  # noqa: E402

WORKERS = 4
TICKS = "i=0; while [ $i -lt 600 ]; do echo tick $i; i=$((i+1)); sleep 0.1; done"


class Workers(unittest.TestCase):
    def setUp(self):
        self.env = SshEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()
        self.env.write_config(self.env.ssh_config_text(mode="approve") +
                              f"workers: {WORKERS}\n")
        self.env.start()
        self.procs = []
        self.addCleanup(self.stop_clients)

    def stop_clients(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.communicate()

    def popen(self, *command):
        p = self.env.ssh_popen(*command)
        self.procs.append(p)
        return p

    def pending(self):
        return [r for r in self.env.cli_json("requests") if r["state"] == "pending"]

    def active(self):
        return [s for s in self.env.cli_json("sessions") if s["state"] == "active"]

    def assert_confined(self):
        self.assertIsNone(self.env.proc.poll(), "the daemon died:\n" + self.env.log()[-3000:])
        self.assertNotIn("thread confinement broken", self.env.log())

    def test_holds_on_every_thread_are_released_by_one_approval(self):
        held = [self.popen("echo released") for _ in range(WORKERS)]
        wait_for(lambda: len([s for s in self.env.cli_json("sessions")
                              if s["state"] == "held"]) == WORKERS,
                 timeout=30, what=f"{WORKERS} held connections")
        workers = {s["worker"] for s in self.env.cli_json("sessions")}
        self.assertEqual(workers, set(range(WORKERS)), "one held connection per thread")
        requests = self.pending()
        self.assertEqual(len(requests), 1, "the holds share one request, whichever thread")
        r = self.env.cli("approve", str(requests[0]["id"]), "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        for p in held:
            out, err = p.communicate(timeout=30)
            self.assertEqual(p.returncode, 0, err)
            self.assertEqual(out, b"released\n")
        self.assert_confined()

    def test_a_revocation_from_the_admin_socket_ends_sessions_on_every_thread(self):
        first = self.popen(TICKS)
        wait_for(lambda: self.pending(), timeout=30, what="a pending request")
        rid = self.pending()[0]["id"]
        self.assertEqual(self.env.cli("approve", str(rid), "--as", "bob").returncode, 0)
        for _ in range(2 * WORKERS - 1):
            self.popen(TICKS)
        wait_for(lambda: len(self.active()) == 2 * WORKERS, timeout=60,
                 what=f"{2 * WORKERS} active sessions")
        sessions = self.active()
        self.assertEqual({s["worker"] for s in sessions}, set(range(WORKERS)))
        # every relay is moving bytes on its own thread
        time.sleep(1)
        self.assertTrue(all(s["bytes_out"] > 0 for s in self.active()), self.active())
        grant = [r for r in self.env.cli_json("requests") if r["id"] == rid][0]["grant_id"]
        t = time.time()
        r = self.env.cli("revoke", str(grant), "--as", "carol")
        self.assertEqual(r.returncode, 0, r.stderr)
        for p in self.procs:
            out, err = p.communicate(timeout=15)
            self.assertIn(f"Access grant #{grant} for {self.env.account}@web01 revoked by "
                          "carol", err.decode(errors="replace"))
        self.assertLess(time.time() - t, 3)
        self.assertEqual(first.returncode, 255)
        self.assertEqual(self.env.cli_json("sessions"), [])
        self.assert_confined()

    def test_kill_and_own_commands_reach_every_thread(self):
        # own commands (`requests`) run on the control thread for a connection on any thread
        r = self.env.ssh("request", f"{self.env.account}@web01", "--reason", "deploy", target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        for _ in range(WORKERS):
            r = self.env.ssh("requests", target="")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn(b"pending", r.stdout)
        rid = self.pending()[0]["id"]
        self.assertEqual(self.env.cli("approve", str(rid), "--as", "bob").returncode, 0)
        for _ in range(WORKERS):
            self.popen(TICKS)
        wait_for(lambda: len(self.active()) == WORKERS, timeout=60,
                 what=f"{WORKERS} active sessions")
        for s in self.active():
            r = self.env.cli("kill", s["id"])
            self.assertEqual(r.returncode, 0, r.stderr)
        for p in self.procs:
            out, err = p.communicate(timeout=15)
            self.assertIn(b"ended by", err)
        self.assertEqual(self.env.cli("kill", "ssh-000000000000-1").returncode, 1)
        self.assert_confined()


if __name__ == "__main__":
    unittest.main(verbosity=2)
