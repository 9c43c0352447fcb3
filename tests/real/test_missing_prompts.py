"""A missing prompt or a caller hanging up during one, on the real Asterisk (issue 9,
findings 1, 2 and 6): the session still does its work, tells the truth and logs why."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from tests.real.center import Center
from tests.real.media import sounds_dir
from tests.real.probe import hang_up_when_playing
from tests.real.test_feature_codes import log_in

Hide = Callable[[str], None]


@pytest.fixture
def hide(fresh: Center) -> Iterator[Hide]:
    """Remove installed prompts for one test (the sandbox's own sounds directory)."""
    hidden: list[tuple[str, object]] = []
    files = sounds_dir(fresh.sandbox)

    def remove(prompt: str) -> None:
        path = files / f"{prompt}.gsm"
        hidden.append((prompt, path.read_bytes()))
        path.unlink()

    yield remove
    for prompt, data in hidden:
        (files / f"{prompt}.gsm").write_bytes(data)  # type: ignore[arg-type]


def _agi_log(center: Center, since: dict[str, int] | None = None) -> str:
    """What the FastAGI servers logged (since ``_agi_marks``)."""
    marks = since or {}
    return "".join(s.log.read_text()[marks.get(str(s.log), 0) :] for s in center.agi)


def _agi_marks(center: Center) -> dict[str, int]:
    return {str(s.log): len(s.log.read_text()) for s in center.agi}


def _agi_logged(center: Center, marks: dict[str, int], text: str) -> str:
    """The servers' log since ``marks`` once it holds ``text`` (a server logs the end of a
    session after Asterisk has ended the call), or as it is after 10 s."""
    deadline = time.monotonic() + 10
    while text not in (log := _agi_log(center, marks)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return log


def test_a_missing_menu_prompt_still_logs_the_agent_in(fresh: Center, hide: Hide) -> None:
    """Finding 1: GET DATA of a missing prompt answers -1; it ended the login."""
    hide("gitops/interface-menu")
    marks = _agi_marks(fresh)
    result = fresh.dial("ann", "*71", "2", silent=frozenset({"gitops/interface-menu"})).run()
    assert result.status == "ok", "\n".join(result.log)
    assert result.variables["GITOPS_INTERFACE"] == "phone"
    assert result.asked == ["gitops/interface-menu", '""']  # asked again without the prompt
    assert result.heard == ["agent-loginok"]
    assert "prompt gitops/interface-menu could not be played" in _agi_log(fresh, marks)
    assert fresh.members("sales")["Local/ann@gitops-agents"]["state"] == "PJSIP/desk-paris-101"


def test_a_missing_confirmation_does_not_announce_success_as_failure(
    fresh: Center, hide: Hide
) -> None:
    """Finding 2: STREAM FILE of a missing gitops/paused made AGI() end in FAILURE and the
    dialplan play its error prompt after a pause that had worked."""
    log_in(fresh, "ann", "1")
    hide("gitops/paused")
    result = fresh.call("ann", "*732")
    assert (result.status, result.variables["AGISTATUS"]) == ("ok", "SUCCESS")
    assert result.heard == []  # the missing file, skipped; no error prompt
    assert fresh.members("sales")["Local/ann@gitops-agents"]["reason"] == "break"
    assert result.problems and all("gitops/paused" in line for line in result.problems)


def test_a_caller_hanging_up_during_a_prompt_is_logged_as_a_hang_up(fresh: Center) -> None:
    """Finding 6: it was logged as "could not be played (missing sound file?)"."""
    stop = threading.Event()
    marks = _agi_marks(fresh)
    channel = "PJSIP/desk-paris-101-"
    hang_up_when_playing(fresh.sandbox, fresh.events, channel, "gitops/login-incorrect", stop)
    try:
        result = fresh.dial("desk-paris-101", "*71", "9999#").run()
    finally:
        stop.set()
    assert result.status == "unknown_agent"
    assert result.variables["AGISTATUS"] == "HANGUP"
    log = _agi_logged(fresh, marks, "ended: EXEC answered -1: the caller hung up")
    assert "ended: EXEC answered -1: the caller hung up" in log, log[-2000:]
    assert "could not be played" not in log
