"""The hot-desk claim's use of func_lock, on the in-memory Asterisk: what runs under the lock."""

from __future__ import annotations

import pytest

from agi.handlers import login, logout
from runtime.errors import LockUnavailable
from tests.agi.conftest import Harness

LOCK = "gitops-phone-ph-c"
TRYLOCK = f"GET FULL VARIABLE ${{TRYLOCK({LOCK})}}"
UNLOCK = f"GET FULL VARIABLE ${{UNLOCK({LOCK})}}"


@pytest.fixture
def hd(h: Harness) -> Harness:
    h.asterisk.registered.update({"ph-b", "ph-c"})
    return h


def test_the_login_holds_the_phone_lock_from_reading_the_holder_to_the_commit(
    hd: Harness,
) -> None:
    outcome, channel = hd.call(login.handle, "PJSIP/1002-1", args=["3003"])
    assert outcome.status == "ok"
    commands = channel.commands
    phone = [i for i, c in enumerate(commands) if "gitops/phone/ph-c" in c]
    commit = commands.index("DATABASE PUT gitops/agent/1002 since 1800000000")
    assert commands.index(TRYLOCK) < min(phone) and max(*phone, commit) < commands.index(UNLOCK)
    assert commands.count(TRYLOCK) == commands.count(UNLOCK) == 1
    assert hd.asterisk.mutexes == {} and hd.sleeps == []


def test_moving_to_another_phone_frees_the_old_one_under_its_own_lock(hd: Harness) -> None:
    assert hd.call(login.handle, "PJSIP/1002-1", args=["3002"])[0].status == "ok"
    outcome, channel = hd.call(login.handle, "PJSIP/1002-1", args=["3003"])
    assert outcome.status == "ok"
    free = channel.commands.index("DATABASE DEL gitops/phone/ph-b agent")
    old = [i for i, c in enumerate(channel.commands) if "gitops-phone-ph-b" in c]
    assert len(old) == 2 and old[0] < free < old[1]
    assert hd.asterisk.db["gitops/phone/ph-c/agent"] == "1002"
    assert "gitops/phone/ph-b/agent" not in hd.asterisk.db


def test_a_busy_lock_is_tried_three_times_then_phone_in_use_with_nothing_written(
    hd: Harness,
) -> None:
    other = object()
    assert hd.asterisk.trylock(LOCK, other)
    outcome, channel = hd.call(login.handle, "PJSIP/1002-1", args=["3003"])
    assert (outcome.status, outcome.agent) == ("phone_in_use", "1002")
    assert [c for c in channel.commands if "LOCK" in c] == [TRYLOCK] * 3
    assert hd.sleeps == [0.05, 0.05]
    assert hd.asterisk.db == {} and hd.asterisk.members("support") == {}
    assert hd.asterisk.mutexes == {LOCK: (other, 1)}


def test_a_logout_facing_a_busy_lock_leaves_a_stale_claim_that_is_free(hd: Harness) -> None:
    assert hd.call(login.handle, "PJSIP/1002-1", args=["3003"])[0].status == "ok"
    other = object()
    assert hd.asterisk.trylock(LOCK, other)
    assert hd.call(logout.handle, "PJSIP/1002-1")[0].status == "ok"
    assert hd.asterisk.db == {"gitops/phone/ph-c/agent": "1002"}  # left behind, stale
    assert hd.asterisk.unlock(LOCK, other)
    assert hd.call(login.handle, "PJSIP/1003-1", args=["3003"])[0].status == "ok"
    assert hd.asterisk.db["gitops/phone/ph-c/agent"] == "1003"


def test_without_func_lock_a_hot_desk_login_fails_closed(hd: Harness) -> None:
    hd.asterisk.func_lock = False
    with pytest.raises(LockUnavailable, match="func_lock"):
        hd.call(login.handle, "PJSIP/1002-1", args=["3003"])
    assert hd.asterisk.db == {} and hd.asterisk.members("support") == {}
    assert hd.call(login.handle, dtmf=["1"])[0].status == "ok"  # no phone: no lock needed


def test_without_func_lock_a_logout_still_logs_out_and_leaves_a_stale_claim(
    hd: Harness,
) -> None:
    assert hd.call(login.handle, "PJSIP/1002-1", args=["3003"])[0].status == "ok"
    hd.asterisk.func_lock = False
    assert hd.call(logout.handle, "PJSIP/1002-1")[0].status == "ok"
    assert hd.asterisk.db == {"gitops/phone/ph-c/agent": "1002"}
    assert hd.asterisk.members("support") == {}
