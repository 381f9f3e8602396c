#!/usr/bin/env python3
"""Decisions that travel between daemons (issue 16 benchmarks): three gatehoused on one real
PostgreSQL (tests/integration/support/three_daemons.py), clients on daemon A, decisions made
through daemon B's admin CLI. From this one python3-asyncssh process (the clients of
bench/ssh/held_bench.py and bench/ssh/teardown_bench.py):

  1. single: one connection held on A, approved on B; from B's decision (its `audit
     request.approved` log line) to A telling the client (A's `hold.end` line) and to the
     client seeing the "approved" banner; --single rounds (each then revoked), p50 / p99 / max
     (aim p99 <= 100 ms);
  2. many: --held connections held on A on one request, approved on B; the same two figures
     over all of them (aim p99 <= 500 ms);
  3. revocation: --sessions live sessions on A on one grant (each `cat > /dev/null` on the
     target), the grant revoked on B; from B's `grant.revoked` line to A's `session.end` line
     and to each client seeing its connection closed (aim p99 <= 1 s).

The same on one daemon (B deciding what it holds itself) would measure the gate, not the
journey: the ratio column compares the many / single figures against the aims.

With --cpu-split, daemon A (the gate measured) has the first CPU to itself; B, C, PostgreSQL,
sshd with the targets and this client share the others (bench/ssh/cpu_split.py: on a bastion
the targets and the clients are other machines, and 1,000 closing sessions here are ~3,000
target processes exiting), and the client reads releases and closes at real-time priority.

Usage: bench/multi/cross_daemon_bench.py [--bin-dir BUILD] [--held 1000] [--single 10]
       [--sessions 1000] [--ramp 64] [--session-ramp 8] [--cpu-split]
Prints a Markdown table. Everything binds 127.0.0.1."""
import argparse
import asyncio
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "support"))
sys.path.insert(0, os.path.join(HERE, "..", "ssh"))

import held_bench  # noqa: E402  (re-runs this script under /usr/bin/python3 if asyncssh lacks)
import teardown_bench  # noqa: E402
import asyncssh  # noqa: E402

percentile = held_bench.percentile


def spread(samples):
    if not samples:
        return "none"
    return (f"{percentile(samples, 50):.0f} / {percentile(samples, 99):.0f} / "
            f"{max(samples):.0f}")


CPU_SPLIT = False


def first_client():
    """Under --cpu-split: the calling thread at real-time priority (cpu_split.client_first),
    so that it reads the releases and closes before the targets' processes run."""
    if CPU_SPLIT:
        import cpu_split
        cpu_split.client_first()


def split_cpus(three):
    import cpu_split
    with open(os.path.join(three.pg.data, "postmaster.pid")) as f:
        postmaster = int(f.readline())
    others = [three.a.sshd_proc.pid, postmaster, *(d.proc.pid for d in three.daemons[1:])]
    return cpu_split.split_trees(three.a.proc.pid, others)


def client_options(key, login_timeout=3600):
    return asyncssh.SSHClientConnectionOptions(
        client_keys=[key], known_hosts=None, agent_path=None, login_timeout=login_timeout,
        kex_algs=["curve25519-sha256"], encryption_algs=["aes128-gcm@openssh.com"],
        preferred_auth=["publickey"])


async def approve_on_b(three, recs):
    """Approves A's pending request through B; (B's decision time, request id)."""
    a, b = three.daemons[0], three.daemons[1]
    rid = held_bench.pending_request(a)
    loop = asyncio.get_running_loop()
    first_client()
    r = await loop.run_in_executor(None, lambda: first_client() or b.cli(
        "approve", str(rid), "--as", "bob"))
    if r.returncode != 0:
        raise SystemExit(f"approve on B failed: {r.stderr}")
    deadline = time.time() + 120
    while time.time() < deadline and any("released" not in x and "error" not in x for x in recs):
        await asyncio.sleep(0.01)
    return held_bench.log_times(b, "request.approved", rid)[0], rid


def revoke_all(three):
    for g in three.cli_json(1, "grants"):
        if g["state"] == "active":
            three.daemons[1].cli("revoke", str(g["id"]), "--as", "bob")


async def held_round(three, key, n, ramp, rows, label):
    a = three.daemons[0]
    recs, tasks, ramp_s = await held_bench.hold_many(a, key, n, ramp, False)
    held = sum(1 for r in recs if "held" in r and "released" not in r)
    if not held:
        errors = [r["error"] for r in recs if "error" in r]
        raise SystemExit(f"none of {n} held: {len(errors)} failed, the first: "
                         f"{errors[:1]}\n{three.logs()[-3000:]}")
    decided, rid = await approve_on_b(three, recs)
    await asyncio.gather(*tasks, return_exceptions=True)
    told = [(t - decided) * 1000 for t in held_bench.log_times(a, "hold.end", rid)]
    seen = [(r["released"] - decided) * 1000 for r in recs if "released" in r]
    revoke_all(three)
    return held, ramp_s, told, seen


