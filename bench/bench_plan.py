"""Plan speed against the directory target, for 1k and 10k agents.

Prints, per size: plan wall time on an empty target (first plan), the apply that follows,
the no-change plan, a one-changed-agent plan, and the peak Python memory of a plan
(tracemalloc, measured in a separate pass so it does not slow the timed ones); the model is
generated directly. Then the whole command, ``provisioner plan`` on a YAML inventory from
bench/gen_inventory.py (two servers, so two directory targets): load + render + read +
compare, cold (first YAML parse), warm (the inventory cache filled; the target still empty,
so every object is a create to print) and with no change (after an apply: the plan cache
serves it), each the best of three; then what CI runs on each push, ``validate`` and ``plan``
as two fresh processes (wall time, interpreter start and imports included). Wall times
include whatever else the machine runs (the load average is printed); CPU times are this
process's.

    python3 bench/bench_plan.py [SIZE ...]      # default: 1000 10000
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_inventory import generate

from provisioner.apply import (
    Renderer,
    execute,
    plan_job,
    renderer,
)
from provisioner.cli import main as main_cli
from provisioner.diff import diff
from provisioner.gcpause import paused_gc
from provisioner.inventory.cache import CACHE_ENV
from provisioner.model import (
    Agent,
    Inventory,
    Phone,
    Queue,
    QueueMember,
    QueueMembership,
    SecretRef,
    Settings,
)
from provisioner.plan import make_plan
from provisioner.planformat import format_text
from provisioner.targets import Job
from provisioner.targets.directory import DirectoryTarget

PIN = "pbkdf2_sha256$60000$c2FsdA==$aGFzaA=="
ENV = {"GITOPS_MASTER_KEY": "bench-not-secret"}
REPEAT = 3


def inventory(size: int) -> Inventory:
    queue_names = [f"q{n:03d}" for n in range(max(3, size // 100))]
    agents = tuple(
        Agent(
            id=f"a{n:06d}",
            name=f"Agent {n}",
            extension=str(100000 + n),
            pin_hash=PIN,
            secret=SecretRef("derive", f"agent/a{n:06d}"),
            queues=(QueueMembership(queue_names[n % len(queue_names)], n % 3),),
        )
        for n in range(size)
    )
    phones = tuple(
        Phone(id=f"p{n:05d}", extension=str(900000 + n), secret=SecretRef("derive", f"p{n}"))
        for n in range(size // 10)
    )
    queues = tuple(
        Queue(
            name=name,
            members=tuple(
                QueueMember(a.id, a.queues[0].penalty) for a in agents if a.queues[0].queue == name
            ),
        )
        for name in queue_names
    )
    return Inventory(Settings(), agents, phones, queues, revision="bench")


@dataclass(frozen=True)
class Timing:
    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:5.2f} s ({self.cpu:5.2f} s CPU)"


@contextmanager
def measure(into: list[Timing]) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    into.append(Timing(time.perf_counter() - wall, time.process_time() - cpu))


def one_changed(inv: Inventory) -> Inventory:
    first = replace(inv.agents[0], name="Renamed Agent")
    return replace(inv, agents=(first, *inv.agents[1:]))


def stages(job: Job, desired_of: Renderer) -> str:
    """Where one plan's time goes: render, read the target back, compare, fingerprint."""
    marks = [time.perf_counter()]
    desired = desired_of(job.inventory)
    marks.append(time.perf_counter())
    actual = job.target.read()
    marks.append(time.perf_counter())
    found = diff(desired, actual, job.inventory)
    marks.append(time.perf_counter())
    make_plan(job.label, job.inventory.revision, found, actual)
    marks.append(time.perf_counter())
    names = ("render", "read", "compare", "plan (fingerprint)")
    return ", ".join(f"{n} {b - a:.2f} s" for n, a, b in zip(names, marks, marks[1:], strict=False))


