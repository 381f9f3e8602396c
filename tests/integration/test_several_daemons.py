"""Several gatehoused on one PostgreSQL (issue 16): a connection held on daemon A is released
by an approval made through daemon B's admin socket, a revocation through B ends A's session
within a second with its reason, a pending request expires once whichever daemons are up, and
a held connection outlives a restart of PostgreSQL; the daemons see each other as nodes (status,
sessions of every node, `gatehouse kill` on B ending a session on A).
Real PostgreSQL (support/postgres_env.py), real OpenSSH, real CLI, all on loopback."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import Env, audit_events, wait_for  # noqa: E402
from postgres_env import PostgresServer, daemon_config  # noqa: E402
from ssh_env import SshEnv  # noqa: E402


class SeveralDaemons(unittest.TestCase):
    def setUp(self):
        self.pg = PostgresServer()
        self.addCleanup(self.pg.close)
        self.store = self.pg.create_database("gatehouse")
        self.a = SshEnv()  # daemon A, in front of the sshd target
        self.addCleanup(self.a.close)
        self.a.start_sshd()
        self.b = Env()  # daemon B: the same configuration, its own ports, socket and audit
        self.addCleanup(self.b.close)

    def config_for(self, env, name, rule_extra):
        return daemon_config(self.store, self.a, env, name, rule_extra=rule_extra)

    def start_both(self, rule_extra=""):
        text_a, self.audit_a = self.config_for(self.a, "gate-a", rule_extra)
        text_b, self.audit_b = self.config_for(self.b, "gate-b", rule_extra)
        self.a.write_config(text_a)
        self.b.write_config(text_b)
        self.a.start(wait=False)
        self.b.start(wait=False)  # both at once: they agree on the schema
        self.a.wait_ready()
        self.b.wait_ready()

    def cli_json(self, env, *args):
        r = env.cli(*args, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def pending_request(self, env):
        found = []

        def probe():
            found[:] = [r for r in self.cli_json(env, "requests") if r["state"] == "pending"]
            return bool(found)
        wait_for(probe, timeout=15, what="a pending request")
        return found[0]

    def test_approval_on_b_releases_a_and_revocation_on_b_ends_it(self):
        self.start_both("    hold_timeout: 2m\n")
        proc = self.a.ssh_popen("echo released-by-b; sleep 60")
        req = self.pending_request(self.b)  # filed on A, seen through B
        self.assertEqual([s["state"] for s in self.cli_json(self.a, "sessions")], ["held"])
        node_b = self.cli_json(self.b, "status")["node"]
        self.assertEqual([s for s in self.cli_json(self.b, "sessions") if s["node"] == node_b],
                         [])  # nothing lives on B
        t = time.time()
        r = self.b.cli("approve", str(req["id"]), "--as", "bob", "--comment", "from b")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(proc.stdout.readline(), b"released-by-b\n")
        released_after = time.time() - t
        wait_for(lambda: any(s["state"] == "active" for s in self.cli_json(self.a, "sessions")),
                 timeout=15, what="active session on A")
        grant = self.cli_json(self.b, "requests")[0]["grant_id"]
        t = time.time()
        r = self.b.cli("revoke", str(grant), "--as", "carol")
        self.assertEqual(r.returncode, 0, r.stderr)
        _, err = proc.communicate(timeout=10)
        revoked_after = time.time() - t
        self.assertIn(f"Access grant #{grant} for {self.a.account}@web01 revoked by carol",
                      err.decode(errors="replace"))
        self.assertLess(revoked_after, 1.0, self.a.log())
        self.assertLess(released_after, 1.0, self.a.log())
        print(f"released on A {released_after * 1000:.0f} ms after the approval on B; "
              f"session on A ended {revoked_after * 1000:.0f} ms after the revocation on B",
              file=sys.stderr)

    def test_nodes_list_each_other_and_a_kill_on_b_ends_a_session_on_a(self):
        self.start_both("    hold_timeout: 2m\n")
        node_a = self.cli_json(self.a, "status")["node"]
        node_b = self.cli_json(self.b, "status")["node"]
        self.assertTrue(node_a.startswith("gate-a-") and node_b.startswith("gate-b-"))

        def peer(env, node):
            return next((n for n in self.cli_json(env, "status")["nodes"] if n["id"] == node),
                        None)
        wait_for(lambda: peer(self.a, node_b) is not None, timeout=15, what="A sees B")
        b_seen = peer(self.a, node_b)
        self.assertFalse(b_seen["stale"])
        self.assertLess(b_seen["heartbeat_age_seconds"], 6)
        self.assertEqual(b_seen["instance_name"], "gate-b")
        self.assertIn(f"ssh=127.0.0.1:{self.b.ssh_port}", b_seen["addresses"])
        shown = self.a.cli("status")
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertRegex(shown.stdout, rf"{node_b}\s+gate-b\s+ssh=127.0.0.1:{self.b.ssh_port}")

        proc = self.a.ssh_popen("echo started; sleep 60")
        req = self.pending_request(self.b)
        r = self.b.cli("approve", str(req["id"]), "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(proc.stdout.readline(), b"started\n")
        found = []

        def active_on_a_seen_from_b():
            found[:] = [s for s in self.cli_json(self.b, "sessions")
                        if s["node"] == node_a and s["state"] == "active"]
            return bool(found)
        wait_for(active_on_a_seen_from_b, timeout=15, what="A's session listed by B")
        session = found[0]["id"]
        self.assertIn(session, self.b.cli("sessions").stdout)
        t = time.time()
        r = self.b.cli("kill", session)
        self.assertEqual(r.returncode, 0, r.stderr + self.a.log())
        _, err = proc.communicate(timeout=10)
        killed_after = time.time() - t
        self.assertIn(f"Session {session} ended by", err.decode(errors="replace"))
        ends = [e for e in audit_events(self.audit_a, "session.end") if e.get("session") == session]
        self.assertEqual(len(ends), 1, audit_events(self.audit_a, "session.end"))
        self.assertIn("killed by", json.dumps(ends[0]))
        unknown = self.b.cli("kill", "ssh-nowhere-1")
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("no live session", unknown.stderr)

        self.b.stop()
        wait_for(lambda: peer(self.a, node_b) is None, timeout=15,
                 what="B no longer live as A sees it")
        print(f"kill on B ended the session on A after {killed_after * 1000:.0f} ms",
              file=sys.stderr)

    def test_a_pending_request_expires_once_with_both_up(self):
        self.start_both("    pending_timeout: 2s\n    hold_timeout: 1m\n")
        proc = self.a.ssh_popen("true")
        req = self.pending_request(self.a)
        _, err = proc.communicate(timeout=30)
        self.assertIn(f"Request #{req['id']} expired without a decision", err.decode())
        wait_for(lambda: self.cli_json(self.b, "requests")[0]["state"] == "expired", timeout=15,
                 what="the request expired as B sees it")
        time.sleep(2)  # both daemons' deadline timers have fired by now
        expired = (audit_events(self.audit_a, "request.expired") +
                   audit_events(self.audit_b, "request.expired"))
        self.assertEqual(len(expired), 1, expired)
        self.assertEqual(self.pg.sql("SELECT COUNT(*) FROM changes WHERE kind = 'request_decided'",
                                     "gatehouse").strip(), "1")

    def test_a_hold_survives_a_postgresql_restart(self):
        self.start_both("    hold_timeout: 2m\n")
        proc = self.a.ssh_popen("echo after-the-restart")
        req = self.pending_request(self.b)
        self.pg.stop("fast")
        time.sleep(3)  # both daemons have found the store gone by now
        self.assertIsNone(proc.poll(), "the held connection waits while the store is away")
        # A new login that needs the store is refused, saying why (and not where it lives).
        refused = self.a.ssh("true", person="alice", timeout=60)
        self.assertEqual(refused.returncode, 255)
        self.assertIn(b"the access store cannot be reached; try again in a minute",
                      refused.stderr)
        self.assertNotIn(str(self.pg.port).encode(), refused.stderr)
        self.pg.start()
        # The daemons reconnect by themselves: the first approval after the return succeeds.
        r = self.b.cli("approve", str(req["id"]), "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr + self.b.log())
        out, err = proc.communicate(timeout=30)
        self.assertEqual(out, b"after-the-restart\n", err.decode(errors="replace") + self.a.log())


if __name__ == "__main__":
    unittest.main(verbosity=2)
