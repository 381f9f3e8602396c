"""The servers of the HTTP benchmarks (bench/http/http_bench.py), all on 127.0.0.1 high ports.

Owns: one temp directory with the certificate (the gate's and nginx's, for 127.0.0.1 and
*.apps.gate.test), the fixed upstream (nginx, `worker_processes 1`, serving a small file and a
sparse 1 GiB file), the reference TLS reverse proxy (nginx, `worker_processes 1`, the gate's TLS
versions and TLS 1.2 suites, keep-alive to the upstream) and the gate (the real gatehoused from
the given build, as tests/integration/test_http_apps.py sets it up, with the aiohttp app of
tests/apps/upstream_app.py as the WebSocket upstream). Processes are started and stopped by
this module only; nothing is shared between threads."""
import os
import shutil
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
SUPPORT = os.path.join(ROOT, "tests", "integration", "support")
sys.path.insert(0, SUPPORT)
from process_memory import rss_kib  # noqa: E402,F401  (websocket_bench reads it from here)
UPSTREAM_APP = os.path.join(ROOT, "tests", "apps", "upstream_app.py")
NGINX = "/usr/sbin/nginx"
DOMAIN = "apps.gate.test"
SMALL_BYTES = 128
BIG_BYTES = 1 << 30
# The gate's TLS 1.2 suites (web/https_server.cpp); TLS 1.3 uses OpenSSL's defaults in both.
TLS12_CIPHERS = ("ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305")

# Apps of the gate: "files" is the nginx upstream (throughput), "echo" and "board" the aiohttp
# WebSocket echo (idle sockets; sockets closed at a grant's end, behind an approval).
APP_SERVERS = """\
- name: files
  protocol: http
  url: "http://127.0.0.1:{files}"
- name: echo
  protocol: http
  url: "http://127.0.0.1:{ws}"
- name: board
  protocol: http
  url: "http://127.0.0.1:{ws}"
"""
APP_RULES = """\
  - name: bench-open
    users: [alice]
    servers: [files, echo]
    mode: allow
  - name: bench-approve
    users: [alice]
    servers: [board]
    mode: approve
    approvers: [bob]
    max_duration: 1h
"""


def wait_port(port, proc, what, timeout=15):
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"{what} not listening on {port} after {timeout} s")


