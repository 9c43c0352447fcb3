"""Load generator for the FastAGI server: simulated Asterisk sessions on loopback.

Runs the server in a child process (so server and clients use both cores) and drives it with
an asyncio client that answers every AGI command like Asterisk would for a healthy system.
Prints sessions/s and p50/p99 latency (connect to close) for:

- pause/unpause sessions at 100 concurrent sessions (closed loop: each client starts its next
  session when one ends, so by Little's law latency = 100 / throughput),
- pause/unpause sessions arriving at a fixed rate (open loop, as calls arrive; default 1000/s),
- the same while 500 more sessions sit idle in a prompt (GET DATA never answered),
- full logins (own endpoint, interface menu, one queue) at 100 concurrent sessions,
- full logins with agent number and PIN (PBKDF2 as stored by ``provisioner hash-pin``).

Usage: python bench/bench_agi.py [--sessions N] [--concurrency C] [--idle I]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from agi.context import Options
from agi.server import AgiServer, InventoryHolder, ServerConfig
from provisioner.inventory.pins import hash_pin
from provisioner.model import (
    Agent,
    Inventory,
    PauseReason,
    Queue,
    QueueMembership,
    SecretRef,
    Settings,
)

AGENTS = 1000
PIN = "4711"

REPLIES = {  # what a healthy Asterisk answers; anything else gets "200 result=1"
    "GET VARIABLE AQMSTATUS": "200 result=1 (ADDED)",
    "GET VARIABLE PQMSTATUS": "200 result=1 (PAUSED)",
    "GET VARIABLE UPQMSTATUS": "200 result=1 (UNPAUSED)",
    "GET VARIABLE RQMSTATUS": "200 result=1 (REMOVED)",
    "DATABASE GET": "200 result=0",
    "ANSWER": "200 result=0",
    "EXEC": "200 result=0",
    "STREAM FILE": "200 result=0 endpos=100",
}


def bench_inventory() -> Inventory:
    pin_hash = hash_pin(PIN)
    agents = tuple(
        Agent(
            id=str(1000 + i),
            name=f"Agent {i}",
            extension=str(5000 + i),
            pin_hash=pin_hash,
            secret=SecretRef("derive", str(i)),
            mobile="+4410000",
            queues=(QueueMembership("support", 1),),
        )
        for i in range(AGENTS)
    )
    settings = Settings(pause_reasons=(PauseReason(1, "lunch"),))
    return Inventory(settings=settings, agents=agents, phones=(), queues=(Queue("support"),))


def serve(port_out: multiprocessing.SimpleQueue[int], stop: threading.Event | None = None) -> None:
    holder = InventoryHolder(Path("."), lambda _root: bench_inventory())
    config = ServerConfig(port=0, max_sessions=2000, idle_timeout=120, options=Options())
    server = AgiServer(config, holder)
    port_out.put(server.address[1])
    server.serve_forever()


def environment(script: str, channel: str, args: Sequence[str] = ()) -> bytes:
    lines = [
        "agi_network: yes",
        f"agi_network_script: {script}",
        f"agi_channel: {channel}",
        "agi_uniqueid: 1795526654.1",
        *(f"agi_arg_{i}: {a}" for i, a in enumerate(args, start=1)),
    ]
    return ("\n".join(lines) + "\n\n").encode()


def answer(command: str, digits: dict[str, str]) -> bytes:
    command = command.replace('"', "")
    if command.startswith("GET DATA"):
        prompt = command.split()[2]
        return f"200 result={digits.get(prompt, '')}\n".encode()
    reply = next((r for p, r in REPLIES.items() if command.startswith(p)), "200 result=1")
    return f"{reply}\n".encode()


async def session(port: int, env: bytes, digits: dict[str, str]) -> float:
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(env)
    while line := await reader.readline():
        writer.write(answer(line.decode().strip(), digits))
    writer.close()
    return time.perf_counter() - start


async def idle_session(port: int, ready: asyncio.Event, release: asyncio.Event) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(environment("login", "PJSIP/visitor-00000001"))
    await reader.readline()  # ANSWER
    writer.write(b"200 result=0\n")
    await reader.readline()  # GET DATA: left unanswered, like a caller who never keys in
    ready.set()
    await release.wait()
    writer.close()


Make = Callable[[int], tuple[bytes, dict[str, str]]]


async def run(port: int, make: Make, total: int, concurrency: int, idle: int) -> list[float]:
    release = asyncio.Event()
    holders = []
    for _ in range(idle):
        ready = asyncio.Event()
        holders.append(asyncio.create_task(idle_session(port, ready, release)))
        await ready.wait()
    latencies: list[float] = []
    counter = iter(range(total))

    async def worker() -> None:
        for n in counter:
            env, digits = make(n)
            latencies.append(await session(port, env, digits))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    release.set()
    await asyncio.gather(*holders)
    return latencies


async def run_at_rate(port: int, make: Make, total: int, rate: float, limit: int) -> list[float]:
    """Open loop: sessions start at a fixed rate (as calls arrive), at most ``limit`` at once."""
    slots = asyncio.Semaphore(limit)
    latencies: list[float] = []

    async def one(n: int) -> None:
        async with slots:
            env, digits = make(n)
            latencies.append(await session(port, env, digits))

    start = time.perf_counter()
    tasks = []
    for n in range(total):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    return latencies


def pause_unpause(n: int) -> tuple[bytes, dict[str, str]]:
    channel = f"PJSIP/{1000 + n % AGENTS}-{n:08x}"
    if n % 2 == 0:
        return environment("pause", channel, ["1"]), {}
    return environment("unpause", channel), {}


def login_own_endpoint(n: int) -> tuple[bytes, dict[str, str]]:
    channel = f"PJSIP/{1000 + n % AGENTS}-{n:08x}"
    return environment("login", channel), {"gitops/interface-menu": "1"}


def login_with_pin(n: int) -> tuple[bytes, dict[str, str]]:
    digits = {"agent-user": str(5000 + n % AGENTS), "agent-pass": PIN, "gitops/interface-menu": "1"}
    return environment("login", f"PJSIP/visitor-{n:08x}"), digits


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Target:
    def __init__(self, port: int, pid: int) -> None:
        self.port = port
        self.pid = pid

    def measure(self, label: str, make: Make, total: int, concurrency: int, idle: int) -> None:
        cpu, started = cpu_seconds(self.pid), time.perf_counter()
        latencies = asyncio.run(run(self.port, make, total, concurrency, idle))
        report(label, latencies, time.perf_counter() - started, cpu_seconds(self.pid) - cpu)

    def measure_rate(self, label: str, make: Make, total: int, rate: float, limit: int) -> None:
        cpu, started = cpu_seconds(self.pid), time.perf_counter()
        latencies = asyncio.run(run_at_rate(self.port, make, total, rate, limit))
        report(label, latencies, time.perf_counter() - started, cpu_seconds(self.pid) - cpu)


def report(label: str, latencies: list[float], elapsed: float, server_cpu: float) -> None:
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, int(len(ms) * 0.99))]
    print(
        f"{label:<44} {len(ms):>6} sessions {len(ms) / elapsed:>8.0f}/s "
        f"p50 {statistics.median(ms):6.2f} ms  p99 {p99:6.2f} ms  "
        f"server CPU {server_cpu / len(ms) * 1e6:5.0f} us/session"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--rate", type=float, default=1000.0, help="open-loop sessions/s")
    args = parser.parse_args()
    ports: multiprocessing.SimpleQueue[int] = multiprocessing.SimpleQueue()
    child = multiprocessing.Process(target=serve, args=(ports,), daemon=True)
    child.start()
    target = Target(ports.get(), child.pid or 0)
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} before the run")
    try:
        c, n = args.concurrency, args.sessions
        target.measure(f"pause/unpause, {c} concurrent", pause_unpause, n, c, 0)
        label = f"pause/unpause at {args.rate:.0f}/s offered, <= {c} open"
        target.measure_rate(label, pause_unpause, n, args.rate, c)
        label = f"pause/unpause, {c} concurrent + {args.idle} idle"
        target.measure(label, pause_unpause, n, c, args.idle)
        label = f"login (own endpoint), {c} concurrent"
        target.measure(label, login_own_endpoint, n // 2, c, 0)
        label = f"login (number + PIN), {c} concurrent"
        target.measure(label, login_with_pin, n // 10, c, 0)
        print(f"load average {os.getloadavg()[0]:.1f} after the run")
    finally:
        child.terminate()
        child.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
