"""What the caller hears, over TCP against the fake, which plays missing sound files as the
real Asterisk does (tests/real/transcripts/real-agi-*.txt): a missing or unplayable prompt
never fails or misleads a session (issue 9, findings 1, 2 and 6)."""

from __future__ import annotations

import logging
from dataclasses import asdict

import pytest

from agi.context import Prompts
from agi.prompts import SHIPPED, STOCK
from tests.agi.conftest import Live, status
from tests.agi.inventory import PIN

ANN = "Local/1001@gitops-agents"


def test_every_prompt_is_stock_or_shipped() -> None:
    assert set(asdict(Prompts()).values()) <= set(STOCK) | set(SHIPPED)


@pytest.mark.parametrize("prompt", ["gitops/interface-menu", "agent-user", "agent-pass"])
def test_a_missing_menu_prompt_still_logs_the_agent_in(
    live: Live, prompt: str, caplog: pytest.LogCaptureFixture
) -> None:
    del live.asterisk.sounds[prompt]
    result = live.call("login", "PJSIP/ph-c-00000002", dtmf=["2001#", f"{PIN}#", "2"])
    assert (status(result), result.variables["GITOPS_INTERFACE"]) == ("ok", "phone")
    assert live.members("support")[ANN][1] == "PJSIP/ph-a"
    assert prompt not in result.heard
    assert result.agistatus == "SUCCESS"
    assert f"prompt {prompt} could not be played" in caplog.text


@pytest.mark.parametrize(
    ("script", "args", "prompt"),
    [("pause", ["2"], "gitops/paused"), ("unpause", [], "gitops/unpaused")],
)
def test_a_missing_confirmation_does_not_turn_success_into_an_error(
    live: Live, script: str, args: list[str], prompt: str
) -> None:
    assert status(live.call("login", dtmf=["1"])) == "ok"
    live.call("pause", args=["1"])
    del live.asterisk.sounds[prompt]
    result = live.call(script, args=args)
    assert status(result) == "ok"
    assert result.agistatus == "SUCCESS"  # the dialplan plays its error prompt otherwise
    assert result.commands[-1] == f'EXEC Playback "{prompt}"'
    assert result.variables["PLAYBACKSTATUS"] == "FAILED"


def test_status_is_said_in_full_in_one_playback(live: Live) -> None:
    """Logged in, where, paused for which reason (its code) and for how long (issue 15/5)."""
    assert status(live.call("login", dtmf=["1"])) == "ok"
    live.call("pause", args=["1"])
    live.clock.now += 125  # paused 2 minutes 5 seconds ago
    result = live.call("status")
    said = (
        "agent-loginok&gitops/on-internal&gitops/paused&gitops/reason&digits/1&for&digits/2&minutes"
    )
    assert result.commands[-1] == f'EXEC Playback "{said}"'
    assert result.heard == said.split("&")


@pytest.mark.parametrize(
    ("keys", "where"),
    [
        (["2"], ["gitops/at-phone", "digits/3", "digits/0", "digits/0", "digits/1"]),
        (["3"], ["gitops/on-mobile"]),
    ],
)
def test_status_says_where_and_available(live: Live, keys: list[str], where: list[str]) -> None:
    assert status(live.call("login", dtmf=keys)) == "ok"
    result = live.call("status")
    assert result.heard == ["agent-loginok", *where, "gitops/available"]


def test_a_caller_hanging_up_during_a_prompt_is_logged_as_a_hang_up(
    live: Live, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="agi")
    phone = "PJSIP/ph-c-00000002"
    result = live.call("login", phone, dtmf=["9999#"], hangup_after=3)  # during the prompt
    assert result.commands[-1] == 'EXEC Playback "gitops/login-incorrect"'
    assert result.hung_up and result.agistatus == "HANGUP"
    assert "could not be played" not in caplog.text
    assert "the caller hung up" in caplog.text


@pytest.mark.parametrize(
    ("pins", "heard"),
    [(["0000#"], "gitops/login-incorrect"), (["0000#"] * 3, "gitops/locked-out")],
)
def test_wrong_pins_and_lockout_are_told_apart(live: Live, pins: list[str], heard: str) -> None:
    for pin in pins:
        result = live.call("login", "PJSIP/ph-c-00000002", dtmf=["2001#", pin])
    assert result.heard[-1] == heard
