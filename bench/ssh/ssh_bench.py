#!/usr/bin/env python3
"""Gatehouse's SSH path against direct OpenSSH, in one run on loopback (ARCHITECTURE: bench/
compares against OpenSSH). Starts a private sshd and gatehoused (allow rule) exactly as the
integration tests do, then measures, each direct and through Gatehouse:

  * login + `true` latency (median and p90 over N runs, new connection each time);
  * one-stream throughput, download (`head -c SIZE /dev/zero` to the client) and upload
    (`cat > /dev/null` fed by the client), with the client's default cipher and with
    aes128-gcm;
  * four concurrent download streams (aggregate).

Usage: bench/ssh/ssh_bench.py [--bin-dir BUILD] [--size-mib 256] [--runs 20]
Prints a Markdown table. Numbers depend on the machine: compare the two columns, not runs
on different hosts. Everything binds 127.0.0.1."""
import argparse
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "support"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get("GATEHOUSE_BIN_DIR",
                                                        os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--size-mib", type=int, default=256)
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)

    import gatehouse_env
    gatehouse_env.GATEHOUSED = os.path.join(os.environ["GATEHOUSE_BIN_DIR"], "daemon", "gatehoused")
    gatehouse_env.GATEHOUSE = os.path.join(os.environ["GATEHOUSE_BIN_DIR"], "cli", "gatehouse")
    from ssh_env import BATCH, CLIENT_OPTS, SshEnv

    env = SshEnv()
    try:
        env.start_sshd()
        env.write_config(env.ssh_config_text(mode="allow"))
        env.start()

        def direct(opts=()):
            return ["ssh", *CLIENT_OPTS, *BATCH, *opts, "-i", env.account_key, "-p",
                    str(env.sshd_port), f"{env.account}@127.0.0.1"]

        def gated(opts=()):
            return env.ssh_args(opts=opts)

        size = args.size_mib << 20
        rows = []

        def latency(make):
            samples = []
            for _ in range(args.runs):
                t = time.perf_counter()
                subprocess.run(make() + ["true"], check=True, capture_output=True)
                samples.append((time.perf_counter() - t) * 1000)
            samples.sort()
            return statistics.median(samples), samples[int(len(samples) * 0.9) - 1]

        d, g = latency(direct), latency(gated)
        rows.append(("login + true, median ms", f"{d[0]:.0f}", f"{g[0]:.0f}"))
        rows.append(("login + true, p90 ms", f"{d[1]:.0f}", f"{g[1]:.0f}"))

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
        rows.append(("4 concurrent downloads, MiB/s total", f"{download(direct, (), 4):.0f}",
                     f"{download(gated, (), 4):.0f}"))

        print(f"\n| {args.size_mib} MiB per stream, loopback, {os.cpu_count()} CPUs | direct OpenSSH "
              "| through Gatehouse |")
        print("|---|---:|---:|")
        for r in rows:
            print(f"| {r[0]} | {r[1]} | {r[2]} |")
    finally:
        env.close()


if __name__ == "__main__":
    main()
