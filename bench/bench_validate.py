"""Wall time and peak memory of `provisioner validate` on 1k and 10k agents, cold and warm.

    python3 bench/bench_validate.py            # generates bench/out/inv-* when missing

Each run is a fresh process: "process" is its whole wall time (interpreter start and imports
included), "cpu" its user+system CPU time (steadier on a busy machine), "validate" the wall
time inside `provisioner validate` itself, "peak" the process's maximum resident set size.
Cold runs start with an empty cache, warm runs reuse it. Figures depend on the machine's
load: each is the best of three runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gen_inventory import DEFAULT_SIZES, generate
from provisioner.inventory.cache import CACHE_ENV

CHILD = """
import contextlib, io, json, sys, time
start = time.perf_counter()
from provisioner.cli import main
imported = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["validate", "--inventory", sys.argv[1]])
done = time.perf_counter()
print(json.dumps({"code": code, "validate": done - imported, "imports": imported - start}))
"""
REPEAT = 3


def _cache(root: Path) -> Path:
    """Outside the checkout (the loader does not use a cache inside one)."""
    return Path(tempfile.gettempdir()) / f"asterisk-gitops-bench-cache-{root.name}"


def _run(root: Path) -> dict[str, float]:
    env = {**os.environ, "GITOPS_MASTER_KEY": "bench-not-secret", CACHE_ENV: str(_cache(root))}
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root)], stdout=subprocess.PIPE, env=env, text=True
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    result = json.loads(output)
    if result["code"] != 0:
        raise SystemExit(f"validate failed on {root}")
    peak_mib = usage.ru_maxrss / 1024  # Linux reports KiB
    cpu = usage.ru_utime + usage.ru_stime
    return {"process": wall, "cpu": cpu, "validate": result["validate"], "peak_mib": peak_mib}


def _best(root: Path, cold: bool) -> dict[str, float]:
    runs = []
    for _ in range(REPEAT):
        if cold:
            shutil.rmtree(_cache(root), ignore_errors=True)
        runs.append(_run(root))
    return min(runs, key=lambda r: r["process"])


def main() -> int:
    out = Path("bench/out")
    print(
        f"{'agents':>7} {'cache':>5} {'process s':>10} {'cpu s':>6} {'validate s':>11} "
        f"{'peak MiB':>9}"
    )
    for count in DEFAULT_SIZES:
        root = out / f"inv-{count}"
        if not root.is_dir():
            generate(count, root)
        for label, cold in (("cold", True), ("warm", False)):
            r = _best(root, cold)
            print(
                f"{count:>7} {label:>5} {r['process']:>10.2f} {r['cpu']:>6.2f} "
                f"{r['validate']:>11.2f} {r['peak_mib']:>9.0f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
