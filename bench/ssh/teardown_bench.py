#!/usr/bin/env python3
"""Teardown at scale: many live SSH sessions on one grant, all closed when it ends (issue 4).

Starts a private sshd (MaxStartups raised) and gatehoused on loopback as the integration tests
do (alice's rule needs approval). One python3-asyncssh process then:

  1. connects once (held), approves the request with `--duration D` -> the grant;
  2. opens N sessions of alice on that grant, each running `cat > /dev/null` on the target (the first
     is the one that was held); --ramp logins in flight at once;
  3. waits for the grant's end (--end expire, default) or revokes it (--end revoke) and notes,
     for every client, when its connection closed (wall clock) and the reason it was given;
  4. prints the spread from the grant's end to each close: p50 / p99 / max and how many took
     more than 1 s; also to the gate's own `audit session.end` line for each (the client figure
     also holds the one python process's time to read all the closes).

Usage: bench/ssh/teardown_bench.py [--bin-dir BUILD] [--sessions 1000] [--duration 150]
       [--end expire|revoke] [--ramp 8] [--cpu-split]
The grant must outlast the ramp (on a busy 2-core machine 1,000 logins take a minute or two:
each is a gate login plus an sshd login); logins stop 15 s before the grant's end and the
table says how many were live. Each session costs an sshd monitor, an sshd child and a `cat`
on the target (about 1,000 x 3 processes; on the busy reference machine ~2 logins/s).
Needs python3-asyncssh (re-runs itself under /usr/bin/python3 if needed). Binds 127.0.0.1."""
import argparse
import asyncio
import datetime
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "support"))
from stats import percentile  # noqa: E402

try:
    import asyncssh
except ImportError:  # pyenv or a venv on PATH: the Debian package lives in the system python
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise


