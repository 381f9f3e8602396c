#!/usr/bin/env python3
"""Held SSH connections at scale: many people waiting for approval at once (issue 4 benchmark).

Starts a private sshd and gatehoused on loopback exactly as the integration tests do (alice's
rule needs approval; bob's rule allows), then, from this ONE python3-asyncssh process:

  1. idle: `ssh bob@…@web01 true` through the gate, --runs times (median);
  2. holds N connections of alice (all on the one request alice filed: the first files it,
     the others find it); a connection counts as held when the gate's first hold banner
     ("Request #… waiting for …") arrives while its signed key request stays unanswered;
  3. gate memory: VmRSS of gatehoused before the holds vs with all held, per held connection;
  4. busy: the same `ssh bob… true` while the N are held (median), as a ratio to idle; and
     from 1 s after the decision, --runs times while the released ones leave (median, max);
  5. decision: `gatehouse approve` (or deny) for the request; each client notes when the gate
     tells it (the "approved; connecting" banner, or the disconnect with the reason), and
     leaves; latency from the decision (the timestamp of the daemon's `audit request.approved`
     log line, ms, same clock) to each client, p50/p99/max; and to the gate's `hold.end` line
     for each connection, written as it sends the banner (the client figure also holds the
     one python process's time to read thousands of connections);
  6. proceed: a second, small round (--proceed held connections, a new request) approved the
     same way, where each client waits for authentication success (the upstream login done);
     the same round is run first on the idle gate (before step 2), and the table gives the
     ratio after / idle;
  7. the floor: what one send(2) of a small packet on a loopback socket costs from one thread
     (measured first, in this process), times the connections held: what telling them all
     costs the kernel alone, before any work of the gate's.

Usage: bench/ssh/held_bench.py [--bin-dir BUILD] [--connections 10000] [--decision approve]
       [--runs 10] [--proceed 20] [--ramp 64] [--ramp-budget 240] [--cpu-split]
The ramp stops after --ramp-budget seconds: on a busy machine fewer than N may be held, and
the table says how many were.
Needs python3-asyncssh (Debian; the script re-runs itself under /usr/bin/python3 if the
python3 on PATH lacks it). Raises its own RLIMIT_NOFILE to the hard limit, which gatehoused
inherits (it raises its own soft limit to the hard one too; under systemd LimitNOFILE in
gatehouse.service sets 1048576). The daemon holds one descriptor per held connection, so N
is cut to the hard limit - 300 (19,700 with the reference machine's 20,000). The held
caps are raised by configuration (listen.ssh.max_held_per_person / _per_source,
max_unauthenticated_per_source). Prints a Markdown table; everything binds 127.0.0.1."""
import argparse
import asyncio
import datetime
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "integration", "support"))
from process_memory import rss_kib  # noqa: E402
from stats import percentile  # noqa: E402

try:
    import asyncssh
except ImportError:  # pyenv or a venv on PATH: the Debian package lives in the system python
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise




class Held(asyncssh.SSHClient):
    """One client: notes when it is held and when the decision reaches it."""

    def __init__(self, rec):
        self.rec = rec

    def connection_made(self, conn):
        self.rec["conn"] = conn

    def auth_banner_received(self, msg, lang):
        now = time.time()
        rec = self.rec
        if "approved" in msg and "released" not in rec:
            rec["released"] = now
            if not rec["proceed"]:
                rec["conn"].abort()
        elif "held" not in rec and "Request #" in msg:
            rec["held"] = now
            rec["held_event"].set()

    def connection_lost(self, exc):
        self.rec.setdefault("released", time.time())  # a denial ends the connection
        self.rec["held_event"].set()


async def hold(env, key, rec, opts):
    try:
        conn, _ = await asyncssh.create_connection(
            lambda: Held(rec), "127.0.0.1", env.ssh_port,
            username=f"alice@{env.account}@web01", options=opts)
        rec["authenticated"] = time.time()
        conn.close()
    except (OSError, asyncssh.Error) as e:
        rec["error"] = str(e)
    finally:
        rec["held_event"].set()


async def hold_many(env, key, n, ramp, proceed, budget=3600):
    opts = asyncssh.SSHClientConnectionOptions(
        client_keys=[key], known_hosts=None, agent_path=None, login_timeout=3600,
        kex_algs=["curve25519-sha256"], encryption_algs=["aes128-gcm@openssh.com"],
        preferred_auth=["publickey"])
    recs = [{"proceed": proceed, "held_event": asyncio.Event()} for _ in range(n)]
    tasks = []
    gate = asyncio.Semaphore(ramp)  # handshakes in flight at once

    async def one(rec):
        async with gate:
            if time.perf_counter() - t0 > budget:
                return  # bounded in time: measure what could be held
            t = asyncio.create_task(hold(env, key, rec, opts))
            tasks.append(t)
            await rec["held_event"].wait()

    t0 = time.perf_counter()
    await asyncio.gather(*(one(r) for r in recs))
    return recs, tasks, time.perf_counter() - t0


