#!/usr/bin/env python3
"""A web app for the relay tests (python3-aiohttp) on 127.0.0.1; prints its port on stdout.

  upstream_app.py [--tls CERT KEY]

  GET  /headers[...]      the request as JSON: method, path, query, headers, connection
                          (a number per upstream connection: keep-alive reuse shows);
                          /headers/close-after closes the connection 50 ms after answering,
                          without saying so (as a keep-alive timeout does)
  GET  /redirect          302 to its own absolute URL /landed
  GET  /cookie            a Set-Cookie with Domain=127.0.0.1
  GET  /download?bytes=N  N bytes (byte i = i % 251), streamed; &chunked=1 without a length
  POST /upload            {"size": ..., "sha256": ...} of the body it received
  GET  /slow?ms=N         answers after N ms
  GET  /app.html          a page that opens a WebSocket to /ws on its own host, sends
                          "hello from the browser" and shows the echo (#echo) and the close
                          code and reason (#closed: data-code, data-reason, data-at = ms)
  GET  /ws                WebSocket echo (text and binary); the text "close:CODE:REASON"
                          makes it close with that code; it reports the close it receives
                          on stderr ("ws closed CODE")
"""
import asyncio
import hashlib
import itertools
import json
import socket
import ssl
import sys

from aiohttp import web, WSMsgType

BLOCK = bytes(i % 251 for i in range(251 * 256))  # any offset that is a multiple of it
_connections = {}
_next_connection = itertools.count(1)


def connection_number(request):
    key = id(request.transport)
    if key not in _connections:
        _connections[key] = next(_next_connection)
    return _connections[key]


async def headers(request):
    if request.path.endswith("/close-after"):
        asyncio.get_running_loop().call_later(0.05, request.transport.close)
    return web.json_response({
        "method": request.method, "path": request.path, "query": request.query_string,
        "headers": [[k, v] for k, v in request.headers.items()],
        "connection": connection_number(request)})


async def redirect(request):
    host = request.headers.get("Host", "")
    raise web.HTTPFound(f"{request.scheme}://{host}/landed")


async def cookie(request):
    response = web.Response(text="cookie set\n")
    response.headers.add("Set-Cookie", "session=abc; Domain=127.0.0.1; Path=/; HttpOnly")
    return response


async def download(request):
    total = int(request.query.get("bytes", "0"))
    response = web.StreamResponse()
    if request.query.get("chunked") != "1":
        response.content_length = total
    else:
        response.enable_chunked_encoding()
    await response.prepare(request)
    sent = 0
    while sent < total:
        piece = BLOCK[:min(len(BLOCK), total - sent)]
        await response.write(piece)
        sent += len(piece)
    await response.write_eof()
    return response


async def upload(request):
    digest, size = hashlib.sha256(), 0
    async for piece in request.content.iter_any():
        digest.update(piece)
        size += len(piece)
    return web.json_response({"size": size, "sha256": digest.hexdigest(),
                              "connection": connection_number(request)})


async def slow(request):
    await asyncio.sleep(int(request.query.get("ms", "1000")) / 1000)
    return web.Response(text="slow answer\n")


async def websocket_echo(request):
    ws = web.WebSocketResponse(protocols=("chat",))
    await ws.prepare(request)
    async for msg in ws:
        if msg.type == WSMsgType.TEXT and msg.data.startswith("close:"):
            _, code, reason = msg.data.split(":", 2)
            await ws.close(code=int(code), message=reason.encode())
        elif msg.type == WSMsgType.TEXT:
            await ws.send_str(msg.data)
        elif msg.type == WSMsgType.BINARY:
            await ws.send_bytes(msg.data)
    print(f"ws closed {ws.close_code}", file=sys.stderr, flush=True)
    return ws


APP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Upstream app</title></head>
<body><h1>Upstream app</h1>
<p id="echo">connecting</p><p id="closed"></p>
<script>
var ws = new WebSocket('wss://' + location.host + '/ws');
ws.onopen = function () { ws.send('hello from the browser'); };
ws.onmessage = function (e) { document.getElementById('echo').textContent = 'echo: ' + e.data; };
ws.onclose = function (e) {
  var el = document.getElementById('closed');
  el.dataset.at = String(Date.now());
  el.dataset.code = String(e.code);
  el.dataset.reason = e.reason;
  el.textContent = 'closed ' + e.code + ': ' + e.reason;
};
</script></body></html>
"""


async def app_page(request):
    return web.Response(text=APP_PAGE, content_type="text/html")


async def main():
    app = web.Application(client_max_size=1 << 40)
    app.router.add_get("/headers", headers)
    app.router.add_route("*", "/headers/{rest:.*}", headers)
    app.router.add_get("/redirect", redirect)
    app.router.add_get("/cookie", cookie)
    app.router.add_get("/download", download)
    app.router.add_post("/upload", upload)
    app.router.add_get("/slow", slow)
    app.router.add_get("/ws", websocket_echo)
    app.router.add_get("/app.html", app_page)
    context = None
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock, ssl_context=context).start()
    print(sock.getsockname()[1], flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
