"""Python `websockets` as a client of the wsframe echo server, for test/interop/python-client.test.ts.

Usage: /usr/bin/python3 echo_client.py ws://127.0.0.1:PORT/ '<plan as JSON>'

The plan is a list of connections, each a list of steps; every step appends one result object to
the JSON list printed on stdout. Payloads are generated here exactly as the test generates them
(test/helpers/payloads.ts `textPayload`, and bytes i % 251), and results carry SHA-256 digests, so
16 MiB messages need not cross the pipe. Uses the asyncio API (websockets >= 10; Debian 12 ships
10.4, which has no `websockets.sync`).
"""
import asyncio
import hashlib
import json
import sys

import websockets


def text_payload(size):
    unit = "a\u00e9\u20ac\U0001F600"  # 1 + 2 + 3 + 4 UTF-8 bytes
    return unit * (size // 10) + "z" * (size % 10)


def binary_payload(size):
    return (bytes(range(251)) * (size // 251 + 1))[:size]


def payload(kind, size):
    return text_payload(size) if kind == "text" else binary_payload(size)


def describe(message):
    data = message.encode("utf-8") if isinstance(message, str) else message
    return {
        "type": "text" if isinstance(message, str) else "binary",
        "length": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }


def close_info(ws, error=None):
    """What the server's close frame said (close_rcvd in websockets >= 10, else close_code)."""
    rcvd = getattr(ws, "close_rcvd", None)
    if rcvd is None and error is not None:
        rcvd = getattr(error, "rcvd", None)
    if rcvd is not None:
        return {"code": rcvd.code, "reason": rcvd.reason}
    return {"code": ws.close_code, "reason": ws.close_reason}


async def run_step(ws, step):
    op = step["op"]
    if op == "echo":
        message = payload(step["type"], step["size"])
        await ws.send(message)
        return describe(await ws.recv())
    if op == "fragments":
        # websockets sends an iterable as one message, one frame per item (RFC 6455 section 5.4).
        parts = [p if step["type"] == "text" else p.encode("utf-8") for p in step["parts"]]
        await ws.send(parts)
        return describe(await ws.recv())
    if op == "ping":
        pong_waiter = await ws.ping(step["data"].encode("utf-8"))
        latency = await asyncio.wait_for(pong_waiter, 5)
        return {"pong": True, "latency": latency if isinstance(latency, (int, float)) else 0}
    if op == "close":
        await ws.close(code=step["code"], reason=step["reason"])
        return close_info(ws)
    if op == "send_and_await_close":
        # The server should close (e.g. 1009 for a message over its limit); report its close frame.
        try:
            await ws.send(payload(step["type"], step["size"]))
            await asyncio.wait_for(ws.recv(), 10)
            return {"error": "no close"}
        except websockets.exceptions.ConnectionClosed as error:
            return close_info(ws, error)
    if op == "await_close":
        try:
            await asyncio.wait_for(ws.recv(), 10)
            return {"error": "unexpected message"}
        except websockets.exceptions.ConnectionClosed as error:
            return close_info(ws, error)
    raise ValueError("unknown op " + op)


async def main(url, plan):
    results = []
    for steps in plan:
        async with websockets.connect(url, compression=None, max_size=None, ping_interval=None, close_timeout=5) as ws:
            for step in steps:
                results.append(await run_step(ws, step))
    print(json.dumps({"version": websockets.__version__, "results": results}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], json.loads(sys.argv[2])))
