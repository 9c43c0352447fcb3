"""The PIN lockout on the real Asterisk: many wrong PINs at once for one agent, each its own
channel running our AGI server, get at most ``lockout.attempts`` PIN checks. The real
func_lock (``gitops-pin-<agent>``) and AstDB make the check and its count one step.

There is no phone here: AMI ``Originate`` starts Local channels into a small dialplan context
that calls the server with the agent number and the PIN as AGI arguments; the test's route
feeds them to the real ``login_agent`` where a caller would key them (``GET DATA``)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from agi.context import Call, Options, Outcome
from agi.identify import login_agent
from agi.server import AgiServer, ServerConfig
from provisioner.targets.ami.client import Action, AmiClient
from runtime.reload import InventoryHolder
from tests.agi import inventory
from tests.agi.pinchecks import count_pin_checks
from tests.real.sandbox import AMI_SECRET, AMI_USER, Sandbox

SESSIONS = 60
CONTEXT = "gitops-test-pin"


class Keyed:
    """A channel whose callers key the AGI arguments, one per ``GET DATA``."""

    def __init__(self, channel: Any, keys: Sequence[str]) -> None:
        self._channel = channel
        self._keys = list(keys)

    def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        return self._keys.pop(0) if self._keys else ""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._channel, name)


class Served:
    """The test's route: ``login_agent`` with the keyed arguments; counts finished calls."""

    def __init__(self) -> None:
        self.statuses: list[str] = []
        self._lock = threading.Lock()

    def __call__(self, call: Call) -> Outcome:
        keyed = replace(call, channel=Keyed(call.channel, call.request.args))
        found = login_agent(keyed)
        outcome = found if isinstance(found, Outcome) else Outcome("ok", agent=found.id)
        with self._lock:
            self.statuses.append(outcome.status)
        return replace(outcome, prompts=("beep",))

    def wait_for(self, count: int, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while len(self.statuses) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.statuses)


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    return count_pin_checks(monkeypatch)


@pytest.fixture
def served(sandbox: Sandbox, tmp_path: Path) -> Iterator[Served]:
    route = Served()
    config = ServerConfig(port=0, idle_timeout=10.0, shutdown_grace=5.0, options=Options())
    server = AgiServer(
        config, InventoryHolder(tmp_path, lambda _: inventory.build()), {"pin": route}
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    port = server.address[1]
    sandbox.add_dialplan(
        "pin",
        f"[{CONTEXT}]\n"
        f"exten => _X.,1,AGI(agi://127.0.0.1:{port}/pin,${{EXTEN:0:4}},${{EXTEN:4}})\n"
        "same => n,Hangup()\n",
    )
    with _ami(sandbox) as ami:
        _forget_lockout(ami)
    try:
        yield route
    finally:
        server.stop()
        with _ami(sandbox) as ami:
            _forget_lockout(ami)


def _ami(sandbox: Sandbox) -> AmiClient:
    return AmiClient("127.0.0.1", sandbox.ami_port, AMI_USER, AMI_SECRET, timeout=10)


def _forget_lockout(ami: AmiClient) -> None:
    for key in ("failures", "until"):
        ami.request(Action("DBDel", (("Family", "gitops/lockout/1001"), ("Key", key))), check=False)


def _originate(ami: AmiClient, extension: str, count: int) -> None:
    action = Action(
        "Originate",
        (
            ("Channel", f"Local/{extension}@{CONTEXT}"),
            ("Application", "Wait"),
            ("Data", "1"),
            ("Async", "true"),
        ),
    )
    for reply in ami.pipeline([action] * count):
        ami.check(reply)


def _until(ami: AmiClient) -> float | None:
    reply = ami.request(
        Action("DBGet", (("Family", "gitops/lockout/1001"), ("Key", "until"))), check=False
    )
    return float(reply.events[0].get("Val")) if reply.ok and reply.events else None


def test_concurrent_wrong_pins_on_the_real_asterisk_get_at_most_attempts_checks(
    sandbox: Sandbox, served: Served, checks: Callable[[], int]
) -> None:
    attempts = inventory.build().settings.lockout.attempts
    with _ami(sandbox) as ami:
        _originate(ami, "20010000", SESSIONS)  # agent number 2001, PIN 0000 (wrong)
        statuses = served.wait_for(SESSIONS, timeout=60)
        assert len(statuses) == SESSIONS, statuses
        assert 1 <= checks() <= attempts, statuses  # without the lock: 7 here
        assert statuses.count("bad_pin") <= attempts - 1
        assert set(statuses) <= {"bad_pin", "locked", "error"}
        for more in range(attempts):  # what the burst left, one call at a time
            if _until(ami) is not None:
                break
            _originate(ami, "20010000", 1)
            served.wait_for(SESSIONS + more + 1, timeout=30)
        until = _until(ami)
    assert checks() == attempts  # in all
    assert until is not None and until > time.time()
