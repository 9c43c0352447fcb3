"""PJSIP objects in a file (the AMI target today) or in AstDB (sorcery): what each costs.

    python3 bench/bench_sorcery.py [--fake] [SIZE ...]     # default: 1000 10000

On the real Asterisk 22 sandbox, two Asterisks per size: one reading PJSIP objects from
``pjsip_gitops.conf`` (as shipped), one whose ``sorcery.conf`` maps endpoint, aor, auth and
identify to ``res_sorcery_astdb`` (family ``pjsip/<type>``, one JSON object per key). The
objects are bench/gen_inventory.py's on one server (SIZE agents, half as many phones).
Each figure is one request's wall time, best of three (the seeding itself is timed once):

- file: ``GetConfig`` of the whole file (what a plan reads), one change (``UpdateConfig`` of
  one value, ``Reload res_pjsip.so``, ``PJSIPShowEndpoint``); a first apply is estimated
  as the requests ``file_requests`` packs times the mean cost of an ``UpdateConfig`` over a
  file growing from empty to full (linear in its size, as measured);
- AstDB: the first apply measured (every object a ``DBPut``, pipelined), ``DBGetTree pjsip``
  (what a plan would read), one ``DBPut`` then ``PJSIPShowEndpoint`` (the change is live
  at once: no reload), and ``Reload res_pjsip.so`` (nothing left in files to re-read).

The dialplan and queues stay in files either way (their cost is the same for both and is
printed once). ``--fake`` runs both halves against the fake AMI server (its sorcery_astdb
mode for the second): only to keep the script working. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_apply import ENV, SECRET, USER, Live, fake, load_average, real  # noqa: E402
from bench.gen_inventory import generate  # noqa: E402
from provisioner.apply import renderer  # noqa: E402
from provisioner.inventory import load_inventory  # noqa: E402
from provisioner.render.objects import (  # noqa: E402
    EXTENSIONS_FILE,
    MANAGED_FILES,
    PJSIP_FILE,
    ConfigObject,
)
from provisioner.render.text import to_text  # noqa: E402
from provisioner.targets.ami import astdb  # noqa: E402
from provisioner.targets.ami.client import Action, AmiClient  # noqa: E402
from provisioner.targets.ami.updates import file_requests  # noqa: E402
from provisioner.targets.base import ObjectChange  # noqa: E402

REPEAT = 3


def timed(call: Callable[[], object], repeat: int = REPEAT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def update(file: str, category: str, var: str, value: str, kind: str | None) -> Action:
    headers = [("SrcFilename", file), ("DstFilename", file), ("Action-000000", "Update")]
    headers += [("Cat-000000", category), ("Var-000000", var), ("Value-000000", value)]
    if kind:
        headers.append(("Options-000000", f'catfilter="type={kind}"'))
    return Action("UpdateConfig", tuple(headers))


def files_figures(live: Live, objects: Sequence[ConfigObject], endpoint: str) -> dict[str, float]:
    pjsip = [o for o in objects if o.file == PJSIP_FILE]
    live.put_files({f: to_text(f, [o for o in objects if o.file == f]) for f in MANAGED_FILES})
    with AmiClient("127.0.0.1", live.port, USER, SECRET, timeout=3600) as ami:
        figures = {"seed reload": timed(lambda: ami.request(_reload("res_pjsip.so")), 1)}
        figures["GetConfig"] = timed(lambda: ami.request(_get(PJSIP_FILE)))
        callerid = update(PJSIP_FILE, endpoint, "callerid", '"Bench" <1>', "endpoint")
        show = Action("PJSIPShowEndpoint", (("Endpoint", endpoint),))
        steps: dict[str, list[float]] = {"UpdateConfig": [], "Reload": [], "PJSIPShowEndpoint": []}

        def one_change() -> None:  # a reload re-reads the file only once it changed
            actions = (callerid, _reload("res_pjsip.so"), show)
            for name, action in zip(steps, actions, strict=True):
                start = time.perf_counter()
                ami.request(action)
                steps[name].append(time.perf_counter() - start)

        figures["one change"] = timed(one_change)
        figures.update({name: min(times) for name, times in steps.items()})
        dial = update(EXTENSIONS_FILE, "gitops-internal", "include", "gitops-features", None)
        figures["dialplan UpdateConfig"] = timed(lambda: ami.request(dial))
    creates = [ObjectChange("create", None, o) for o in pjsip]
    figures["requests"] = len(file_requests(PJSIP_FILE, creates))
    dialplan = [ObjectChange("create", None, o) for o in objects if o.file == EXTENSIONS_FILE]
    figures["dialplan requests"] = len(file_requests(EXTENSIONS_FILE, dialplan))
    return figures


def astdb_figures(live: Live, objects: Sequence[ConfigObject], endpoint: str) -> dict[str, float]:
    pjsip = [o for o in objects if o.file == PJSIP_FILE]
    puts = [astdb.writes(ObjectChange("create", None, o)) for o in pjsip]
    with AmiClient("127.0.0.1", live.port, USER, SECRET, timeout=3600) as ami:
        start = time.perf_counter()
        for reply in ami.pipeline(puts):
            ami.check(reply)
        figures = {"first apply": time.perf_counter() - start}
        figures["DBGetTree"] = timed(lambda: ami.request(astdb.tree()))
        (changed,) = [o for o in pjsip if o.key == (PJSIP_FILE, "endpoint", endpoint)]
        show = Action("PJSIPShowEndpoint", (("Endpoint", endpoint),))

        def one_change() -> None:
            ami.request(astdb.writes(ObjectChange("update", changed, changed)))
            ami.request(show)

        figures["DBPut + PJSIPShowEndpoint"] = timed(one_change)
        figures["Reload"] = timed(lambda: ami.request(_reload("res_pjsip.so")))
        listing = Action("PJSIPShowEndpoints")
        figures["PJSIPShowEndpoints"] = timed(lambda: ami.request(listing), 1)
        figures["live endpoints"] = len(ami.request(listing).events) - 1
    return figures


def _get(file: str) -> Action:
    return Action("GetConfig", (("Filename", file),))


def _reload(module: str) -> Action:
    return Action("Reload", (("Module", module),))


def report(size: int, files: dict[str, float], in_db: dict[str, float]) -> None:
    mean_update = files["UpdateConfig"] / 2  # a file growing linearly from empty to full
    first = files["requests"] * mean_update
    dialplan = files["dialplan requests"] * files["dialplan UpdateConfig"] / 2
    print(f"{size} agents ({size + size // 2} endpoints):")
    print(
        f"  file : read (GetConfig) {files['GetConfig']:6.2f} s, one change "
        f"{files['one change']:6.2f} s "
        f"(UpdateConfig {files['UpdateConfig']:.2f} + Reload {files['Reload']:.2f} + show "
        f"{files['PJSIPShowEndpoint']:.3f}), first apply ~{first / 60:6.1f} min "
        f"({files['requests']:.0f} requests, estimated)"
    )
    change = in_db["DBPut + PJSIPShowEndpoint"]
    print(
        f"  AstDB: read (DBGetTree) {in_db['DBGetTree']:6.2f} s, one change "
        f"{change:6.3f} s (DBPut + show, no reload), first apply {in_db['first apply']:6.1f}"
        f" s (measured); Reload res_pjsip {in_db['Reload']:.2f} s; "
        f"{in_db['live endpoints']:.0f} endpoints live"
    )
    print(
        f"  both : the dialplan's first apply ~{dialplan / 60:.1f} min "
        f"({files['dialplan requests']:.0f} requests, estimated)"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1000, 10000])
    parser.add_argument("--fake", action="store_true")
    args = parser.parse_args(argv)
    os.environ.update(ENV)
    print(f"{'fake AMI server' if args.fake else 'real Asterisk 22 sandbox'} ({load_average()})")
    with tempfile.TemporaryDirectory(prefix="bench-sorcery-") as tmp:
        work = Path(tmp)
        asterisks = fake(work) if args.fake else real(work)
        for size in args.sizes:
            generate(size, work / f"inv-{size}", sites=1)
            inv = load_inventory(work / f"inv-{size}")
            objects = renderer(ENV)(inv.for_server(inv.settings.servers[0]))
            endpoint = f"agent{size // 2:05d}"
            live = next(asterisks)
            try:
                files = files_figures(live, objects, endpoint)
            finally:
                live.stop()
            where = work / f"astdb-{size}"
            live = next(fake(where, astdb=True) if args.fake else real(where, astdb=True))
            try:
                in_db = astdb_figures(live, objects, endpoint)
            finally:
                live.stop()
            report(size, files, in_db)
            print(f"  ({load_average()})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
