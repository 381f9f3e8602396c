#!/usr/bin/env python3
"""Gated web apps against nginx (issue 15, "Benchmarks"): one run each, ratios.

Starts, on 127.0.0.1 (bench/http/http_env.py): a fixed upstream (nginx, `worker_processes 1`,
a 128-byte file and a sparse 1 GiB file), nginx as the reference TLS reverse proxy to it
(`worker_processes 1`, the gate's certificate, TLS versions and TLS 1.2 suites, keep-alive
upstream) and the gate (gatehoused from --bin-dir, apps under apps.gate.test, an `allow` rule
for the bench person, who uses a personal token). Then, in this order:

  1. idle WebSockets (--websockets, default 10,000) through the gate, then through nginx: each
     proxy's RSS before and after, per connection (websocket_bench.py);
  2. WebSockets on one grant (--revoke-websockets, default 1,000), then `gatehouse revoke`:
     the time from the command to each close frame (1008), p50/p99;
  3. small responses, wrk, --connections (64) keep-alive connections, --seconds each: direct
     (plain HTTP to the upstream), through nginx, through the gate: requests/s and p99;
  4. the 1 GiB file, curl, once each: direct, nginx, gate: throughput.

wrk and curl reach the app's host name (SNI and Host are files.apps.gate.test:PORT) at
127.0.0.1: wrk through a Lua `wrk.resolve`, curl with --connect-to. Prints one table with the
gate's ratios to nginx from this run; --json FILE also writes the figures.

Usage: bench/http/http_bench.py [--bin-dir build-bench] [--seconds 10] [--connections 64]
       [--websockets 10000] [--revoke-websockets 1000] [--only idle,revoke,small,download]
Binaries: --bin-dir or GATEHOUSE_BIN_DIR (a Release build: cmake -DCMAKE_BUILD_TYPE=Release
-DGATEHOUSE_BENCH=ON; builds nothing itself). Needs nginx-light, wrk, curl, python3-aiohttp
(re-runs itself under /usr/bin/python3 if needed). Holds /tmp/gh-build.lock while it runs
(waits for a build to end first), so no build competes with it."""
import argparse
import asyncio
import fcntl
import json
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

try:
    import aiohttp  # noqa: F401  (python3-aiohttp, for websocket_bench)
except ImportError:  # pyenv or a venv on PATH: the Debian package lives in the system python
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

from http_env import BIG_BYTES, DOMAIN, SMALL_BYTES, HttpBenchEnv  # noqa: E402
import websocket_bench  # noqa: E402

BUILD_LOCK = "/tmp/gh-build.lock"
# wrk connects to what its URL's host resolves to; the app's host name has no DNS here.
LOOPBACK_LUA = ("wrk.resolve = function(host, service) "
                'wrk.addrs = wrk.lookup("127.0.0.1", service) end\n')


class BuildLock:
    """Holds the shared build lock while the benchmark runs (no build then competes for the
    CPUs; builds wait); `ignore` for a smoke test of this script only."""

    def __init__(self, ignore):
        self.ignore, self.file = ignore, None

    def __enter__(self):
        if self.ignore:
            return self
        self.file = open(BUILD_LOCK, "a")
        try:
            fcntl.flock(self.file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("waiting for the build lock (a build runs)", file=sys.stderr)
            fcntl.flock(self.file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.file:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.file.close()


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def to_ms(text):
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[m.group(2)]


def wrk(url, args, lua, headers=()):
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s",
           "--latency", "--timeout", "10s", "-s", lua]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=args.seconds + 60)
    text = out.stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:(.*)", text)
    if not rps or not p99:
        raise SystemExit(f"wrk gave no figures for {url}:\n{text}\n{out.stderr}")
    return {"rps": float(rps.group(1)), "p50_ms": to_ms(p50.group(1)),
            "p99_ms": to_ms(p99.group(1)), "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1).strip() if errors else ""}


def curl(url, env, headers=(), connect_to=None):
    cmd = ["curl", "-sS", "-o", "/dev/null", "--cacert", env.cert, "-w",
           "%{http_code} %{size_download} %{time_total}"]
    if connect_to:
        cmd += ["--connect-to", connect_to]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=600)
    code, size, seconds = out.stdout.split()
    if code != "200":
        raise SystemExit(f"curl {url}: HTTP {code} {out.stderr}")
    return {"bytes": int(size), "seconds": float(seconds),
            "mib_s": int(size) / float(seconds) / (1 << 20)}


class Targets:
    """The same file through each path: direct (plain HTTP), nginx, the gate."""

    def __init__(self, env, token):
        self.env = env
        self.auth = f"Authorization: Bearer {token}"
        self.host = f"files.{DOMAIN}"

    def url(self, which, path):
        if which == "direct":
            return f"http://127.0.0.1:{self.env.upstream_port}{path}"
        port = self.env.proxy_port if which == "nginx" else self.env.gate_port
        return f"https://{self.host}:{port}{path}"

    def connect_to(self, which):
        if which == "direct":
            return None
        port = self.env.proxy_port if which == "nginx" else self.env.gate_port
        return f"{self.host}:{port}:127.0.0.1:{port}"


def small_responses(env, targets, args, lua, results, rows):
    for which in ("direct", "nginx", "gate"):
        # Warm-up (not counted): the gate's session for the token, TLS, upstream keep-alive.
        curl(targets.url(which, "/small"), env, [targets.auth], targets.connect_to(which))
        results["small"][which] = r = wrk(targets.url(which, "/small"), args, lua, [targets.auth])
        rows.append((f"small ({SMALL_BYTES} B), {args.connections} conns, {which}: req/s; "
                     "p50 / p99 ms", f"{r['rps']:.0f}; {r['p50_ms']:.2f} / {r['p99_ms']:.2f}"
                     + (f" ({r['non_2xx']} non-2xx)" if r["non_2xx"] else "")
                     + (f" (socket errors:{r['socket_errors']})" if r["socket_errors"] else "")))


