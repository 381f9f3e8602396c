#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<harness>/: a few realistic inputs per harness.

The corpora are committed; run this again only to change them (it rewrites the seed_* files and
leaves any other file, e.g. a saved crash reproducer, alone).
"""
import hashlib
import json
import pathlib
import struct

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE / "corpus"


def write(harness, seeds):
    d = CORPUS / harness
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("seed_*"):
        old.unlink()
    for i, s in enumerate(seeds):
        (d / f"seed_{i:02d}").write_bytes(s if isinstance(s, bytes) else s.encode())


def config_yaml():
    # Written by hand in fuzz_support.cpp (the fixture), plus the shapes people write.
    fixture = (HERE / "fuzz_support.cpp").read_text()
    fixture = fixture.split('R"(', 1)[1].split(')"', 1)[0]
    minimal = (HERE.parent / "config/examples/minimal.yaml").read_text()
    minimal = minimal.replace("/etc/gatehouse/ssh_host_ed25519_key", "ssh_host_ed25519_key")
    minimal = minimal.replace("/etc/gatehouse/keys/web01_root", "account_key")
    return [fixture, minimal, "users: []\nservers: []\nrules: []\n",
            "listen: {ssh: {address: \"[::1]:2222\", host_keys: [ssh_host_ed25519_key]}}\n"
            "rules:\n  - {name: r, users: [\"*\"], servers: [\"*\"], mode: deny}\n"]


def x224():
    def request(body):
        total = 4 + 7 + len(body)
        return b"\x03\x00" + struct.pack(">H", total) + bytes([total - 5, 0xE0, 0, 0, 0, 0, 0]) + body
    neg = b"\x01\x00\x08\x00\x03\x00\x00\x00"
    neg_corr = b"\x01\x08\x08\x00\x0b\x00\x00\x00" + b"\x06\x00\x24\x00" + bytes(range(32))
    token = b"gh1~alice~win01~1900000000~0123456789abcdef~" + b"A" * 43
    bodies = [b"Cookie: mstshash=eltons\r\n" + neg, token + b"\r\n" + neg,
              b"Cookie: msts=" + token + b"\r\n", neg_corr, b"", b"Cookie: mstshash=bob\r\n"]
    return [bytes([piece]) + request(b) for piece, b in zip([15, 0, 3, 7, 15, 1], bodies)]


def proxy_protocol():
    # The first byte: how many bytes arrive at a time (1-16, low nibble + 1).
    sig = b"\r\n\r\n\x00\r\nQUIT\n"
    def v2(ver_cmd, fam, payload):
        return sig + bytes([ver_cmd, fam]) + struct.pack(">H", len(payload)) + payload
    tcp4 = bytes([192, 0, 2, 7, 10, 0, 0, 1]) + struct.pack(">HH", 50000, 2222)
    tcp6 = bytes(15) + b"\x07" + bytes(15) + b"\x01" + struct.pack(">HH", 443, 22)
    tlvs = b"\x01\x00\x02h2" + b"\x04\x00\x00" + b"\x05\x00\x04abcd"
    ssh = b"SSH-2.0-OpenSSH_9.2\r\n"
    return [b"\x0f" + b"PROXY TCP4 192.0.2.7 10.0.0.1 50000 2222\r\n" + ssh,
            b"\x00" + b"PROXY TCP6 2001:db8::7 ::1 443 22\r\n",
            b"\x03" + b"PROXY UNKNOWN\r\n" + ssh,
            b"\x0f" + v2(0x21, 0x11, tcp4 + tlvs) + ssh,
            b"\x07" + v2(0x21, 0x21, tcp6),
            b"\x0f" + v2(0x20, 0x00, b""),
            b"\x01" + v2(0x21, 0x31, bytes(216)),
            b"\x0f" + ssh]


def rdp_token():
    # Wrong MACs on purpose: a seed that verified would be reported (the fuzzer cannot sign).
    return ["gh1~alice~win01~1900000000~0123456789abcdef~" + "A" * 43,
            "gh1~bob.smith~db-01_a~1~fedcba9876543210~" + "x" * 43,
            "gh1~carol~win01~99999999999~0000000000000000~short",
            "gh1~~win01~1~0123456789abcdef~" + "B" * 43]


def sftp_stream():
    def u32(v): return struct.pack(">I", v)
    def s(b): return u32(len(b)) + b
    def packet(t, body): return u32(len(body) + 1) + bytes([t]) + body
    client = [packet(1, u32(3)), packet(3, u32(1) + s(b"/etc/motd") + u32(0x1a) + u32(0)),
              packet(6, u32(2) + s(b"H") + bytes(8) + s(b"data")),
              packet(5, u32(3) + s(b"H") + bytes(8) + u32(100)),
              packet(10, u32(4) + s(b"H") + u32(0)), packet(4, u32(5) + s(b"H")),
              packet(18, u32(6) + s(b"/a") + s(b"/b")), packet(13, u32(7) + s(b"/b")),
              packet(20, u32(8) + s(b"/t") + s(b"/l")),
              packet(200, u32(9) + s(b"posix-rename@openssh.com") + s(b"/x") + s(b"/y")),
              packet(11, u32(10) + s(b"/d"))]
    server = [packet(2, u32(3)), packet(102, u32(1) + s(b"H")),
              packet(101, u32(2) + u32(0) + s(b"") + s(b"")), packet(103, u32(3) + s(b"abc")),
              packet(102, u32(10) + s(b"D"))]

    def records(chunks):  # (from_server, bytes) -> the harness's records
        out = b""
        for from_server, data in chunks:
            for at in range(0, len(data), 128):
                part = data[at:at + 128]
                out += bytes([((len(part) - 1) << 1) | from_server]) + part
        return out
    session = [(0, client[0]), (1, server[0]), (0, client[1]), (1, server[1]), (0, client[2]),
               (1, server[2]), (0, client[3]), (1, server[3])] + \
              [(0, c) for c in client[4:]] + [(1, server[4])]
    return [records(session), records([(0, b"".join(client))]),
            records([(0, client[1]), (1, server[1]), (0, client[4])])]


def web_forms():
    return ["who=alice&next=%2Fmy%2Fapprovals", "/requests/7/approve/", "a=1&b=two+words&c=%e9",
            "__Host-gatehouse=abc; theme=dark", "https://gate.example:8443/approvals/x",
            "<script>alert('x')</script>&amp;"]


def web_app():
    return ["GET\n/approvals/$A\n\n\n\n", "GET\n/approvals/$A?decision=approve\n\n\n\n",
            "POST\n/approvals/$A\n\nhttps://gate.example\napplication/x-www-form-urlencoded\n"
            "csrf=$C&action=approve&comment=ok",
            "GET\n/my/approvals\n$S\n\n\n", "GET\n/requests/1\n$T\n\n\n",
            "POST\n/requests/1/comment\n$S\nhttps://gate.example\n"
            "application/x-www-form-urlencoded\ncsrf=$D&text=looks+fine",
            "GET\n/audit?person=alice&limit=5\n$S\n\n\n", "GET\n/audit.csv\n$S\n\n\n",
            "GET\n/api/v1/requests\n$T\n\n\n",
            "POST\n/api/v1/requests\n$T\nhttps://gate.example\napplication/json\n"
            '{"server":"db01","account":"postgres","justification":"x"}',
            "POST\n/sign-in\n\nhttps://gate.example\napplication/x-www-form-urlencoded\n"
            "who=alice&next=/my/requests",
            "GET\n/sign-in/nothing\n\n\n\n", "GET\n/metrics\n\n\n\n", "GET\n/healthz\n\n\n\n",
            "POST\n/sign-out\n$S\n\napplication/x-www-form-urlencoded\ncsrf=$D"]


def admin_api():
    # "METHOD\nTARGET\nBODY"; $R is request #1 (filed by alice in the harness's world).
    return ["GET\n/v1/requests\n", "GET\n/v1/requests?state=pending&requester=alice\n",
            b'POST\n/v1/requests\n{"for":"alice","target":"root@web01","reason":"caf\xe9 '
            b'\x1b[2J","duration":"2h"}',
            'POST\n/v1/requests/$R/approve\n{"as":"bob","comment":"ok","duration":"1h"}',
            'POST\n/v1/requests/$R/deny\n{"as":"bob","comment":"no \\ud800"}',
            'POST\n/v1/requests/$R/comment\n{"as":"alice","text":"note"}',
            'POST\n/v1/requests/$R/cancel\n{"as":"alice"}',
            'POST\n/v1/requests/$R/reassign\n{"as":"bob","to":"carol"}',
            "GET\n/v1/grants?person=alice\n", "POST\n/v1/grants/1/revoke\n{}",
            "GET\n/v1/status\n", "GET\n/v1/sessions\n", "POST\n/v1/sessions/ssh-1/kill\n{}",
            "GET\n/v1/requests/$R\n", 'POST\n/v1/requests\n{"for":"alice","target":']


def record_codec():
    return ['[{"approvers":["bob","carol"],"condition":"any"}]',
            '[{"approver":"bob","verdict":"approve","comment":"ok","at":1800000000000,'
            '"level":0,"admin":false}]',
            '[{"author":"alice","text":"caf\\u00e9 \\u001b[2J","at":1}]', "[]"]


def audit_line():
    prev = "0" * 64
    lines = []
    for seq, (event, fields) in enumerate([
            ("request.filed", {"requester": "alice", "server": "web01", "reason": "deploy, 4.2"}),
            ("sftp.open", {"path": "/etc/\"x\"", "flags": "read", "session": "s1"}),
            ("access.emergency", {"person": "carol", "details": {"n": 1}})], start=1):
        body = {"ts": "2027-01-15T08:00:00.000Z", "seq": seq, "event": event, **fields,
                "prev_hash": prev}
        text = json.dumps(body, separators=(",", ":"))
        digest = hashlib.sha256(text.encode()).hexdigest()
        lines.append(text[:-1] + ',"hash":"' + digest + '"}')
        prev = digest
    return lines


def audit_log():
    log = "\n".join(audit_line()) + "\n"
    return [bytes([0]) + b"limit=2\n" + log.encode(), bytes([3]) + b"person=alice\n" + log.encode(),
            bytes([1]) + b"event=sftp.*&limit=1\n" + log.encode(),
            bytes([2]) + b"since=2027-01-01T00:00:00Z\n" + log.encode()[:-1]]


def mail_text():
    return ["[corp-gate] alice asks for root@web01\0Gatehouse\0bob@example.com\0"
            "alice asks for root@web01.\nReason: deploy 4.2\n\0<p>alice asks</p>\n",
            "caf\xe9 \xe2\x82\xac r\xc3\xa9sum\xc3\xa9 " * 4 + "\0\0x\0" + "=" * 100 + "\r\n\0",
            "a" * 200 + " " + "b" * 80 + "\0\x1b[2J\0\r\nBcc: eve@example.com\0\t\0"]


def reply_reader():
    """Replies to an approval mail: a good one, quoted-printable, base64, multipart, a forged
    header below ours, a quoted-only APPROVE, LF line ends and bytes that are not UTF-8."""
    token = "AbCdEfGhIjKlMnOp-_0123456789abcdefghijklmno"
    head = ("Authentication-Results: mx.gate.example;\r\n\tdkim=pass header.d=example.com;"
            " dmarc=pass (p=reject) header.from=example.com\r\n"
            "From: Bob <bob@example.com>\r\nTo: approvals+" + token + "@gate.example\r\n"
            "Subject: Re: corp-gate - Connection Approval Notification - #42 [GH-" + token +
            "]\r\nMessage-ID: <r1@example.com>\r\n")
    plain = "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    return [head + plain + "APPROVE: ok\r\n\r\nOn Mon, 7 Dec 2026, gate wrote:\r\n> x\r\n",
            head + "Content-Transfer-Encoding: quoted-printable\r\n" + plain + "DEN=\r\nY =E2=9C=93\r\n",
            head + "Content-Transfer-Encoding: base64\r\n" + plain + "REVOWTogbm8K\r\n",
            head + "Content-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\n"
            "Content-Type: text/html\r\n\r\n<p>x</p>\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
            "APPROVE\r\n--b--\r\n",
            "Authentication-Results: mx.gate.example; dmarc=fail\r\n" + head + plain + "APPROVE\r\n",
            head + plain + "On Mon, gate wrote:\r\n> APPROVE\r\n",
            (head + plain + "APPROVE\r\n").replace("\r\n", "\n"),
            (head + plain).encode() + b"APPROVE \xff\xfe\x80\r\n",
            "From: =?utf-8?q?a?= <a@x>, b@y\r\nSubject: =?UTF-8?B?UmU6IFtHSC0=?=" + token + "]\r\n\r\n"]


def login_name():
    return ["alice@root@web01", "alice@web01", "alice", "bob@postgres@db01", "alice@x@y@web01",
            "carol@win01"]


def ssh_certificate():
    """User certificates as ssh-keygen -s makes them (Ed25519, ECDSA and RSA CAs and keys;
    options, extensions, several principals) and an OpenSSH Ed25519 private key file (the
    ssh.ca_key form; the harness reads inputs starting with '-' as one)."""
    import base64
    import subprocess
    import tempfile
    seeds = []
    with tempfile.TemporaryDirectory() as d:
        def keygen(name, kind):
            subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-f", f"{d}/{name}"],
                           check=True)
        for ca, kind in (("ca_ed", "ed25519"), ("ca_ec", "ecdsa"), ("ca_rsa", "rsa")):
            keygen(ca, kind)
        for key, kind in (("k_ed", "ed25519"), ("k_ec", "ecdsa"), ("k_rsa", "rsa")):
            keygen(key, kind)
        for ca, key, opts in (("ca_ed", "k_ed", ["-n", "alice", "-V", "19700101:forever"]),
                              ("ca_ec", "k_ec", ["-n", "alice,bob", "-z", "7",
                                                 "-O", "source-address=127.0.0.0/8"]),
                              ("ca_rsa", "k_rsa", ["-t", "rsa-sha2-256", "-n", "alice",
                                                   "-O", "no-pty"]),
                              ("ca_rsa", "k_ed", ["-t", "ssh-rsa", "-n", "alice"]),
                              ("ca_ed", "k_rsa", ["-n", "alice", "-O", "force-command=true"])):
            subprocess.run(["ssh-keygen", "-q", "-s", f"{d}/{ca}", "-I", "alice@laptop", *opts,
                            f"{d}/{key}.pub"], check=True)
            with open(f"{d}/{key}-cert.pub") as f:
                seeds.append(base64.b64decode(f.read().split()[1]))
        with open(f"{d}/ca_ed", "rb") as f:
            seeds.append(f.read())
    return seeds


def terminal_frame():
    return [b"dls -l\r", b"d\x1b[A\x00\xff", b"r\x00\x50\x00\x18", b"r\xff\xff\x00\x00",
            b"a\x00\x01\x00\x00", b"a\x01", b"x", b""]


for name, make in [("config_yaml", config_yaml), ("x224", x224), ("rdp_token", rdp_token),
                   ("proxy_protocol", proxy_protocol),
                   ("sftp_stream", sftp_stream), ("web_forms", web_forms), ("web_app", web_app),
                   ("admin_api", admin_api), ("record_codec", record_codec), ("audit_line", audit_line),
                   ("audit_log", audit_log), ("mail_text", mail_text), ("reply_reader", reply_reader),
                   ("login_name", login_name), ("ssh_certificate", ssh_certificate),
                   ("terminal_frame", terminal_frame)]:
    write(name, make())
