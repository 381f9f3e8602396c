#!/usr/bin/env python3
"""Relay throughput with the audit trail on vs off, in one run on loopback (issue 6 aim: at
most 5% slower). Two gatehoused instances in front of one private sshd, started exactly as
the integration tests do:

  off: no audit.log, no recordings (events only go to the daemon's log lines);
  on:  audit.log (hash chain, fdatasync per security event) + audit.recordings.

Measured through each, alternating off/on, median of --runs:

  * pty output (recorded as asciicast when on): `ssh -tt` printing a text file of SIZE;
  * SFTP download and upload of a SIZE file (the SFTP observer's sftp.* events are logged
    when on; the observer parses in both cases);
  * exec download (`head -c SIZE /dev/zero`), which no audit feature touches (control).

Usage: bench/audit/audit_bench.py [--bin-dir BUILD] [--size-mib 128] [--runs 5]
Prints a Markdown table. Everything binds 127.0.0.1."""
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
    ap.add_argument("--size-mib", type=int, default=128)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    # before the support modules are imported: they take their binaries from it
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)

    import gatehouse_env
    from gatehouse_env import free_port
    from ssh_env import SshEnv

    off = SshEnv()
    on = SshEnv()
    try:
        off.start_sshd()
        off.write_config(off.ssh_config_text(mode="allow"))
        off.start()
        # the second daemon fronts the same sshd: its server entry points at off's sshd
        on.sshd_port = off.sshd_port
        on.upstream_host_key = off.upstream_host_key
        on.account_key = off.account_key
        log = os.path.join(on.dir, "audit.jsonl")
        recordings = os.path.join(on.dir, "recordings")
        os.makedirs(recordings)
        text = on.ssh_config_text(mode="allow").replace(
            "users:\n", f"audit:\n  log: {log}\n  recordings: {recordings}\n  max_file_size: 1G\n"
            "users:\n", 1)
        on.write_config(text)
        on.start()

        size = args.size_mib << 20
        data = os.path.join(off.dir, "payload.txt")
        with open(data, "wb") as f:  # printable text, as a terminal would show
            line = (b"The quick brown fox jumps over the lazy dog 0123456789 " * 2)[:110] + b"\n"
            f.write(line * (size // len(line)))
        actual = os.path.getsize(data)
        sink = os.path.join(off.dir, "sink")
        os.makedirs(sink)

        def timed(cmd, **kw):
            t = time.perf_counter()
            r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
            if r.returncode != 0:
                raise SystemExit(f"failed: {' '.join(cmd)}: {r.stderr.decode()[-300:]}")
            return actual / (1 << 20) / (time.perf_counter() - t)

        def pty(env):
            return timed(env.ssh_args(opts=["-tt"]) + [f"cat {data}"], stdin=subprocess.DEVNULL)

        def sftp(env, direction):
            batch = os.path.join(env.dir, "batch")
            with open(batch, "w") as f:
                if direction == "get":
                    f.write(f"get {data} {sink}/got\n")
                else:
                    f.write(f"put {data} {sink}/put-{env.ssh_port}\n")
            return timed(["sftp", *env.scp_base()[1:-2], "-P", str(env.ssh_port), "-b", batch,
                          f"alice@{env.account}@web01@127.0.0.1"])

        def exec_download(env):
            return timed(env.ssh_args() + [f"head -c {actual} /dev/zero"])

        cases = [("pty output (recorded when on)", pty),
                 ("SFTP download", lambda e: sftp(e, "get")),
                 ("SFTP upload", lambda e: sftp(e, "put")),
                 ("exec download (control)", exec_download)]
        rows = []
        for label, fn in cases:
            samples = {"off": [], "on": []}
            for _ in range(args.runs):
                samples["off"].append(fn(off))
                samples["on"].append(fn(on))
            a, b = statistics.median(samples["off"]), statistics.median(samples["on"])
            rows.append((label, f"{a:.0f}", f"{b:.0f}", f"{(b - a) / a * 100:+.1f}%"))
        events = sum(1 for _ in open(log))
        casts = len(os.listdir(recordings))
        print(f"\n| {args.size_mib} MiB, median of {args.runs}, loopback, {os.cpu_count()} CPUs "
              "| audit off MiB/s | audit on MiB/s | change |")
        print("|---|---:|---:|---:|")
        for r in rows:
            print(f"| {' | '.join(r)} |")
        print(f"\n(audit on wrote {events} events and {casts} recordings)")
        v = subprocess.run([gatehouse_env.GATEHOUSE, "audit", "verify", log], capture_output=True,
                           text=True)
        print(v.stdout.strip() or v.stderr.strip())
    finally:
        on.close()
        off.close()


if __name__ == "__main__":
    main()