def pending_request(env):
    reqs = json.loads(env.cli("requests", "--json", check=True).stdout)
    pending = [r for r in reqs if r["state"] == "pending"]
    return max(pending, key=lambda r: r["id"])["id"]


def log_times(env, event, rid):
    """Wall-clock times of the daemon's audit lines `event` for request `rid` (any: None)."""
    out = []
    for line in env.log().splitlines():
        if f" audit {event} " in line and (
                rid is None or re.search(rf" request(_id)?={rid}( |$)", line)):
            stamp = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
            out.append(stamp.replace(tzinfo=datetime.timezone.utc).timestamp())
    return out


async def decide_and_wait(env, recs, decision, wait_for_auth, realtime=False):
    """Decides the pending request with the CLI; returns the latencies (ms) from the daemon's
    decision to each client noticing, the CLI's round trip and how many never noticed.
    `realtime`: the CLI and this client run at real-time priority (cpu_split.client_first)."""
    rid = pending_request(env)
    loop = asyncio.get_running_loop()
    args = ["approve", str(rid), "--as", "bob"] if decision == "approve" else [
        "deny", str(rid), "--as", "bob", "--comment", "bench"]
    if realtime:
        import gatehouse_env
        import cpu_split
        cpu_split.client_first()
        cli = ["chrt", "-r", "1", gatehouse_env.GATEHOUSE, "--socket", env.socket, *args]
        run_cli = lambda: subprocess.run(cli, capture_output=True, text=True, timeout=120)  # noqa
    else:
        run_cli = lambda: env.cli(*args)  # noqa: E731
    def timed_cli():  # timed in the executor's thread: this loop is busy reading releases
        if realtime:
            cpu_split.client_first()  # this thread too, or it waits behind the targets
        return run_cli(), time.time()

    t_before = time.time()
    r, t_after = await loop.run_in_executor(None, timed_cli)
    if r.returncode != 0:
        raise SystemExit(f"{decision} failed: {r.stderr}")
    key = "authenticated" if wait_for_auth else "released"
    deadline = time.time() + 120
    while time.time() < deadline and any(key not in x and "error" not in x for x in recs):
        await asyncio.sleep(0.05)
    outcome = "approved" if decision == "approve" else "denied"
    decided = log_times(env, f"request.{outcome}", rid)
    if not decided:
        print(f"note: no 'audit request.{outcome}' line for #{rid}: latency from the CLI start")
        decided = [t_before]
    got = [x[key] for x in recs if key in x]
    told = log_times(env, "hold.end", rid)  # the gate's own line as it tells each one
    # Where the CLI's time goes: until the daemon decides, until its reply is ready (the
    # admin.action line written after the handler), until the CLI has exited.
    replied = min((t for t in log_times(env, "admin.action", None) if t >= decided[0]),
                  default=decided[0])
    cli_ms = ((decided[0] - t_before) * 1000, (replied - decided[0]) * 1000,
              (t_after - replied) * 1000)
    return ([(g - decided[0]) * 1000 for g in got], [(g - decided[0]) * 1000 for g in told],
            cli_ms, len(recs) - len(got))


def timed_logins(env, runs):
    """`ssh bob true`, `runs` times one after another: (ms of each, the failed results)."""
    samples, failed = [], []
    for _ in range(runs):
        t = time.perf_counter()
        r = env.ssh("true", person="bob", timeout=120)
        samples.append((time.perf_counter() - t) * 1000)
        if r.returncode != 0:
            failed.append(r)
    return samples, failed


def ssh_true_ms(env, runs):
    """(median, max) ms of `runs` logins; any failure ends the bench with the daemon's reasons."""
    samples, failed = timed_logins(env, runs)
    if failed:
        why = [line for line in env.log().splitlines()
               if " error " in line or " warning " in line or "refused" in line][-5:]
        raise SystemExit(f"ssh bob true failed: {failed[0].stderr.decode()}" + "\n".join(why))
    return statistics.median(samples), max(samples)


def logins_while_they_leave(env, runs):
    """`ssh bob true`, `runs` times one after another, from 1 s after the decision: while the
    released connections leave and the gate tears them down (a stall of the gate's io thread
    in that teardown shows here). After an approval the gate also dials the target for every
    connection still open, and sshd's MaxStartups may drop bob's login in that flood: counted,
    not fatal. Returns (median ms, max ms, failed)."""
    time.sleep(1)
    samples, failed = timed_logins(env, runs)
    return statistics.median(samples), max(samples), len(failed)


