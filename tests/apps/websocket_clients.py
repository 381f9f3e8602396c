#!/usr/bin/env python3
"""Opens N WebSockets to the relay test's gate and keeps them idle until killed.

  websocket_clients.py PORT N

Each connects to https://127.0.0.1:PORT/ws as plain.app (certificate not verified: the test's
own), exchanges one message, then waits. Prints "open N" once all are open.
"""
import asyncio
import ssl
import sys

import aiohttp


async def main():
    port, count = sys.argv[1], int(sys.argv[2])
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        sockets = []
        for _ in range(count):
            ws = await session.ws_connect(f"https://127.0.0.1:{port}/ws", ssl=context,
                                          headers={"Host": "plain.app",
                                                   "Origin": "https://plain.app"})
            await ws.send_str("hello")
            await ws.receive()
            sockets.append(ws)
        print(f"open {len(sockets)}", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
