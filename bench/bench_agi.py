"""Load generator for the FastAGI server: simulated Asterisk sessions on loopback.

The figures measure the server, not the load generator:

- the server runs alone in a child process (``agi.server.AgiServer``, as ``python -m agi``
  runs it, with a generated inventory of 1000 agents);
- the simulated Asterisk sessions are lean raw-socket clients in one or more other processes
  (``--clients``): one epoll loop each, answering every AGI command from a pre-recorded
  script (each session's answers are computed before the clock starts; a received line costs a
  ``recv`` and a ``send``). Their own CPU per session is printed next to the server's.

Scenarios (each printed as sessions/s, p50, p99 and CPU per session of server and clients):

- pause/unpause sessions (7 AGI commands each), logins from the agent's own endpoint (about
  20 commands), logins with agent number and PIN (PBKDF2 as stored by ``provisioner
  hash-pin``);
- closed loop: ``--concurrency`` sessions always in flight, each client starting its next
  session when one ends;
- open loop: sessions arriving at fixed rates (``--rates``), at most ``--concurrency`` open;
  latency counts from the planned arrival, so time spent waiting for a free slot is included;
- the same pause/unpause runs while ``--idle`` more sessions sit in a prompt (GET DATA never
  answered), back to back with the runs without them.

Which reading is the issue's target ("at least 1000 pause/unpause sessions/s, p99 under 20 ms
at 100 concurrent sessions"): the OPEN-LOOP pause/unpause rows at 1000/s and above with at most
100 open. Calls reach Asterisk at a rate; 100 concurrent is the bound on sessions in flight.
In the closed loop, 100 sessions are in flight at every instant by construction, so by
Little's law p50 is about 100 / throughput whatever the server does: p99 under 20 ms there
would need more than 5000 sessions/s. The closed loop row is the server's capacity (its
sessions/s is the throughput target's reading); the open-loop rows are its latency.

Usage: python bench/bench_agi.py [--sessions N] [--concurrency C] [--idle I] [--clients K]
       [--rates 500,1000,1500] [--only pause|own|pin] [--repeat 3] [--profile]

On a shared machine, ``--repeat 3`` prints every run and then, per row, the run with the
lowest p99; the load averages printed before and after each run say how quiet it was.
"""

from __future__ import annotations

import argparse
import cProfile
import multiprocessing
import os
import pstats
import selectors
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from agi.context import Options
from agi.server import AgiServer, ServerConfig
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
from runtime.reload import InventoryHolder

AGENTS = 1000
PIN = "4711"
OK_MARK = b'"GITOPS_STATUS" "ok"'

