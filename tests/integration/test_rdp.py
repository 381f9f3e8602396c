"""The RDP gate end to end on loopback (SPEC "RDP"): routing tokens from `ssh alice@gate
rdp-file`, decisions, holds approved with `gatehouse approve`, refusals as RDP_NEG_FAILURE,
relaying, teardown at grant end and by `gatehouse kill`, garbage on the port.

FakeRdp cases use a small RDP-speaking echo server, so they check the bytes exactly; XrdpCase
runs the real xrdp 0.9 server and FreeRDP's xfreerdp client under Xvfb."""
import datetime
import os
import select
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from rdp_env import (FakeRdpServer, RdpEnv, connection_request, have_real_rdp,  # noqa: E402
                     negotiation_failure_code, read_tpkt, NEG_REQ_TLS)


class RdpCase(unittest.TestCase):
    mode = "approve"
    rule_extra = ""
    trust_cookie = False
    listener_extra = ""

    def setUp(self):
        self.env = RdpEnv()
        self.addCleanup(self.env.close)
        self.upstream_port = self.start_upstream()
        self.env.write_config(self.env.rdp_config_text(self.upstream_port, mode=self.mode,
                                                       rule_extra=self.rule_extra,
                                                       trust_cookie=self.trust_cookie,
                                                       listener_extra=self.listener_extra))
        self.env.start()

    def sessions(self):
        return [s for s in self.env.cli_json("sessions") if s.get("protocol") == "rdp"]

    def pending_request(self, timeout=10):
        found = []
        wait_for(lambda: found.extend(self.env.cli_json("requests", "--state", "pending")) or found,
                 timeout=timeout, what="a pending request")
        return found[0]

    def grant_ahead(self, duration=None):
        """A grant for alice on win01, obtained the way a person gets one: a held connection
        whose request bob approves. That first connection is closed again."""
        s = socket.create_connection(("127.0.0.1", self.env.rdp_port), timeout=10)
        s.sendall(connection_request(token=self.env.token()))
        req = self.pending_request()
        args = ["approve", str(req["id"]), "--as", "bob"]
        if duration:
            args += ["--duration", duration]
        r = self.env.cli(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        read_tpkt(s)
        s.close()
        wait_for(lambda: not self.sessions(), what="the first connection gone")
        if hasattr(self, "server"):
            self.server.requests.clear()
        return [r for r in self.env.cli_json("requests") if r["id"] == req["id"]][0]["grant_id"]

    def audit_events(self, name):
        return [line for line in self.env.log().splitlines() if name in line]


class FakeRdpCase(RdpCase):
    def start_upstream(self):
        self.server = FakeRdpServer()
        self.addCleanup(self.server.close)
        return self.server.port

    def connect(self, token=None, cookie=None):
        s = socket.create_connection(("127.0.0.1", self.env.rdp_port), timeout=10)
        self.addCleanup(s.close)
        s.sendall(connection_request(token=token, cookie=cookie))
        return s

    def assert_relays(self, s, size=300_000, confirm=True):
        if confirm:
            cc = read_tpkt(s)
            self.assertEqual(cc[5], 0xD0, cc)
            self.assertIsNone(negotiation_failure_code(cc))
        payload = os.urandom(size)
        s.sendall(payload)
        got = b""
        s.settimeout(10)
        while len(got) < size:
            chunk = s.recv(65536)
            self.assertTrue(chunk, "connection closed mid-echo")
            got += chunk
        self.assertEqual(got, payload)

    def assert_refused(self, s):
        confirm = read_tpkt(s, timeout=10)
        self.assertIsNotNone(negotiation_failure_code(confirm), confirm)
        s.settimeout(5)
        self.assertEqual(s.recv(10), b"", "the gate closes after a refusal")


class FakeRdp(FakeRdpCase):
    def test_rdp_file_names_the_gate_and_carries_a_token(self):
        r = self.env.rdp_file()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"full address:s:127.0.0.1:{self.env.rdp_port}\r\n", r.stdout)
        self.assertRegex(r.stdout, r"loadbalanceinfo:s:gh1~alice~win01~\d+~[0-9a-f]{16}~\S{43}\r\n")
        r = self.env.rdp_file(server="web01")
        self.assertEqual(r.returncode, 1)
        self.assertIn("reached over ssh", r.stderr)

    def test_connects_with_a_grant_and_forwards_the_request_without_the_token(self):
        token = self.env.token()
        grant = self.grant_ahead()
        s = self.connect(token=token)
        self.assert_relays(s)
        self.assertEqual(self.server.requests[-1], connection_request(neg=NEG_REQ_TLS))
        [live] = self.sessions()
        self.assertEqual((live["person"], live["server"], live["grant_id"], live["state"]),
                         ("alice", "win01", grant, "active"))
        self.assertGreaterEqual(live["bytes_in"], 300_000)
        table = self.env.cli("sessions").stdout
        self.assertIn(live["id"], table)
        self.assertIn("win01", table)
        self.assertNotIn("@win01", table, "an RDP target has no account")
        s.close()
        wait_for(lambda: not self.sessions(), what="session gone")
        wait_for(lambda: self.audit_events("session.end"), what="session.end")
        end = self.audit_events("session.end")[-1]
        self.assertIn("bytes_in", end)

    def test_a_request_filed_ahead_by_server_name_lets_the_client_in(self):
        r = self.env.cli("request", "win01", "--for", "alice", "--reason", "patching")
        self.assertEqual(r.returncode, 0, r.stderr)
        req = self.pending_request()
        self.assertEqual((req["server"], req["account"], req["protocol"]), ("win01", "", "rdp"))
        self.assertEqual(self.env.cli("approve", str(req["id"]), "--as", "bob").returncode, 0)
        self.assert_relays(self.connect(token=self.env.token()))
        r = self.env.cli("request", "web01", "--for", "alice", "--reason", "x")
        self.assertEqual(r.returncode, 2, "an ssh server needs ACCOUNT@SERVER")
        self.assertIn("ACCOUNT@SERVER", r.stderr)

    def test_refused_without_token_or_with_a_forged_one(self):
        self.assert_refused(self.connect())
        token = self.env.token()
        forged = token.replace("alice", "carol")
        self.assert_refused(self.connect(token=forged))
        self.assert_refused(self.connect(cookie="alice@win01"))  # cookies not trusted here
        self.assertEqual(self.server.requests, [])
        failures = self.audit_events("auth.failure")
        self.assertTrue(any("no routing token" in f for f in failures), failures)
        self.assertTrue(any("token bad signature" in f for f in failures), failures)

    def test_refused_when_no_rule_lets_the_person_in(self):
        self.assertIn("no rule lets alice reach win02\n", self.env.rdp_file(server="win02").stderr)
        token = self.env.signed_token("alice", "win02")
        self.assert_refused(self.connect(token=token))
        self.assertTrue(self.audit_events("access.denied"))
        self.assertEqual(self.server.requests, [])

    def test_held_then_approved_connects(self):
        token = self.env.token()
        s = self.connect(token=token)
        req = self.pending_request()
        self.assertEqual(req["justification"], "", "never a made-up reason")
        wait_for(lambda: [x for x in self.sessions() if x["state"] == "held"], what="held")
        time.sleep(1)
        self.assertEqual(self.server.requests, [], "nothing reaches the server while held")
        self.assertEqual(self.env.cli("approve", str(req["id"]), "--as", "bob").returncode, 0)
        self.assert_relays(s)

    def test_held_then_denied_is_refused(self):
        s = self.connect(token=self.env.token())
        req = self.pending_request()
        self.assertEqual(self.env.cli("deny", str(req["id"]), "--as", "bob").returncode, 0)
        self.assert_refused(s)

    def test_a_second_held_connection_reuses_the_open_request(self):
        token = self.env.token()
        a = self.connect(token=token)
        req = self.pending_request()
        b = self.connect(token=token)
        wait_for(lambda: len([x for x in self.sessions() if x["state"] == "held"]) == 2,
                 what="two held")
        self.assertEqual(len(self.env.cli_json("requests", "--state", "pending")), 1)
        self.assertEqual(self.env.cli("approve", str(req["id"]), "--as", "bob").returncode, 0)
        self.assert_relays(a)
        self.assert_relays(b)

    def test_grant_end_cuts_a_live_session_within_a_second(self):
        token = self.env.token()
        grant = self.grant_ahead(duration="4s")
        s = self.connect(token=token)
        self.assert_relays(s, size=1000)
        [g] = [g for g in self.env.cli_json("grants") if g["id"] == grant]
        end = datetime.datetime.fromisoformat(g["end"].replace("Z", "+00:00")).timestamp()
        s.settimeout(15)
        self.assertEqual(s.recv(10), b"")
        self.assertLess(time.time() - end, 1.0, "torn down within a second of the grant's end")
        wait_for(lambda: any("grant ended" in e for e in self.audit_events("session.end")),
                 what="session.end with the reason")

    def test_revoke_and_kill_tear_down(self):
        token = self.env.token()
        grant = self.grant_ahead()
        s = self.connect(token=token)
        self.assert_relays(s, size=1000)
        started = time.time()
        self.assertEqual(self.env.cli("revoke", str(grant), "--as", "bob").returncode, 0)
        s.settimeout(5)
        self.assertEqual(s.recv(10), b"")
        self.assertLess(time.time() - started, 1.5)
        self.grant_ahead()
        t = self.connect(token=token)
        self.assert_relays(t, size=1000)
        [live] = self.sessions()
        self.assertEqual(self.env.cli("kill", live["id"], "--as", "carol").returncode, 0)
        t.settimeout(5)
        self.assertEqual(t.recv(10), b"")
        wait_for(lambda: not self.sessions(), what="no sessions")

    def test_garbage_never_disturbs_a_live_session(self):
        token = self.env.token()
        self.grant_ahead()
        s = self.connect(token=token)
        self.assert_relays(s, size=1000)
        for junk in (b"GET / HTTP/1.1\r\n\r\n", b"\x03\x00\xff\xff" + b"A" * 300,
                     os.urandom(4096), b"\x03\x00", connection_request(token="x" * 200)):
            g = socket.create_connection(("127.0.0.1", self.env.rdp_port), timeout=5)
            try:
                g.sendall(junk)
            except OSError:
                pass
            g.close()
        idle = socket.create_connection(("127.0.0.1", self.env.rdp_port), timeout=15)
        self.addCleanup(idle.close)
        self.assert_relays(s, size=200_000, confirm=False)
        idle.settimeout(15)
        started = time.time()
        self.assertEqual(idle.recv(10), b"", "a silent client is dropped")
        self.assertLess(time.time() - started, 12)
        self.assertEqual(len(self.sessions()), 1)

    def test_silent_connections_are_capped_per_source(self):
        token = self.env.token()
        self.grant_ahead()
        s = self.connect(token=token)
        self.assert_relays(s, size=1000)
        idle = [socket.create_connection(("127.0.0.1", self.env.rdp_port), timeout=5)
                for _ in range(40)]
        time.sleep(1)
        readable, _, _ = select.select(idle, [], [], 0)
        closed = sum(c.recv(10) == b"" for c in readable)
        for c in idle:
            c.close()
        self.assertEqual(closed, 8, "32 silent connections per address wait; the rest are closed")
        self.assert_relays(s, size=100_000, confirm=False)

    def held(self):
        return [x for x in self.sessions() if x["state"] == "held"]

    def test_held_connections_are_capped_per_person(self):
        """200 connections of alice waiting for approval: 10 (listen.rdp.max_held_per_person's
        default, as for SSH) are held on her one request, the other 190 are refused with
        RDP_NEG_FAILURE and audited; a held place given back can be taken again."""
        token = self.env.token()
        held = [self.connect(token=token) for _ in range(10)]
        wait_for(lambda: len(self.held()) == 10, what="ten held connections")
        for _ in range(190):
            self.assert_refused(self.connect(token=token))
        self.assertEqual(len(self.held()), 10)
        self.assertEqual(len(self.env.cli_json("requests", "--state", "pending")), 1)
        denied = [e for e in self.audit_events("access.denied") if "hold_cap_reached" in e]
        self.assertEqual(len(denied), 190)
        self.assertIn("Too many connections of alice are waiting for approval (limit 10)",
                      denied[0])
        held[0].close()
        wait_for(lambda: len(self.held()) == 9, what="one held connection gone")
        self.connect(token=token)
        wait_for(lambda: len(self.held()) == 10, what="its place taken again")
        self.assertEqual(self.server.requests, [])

    def test_shutdown_refuses_a_held_connection(self):
        held = self.connect(token=self.env.token())
        self.pending_request()
        self.assertEqual(self.env.stop(), 0, self.env.log())
        self.assert_refused(held)


