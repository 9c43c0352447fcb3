"""func_lock in the fake: LOCK, TRYLOCK and UNLOCK across the calls of one FakeAsterisk."""

from __future__ import annotations

import threading

from tests.fakes import agi_commands
from tests.fakes.agi_channel import Channel
from tests.fakes.agi_client import FakeAgiCall
from tests.fakes.agi_script_server import ScriptedAgiServer
from tests.fakes.asterisk import FakeAsterisk


def channel(name: str) -> Channel:
    return Channel(f"PJSIP/{name}-00000001", name, "", "from-sip", "s", f"1.{name}")


def get(ast: FakeAsterisk, chan: Channel, function: str, name: str = "gitops-phone-p1") -> str:
    """The value ``GET FULL VARIABLE ${FUNCTION(name)}`` answers on the wire."""
    (reply,) = agi_commands.answer(ast, chan, f"GET FULL VARIABLE ${{{function}({name})}}")
    assert reply.startswith("200 result=1 ("), reply
    return reply.removeprefix("200 result=1 (").removesuffix(")")


def test_trylock_is_exclusive_across_channels_and_recursive_on_one(
    fake_asterisk: FakeAsterisk,
) -> None:
    a, b = channel("a"), channel("b")
    assert get(fake_asterisk, a, "TRYLOCK") == "1"
    assert get(fake_asterisk, b, "TRYLOCK") == "0"
    assert get(fake_asterisk, b, "TRYLOCK", "gitops-phone-p2") == "1"  # another name
    assert get(fake_asterisk, a, "TRYLOCK") == "1"  # again on the owner: counted
    assert get(fake_asterisk, b, "UNLOCK") == "0"  # not the owner: nothing happens
    assert get(fake_asterisk, a, "UNLOCK") == "1"
    assert get(fake_asterisk, b, "TRYLOCK") == "0"  # a still holds it once
    assert get(fake_asterisk, a, "UNLOCK") == "1"
    assert get(fake_asterisk, a, "UNLOCK") == "0"  # no longer held
    assert get(fake_asterisk, b, "TRYLOCK") == "1"
    assert fake_asterisk.named_locks.names() == ["gitops-phone-p1", "gitops-phone-p2"]


def test_lock_waits_for_the_owner_and_gives_up_after_its_bound(
    fake_asterisk: FakeAsterisk,
) -> None:
    a, b = channel("a"), channel("b")
    fake_asterisk.named_locks.wait = 0.05
    assert get(fake_asterisk, a, "LOCK") == "1"
    assert get(fake_asterisk, b, "LOCK") == "0"  # a never let go within the bound
    fake_asterisk.named_locks.wait = 5.0
    got: list[str] = []
    waiter = threading.Thread(target=lambda: got.append(get(fake_asterisk, b, "LOCK")))
    waiter.start()
    assert get(fake_asterisk, a, "UNLOCK") == "1"
    waiter.join(5)
    assert got == ["1"]
    assert fake_asterisk.named_locks.owner("gitops-phone-p1") is b


def test_a_hung_up_channel_keeps_its_locks_until_it_is_destroyed(
    fake_asterisk: FakeAsterisk,
) -> None:
    a, b = channel("a"), channel("b")
    assert get(fake_asterisk, a, "TRYLOCK") == "1"
    a.hung_up = True  # the AGI script still runs on the dead channel: GET FULL VARIABLE too
    assert get(fake_asterisk, b, "TRYLOCK") == "0"
    assert fake_asterisk.named_locks.destroyed(a) == ["gitops-phone-p1"]
    assert get(fake_asterisk, b, "TRYLOCK") == "1"


def test_a_call_that_ends_without_unlock_frees_its_locks(fake_asterisk: FakeAsterisk) -> None:
    commands = ["GET FULL VARIABLE ${TRYLOCK(gitops-phone-p1)}", "VERBOSE bye 1"]
    with ScriptedAgiServer(commands) as server:
        result = FakeAgiCall(fake_asterisk, "login", hangup_after=0).run(server.host, server.port)
    assert server.replies[0] == ["200 result=1 (1)"]  # HANGUP is read before the next reply
    assert result.hung_up and fake_asterisk.named_locks.names() == []
    assert get(fake_asterisk, channel("b"), "TRYLOCK") == "1"