def loopback_send_us(pairs=2000, size=120):
    """The kernel's floor for telling a connection: one send(2) of one small packet (about an
    encrypted banner) on a loopback TCP socket, whose cost includes the receiving side's TCP
    path; µs per send from one thread (median of 3 rounds over `pairs` connections)."""
    import socket
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    conns = []
    try:
        for _ in range(pairs):
            c = socket.create_connection(listener.getsockname())
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            conns.append((c, listener.accept()[0]))
        rounds = []
        for _ in range(3):
            t = time.perf_counter()
            for c, _ in conns:
                c.send(b"x" * size)
            rounds.append((time.perf_counter() - t) / pairs * 1e6)
            for _, s in conns:
                s.recv(4096)
        return statistics.median(rounds)
    finally:
        for c, s in conns:
            c.close()
            s.close()
        listener.close()


async def settle(env):
    """Earlier connections gone and alice's grants revoked: the next connections are held."""
    deadline = time.time() + 60
    while time.time() < deadline and json.loads(env.cli("sessions", "--json").stdout or "[]"):
        await asyncio.sleep(0.2)
    for r in json.loads(env.cli("requests", "--json", check=True).stdout):
        if r.get("grant_id") and r.get("state") == "approved":
            env.cli("revoke", str(r["grant_id"]), "--as", "bob")


async def proceed_round(env, key, args):
    """--proceed connections held on a new request, approved; each waits for authentication
    (the upstream login done). Settled before and after. Returns (latencies ms, how many
    never authenticated)."""
    await settle(env)
    recs, tasks, _ = await hold_many(env, key, args.proceed, args.ramp, True)
    latencies, _, _, missing = await decide_and_wait(env, recs, "approve", True)
    await asyncio.gather(*tasks, return_exceptions=True)
    await settle(env)
    return latencies, missing


async def run(env, args, rows):
    key = asyncssh.read_private_key(os.path.join(env.dir, "alice"))
    floor_us = loopback_send_us()
    idle = ssh_true_ms(env, args.runs)
    idle_round = None
    if args.proceed:  # the figure the round after the big one is compared with
        latencies, _ = await proceed_round(env, key, args)
        if latencies:
            idle_round = (percentile(latencies, 50), max(latencies))
    rss0 = rss_kib(env.proc.pid)
    recs, tasks, ramp_s = await hold_many(env, key, args.connections, args.ramp, False,
                                          args.ramp_budget)
    recs = [r for r in recs if "conn" in r or "error" in r]  # those the budget left out
    held = sum(1 for r in recs if "held" in r and "released" not in r)
    await asyncio.sleep(2)  # a keepalive round for every connection
    rss1 = rss_kib(env.proc.pid)
    sessions = json.loads(env.cli("sessions", "--json").stdout or "[]")
    daemon_held = sum(1 for s in sessions if s.get("state") == "held")
    loop = asyncio.get_running_loop()
    busy = await loop.run_in_executor(None, ssh_true_ms, env, args.runs)
    leaving = loop.run_in_executor(None, logins_while_they_leave, env, args.runs)
    latencies, told, cli_ms, missing = await decide_and_wait(env, recs, args.decision, False,
                                                             realtime=args.cpu_split)
    leaving = await leaving
    await asyncio.gather(*tasks, return_exceptions=True)
    errors = [r["error"] for r in recs if "error" in r and "held" not in r]

    rows.append(("connections asked / opened in the budget / held (client) / held (daemon)",
                 f"{args.connections} / {len(recs)} / {held} / {daemon_held}"))
    rows.append(("time to hold them all, s", f"{ramp_s:.1f}"))
    rows.append(("gatehoused VmRSS before / all held, MiB", f"{rss0 / 1024:.1f} / {rss1 / 1024:.1f}"))
    rows.append(("gate RSS per held connection, KiB", f"{(rss1 - rss0) / max(held, 1):.1f}"))
    rows.append(("`ssh bob true` idle, median / max ms", f"{idle[0]:.0f} / {idle[1]:.0f}"))
    rows.append(("`ssh bob true` with all held, median / max ms", f"{busy[0]:.0f} / {busy[1]:.0f}"))
    rows.append(("  ratio busy / idle (median)", f"{busy[0] / idle[0]:.2f}"))
    rows.append(("`ssh bob true` from 1 s after the decision, as they leave, median / max ms "
                 "/ failed", f"{leaving[0]:.0f} / {leaving[1]:.0f} / {leaving[2]}"))
    rows.append((f"{args.decision}: CLI start -> decided / -> reply ready / -> CLI exited, ms",
                 " / ".join(f"{x:.0f}" for x in cli_ms)))
    rows.append(("floor: one loopback send(2) per connection from one thread, µs / x held, ms",
                 f"{floor_us:.1f} / {floor_us * held / 1000:.0f}"))
    if told:
        rows.append(("gate tells each held connection (its hold.end line) after the decision "
                     "(its request.approved line), p50 / p99 / max ms",
                     f"{percentile(told, 50):.0f} / {percentile(told, 99):.0f} / {max(told):.0f}"))
    told_all = re.findall(r"change of #\d+ told (\d+) watchers in ([\d.]+) ms \(([\d.]+) ms CPU", env.log())
    if told_all:
        n, ms, cpu = told_all[0]
        rows.append(("the gate's loop telling all held connections (one handler): wall ms / "
                     "CPU ms / CPU µs per connection",
                     f"{float(ms):.0f} / {float(cpu):.0f} / {float(cpu) * 1000 / int(n):.1f}"))
    if latencies:
        rows.append(("client sees the release after the decision (one python client reading "
                     "all), p50 / p99 / max ms",
                     f"{percentile(latencies, 50):.0f} / {percentile(latencies, 99):.0f} / "
                     f"{max(latencies):.0f}"))
    rows.append(("not released within 120 s / failed before hold", f"{missing} / {len(errors)}"))
    if errors:
        rows.append(("  first error", errors[0][:80]))

    if args.proceed:
        latencies, missing = await proceed_round(env, key, args)
        if latencies:
            p50 = percentile(latencies, 50)
            rows.append((f"{args.proceed} held, approved -> authenticated (upstream login done), "
                         "p50 / max ms", f"{p50:.0f} / {max(latencies):.0f}"))
            if idle_round:
                rows.append(("  the same on the idle gate (before the big round), p50 / max ms; "
                             "after / idle (aim <= 1.5)",
                             f"{idle_round[0]:.0f} / {idle_round[1]:.0f}; "
                             f"{p50 / idle_round[0]:.2f}"))
        rows.append(("  not authenticated", str(missing)))


