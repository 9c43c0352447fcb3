"""Wall time, CPU and peak memory of `provisioner dump` from a config directory.

    python3 bench/bench_dump.py            # 1000 and 10000 agents
    python3 bench/bench_dump.py 2000       # other sizes

The directory is written as a hand-made call center is: a template per kind, each agent's
endpoint, aor and auth inheriting from them (files of 500 agents included by a glob), one
phone per ten agents, one queue per hundred agents with static members. Each run is a fresh
process; "dump" is the time inside `provisioner dump` itself (read, map, the inventory
loaded back, render and compare, the report). Best and median of three runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import contextlib, io, json, sys, time
start = time.perf_counter()
from provisioner.cli import main
imported = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["dump", "--target", "dir:" + sys.argv[1], "--out", sys.argv[2], "--force"])
print(json.dumps({"code": code, "dump": time.perf_counter() - imported}))
"""
TEMPLATES = """\
[transport-udp]
type=transport
protocol=udp
bind=0.0.0.0
[agent-ep](!)
type=endpoint
context=from-internal
disallow=all
allow=ulaw,alaw
rtp_symmetric=yes
force_rport=yes
rewrite_contact=yes
direct_media=no
dtmf_mode=rfc4733
[agent-aor](!)
type=aor
max_contacts=1
[agent-auth](!)
type=auth
auth_type=userpass
#include "pjsip.d/*.conf"
"""


def generate(root: Path, agents: int) -> None:
    (root / "pjsip.d").mkdir(parents=True)
    (root / "pjsip.conf").write_text(TEMPLATES)
    for start in range(0, agents, 500):
        lines = []
        for n in range(start, min(start + 500, agents)):
            name = f"{10000 + n}"
            lines += [
                f"[{name}](agent-ep)",
                f'callerid="Agent Number{n}" <{name}>',
                f"auth={name}",
                f"aors={name}",
                f"[{name}](agent-aor)",
                f"[{name}](agent-auth)",
                f"username={name}",
                f"password=pw-{n}",
            ]
            if n % 10 == 0:
                phone = f"desk-{n}"
                lines += [
                    f"[{phone}](agent-ep)",
                    f"callerid=Desk <{50000 + n}>",
                    f"auth={phone}",
                    f"aors={phone}",
                    f"[{phone}](agent-aor)",
                    f"[{phone}](agent-auth)",
                    f"username={phone}",
                    f"password=pw-{phone}",
                ]
        (root / "pjsip.d" / f"agents-{start:05d}.conf").write_text("\n".join(lines) + "\n")
    queues = ["[general]", "persistentmembers=yes"]
    for q in range(max(1, agents // 100)):
        queues += [f"[queue-{q}]", "strategy=rrmemory"]
        queues += [f"member => PJSIP/{10000 + n},0" for n in range(q * 100, (q + 1) * 100)]
    (root / "queues.conf").write_text("\n".join(queues) + "\n")


def _run(etc: Path, out: Path) -> dict[str, float]:
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(etc), str(out)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    result = json.loads(output)
    if os.waitstatus_to_exitcode(status) != 0 or result["code"] != 0:
        raise SystemExit(f"dump failed on {etc}")
    return {
        "process": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "dump": result["dump"],
        "peak_mib": usage.ru_maxrss / 1024,
    }


def main(sizes: list[int]) -> None:
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("agents | process best / median | cpu best | dump itself best | peak MiB")
    for agents in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            etc = Path(tmp) / "etc"
            generate(etc, agents)
            runs = [_run(etc, Path(tmp) / "out") for _ in range(3)]
        process = sorted(r["process"] for r in runs)
        print(
            f"{agents} | {process[0]:.2f} s / {statistics.median(process):.2f} s | "
            f"{min(r['cpu'] for r in runs):.2f} s | {min(r['dump'] for r in runs):.2f} s | "
            f"{max(r['peak_mib'] for r in runs):.0f}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 10000])