class JustifyAhead(FakeRdpCase):
    """A `justify` rule: an RDP client cannot be asked for a reason, so it is filed ahead with
    `ssh alice@gate rdp-file SERVER --reason …`; without one the connection is refused."""
    mode = "justify"

    def test_refused_without_a_reason_filed_ahead(self):
        self.assert_refused(self.connect(token=self.env.token()))
        wait_for(lambda: self.audit_events("access.denied"), what="access.denied")
        denied = self.audit_events("access.denied")[-1]
        self.assertIn("justification_missing", denied)
        self.assertIn("rdp-file win01 --reason", denied)
        self.assertEqual(self.env.cli_json("requests"), [], "nothing filed, no fixed text")
        self.assertEqual(self.server.requests, [])

    def test_the_reason_filed_with_the_rdp_file_lets_the_client_in(self):
        r = self.env.rdp_file("win01", "alice", "--reason", "patch tuesday")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("#", r.stderr)  # the request's line
        token = next(line.split("loadbalanceinfo:s:")[1].strip()
                     for line in r.stdout.splitlines() if line.startswith("loadbalanceinfo:s:"))
        [req] = self.env.cli_json("requests")
        self.assertEqual((req["justification"], req["state"], req["protocol"]),
                         ("patch tuesday", "approved", "rdp"))
        self.assert_relays(self.connect(token=token))
        [live] = self.sessions()
        self.assertEqual(live["grant_id"], req["grant_id"])  # the session carries that reason
        self.assertIn("patch tuesday", self.audit_events("request.created")[-1])


