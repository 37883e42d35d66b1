"""Python `websockets` with its default permessage-deflate, for test/interop/python-deflate.test.ts.

Usage:
  /usr/bin/python3 deflate_peer.py client ws://127.0.0.1:PORT/ '<plan as JSON>'
  /usr/bin/python3 deflate_peer.py server

Both ends use websockets' defaults for compression (`compression="deflate"`): the client offers
`permessage-deflate; client_max_window_bits` and compresses every message with context takeover;
the server answers server_max_window_bits=12 and client_max_window_bits=12 (memLevel 5).

Every data frame that crosses the extension is logged: whether it carried RSV1 (compressed) and
its payload length on the wire; continuation frames add to their message's length.

client: the plan is echo_client.py's (a list of connections, each a list of steps), plus the step
  {"op": "echo_random", "type": "text"|"binary", "size": N}: random (incompressible) data, sent
  and compared with the echo here. Prints one JSON line {"version", "connections": [{"offered",
  "answered", "results"}]}; each step's result carries "frames_in" and "frames_out".
server: listens on 127.0.0.1, a free port, prints `listening PORT`. Paths as echo_server.py's:
  /echo echoes; /payload/KIND/SIZE sends that payload first, then echoes. When a connection
  ends it prints `closed {"path", "code", "reason", "answered", "received", "sent"}`.

Uses the asyncio API (Debian 12 ships websockets 10.4).
"""
import asyncio
import json
import os
import random
import sys
import urllib.parse

import websockets
from websockets.frames import OP_BINARY, OP_CONT, OP_TEXT

import echo_client
import echo_server


class FrameLog:
    def __init__(self):
        self.received = []
        self.sent = []


def watch(ws):
    """Log the data frames the permessage-deflate extension decodes and encodes."""
    log = FrameLog()

    def record(entries, frame):
        if frame.opcode in (OP_TEXT, OP_BINARY):
            entries.append({"rsv1": frame.rsv1, "length": len(frame.data)})
        elif frame.opcode == OP_CONT and entries:
            entries[-1]["length"] += len(frame.data)

    for extension in ws.extensions:
        if extension.name != "permessage-deflate":
            continue
        decode, encode = extension.decode, extension.encode

        def logged_decode(frame, *, max_size=None, decode=decode):
            record(log.received, frame)
            return decode(frame, max_size=max_size)

        def logged_encode(frame, encode=encode):
            encoded = encode(frame)
            record(log.sent, encoded)
            return encoded

        extension.decode = logged_decode
        extension.encode = logged_encode
    return log


def random_text(size):
    """Random code points of 1 to 4 UTF-8 bytes; about `size` bytes."""
    ranges = [(0x20, 0x7E), (0xA0, 0x7FF), (0x800, 0xD7FF), (0x10000, 0x10FFFF)]
    chars = []
    length = 0
    while length < size:
        low, high = random.choice(ranges)
        char = chr(random.randint(low, high))
        chars.append(char)
        length += len(char.encode("utf-8"))
    return "".join(chars)


async def run_step(ws, step):
    if step["op"] == "echo_random":
        message = os.urandom(step["size"]) if step["type"] == "binary" else random_text(step["size"])
        await ws.send(message)
        echoed = await ws.recv()
        result = echo_client.describe(echoed)
        result["same"] = echoed == message
        return result
    return await echo_client.run_step(ws, step)


async def client(url, plan):
    connections = []
    for steps in plan:
        async with websockets.connect(url, max_size=None, ping_interval=None, close_timeout=5) as ws:
            log = watch(ws)
            results = []
            for step in steps:
                received, sent = len(log.received), len(log.sent)
                result = await run_step(ws, step)
                result["frames_in"] = log.received[received:]
                result["frames_out"] = log.sent[sent:]
                results.append(result)
            connections.append({
                "offered": ws.request_headers.get("Sec-WebSocket-Extensions"),
                "answered": ws.response_headers.get("Sec-WebSocket-Extensions"),
                "results": results,
            })
    print(json.dumps({"version": websockets.__version__, "connections": connections}))


async def handler(ws, *_):
    path = urllib.parse.urlsplit(ws.path).path
    parts = path.strip("/").split("/")
    log = watch(ws)
    try:
        if parts[0] == "payload":
            size = int(parts[2])
            await ws.send(echo_server.text_payload(size) if parts[1] == "text" else echo_server.binary_payload(size))
        async for message in ws:
            await ws.send(message)
    except websockets.exceptions.ConnectionClosed:
        pass
    finally:
        await ws.wait_closed()
        rcvd = getattr(ws, "close_rcvd", None)
        report = {
            "path": path,
            "code": rcvd.code if rcvd else 1006,
            "reason": rcvd.reason if rcvd else "",
            "answered": ws.response_headers.get("Sec-WebSocket-Extensions"),
            "received": log.received,
            "sent": log.sent,
        }
        print("closed " + json.dumps(report), flush=True)


async def server():
    async with websockets.serve(handler, "127.0.0.1", 0, max_size=None, ping_interval=None, close_timeout=5) as running:
        port = running.sockets[0].getsockname()[1]
        print(f"listening {port}", flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        if sys.argv[1] == "client":
            asyncio.run(client(sys.argv[2], json.loads(sys.argv[3])))
        else:
            asyncio.run(server())
    except KeyboardInterrupt:
        sys.exit(0)