class Nginx:
    """One nginx master with `worker_processes 1` in its own directory, in the foreground."""

    def __init__(self, directory, name, server_block):
        self.dir = os.path.join(directory, name)
        os.makedirs(self.dir)
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(textwrap.dedent(f"""\
                user root;
                worker_processes 1;
                daemon off;
                pid {self.dir}/nginx.pid;
                error_log {self.dir}/error.log warn;
                events {{ worker_connections 50000; }}
                http {{
                  client_body_temp_path {self.dir}/body;
                  proxy_temp_path {self.dir}/proxy;
                  fastcgi_temp_path {self.dir}/fastcgi;
                  uwsgi_temp_path {self.dir}/uwsgi;
                  scgi_temp_path {self.dir}/scgi;
                  default_type application/octet-stream;
                  sendfile on;
                  tcp_nopush on;
                  keepalive_requests 100000;
                """) + textwrap.indent(server_block, "  ") + "}\n")
        self.proc = subprocess.Popen([NGINX, "-p", self.dir, "-c", self.conf],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


GATE_CONNECTIONS = 50000  # listen.http.max_connections(_per_source) of the benchmarked gate


class HttpBenchEnv:
    """Upstream nginx, reference proxy nginx and the gate; `close()` stops them all."""

    def __init__(self, bin_dir, audit_http="requests"):
        sys.path.insert(0, SUPPORT)
        import gatehouse_env
        gatehouse_env.GATEHOUSED = os.path.join(bin_dir, "daemon", "gatehoused")
        gatehouse_env.GATEHOUSE = os.path.join(bin_dir, "cli", "gatehouse")
        from gatehouse_env import free_port
        from tls_cert import self_signed_cert
        from web_env import WebEnv

        self.parts = []
        self.gate = WebEnv()
        self.parts.append(self.gate)
        try:  # whatever started is stopped again when a later part fails
            self.dir = self.gate.dir
            self.cert, self.key = self_signed_cert(self.dir, "gate", more_names=["*." + DOMAIN])
            self.gate.cert, self.gate.key = self.cert, self.key

            www = os.path.join(self.dir, "www")
            os.makedirs(www)
            with open(os.path.join(www, "small"), "wb") as f:
                f.write(b"x" * (SMALL_BYTES - 1) + b"\n")
            with open(os.path.join(www, "big"), "wb") as f:
                f.truncate(BIG_BYTES)  # sparse: read from the page cache's zero page, no disk
            self.upstream_port = free_port()
            self.upstream = Nginx(self.dir, "upstream", textwrap.dedent(f"""\
                access_log off;
                server {{
                  listen 127.0.0.1:{self.upstream_port} backlog=4096;
                  root {www};
                }}
                """))
            self.parts.append(self.upstream)
            wait_port(self.upstream_port, self.upstream.proc, "the upstream nginx")

            self.ws_log = open(os.path.join(self.dir, "ws_upstream.log"), "w")
            self.ws_app = subprocess.Popen([sys.executable, UPSTREAM_APP], stdout=subprocess.PIPE,
                                           stderr=self.ws_log, text=True)
            self.ws_port = int(self.ws_app.stdout.readline())
            self.parts.append(self)

            self.proxy_port = free_port()

            def tls_server(name, location, listen_options=""):  # options: on one listen only
                return textwrap.dedent(f"""\
                    server {{
                      listen 127.0.0.1:{self.proxy_port} ssl{listen_options};
                      server_name {name}.{DOMAIN};
                      ssl_certificate {self.cert};
                      ssl_certificate_key {self.key};
                      ssl_protocols TLSv1.2 TLSv1.3;
                      ssl_ciphers {TLS12_CIPHERS};
                      ssl_prefer_server_ciphers on;
                      location / {{
                    """) + textwrap.indent(textwrap.dedent(location), "    ") + "  }\n}\n"

            # files: small responses and the download; echo: the idle WebSockets (an hour's
            # timeouts: the gate closes no idle app connection of its own either).
            self.proxy = Nginx(self.dir, "proxy", textwrap.dedent(f"""\
                access_log {self.dir}/proxy/access.log;
                upstream files {{ server 127.0.0.1:{self.upstream_port}; keepalive 32; }}
                """) + tls_server("files", listen_options=" backlog=4096", location="""\
                    proxy_pass http://files;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $host;
                    proxy_max_temp_file_size 0;
                    """) + tls_server("echo", f"""\
                    proxy_pass http://127.0.0.1:{self.ws_port};
                    proxy_http_version 1.1;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection "upgrade";
                    proxy_set_header Host $host;
                    proxy_read_timeout 1h;
                    proxy_send_timeout 1h;
                    """))
            self.parts.append(self.proxy)
            wait_port(self.proxy_port, self.proxy.proc, "the proxy nginx")

            self.audit_log = os.path.join(self.dir, "audit.jsonl")
            text = self.gate.web_config_text(
                extra_servers=APP_SERVERS.format(files=self.upstream_port, ws=self.ws_port),
                rule_extra=APP_RULES,
                # The listener caps (512 / 64 per source by default) above what the bench opens.
                http_extra=f"apps_domain: {DOMAIN}, max_connections: {GATE_CONNECTIONS}, "
                           f"max_connections_per_source: {GATE_CONNECTIONS}")
            text = WebEnv.with_audit(text, self.audit_log, extra=f"  http: {audit_http}\n")
            self.gate.write_config(text)
            self.gate.start()
            self.gate_port = self.gate.http_port
        except BaseException:
            self.close()
            raise


    def token(self, app):
        """alice's personal token for `app` (`ssh … http-token APP` on the gate)."""
        r = self.gate.ssh("http-token", app, target="")
        if r.returncode != 0:
            raise SystemExit(f"http-token {app} failed: {r.stderr.decode(errors='replace')}")
        return r.stdout.decode().splitlines()[0]

    def cli(self, *args):
        return self.gate.cli(*args)

    def gate_pid(self):
        return self.gate.proc.pid

    def proxy_worker_pid(self):
        """The reference nginx's one worker (its master only forks and waits)."""
        with open(f"/proc/{self.proxy.proc.pid}/task/{self.proxy.proc.pid}/children") as f:
            children = f.read().split()
        if len(children) != 1:
            raise SystemExit(f"the proxy nginx has {len(children)} workers, not 1")
        return int(children[0])

    def close(self):
        """Stops what was started, the gate last (it removes the directory)."""
        for part in reversed(self.parts):
            if part is self:
                if self.ws_app.poll() is None:
                    self.ws_app.kill()
                    self.ws_app.wait()
                self.ws_log.close()
            elif part is not self.gate:
                part.close()
        self.gate.close()
        shutil.rmtree(self.dir, ignore_errors=True)
