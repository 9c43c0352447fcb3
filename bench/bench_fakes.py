"""Figures for the test fakes: start/stop time, AMI round trips, replays, large configs.

Prints numbers only; asserts nothing about time. Run: ``python3 bench/bench_fakes.py``.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.config import UpdateAction
from tests.fakes.wire import WireClient


def start_stop(rounds: int = 100) -> None:
    times = []
    threads_before = threading.active_count()
    for _ in range(rounds):
        began = time.perf_counter()
        with FakeAmiServer(FakeAsterisk()) as server, WireClient(server.host, server.port) as c:
            c.read_line()
        times.append((time.perf_counter() - began) * 1000)
    print(f"start+connect+stop: median {statistics.median(times):.2f} ms, max {max(times):.2f} ms")
    print(
        f"threads left behind after {rounds} servers: {threading.active_count() - threads_before}"
    )


def ping_rate(count: int = 2000) -> None:
    with FakeAmiServer(FakeAsterisk()) as server, WireClient(server.host, server.port) as c:
        c.read_line()
        c.send_action("Login", Username="gitops", Secret="gitops-secret", Events="off")
        c.read_message()
        began = time.perf_counter()
        for n in range(count):
            c.send_action("Ping", ActionID=str(n))
            c.read_message()
        elapsed = time.perf_counter() - began
    print(f"AMI Ping round trips: {count / elapsed:.0f}/s")


def big_update(agents: int = 10000) -> None:
    ast = FakeAsterisk()
    actions = []
    for n in range(agents):
        name = str(1000 + n)
        actions.append(UpdateAction("NewCat", name, "", "", "", "", "allowdups"))
        for key, value in (("type", "endpoint"), ("context", "from-sip"), ("aors", name)):
            actions.append(UpdateAction("Append", name, key, value, "", "", ""))
    began = time.perf_counter()
    ast.update_config("pjsip_gitops.conf", actions)
    applied = time.perf_counter() - began
    began = time.perf_counter()
    ast.reload("res_pjsip.so")
    reloaded = time.perf_counter() - began
    print(
        f"UpdateConfig of {len(actions)} actions ({agents} endpoints): {applied:.2f} s; "
        f"reload: {reloaded:.2f} s; endpoints loaded: {len(ast.pjsip_list('endpoint'))}"
    )
    one = [UpdateAction("Append", "1005", "note", "x", "", "", "")]
    began = time.perf_counter()
    for _ in range(200):
        ast.update_config("pjsip_gitops.conf", one)
    each = (time.perf_counter() - began) / 200 * 1000
    print(f"one-action UpdateConfig on that file (applied in place, save pending): {each:.3f} ms")
    began = time.perf_counter()
    for _ in range(10):
        ast.update_config("pjsip_gitops.conf", one)
        ast.config_text("pjsip_gitops.conf")
    each = (time.perf_counter() - began) / 10 * 1000
    print(f"the same, its text read after each (save written out): {each:.1f} ms")


def update_headers(lines: int, first: int) -> dict[str, str]:
    """Headers for an UpdateConfig of ``3 + 2 * ((lines - 3) // 2)`` lines (Action and the
    file names included) creating categories ``c<first>``, ``c<first+1>``, ..."""
    headers = {"SrcFilename": "pjsip_gitops.conf", "DstFilename": "pjsip_gitops.conf"}
    for n in range((lines - 3) // 2):
        headers.update({f"Action-{n:06d}": "NewCat", f"Cat-{n:06d}": f"c{first + n}"})
    return headers


def wire_updates(requests: int = 2000) -> None:
    """Full-size UpdateConfig requests (128 lines, Asterisk's limit) over TCP, and one line
    more, which Asterisk answers ``Too many lines in message``."""
    with FakeAmiServer(FakeAsterisk()) as server, WireClient(server.host, server.port, 60) as c:
        c.read_line()
        c.send_action("Login", Username="gitops", Secret="gitops-secret", Events="off")
        c.read_message()
        began = time.perf_counter()
        for n in range(requests):
            c.send_action("UpdateConfig", ActionID=str(n), **update_headers(128, n * 62))
            assert c.read_message()["Response"] == "Success"
        elapsed = time.perf_counter() - began
        c.send_action("UpdateConfig", **update_headers(129, 10**9))  # 129 lines
        refused = c.read_message().get("Message")
    print(
        f"{requests} UpdateConfig of 128 lines over TCP ({requests * 62} categories): "
        f"{requests / elapsed:.0f}/s; 129 lines -> {refused}"
    )


if __name__ == "__main__":
    start_stop()
    ping_rate()
    big_update(10000)
    wire_updates()
