#!/usr/bin/env python3
"""Session setup through Gatehouse with an upstream certificate vs with the account's key file
(issue 19: aim <= 1.1x). One private sshd trusts both (authorized_keys and TrustedUserCAKeys);
the gate has two servers on it: web01 (key_file) and web02 (auth: certificate: a fresh Ed25519
key and a certificate signed per session). alice's rule is `allow`; each run is a new
connection doing `true` (curve25519 forced, as in ssh_bench.py), the two kinds alternating so
that drift hits both alike.

Usage: bench/ssh/cert_setup_bench.py [--bin-dir BUILD] [--runs 40]
Prints a Markdown table with medians, p90 and the ratio of the medians. Everything binds
127.0.0.1; compare the two columns, not runs on different hosts."""
import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "support"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get("GATEHOUSE_BIN_DIR",
                                                        os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--runs", type=int, default=40)
    args = ap.parse_args()
    # before the support modules are imported: they take their binaries from it
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)

    from gatehouse_env import ssh_keygen
    from ssh_env import SshEnv

    env = SshEnv()
    try:
        ca = os.path.join(env.dir, "user_ca")
        ssh_keygen(ca)
        env.start_sshd(extra=f"TrustedUserCAKeys {ca}.pub\n")
        host_key = " ".join(env.upstream_host_key.split()[:2])
        web02 = textwrap.dedent(f"""\
            - name: web02
              address: "127.0.0.1:{env.sshd_port}"
              host_key: "{host_key}"
              accounts:
                - {{ name: {env.account}, auth: certificate }}
            """)
        text = env.ssh_config_text(mode="allow", extra_servers=web02)
        text = text.replace("servers: [web01]", "servers: [web01, web02]")
        env.write_config(text + f"ssh:\n  ca_key: {ca}\n")
        env.start()

        samples = {"web01": [], "web02": []}
        for _ in range(args.runs):
            for server in ("web01", "web02"):
                cmd = env.ssh_args(target=f"{env.account}@{server}",
                                   opts=("-o", "KexAlgorithms=curve25519-sha256")) + ["true"]
                t = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                samples[server].append((time.perf_counter() - t) * 1000)

        def stats(s):
            s = sorted(s)
            return statistics.median(s), s[int(len(s) * 0.9) - 1]

        key, cert = stats(samples["web01"]), stats(samples["web02"])
        print("| login + true through the gate | key file | certificate |")
        print("| --- | ---: | ---: |")
        print(f"| median ms | {key[0]:.1f} | {cert[0]:.1f} |")
        print(f"| p90 ms | {key[1]:.1f} | {cert[1]:.1f} |")
        print(f"\nratio of the medians, certificate / key file (aim <= 1.1): "
              f"{cert[0] / key[0]:.3f}  ({args.runs} runs each)")
    finally:
        env.close()


if __name__ == "__main__":
    main()
