"""A real Dovecot IMAP server on 127.0.0.1 (a free high port) for the tests of approval by
reply: its own configuration, passwd-file and Maildir in a temporary directory, plain IMAP on
loopback (the daemon's `imap://` is allowed only to this host). Run as root, the mail files
belong to the `dovecot` user (Dovecot refuses mail access as uid 0); otherwise to the caller.

ImapServer.append(raw) puts a message into the inbox as the mail server would deliver it;
`unseen()` lists the UIDs the daemon has not read yet."""
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time

DOVECOT = "/usr/sbin/dovecot"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ImapServer:
    def __init__(self, user="gate", password="inbox-secret"):
        self.user, self.password = user, password
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="gatehouse-imap-")
        os.chmod(self.dir, 0o755)
        if os.getuid() == 0:
            owner = pwd.getpwnam("dovecot")
            self.uid, self.gid = owner.pw_uid, owner.pw_gid
            self.internal_user = "dovecot"
        else:
            self.uid, self.gid = os.getuid(), os.getgid()
            self.internal_user = pwd.getpwuid(self.uid).pw_name
        self.proc = None

    @property
    def url(self):
        return f"imap://127.0.0.1:{self.port}/INBOX"

    def start(self):
        d = self.dir
        home = os.path.join(d, "home", self.user)
        os.makedirs(os.path.join(home, "Maildir", "cur"))
        os.makedirs(os.path.join(home, "Maildir", "new"))
        os.makedirs(os.path.join(home, "Maildir", "tmp"))
        for root, dirs, _ in os.walk(os.path.join(d, "home")):
            os.chown(root, self.uid, self.gid)
            for x in dirs:
                os.chown(os.path.join(root, x), self.uid, self.gid)
        with open(os.path.join(d, "passwd"), "w") as f:
            f.write(f"{self.user}:{{PLAIN}}{self.password}:{self.uid}:{self.gid}::{home}\n")
        group = grp.getgrgid(self.gid).gr_name
        conf = os.path.join(d, "dovecot.conf")
        with open(conf, "w") as f:
            f.write(f"""\
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {self.internal_user}
default_internal_group = {group}
default_login_user = {self.internal_user}
first_valid_uid = {self.uid}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {d}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {d}/passwd
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""")
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", conf], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("dovecot exited:\n" + self.log())
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.05)
        raise AssertionError("dovecot is not listening:\n" + self.log())

    def log(self):
        try:
            with open(os.path.join(self.dir, "dovecot.log"), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def _client(self):
        c = imaplib.IMAP4("127.0.0.1", self.port)
        c.login(self.user, self.password)
        return c

    def append(self, raw):
        """Delivers `raw` (bytes or str, CRLF or LF) to the INBOX, unseen."""
        if isinstance(raw, str):
            raw = raw.encode()
        c = self._client()
        try:
            typ, data = c.append("INBOX", "", None, raw)
            assert typ == "OK", data
        finally:
            c.logout()

    def unseen(self):
        c = self._client()
        try:
            c.select("INBOX")
            typ, data = c.uid("SEARCH", None, "UNSEEN")
            assert typ == "OK", data
            return data[0].split()
        finally:
            c.logout()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
