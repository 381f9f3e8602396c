"""WebSockets for bench/http/http_bench.py: many idle ones through the gate and through nginx
(each proxy's memory per connection) and many on one grant closed when it is revoked (time to
each close frame).

Owns the asyncio client (python3-aiohttp): sockets are spread over source addresses
127.0.0.2, .3, … (at most `per_source` each, under the gate's per-source connection cap), each
source with its own connector (no pool limit); names resolve to 127.0.0.1 so that SNI and Host
are the app's. One event loop in the calling thread; the gate and the CLI are other processes."""
import asyncio
import socket
import ssl
import time

import aiohttp

from http_env import DOMAIN, rss_kib


class LoopbackResolver(aiohttp.abc.AbstractResolver):
    async def resolve(self, host, port=0, family=socket.AF_INET):
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self):
        pass


def percentile(samples, p):
    s = sorted(samples)
    return s[min(len(s) - 1, max(0, int(round(p / 100 * len(s))) - 1))]


class Sockets:
    """N WebSockets of one app with one token, through the gate or (`port`) nginx;
    `open()` then `close()`."""

    def __init__(self, env, app, token, per_source, ramp=64, port=None):
        self.env, self.app, self.token = env, app, token
        self.port = port or env.gate_port
        self.per_source, self.ramp = per_source, ramp
        self.ctx = ssl.create_default_context(cafile=env.cert)
        self.sessions = {}
        self.live = []     # (ws, record)
        self.errors = []

    def session_for(self, i):
        source = f"127.0.0.{2 + i // self.per_source}"
        if source not in self.sessions:
            connector = aiohttp.TCPConnector(resolver=LoopbackResolver(), ssl=self.ctx, limit=0,
                                             local_addr=(source, 0))
            self.sessions[source] = aiohttp.ClientSession(connector=connector)
        return self.sessions[source]

    async def open_one(self, i, timeout=600):
        origin = f"https://{self.app}.{DOMAIN}:{self.port}"
        try:
            # The gate wants the app's own Origin on a WebSocket, a token's too.
            ws = await self.session_for(i).ws_connect(
                origin + "/ws", origin=origin, headers={"Authorization": f"Bearer {self.token}"},
                autoping=True,
                timeout=timeout, receive_timeout=None, heartbeat=None)
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as e:
            self.errors.append(f"{type(e).__name__}: {e}"[:120])
            return None
        rec = {}
        self.live.append((ws, rec))
        return ws, rec

    async def open(self, count, first=0):
        gate = asyncio.Semaphore(self.ramp)

        async def one(i):
            async with gate:
                await self.open_one(i)
        await asyncio.gather(*(one(i) for i in range(first, first + count)))

    async def echo_all(self):
        """Each socket echoes one message: all of them really go through to the upstream."""
        async def one(ws):
            await ws.send_str("ping")
            msg = await ws.receive(timeout=60)
            return msg.type == aiohttp.WSMsgType.TEXT and msg.data == "ping"
        ok = await asyncio.gather(*(one(ws) for ws, _ in self.live), return_exceptions=True)
        return sum(1 for r in ok if r is True)

    async def close(self):
        await asyncio.gather(*(ws.close() for ws, _ in self.live), return_exceptions=True)
        for s in self.sessions.values():
            await s.close()


async def settle_rss(pid, seconds=2.0):
    await asyncio.sleep(seconds)
    return rss_kib(pid)


async def idle_sockets(env, count, per_source, rows, via="gate"):
    """`count` idle WebSockets to the echo app through the gate or through nginx (`via`): the
    proxy's RSS before and after (nginx: its one worker's)."""
    if via == "gate":
        pid, token, port = env.gate_pid(), env.token("echo"), None
    else:
        pid, token, port = env.proxy_worker_pid(), "", env.proxy_port
    socks = Sockets(env, "echo", token, per_source, port=port)
    # One socket first: the app's session, its upstream pool and TLS state exist before the
    # baseline, so the delta is what each further connection costs.
    await socks.open(1)
    if not socks.live:
        raise SystemExit(f"no WebSocket through {via}: {socks.errors[:1]}")
    before = await settle_rss(pid)
    t0 = time.perf_counter()
    await socks.open(count - 1, first=1)
    open_s = time.perf_counter() - t0
    after = await settle_rss(pid)
    echoed = await socks.echo_all()
    after_echo = await settle_rss(pid, 1.0)
    opened = len(socks.live)
    rows.append((f"idle WebSockets asked / open through {via} / echoed",
                 f"{count} / {opened} / {echoed}"))
    if socks.errors:
        rows.append(("  refused or failed (first)", f"{len(socks.errors)} ({socks.errors[0]})"))
    rows.append(("  time to open them, s", f"{open_s:.1f}"))
    rows.append((f"  {via} RSS before / after opening / after one echo each, MiB",
                 f"{before / 1024:.1f} / {after / 1024:.1f} / {after_echo / 1024:.1f}"))
    if opened > 1:
        rows.append((f"  {via} memory per idle WebSocket (RSS delta / sockets), KiB",
                     f"{(after - before) / (opened - 1):.1f} "
                     f"(after an echo each: {(after_echo - before) / (opened - 1):.1f}"
                     + ("; aim <= 16)" if via == "gate" else ")")))
    await socks.close()
    await asyncio.sleep(2)  # the proxy has let go of them before the next benchmark
    return {"asked": count, "open": opened, "per_socket_kib": (after - before) / max(opened - 1, 1),
            "per_socket_after_echo_kib": (after_echo - before) / max(opened - 1, 1)}


