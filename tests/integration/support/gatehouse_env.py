"""A throwaway Gatehouse environment for integration tests: a temp directory with generated
keys and config, the real gatehoused started on loopback, and the real gatehouse CLI.

Every port is bound on 127.0.0.1 and chosen free by the kernel; everything is removed at
the end. Binaries come from GATEHOUSE_BIN_DIR (set by CTest).

A suite that hangs is killed by CTest at its TIMEOUT with only what it had printed: when CTest
passes that timeout (GATEHOUSE_TEST_TIMEOUT, seconds), every thread's Python stack is written
to stderr 30 s before it, so the log shows where the suite waited."""
import faulthandler
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time

if os.environ.get("GATEHOUSE_TEST_TIMEOUT"):
    faulthandler.dump_traceback_later(max(1.0, float(os.environ["GATEHOUSE_TEST_TIMEOUT"]) - 30))

BIN_DIR = os.environ.get("GATEHOUSE_BIN_DIR", os.path.join(os.getcwd(), "build"))
GATEHOUSED = os.path.join(BIN_DIR, "daemon", "gatehoused")
GATEHOUSE = os.path.join(BIN_DIR, "cli", "gatehouse")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ssh_keygen(path, kind="ed25519"):
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", os.path.basename(path),
                    "-f", path], check=True)
    with open(path + ".pub") as f:
        return f.read().strip()



def quick_rule(pending_timeout="2s"):
    """A rule of alice's for web02 whose requests expire after `pending_timeout` and whose
    grants last 3 s by default: for tests that watch requests expire and grants end. Text to
    put under `rules:` (indented by two spaces)."""
    return textwrap.indent(textwrap.dedent(f"""\
          - name: quick
            users: [alice]
            servers: [web02]
            accounts: ["*"]
            mode: approve
            approvers: [bob]
            default_duration: 3s
            max_duration: 1h
            pending_timeout: {pending_timeout}
        """), "  ")

def with_workers(text):
    """The configuration with `workers: N` added when GATEHOUSE_TEST_WORKERS=N is set and it
    names none itself: the suites run alike on one io thread and on several (issue 20). Added at
    the end, so the positions of everything else stay where the test expects them."""
    workers = os.environ.get("GATEHOUSE_TEST_WORKERS")
    if not workers or re.search(r"^workers:", text, re.M):
        return text
    return text.rstrip("\n") + f"\nworkers: {workers}\n"


class Env:
    """One daemon's directory: keys, config, store, socket."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="gatehouse-test-")
        self.socket = os.path.join(self.dir, "admin.sock")
        self.config_path = os.path.join(self.dir, "gatehouse.yaml")
        self.log_path = os.path.join(self.dir, "gatehoused.log")
        self.ssh_port = free_port()
        self.host_key = os.path.join(self.dir, "host_ed25519")
        ssh_keygen(self.host_key)
        self.keys = {}
        for person in ("alice", "bob", "carol"):
            self.keys[person] = ssh_keygen(os.path.join(self.dir, person))
        self.account_key = os.path.join(self.dir, "web01_root")
        ssh_keygen(self.account_key)
        self.upstream_host_key = ssh_keygen(os.path.join(self.dir, "upstream_host"))
        self.proc = None
        self._log = None

    def config_text(self, instance_name="test-gate", extra_rules=""):
        return textwrap.dedent(f"""\
            instance_name: {instance_name}
            store: "sqlite:{self.dir}/gatehouse.db"
            listen:
              ssh: {{ address: "127.0.0.1:{self.ssh_port}", host_keys: [{self.host_key}] }}
              admin: {{ socket: {self.socket} }}
            users:
              - name: alice
                email: alice@example.com
                ssh_keys: ["{self.keys['alice']}"]
                groups: [developers]
              - name: bob
                email: bob@example.com
                ssh_keys: ["{self.keys['bob']}"]
                groups: [managers]
              - name: carol
                email: carol@example.com
                ssh_keys: ["{self.keys['carol']}"]
                groups: [managers]
            groups:
              - name: developers
                managers: [bob]
              - name: managers
            servers:
              - name: web01
                protocol: ssh
                address: "127.0.0.1:{free_port()}"
                host_key: "{' '.join(self.upstream_host_key.split()[:2])}"
                accounts:
                  - {{ name: root, key_file: {self.account_key} }}
            rules:
              - name: web-needs-approval
                users: ["group:developers"]
                servers: [web01]
                accounts: ["*"]
                mode: approve
                approvers: [manager, carol]
                condition: any
            """) + extra_rules

    def write_config(self, text=None):
        with open(self.config_path, "w") as f:
            f.write(with_workers(text if text is not None else self.config_text()))

    def start(self, wait=True, extra_args=()):
        if self._log:
            self._log.close()
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([GATEHOUSED, "-c", self.config_path, *extra_args],
                                     stdout=self._log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self.proc

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"gatehoused exited with {self.proc.returncode}:\n{self.log()}")
            if os.path.exists(self.socket) and self.cli("status").returncode == 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"gatehoused not ready after {timeout}s:\n{self.log()}")

    def cli_args(self, *args):
        """The argv of a `gatehouse` call (args may be bytes, for text that is not UTF-8)."""
        return [GATEHOUSE, "--socket", self.socket, *args]

    def cli_json(self, *args):
        """`gatehouse ARGS --json`, parsed; AssertionError with its stderr when it fails."""
        r = self.cli(*args, "--json")
        if r.returncode != 0:
            raise AssertionError(f"gatehouse {' '.join(map(str, args))}: {r.stderr}")
        return json.loads(r.stdout)

    def cli(self, *args, check=False):
        return subprocess.run(self.cli_args(*args), capture_output=True, text=True, timeout=30,
                              check=check)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def signal(self, signo):
        self.proc.send_signal(signo)

    def stop(self, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        return self.proc.returncode if self.proc else None

    def close(self):
        # socket_watch logs this when a connection kept watching an fd libssh had closed.
        log = self.log()
        missed_sync = "(missed sync)" in log
        # A Tsan build (scripts/tsan) that reported a race and was not stopped by it.
        race = "WARNING: ThreadSanitizer" in log
        try:
            if self.proc and self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
        finally:
            if self._log:
                self._log.close()
            if os.environ.get("GATEHOUSE_TEST_KEEP"):  # to read the daemon's log after a run
                print(f"kept {self.dir}", file=sys.stderr)
            else:
                shutil.rmtree(self.dir, ignore_errors=True)
        if missed_sync:
            raise AssertionError("the daemon watched a closed descriptor (missed sync)")
        if race:
            raise AssertionError("ThreadSanitizer reported a race in the daemon's log")


def audit_events(path, name):
    """The events called `name` in the audit log at `path` (none while it does not exist)."""
    try:
        with open(path) as f:
            return [e for e in (json.loads(line) for line in f if line.strip())
                    if e.get("event") == name]
    except FileNotFoundError:
        return []


def wait_for(predicate, timeout=10, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")
