"""The SSH gate through the real gatehoused: who gets in, who is held, and how a held
connection ends. A real sshd is the target; decisions are made with the real `gatehouse` CLI
(SPEC "SSH", "Decisions and requests")."""
import json
import os
import select
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import ssh_keygen, wait_for  # noqa: E402
from pty_client import PtyClient  # noqa: E402
from ssh_env import SshEnv  # noqa: E402


class GateCase(unittest.TestCase):
    mode = "allow"
    rule_extra = ""

    def setUp(self):
        self.env = SshEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()

    def start(self, mode=None, rule_extra=None, **kw):
        self.env.write_config(self.env.ssh_config_text(
            mode=mode or self.mode, rule_extra=rule_extra if rule_extra is not None else
            self.rule_extra, **kw))
        self.env.start()

    def pending_request(self, timeout=15):
        found = []

        def probe():
            reqs = [r for r in self.env.cli_json("requests") if r["state"] == "pending"]
            found[:] = reqs
            return bool(reqs)
        wait_for(probe, timeout=timeout, what="a pending request")
        return found[0]

    def sessions(self):
        return self.env.cli_json("sessions")

    def finish(self, proc, timeout=30):
        out, err = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace")


class Admission(GateCase):
    def test_unknown_key_is_refused(self):
        self.start()
        # bob's key offered as alice
        args = self.env.ssh_args()
        args[args.index("-i") + 1] = os.path.join(self.env.dir, "bob")
        r = subprocess.run(args + ["true"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"Permission denied (publickey)", r.stderr)
        wait_for(lambda: "auth.failure" in self.env.log(), what="auth.failure event")

    def test_unknown_person_is_refused(self):
        self.start()
        stranger = os.path.join(self.env.dir, "mallory")
        ssh_keygen(stranger)
        args = self.env.ssh_args(person="mallory")
        r = subprocess.run(args + ["true"], capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"Permission denied (publickey)", r.stderr)

    def test_unknown_server_is_told(self):
        self.start()
        r = self.env.ssh("true", target=f"{self.env.account}@web99")
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"unknown server 'web99'", r.stderr)

    def test_unknown_account_is_told(self):
        self.start()
        r = self.env.ssh("true", target="nobody@web01")
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"web01 has no account 'nobody'", r.stderr)

    def test_single_account_short_form(self):
        self.start()
        r = self.env.ssh("echo short", target="web01")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"short\n")

    def test_wrong_upstream_host_key_is_refused(self):
        other = ssh_keygen(os.path.join(self.env.dir, "impostor"))
        self.start(host_key=" ".join(other.split()[:2]))
        r = self.env.ssh("true")
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"does not match its pinned key", r.stderr)
        wait_for(lambda: "hostkey.mismatch" in self.env.log(), what="hostkey.mismatch event")

    def test_fingerprint_pin_is_accepted(self):
        fp = subprocess.run(["ssh-keygen", "-lf", self.env.dir + "/upstream_host.pub", "-E",
                             "sha256"], capture_output=True, text=True).stdout.split()[1]
        self.start(host_key=fp)
        r = self.env.ssh("echo pinned")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_unreachable_server_is_told(self):
        self.env.sshd_port = 1  # nothing listens on 127.0.0.1:1
        self.start()
        r = self.env.ssh("true")
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"cannot reach web01: Connection refused", r.stderr)

    def test_port_forwarding_when_the_rule_allows_it(self):
        self.start(rule_extra="    allow_port_forwarding: true\n")
        r = self.env.ssh(opts=("-W", f"127.0.0.1:{self.env.sshd_port}"), input=b"", timeout=30)
        self.assertTrue(r.stdout.startswith(b"SSH-2.0-OpenSSH"), r.stdout + r.stderr)
        wait_for(lambda: "forward.open" in self.env.log(), what="forward.open event")

    def test_deny_rule(self):
        self.start(mode="deny")
        r = self.env.ssh("true")
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"denied", r.stderr)

    def test_garbage_is_disconnected(self):
        self.start()
        import socket
        with socket.create_connection(("127.0.0.1", self.env.ssh_port), timeout=10) as s:
            banner = s.recv(100)
            self.assertTrue(banner.startswith(b"SSH-2.0-"), banner)
            s.sendall(b"GET / HTTP/1.0\r\n\r\n" * 10)
            s.settimeout(10)
            rest = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                rest += chunk
        self.assertEqual(self.sessions(), [])


