"""``provisioner apply`` on a live Asterisk next to the floor: what Asterisk itself needs.

    python3 bench/bench_apply.py [--fake] [--first] [--repeat N] [SIZE ...]   # default 1000

Runs against the real Asterisk 22 sandbox (``../shared/asterisk-22``, one fresh sandbox per
scenario on free ports, stopped at the end), or with ``--fake`` against the fake AMI server of
tests/fakes (in this process). The inventory is bench/gen_inventory.py's on one server: SIZE
agents, half as many phones, a queue per 50 agents. "Ours" is the whole command as a user
runs it (``provisioner apply --auto-approve``, a fresh process, the inventory cache warm);
its peak memory is that process's maximum resident size.

- ``--first``: (a) first apply. The floor is a raw writer (this file) that sends the same
  objects as the fewest ``UpdateConfig`` requests Asterisk reads (128 header lines each, the
  steps split anywhere, a category made under its own name when nothing of that name exists
  yet), one ``Reload`` per module and one verification pass (one listing per PJSIP kind and a
  ``QueueStatus``), on one connection. Slow on the real Asterisk (every request rewrites the
  whole file): about an hour each at 10000 agents.
- (b) one changed agent (the display name of the middle agent, so one endpoint's
  ``callerid``), ``--repeat`` times, on an Asterisk seeded with the files a first apply
  writes (as text, then reloaded) and its record. Floor: one ``UpdateConfig`` of that one
  value, ``Reload res_pjsip.so``, one ``PJSIPShowEndpoint``, on a connection already open.
- (c) ``provisioner plan`` with nothing to change, ``--repeat`` times, next to the target's own
  read (``AmiTarget.read`` in this process: the five pipelined requests and their parsing).

Prints best and median of each, and the ratios; asserts nothing. The load average is printed:
on a shared machine figures move with it.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gen_inventory import generate  # noqa: E402
from provisioner.apply import renderer  # noqa: E402
from provisioner.inventory import load_inventory  # noqa: E402
from provisioner.render.objects import MANAGED_FILES, PJSIP_FILE, ConfigObject  # noqa: E402
from provisioner.render.text import to_text  # noqa: E402
from provisioner.targets.ami import AmiTarget, astdb  # noqa: E402
from provisioner.targets.ami.client import Action, AmiClient  # noqa: E402
from provisioner.targets.ami.updates import (  # noqa: E402
    MAX_LINES,
    Step,
    escape,
    temporary_name,
    update_config,
)
from provisioner.targets.base import RELOAD_MODULES, ObjectChange, StateRecord  # noqa: E402

USER, SECRET = "gitops", "gitops-secret"
SERVER = "pbx-paris"  # gen_inventory's first site: every agent with sites=1
ENV = {"GITOPS_MASTER_KEY": "bench-not-secret", "PBX_PARIS_SECRET": SECRET}
TIMEOUT = "7200"


# -- the Asterisks ---------------------------------------------------------------------------


@dataclass
class Live:
    """One Asterisk to run against: its AMI port, how to put text in its managed files (the
    sandbox's etc/ is ours) and how to stop it."""

    port: int
    put_files: Callable[[dict[str, str]], None]
    stop: Callable[[], None]
    log: Callable[[], str] = lambda: ""  # the end of Asterisk's log, to show on a failure
    astdb: bool = False  # its sorcery.conf keeps PJSIP objects in AstDB (ami+astdb://)

    @property
    def url(self) -> str:
        return f"{'ami+astdb' if self.astdb else 'ami'}://{USER}@127.0.0.1:{self.port}"


# sorcery.conf keeping PJSIP objects in AstDB (docs/scaling.md)
SORCERY = (
    "[res_pjsip]\nendpoint=astdb,pjsip\naor=astdb,pjsip\nauth=astdb,pjsip\n\n"
    "[res_pjsip_endpoint_identifier_ip]\nidentify=astdb,pjsip\n"
)


def real(workdir: Path, astdb: bool = False) -> Iterator[Live]:
    """Fresh sandboxes, one per call of ``next`` (``astdb``: with SORCERY)."""
    from tests.real.sandbox import Sandbox, missing

    why = missing()
    if why is not None:
        raise SystemExit(f"no real Asterisk here: {why} (use --fake)")
    for n in range(1_000_000):
        sandbox = Sandbox.start(workdir / f"asterisk-{n}")
        if astdb:
            (sandbox.etc / "sorcery.conf").write_text(SORCERY)
            sandbox.restart()

        def put(texts: dict[str, str], etc: Path = sandbox.etc) -> None:
            for name, text in texts.items():
                (etc / name).write_text(text)

        def log(sandbox: Sandbox = sandbox) -> str:
            return "\n".join(sandbox.log_text().splitlines()[-15:])

        yield Live(sandbox.ami_port, put, sandbox.stop, log, astdb)


def fake(workdir: Path, astdb: bool = False) -> Iterator[Live]:
    from tests.fakes.ami_server import FakeAmiServer
    from tests.fakes.asterisk import FakeAsterisk

    while True:
        asterisk = FakeAsterisk(sorcery_astdb="pjsip" if astdb else None)
        server = FakeAmiServer(asterisk, USER, SECRET).start()

        def put(texts: dict[str, str], asterisk: FakeAsterisk = asterisk) -> None:
            for name, text in texts.items():
                asterisk.set_config_text(name, text)

        yield Live(server.port, put, server.stop, astdb=astdb)


@contextmanager
def running(asterisks: Iterator[Live]) -> Iterator[Live]:
    live = next(asterisks)
    try:
        yield live
    except SystemExit:
        print(f"Asterisk's log ends with:\n{live.log()}", file=sys.stderr)
        raise
    finally:
        live.stop()


# -- the floor ---------------------------------------------------------------------------------


def floor_steps(objects: Sequence[ConfigObject]) -> dict[str, list[Step]]:
    """Per file, the fewest steps that make ``objects`` on an empty file: a category under its
    own name when it is the first of that name, else under a temporary name then renamed (an
    ``Append`` to a name would reach its same-named sibling too)."""
    steps: dict[str, list[Step]] = {}
    seen: set[tuple[str, str]] = set()
    for obj in objects:
        first = (obj.file, obj.name.lower()) not in seen
        seen.add((obj.file, obj.name.lower()))
        name = obj.name if first else temporary_name(obj)
        out = steps.setdefault(obj.file, [])
        out.append(Step("NewCat", name))
        out.extend(Step("Append", name, k, escape(v)) for k, v in obj.options)
        if not first:
            out.append(Step("RenameCat", name, value=obj.name))
    return steps


def floor_requests(file: str, steps: Sequence[Step]) -> list[Action]:
    """``steps`` cut into requests of at most ``MAX_LINES`` lines, anywhere."""
    requests: list[Action] = []
    batch: list[Step] = []
    lines = 0
    for step in steps:
        if lines + step.lines > MAX_LINES:
            requests.append(update_config(file, batch))
            batch, lines = [], 0
        batch.append(step)
        lines += step.lines
    if batch:
        requests.append(update_config(file, batch))
    return requests


def floor_first_apply(live: Live, objects: Sequence[ConfigObject]) -> tuple[float, int]:
    """(seconds, UpdateConfig requests); with AstDB the PJSIP objects are DBPuts, pipelined."""
    in_db = [o for o in objects if live.astdb and o.file == PJSIP_FILE]
    steps = floor_steps([o for o in objects if o not in in_db])
    requests = [r for f in MANAGED_FILES if f in steps for r in floor_requests(f, steps[f])]
    puts = [astdb.writes(ObjectChange("create", None, o)) for o in in_db]
    with AmiClient("127.0.0.1", live.port, USER, SECRET, timeout=float(TIMEOUT)) as ami:
        start = time.perf_counter()
        for reply in ami.pipeline(puts):
            ami.check(reply)
        for request in requests:
            ami.request(request)
        reloads = [Action("Reload", (("Module", RELOAD_MODULES[f]),)) for f in steps]
        listings = ["PJSIPShowEndpoints", "PJSIPShowAors", "PJSIPShowAuths", "QueueStatus"]
        for reply in ami.pipeline(reloads + [Action(a) for a in listings]):
            if not reply.ok and not reply.message.startswith("No "):
                ami.check(reply)
        return time.perf_counter() - start, len(requests)


def seed(live: Live, objects: Sequence[ConfigObject], revision: str) -> None:
    """The state a first apply leaves, without its hour: the files written as text, their
    modules reloaded, the record saved (the same objects, so the next plan finds nothing).
    With AstDB, PJSIP objects are put there as the target does (it takes seconds)."""
    in_db = [o for o in objects if live.astdb and o.file == PJSIP_FILE]
    in_files = [o for o in objects if o not in in_db]
    live.put_files({f: to_text(f, [o for o in in_files if o.file == f]) for f in MANAGED_FILES})
    with AmiTarget(live.url, SECRET, timeout=600) as target:
        target.reload(MANAGED_FILES)
        target.read()
        if in_db:
            target.write([ObjectChange("create", None, o) for o in in_db])
        target.save_record(StateRecord(revision, frozenset(o.key for o in objects)))


def floor_one_change(ami: AmiClient, live: Live, endpoint: ConfigObject, callerid: str) -> float:
    """The change of one endpoint's callerid, made live and read back, nothing else."""
    if live.astdb:
        changed = replace(
            endpoint,
            options=tuple((k, callerid if k == "callerid" else v) for k, v in endpoint.options),
        )
        start = time.perf_counter()
        ami.request(astdb.writes(ObjectChange("update", endpoint, changed)))
        ami.request(Action("PJSIPShowEndpoint", (("Endpoint", endpoint.name),)))
        return time.perf_counter() - start
    update = Action(
        "UpdateConfig",
        (
            ("SrcFilename", PJSIP_FILE),
            ("DstFilename", PJSIP_FILE),
            ("Action-000000", "Update"),
            ("Cat-000000", endpoint.name),
            ("Var-000000", "callerid"),
            ("Value-000000", callerid),
            ("Options-000000", 'catfilter="type=endpoint"'),
        ),
    )
    start = time.perf_counter()
    ami.request(update)
    ami.request(Action("Reload", (("Module", "res_pjsip.so"),)))
    ami.request(Action("PJSIPShowEndpoint", (("Endpoint", endpoint.name),)))
    return time.perf_counter() - start


# -- ours ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    wall: float
    peak_mib: float
    output: str


# A process's maximum resident size on Linux includes the peak of the process it was forked
# (or vforked) from: exec records the old memory's high-water mark. Spawned from this bench
# (hundreds of MiB of rendered objects), provisioner would report the bench's peak. A bare
# interpreter forks it instead and reports the child's own peak (its own ~10 MiB at most).
LAUNCHER = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-c", sys.argv[1], *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
print(f"\\n@maxrss {usage.ru_maxrss}", flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def cli(*args: str) -> Run:
    """One ``provisioner`` command in a fresh process (as a user runs it)."""
    code = "import sys; from provisioner.cli import main; sys.exit(main(sys.argv[1:]))"
    start = time.perf_counter()
    child = subprocess.run(
        [sys.executable, "-c", LAUNCHER, code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **ENV},
        text=True,
        cwd=ROOT,
        check=False,
    )
    wall = time.perf_counter() - start
    output, _, maxrss = child.stdout.rpartition("\n@maxrss ")
    if child.returncode not in (0, 2) or not maxrss:
        raise SystemExit(f"provisioner {' '.join(args)} failed:\n{child.stdout}")
    return Run(wall, int(maxrss) / 1024, output)  # Linux: KiB


def target_args(live: Live, inventory: Path) -> list[str]:
    return ["--inventory", str(inventory), "--target", live.url, "--server", SERVER]


def rename(inventory: Path, agent: str, name: str) -> None:
    """Give ``agent`` the display name ``name`` in its team file."""
    for path in sorted((inventory / "agents").glob("*.yaml")):
        text = path.read_text()
        pattern = rf"(  - id: {agent}\n    name: )[^\n]*"
        if re.search(pattern, text):
            path.write_text(re.sub(pattern, rf"\g<1>{name}", text))
            return
    raise SystemExit(f"agent {agent} not found in {inventory}")


# -- scenarios -----------------------------------------------------------------------------------


def figures(values: Sequence[float]) -> str:
    return f"best {min(values):6.2f} s, median {statistics.median(values):6.2f} s"


def first_apply(asterisks: Iterator[Live], inventory: Path, size: int) -> None:
    inv = load_inventory(inventory)
    part = inv.for_server(inv.settings.servers[0])
    objects = renderer(ENV)(part)
    with running(asterisks) as live:
        floor, sent = floor_first_apply(live, objects)
    print(f"  (a) first apply of {len(objects)} objects")
    puts = " and a DBPut per PJSIP object" if live.astdb else ""
    print(f"      floor {floor:8.1f} s  ({sent} UpdateConfig{puts}, a Reload per file, 4 listings)")
    with running(asterisks) as live:
        ours = cli("apply", "--auto-approve", "--timeout", TIMEOUT, *target_args(live, inventory))
    print(
        f"      ours  {ours.wall:8.1f} s  ratio {ours.wall / floor:.2f}  "
        f"(peak {ours.peak_mib:.0f} MiB; {size / 1000:g}k agents: "
        f"{ours.wall / (size / 1000):.1f} s per 1k)"
    )


def one_change(asterisks: Iterator[Live], inventory: Path, size: int, repeat: int) -> None:
    agent = f"agent{size // 2:05d}"
    inv = load_inventory(inventory)
    objects = renderer(ENV)(inv.for_server(inv.settings.servers[0]))
    (endpoint,) = [o for o in objects if o.key == (PJSIP_FILE, "endpoint", agent)]
    with running(asterisks) as live:
        args = target_args(live, inventory)
        seed(live, objects, inv.revision)
        ours: list[Run] = []
        for n in range(repeat):
            rename(inventory, agent, f"Renamed {n}")
            ours.append(cli("apply", "--auto-approve", *args))
        with AmiClient("127.0.0.1", live.port, USER, SECRET, timeout=600) as ami:
            floor = [
                floor_one_change(ami, live, endpoint, f'"Floor {n}" <x>') for n in range(repeat)
            ]
        rename(inventory, agent, f"Agent {size // 2}")
        cli("apply", "--auto-approve", *args)
        plans = [cli("plan", "--detailed-exitcode", *args) for _ in range(repeat)]
        reads = read_times(live, repeat)
    walls = [r.wall for r in ours]
    print(f"  (b) one changed agent, {repeat} runs")
    print(f"      floor {figures(floor)}")
    print(
        f"      ours  {figures(walls)}  ratio {min(walls) / min(floor):.2f} (best), "
        f"{statistics.median(walls) / statistics.median(floor):.2f} (median); "
        f"peak {max(r.peak_mib for r in ours):.0f} MiB"
    )
    plan_walls = [r.wall for r in plans]
    print(f"  (c) no-change plan: {figures(plan_walls)}; the target's read {figures(reads)}")
    print(
        f"      above the read: {min(plan_walls) - min(reads):.2f} s (best), "
        f"{statistics.median(plan_walls) - statistics.median(reads):.2f} s (median); "
        f"per 1k agents {statistics.median(plan_walls) / (size / 1000):.3f} s"
    )


def read_times(live: Live, repeat: int) -> list[float]:
    times = []
    with AmiTarget(live.url, SECRET, timeout=600) as target:
        for _ in range(repeat):
            start = time.perf_counter()
            target.read()
            times.append(time.perf_counter() - start)
    return times


def load_average() -> str:
    return "load average " + ", ".join(f"{n:.2f}" for n in os.getloadavg())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000])
    parser.add_argument("--fake", action="store_true", help="the fake AMI server, not Asterisk")
    parser.add_argument("--first", action="store_true", help="also the first apply (slow)")
    parser.add_argument(
        "--astdb", action="store_true", help="PJSIP objects in AstDB (ami+astdb://)"
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ.update(ENV)
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp:
        work = Path(tmp)
        asterisks = fake(work, args.astdb) if args.fake else real(work, args.astdb)
        where = "fake AMI server" if args.fake else "real Asterisk 22 sandbox"
        where += ", PJSIP objects in AstDB (ami+astdb://)" if args.astdb else ""
        print(f"{where} ({load_average()})")
        for size in args.sizes:
            inventory = work / f"inv-{size}"
            generate(size, inventory, sites=1)
            print(f"{size} agents ({size + size // 2} endpoints):")
            if args.first:
                first_apply(asterisks, inventory, size)
            one_change(asterisks, inventory, size, args.repeat)
            print(f"  ({load_average()})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
