"""A cancelled CI job (SIGTERM) or Ctrl-C (SIGINT) in the middle of an apply releases the
apply lock: the next apply is not refused. Run in a real subprocess, stopped while it holds
the lock: its read of a managed file (a FIFO here) under the lock blocks until the test lets
it go (the plan's reads before the lock get an empty file)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from provisioner.cli import main
from provisioner.targets.directory import LOCK_FILE
from tests.reconciler.cli_helpers import ENV, Cli, start


def _blocked_reading(fifo: Path, timeout: float = 60.0) -> int:
    """Open the FIFO's write end once the apply has opened its read end (it then waits in
    read() for data, holding the lock); returns the write end, kept open by the caller."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: nobody reads it yet
            time.sleep(0.02)
    raise AssertionError("the apply never read the managed file")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_apply_releases_the_lock(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    signum: signal.Signals,
) -> None:
    cli = start(Cli, tmp_path, capsys, monkeypatch, "basic")
    plan = tmp_path / "plan.json"
    assert cli("plan", "--out", str(plan)).code == 0
    cli.config.mkdir()
    fifo = cli.config / "pjsip_gitops.conf"
    os.mkfifo(fifo)  # the apply reads it again under the lock and blocks there
    env = {**os.environ, **ENV}
    apply = subprocess.Popen(
        [sys.executable, "-m", "provisioner", "apply", str(plan)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    writer = None
    try:
        writer = _blocked_reading(fifo)
        deadline = time.monotonic() + 20
        while not (cli.config / LOCK_FILE).exists():  # the plan's reads, before the lock:
            os.close(writer)  # an empty file for each, until the read under the lock
            writer = None
            assert time.monotonic() < deadline, "the apply never took the lock"
            writer = _blocked_reading(fifo)
        apply.send_signal(signum)
        _out, err = apply.communicate(timeout=60)
    finally:
        if apply.poll() is None:
            apply.kill()
            apply.wait()
        if writer is not None:
            os.close(writer)
    expected = {signal.SIGTERM: (143, "terminated"), signal.SIGINT: (130, "interrupted")}
    code, word = expected[signum]
    assert (apply.returncode, err.strip().splitlines()[-1:]) == (code, [f"error: {word}"]), err
    assert not (cli.config / LOCK_FILE).exists()
    fifo.unlink()
    assert main(["apply", str(plan)]) == 0  # not refused: the lock is free
