"""The benchmarks still run: each at a tiny size, checking what it prints, never its timings.

Figures come from running them at full size (see each script's docstring); this only keeps
them from rotting as the code they drive changes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_bench_plan_prints_every_step() -> None:
    out = _run("bench/bench_plan.py", "30")
    rows = ("first plan", "first apply", "no-change plan", "one agent edited", "(0 changes)")
    for row in (*rows, "'validate' then 'plan'"):
        assert row in out


def test_bench_ami_counts_requests_and_writes_nothing_without_changes() -> None:
    out = _run("bench/bench_ami.py", "30")
    assert "(a) first apply" in out
    no_change = out.split("(c) no change", 1)[1].splitlines()[0]
    assert "0 UpdateConfig actions" in no_change


@pytest.mark.skipif(sys.platform != "linux", reason="the load generator uses epoll")
def test_bench_agi_sessions_all_end_ok() -> None:
    out = _run("bench/bench_agi.py", "--sessions", "30", "--only", "pause", "--rates", "50")
    assert "p99" in out
    assert "NOT OK" not in out


@pytest.mark.parametrize("store", [(), ("--astdb",)], ids=["file", "astdb"])
def test_bench_apply_prints_ours_next_to_the_floor(store: tuple[str, ...]) -> None:
    out = _run("bench/bench_apply.py", "--fake", *store, "--first", "--repeat", "1", "30")
    for row in ("(a) first apply", "floor", "(b) one changed agent", "(c) no-change plan"):
        assert row in out
    assert out.count("ratio") == 2


def test_bench_sorcery_prints_both_stores() -> None:
    out = _run("bench/bench_sorcery.py", "--fake", "30")
    assert "file : read (GetConfig)" in out and "AstDB: read (DBGetTree)" in out


def test_bench_inventory_changes_lists_the_edits() -> None:
    out = _run("bench/bench_inventory_changes.py", "30")
    assert "1 edited in every team file + 1 removed: 3 changes" in out
    assert "account cold" in out and "DeepDiff of the whole documents" in out


@pytest.mark.skipif(sys.platform != "linux", reason="the bench reads /proc for the CPU")
def test_bench_web_prints_its_rows() -> None:
    out = _run(
        "bench/bench_web.py", "--agents", "100", "--clients", "5", "--streams", "10",
        "--seconds", "0.5", "--events", "2",
    )  # fmt: skip
    for row in ("status:", "pause/unpause:", "fan-out: 2 events x 10 streams", "1 login(s)"):
        assert row in out
    assert "missed 0" in out and "failed 0" in out
