"""Hypercorn (Debian's python3-hypercorn) serving a small ASGI WebSocket app, for the wsframe
client's HTTP/2 tests (test/interop/client-http2.test.ts). Hypercorn speaks RFC 8441: over TLS
with ALPN h2 it advertises SETTINGS_ENABLE_CONNECT_PROTOCOL and takes WebSockets as extended
CONNECT streams (wsproto does the framing, with permessage-deflate).

Usage: /usr/bin/python3 h2_echo_app.py CERTFILE KEYFILE

Listens with TLS on 127.0.0.1, a free port, and prints `listening PORT`. By path:

  /echo                  echoes every message (text as text, binary as binary)
  /close/CODE            closes at once with CODE and the reason 'bye'

When a WebSocket ends it prints `closed {"path": ..., "code": ..., "reason": ..., "http_version": ...}`:
the close code the client sent (1006 when there was none) and the HTTP version the WebSocket
came over ("2" for an RFC 8441 stream, "1.1" for an upgrade), so a test can prove which it was.
"""
import asyncio
import json
import socket
import sys

from hypercorn.asyncio import serve
from hypercorn.config import Config


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"not found\n"})
        return
    path = scope["path"]
    code, reason = 1006, ""
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    parts = path.strip("/").split("/")
    if parts[0] == "close":
        await send({"type": "websocket.close", "code": int(parts[1]), "reason": "bye"})
        code, reason = int(parts[1]), "bye (sent by the server)"
    else:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                code, reason = message.get("code", 1006), message.get("reason", "") or ""
                break
            if message.get("text") is not None:
                await send({"type": "websocket.send", "text": message["text"]})
            else:
                await send({"type": "websocket.send", "bytes": message["bytes"]})
    report = {"path": path, "code": code, "reason": reason, "http_version": scope.get("http_version")}
    print("closed " + json.dumps(report), flush=True)


def main():
    certfile, keyfile = sys.argv[1], sys.argv[2]
    # A socket bound here on port 0, handed to Hypercorn by file descriptor: the port is known
    # before it serves, and no other process can take it in between.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    config = Config()
    config.bind = [f"fd://{sock.fileno()}"]
    config.certfile = certfile
    config.keyfile = keyfile
    config.alpn_protocols = ["h2", "http/1.1"]
    config.websocket_max_message_size = 4 * 1024 * 1024
    config.accesslog = None
    config.errorlog = None
    print(f"listening {sock.getsockname()[1]}", flush=True)
    asyncio.run(serve(app, config))


if __name__ == "__main__":
    main()
