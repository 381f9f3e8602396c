"""An RDP gate for integration tests: a Gatehouse Env with an rdp listener, a routing-token key
and `rdp` servers, plus helpers that speak the first RDP packets (X.224 Connection Request and
Confirm) the way real clients and servers do, and that run xrdp and xfreerdp on loopback."""
import base64
import hashlib
import hmac
import os
import shutil
import socket
import struct
import subprocess
import textwrap
import threading
import time

from gatehouse_env import Env, free_port, wait_for

NEG_REQ_TLS = bytes([0x01, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00])


def connection_request(token=None, cookie=None, neg=NEG_REQ_TLS):
    body = b""
    if token is not None:
        body += token.encode() + b"\r\n"
    if cookie is not None:
        body += b"Cookie: mstshash=" + cookie.encode() + b"\r\n"
    body += neg
    total = 11 + len(body)
    return bytes([3, 0]) + struct.pack(">H", total) + bytes([total - 5, 0xE0, 0, 0, 0, 0, 0]) + body


def read_tpkt(sock, timeout=10):
    sock.settimeout(timeout)
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            return head
        head += chunk
    total = struct.unpack(">H", head[2:4])[0]
    body = b""
    while len(head) + len(body) < total:
        chunk = sock.recv(total - len(head) - len(body))
        if not chunk:
            break
        body += chunk
    return head + body


def negotiation_failure_code(packet):
    """The RDP_NEG_FAILURE code of a Connection Confirm, or None."""
    if len(packet) == 19 and packet[5] == 0xD0 and packet[11] == 0x03:
        return struct.unpack("<I", packet[15:19])[0]
    return None


class FakeRdpServer:
    """Accepts connections, records each Connection Request, confirms it with RDP_NEG_RSP
    (TLS selected) and then echoes every byte back."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.live = 0
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        self.live += 1
        try:
            self.requests.append(read_tpkt(conn))
            conn.sendall(bytes([3, 0, 0, 19, 14, 0xD0, 0, 0, 0x12, 0x34, 0,
                                0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00]))
            conn.settimeout(None)
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                conn.sendall(data)
        except OSError:
            pass
        finally:
            self.live -= 1
            conn.close()

    def close(self):
        self._stop = True
        self.sock.close()


class RdpEnv(Env):
    def __init__(self):
        super().__init__()
        self.rdp_port = free_port()
        self.token_key = os.path.join(self.dir, "rdp_token.key")
        with open(self.token_key, "wb") as f:
            f.write(os.urandom(32))
        self.upstream_port = None
        self.xrdp = None

    def rdp_config_text(self, upstream_port, mode="approve", rule_extra="", trust_cookie=False,
                        listener_extra=""):
        """`listener_extra`: more keys of listen.rdp, as "key: value, key: value"."""
        text = self.config_text()
        text = text.replace(
            "  admin:",
            f'  rdp: {{ address: "127.0.0.1:{self.rdp_port}", token_key: {self.token_key},'
            f' trust_mstshash_cookie: {str(trust_cookie).lower()},'
            f' trusted_networks: ["127.0.0.0/8"]{", " + listener_extra if listener_extra else ""}'
            f' }}\n  admin:', 1)
        text = text.replace("servers:\n", textwrap.dedent(f"""\
            servers:
              - name: win01
                protocol: rdp
                address: "127.0.0.1:{upstream_port}"
              - name: win02
                protocol: rdp
                address: "127.0.0.1:{upstream_port}"
            """), 1)
        text += textwrap.indent(textwrap.dedent(f"""\
            - name: win01-rule
              users: ["group:developers"]
              servers: [win01]
              accounts: ["*"]
              mode: {mode}
            """), "  ") + ("    approvers: [manager]\n" if mode == "approve" else "") + rule_extra
        return text

    def rdp_file(self, server="win01", person="alice", *options):
        """The .rdp file `ssh PERSON@gate rdp-file SERVER [OPTIONS]` prints (via the own-view
        command; `--reason TEXT` files the request ahead)."""
        key = os.path.join(self.dir, person)
        r = subprocess.run(["ssh", "-F", "/dev/null", "-i", key, "-p", str(self.ssh_port),
                            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                            "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
                            f"{person}@127.0.0.1", "rdp-file", server, *options],
                           capture_output=True, timeout=30)
        # Bytes, not text mode: universal newlines would hide the file's CR LF line ends.
        return subprocess.CompletedProcess(r.args, r.returncode, r.stdout.decode(),
                                           r.stderr.decode())

    def token(self, server="win01", person="alice"):
        r = self.rdp_file(server, person)
        assert r.returncode == 0, r.stderr
        for line in r.stdout.splitlines():
            if line.startswith("loadbalanceinfo:s:"):
                return line[len("loadbalanceinfo:s:"):].strip()
        raise AssertionError("no loadbalanceinfo in:\n" + r.stdout)

    def signed_token(self, person, server, valid=3600):
        """A token signed with the gate's key, made here (as another tool could)."""
        signed = f"gh1~{person}~{server}~{int(time.time()) + valid}~{os.urandom(8).hex()}"
        with open(self.token_key, "rb") as f:
            mac = hmac.new(f.read(), signed.encode(), hashlib.sha256).digest()
        return signed + "~" + base64.urlsafe_b64encode(mac).decode().rstrip("=")

    def start_xrdp(self):
        """xrdp 0.9 in the foreground on a free loopback port, TLS with a fresh certificate."""
        d = os.path.join(self.dir, "xrdp")
        os.makedirs(d, exist_ok=True)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        f"{d}/key.pem", "-out", f"{d}/cert.pem", "-days", "2", "-subj",
                        "/CN=xrdp-test"], check=True, capture_output=True)
        self.upstream_port = free_port()
        with open("/etc/xrdp/xrdp.ini") as f:
            ini = f.read()
        ini = (ini.replace("\nport=3389\n", f"\nport=tcp://127.0.0.1:{self.upstream_port}\n")
               .replace("\ncertificate=\n", f"\ncertificate={d}/cert.pem\n")
               .replace("\nkey_file=\n", f"\nkey_file={d}/key.pem\n")
               .replace("\nLogFile=xrdp.log\n", f"\nLogFile={d}/xrdp.log\n")
               .replace("\nEnableSyslog=true\n", "\nEnableSyslog=false\n"))
        with open(f"{d}/xrdp.ini", "w") as f:
            f.write(ini)
        self.xrdp_log = f"{d}/xrdp.log"
        self.xrdp = subprocess.Popen(["xrdp", "--nodaemon", "--config", f"{d}/xrdp.ini"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_for(lambda: _listening(self.upstream_port), timeout=10, what="xrdp listening")
        return self.upstream_port

    def xrdp_log_text(self):
        try:
            with open(self.xrdp_log, errors="replace") as f:
                return f.read()
        except (FileNotFoundError, AttributeError):
            return ""

    def xfreerdp(self, *args, timeout=60, popen=False):
        """xfreerdp under xvfb-run against the gate."""
        cmd = ["xvfb-run", "-a", "xfreerdp", f"/v:127.0.0.1:{self.rdp_port}", "/cert:ignore",
               "/sec:tls", "/u:alice", "/p:x", *args]
        if popen:
            return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True, start_new_session=True)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def close(self):
        if self.xrdp and self.xrdp.poll() is None:
            self.xrdp.terminate()
            try:
                self.xrdp.wait(10)
            except subprocess.TimeoutExpired:
                self.xrdp.kill()
        super().close()


def _listening(port):
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def have_real_rdp():
    return all(shutil.which(p) for p in ("xrdp", "xfreerdp", "xvfb-run", "Xvfb"))
