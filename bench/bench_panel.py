"""Benchmark of the web panel's pages: how long the server takes to render what the pages
fetch on every live change (docs/web-panel.md).

    python bench/bench_panel.py [--asterisk fake|real] [--agents 2000] [--logged-in 1000]
                                [--fetches 40] [--supervisors 10] [--repeat 1]

The Asterisk and the service run as in ``bench_web.py`` (the service as ``python -m web``,
a generated inventory of ``--agents`` agents, ``--logged-in`` of them logged in, plus a
supervisor whose scope is every agent). This process signs in over the panel's form and
fetches, one after the other:

1. ``/supervisor/live``: the counts and the whole table, what a supervisor's page fetches
   after a change of any of its agents (several changes within 0.1 s make one fetch);
2. ``/supervisor/live?state=paused``: the same, filtered (the counts stay whole);
3. ``/agent/live``: an agent's own state and buttons;

then ``--supervisors`` supervisors fetch ``/supervisor/live`` at once, ``--fetches`` times
each: pages per second the service can render for them.
"""

from __future__ import annotations

import argparse
import re
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_web import (  # noqa: E402
    Service,
    _membership,
    inventory,
    log_in,
    pct,
    runs,
    serving,
)
from provisioner.inventory.pins import MIN_ITERATIONS, hash_pin  # noqa: E402

PIN = "4321"


def signed_in(port: int, user: str) -> httpx.Client:
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60)
    reply = client.post("/signin", data={"user": user, "pin": PIN})
    if reply.status_code != 303:
        raise RuntimeError(f"{user} could not sign in: {reply.status_code}")
    return client


def timed(client: httpx.Client, path: str, count: int) -> tuple[list[float], int]:
    latencies, size = [], 0
    for _ in range(count):
        start = time.perf_counter()
        reply = client.get(path)
        latencies.append(time.perf_counter() - start)
        size = len(reply.content)
        if reply.status_code != 200:
            raise RuntimeError(f"{path}: {reply.status_code}")
    return latencies, size


def line(name: str, latencies: list[float], size: int) -> str:
    return (
        f"{name:>28}: p50 {pct(latencies, 0.5) * 1000:6.1f} ms, "
        f"p99 {pct(latencies, 0.99) * 1000:6.1f} ms, {size / 1024:.0f} KiB"
    )


def run(args: argparse.Namespace, work: Path) -> None:
    asterisk, root = serving(args.asterisk, args.agents, work)
    service = None
    try:
        agents, _ = inventory(root, args.agents, asterisk.port)
        pin = hash_pin(PIN, iterations=MIN_ITERATIONS)
        settings = root / "settings.yaml"
        settings.write_text(
            settings.read_text()
            + f"  supervisors:\n    - {{id: boss, name: Boss, pin: '{pin}', all: true}}\n"
        )
        agent_files = root / "agents"
        for path in agent_files.glob("*.yaml"):  # the first agent's PIN, known
            text = path.read_text()
            if f"id: {agents[0]}\n" in text:
                path.write_text(re.sub(r"pin: \S+", f"pin: '{pin}'", text, count=1))
        with asterisk.client() as ami:
            log_in(ami, agents[: args.logged_in], _membership(root, agents))
        service = Service(root)
        service.wait()
        boss = signed_in(service.port, "boss")
        agent = signed_in(service.port, agents[0])
        for name, client, path in (
            ("/supervisor/live", boss, "/supervisor/live"),
            ("/supervisor/live?state=paused", boss, "/supervisor/live?state=paused"),
            ("/agent/live", agent, "/agent/live"),
        ):
            timed(client, path, 3)  # warm up
            print(line(name, *timed(client, path, args.fetches)))
        clients = [signed_in(service.port, "boss") for _ in range(args.supervisors)]
        results: list[list[float]] = []
        threads = [
            threading.Thread(
                target=lambda c=c: results.append(timed(c, "/supervisor/live", args.fetches)[0])
            )
            for c in clients
        ]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        every = [x for r in results for x in r]
        p50, p99 = pct(every, 0.5) * 1000, pct(every, 0.99) * 1000
        print(
            f"{'at once':>28}: {len(every) / elapsed:6.1f} tables/s for {args.supervisors} "
            f"supervisors, p50 {p50:.0f} ms, p99 {p99:.0f} ms"
        )
    finally:
        if service is not None:
            service.stop()
        asterisk.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--asterisk", choices=("fake", "real"), default="fake")
    p.add_argument("--agents", type=int, default=2000)
    p.add_argument("--logged-in", type=int, default=1000)
    p.add_argument("--fetches", type=int, default=40)
    p.add_argument("--supervisors", type=int, default=10)
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args()
    what = f"{args.agents} agents ({args.logged_in} logged in)"
    for work in runs(args, what, "bench-panel-"):
        run(args, work)
    return 0


if __name__ == "__main__":
    sys.exit(main())
