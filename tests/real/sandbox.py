"""A real Asterisk 22 for tests, started by ``../shared/asterisk-22/asterisk-sandbox``.

One ``Sandbox`` is one Asterisk in its own directory on free loopback ports. The script lays
out the directory (``etc/`` with AMI user ``gitops``/``gitops-secret``, the three managed
files included and empty, ``[from-sip]`` including ``gitops-internal``), starts Asterisk and
waits until it is fully booted (about 1 s).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SCRIPT = ROOT.parent / "shared" / "asterisk-22" / "asterisk-sandbox"
AMI_USER = "gitops"
AMI_SECRET = "gitops-secret"  # the sandbox's own, fixed in its etc/manager.conf
MANAGED = ("pjsip_gitops.conf", "queues_gitops.conf", "extensions_gitops.conf")
REQUIRE_ENV = "GITOPS_REQUIRE_ASTERISK"  # set by .ci/run: a skipped real-Asterisk test fails


class SandboxError(Exception):
    """The sandbox could not be started, stopped or asked something."""


def required() -> bool:
    """Whether the real-Asterisk suite is compulsory here (CI), not skippable."""
    return os.environ.get(REQUIRE_ENV, "") not in ("", "0")


def _wanted() -> Path:
    named = os.environ.get("ASTERISK_SANDBOX")
    return Path(named) if named else DEFAULT_SCRIPT


def script() -> Path | None:
    """The ``asterisk-sandbox`` script: ``$ASTERISK_SANDBOX`` or ``../shared`` beside the repo."""
    path = _wanted()
    return path if path.is_file() else None


def missing() -> str | None:
    """Why the real-Asterisk suite cannot run here, or None when it can."""
    if script() is None:
        return f"no Asterisk sandbox at {_wanted()} (set ASTERISK_SANDBOX to its script)"
    return None


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port free on 127.0.0.1 for both TCP and UDP (SIP binds both on one number)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if _free_both(port):
            return port
    raise SandboxError("no port free for both TCP and UDP on 127.0.0.1")


def _free_both(port: int) -> bool:
    for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
        with socket.socket(socket.AF_INET, kind) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


@dataclass
class Sandbox:
    """One running Asterisk: its directory, AMI and SIP ports, and its CLI."""

    directory: Path
    ami_port: int
    sip_port: int
    script: Path

    @property
    def ami_url(self) -> str:
        """The provisioner's target for this Asterisk (the secret comes from the environment)."""
        return f"ami://{AMI_USER}@127.0.0.1:{self.ami_port}"

    @property
    def etc(self) -> Path:
        return self.directory / "etc"

    @property
    def log(self) -> Path:
        return self.directory / "log" / "console.log"

    @classmethod
    def start(cls, directory: Path, setup: Callable[[Sandbox], None] | None = None) -> Sandbox:
        """Lay out ``directory`` and start; with ``setup``, change the laid-out ``etc/``
        with it and start again (the script copies ``etc/`` only into a new directory)."""
        found = script()
        if found is None:
            raise SandboxError(missing() or "no sandbox")
        sandbox = cls(directory, free_port(), free_port(), found)
        sandbox._run(
            "start",
            "--ami-port",
            str(sandbox.ami_port),
            "--sip-port",
            str(sandbox.sip_port),
            timeout=60,
        )
        if setup is not None:
            try:
                setup(sandbox)
                sandbox.restart()
            except BaseException:
                sandbox.stop()
                raise
        return sandbox

    def stop(self) -> None:
        self._run("stop", timeout=30)

    def restart(self) -> None:
        """Stop and start again on the same ports and directory (keeps ``etc/`` and AstDB)."""
        self.stop()
        self._run(
            "start", "--ami-port", str(self.ami_port), "--sip-port", str(self.sip_port), timeout=60
        )

    def rx(self, command: str) -> str:
        """One Asterisk CLI command (``asterisk -rx``); its output."""
        return self._run("rx", command, timeout=30)

    def log_text(self, since: int = 0, until: int | None = None) -> str:
        """The console log from byte ``since`` on, up to ``until`` (see ``log_size``)."""
        with self.log.open("rb") as handle:
            handle.seek(since)
            data = handle.read() if until is None else handle.read(max(0, until - since))
            return data.decode("utf-8", "replace")

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def problems(self, since: int = 0, until: int | None = None) -> list[str]:
        """ERROR and WARNING lines Asterisk logged from byte ``since`` (up to ``until``)."""
        pattern = re.compile(r"\] (ERROR|WARNING)\[")
        text = self.log_text(since, until)
        return [line for line in text.splitlines() if pattern.search(line)]

    def add_dialplan(self, name: str, text: str) -> None:
        """A test's own dialplan: ``etc/extensions_test_<name>.conf``, included once from
        ``extensions.conf`` (``#tryinclude``), loaded with ``dialplan reload``."""
        file = f"extensions_test_{name}.conf"
        (self.etc / file).write_text(text)
        main = self.etc / "extensions.conf"
        include = f"#tryinclude {file}"
        if include not in main.read_text().splitlines():
            with main.open("a") as out:
                out.write(f"\n{include}\n")
        self.rx("dialplan reload")

    def managed_file(self, name: str) -> Path:
        if name not in MANAGED:
            raise SandboxError(f"{name} is not one of the managed files {MANAGED}")
        return self.etc / name

    def _run(self, verb: str, *args: str, timeout: float) -> str:
        command = ["bash", str(self.script), verb, str(self.directory), *args]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as e:
            raise SandboxError(f"asterisk-sandbox {verb} timed out after {timeout} s") from e
        if done.returncode != 0:
            raise SandboxError(
                f"asterisk-sandbox {verb} {self.directory} failed ({done.returncode}): "
                f"{(done.stderr or done.stdout).strip()}"
            )
        return done.stdout


def sipp() -> str | None:
    """The SIPp binary (Debian ``sip-tester``), or None."""
    return shutil.which("sipp")


def stop_process(process: subprocess.Popen[bytes] | None, grace: float = 10.0) -> None:
    """Stop a process this suite started: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)