class TrustedCookie(FakeRdpCase):
    mode = "allow"
    trust_cookie = True

    def test_cookie_from_a_trusted_network_connects(self):
        s = self.connect(cookie="alice@win01")
        self.assert_relays(s, size=1000)
        self.assertIn(b"Cookie: mstshash=alice@win01\r\n", self.server.requests[-1])

    def test_shutdown_ends_a_live_session(self):
        s = self.connect(cookie="alice@win01")
        self.assert_relays(s, size=1000)
        self.assertEqual(self.env.stop(), 0, self.env.log())
        s.settimeout(5)
        self.assertEqual(s.recv(10), b"")
        self.assertTrue(any("shutting down" in e for e in self.audit_events("session.end")))


@unittest.skipUnless(os.getuid() == 0, "mounting a tmpfs needs root")
class HeldCapPerSource(FakeRdpCase):
    listener_extra = "max_held_per_person: 50, max_held_per_source: 4"

    def test_held_connections_are_capped_per_source_address(self):
        token = self.env.token()
        for _ in range(4):
            self.connect(token=token)
        wait_for(lambda: len([x for x in self.sessions() if x["state"] == "held"]) == 4,
                 what="four held connections")
        for _ in range(3):
            self.assert_refused(self.connect(token=token))
        denied = [e for e in self.audit_events("access.denied") if "hold_cap_reached" in e]
        self.assertEqual(len(denied), 3)
        self.assertIn("Too many connections from your address are waiting for approval",
                      denied[0])


