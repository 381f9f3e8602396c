#!/usr/bin/env python3
"""The RDP relay against haproxy 2.6 in TCP mode and against a direct connection, in one run on
the same loopback path (issue 7). Behind all three sits the same upstream: it answers the X.224
Connection Request with a Connection Confirm (as an RDP server does), then serves

  * upload:   the client sends SIZE bytes, the upstream counts them and answers "done";
  * download: the upstream sends SIZE bytes;
  * ping:     64-byte messages echoed one at a time (round-trip latency).

Every path starts with the same Connection Request (with a routing token for the gate, which
rewrites it; haproxy and the direct path pass it as is). The gate runs with an allow rule, so
no hold. Client and upstream are separate Python processes with 1 MiB buffers.

Usage: bench/rdp/rdp_bench.py [--bin-dir BUILD] [--size-mib 1024] [--pings 2000]
Build gatehoused in Release for meaningful numbers (cmake -DCMAKE_BUILD_TYPE=Release).
Prints a Markdown table. Everything binds 127.0.0.1."""
import argparse
import os
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "support"))

CHUNK = 1 << 20
CONFIRM = bytes([3, 0, 0, 19, 14, 0xD0, 0, 0, 0x12, 0x34, 0,
                 0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x00, 0x00])


def recv_exact(s, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = s.recv_into(view[got:], n - got)
        if k == 0:
            raise ConnectionError("closed")
        got += k
    return bytes(buf)


def read_tpkt(s):
    head = recv_exact(s, 4)
    return head + recv_exact(s, struct.unpack(">H", head[2:4])[0] - 4)


def serve(port_file):
    """The upstream: one thread per connection (simple; the benchmark runs one at a time)."""
    import threading
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(lsock.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)

    def one(c):
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            read_tpkt(c)
            c.sendall(CONFIRM)
            op, size = struct.unpack(">cQ", recv_exact(c, 9))
            if op == b"U":
                buf = bytearray(CHUNK)
                left = size
                while left:
                    k = c.recv_into(buf, min(CHUNK, left))
                    if k == 0:
                        return
                    left -= k
                c.sendall(b"done")
            elif op == b"D":
                block = memoryview(bytes(CHUNK))
                left = size
                while left:
                    n = min(CHUNK, left)
                    c.sendall(block[:n])
                    left -= n
            elif op == b"P":
                for _ in range(size):
                    c.sendall(recv_exact(c, 64))
        except (ConnectionError, OSError):
            pass
        finally:
            c.close()

    while True:
        c, _ = lsock.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


def open_path(port, request):
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(request)
    cc = read_tpkt(s)
    assert cc == CONFIRM, cc
    return s


def upload(port, request, size):
    s = open_path(port, request)
    block = memoryview(bytes(CHUNK))
    t0 = time.perf_counter()
    s.sendall(struct.pack(">cQ", b"U", size))
    left = size
    while left:
        n = min(CHUNK, left)
        s.sendall(block[:n])
        left -= n
    assert recv_exact(s, 4) == b"done"
    dt = time.perf_counter() - t0
    s.close()
    return dt


def download(port, request, size):
    s = open_path(port, request)
    buf = bytearray(CHUNK)
    t0 = time.perf_counter()
    s.sendall(struct.pack(">cQ", b"D", size))
    left = size
    while left:
        k = s.recv_into(buf, min(CHUNK, left))
        assert k > 0, "closed early"
        left -= k
    dt = time.perf_counter() - t0
    s.close()
    return dt


def ping(port, request, count):
    s = open_path(port, request)
    s.sendall(struct.pack(">cQ", b"P", count))
    msg = b"x" * 64
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        s.sendall(msg)
        recv_exact(s, 64)
        times.append(time.perf_counter() - t0)
    s.close()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.99)]


def start_haproxy(workdir, upstream_port):
    from gatehouse_env import free_port, wait_for
    port = free_port()
    cfg = os.path.join(workdir, "haproxy.cfg")
    with open(cfg, "w") as f:
        f.write(f"""global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 300s
    timeout server 300s
frontend rdp
    bind 127.0.0.1:{port}
    default_backend upstream
backend upstream
    server up 127.0.0.1:{upstream_port}
""")
    proc = subprocess.Popen(["haproxy", "-db", "-f", cfg], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)

    def up():
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0
    wait_for(up, timeout=10, what="haproxy listening")
    return proc, port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get("GATEHOUSE_BIN_DIR",
                                                        os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--size-mib", type=int, default=1024)
    ap.add_argument("--pings", type=int, default=2000)
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve:
        return serve(args.serve)
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)
    import gatehouse_env
    gatehouse_env.GATEHOUSED = os.path.join(args.bin_dir, "daemon", "gatehoused")
    gatehouse_env.GATEHOUSE = os.path.join(args.bin_dir, "cli", "gatehouse")
    from rdp_env import RdpEnv, connection_request
    from gatehouse_env import wait_for

    size = args.size_mib << 20
    work = tempfile.mkdtemp(prefix="rdp-bench-")
    port_file = os.path.join(work, "upstream.port")
    upstream = subprocess.Popen([sys.executable, __file__, "--serve", port_file])
    env = RdpEnv()
    haproxy = None
    try:
        wait_for(lambda: os.path.exists(port_file), timeout=10, what="upstream")
        with open(port_file) as f:
            up_port = int(f.read())
        env.write_config(env.rdp_config_text(up_port, mode="allow"))
        env.start()
        haproxy, ha_port = start_haproxy(work, up_port)
        token = env.signed_token("alice", "win01")
        paths = [("direct", up_port, connection_request(token=token)),
                 ("haproxy 2.6 tcp", ha_port, connection_request(token=token)),
                 ("gatehouse rdp", env.rdp_port, connection_request(token=token))]
        rows = []
        for name, port, req in paths:
            up = upload(port, req, size)
            down = download(port, req, size)
            med, p99 = ping(port, req, args.pings)
            rows.append((name, up, down, med, p99))
        print(f"{args.size_mib} MiB each way, {args.pings} pings of 64 bytes, loopback, "
              f"gatehoused from {os.path.abspath(args.bin_dir)}\n")
        print("| path | upload s | upload MiB/s | download s | download MiB/s | "
              "ping median µs | ping p99 µs |")
        print("|---|---|---|---|---|---|---|")
        for name, up, down, med, p99 in rows:
            print(f"| {name} | {up:.2f} | {args.size_mib / up:.0f} | {down:.2f} | "
                  f"{args.size_mib / down:.0f} | {med * 1e6:.0f} | {p99 * 1e6:.0f} |")
    finally:
        if haproxy:
            haproxy.terminate()
            haproxy.wait()
        upstream.terminate()
        upstream.wait()
        env.stop()
        env.close()


if __name__ == "__main__":
    main()