REPLIES = {  # what a healthy Asterisk answers; anything else gets "200 result=1"
    "GET VARIABLE AQMSTATUS": "200 result=1 (ADDED)",
    "GET VARIABLE PQMSTATUS": "200 result=1 (PAUSED)",
    "GET VARIABLE UPQMSTATUS": "200 result=1 (UNPAUSED)",
    "GET VARIABLE RQMSTATUS": "200 result=1 (REMOVED)",
    "DATABASE GET": "200 result=0",
    "ANSWER": "200 result=0",
    "EXEC": "200 result=0",
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


# --- the server process -------------------------------------------------------------------


def serve(port_out: Connection, profile: bool) -> None:
    holder = InventoryHolder(Path(os.devnull), lambda _root: bench_inventory())
    config = ServerConfig(port=0, max_sessions=2000, idle_timeout=120, options=Options())
    server = AgiServer(config, holder)
    if profile:
        _profile_sessions(server)
    port_out.send(server.address[1])
    server.serve_forever()


def _profile_sessions(server: AgiServer) -> None:
    """cProfile each session thread; SIGUSR1 prints the merged figures (bench --profile)."""
    profiles: list[cProfile.Profile] = []
    local = threading.local()
    run = server._workers._run  # bench-only instrumentation

    def profiled(sock: socket.socket) -> None:
        if not hasattr(local, "profile"):
            local.profile = cProfile.Profile(time.thread_time)  # CPU, not waiting
            profiles.append(local.profile)
        local.profile.runcall(run, sock)

    def dump(signum: int, frame: object) -> None:
        stats = pstats.Stats(profiles[0])
        for extra in profiles[1:]:
            stats.add(extra)
        stats.sort_stats("tottime").print_stats(30)
        sys.stdout.flush()

    server._workers._run = profiled
    signal.signal(signal.SIGUSR1, dump)


# --- scripted sessions ----------------------------------------------------------------------


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


Make = Callable[[int], tuple[bytes, dict[str, str]]]


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


Script = tuple[bytes, tuple[bytes, ...]]  # environment, the answer to each command in turn


def record(port: int, env: bytes, digits: dict[str, str]) -> list[str]:
    """The commands the server sends in one session (answered by ``answer``)."""
    commands: list[str] = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        reader = sock.makefile("rb")
        sock.sendall(env)
        while line := reader.readline().decode().strip():
            commands.append(line)
            sock.sendall(answer(line, digits))
    return commands


def scripts(port: int, make: Make, total: int) -> list[Script]:
    """Every session's answers, from one recorded session per AGI script (pause, unpause...)."""
    recorded: dict[bytes, list[str]] = {}
    out: list[Script] = []
    for n in range(total):
        env, digits = make(n)
        kind = env.split(b"\n", 2)[1]
        if kind not in recorded:
            recorded[kind] = record(port, env, digits)
        out.append((env, tuple(answer(c, digits) for c in recorded[kind])))
    return out


# --- the lean client (one process, one epoll loop) -----------------------------------------


@dataclass
class Open:
    sock: socket.socket
    answers: tuple[bytes, ...]
    start: float
    sent: int = 0
    ok: bool = False


@dataclass(frozen=True)
class Result:
    latencies: list[float]
    first: float
    last: float
    ok: int
    cpu: float


def drive(port: int, work: list[Script], limit: int, rate: float | None) -> Result:
    """Run ``work`` against the server: closed loop (``rate`` None) or arrivals at ``rate``/s."""
    sel = selectors.DefaultSelector()
    latencies: list[float] = []
    ok = opened = 0
    cpu, t0 = time.process_time(), time.perf_counter()

    def start(env: bytes, answers: tuple[bytes, ...], planned: float) -> None:
        sock = socket.create_connection(("127.0.0.1", port))
        sock.sendall(env)
        sock.setblocking(False)
        sel.register(sock, selectors.EVENT_READ, Open(sock, answers, planned))

    while len(latencies) < len(work):
        now = time.perf_counter()
        timeout: float | None = None
        while opened < len(work) and opened - len(latencies) < limit:
            planned = now if rate is None else t0 + opened / rate
            if planned > now:
                timeout = planned - now
                break
            start(*work[opened], planned)
            opened += 1
        for key, _ in sel.select(timeout):
            s: Open = key.data
            data = s.sock.recv(65536)
            if not data:
                latencies.append(time.perf_counter() - s.start)
                ok += s.ok
                sel.unregister(s.sock)
                s.sock.close()
                continue
            s.ok = s.ok or OK_MARK in data
            for _ in range(data.count(b"\n")):
                s.sock.send(s.answers[s.sent] if s.sent < len(s.answers) else b"520 bench\n")
                s.sent += 1
    return Result(latencies, t0, time.perf_counter(), ok, time.process_time() - cpu)


def client(port: int, work: list[Script], limit: int, rate: float | None, out: Connection) -> None:
    out.send(drive(port, work, limit, rate))


# --- the runner -----------------------------------------------------------------------------


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of a process (Linux /proc; zeros elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


class IdleCallers:
    """Sessions that wait in a prompt (GET DATA never answered), held by this process."""

    def __init__(self, port: int, count: int) -> None:
        self.socks: list[socket.socket] = []
        for n in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            reader = sock.makefile("rb")
            sock.sendall(environment("login", f"PJSIP/idle-{n:08x}"))
            while not (line := reader.readline()).startswith(b"GET DATA"):
                sock.sendall(answer(line.decode().strip(), {}))
            self.socks.append(sock)

    def close(self) -> None:
        for sock in self.socks:
            sock.close()


@dataclass(frozen=True)
class Row:
    label: str
    text: str
    p99: float


class Bench:
    def __init__(self, port: int, pid: int, clients: int) -> None:
        self.port, self.pid, self.clients = port, pid, clients
        self.rows: dict[str, list[Row]] = {}

    def run(self, label: str, make: Make, total: int, limit: int, rate: float | None) -> None:
        work = scripts(self.port, make, total)
        k = self.clients
        pipes, procs = [], []
        cpu = cpu_seconds(self.pid)
        for i in range(k):
            here, there = multiprocessing.Pipe(duplex=False)
            share = (work[i::k], max(1, limit // k), None if rate is None else rate / k)
            procs.append(multiprocessing.Process(target=client, args=(self.port, *share, there)))
            procs[-1].start()
            pipes.append(here)
        results: list[Result] = [p.recv() for p in pipes]
        for proc in procs:
            proc.join()
        user, system = cpu_seconds(self.pid)
        row = report(label, results, user - cpu[0], system - cpu[1])
        print(row.text, flush=True)
        self.rows.setdefault(label, []).append(row)

    def print_best(self, repeats: int) -> None:
        print(f"best of {repeats} (the run with the lowest p99, per row):")
        for rows in self.rows.values():
            print(min(rows, key=lambda row: row.p99).text)


def report(label: str, results: list[Result], user: float, system: float) -> Row:
    ms = sorted(x * 1000 for r in results for x in r.latencies)
    n = len(ms)
    elapsed = max(r.last for r in results) - min(r.first for r in results)
    failed = n - sum(r.ok for r in results)
    client_cpu = sum(r.cpu for r in results)
    p99 = ms[min(n - 1, n * 99 // 100)]
    text = (
        f"{label:<46} {n:>6} {n / elapsed:>7.0f}/s  p50 {ms[n // 2]:7.2f} ms  "
        f"p99 {p99:7.2f} ms  CPU/session: server "
        f"{(user + system) / n * 1e6:4.0f} us ({system / n * 1e6:3.0f} sys), "
        f"clients {client_cpu / n * 1e6:3.0f} us" + (f"  {failed} NOT OK" if failed else "")
    )
    return Row(label, text, p99)


def scenarios(args: argparse.Namespace, bench: Bench) -> None:
    c, n, rates = args.concurrency, args.sessions, [float(r) for r in args.rates.split(",")]
    if args.only in (None, "pause"):
        bench.run(f"pause/unpause, closed loop, {c} concurrent", pause_unpause, n, c, None)
        for rate in rates:
            label = f"pause/unpause, open loop {rate:.0f}/s, <= {c} open"
            bench.run(label, pause_unpause, n, c, rate)
        idle_comparison(args, bench, rates)
    if args.only in (None, "own"):
        bench.run(f"login (own endpoint), closed loop, {c}", login_own_endpoint, n // 2, c, None)
        for rate in (r / 2 for r in rates):
            label = f"login (own endpoint), open {rate:.0f}/s, <= {c}"
            bench.run(label, login_own_endpoint, n // 2, c, rate)
    if args.only in (None, "pin"):
        m = max(n // 20, 100)
        bench.run(f"login (number + PIN), closed loop, {c}", login_with_pin, m, c, None)
        for rate in (25.0, 50.0):
            bench.run(
                f"login (number + PIN), open {rate:.0f}/s, <= {c}", login_with_pin, m, c, rate
            )


def idle_comparison(args: argparse.Namespace, bench: Bench, rates: list[float]) -> None:
    """The same runs without and with ``--idle`` sessions waiting in a prompt, back to back
    (interleaved over ``--repeat`` runs, so a change of load hits both sides alike)."""
    c, n, rate = args.concurrency, args.sessions, rates[len(rates) // 2]
    for idle in (0, args.idle):
        callers = IdleCallers(bench.port, idle)
        try:
            bench.run(f"pause/unpause, closed {c} + {idle} idle", pause_unpause, n, c, None)
            label = f"pause/unpause, open {rate:.0f}/s + {idle} idle"
            bench.run(label, pause_unpause, n, c, rate)
        finally:
            callers.close()


def loadavg() -> str:
    """1, 5 and 15 minute load averages (they count this bench's own threads too)."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--clients", type=int, default=1, help="client processes")
    parser.add_argument("--rates", default="500,1000,1500", help="open-loop sessions/s")
    parser.add_argument("--only", choices=("pause", "own", "pin"))
    parser.add_argument("--repeat", type=int, default=1, help="runs; then the best of them")
    parser.add_argument("--profile", action="store_true", help="cProfile the server sessions")
    args = parser.parse_args()
    here, there = multiprocessing.Pipe(duplex=False)
    server = multiprocessing.Process(target=serve, args=(there, args.profile), daemon=True)
    server.start()
    bench = Bench(here.recv(), server.pid or 0, args.clients)
    try:
        for _ in range(args.repeat):
            print(f"{os.cpu_count()} CPUs, load average {loadavg()} before the run")
            scenarios(args, bench)
            print(f"load average {loadavg()} after the run")
        if args.repeat > 1:
            bench.print_best(args.repeat)
        if args.profile:
            os.kill(server.pid or 0, signal.SIGUSR1)
            time.sleep(2)
    finally:
        server.terminate()
        server.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