class AuditLogFull(FakeRdpCase):
    """audit.on_write_failure: refuse (the default) turns new RDP sessions away while the
    audit log can't be written, and lets them in again once it can."""
    mode = "allow"
    trust_cookie = True

    def setUp(self):
        self.mount = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"gh-rdp-audit-{os.getpid()}")
        os.makedirs(self.mount, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", self.mount], check=True)
        self.addCleanup(os.rmdir, self.mount)
        self.addCleanup(subprocess.run, ["umount", self.mount])
        self.rule_extra = f"audit:\n  log: {self.mount}/audit.jsonl\n"
        super().setUp()

    def test_a_full_audit_log_refuses_new_sessions(self):
        self.assert_relays(self.connect(cookie="alice@win01"), size=1000)
        try:  # take every free block, then use up the room left in the log's last block
            with open(os.path.join(self.mount, "filler"), "wb") as f:
                while True:
                    f.write(b"\0" * 4096)
                    f.flush()
        except OSError:
            pass
        for _ in range(12):
            self.env.cli("reload")
        self.assert_refused(self.connect(cookie="alice@win01"))
        wait_for(lambda: "audit log unavailable" in self.env.log(), what="refusal logged")
        os.remove(os.path.join(self.mount, "filler"))
        self.env.cli("reload")  # a write succeeds again
        self.assert_relays(self.connect(cookie="alice@win01"), size=1000)


@unittest.skipUnless(have_real_rdp(), "xrdp, xfreerdp and Xvfb are needed")
class Xrdp(RdpCase):
    def start_upstream(self):
        return self.env.start_xrdp()

    def xrdp_established(self):
        return self.env.xrdp_log_text().count("TLS connection established")

    def test_xfreerdp_through_the_gate(self):
        token = self.env.token()
        # No grant: the hold ends in a denial -> the client reports a failure.
        proc = self.env.xfreerdp(f"/load-balance-info:{token}", "+auth-only", popen=True)
        req = self.pending_request(timeout=60)
        self.assertEqual(self.env.cli("deny", str(req["id"]), "--as", "bob").returncode, 0)
        out, _ = proc.communicate(timeout=120)
        self.assertNotEqual(proc.returncode, 0, out)
        self.assertIn("ERRCONNECT_SECURITY_NEGO_CONNECT_FAILED", out)
        self.assertEqual(self.xrdp_established(), 0)

        # Held, then approved: connects (TLS with xrdp through the gate).
        proc = self.env.xfreerdp(f"/load-balance-info:{token}", "+auth-only", popen=True)
        req = self.pending_request(timeout=60)
        time.sleep(2)
        self.assertEqual(self.env.cli("approve", str(req["id"]), "--as", "bob").returncode, 0)
        out, _ = proc.communicate(timeout=120)
        self.assertEqual(proc.returncode, 0, out + self.env.log())
        self.assertEqual(self.xrdp_established(), 1)
        grant = [r for r in self.env.cli_json("requests") if r["id"] == req["id"]][0]["grant_id"]

        # With the grant: connects at once; also from a generated .rdp file.
        r = self.env.xfreerdp(f"/load-balance-info:{token}", "+auth-only", timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rdp_file = os.path.join(self.env.dir, "win01.rdp")
        with open(rdp_file, "w") as f:
            f.write(self.env.rdp_file().stdout)
        r = subprocess.run(["xvfb-run", "-a", "xfreerdp", rdp_file, "/cert:ignore", "/sec:tls",
                            "/u:alice", "/p:x", "+auth-only"], capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(self.xrdp_established(), 3)
        self.assertEqual(self.env.cli("revoke", str(grant), "--as", "bob").returncode, 0)

        # A live full session on a short grant is cut when the grant ends.
        proc = self.env.xfreerdp(f"/load-balance-info:{token}", "/size:800x600", popen=True)
        try:
            req = self.pending_request(timeout=60)
            self.assertEqual(self.env.cli("approve", str(req["id"]), "--as", "bob",
                                          "--duration", "15s").returncode, 0)
            wait_for(lambda: [s for s in self.sessions() if s["state"] == "active"], timeout=60,
                     what="a live xfreerdp session")
            wait_for(lambda: self.xrdp_established() == 4, timeout=60, what="TLS to xrdp")
            proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, 9)
        wait_for(lambda: any("grant ended" in e for e in self.audit_events("session.end")),
                 what="session.end at grant end")
        self.assertEqual(self.sessions(), [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
