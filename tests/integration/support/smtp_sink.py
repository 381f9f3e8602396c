"""Real SMTP peers for integration tests, on 127.0.0.1 only.

SmtpSink: an aiosmtpd server that keeps every message it receives, parsed.

    with SmtpSink() as sink:                 # or SmtpSink(port=p) to take a chosen port
        ... configure `mail: {smtp: sink.url, from: ...}` ...
        msg = sink.wait_for(lambda m: "#7" in m["Subject"])
        msg["Subject"], msg["To"], text_part(msg), html_part(msg)

SilentSmtp: accepts TCP connections and never says a word (an SMTP server that hangs).

The Debian package python3-aiosmtpd provides aiosmtpd for /usr/bin/python3; when the test runs
under another interpreter (a pyenv shim found first on PATH) the script re-executes itself
with Debian's."""
import email
import email.policy
import logging
import os
import socket
import ssl
import sys
import threading
import time
import warnings

from tls_cert import self_signed_cert

try:
    from aiosmtpd.controller import Controller
except ImportError:  # pragma: no cover - depends on the machine's PATH
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

# aiosmtpd warns loudly about AUTH without TLS, which the tests choose on loopback.
warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
logging.getLogger("mail.log").setLevel(logging.CRITICAL)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Keeper:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        with self.sink._cond:
            self.sink.raw.append(raw)
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            self.sink.over_tls.append(bool(getattr(session, "ssl", None)))
            self.sink.messages.append(msg)
            self.sink._cond.notify_all()
        return "250 Message accepted for delivery"


class SmtpSink:
    """aiosmtpd on 127.0.0.1; `messages` are email.message.EmailMessage objects (policy default),
    `raw` the bytes as received, `envelopes` (MAIL FROM, [RCPT TO…])."""

    def __init__(self, port=None, login=None, password=None, tls_dir=None):
        """With `login` and `password`, the server requires AUTH (PLAIN or LOGIN, allowed
        without TLS here) with exactly those; `auth_attempts` records (login, password) tried.
        With `tls_dir`, it offers STARTTLS with a fresh self-signed certificate made there."""
        self.port = port or _free_port()
        self.tls_dir = tls_dir
        self.login = login
        self.password = password
        self.auth_attempts = []
        self.messages = []
        self.raw = []
        self.envelopes = []
        self.over_tls = []  # per message: whether it came over STARTTLS
        self._cond = threading.Condition()
        self._controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def start(self):
        auth = {}
        if self.login is not None:
            auth = dict(authenticator=self._authenticate, auth_required=True,
                        auth_require_tls=False)
        if self.tls_dir:
            auth["tls_context"] = self_signed_context(self.tls_dir)
        self._controller = Controller(_Keeper(self), hostname="127.0.0.1", port=self.port,
                                      decode_data=False, **auth)
        self._controller.start()
        return self

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult, LoginPassword
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.auth_attempts.append((login, password))
        return AuthResult(success=(login, password) == (self.login, self.password), handled=False)

    def stop(self):
        if self._controller:
            self._controller.stop()
            self._controller = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def wait_for(self, predicate=lambda m: True, timeout=30, what="a mail"):
        """The first received message matching `predicate`, waiting up to `timeout` seconds."""
        deadline = time.time() + timeout
        with self._cond:
            while True:
                for m in self.messages:
                    if predicate(m):
                        return m
                left = deadline - time.time()
                if left <= 0:
                    subjects = [str(m["Subject"]) for m in self.messages]
                    raise AssertionError(f"timed out waiting for {what}; received: {subjects}")
                self._cond.wait(left)

    def to(self, address):
        """Messages addressed to `address` so far."""
        with self._cond:
            return [m for m in self.messages if address in str(m["To"])]


class SilentSmtp:
    """Accepts connections on 127.0.0.1 and never answers (no greeting, no reply)."""

    def __init__(self):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.accepted = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def _run(self):
        self._sock.settimeout(0.2)
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
                self.accepted.append(conn)
            except socket.timeout:
                continue
            except OSError:
                return

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join()
        for c in self.accepted:
            c.close()
        self._sock.close()


def self_signed_context(directory):
    """A server TLS context with a new self-signed certificate for 127.0.0.1 (smtp.crt)."""
    cert, key = self_signed_cert(directory, "smtp")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def text_part(msg):
    """The decoded text/plain part of a multipart/alternative message."""
    return msg.get_body(preferencelist=("plain",)).get_content()


def html_part(msg):
    """The decoded text/html part."""
    return msg.get_body(preferencelist=("html",)).get_content()
