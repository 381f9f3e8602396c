"""Three gatehoused on one real PostgreSQL, for the issue 16 tests and benchmarks: daemon A
(an SshEnv, in front of its real sshd "web01"), B and C (Envs with their own ports, admin
sockets and audit logs), all with the same people, servers and rules, mail to one SmtpSink,
and optionally a real haproxy in TCP mode spreading ssh over the three with `send-proxy-v2`
(each daemon then lists 127.0.0.1 in listen.ssh.proxy_protocol_from).

    three = ThreeDaemons(rule_extra="    hold_timeout: 2m\\n", bulk_accounts=0, haproxy=True)
    three.start()                        # all three at once: they agree on the schema
    three.ssh_popen("echo hi")           # through haproxy, from 127.0.0.2
    three.holder()                       # the daemon with a held connection
    three.events(i, "request.expired")   # audit events of daemon i
    three.close()

`bulk_accounts` N adds a server "bulk" (the same sshd) with accounts a0..aN-1 and alice's rule
for it (approval by bob or carol): N distinct requests can be pending at once. Everything binds
127.0.0.1."""
import json
import os
import subprocess

from gatehouse_env import Env, wait_for
from haproxy_env import Haproxy
from postgres_env import PostgresServer
from smtp_sink import SmtpSink
from ssh_env import SshEnv

NAMES = ("gate-a", "gate-b", "gate-c")
BALANCER = "127.0.0.1/32"  # haproxy connects to the gates from 127.0.0.1


def bulk_rule():
    return ('  - { name: bulk-rule, users: [alice], servers: [bulk], accounts: ["*"], '
            'mode: approve, approvers: [bob, carol], condition: any }\n')


class ThreeDaemons:
    def __init__(self, rule_extra="", bulk_accounts=0, haproxy=True, listen_extra="",
                 sshd_extra="MaxStartups 200:30:200\n"):
        self._cleanups = []
        try:
            self.pg = PostgresServer()
            self._cleanups.append(self.pg.close)
            self.store = self.pg.create_database("gatehouse")
            self.sink = SmtpSink().start()
            self._cleanups.append(self.sink.stop)
            self.daemons = [SshEnv(), Env(), Env()]
            for d in self.daemons:
                self._cleanups.append(d.close)
            self.a = self.daemons[0]
            self.a.start_sshd(extra=sshd_extra)
            self.audits = [os.path.join(d.dir, "audit.jsonl") for d in self.daemons]
            self.haproxy = None
            if haproxy:
                listen_extra = f'proxy_protocol_from: ["{BALANCER}"]' + (
                    ", " + listen_extra if listen_extra else "")
            for d, name, audit in zip(self.daemons, NAMES, self.audits):
                d.write_config(self._config(d, name, audit, rule_extra, bulk_accounts,
                                            listen_extra))
        except BaseException:
            self.close()
            raise

    def _config(self, env, name, audit, rule_extra, bulk_accounts, listen_extra):
        a = self.a
        extra_servers = ""
        if bulk_accounts:
            host_key = " ".join(a.upstream_host_key.split()[:2])
            extra_servers = (f"- name: bulk\n  protocol: ssh\n  address: \"127.0.0.1:{a.sshd_port}\"\n"
                             f"  host_key: \"{host_key}\"\n  accounts:\n" +
                             "".join(f"    - {{ name: a{i}, key_file: {a.account_key} }}\n"
                                     for i in range(bulk_accounts)))
            rule_extra = rule_extra + bulk_rule()
        text = a.ssh_config_text(mode="approve", rule_extra=rule_extra, instance_name=name,
                                 extra_servers=extra_servers, listen_extra=listen_extra)
        text = text.replace(f'store: "sqlite:{a.dir}/gatehouse.db"', f'store: "{self.store}"')
        text = text.replace(f"127.0.0.1:{a.ssh_port}", f"127.0.0.1:{env.ssh_port}")
        text = text.replace(a.socket, env.socket)
        return text.replace("users:\n", f"audit:\n  log: {audit}\nmail:\n  smtp: \"{self.sink.url}\"\n"
                                        f"  from: gate@example.com\nusers:\n", 1)

    def start(self):
        for d in self.daemons:
            d.start(wait=False)
        for d in self.daemons:
            d.wait_ready(timeout=60)
        if any("proxy_protocol_from" in open(d.config_path).read() for d in self.daemons):
            self.haproxy = Haproxy(self.a.dir, {"ssh": ([d.ssh_port for d in self.daemons],
                                                        "send-proxy-v2")})
            self._cleanups.append(self.haproxy.close)

    # --- clients -------------------------------------------------------------------------
    def ssh_args(self, source="127.0.0.2", person="alice"):
        """ssh to web01 through haproxy from the loopback address `source`."""
        args = self.a.ssh_args(person, opts=("-b", source))
        args[args.index("-p") + 1] = str(self.haproxy.ports["ssh"])
        return args

    def ssh_popen(self, *command, source="127.0.0.2"):
        return subprocess.Popen(self.ssh_args(source) + list(command), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)

    def cli_json(self, i, *args):
        r = self.daemons[i].cli(*args, "--json")
        if r.returncode != 0:
            raise AssertionError(f"gatehouse {' '.join(args)} on {NAMES[i]}: {r.stderr}")
        return json.loads(r.stdout)

    def own_sessions(self, i):
        """Daemon i's own sessions (`sessions` lists every live node's: the others' arrive with
        their heartbeats, a few seconds late)."""
        node = self.cli_json(i, "status")["node"]
        return [s for s in self.cli_json(i, "sessions") if s["node"] == node]

    def holder(self, timeout=30):
        """The index of the one daemon with a held connection (waits for it)."""
        found = []

        def probe():
            found[:] = [i for i, d in enumerate(self.daemons)
                        if d.proc.poll() is None and
                        any(s["state"] == "held" for s in self.own_sessions(i))]
            return bool(found)
        wait_for(probe, timeout=timeout, what="a held connection on some daemon")
        assert len(found) == 1, found
        return found[0]

    # --- what they wrote -----------------------------------------------------------------
    def events(self, i, name=None):
        try:
            with open(self.audits[i]) as f:
                lines = [json.loads(line) for line in f if line.strip().endswith("}")]
        except FileNotFoundError:
            return []
        return [e for e in lines if name is None or e.get("event") == name]

    def all_events(self, name):
        return [e for i in range(3) for e in self.events(i, name)]

    def unsent_mail(self):
        """Mail still to send, counting the notices still owed (each becomes mail once told:
        a daemon killed between a commit and its mail leaves its notices to a survivor)."""
        return int(self.pg.sql("SELECT (SELECT COUNT(*) FROM mail_outbox WHERE sent_at IS NULL)"
                               " + (SELECT COUNT(*) FROM notices)", "gatehouse"))

    def logs(self):
        return "\n".join(f"--- {n}\n{d.log()[-4000:]}" for n, d in zip(NAMES, self.daemons))

    def close(self):
        errors = []
        for cleanup in reversed(self._cleanups):
            try:
                cleanup()
            except Exception as e:  # noqa: BLE001 - every part is closed, the first error told
                errors.append(e)
        self._cleanups = []
        if errors:
            raise errors[0]