def download(env, targets, results, rows):
    for which in ("direct", "nginx", "gate"):
        r = curl(targets.url(which, "/big"), env, [targets.auth], targets.connect_to(which))
        if r["bytes"] != BIG_BYTES:
            raise SystemExit(f"{which}: {r['bytes']} bytes, not {BIG_BYTES}")
        results["download"][which] = r
        rows.append((f"1 GiB download, {which}: MiB/s (s)",
                     f"{r['mib_s']:.0f} ({r['seconds']:.2f})"))


def negotiated_tls(env, port):
    """The TLS version and suite a default client gets (wrk and curl use OpenSSL's defaults)."""
    import socket
    import ssl
    ctx = ssl.create_default_context(cafile=env.cert)
    with socket.create_connection(("127.0.0.1", port), 10) as raw:
        with ctx.wrap_socket(raw, server_hostname=f"files.{DOMAIN}") as tls:
            version, suite = tls.version(), tls.cipher()[0]
    return f"{version} {suite}"


def ratio_rows(results):
    out = []
    small, big = results.get("small", {}), results.get("download", {})
    if "gate" in small and "nginx" in small:
        g, n = small["gate"], small["nginx"]
        out.append(("small: gate / nginx requests/s (goal >= 0.8)",
                    f"{g['rps'] / n['rps']:.2f}"))
        out.append(("small: gate / nginx p99 (goal <= 1.5)", f"{g['p99_ms'] / n['p99_ms']:.2f}"))
    if "idle" in results and "idle_nginx" in results:
        gate, nginx = results["idle"], results["idle_nginx"]
        out.append(("idle WebSocket memory: gate / nginx",
                    f"{gate['per_socket_kib'] / nginx['per_socket_kib']:.2f}"))
    if "gate" in big and "nginx" in big:
        out.append(("1 GiB: gate / nginx throughput (goal >= 0.9)",
                    f"{big['gate']['mib_s'] / big['nginx']['mib_s']:.2f}"))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get(
        "GATEHOUSE_BIN_DIR", os.path.join(HERE, "..", "..", "build-bench")))
    ap.add_argument("--seconds", type=int, default=10, help="each wrk run")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--websockets", type=int, default=10000, help="idle WebSockets")
    ap.add_argument("--revoke-websockets", type=int, default=1000)
    ap.add_argument("--per-source", type=int, default=60,
                    help="WebSockets per client address 127.0.0.x (the gate caps each source)")
    ap.add_argument("--only", default="idle,revoke,small,download")
    ap.add_argument("--audit-http", choices=("requests", "sessions"), default="requests",
                    help="the gate's audit.http: an event per request (the default) or per session")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--ignore-builds", action="store_true",
                    help="do not wait for the build lock: a smoke test of this script only")
    args = ap.parse_args()
    bin_dir = os.path.abspath(args.bin_dir)
    if not os.path.exists(os.path.join(bin_dir, "daemon", "gatehoused")):
        raise SystemExit(f"no gatehoused under {bin_dir} (build it first, Release)")
    nofile = websocket_bench.raise_open_files()

    with BuildLock(args.ignore_builds):
        run(args, bin_dir, nofile)


def run(args, bin_dir, nofile):
    only = set(args.only.split(","))
    results = {"small": {}, "download": {}, "loadavg_start": loadavg()}
    rows = []
    env = HttpBenchEnv(bin_dir, audit_http=args.audit_http)
    started = time.perf_counter()
    try:
        lua = os.path.join(env.dir, "loopback.lua")
        with open(lua, "w") as f:
            f.write(LOOPBACK_LUA)
        if "idle" in only:
            # Each WebSocket takes two descriptors in the gate (client and upstream), and the
            # gate inherits this process's limit (the hard one; it cannot be raised here).
            fitting = (nofile - 100) // 2
            if args.websockets > fitting:
                rows.append(("idle WebSockets asked, capped by the open-files limit "
                             f"({nofile}: two per WebSocket in the gate)",
                             f"{args.websockets} -> {fitting}"))
            for via in ("gate", "nginx"):
                results["idle" if via == "gate" else "idle_nginx"] = asyncio.run(
                    websocket_bench.idle_sockets(env, min(args.websockets, fitting),
                                                 args.per_source, rows, via))
        if "revoke" in only:
            results["revoke"] = asyncio.run(websocket_bench.revoke_closes(
                env, args.revoke_websockets, args.per_source, rows))
        targets = Targets(env, env.token("files"))
        rows.append(("TLS negotiated: nginx / gate", negotiated_tls(env, env.proxy_port) + " / "
                     + negotiated_tls(env, env.gate_port)))
        if "small" in only:
            small_responses(env, targets, args, lua, results, rows)
        if "download" in only:
            download(env, targets, results, rows)
        results["loadavg_end"] = loadavg()
        print(f"\n| HTTP apps, loopback, {os.cpu_count()} CPUs (shared), "
              f"{os.path.basename(bin_dir)} build, audit.http {args.audit_http}, "
              f"open files {nofile} | |")
        print("|---|---:|")
        for r in rows + ratio_rows(results):
            print(f"| {r[0]} | {r[1]} |")
        print(f"| load average at the start / end | {results['loadavg_start']} / "
              f"{results['loadavg_end']} |")
        print(f"| whole run, s | {time.perf_counter() - started:.0f} |")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
    finally:
        env.close()


if __name__ == "__main__":
    main()
