#!/usr/bin/env python3
"""SSH login rate: how many complete logins per second the gate takes, against sshd's own rate
on the same box (issue 20 benchmark "connection rate").

Starts a private sshd (the target "web01") and gatehoused on loopback as the integration tests
do (bob's rule allows web01), then runs --clients loops of the real OpenSSH client at once for
--seconds each, every loop starting one `ssh` after the other (BatchMode, public key,
`KexAlgorithms curve25519-sha256` as the issue's sshd reference, default ciphers; without it
OpenSSH 9.2 talking to sshd picks sntrup761x25519, which libssh 0.10 lacks, and the direct row
would pay a post-quantum key exchange the gated rows do not):

  1. sshd:         `ssh -p SSHD account@127.0.0.1 true`: sshd's own login rate, the anchor;
  2. gate login:   `ssh -p GATE bob@127.0.0.1 requests`: a complete login to the gate (key
                   exchange, public-key authentication, the policy's person lookup, a session
                   channel, a command answered from the store, exit status, close): what the
                   gate itself can take in, each login a new connection;
  3. through gate: `ssh -p GATE bob@account@web01@127.0.0.1 true`: a gated login relayed to
                   sshd. Every such login is also a complete sshd login (the gate dials the
                   target for each), on the same CPUs, so on one box it is bounded by the
                   sshd figure; on a bastion the targets are other machines.

The gated rows run once per --workers value (the daemon restarted with `workers: N`). The
table gives logins/s, the median and p99 time of one login, failures, and the ratios to the
sshd row. The clients, sshd and the gate share the CPUs (like the issue's 36.5/s reference,
"clients on the same 2 cores").

Usage: bench/ssh/login_rate_bench.py [--bin-dir BUILD] [--seconds 15] [--clients 8]
       [--workers 1,2]
Everything binds 127.0.0.1."""
import argparse
import concurrent.futures
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "support"))
from stats import percentile  # noqa: E402


def rate(argv, clients, seconds):
    """Runs `argv` in `clients` loops until `seconds` pass; returns (logins/s, ms list,
    failures, first failure's text)."""
    deadline = time.perf_counter() + seconds

    def loop():
        ms, failed, why = [], 0, ""
        while time.perf_counter() < deadline:
            t = time.perf_counter()
            r = subprocess.run(argv, capture_output=True, timeout=120)
            if r.returncode == 0:
                ms.append((time.perf_counter() - t) * 1000)
            else:
                failed += 1
                why = why or r.stderr.decode(errors="replace").strip()[-300:]
        return ms, failed, why

    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda _: loop(), range(clients)))
    elapsed = time.perf_counter() - start
    ms = [m for r in results for m in r[0]]
    failed = sum(r[1] for r in results)
    why = next((r[2] for r in results if r[2]), "")
    return len(ms) / elapsed, ms, failed, why


def row(name, measured, anchor=None):
    per_s, ms, failed, why = measured
    ratio = f"{per_s / anchor:.2f}" if anchor else "1"
    times = f"{statistics.median(ms):.0f} / {percentile(ms, 99):.0f}" if ms else "-"
    out = f"| {name} | {per_s:.1f} | {times} | {failed} | {ratio} |"
    if failed:
        out += f"\n| &nbsp;&nbsp;first failure | {why[:200]} | | | |"
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get("GATEHOUSE_BIN_DIR",
                                                        os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--clients", type=int, default=8, help="client loops at once")
    ap.add_argument("--workers", default="1,2", help="gate io threads, comma-separated")
    args = ap.parse_args()
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)
    workers = [int(w) for w in args.workers.split(",")]

    import gatehouse_env  # noqa: F401 (reads GATEHOUSE_BIN_DIR)
    from ssh_env import CLIENT_OPTS, BATCH, SshEnv
    kex = ["-o", "KexAlgorithms=curve25519-sha256"]

    env = SshEnv()
    rows = []
    t0 = time.perf_counter()
    try:
        cap = args.clients * 4 + 100
        env.start_sshd(extra=f"MaxStartups {cap}:30:{cap}\n")
        direct = ["ssh", *CLIENT_OPTS, *BATCH, *kex, "-i", env.account_key, "-p", str(env.sshd_port),
                  f"{env.account}@127.0.0.1", "true"]
        if subprocess.run(direct, capture_output=True, timeout=60).returncode != 0:
            raise SystemExit("ssh to sshd failed")
        anchor = rate(direct, args.clients, args.seconds)
        rows.append(row("sshd: `ssh true` direct", anchor))
        bob_allowed = ("  - { name: bob-direct, users: [bob], servers: [web01], accounts: [\"*\"], "
                       "mode: allow }\n")
        for w in workers:
            os.environ["GATEHOUSE_TEST_WORKERS"] = str(w)
            env.write_config(env.ssh_config_text(
                mode="approve", rule_extra=bob_allowed,
                listen_extra=f"max_unauthenticated_per_source: {cap}"))
            env.start()
            try:
                own = env.ssh_args(person="bob", target="", opts=kex) + ["requests"]
                relayed = env.ssh_args(person="bob", opts=kex) + ["true"]
                for argv in (own, relayed):
                    r = subprocess.run(argv, capture_output=True, timeout=60)
                    if r.returncode != 0:
                        raise SystemExit(f"{argv[-2:]} failed: {r.stderr.decode()}")
                rows.append(row(f"gate login (`ssh bob@gate requests`), workers {w}",
                                rate(own, args.clients, args.seconds), anchor[0]))
                rows.append(row(f"through the gate (`ssh bob@…@web01 true`), workers {w}",
                                rate(relayed, args.clients, args.seconds), anchor[0]))
            finally:
                env.proc.terminate()
                env.proc.wait(30)
    finally:
        env.close()
    print(f"\n| SSH logins, loopback, {os.cpu_count()} CPUs, {args.clients} client loops, "
          f"{args.seconds:.0f} s each, {os.path.basename(os.path.abspath(args.bin_dir))} build "
          "| logins/s | ms per login p50 / p99 | failed | / sshd |")
    print("|---|---:|---:|---:|---:|")
    print("\n".join(rows))
    print(f"| whole run, s | {time.perf_counter() - t0:.0f} | | | |")


if __name__ == "__main__":
    main()
