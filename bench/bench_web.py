"""Benchmark of the HTTP service (``asterisk-gitops-web``): API requests/s and event fan-out.

    python bench/bench_web.py [--asterisk fake|real] [--agents 2000] [--clients 100]
                              [--streams 1000] [--seconds 8] [--events 20] [--repeat 1]

Three processes, so the figures are the service's: the Asterisk (``fake``: the project's
fake Asterisk behind its AMI server, in a child process; ``real``: an Asterisk 22 sandbox
started for the run, ``tests/real/sandbox.py``), the service as ``python -m web`` runs it
(a generated inventory of ``--agents`` agents, one server, ``--threads 64``), and this
process, the clients: lean asyncio HTTP/1.1 keep-alive connections, no HTTP library.

1. **requests/s at ``--clients`` concurrent clients** (closed loop, ``--seconds`` each):
   ``status`` (``GET /api/agents/<id>``, from the live table) and ``pause/unpause``
   (``POST .../pause`` then ``.../unpause``, each a full rule against Asterisk over the one
   AMI connection: CHANNELS() to see whether the agent is on a call, QueuePause, the AstDB
   record). Each client acts on an agent of its own, logged in before the clock starts, with
   an API token (Bearer; a browser session costs the same plus a cookie lookup).
2. **fan-out delay to ``--streams`` event streams**: that many ``GET /api/events`` open at
   once (a token scoped to one queue: each snapshot is that queue's agents), then
   ``--events`` pauses made directly over AMI (as a feature code's PauseQueueMember makes
   them: the service only sees the event), 0.2 s apart; the delay of each (stream, event) is
   from just before the AMI action to the moment the stream delivered that agent's new row.
3. The service's AMI logins (``/api/health``): one per server, whatever the client count.

Targets (issue 12): >= 500 pause/unpause per second, fan-out p99 < 500 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gen_inventory import generate  # noqa: E402
from provisioner.inventory.pins import hash_token  # noqa: E402
from provisioner.targets.ami.client import Action, AmiClient  # noqa: E402

TOKEN_ALL = "gitops_bench-all"
TOKEN_QUEUE = "gitops_bench-queue"
SECRET = "gitops-secret"


# -- the Asterisk ----------------------------------------------------------------------


def _fake(queues: list[str], conn: Connection) -> None:
    from tests.fakes.ami_server import FakeAmiServer
    from tests.fakes.asterisk import FakeAsterisk

    fake = FakeAsterisk()
    fake.set_config_text("queues_gitops.conf", "".join(f"[{q}]\n\n" for q in queues))
    fake.reload(None)
    with FakeAmiServer(fake) as server:
        conn.send(server.port)
        conn.recv()  # until the bench is over
        conn.send(server.session_count())


class Asterisk:
    def __init__(self, kind: str, queues: list[str], work: Path) -> None:
        self.kind = kind
        self._sandbox = None
        if kind == "fake":
            self._conn, child = multiprocessing.Pipe()
            self._proc = multiprocessing.Process(target=_fake, args=(queues, child), daemon=True)
            self._proc.start()
            self.port = int(self._conn.recv())
        else:
            from tests.real.sandbox import Sandbox

            self._sandbox = Sandbox.start(work / "asterisk")
            text = "".join(f"[{q}]\nstrategy=rrmemory\n\n" for q in queues)
            self._sandbox.managed_file("queues_gitops.conf").write_text(text)
            self._sandbox.rx("module reload app_queue.so")
            self.port = self._sandbox.ami_port

    def client(self) -> AmiClient:
        return AmiClient("127.0.0.1", self.port, "gitops", SECRET, timeout=30)

    def stop(self) -> None:
        if self._sandbox is not None:
            self._sandbox.stop()
        else:
            self._conn.send("stop")
            self._proc.join(10)


# -- the inventory and the service -----------------------------------------------------


def inventory(root: Path, agents: int, port: int) -> tuple[list[str], list[str]]:
    """The generated inventory, one server serving all of it; agent ids and queue names."""
    generate(agents, root)
    settings = (root / "settings.yaml").read_text().split("  servers:")[0]
    queues = re.findall(r"- name: (\S+)", (root / "queues.yaml").read_text())
    settings += (
        "  servers:\n"
        f"    - {{name: pbx, target: 'ami://gitops@127.0.0.1:{port}', secret_env: PBX_SECRET}}\n"
        "  tokens:\n"
        f"    - {{id: bench-all, hash: '{hash_token(TOKEN_ALL)}', all: true}}\n"
        f"    - {{id: bench-queue, hash: '{hash_token(TOKEN_QUEUE)}', queues: [{queues[0]}]}}\n"
    )
    (root / "settings.yaml").write_text(settings)
    ids = [f"agent{i:05d}" for i in range(agents)]
    return ids, queues


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Service:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "web", "--inventory", str(root), "--threads", "64"]
        command += [
            "--listen",
            f"127.0.0.1:{self.port}",
            "--lock-listen",
            f"127.0.0.1:{free_port()}",
        ]
        command += ["--reload-interval", "0"]
        env = {**os.environ, "PBX_SECRET": SECRET}
        self.proc = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)

    def health(self) -> dict[str, object]:
        reply = asyncio.run(_one("GET", self.port, "/api/health", None, ""))
        found: dict[str, object] = json.loads(reply)
        return found

    def wait(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                servers = self.health()["servers"]
                if isinstance(servers, dict) and servers["pbx"]["agents"]:
                    return
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.2)
        raise RuntimeError("the service did not come up")

    def cpu(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# -- lean HTTP clients -----------------------------------------------------------------


def _request(method: str, path: str, body: str | None, token: str) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: bench", f"Authorization: Bearer {token}"]
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n" + (body or "")).encode()


async def _answer(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    match = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
    return await reader.readexactly(int(match.group(1))) if match else b""


async def _one(method: str, port: int, path: str, body: str | None, token: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_request(method, path, body, token))
    answer = await _answer(reader)
    writer.close()
    return answer


async def _closed_loop(
    port: int,
    agents: list[str],
    seconds: float,
    plan: Callable[[str, int], tuple[str, str, str | None]],
) -> tuple[int, list[float], int]:
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    failures = 0

    async def client(agent: str) -> None:
        nonlocal failures
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        n = 0
        while time.monotonic() < stop:
            method, path, body = plan(agent, n)
            start = time.perf_counter()
            writer.write(_request(method, path, body, TOKEN_ALL))
            answer = await _answer(reader)
            latencies.append(time.perf_counter() - start)
            if b'"status":"ok"' not in answer and b'"agent"' not in answer[:20]:
                failures += 1
            n += 1
        writer.close()

    await asyncio.gather(*(client(a) for a in agents))
    return len(latencies), latencies, failures


def _pause_plan(agent: str, n: int) -> tuple[str, str, str | None]:
    if n % 2 == 0:
        return "POST", f"/api/agents/{agent}/pause", '{"reason":"lunch"}'
    return "POST", f"/api/agents/{agent}/unpause", "{}"


def _status_plan(agent: str, n: int) -> tuple[str, str, str | None]:
    return "GET", f"/api/agents/{agent}", None


async def _fan_out(
    port: int, streams: int, agents: list[str], events: int, ami: AmiClient
) -> list[float]:
    seen: dict[tuple[int, str], float] = {}
    ready = 0

    async def stream(index: int) -> None:
        nonlocal ready
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
        writer.write(_request("GET", "/api/events", None, TOKEN_QUEUE))
        await reader.readuntil(b"\r\n\r\n")
        await reader.readuntil(b"event: snapshot\n")
        await reader.readuntil(b"\n\n")
        ready += 1
        while True:
            line = await reader.readline()
            if not line:
                return
            if line.startswith(b"data: {") and b'"paused":true' in line:
                agent = json.loads(line[6:])["agent"]
                seen.setdefault((index, agent), time.monotonic())

    tasks = [asyncio.create_task(stream(i)) for i in range(streams)]
    while ready < streams:
        await asyncio.sleep(0.05)
    sent: dict[str, float] = {}
    loop = asyncio.get_running_loop()
    for agent in agents[:events]:
        sent[agent] = time.monotonic()
        headers = (
            ("Interface", f"Local/{agent}@gitops-agents"),
            ("Paused", "true"),
            ("Reason", "break"),
        )
        await loop.run_in_executor(None, ami.request, Action("QueuePause", headers))
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)
    for task in tasks:
        task.cancel()
    return [seen.get((i, a), float("inf")) - t for a, t in sent.items() for i in range(streams)]


# -- the run ---------------------------------------------------------------------------


def log_in(ami: AmiClient, agents: list[str], queue_of: dict[str, str]) -> None:
    """The agents logged in as a login leaves them (member, AstDB session), unpaused."""
    actions: list[Action] = []
    for agent in agents:
        member = f"Local/{agent}@gitops-agents"
        actions.append(
            Action(
                "QueueAdd",
                (("Queue", queue_of[agent]), ("Interface", member), ("MemberName", agent)),
            )
        )
        for key, value in (
            ("since", str(int(time.time()))),
            ("queues", queue_of[agent]),
            ("interface", "internal"),
        ):
            actions.append(
                Action("DBPut", (("Family", f"gitops/agent/{agent}"), ("Key", key), ("Val", value)))
            )
    ami.pipeline(actions)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def run(args: argparse.Namespace, work: Path) -> None:
    root = work / "inventory"
    generate(args.agents, root)  # for the queue names
    queues = re.findall(r"- name: (\S+)", (root / "queues.yaml").read_text())
    shutil.rmtree(root)
    asterisk = Asterisk(args.asterisk, queues, work)
    service = None
    try:
        agents, queues = inventory(root, args.agents, asterisk.port)
        queue_of = _membership(root, agents)
        in_first = [a for a in agents if queue_of[a] == queues[0]]
        busy = in_first[: args.events] + [a for a in agents if a not in in_first][: args.clients]
        with asterisk.client() as ami:
            log_in(ami, busy, queue_of)
        service = Service(root)
        service.wait()
        workers = [a for a in agents if a not in in_first][: args.clients]
        for name, plan in (("status", _status_plan), ("pause/unpause", _pause_plan)):
            cpu = service.cpu()
            count, latencies, failures = asyncio.run(
                _closed_loop(service.port, workers, args.seconds, plan)
            )
            used = service.cpu() - cpu
            print(
                f"{name:>14}: {count / args.seconds:7.0f} requests/s at {len(workers)} clients, "
                f"p50 {pct(latencies, 0.5) * 1000:6.1f} ms, "
                f"p99 {pct(latencies, 0.99) * 1000:6.1f} ms, "
                f"service CPU {used / max(count, 1) * 1000:.2f} ms/request, failed {failures}"
            )
        with asterisk.client() as ami:
            delays = asyncio.run(_fan_out(service.port, args.streams, in_first, args.events, ami))
        missed = sum(1 for d in delays if d == float("inf"))
        print(
            f"{'fan-out':>14}: {args.events} events x {args.streams} streams: "
            f"p50 {pct(delays, 0.5) * 1000:.1f} ms, p99 {pct(delays, 0.99) * 1000:.1f} ms, "
            f"max {max(d for d in delays if d != float('inf')) * 1000:.1f} ms, missed {missed}"
        )
        health = service.health()
        servers = health["servers"]
        assert isinstance(servers, dict)
        print(
            f"{'AMI':>14}: {servers['pbx']['ami_logins']} login(s) of the service to the Asterisk "
            f"({len(workers)} API clients, {args.streams} streams)"
        )
    finally:
        if service is not None:
            service.stop()
        asterisk.stop()


def _membership(root: Path, agents: list[str]) -> dict[str, str]:
    """Each agent's first queue, from the generated agent files."""
    found: dict[str, str] = {}
    for path in sorted((root / "agents").glob("*.yaml")):
        for agent, queue in re.findall(
            r"id: (agent\d+)\n(?:.*\n)*?\s+- \{queue: (\S+),", path.read_text()
        ):
            found.setdefault(agent, queue)
    return found


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--asterisk", choices=("fake", "real"), default="fake")
    p.add_argument("--agents", type=int, default=2000)
    p.add_argument("--clients", type=int, default=100)
    p.add_argument("--streams", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--events", type=int, default=20)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    for n in range(args.repeat):
        print(
            f"run {n + 1}/{args.repeat}: Asterisk {args.asterisk}, {args.agents} agents, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        with tempfile.TemporaryDirectory(prefix="bench-web-") as work:
            run(args, Path(work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
