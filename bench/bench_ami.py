"""AMI target figures against the fake Asterisk: requests, wall time and peak memory.

For 1k and 10k agents: (a) first apply, (b) one changed agent, (c) no change, each through
the real render -> read -> diff -> plan -> apply path (``provisioner.apply.execute``) over
TCP to ``tests.fakes.ami_server.FakeAmiServer`` on 127.0.0.1. Prints figures; asserts
nothing about time. Run: ``python3 bench/bench_ami.py [AGENTS ...]``.

Every step is really sent, the 10k first apply too (~12000 UpdateConfig requests: the fake
applies each in place, at the cost of the request, and writes a file's text only when read).

Peak memory is the process's maximum resident size, which includes the in-process fake.

``--process`` runs the fake in a child process instead (``python3 bench/bench_ami.py
--process 10000``): it no longer shares the interpreter lock with the client, so the figures
separate the client's own CPU time of ``read`` from the time spent waiting for the fake to
build its answers. It prints the first apply's wall time and, best of three, the no-change
plan (render, read with the client's CPU time, diff).
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from provisioner.apply import execute
from provisioner.diff import diff
from provisioner.model import (
    Agent,
    Inventory,
    Queue,
    QueueMember,
    QueueMembership,
    SecretRef,
    Settings,
)
from provisioner.plan import Plan, make_plan
from provisioner.render import render
from provisioner.targets.ami import AmiTarget
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk

SECRET = "gitops-secret"
QUEUES = ("sales", "support", "billing", "vip")
PIN_HASH = "pbkdf2_sha256$1$c2FsdA==$aGFzaA=="


def inventory(agents: int, revision: str) -> Inventory:
    people = tuple(
        Agent(
            id=f"{10000 + n}",
            name=f"Agent {n}",
            extension=f"{10000 + n}",
            pin_hash=PIN_HASH,
            secret=SecretRef("derive", f"agent-{n}"),
            queues=(QueueMembership(QUEUES[n % len(QUEUES)], n % 3),),
        )
        for n in range(agents)
    )
    queues = tuple(
        Queue(
            name=q,
            members=tuple(
                QueueMember(a.id, a.queues[0].penalty) for a in people if a.queues[0].queue == q
            ),
        )
        for q in sorted(QUEUES)
    )
    return Inventory(Settings(), people, (), queues, revision)


def changed_one(inv: Inventory, revision: str) -> Inventory:
    agents = list(inv.agents)
    agents[len(agents) // 2] = dataclasses.replace(agents[len(agents) // 2], name="Renamed Agent")
    return dataclasses.replace(inv, agents=tuple(agents), revision=revision)


def new_extension(inv: Inventory, revision: str) -> Inventory:
    agents = list(inv.agents)
    third = len(agents) // 3
    agents[third] = dataclasses.replace(agents[third], extension="99999")
    return dataclasses.replace(inv, agents=tuple(agents), revision=revision)


def secret(ref: SecretRef) -> str:
    return f"pw-{ref.ref}"


@contextmanager
def timed(figures: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    figures[name] = time.perf_counter() - start


def plan_for(target: AmiTarget, inv: Inventory, figures: dict[str, float]) -> Plan:
    with timed(figures, "render"):
        desired = render(inv, secret)
    with timed(figures, "read"):
        actual = target.read()
    with timed(figures, "diff"):
        plan = make_plan(target.name, inv.revision, diff(desired, actual, inv), actual)
    return plan


def classify(action: str, headers: dict[str, str]) -> str:
    """What a request was for, as the figures group them."""
    if action.startswith("DB") and headers.get("Key") == "lock":
        return "lock"
    if action == "QueueStatus" and "Queue" not in headers:
        return "read"
    return GROUPS.get(action, "other")


GROUPS = {
    "Login": "session",
    "Logoff": "session",
    "GetConfig": "read",
    "DBGetTree": "read",
    "UpdateConfig": "config writes",
    "DBPut": "record writes",
    "DBDel": "record writes",
    "Reload": "reloads",
    "PJSIPShowEndpoint": "verify",
    "PJSIPShowAors": "verify",
    "PJSIPShowAuths": "verify",
    "QueueStatus": "verify",
    "QueueRemove": "members",
    "QueuePenalty": "members",
}
SHOWN = ("config writes", "record writes", "reloads", "verify", "read", "lock", "session")


def step(server: FakeAmiServer, inv: Inventory, label: str) -> None:
    figures: dict[str, float] = {}
    before = len(server.requests)
    start = time.perf_counter()
    with AmiTarget(server.url, SECRET, timeout=1800.0) as target, target.lock("bench"):
        plan = plan_for(target, inv, figures)
        plan_time = time.perf_counter() - start
        with timed(figures, "apply"):
            outcome = execute(target, plan)
    total = time.perf_counter() - start
    server.wait_idle()  # the Logoff is sent without waiting: let it be counted here
    sent = Counter(classify(action, headers) for action, headers in server.requests[before:])
    groups = ", ".join(f"{name} {sent[name]}" for name in SHOWN if sent[name])
    numbered = sum(
        sum(1 for key in headers if key.startswith("Action-"))
        for action, headers in server.requests[before:]
        if action == "UpdateConfig"
    )
    print(
        f"  {label:<16} changes {len(plan.changes):>6}  AMI requests {sum(sent.values()):>6} "
        f"({groups}; {numbered} UpdateConfig actions)"
    )
    print(
        f"  {'':<16} plan {plan_time:6.2f} s (render {figures['render']:.2f}, read "
        f"{figures['read']:.2f}, diff {figures['diff']:.2f})  apply {figures['apply']:6.2f} s"
        f"  total {total:6.2f} s  verification failures {len(outcome.failures)}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  {'':<16} peak memory so far (process, fake included) {peak:.0f} MiB")


def run(agents: int, serve: Callable[[FakeAsterisk], FakeAmiServer]) -> None:
    asterisk = FakeAsterisk()
    server = serve(asterisk)
    try:
        print(f"{agents} agents:")
        first = inventory(agents, "rev-1")
        step(server, first, "(a) first apply")
        renamed = changed_one(first, "rev-2")
        step(server, renamed, "(b) one renamed")
        moved = new_extension(renamed, "rev-3")
        step(server, moved, "(b2) one new ext")
        step(server, moved, "(c) no change")
    finally:
        server.stop()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (process, fake included): {peak:.0f} MiB")


def serve_in_child(connection: Connection) -> None:
    """Child process: a fake Asterisk on an ephemeral port until told to stop."""
    server = FakeAmiServer(FakeAsterisk(), "gitops", SECRET).start()
    try:
        connection.send(server.url)
        connection.recv()
    finally:
        server.stop()


def run_separate(agents: int) -> None:
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    child = context.Process(target=serve_in_child, args=(theirs,))
    child.start()
    try:
        url = ours.recv()
        print(f"{agents} agents, fake in a separate process:")
        inv = inventory(agents, "rev-1")
        with AmiTarget(url, SECRET, timeout=1800.0) as target:
            start = time.perf_counter()
            execute(target, plan_for(target, inv, {}))
            print(f"  (a) first apply {time.perf_counter() - start:6.2f} s")
            runs = [plan_figures(target, inv) for _ in range(3)]
        best = min(runs, key=lambda figures: figures["plan"])
        print(
            f"  (c) no change: plan {best['plan']:.2f} s (render {best['render']:.2f}, read "
            f"{best['read']:.2f} of which client CPU {best['read cpu']:.2f}, diff "
            f"{best['diff']:.2f}), best of {len(runs)}; changes {best['changes']:.0f}"
        )
    finally:
        ours.send("stop")
        child.join()


def plan_figures(target: AmiTarget, inv: Inventory) -> dict[str, float]:
    figures: dict[str, float] = {}
    start = time.perf_counter()
    desired = render(inv, secret)
    figures["render"] = time.perf_counter() - start
    read_start, read_cpu = time.perf_counter(), time.process_time()
    actual = target.read()
    figures["read"] = time.perf_counter() - read_start
    figures["read cpu"] = time.process_time() - read_cpu
    with timed(figures, "diff"):
        plan = make_plan(target.name, inv.revision, diff(desired, actual, inv), actual)
    figures["plan"] = time.perf_counter() - start
    figures["changes"] = len(plan.changes)
    return figures


def main(argv: list[str]) -> int:
    separate = "--process" in argv
    sizes = [int(a) for a in argv if a != "--process"] or [1000, 10000]
    for size in sizes:
        if separate:
            run_separate(size)
        else:
            run(size, lambda asterisk: FakeAmiServer(asterisk, "gitops", SECRET).start())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