class Hold(GateCase):
    mode = "approve"
    rule_extra = ""

    def test_hold_then_approve_proceeds(self):
        self.start(rule_extra="    hold_timeout: 2m\n")
        proc = self.env.ssh_popen("echo approved-and-in",
                                  opts=("-o", "ServerAliveInterval=2", "-o",
                                        "ServerAliveCountMax=3"))
        req = self.pending_request()
        held = [s for s in self.sessions() if s["state"] == "held"]
        self.assertEqual(len(held), 1)
        time.sleep(8)  # longer than ServerAlive 2x3: the IGNOREs keep the client waiting
        r = self.env.cli("approve", str(req["id"]), "--as", "bob", "--comment", "ok")
        self.assertEqual(r.returncode, 0, r.stderr)
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 0, err + self.env.log())
        self.assertEqual(out, "approved-and-in\n")
        self.assertIn(f"Request #{req['id']} is waiting for approval by bob, carol", err)

    def test_hold_then_deny_says_why(self):
        self.start()
        proc = self.env.ssh_popen("true")
        req = self.pending_request()
        r = self.env.cli("deny", str(req["id"]), "--as", "bob", "--comment", "not today")
        self.assertEqual(r.returncode, 0, r.stderr)
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 255)
        self.assertIn(f"Request #{req['id']} denied by bob: not today", err)

    def test_hold_timeout(self):
        self.start(rule_extra="    hold_timeout: 3s\n")
        t = time.time()
        proc = self.env.ssh_popen("true")
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 255)
        self.assertIn("timed out", err)
        self.assertLess(time.time() - t, 15)
        reqs = self.env.cli_json("requests")
        self.assertEqual(reqs[0]["state"], "pending", "the request stays pending")

    def test_request_expiring_while_held(self):
        self.start(rule_extra="    pending_timeout: 3s\n    hold_timeout: 1m\n")
        t = time.time()
        proc = self.env.ssh_popen("true")
        req = self.pending_request()
        rc, out, err = self.finish(proc)
        self.assertEqual(rc, 255)
        self.assertIn(f"Request #{req['id']} expired without a decision", err)
        self.assertLess(time.time() - t, 20)

    def test_client_leaving_releases_the_hold(self):
        self.start()
        proc = self.env.ssh_popen("true")
        self.pending_request()
        proc.kill()
        proc.wait()
        wait_for(lambda: self.sessions() == [], timeout=10, what="held connection gone")

    def test_revoke_tears_down_within_a_second(self):
        self.start()
        proc = self.env.ssh_popen("sleep 60")
        req = self.pending_request()
        self.assertEqual(self.env.cli("approve", str(req["id"]), "--as", "bob").returncode, 0)
        wait_for(lambda: any(s["state"] == "active" for s in self.sessions()), timeout=15,
                 what="active session")
        grant = self.env.cli_json("requests")[0]["grant_id"]
        t = time.time()
        r = self.env.cli("revoke", str(grant), "--as", "carol")
        self.assertEqual(r.returncode, 0, r.stderr)
        rc, out, err = self.finish(proc, timeout=10)
        self.assertLess(time.time() - t, 1.5)
        self.assertIn(f"Access grant #{grant} for {self.env.account}@web01 revoked by carol", err)

    def test_grant_end_closes_the_session(self):
        self.start()
        proc = self.env.ssh_popen("sleep 60")
        req = self.pending_request()
        self.assertEqual(self.env.cli("approve", str(req["id"]), "--as", "bob", "--duration",
                                      "4s").returncode, 0)
        rc, out, err = self.finish(proc, timeout=20)
        self.assertEqual(rc, 255)
        grant = self.env.cli_json("requests")[0]["grant_id"]
        self.assertRegex(err, rf"Access grant #{grant} for {self.env.account}@web01 ended at "
                              r"\d\d:\d\d UTC")

    def test_warning_before_the_grant_ends(self):
        self.start()
        proc = self.env.ssh_popen("sleep 60")
        req = self.pending_request()
        self.assertEqual(self.env.cli("approve", str(req["id"]), "--as", "bob", "--duration",
                                      "63s").returncode, 0)
        time.sleep(5)
        grant = self.env.cli_json("requests")[0]["grant_id"]
        self.assertEqual(self.env.cli("revoke", str(grant), "--as", "bob").returncode, 0)
        rc, out, err = self.finish(proc, timeout=20)
        self.assertIn(f"[gatehouse] Access grant #{grant} for {self.env.account}@web01 ends in "
                      "1 minute", err)

    def test_warning_five_minutes_before_the_grant_ends(self):
        # A grant of 5 min 3 s: the 5-minute warning is due 3 s after the session starts.
        self.start()
        proc = self.env.ssh_popen("sleep 60")
        req = self.pending_request()
        self.assertEqual(self.env.cli("approve", str(req["id"]), "--as", "bob", "--duration",
                                      "303s").returncode, 0)
        grant = self.env.cli_json("requests")[0]["grant_id"]
        want = (f"[gatehouse] Access grant #{grant} for {self.env.account}@web01 ends in "
                "5 minutes").encode()
        err = b""
        deadline = time.time() + 30
        while want not in err and time.time() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 1)
            if ready:
                chunk = os.read(proc.stderr.fileno(), 4096)
                if not chunk:
                    break
                err += chunk
        self.assertIn(want, err)
        self.assertIsNone(proc.poll(), "the session goes on after the warning")
        self.assertEqual(self.env.cli("revoke", str(grant), "--as", "bob").returncode, 0)
        proc.communicate(timeout=20)

    def test_kill_session(self):
        self.start(mode="allow")
        proc = self.env.ssh_popen("sleep 60")
        wait_for(lambda: any(s["state"] == "active" for s in self.sessions()), timeout=15,
                 what="active session")
        sid = self.sessions()[0]["id"]
        self.assertEqual(self.env.cli("kill", sid).returncode, 0)
        rc, out, err = self.finish(proc, timeout=10)
        self.assertEqual(rc, 255)
        self.assertIn(f"Session {sid} ended by", err)


