"""The PIN lockout holds under concurrency: wrong PINs sent at once for one agent, over TCP
against the fake's func_lock and AstDB, get at most ``attempts`` PIN checks. Each check runs
holding the agent's func_lock mutex ``gitops-pin-<agent>``; a call that cannot get it is
refused without a check (fail closed)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tests.agi.conftest import Live, status
from tests.agi.inventory import PIN
from tests.agi.pinchecks import count_pin_checks

PHONE = "PJSIP/ph-c-00000002"


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    return count_pin_checks(monkeypatch)


def _all_at_once(live: Live, calls: int, pin: str) -> list[str]:
    start = threading.Barrier(calls)
    statuses: list[str] = []

    def one() -> None:
        start.wait()
        statuses.append(status(live.call("login", PHONE, dtmf=["2001#", f"{pin}#", "1#"])))

    threads = [threading.Thread(target=one) for _ in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return statuses


def test_concurrent_wrong_pins_get_no_more_checks_than_attempts(
    live: Live, checks: Callable[[], int]
) -> None:
    statuses = _all_at_once(live, 60, "0000")
    attempts = live.server.inventory.directory.inventory.settings.lockout.attempts
    assert 1 <= checks() <= attempts, statuses  # the old server: 21
    assert statuses.count("bad_pin") <= attempts - 1
    assert set(statuses) <= {"bad_pin", "locked", "error"}  # error: the lock stayed busy
    while "/gitops/lockout/1001/until" not in live.db():  # the rest, one at a time
        assert status(live.call("login", PHONE, dtmf=["2001#", "0000#"])) in ("bad_pin", "locked")
    assert checks() == attempts  # in all, concurrent or not
    assert live.asterisk.named_locks.names() == []
    assert status(live.call("login", PHONE, dtmf=["2001#", f"{PIN}#", "1#"])) == "locked"


def test_a_busy_pin_lock_fails_closed_without_a_check(
    live: Live, checks: Callable[[], int]
) -> None:
    channel = object()  # another channel, holding the agent's PIN lock
    assert live.asterisk.named_locks.acquire("gitops-pin-1001", channel, block=False)
    result = live.call("login", PHONE, dtmf=["2001#", f"{PIN}#", "1#"])
    assert status(result) == "error"
    assert checks() == 0
    assert live.db() == {}
    live.asterisk.named_locks.destroyed(channel)
    assert status(live.call("login", PHONE, dtmf=["2001#", f"{PIN}#", "1#"])) == "ok"
    assert checks() == 1


def test_the_pin_lock_is_held_around_check_and_count_only(live: Live) -> None:
    result = live.call("login", PHONE, dtmf=["2001#", "0000#"])
    assert status(result) == "bad_pin"
    commands = result.commands
    trylock = commands.index('GET FULL VARIABLE "${TRYLOCK(gitops-pin-1001)}"')
    unlock = commands.index('GET FULL VARIABLE "${UNLOCK(gitops-pin-1001)}"')
    pin_prompt = next(i for i, c in enumerate(commands) if "agent-pass" in c)
    put = next(i for i, c in enumerate(commands) if c.startswith('DATABASE PUT "gitops/lockout'))
    assert pin_prompt < trylock < put < unlock  # the prompt is not held; the count is
    assert 'DATABASE GET "gitops/lockout/1001" "until"' in commands[trylock:put]