def bench(size: int, desired_of: Renderer) -> None:
    inv = inventory(size)
    first: list[Timing] = []
    other: list[Timing] = []
    with tempfile.TemporaryDirectory() as tmp:
        target = DirectoryTarget(Path(tmp) / "cfg")
        job = Job(target.name, target, inv)
        with measure(first):
            plan = plan_job(job, desired_of)
        with measure(first):
            format_text([plan])
        with measure(first), target.lock("bench"):
            execute(target, plan)
        with measure(other):
            again = plan_job(job, desired_of)
        with measure(other):
            one = plan_job(Job(target.name, target, one_changed(inv)), desired_of)
        split = stages(job, desired_of)
        tracemalloc.start()
        plan_job(job, desired_of)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(f"{size} agents, {len(plan.changes)} config objects:")
    print(f"  first plan       {first[0]}  + its text output {first[1]}")
    print(f"  first apply      {first[2]}")
    print(f"  no-change plan   {other[0]}  ({len(again.changes)} changes)")
    print(f"    {split}")
    print(f"  one agent edited {other[1]}  ({len(one.changes)} change)")
    print(f"  peak memory of a plan (tracemalloc): {peak / 1e6:.1f} MB")


def bench_cli(size: int) -> None:
    """Best of three of each: cold (cache removed), warm (first plan), no change (after apply)."""
    cold: list[Timing] = []
    warm: list[Timing] = []
    same: list[Timing] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "inventory"
        generate(size, root)
        cache = Path(tmp) / "cache"
        os.environ[CACHE_ENV] = str(cache)
        argv = ["plan", "--inventory", str(root), "--target", f"dir:{Path(tmp) / 'cfg'}"]
        with contextlib.redirect_stdout(io.StringIO()):
            for _ in range(REPEAT):
                shutil.rmtree(cache, ignore_errors=True)
                with measure(cold):
                    main_cli(argv)
            for _ in range(REPEAT):
                with measure(warm):
                    main_cli(argv)
            main_cli(["apply", "--auto-approve", *argv[1:]])
            for _ in range(REPEAT):
                with measure(same):
                    main_cli(argv)
        ci = [ci_check(root, argv) for _ in range(REPEAT)]
    print(f"{size} agents, 'provisioner plan' end to end (YAML inventory, 2 servers), best of 3:")
    print(f"  cold {best(cold)}  warm {best(warm)}  no-change (warm) {best(same)}")
    walls = sorted(sum(t.wall for t in pair) for pair in ci)
    print(
        f"  'validate' then 'plan', each a fresh process, nothing changed: best "
        f"{walls[0]:.2f} s, median {walls[len(walls) // 2]:.2f} s (validate "
        f"{min(v.wall for v, _ in ci):.2f} s, plan {min(p.wall for _, p in ci):.2f} s)"
    )


def ci_check(root: Path, argv: list[str]) -> tuple[Timing, Timing]:
    """What CI runs on every push, as processes: validate, then plan (warm caches)."""
    code = "import sys; from provisioner.cli import main; sys.exit(main(sys.argv[1:]))"
    timings: list[Timing] = []
    for args in (["validate", "--inventory", str(root)], argv):
        with measure(timings):
            subprocess.run(
                [sys.executable, "-c", code, *args], check=True, capture_output=True, env=os.environ
            )
    return timings[0], timings[1]


def best(timings: list[Timing]) -> Timing:
    return min(timings, key=lambda t: t.wall)


def load_average() -> str:
    return "load average " + ", ".join(f"{n:.2f}" for n in os.getloadavg())


def main(argv: list[str]) -> int:
    sizes = [int(a) for a in argv] or [1000, 10000]
    os.environ.update(ENV)
    desired_of = renderer(ENV)
    with paused_gc():
        for size in sizes:
            bench(size, desired_of)
    print(f"({load_average()})")
    for size in sizes:
        bench_cli(size)
    print(f"({load_average()})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
