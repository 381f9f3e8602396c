#!/usr/bin/env python3
"""Gatehouse's SSH path against direct OpenSSH, in one run on loopback (ARCHITECTURE: bench/
compares against OpenSSH). Starts a private sshd and gatehoused exactly as the integration
tests do; alice's rule needs approval, and the script approves one request for 4 h first, so
every gated connection below runs on that standing grant. Then, each direct and through
Gatehouse:

  * login + `true` latency (median and p90 over N runs, new connection each time), with
    curve25519-sha256 forced on the client (the gate uses it upstream too) so that both
    paths do the same key exchange;
  * 1 GiB (--big-mib) uploads, each as a ratio gate / direct: `ssh … 'cat > /dev/null'`
    (aes128-gcm), scp and sftp of a sparse file to /dev/null; --rounds pairs in alternating
    order, ratio of the medians;
  * one-stream throughput, download (`head -c SIZE /dev/zero` to the client) and upload
    (`cat > /dev/null` fed by the client), with the client's default cipher and with
    aes128-gcm;
  * four concurrent download streams (aggregate).

With --streams-only, only the stream figures (the last two items). The gate runs with
`workers` from GATEHOUSE_TEST_WORKERS (default: the daemon's, 1); the table names it.

Usage: bench/ssh/ssh_bench.py [--bin-dir BUILD] [--size-mib 256] [--big-mib 1024] [--runs 20]
       [--rounds 3] [--streams-only]
Prints a Markdown table. Numbers depend on the machine: compare the two columns, not runs
on different hosts. Everything binds 127.0.0.1."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "support"))


def standing_grant(env, wait_for):
    """One held connection, approved for 4 h: the grant every gated connection then uses."""
    proc = env.ssh_popen("true")
    wait_for(lambda: [r for r in json.loads(env.cli("requests", "--json").stdout or "[]")
                      if r["state"] == "pending"], timeout=30, what="request filed")
    rid = json.loads(env.cli("requests", "--json").stdout)[0]["id"]
    env.cli("approve", str(rid), "--as", "bob", "--duration", "4h", check=True)
    if proc.wait(60) != 0:
        raise SystemExit("the approved connection failed: " + proc.stderr.read().decode())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get("GATEHOUSE_BIN_DIR",
                                                        os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--size-mib", type=int, default=256)
    ap.add_argument("--big-mib", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--streams-only", action="store_true",
                    help="only the one-stream and four-stream throughput")
    ap.add_argument("--rounds", type=int, default=3,
                    help="direct/gate pairs per big transfer (medians)")
    args = ap.parse_args()
    # before the support modules are imported: they take their binaries from it
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)

    from gatehouse_env import wait_for
    from ssh_env import BATCH, CLIENT_OPTS, SshEnv

    env = SshEnv()
    try:
        env.start_sshd()
        env.write_config(env.ssh_config_text(mode="approve"))
        env.start()
        standing_grant(env, wait_for)

        def direct(opts=()):
            return ["ssh", *CLIENT_OPTS, *BATCH, *opts, "-i", env.account_key, "-p",
                    str(env.sshd_port), f"{env.account}@127.0.0.1"]

        def gated(opts=()):
            return env.ssh_args(opts=opts)

        size = args.size_mib << 20
        rows = []
        ratios = []

        def latency(make):
            samples = []
            for _ in range(args.runs):
                t = time.perf_counter()
                subprocess.run(make(("-o", "KexAlgorithms=curve25519-sha256")) + ["true"],
                               check=True, capture_output=True)
                samples.append((time.perf_counter() - t) * 1000)
            samples.sort()
            return statistics.median(samples), samples[int(len(samples) * 0.9) - 1]

        if not args.streams_only:
            d, g = latency(direct), latency(gated)
            rows.append(("login + true (curve25519), median ms", f"{d[0]:.0f}", f"{g[0]:.0f}"))
            rows.append(("login + true (curve25519), p90 ms", f"{d[1]:.0f}", f"{g[1]:.0f}"))
            ratios.append(("session setup, median gate / direct (aim <= 1.25)", g[0] / d[0]))

        big = os.path.join(env.dir, "big")
        with open(big, "wb") as f:
            f.truncate(args.big_mib << 20)  # sparse: reading it costs no disk
        with open(big, "rb") as f:  # in the page cache before the first transfer
            while f.read(1 << 20):
                pass
        gcm = ("-c", "aes128-gcm@openssh.com")

        def timed(cmd, stdin=None):
            t = time.perf_counter()
            p = subprocess.run(cmd, stdin=stdin, capture_output=True)
            if p.returncode != 0:
                raise SystemExit(f"failed: {' '.join(cmd)}: {p.stderr.decode()[-300:]}")
            return time.perf_counter() - t

        def cat_up(make):
            with open(big, "rb") as f:
                return timed(make(gcm) + ["cat > /dev/null"], stdin=f)

        def scp_direct():
            return timed(["scp", *CLIENT_OPTS, *BATCH, *gcm, "-i", env.account_key, "-P",
                          str(env.sshd_port), big, f"{env.account}@127.0.0.1:/dev/null"])

        def scp_gated():
            return timed(env.scp_base() + [*gcm, big, env.remote("/dev/null")])

        batch = os.path.join(env.dir, "sftp-batch")
        with open(batch, "w") as f:
            f.write(f"put {big} /dev/null\n")

        def sftp_direct():
            return timed(["sftp", *CLIENT_OPTS, *BATCH, *gcm, "-b", batch, "-i", env.account_key,
                          "-P", str(env.sshd_port), f"{env.account}@127.0.0.1"])

        def sftp_gated():
            return timed(["sftp", *CLIENT_OPTS, *BATCH, *gcm, "-b", batch, "-i",
                          os.path.join(env.dir, "alice"), "-P", str(env.ssh_port),
                          f"alice@{env.account}@web01@127.0.0.1"])

        uploads = () if args.streams_only else (
            (f"{args.big_mib} MiB ssh 'cat > /dev/null', s", lambda: cat_up(direct),
             lambda: cat_up(gated)),
            (f"{args.big_mib} MiB scp upload, s", scp_direct, scp_gated),
            (f"{args.big_mib} MiB sftp put, s", sftp_direct, sftp_gated))
        for label, fd, fg in uploads:
            # Pairs in alternating order, medians: one transfer alone swings with the page
            # cache and whatever else the two CPUs run at that moment.
            tds, tgs = [], []
            for i in range(args.rounds):
                if i % 2:
                    tgs.append(fg())
                    tds.append(fd())
                else:
                    tds.append(fd())
                    tgs.append(fg())
            td, tg = statistics.median(tds), statistics.median(tgs)
            rows.append((label + f" (median of {args.rounds})", f"{td:.1f}", f"{tg:.1f}"))
            ratios.append((label.split(",")[0] + " throughput, gate / direct (aim >= 0.6)",
                           td / tg))

        def download(make, opts=(), streams=1):
            t = time.perf_counter()
            procs = [subprocess.Popen(make(opts) + [f"head -c {size} /dev/zero"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                     for _ in range(streams)]
            for p in procs:
                if p.wait() != 0:
                    raise SystemExit("download failed")
            return streams * args.size_mib / (time.perf_counter() - t)

        def upload(make, opts=()):
            t = time.perf_counter()
            feeder = subprocess.Popen(["head", "-c", str(size), "/dev/zero"],
                                      stdout=subprocess.PIPE)
            p = subprocess.run(make(opts) + ["cat > /dev/null"], stdin=feeder.stdout,
                               stderr=subprocess.DEVNULL)
            feeder.wait()
            if p.returncode != 0:
                raise SystemExit("upload failed")
            return args.size_mib / (time.perf_counter() - t)

        for label, opts in (("default cipher", ()),
                            ("aes128-gcm", ("-c", "aes128-gcm@openssh.com"))):
            rows.append((f"download MiB/s, {label}", f"{download(direct, opts):.0f}",
                         f"{download(gated, opts):.0f}"))
            rows.append((f"upload MiB/s, {label}", f"{upload(direct, opts):.0f}",
                         f"{upload(gated, opts):.0f}"))
        d4, g4 = download(direct, (), 4), download(gated, (), 4)
        rows.append(("4 concurrent downloads, MiB/s total", f"{d4:.0f}", f"{g4:.0f}"))
        ratios.append(("4 concurrent downloads, gate / direct (aim >= 0.8)", g4 / d4))

        workers = os.environ.get("GATEHOUSE_TEST_WORKERS", "1")
        print(f"\n| {args.size_mib} MiB per stream, loopback, {os.cpu_count()} CPUs, gate workers "
              f"{workers} | direct OpenSSH | through Gatehouse |")
        print("|---|---:|---:|")
        for r in rows:
            print(f"| {r[0]} | {r[1]} | {r[2]} |")
        print("\n| ratio | |\n|---|---:|")
        for name, value in ratios:
            print(f"| {name} | {value:.2f} |")
    finally:
        env.close()


if __name__ == "__main__":
    main()
