"""A feature server: many TCP clients stream 16-bit PCM, one StreamPool computes their rows.

    python docs/examples/stream_server.py --serve --port 8765     # serve until Ctrl-C
    python docs/examples/stream_server.py                        # load test: 1,000 clients, 3 s of audio each
    python docs/examples/stream_server.py --clients 50 --seconds 1   # small (CI)

Protocol (little-endian), one TCP connection per utterance:

* client -> server: messages ``[uint32 n_bytes][n_bytes of int16 PCM, 16 kHz mono]``;
  ``n_bytes = 0`` ends the utterance.
* server -> client: messages ``[uint32 n_rows][n_rows x 39 float32]`` (MFCC + Δ + ΔΔ,
  ``Config(deltas=2)``), whenever rows become ready; after the end of the
  utterance the rows still owed (``flush``), then ``n_rows = 0xFFFFFFFF``, and
  the server closes the connection.

The server is one asyncio event loop on 127.0.0.1 with one ``fastfeat.StreamPool``:
each connection gets a handle; every 10 ms a *tick* takes the PCM that arrived
for every client since the last tick, pushes all of it in one
``pool.push(handles, chunks)`` call (one C call for all clients, the GIL
released), and writes each client its new rows.  A client that ends is
flushed and closed; a client that disconnects mid-stream is dropped from the
pool at the next tick and nobody else notices.  The per-tick latency is the
time a tick takes (collect, push, write), reported as p50/p99.

The load test starts the server in this process and the clients in a child
process (its own event loop, so the two use both cores): ``--clients``
connections send ``--seconds`` of audio each, 10 ms per message, paced at real
time; 2 % of them disconnect half-way.  Every client that finishes checks
that the rows it received equal ``Stream(config)`` run over its own audio, bit
for bit.  It stops by itself (the clients end, or ``--timeout``) and prints a
summary line, e.g.

    clients: 1000 (20 disconnected), 980 checked, 980 equal; ticks: 322, p50 56.0 ms, p99 137.2 ms (of which ...)

The tick time counts the push and the socket writes; under load the server
falls behind real time and each tick then carries more audio per client (the
rows stay exact: any chunking gives the same rows).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np

import fastfeat as ff

SR = 16000
CHUNK = 160  # 10 ms
END = 0xFFFFFFFF
CONFIG = ff.Config(deltas=2)
HEADER = struct.Struct("<I")


def pcm_to_float(pcm: bytes) -> np.ndarray:
    """int16 little-endian PCM to float32 in [-1, 1) (the scale fastfeat.load uses)."""
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / np.float32(32768)


# ---------------------------------------------------------------------- server

class Connection(asyncio.Protocol):
    """One client: its pool handle, the PCM that arrived since the last tick."""

    def __init__(self, server: "FeatureServer") -> None:
        self.server = server
        self.inbox = bytearray()  # undecoded bytes
        self.pcm = bytearray()    # complete PCM messages not pushed yet
        self.ended = self.lost = False
        self.handle = -1
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.handle = self.server.pool.open()
        self.server.clients[self.handle] = self

    def data_received(self, data: bytes) -> None:
        self.inbox += data
        while len(self.inbox) >= 4 and not self.ended:
            (n,) = HEADER.unpack_from(self.inbox)
            if len(self.inbox) < 4 + n:
                break
            if n % 2:  # not int16 PCM: drop the client
                self.transport.abort()
                return
            if n == 0:
                self.ended = True
            self.pcm += self.inbox[4:4 + n]
            del self.inbox[:4 + n]

    def connection_lost(self, exc) -> None:
        self.lost = True


class FeatureServer:
    """The pool, the connected clients and the tick loop."""

    def __init__(self, config: ff.Config = CONFIG, tick_s: float = CHUNK / SR) -> None:
        self.pool = ff.StreamPool(config)
        self.clients: dict[int, Connection] = {}
        self.tick_s = tick_s
        self.tick_ms: list[float] = []
        self.push_ms: list[float] = []
        self.nf = config.n_features

    def _send(self, c: Connection, rows: np.ndarray) -> None:
        if len(rows) and not c.lost:
            c.transport.write(HEADER.pack(len(rows)) + rows.tobytes())

    def tick(self) -> None:
        t0 = time.perf_counter()
        for h in [h for h, c in self.clients.items() if c.lost and not c.ended]:
            self.pool.close(h)  # gone mid-stream: only its own state goes
            del self.clients[h]
        active = [c for c in self.clients.values() if c.pcm]
        if active:
            # one decode for everybody, then each client's chunk is a view
            sizes = np.cumsum([len(c.pcm) // 2 for c in active])
            x = pcm_to_float(b"".join(c.pcm for c in active))
            chunks = np.split(x, sizes[:-1])
            for c in active:
                c.pcm.clear()
            t1 = time.perf_counter()
            new = self.pool.push(np.array([c.handle for c in active]), chunks)
            self.push_ms.append(1e3 * (time.perf_counter() - t1))
            for c, rows in zip(active, new):
                self._send(c, rows)
        for c in [c for c in self.clients.values() if c.ended]:
            self._send(c, self.pool.flush(c.handle))
            if not c.lost:
                c.transport.write(HEADER.pack(END))
                c.transport.close()
            self.pool.close(c.handle)
            del self.clients[c.handle]
        if active:
            self.tick_ms.append(1e3 * (time.perf_counter() - t0))

    async def run(self, host: str, port: int, stop: asyncio.Event) -> None:
        loop = asyncio.get_running_loop()
        srv = await loop.create_server(lambda: Connection(self), host, port, backlog=4096)
        self.port = srv.sockets[0].getsockname()[1]
        self.ready.set()
        next_tick = loop.time()
        async with srv:
            while not stop.is_set():
                self.tick()
                next_tick = max(next_tick + self.tick_s, loop.time())
                await asyncio.sleep(next_tick - loop.time())

    ready: asyncio.Event


# ---------------------------------------------------------------------- clients

def client_audio(i: int, seconds: float) -> np.ndarray:
    """int16 audio of client i: tones + noise under a syllable-rate envelope, its own seed."""
    rng = np.random.default_rng(1000 + i)
    t = np.arange(int(seconds * SR)) / SR
    f0 = rng.uniform(100, 300)
    y = sum(np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 6)) / k for k in range(1, 5))
    y = 0.3 * y * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t)) + 0.02 * rng.standard_normal(t.size)
    return np.clip(y * 32767 / 2, -32768, 32767).astype("<i2")


class Client(asyncio.Protocol):
    def __init__(self, audio: np.ndarray, nf: int) -> None:
        self.audio, self.nf = audio, nf
        self.inbox = bytearray()
        self.rows: list[np.ndarray] = []
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.inbox += data
        while len(self.inbox) >= 4:
            (n,) = HEADER.unpack_from(self.inbox)
            if n == END:
                if not self.done.done():
                    self.done.set_result(True)
                del self.inbox[:4]
                return
            size = 4 + 4 * n * self.nf
            if len(self.inbox) < size:
                break
            self.rows.append(np.frombuffer(bytes(self.inbox[4:size]), "<f4").reshape(n, self.nf))
            del self.inbox[:size]

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(False)


async def run_clients(port: int, n: int, seconds: float, timeout: float) -> dict:
    loop = asyncio.get_running_loop()
    nf = CONFIG.n_features
    audios = [client_audio(i, seconds) for i in range(n)]
    quitters = set(range(0, n, 50))  # 2 % disconnect half-way
    clients = []
    for i in range(n):
        _, c = await loop.create_connection(lambda a=audios[i]: Client(a, nf), "127.0.0.1", port)
        clients.append(c)
    n_msgs = int(seconds * SR) // CHUNK
    start = loop.time()
    for m in range(n_msgs + 1):  # one 10 ms message per client per tick, paced at real time
        for i, c in enumerate(clients):
            if i in quitters and m == n_msgs // 2:
                c.transport.abort()
            elif not c.transport.is_closing():
                if m < n_msgs:
                    pcm = c.audio[m * CHUNK:(m + 1) * CHUNK].tobytes()
                    c.transport.write(HEADER.pack(len(pcm)) + pcm)
                else:
                    c.transport.write(HEADER.pack(0))
        await asyncio.sleep(max(0.0, start + (m + 1) * CHUNK / SR - loop.time()))
    ends = [c.done for i, c in enumerate(clients) if i not in quitters]
    await asyncio.wait(ends, timeout=timeout)
    checked = equal = 0
    for i, c in enumerate(clients):
        if i in quitters or not (c.done.done() and c.done.result()):
            continue
        checked += 1
        s = ff.Stream(CONFIG)
        want = np.concatenate([s.push(pcm_to_float(c.audio.tobytes())), s.flush()])
        got = np.concatenate(c.rows) if c.rows else np.empty((0, nf), np.float32)
        equal += bool(got.shape == want.shape and (got == want).all())
        c.transport.close()
    return {"clients": n, "disconnected": len(quitters), "checked": checked, "equal": equal}


# ---------------------------------------------------------------------- load test

async def load_test(n: int, seconds: float, timeout: float) -> tuple[dict, "FeatureServer"]:
    server = FeatureServer()
    server.ready = asyncio.Event()
    stop = asyncio.Event()
    task = asyncio.create_task(server.run("127.0.0.1", 0, stop))
    await server.ready.wait()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.dirname(os.path.dirname(ff.__file__)), os.environ.get("PYTHONPATH", "")]))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--client-process", "--port", str(server.port), "--clients", str(n),
        "--seconds", str(seconds), "--timeout", str(timeout), stdout=subprocess.PIPE, env=env)
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout=timeout + seconds + 120)
    finally:
        if proc.returncode is None:
            proc.kill()
        stop.set()
        await task
    return json.loads(out.decode().strip().splitlines()[-1]), server


def _raise_fd_limit() -> None:
    """Each client is a socket on both sides of loopback: allow more than the usual 1024 files."""
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard if hard != resource.RLIM_INFINITY else 65536, hard))


def main(argv: list[str] | None = None) -> int:
    _raise_fd_limit()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--serve", action="store_true", help="serve on --port until interrupted")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--clients", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=3.0, help="audio per client in the load test")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the last rows")
    p.add_argument("--client-process", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.client_process:
        print(json.dumps(asyncio.run(run_clients(args.port, args.clients, args.seconds, args.timeout))))
        return 0
    if args.serve:
        server = FeatureServer()
        server.ready = asyncio.Event()
        print(f"serving on 127.0.0.1:{args.port}", flush=True)
        try:
            asyncio.run(server.run("127.0.0.1", args.port, asyncio.Event()))
        except KeyboardInterrupt:
            pass
        return 0
    res, server = asyncio.run(load_test(args.clients, args.seconds, args.timeout))
    ticks = server.tick_ms
    p50, p99 = (np.percentile(ticks, [50, 99]) if ticks else (float("nan"), float("nan")))
    q50, q99 = (np.percentile(server.push_ms, [50, 99]) if ticks else (float("nan"), float("nan")))
    print(f"clients: {res['clients']} ({res['disconnected']} disconnected), {res['checked']} checked, "
          f"{res['equal']} equal; ticks: {len(ticks)}, p50 {p50:.1f} ms, p99 {p99:.1f} ms "
          f"(of which pool.push p50 {q50:.1f} ms, p99 {q99:.1f} ms)")
    return 0 if res["checked"] == res["equal"] == res["clients"] - res["disconnected"] else 1


if __name__ == "__main__":
    sys.exit(main())
