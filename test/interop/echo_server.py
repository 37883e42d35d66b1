"""Python `websockets` as a server for the wsframe client, for test/interop/client-python.test.ts.

Usage: /usr/bin/python3 echo_server.py

Listens on 127.0.0.1 on a free port and prints `listening PORT`. What a connection gets depends
on its path:

  /echo                    echoes every message (text as text, binary as binary)
  /close/CODE/REASON       closes at once with CODE and the URL-decoded REASON
  /fragments               sends 'frag', 'mén', '', 'ted 😀' as one fragmented text message,
                           then the same UTF-8 bytes as one fragmented binary message, then echoes
  /ping                    pings with b'are you there', waits for the pong (5 s), sends the text
                           'pong received', then echoes
  /payload/KIND/SIZE       sends the test payload of KIND (text or binary) and SIZE bytes, made
                           here as test/helpers/payloads.ts makes it (textPayload, cyclicPayload)

When a connection ends it prints `closed {"path": ..., "code": ..., "reason": ...}` with the
close frame the client sent (code 1006 when there was none). Uses the asyncio API (Debian 12
ships websockets 10.4, which has no `websockets.sync`).
"""
import asyncio
import json
import sys
import urllib.parse

import websockets


def text_payload(size):
    unit = "a\u00e9\u20ac\U0001F600"  # 1 + 2 + 3 + 4 UTF-8 bytes
    return unit * (size // 10) + "z" * (size % 10)


def binary_payload(size):
    return (bytes(range(251)) * (size // 251 + 1))[:size]


FRAGMENTS = ["frag", "m\u00e9n", "", "ted \U0001F600"]


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def handler(ws, *_):
    path = urllib.parse.urlsplit(ws.path).path
    parts = path.strip("/").split("/")
    try:
        if parts[0] == "close":
            await ws.close(code=int(parts[1]), reason=urllib.parse.unquote(parts[2]) if len(parts) > 2 else "")
        elif parts[0] == "fragments":
            # websockets sends an iterable as one message, one frame per item (RFC 6455 section 5.4).
            await ws.send(FRAGMENTS)
            await ws.send([p.encode("utf-8") for p in FRAGMENTS])
            await echo(ws)
        elif parts[0] == "ping":
            pong = await ws.ping(b"are you there")
            await asyncio.wait_for(pong, 5)
            await ws.send("pong received")
            await echo(ws)
        elif parts[0] == "payload":
            size = int(parts[2])
            await ws.send(text_payload(size) if parts[1] == "text" else binary_payload(size))
            await echo(ws)
        else:
            await echo(ws)
    except websockets.exceptions.ConnectionClosed:
        pass
    finally:
        await ws.wait_closed()
        rcvd = getattr(ws, "close_rcvd", None)
        report = {"path": path, "code": rcvd.code if rcvd else 1006, "reason": rcvd.reason if rcvd else ""}
        print("closed " + json.dumps(report), flush=True)


async def main():
    async with websockets.serve(
        handler, "127.0.0.1", 0, compression=None, max_size=None, ping_interval=None, close_timeout=5
    ) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