class Justify(GateCase):
    mode = "justify"

    def test_batch_client_is_told_how_to_file_ahead(self):
        self.start()
        r = self.env.ssh("true")
        self.assertEqual(r.returncode, 255)
        self.assertIn(b"needs a justification", r.stderr)
        self.assertIn(f"request {self.env.account}@web01 --reason".encode(), r.stderr)

    def test_file_ahead_then_connect(self):
        self.start()
        r = self.env.ssh("request", f"{self.env.account}@web01", "--reason", "fix the disk",
                         target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.env.ssh("echo justified")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"justified\n")
        reqs = self.env.cli_json("requests")
        self.assertEqual(reqs[0]["justification"], "fix the disk")


class JustifyInteractive(GateCase):
    mode = "justify"

    def test_prompt_then_connect(self):
        self.start()
        args = self.env.ssh_args(batch=False, opts=("-o", "PreferredAuthentications=publickey,"
                                                    "keyboard-interactive"))
        client = PtyClient(args + ["echo", "justified-in"])
        client.expect(f"Justification for {self.env.account}@web01: ")
        client.send("incident 42\n")
        rc, out = client.finish()
        self.assertIn("justified-in", out)
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.env.cli_json("requests")[0]["justification"], "incident 42")


class OwnView(GateCase):
    mode = "approve"

    def test_own_view_and_approval_over_ssh(self):
        self.start()
        r = self.env.ssh(target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"Gatehouse: alice", r.stdout)
        r = self.env.ssh("request", f"{self.env.account}@web01", "--reason", "deploy",
                         target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        req = self.pending_request()
        r = self.env.ssh(target="", person="bob")
        self.assertIn(f"#{req['id']}".encode(), r.stdout)
        r = self.env.ssh("approve", str(req["id"]), "--comment", "go", target="", person="bob")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.env.ssh("echo in")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.env.ssh("approve", str(req["id"]), target="", person="bob")
        self.assertEqual(r.returncode, 1)

    def test_filing_is_limited_per_person(self):
        """A request/cancel loop: 100 requests filed by alice within a minute; 20 are filed, the
        other 80 are refused with a reason, and so are `ssh alice@gate request` and a held
        login until ten minutes have passed. The administrator is not limited."""
        self.start()
        target = f"{self.env.account}@web01"
        limit = "too many requests: alice may file 20 within 10m; try again later"
        started, filed, refused = time.time(), 0, []
        for _ in range(100):
            r = self.env.cli("request", target, "--for", "alice", "--as", "alice",
                             "--reason", "loop", "--json")
            if r.returncode == 0:
                filed += 1
                rid = str(json.loads(r.stdout)["id"])
                self.assertEqual(self.env.cli("cancel", rid, "--as", "alice").returncode, 0)
            else:
                refused.append((r.returncode, r.stderr.strip()))
        self.assertLess(time.time() - started, 60)
        self.assertEqual(filed, 20)
        self.assertEqual(refused, [(1, "gatehouse: " + limit)] * 80)
        r = self.env.ssh("request", target, "--reason", "once more", target="")
        self.assertEqual(r.returncode, 1)
        self.assertIn(limit.encode(), r.stderr)
        r = self.env.ssh("echo in")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(limit.encode(), r.stderr)
        self.assertEqual(self.env.cli_json("requests", "--state", "pending"), [])
        r = self.env.cli("request", target, "--for", "alice", "--reason", "by the operator")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_emergency_filed_ahead_lets_in_at_once(self):
        self.start(rule_extra="    emergency: true\n")
        r = self.env.ssh("request", f"{self.env.account}@web01", "--reason", "outage",
                         "--emergency", target="")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.env.ssh("echo break-glass")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"break-glass\n")


if __name__ == "__main__":
    unittest.main(verbosity=2)