async def run(three, args, rows):
    key = asyncssh.read_private_key(os.path.join(three.a.dir, "alice"))
    told_1, seen_1 = [], []
    for _ in range(args.single):
        _, _, told, seen = await held_round(three, key, 1, 1, rows, "single")
        told_1 += told
        seen_1 += seen
    rows.append((f"single held connection on A, approved on B ({args.single} rounds): "
                 "B decided -> A tells it (hold.end), p50 / p99 / max ms", spread(told_1)))
    rows.append(("  -> the client sees the release, p50 / p99 / max ms", spread(seen_1)))
    rows.append(("  ratio p99 / aim 100 ms", f"{percentile(seen_1, 99) / 100:.2f}"
                 if seen_1 else "-"))
    held, ramp_s, told, seen = await held_round(three, key, args.held, args.ramp, rows, "many")
    rows.append((f"{args.held} asked, held on A (in {ramp_s:.0f} s)", str(held)))
    rows.append(("approved on B -> A tells each (hold.end), p50 / p99 / max ms", spread(told)))
    rows.append(("  -> each client sees the release, p50 / p99 / max ms", spread(seen)))
    rows.append(("  ratio p99 / aim 500 ms", f"{percentile(seen, 99) / 500:.2f}" if seen else "-"))
    rows.append(("  not released within 120 s", str(held - len(seen)) if held else "-"))
    if args.sessions:
        await revocation(three, key, args, rows)


async def revocation(three, key, args, rows):
    a, b = three.daemons[0], three.daemons[1]
    opts = client_options(key, 600)
    recs = [{} for _ in range(args.sessions)]
    first = asyncio.create_task(teardown_bench.open_session(a, opts, recs[0]))
    deadline = time.time() + 60
    while time.time() < deadline and not [r for r in three.cli_json(0, "requests")
                                          if r["state"] == "pending"]:
        await asyncio.sleep(0.1)
    rid = held_bench.pending_request(a)
    b.cli("approve", str(rid), "--as", "bob", "--duration", "2h", check=True)
    await first
    gate = asyncio.Semaphore(args.session_ramp)
    t0 = time.perf_counter()

    async def one(rec):
        async with gate:
            if time.perf_counter() - t0 < args.session_budget:
                await teardown_bench.open_session(a, opts, rec)

    await asyncio.gather(*(one(r) for r in recs[1:]))
    ramp_s = time.perf_counter() - t0
    live = [r for r in recs if "live" in r and "closed" not in r]
    grant = [g for g in three.cli_json(1, "grants") if g["request_id"] == rid][0]["id"]
    loop = asyncio.get_running_loop()
    first_client()
    r = await loop.run_in_executor(None, lambda: first_client() or b.cli(
        "revoke", str(grant), "--as", "carol"))
    if r.returncode != 0:
        raise SystemExit(f"revoke on B failed: {r.stderr}")
    deadline = time.time() + 30
    while time.time() < deadline and any("closed" not in x for x in live):
        await asyncio.sleep(0.02)
    revoked = held_bench.log_times(b, "grant.revoked", None)[-1]
    closed = [(x["closed"] - revoked) * 1000 for x in live if "closed" in x]
    ended = [(t - revoked) * 1000 for t in held_bench.log_times(a, "session.end", None)
             if t >= revoked - 1]
    for x in recs:
        if "conn" in x:
            x["conn"].abort()
    rows.append((f"{args.sessions} sessions asked, live on A (opened in {ramp_s:.0f} s)",
                 str(len(live))))
    rows.append(("revoked on B -> A ends each (session.end), p50 / p99 / max ms", spread(ended)))
    rows.append(("  -> each client sees its close, p50 / p99 / max ms", spread(closed)))
    rows.append(("  ratio p99 / aim 1,000 ms", f"{percentile(closed, 99) / 1000:.2f}"
                 if closed else "-"))
    rows.append(("  not closed within 30 s", str(len(live) - len(closed))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get("GATEHOUSE_BIN_DIR",
                                                        os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--held", type=int, default=1000)
    ap.add_argument("--single", type=int, default=10,
                    help="rounds; alice may file 20 requests a window (the filing limit)")
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--ramp", type=int, default=64, help="held handshakes in flight at once")
    ap.add_argument("--session-ramp", type=int, default=8, help="logins in flight at once")
    ap.add_argument("--session-budget", type=float, default=600,
                    help="seconds to open sessions in; fewer are live if it runs out")
    ap.add_argument("--cpu-split", action="store_true",
                    help="daemon A on one CPU, everything else on the others (cpu_split.py)")
    args = ap.parse_args()
    global CPU_SPLIT
    CPU_SPLIT = args.cpu_split
    # before the support modules are imported: they take their binaries from it
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    from three_daemons import ThreeDaemons

    cap = max(args.held, args.sessions) + 100
    three = ThreeDaemons(haproxy=False, sshd_extra=f"MaxStartups {cap}:30:{cap}\n",
                         listen_extra=f"max_held_per_person: {cap}, max_held_per_source: {cap}, "
                                      f"max_unauthenticated_per_source: {cap}")
    rows = []
    try:
        three.start()
        if args.cpu_split:
            rows.append(("CPUs", split_cpus(three)))
        t = time.perf_counter()
        try:
            asyncio.run(run(three, args, rows))
        finally:
            print(f"\n| three daemons on one PostgreSQL, loopback, {os.cpu_count()} CPUs, "
                  f"load {os.getloadavg()[0]:.1f}, "
                  f"{os.path.basename(os.path.abspath(args.bin_dir))} build | |")
            print("|---|---:|")
            for r in rows:
                print(f"| {r[0]} | {r[1]} |")
            print(f"| whole run, s | {time.perf_counter() - t:.0f} |")
    finally:
        three.close()


if __name__ == "__main__":
    main()