def print_rows(args, rows, total):
    print(f"\n| held connections, loopback, {os.cpu_count()} CPUs, "
          f"{os.path.basename(os.path.abspath(args.bin_dir))} build | |")
    print("|---|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} |")
    print(f"| whole run, s | {total:.0f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", default=os.environ.get("GATEHOUSE_BIN_DIR",
                                                        os.path.join(HERE, "..", "..", "build")))
    ap.add_argument("--connections", type=int, default=10000)
    ap.add_argument("--decision", choices=("approve", "deny"), default="approve")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--proceed", type=int, default=20)
    ap.add_argument("--ramp", type=int, default=64, help="handshakes in flight at once")
    ap.add_argument("--ramp-budget", type=float, default=240,
                    help="seconds to open connections in; fewer are held if it runs out")
    ap.add_argument("--cpu-split", action="store_true",
                    help="gate on one CPU, sshd and the client on the others (cpu_split.py)")
    args = ap.parse_args()
    # before the support modules are imported: they take their binaries from it
    os.environ["GATEHOUSE_BIN_DIR"] = os.path.abspath(args.bin_dir)

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # gatehoused inherits this limit and holds one descriptor per held connection (libssh's
    # socket, which its Asio watch waits on too); this process one per client. Keep a
    # margin for the rest.
    fit = hard - 300
    if args.connections > fit:
        print(f"note: RLIMIT_NOFILE hard limit {hard} (one per connection, 300 spare): "
              f"{args.connections} connections cut to {fit}")
        args.connections = fit

    import gatehouse_env
    from ssh_env import SshEnv

    env = SshEnv()
    rows = []
    try:
        cap = args.connections + args.proceed + 100
        # The gate dials the target for every approved connection at once: sshd's default
        # MaxStartups (10:30:100) would drop most of them.
        env.start_sshd(extra=f"MaxStartups {cap}:30:{cap}\n")
        bob_allowed = ("  - { name: bob-direct, users: [bob], servers: [web01], accounts: [\"*\"], "
                       "mode: allow }\n")
        env.write_config(env.ssh_config_text(
            mode="approve", rule_extra=bob_allowed,
            listen_extra=f"max_held_per_person: {cap}, max_held_per_source: {cap}, "
                         f"max_unauthenticated_per_source: {cap}"))
        env.start()
        if args.cpu_split:
            import cpu_split
            rows.append(("CPUs", cpu_split.split(env.proc.pid, [env.sshd_proc.pid])))
        t = time.perf_counter()
        try:
            asyncio.run(run(env, args, rows))
        finally:
            total = time.perf_counter() - t
            print_rows(args, rows, total)
    finally:
        env.close()


if __name__ == "__main__":
    main()
