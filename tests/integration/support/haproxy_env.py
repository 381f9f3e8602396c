"""A real haproxy (Debian's package) in TCP mode in front of a gatehoused listener on loopback,
sending the PROXY protocol header (`send-proxy-v2`, or `send-proxy` for version 1) on every
connection it passes on. Started by the test with a generated config in the test's directory;
it connects to the gate from 127.0.0.1, so the gate must list 127.0.0.1 in
proxy_protocol_from to believe it."""
import os
import socket
import subprocess
import textwrap

from gatehouse_env import free_port, wait_for

HAPROXY = "/usr/sbin/haproxy"


class Haproxy:
    """frontends: {name: (gate_port, "send-proxy-v2" | "send-proxy")}; each gets a free port on
    127.0.0.1 (self.ports[name]). gate_port may be a list of ports: the frontend then spreads
    its connections over those gates in turn (balance roundrobin)."""

    def __init__(self, directory, frontends):
        self.dir = directory
        self.ports = {name: free_port() for name in frontends}
        self.config_path = os.path.join(directory, "haproxy.cfg")
        self.log_path = os.path.join(directory, "haproxy.log")
        sections = ""
        for name, (gate_ports, send) in frontends.items():
            if isinstance(gate_ports, int):
                gate_ports = [gate_ports]
            servers = "".join(f"  server gate{i} 127.0.0.1:{port} {send}\n"
                              for i, port in enumerate(gate_ports))
            sections += textwrap.dedent(f"""\
                frontend {name}_in
                  bind 127.0.0.1:{self.ports[name]}
                  default_backend {name}_gate
                backend {name}_gate
                  balance roundrobin
                """) + servers
        with open(self.config_path, "w") as f:
            f.write(textwrap.dedent("""\
                global
                  maxconn 4000
                defaults
                  mode tcp
                  timeout connect 5s
                  timeout client 120s
                  timeout server 120s
                """) + sections)
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([HAPROXY, "-db", "-f", self.config_path],
                                     stdout=self._log, stderr=subprocess.STDOUT)
        for port in self.ports.values():
            wait_for(lambda p=port: self._listening(p), timeout=10, what="haproxy listening")

    def _listening(self, port):
        if self.proc.poll() is not None:
            raise AssertionError(f"haproxy exited with {self.proc.returncode}:\n{self.log()}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    def log(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def connect(self, name, source, timeout=10):
        """A raw TCP connection to frontend `name` from the loopback address `source`."""
        s = socket.socket()
        s.settimeout(timeout)
        s.bind((source, 0))
        s.connect(("127.0.0.1", self.ports[name]))
        return s

    def close(self):
        try:
            if self.proc.poll() is None:
                self.proc.terminate()
                self.proc.wait(10)
        finally:
            self._log.close()
