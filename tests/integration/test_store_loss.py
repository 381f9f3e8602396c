"""Losing the database (issue 16): two gatehoused on one real PostgreSQL in front of a real
sshd, A with `on_store_loss: keep` (the default, written out), B with `on_store_loss:
terminate`. With a live session on each and a connection held on each, PostgreSQL is stopped
(pg_ctl stop -m fast) and started again on the same port:
  * while it is away a new login is refused with the sentence people are shown (and the
    audit says store_unreachable), the held connections go on waiting, A's live session
    still relays, B's is ended with the reason its client sees;
  * the daemons find the store again by themselves (their logs say so, no restart), an
    approval made after the return releases both held connections and the command runs;
  * what the CLI acknowledged before the outage (the first approval, its grant) is there after.
On a gated web app (one daemon, HTTPS), a personal token's request while the store is away is
answered 503 with the same sentence and Retry-After, and passes again once it is back.
Real PostgreSQL (support/postgres_env.py), real OpenSSH, real CLI, all on loopback."""
import json
import os
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import Env, audit_events, wait_for  # noqa: E402
from postgres_env import PostgresServer, daemon_config  # noqa: E402
from ssh_env import SshEnv  # noqa: E402
from test_http_apps import DOMAIN, UPSTREAM_APP, AppConnection  # noqa: E402
from tls_cert import self_signed_cert  # noqa: E402
from web_env import WebEnv  # noqa: E402

STORE_AWAY = b"the access store cannot be reached; try again in a minute"


