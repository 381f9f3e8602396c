"""The web app on loopback: SshEnv plus an HTTPS listener with a self-signed certificate made
by `openssl req`, an HTTPS client (http.client over ssl, certificate pinned to the test's own)
and links issued the way mail issues them (the web_issue_link test tool)."""
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import urllib.parse

from gatehouse_env import BIN_DIR, free_port
from smtp_sink import text_part
from ssh_env import SshEnv
from tls_cert import self_signed_cert

ISSUE_LINK = os.path.join(BIN_DIR, "tests", "web", "web_issue_link")
PLAYER_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "web", "player")


def install_player():
    """asciinema-player from the npm registry into web/player/node_modules (gitignored); the
    directory to give listen.http.asciinema_player."""
    subprocess.run([os.path.join(PLAYER_DIR, "install.sh")], check=True, timeout=300)
    return os.path.abspath(os.path.join(PLAYER_DIR, "node_modules", "asciinema-player"))


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        self.cookies = []  # name=value of every Set-Cookie

    def header(self, name):
        return self.headers.get(name.lower(), "")

    def csrf(self):
        m = re.search(r'name="csrf" value="([^"]+)"', self.body)
        return m.group(1) if m else None


class WebEnv(SshEnv):
    def __init__(self):
        super().__init__()
        self.http_port = free_port()
        self.public_url = f"https://127.0.0.1:{self.http_port}"
        self.cert, self.key = self_signed_cert(self.dir, "web")
        self.db = os.path.join(self.dir, "gatehouse.db")

    def web_config_text(self, require_sign_in=False, http_extra="", **kw):
        """`http_extra`: more listen.http keys, e.g. "asciinema_player: DIR"."""
        text = self.ssh_config_text(**kw)
        http_extra = ", " + http_extra if http_extra else ""
        http = (f'  http: {{ address: "127.0.0.1:{self.http_port}", tls_cert: {self.cert}, '
                f'tls_key: {self.key}, public_url: "{self.public_url}", '
                f'approval_links_require_sign_in: {"true" if require_sign_in else "false"}'
                f'{http_extra} }}\n')
        marker = f"  admin: {{ socket: {self.socket} }}\n"
        assert marker in text
        return text.replace(marker, marker + http)

    @staticmethod
    def with_audit(text, log, recordings=None, extra=""):
        """The config `text` with an `audit:` section: the log, the recordings directory when
        given, and `extra` lines (e.g. "  on_write_failure: continue\\n")."""
        section = f"audit:\n  log: {log}\n"
        if recordings:
            section += f"  recordings: {recordings}\n"
        return text.replace("users:\n", section + extra + "users:\n", 1)

    @staticmethod
    def with_mail(text, smtp_url):
        """The config `text` with a `mail:` section that sends through `smtp_url` (an
        SmtpSink's), from gatehouse@example.com."""
        section = f'mail:\n  smtp: "{smtp_url}"\n  from: "gatehouse@example.com"\n'
        return text.replace("users:\n", section + "users:\n", 1)

    def link_in_mail(self, sink, to, subject_part, path_pattern):
        """The link to this gate (public URL + `path_pattern`, a regex) in the mail to `to` whose
        subject holds `subject_part`, once `sink` has it."""
        mail = sink.wait_for(lambda m: to in str(m["To"]) and subject_part in str(m["Subject"]),
                             what=f"mail to {to} about {subject_part}")
        found = re.search(re.escape(self.public_url) + path_pattern, text_part(mail))
        if found is None:
            raise AssertionError(f"no link {path_pattern} in the mail:\n{text_part(mail)}")
        return found.group(0)

    @staticmethod
    def fill_audit_log(path, events):
        """`path` filled with `events` synthetic events (about 330 bytes each: session, sftp
        and request events of alice and bob over November), for searches over a large log; the
        chain is not valid, so it is meant as a rotated file written before the daemon starts."""
        kinds = ["session.start", "sftp.open", "sftp.close", "session.end", "request.created"]
        with open(path, "w") as f:
            for i in range(events):
                e = {"ts": f"2026-11-{1 + i * 20 // events:02d}T10:00:00.000Z", "seq": i + 1,
                     "event": kinds[i % len(kinds)], "account": "root",
                     "client": "10.0.0.7:51234", "path": f"/srv/data/file-{i}.bin",
                     "person": "alice" if i % 2 else "bob", "protocol": "ssh",
                     "server": "web01", "session": f"ssh-abcdef-{i // 5}",
                     "prev_hash": "0" * 64, "hash": "0" * 64}
                f.write(json.dumps(e, separators=(",", ":")) + "\n")

    @staticmethod
    def with_auditors(text, auditors=("carol",)):
        """The config `text` with an `auditors` group whose members are `auditors`."""
        marker = "groups:\n  - name: developers\n"
        assert marker in text
        text = text.replace(marker, "groups:\n  - name: auditors\n  - name: developers\n", 1)
        for person in auditors:
            line = f"    email: {person}@example.com\n"
            assert line in text
            text = text.replace(line, line + "    groups: [auditors]\n", 1)
        return text

    # --- clients ---------------------------------------------------------------------------
    def tls_context(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        return ctx

    def request(self, method, path, form=None, headers=None, cookie=None, origin="same",
                timeout=10, source=None, port=None):
        """`source`: the client's own address (any 127.0.0.0/8 address on loopback), so that
        tests can ask from several sources; `port`: another port than the listener's (a load
        balancer in front of it)."""
        conn = http.client.HTTPSConnection("127.0.0.1", port or self.http_port,
                                           context=self.tls_context(),
                                           timeout=timeout,
                                           source_address=(source, 0) if source else None)
        h = dict(headers or {})
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            h["Content-Type"] = "application/x-www-form-urlencoded"
        if origin == "same" and method == "POST":
            h["Origin"] = self.public_url
        elif origin not in ("same", None):
            h["Origin"] = origin
        if cookie:
            h["Cookie"] = cookie
        try:
            conn.request(method, path, body=body, headers=h)
            res = conn.getresponse()
            headers = {}
            for k, v in res.getheaders():  # the first of repeated headers (Set-Cookie)
                headers.setdefault(k.lower(), v)
            reply = Reply(res.status, headers, res.read().decode(errors="replace"))
            reply.cookies = [v.split(";")[0] for k, v in res.getheaders()
                             if k.lower() == "set-cookie"]
            return reply
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, form, **kw):
        return self.request("POST", path, form=form, **kw)

    def path_of(self, url):
        assert url.startswith(self.public_url), url
        return url[len(self.public_url):]

    # --- links as mail carries them ------------------------------------------------------
    def approval_link(self, request_id, approver):
        out = subprocess.run([ISSUE_LINK, "approval", self.db, self.public_url, str(request_id),
                              approver], capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def sign_in_link(self, person):
        out = subprocess.run([ISSUE_LINK, "sign-in", self.db, self.public_url, person],
                             capture_output=True, text=True, check=True)
        return out.stdout.strip()

    def follow_sign_in_link(self, path, **kw):
        """What a browser does with a sign-in link: opens the page (which sets the sign-in
        cookie and carries the form token) and presses its button; the POST's reply."""
        page = self.get(path, **kw)
        assert page.status == 200, (page.status, page.body)
        return self.post(path, {"csrf": page.csrf()}, cookie="; ".join(page.cookies), **kw)

    def sign_in(self, person):
        """The session cookie after following a sign-in link."""
        r = self.follow_sign_in_link(self.path_of(self.sign_in_link(person)))
        assert r.status == 303, (r.status, r.body)
        return r.header("set-cookie").split(";")[0]

    def approved_grant(self, reason, person="alice", server="web01", approver="bob",
                       approve_args=()):
        """The grant id after `person` files for self.account@`server` (admin CLI) and
        `approver` approves (with `approve_args`, e.g. ("--until", T))."""
        r = self.cli("request", "--for", person, f"{self.account}@{server}", "--reason", reason,
                     "--json")
        assert r.returncode == 0, r.stderr
        request = json.loads(r.stdout)["id"]
        r = self.cli("approve", str(request), "--as", approver, *approve_args)
        assert r.returncode == 0, r.stderr
        return json.loads(self.cli("show", str(request), "--json").stdout)["grant_id"]

    def raw_connection(self):
        return socket.create_connection(("127.0.0.1", self.http_port), timeout=10)