def cpu_seconds(pid):
    """User + system CPU time of a process so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")



class Live(asyncssh.SSHClient):
    def __init__(self, rec):
        self.rec = rec

    def connection_lost(self, exc):
        self.rec["closed"] = time.time()
        self.rec["reason"] = str(exc) if exc else ""


async def open_session(env, opts, rec):
    try:
        conn, _ = await asyncssh.create_connection(
            lambda: Live(rec), "127.0.0.1", env.ssh_port,
            username=f"alice@{env.account}@web01", options=opts)
        rec["conn"] = conn
        # `cat` ends when its stdin closes: nothing outlives the session on the target.
        rec["process"] = await conn.create_process("cat > /dev/null")
        rec["live"] = time.time()
    except (OSError, asyncssh.Error) as e:
        rec["error"] = str(e)


def cli_json(env, *args):
    return json.loads(env.cli(*args, "--json", check=True).stdout)


async def run(env, args, rows):
    loop = asyncio.get_running_loop()
    key = asyncssh.read_private_key(os.path.join(env.dir, "alice"))
    opts = asyncssh.SSHClientConnectionOptions(
        client_keys=[key], known_hosts=None, agent_path=None, login_timeout=600,
        kex_algs=["curve25519-sha256"], encryption_algs=["aes128-gcm@openssh.com"],
        preferred_auth=["publickey"])
    recs = [{} for _ in range(args.sessions)]
    first = asyncio.create_task(open_session(env, opts, recs[0]))
    deadline = time.time() + 60
    while time.time() < deadline and not [r for r in cli_json(env, "requests")
                                          if r["state"] == "pending"]:
        await asyncio.sleep(0.1)
    rid = [r for r in cli_json(env, "requests") if r["state"] == "pending"][0]["id"]
    r = await loop.run_in_executor(None, lambda: env.cli(
        "approve", str(rid), "--as", "bob", "--duration", f"{args.duration}s"))
    if r.returncode != 0:
        raise SystemExit(f"approve failed: {r.stderr}")
    await first
    grant = [g for g in cli_json(env, "grants") if g["request_id"] == rid][0]
    end = datetime.datetime.fromisoformat(grant["end"].replace("Z", "+00:00")).timestamp()

    t0 = time.perf_counter()
    gate = asyncio.Semaphore(args.ramp)

    opened = [0, t0]

    async def one(rec):
        async with gate:
            if time.time() < end - 15:  # the rest would be held: the grant is about to end
                await open_session(env, opts, rec)
                opened[0] += 1
                if opened[0] % 100 == 0:  # progress: the login rate as sessions pile up
                    now = time.perf_counter()
                    print(f"opened {opened[0]} in {now - t0:.0f} s "
                          f"(last 100 at {100 / (now - opened[1]):.1f}/s)", file=sys.stderr)
                    opened[1] = now

    await asyncio.gather(*(one(r) for r in recs[1:]))
    ramp_s = time.perf_counter() - t0
    live = [r for r in recs if "live" in r and "closed" not in r]
    errors = [r["error"] for r in recs if "error" in r]
    sessions = json.loads(env.cli("sessions", "--json").stdout or "[]")
    active = sum(1 for s in sessions if s.get("state") == "active")
    if args.end == "expire":
        await asyncio.sleep(max(0.0, end - 2 - time.time()))
    if args.cpu_split:
        import cpu_split
        rows.append(("client", cpu_split.client_first()))
    cpu_before = cpu_seconds(env.proc.pid)
    if args.end == "revoke":
        end = time.time()
        r = await loop.run_in_executor(None, lambda: env.cli(
            "revoke", str(grant["id"]), "--as", "bob"))
        if r.returncode != 0:
            raise SystemExit(f"revoke failed: {r.stderr}")
    else:
        await asyncio.sleep(max(0.0, end - time.time()))
    deadline = time.time() + 30
    while time.time() < deadline and any("closed" not in r for r in live):
        await asyncio.sleep(0.05)
    spread = [(r["closed"] - end) * 1000 for r in live if "closed" in r]
    cpu_closing = cpu_seconds(env.proc.pid) - cpu_before
    gate_side = []  # the gate's own `session.end` lines (UTC, ms), written as it closes each
    for line in env.log().splitlines():
        if " audit session.end " in line and "reason=grant " in line:
            stamp = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
            gate_side.append(
                (stamp.replace(tzinfo=datetime.timezone.utc).timestamp() - end) * 1000)
    still = len(live) - len(spread)
    for r in live:  # the gate's words go to the session's stderr and the disconnect
        try:
            r["reason"] += await asyncio.wait_for(r["process"].stderr.read(), 1)
        except (asyncio.TimeoutError, OSError, asyncssh.Error):
            pass
    ended_text = sum(1 for r in live if f"Access grant #{grant['id']}" in r.get("reason", ""))
    for r in recs:
        if "conn" in r:
            r["conn"].abort()

    rows.append(("sessions asked / live at the end (client) / active (daemon)",
                 f"{args.sessions} / {len(live)} / {active}"))
    rows.append(("time to open them, s", f"{ramp_s:.1f}"))
    if len(live) < args.sessions:
        rows.append(("NOTE", "not all sessions were open before the grant's end: raise --duration"))
    rows.append(("failed to open", f"{len(errors)}" + (f" (first: {errors[0][:60]})"
                                                       if errors else "")))
    if spread:
        rows.append((f"grant end ({args.end}) -> client sees close, p50 / p99 / max ms",
                     f"{percentile(spread, 50):.0f} / {percentile(spread, 99):.0f} / "
                     f"{max(spread):.0f}"))
        if gate_side:
            rows.append(("grant end -> the gate's session.end line for each, p50 / p99 / max ms",
                         f"{percentile(gate_side, 50):.0f} / {percentile(gate_side, 99):.0f} / "
                         f"{max(gate_side):.0f}"))
        rows.append(("gate CPU time from 2 s before the end until all closed, ms / per session",
                     f"{cpu_closing * 1000:.0f} / {cpu_closing * 1000 / max(len(live), 1):.2f}"))
        rows.append(("closed more than 1 s after the end / not closed within 30 s",
                     f"{sum(1 for s in spread if s > 1000)} / {still}"))
    rows.append(("clients told 'Access grant #…' as the reason", f"{ended_text} / {len(live)}"))
    if live and ended_text < len(live):
        rows.append(("  a reason given", repr(live[-1].get("reason", ""))[:100]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get("GATEHOUSE_BIN_DIR",
                                                        os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--duration", type=int, default=150, help="grant duration, seconds")
    ap.add_argument("--end", choices=("expire", "revoke"), default="expire")
    ap.add_argument("--ramp", type=int, default=8, help="logins in flight at once")
    ap.add_argument("--cpu-split", action="store_true",
                    help="gate on one CPU, sshd and the client on the others (cpu_split.py)")
    args = ap.parse_args()
    # before the support modules are imported: they take their binaries from it
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    from ssh_env import SshEnv

    env = SshEnv()
    rows = []
    try:
        n = args.sessions + 100
        env.start_sshd(extra=f"MaxStartups {n}:30:{n}\n")
        env.write_config(env.ssh_config_text(
            mode="approve", listen_extra=f"max_unauthenticated_per_source: {n}"))
        env.start()
        cpus = "shared"
        if args.cpu_split:
            import cpu_split
            cpus = cpu_split.split(env.proc.pid, [env.sshd_proc.pid])
        t = time.perf_counter()
        asyncio.run(run(env, args, rows))
        total = time.perf_counter() - t
        print(f"\n| teardown, loopback, {os.cpu_count()} CPUs, "
              f"{os.path.basename(os.path.abspath(args.bin_dir))} build | |")
        print("|---|---:|")
        print(f"| CPUs | {cpus} |")
        for r in rows:
            print(f"| {r[0]} | {r[1]} |")
        print(f"| whole run, s | {total:.0f} |")
    finally:
        env.close()


if __name__ == "__main__":
    main()