class StoreLoss(unittest.TestCase):
    def setUp(self):
        self.pg = PostgresServer()
        self.addCleanup(self.pg.close)
        self.store = self.pg.create_database("gatehouse")
        self.a = SshEnv()  # daemon A (keep), in front of the sshd target
        self.addCleanup(self.a.close)
        self.a.start_sshd()
        self.b = Env()  # daemon B (terminate): the same people and servers, its own ports
        self.addCleanup(self.b.close)
        # web02: the same sshd under another name, with a rule of its own, so that a
        # connection to it is held while alice's grant for web01 lets her straight in there.
        host_key = " ".join(self.a.upstream_host_key.split()[:2])
        servers = (f'- name: web02\n  protocol: ssh\n  address: "127.0.0.1:{self.a.sshd_port}"\n'
                   f'  host_key: "{host_key}"\n  accounts:\n'
                   f'    - {{ name: {self.a.account}, key_file: {self.a.account_key} }}\n')
        rules = ("    hold_timeout: 3m\n"
                 "  - name: web02-rule\n    users: [alice]\n    servers: [web02]\n"
                 '    accounts: ["*"]\n    mode: approve\n    approvers: [bob, carol]\n'
                 "    condition: any\n    hold_timeout: 3m\n")
        text_a, self.audit_a = daemon_config(self.store, self.a, self.a, "gate-a",
                                             "on_store_loss: keep\n", rule_extra=rules,
                                             extra_servers=servers)
        text_b, self.audit_b = daemon_config(self.store, self.a, self.b, "gate-b",
                                             "on_store_loss: terminate\n", rule_extra=rules,
                                             extra_servers=servers)
        self.a.write_config(text_a)
        self.b.write_config(text_b)
        self.a.start(wait=False)
        self.b.start(wait=False)
        self.a.wait_ready()
        self.b.wait_ready()

    # --- helpers ---------------------------------------------------------------------------
    def ssh_args(self, env, server="web01"):
        """alice's ssh to `server` through daemon `env` (A's keys are in both configs)."""
        args = self.a.ssh_args(target=f"{self.a.account}@{server}")
        args[args.index("-p") + 1] = str(env.ssh_port)
        return args

    def popen(self, env, *command, server="web01"):
        proc = subprocess.Popen(self.ssh_args(env, server) + list(command),
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)

        def done():
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                pipe.close()
        self.addCleanup(done)
        return proc

    def run_ssh(self, env, *command, server="web01"):
        return subprocess.run(self.ssh_args(env, server) + list(command), capture_output=True,
                              timeout=60)

    def cli_json(self, env, *args):
        r = env.cli(*args, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def pending(self, env, server):
        found = []

        def probe():
            found[:] = [r for r in self.cli_json(env, "requests")
                        if r["state"] == "pending" and r["server"] == server]
            return bool(found)
        wait_for(probe, timeout=15, what=f"a pending request for {server}")
        return found[0]

    def echo(self, proc, line):
        """`line` through a live `cat` session and back."""
        proc.stdin.write(line + b"\n")
        proc.stdin.flush()
        self.assertEqual(proc.stdout.readline(), line + b"\n")

    def sessions(self, env):
        """The states of the daemon's own sessions (`sessions` lists every live node's: the
        other daemon's come from its last heartbeat, whose age varies with the machine)."""
        if not hasattr(env, "node_id"):
            env.node_id = self.cli_json(env, "status")["node"]
        return sorted(s["state"] for s in self.cli_json(env, "sessions")
                      if s["node"] == env.node_id)

    # --- the test --------------------------------------------------------------------------
    def test_postgresql_stopped_and_started_again(self):
        # A live session on A: held, approved through B (acknowledged by the CLI), released.
        live_a = self.popen(self.a, "cat")
        first = self.pending(self.b, "web01")
        r = self.b.cli("approve", str(first["id"]), "--as", "bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.echo(live_a, b"before")
        # A live session on B: alice's grant lets her straight in.
        live_b = self.popen(self.b, "cat")
        self.echo(live_b, b"before-b")
        # A connection held on each daemon, on one request for web02.
        held_a = self.popen(self.a, "echo released-a", server="web02")
        second = self.pending(self.a, "web02")
        held_b = self.popen(self.b, "echo released-b", server="web02")
        wait_for(lambda: self.sessions(self.a) == ["active", "held"], timeout=15,
                 what="held and live on A")
        wait_for(lambda: self.sessions(self.b) == ["active", "held"], timeout=15,
                 what="held and live on B")

        self.pg.stop("fast")
        for env in (self.a, self.b):
            wait_for(lambda: "store: the access store cannot be reached" in env.log(),
                     timeout=15, what="the daemon finding the store gone")

        # New logins that need the store: refused, saying why, never where the store lives.
        for env in (self.a, self.b):
            refused = self.run_ssh(env, "true")
            self.assertEqual(refused.returncode, 255, refused)
            self.assertIn(STORE_AWAY, refused.stderr)
            self.assertNotIn(str(self.pg.port).encode(), refused.stderr)
        denied = [e for e in audit_events(self.audit_a, "access.denied")
                  if e.get("reason") == "store_unreachable"]
        self.assertEqual(len(denied), 1, audit_events(self.audit_a, "access.denied"))

        # Held connections wait, on both daemons.
        time.sleep(2)
        self.assertIsNone(held_a.poll(), "held on A while the store is away")
        self.assertIsNone(held_b.poll(), "held on B while the store is away")
        # keep: A's live session goes on relaying.
        self.echo(live_a, b"during")
        # terminate: B's live session is ended at once (by the daemon: its stdin is still
        # open), and its client is told why.
        live_b.wait(timeout=15)
        err = live_b.stderr.read()
        self.assertIn(b"Session ended: " + STORE_AWAY + b" (on_store_loss: terminate)", err)
        self.assertIn("ended 1 live sessions (on_store_loss: terminate)", self.b.log())
        self.assertIn("live sessions go on (on_store_loss: keep)", self.a.log())
        self.assertEqual(self.sessions(self.a), ["active", "held"])
        self.assertEqual(self.sessions(self.b), ["held"])

        # PostgreSQL again, on the same port: the daemons find it by themselves.
        self.pg.start()
        for env in (self.a, self.b):
            wait_for(lambda: "store: reachable again" in env.log(), timeout=30,
                     what="the daemon finding the store back")
        # What the CLI acknowledged before the outage is there.
        before = [r for r in self.cli_json(self.a, "requests") if r["id"] == first["id"]]
        self.assertEqual(before[0]["state"], "approved")
        self.assertIsNotNone(before[0]["grant_id"])
        # An approval after the return releases the connections held on both daemons.
        r = self.a.cli("approve", str(second["id"]), "--as", "carol")
        self.assertEqual(r.returncode, 0, r.stderr + self.a.log())
        out_a, err_a = held_a.communicate(timeout=30)
        self.assertEqual(out_a, b"released-a\n", err_a.decode(errors="replace") + self.a.log())
        out_b, err_b = held_b.communicate(timeout=30)
        self.assertEqual(out_b, b"released-b\n", err_b.decode(errors="replace") + self.b.log())
        # A's live session outlived the whole outage; a new login works again.
        self.echo(live_a, b"after")
        live_a.stdin.close()
        self.assertEqual(live_a.wait(timeout=15), 0)
        self.assertEqual(self.run_ssh(self.b, "echo", "back").stdout, b"back\n")


class StoreLossHttpApps(unittest.TestCase):
    def setUp(self):
        self.pg = PostgresServer()
        self.addCleanup(self.pg.close)
        store = self.pg.create_database("gatehouse")
        self.env = WebEnv()
        self.addCleanup(self.env.close)
        self.env.cert, self.env.key = self_signed_cert(self.env.dir, "gate",
                                                       more_names=["*." + DOMAIN])
        self.upstream = subprocess.Popen([sys.executable, UPSTREAM_APP], stdout=subprocess.PIPE,
                                         stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: (self.upstream.kill(), self.upstream.communicate()))
        port = int(self.upstream.stdout.readline())
        text = self.env.web_config_text(
            extra_servers=f'- name: wiki\n  protocol: http\n  url: "http://127.0.0.1:{port}"\n',
            rule_extra="  - name: wiki-open\n    users: [alice]\n    servers: [wiki]\n"
                       "    mode: allow\n",
            http_extra=f"apps_domain: {DOMAIN}")
        self.env.write_config(text.replace(f'store: "sqlite:{self.env.dir}/gatehouse.db"',
                                           f'store: "{store}"'))
        self.env.start()
        self.ctx = ssl.create_default_context(cafile=self.env.cert)

    def get_wiki(self, token):
        conn = AppConnection(f"wiki.{DOMAIN}", self.env.http_port, self.ctx)
        try:
            conn.request("GET", "/headers/x", headers={"Authorization": f"Bearer {token}"})
            res = conn.getresponse()
            return res.status, res.getheader("Retry-After"), res.read()
        finally:
            conn.close()

    def test_a_token_request_while_the_store_is_away_is_answered_503(self):
        r = self.env.ssh("http-token", "wiki", target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        token = r.stdout.decode().splitlines()[0]
        self.assertEqual(self.get_wiki(token)[0], 200)
        self.pg.stop("fast")
        wait_for(lambda: "store: the access store cannot be reached" in self.env.log(),
                 timeout=15, what="the daemon finding the store gone")
        status, retry_after, body = self.get_wiki(token)
        self.assertEqual(status, 503, body)
        self.assertIn(STORE_AWAY, body)
        self.assertEqual(retry_after, "60")
        self.assertNotIn(str(self.pg.port).encode(), body)
        self.pg.start()
        wait_for(lambda: "store: reachable again" in self.env.log(), timeout=30,
                 what="the daemon finding the store back")
        self.assertEqual(self.get_wiki(token)[0], 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)
