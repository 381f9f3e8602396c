"""The PROXY protocol on the listeners, behind a real haproxy in TCP mode (`send-proxy-v2`, and
`send-proxy` for version 1) started on loopback with a generated config: the gate sees people,
not the balancer. Clients use other loopback addresses as their source (ssh -b 127.0.0.2), so
the gate can only tell them apart by the header haproxy sends (SPEC "listen":
proxy_protocol_from; issue 16)."""
import json
import os
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import wait_for  # noqa: E402
from haproxy_env import Haproxy  # noqa: E402
from rdp_env import (FakeRdpServer, RdpEnv, connection_request,  # noqa: E402
                     negotiation_failure_code, read_tpkt)
from web_env import WebEnv  # noqa: E402

BALANCER = "127.0.0.1/32"  # haproxy connects to the gate from 127.0.0.1


def received(s):
    """What the gate sent before it closed `s` (a reset, when it closed with our bytes unread,
    counts as nothing sent)."""
    data = b""
    try:
        while chunk := s.recv(4096):
            data += chunk
    except ConnectionResetError:
        pass
    return data


class BehindHaproxy(unittest.TestCase):
    def setUp(self):
        self.env = WebEnv()
        self.addCleanup(self.env.close)
        self.env.start_sshd()
        self.audit_log, _ = self.env.audit_paths()

    def start(self, ssh_extra="", http=False):
        ssh_extra = f'proxy_protocol_from: ["{BALANCER}"]' + (", " + ssh_extra if ssh_extra else "")
        if http:
            text = self.env.web_config_text(listen_extra=ssh_extra,
                                            http_extra=f'proxy_protocol_from: ["{BALANCER}"]')
        else:
            text = self.env.ssh_config_text(listen_extra=ssh_extra)
        self.env.write_config(WebEnv.with_audit(text, self.audit_log))
        self.env.start()
        frontends = {"ssh": (self.env.ssh_port, "send-proxy-v2"),
                     "ssh_v1": (self.env.ssh_port, "send-proxy")}
        if http:
            frontends.update({"https": (self.env.http_port, "send-proxy-v2"),
                              "https_v1": (self.env.http_port, "send-proxy")})
        self.haproxy = Haproxy(self.env.dir, frontends)
        self.addCleanup(self.haproxy.close)

    def ssh_through(self, source, *command, frontend="ssh", timeout=60):
        args = self.env.ssh_args(opts=("-b", source))
        args[args.index("-p") + 1] = str(self.haproxy.ports[frontend])
        return subprocess.run(args + list(command), capture_output=True, timeout=timeout)

    def audit_events(self):
        with open(self.audit_log) as f:
            return [json.loads(line) for line in f if line.strip()]

    def clients_of(self, event_type):
        return [e.get("client", "") for e in self.audit_events() if e.get("event") == event_type]

    def test_ssh_through_haproxy_is_audited_with_the_real_client(self):
        self.start()
        r = self.ssh_through("127.0.0.2", "echo", "through-v2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"through-v2\n")
        r = self.ssh_through("127.0.0.4", "echo", "through-v1", frontend="ssh_v1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"through-v1\n")
        wait_for(lambda: len(self.clients_of("session.end")) >= 2, what="both sessions ended")
        starts = self.clients_of("session.start")
        self.assertEqual([c.rsplit(":", 1)[0] for c in starts], ["127.0.0.2", "127.0.0.4"],
                         starts)
        self.assertNotIn("127.0.0.1:", json.dumps(self.audit_events()))

    def test_a_flood_from_one_client_does_not_lock_out_another(self):
        # The case: 300 garbage and stalled connections from one address; here they
        # come through the same balancer as the person's own, and the per-source cap on
        # unauthenticated connections (32) counts them against 127.0.0.3 alone.
        self.start()
        flood = []
        for i in range(300):
            s = self.haproxy.connect("ssh", "127.0.0.3")
            if i % 2:
                s.sendall(os.urandom(300))
            flood.append(s)
        self.addCleanup(lambda: [s.close() for s in flood])
        wait_for(lambda: "refused 127.0.0.3:" in self.env.log(), what="127.0.0.3 capped")
        for _ in range(3):
            r = self.ssh_through("127.0.0.2", "echo", "still-in")
            self.assertEqual(r.stdout, b"still-in\n", r.stderr)
        self.assertIn("too many unauthenticated connections", self.env.log())
        self.assertNotIn("refused 127.0.0.2:", self.env.log())
        self.assertNotIn("refused 127.0.0.1:", self.env.log())

    def test_the_balancers_network_must_send_a_header(self):
        self.start()
        # Straight from 127.0.0.1 (the balancer's address) without a header: closed, never
        # handed to SSH, logged.
        with socket.create_connection(("127.0.0.1", self.env.ssh_port), timeout=10) as s:
            s.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            self.assertEqual(received(s), b"")
        wait_for(lambda: "no valid PROXY header (not a PROXY protocol header)" in self.env.log(),
                 what="the refusal logged")
        # One that sends nothing is dropped after 5 s.
        t = time.time()
        with socket.create_connection(("127.0.0.1", self.env.ssh_port), timeout=30) as s:
            self.assertEqual(received(s), b"")
        self.assertGreater(time.time() - t, 4)
        self.assertLess(time.time() - t, 15)
        self.assertIn("no PROXY header within 5 s", self.env.log())

    def test_a_header_from_elsewhere_is_not_believed(self):
        self.start()
        # 127.0.0.5 is no balancer: its "header" is SSH's problem, and the gate never takes
        # the address it claims.
        with socket.create_connection(("127.0.0.1", self.env.ssh_port), timeout=10,
                                      source_address=("127.0.0.5", 0)) as s:
            s.sendall(b"PROXY TCP4 10.9.9.9 127.0.0.1 4444 2222\r\nSSH-2.0-OpenSSH_9.2\r\n")
            s.settimeout(15)
            received(s)  # SSH's banner, unless the reset for our unread bytes dropped it
        wait_for(lambda: "127.0.0.5:" in self.env.log(), what="SSH refusing 127.0.0.5")
        log = self.env.log()
        # SSH fails it as the client 127.0.0.5 (libssh's reason varies with timing: the banner
        # it could not use, or the connection gone).
        self.assertRegex(log, r"closing \(key_exchange\) 127\.0\.0\.5:\d+ key exchange failed")
        self.assertNotIn("10.9.9.9:4444", log)  # never anyone's peer
        with open(self.audit_log) as f:
            self.assertNotIn("10.9.9.9", f.read())
        self.assertNotIn("PROXY header", log)

    def test_https_through_haproxy(self):
        self.start(http=True)
        for frontend in ("https", "https_v1"):
            reply = self.env.get("/healthz", source="127.0.0.2", port=self.haproxy.ports[frontend])
            self.assertEqual(reply.status, 200, frontend)
        # Straight from the balancer's address, the TLS handshake finds the connection closed.
        with self.assertRaises((ConnectionError, OSError)):
            self.env.get("/healthz")
        wait_for(lambda: "http listener: closing 127.0.0.1:" in self.env.log(),
                 what="the refusal logged")
        metrics = self.env.get("/metrics", source="127.0.0.2", port=self.haproxy.ports["https"])
        self.assertIn('gatehouse_connections_refused_total{instance="test-gate",protocol="http",'
                      'reason="no valid PROXY header"} 1\n', metrics.body)


class RdpBehindHaproxy(unittest.TestCase):
    """RDP's decisions by address use the real client too: mstshash cookies are trusted here
    from 127.0.0.2 alone, and both clients come through the same balancer."""

    def setUp(self):
        self.env = RdpEnv()
        self.addCleanup(self.env.close)
        self.server = FakeRdpServer()
        self.addCleanup(self.server.close)
        text = self.env.rdp_config_text(self.server.port, mode="allow", trust_cookie=True,
                                        listener_extra=f'proxy_protocol_from: ["{BALANCER}"]')
        text = text.replace('trusted_networks: ["127.0.0.0/8"]', 'trusted_networks: ["127.0.0.2"]')
        self.env.write_config(text)
        self.env.start()
        self.haproxy = Haproxy(self.env.dir, {"rdp": (self.env.rdp_port, "send-proxy-v2")})
        self.addCleanup(self.haproxy.close)

    def test_a_cookie_is_trusted_by_the_real_clients_address(self):
        s = self.haproxy.connect("rdp", "127.0.0.2")
        self.addCleanup(s.close)
        s.sendall(connection_request(cookie="alice@win01"))
        confirm = read_tpkt(s)
        self.assertEqual(confirm[5], 0xD0, confirm)
        self.assertIsNone(negotiation_failure_code(confirm))
        s.sendall(b"relayed whole")
        got = b""
        while len(got) < 13:
            chunk = s.recv(64)
            self.assertTrue(chunk, "closed mid-echo")
            got += chunk
        self.assertEqual(got, b"relayed whole")
        self.assertIn(b"Cookie: mstshash=alice@win01\r\n", self.server.requests[-1])

        other = self.haproxy.connect("rdp", "127.0.0.3")
        self.addCleanup(other.close)
        other.sendall(connection_request(cookie="alice@win01"))
        self.assertIsNotNone(negotiation_failure_code(read_tpkt(other)))
        wait_for(lambda: "mstshash cookie from an untrusted network" in self.env.log(),
                 what="the refusal audited")
        refusal = next(line for line in self.env.log().splitlines()
                       if "mstshash cookie from an untrusted network" in line)
        self.assertIn("127.0.0.3:", refusal)
        self.assertEqual(len(self.server.requests), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