def pending_request(env, app, timeout=60):
    import json
    deadline = time.time() + timeout
    while time.time() < deadline:
        listed = json.loads(env.cli("requests", "--json").stdout or "[]")
        pending = [r for r in listed if r["server"] == app and r["state"] == "pending"]
        if pending:
            return pending[0]["id"]
        time.sleep(0.1)
    raise SystemExit(f"no pending request for {app} after {timeout} s")


async def revoke_closes(env, count, per_source, rows):
    """`count` WebSockets under one grant (the first held until approved), then the grant is
    revoked: the time from the revoke command to each socket's close frame."""
    import json
    loop = asyncio.get_running_loop()
    token = env.token("board")
    socks = Sockets(env, "board", token, per_source)
    first = asyncio.create_task(socks.open(1))
    rid = await loop.run_in_executor(None, pending_request, env, "board")
    r = await loop.run_in_executor(None, lambda: env.cli(
        "approve", str(rid), "--as", "bob", "--duration", "30m"))
    if r.returncode != 0:
        raise SystemExit(f"approve failed: {r.stderr}")
    await first
    t0 = time.perf_counter()
    await socks.open(count - 1, first=1)
    open_s = time.perf_counter() - t0
    grants = json.loads(env.cli("grants", "--json").stdout or "[]")
    grant = [g for g in grants if g["request_id"] == rid][0]

    async def watch(ws, rec):
        msg = await ws.receive()
        rec["closed"] = time.perf_counter()
        rec["code"] = ws.close_code if msg.type != aiohttp.WSMsgType.CLOSE else msg.data
        rec["reason"] = msg.extra if msg.type == aiohttp.WSMsgType.CLOSE else ""
    watchers = [asyncio.create_task(watch(ws, rec)) for ws, rec in socks.live]
    await asyncio.sleep(1.0)
    revoked_at = time.perf_counter()
    r = await loop.run_in_executor(None, lambda: env.cli("revoke", str(grant["id"])))
    cli_done = time.perf_counter()
    if r.returncode != 0:
        raise SystemExit(f"revoke failed: {r.stderr}")
    done, _ = await asyncio.wait(watchers, timeout=30)
    for w in watchers:
        w.cancel()
    recs = [rec for _, rec in socks.live]
    spread = [(rec["closed"] - revoked_at) * 1000 for rec in recs if "closed" in rec]
    with_1008 = sum(1 for rec in recs if rec.get("code") == 1008)
    rows.append(("WebSockets on one grant asked / open / closed with 1008 after the revoke",
                 f"{count} / {len(recs)} / {with_1008}"))
    if socks.errors:
        rows.append(("  refused or failed (first)", f"{len(socks.errors)} ({socks.errors[0]})"))
    rows.append(("  time to open them, s; `gatehouse revoke` itself, ms",
                 f"{open_s:.1f}; {(cli_done - revoked_at) * 1000:.0f}"))
    result = {"asked": count, "open": len(recs), "closed_1008": with_1008}
    if spread:
        result.update(p50_ms=percentile(spread, 50), p99_ms=percentile(spread, 99),
                      max_ms=max(spread))
        rows.append(("  revoke command -> close frame, p50 / p99 / max ms (aim p99 <= 1000)",
                     f"{result['p50_ms']:.0f} / {result['p99_ms']:.0f} / {result['max_ms']:.0f}"))
        rows.append(("  not closed within 30 s", f"{len(recs) - len(spread)}"))
        reasons = {rec.get("reason", "") for rec in recs if "closed" in rec}
        rows.append(("  close reasons seen", "; ".join(sorted(reasons))[:100]))
    await socks.close()
    return result


def raise_open_files():
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard

