#!/usr/bin/env python3
"""The soak's load: closed-loop clients on 127.0.0.1 sending a mix of streamed and whole chat
requests, some of them hanging up mid-stream on purpose, each request recorded as one JSON line.

usage: soak_client.py PORT SECONDS CLIENTS OUT.jsonl [SEED]

A line: {"t0","t1" (unix seconds), "stream", "status" (0: no response head), "container"
(x-janus-container), "outcome"}. outcome is one of ok, aborted (the client hung up on purpose),
error_frame (a stream that ended with an error frame and [DONE]), cut (a stream or answer that
ended without its end), http_error (a status other than 200), connect_error.
"""
import asyncio, json, random, sys, time

PORT, SECONDS, CLIENTS, OUT = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
SEED = int(sys.argv[5]) if len(sys.argv) > 5 else 1
MODELS = ["m", "n"]


def body(stream, tokens, delay_ms):
    return json.dumps({"model": random.choice(MODELS), "stream": stream,
                       "messages": [{"role": "user", "content": "soak"}],
                       "janus_baseline": {"tokens": tokens, "token_delay_ms": delay_ms}}).encode()


async def read_head(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    return status, headers


async def read_chunked(reader, on_data):
    """Reads a chunked body; True when the last chunk came."""
    while True:
        size_line = await reader.readuntil(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return True
        data = await reader.readexactly(size + 2)
        if on_data(data[:-2]):
            return False


async def one_request(rec):
    stream = random.random() < 0.7
    abort_after = random.randint(1, 6) if stream and random.random() < 0.2 else None
    tokens = random.randint(4, 40) if stream else random.randint(4, 16)
    payload = body(stream, tokens, 20 if stream else 5)
    rec.update(stream=stream, status=0, container="", outcome="connect_error")
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", PORT), 5)
    except Exception:
        return
    try:
        writer.write(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nConnection: close\r\n"
                     b"Content-Length: %d\r\n\r\n%s" % (len(payload), payload))
        await writer.drain()
        status, headers = await asyncio.wait_for(read_head(reader), 30)
        rec["status"] = status
        rec["container"] = headers.get("x-janus-container", "")
        if status != 200:
            rec["outcome"] = "http_error"
            return
        if not stream:
            length = int(headers.get("content-length", "-1"))
            data = await asyncio.wait_for(reader.readexactly(length), 30)
            rec["outcome"] = "ok" if data.endswith(b"}") else "cut"
            return
        text = bytearray()
        frames = [0]

        def on_data(data):
            text.extend(data)
            frames[0] = text.count(b"\n\n")
            return abort_after is not None and frames[0] >= abort_after

        ended = await asyncio.wait_for(read_chunked(reader, on_data), 30)
        if not ended:
            rec["outcome"] = "aborted"
        elif b'data: {"error":' in text and text.endswith(b"data: [DONE]\n\n"):
            rec["outcome"] = "error_frame"
        elif text.endswith(b"data: [DONE]\n\n"):
            rec["outcome"] = "ok"
        else:
            rec["outcome"] = "cut"
    except Exception:
        rec["outcome"] = "cut" if rec["status"] else "connect_error"
    finally:
        writer.close()


async def client(out, deadline):
    while time.time() < deadline:
        rec = {"t0": time.time()}
        await one_request(rec)
        rec["t1"] = time.time()
        out.write(json.dumps(rec) + "\n")
        out.flush()


async def main():
    random.seed(SEED)
    deadline = time.time() + SECONDS
    with open(OUT, "w") as out:
        await asyncio.gather(*(client(out, deadline) for _ in range(CLIENTS)))


asyncio.run(main())
