"""QUEUE_MEMBER_LIST() cut to the caller's buffer, as app_queue.c's strncat loop cuts it."""

from __future__ import annotations

import pytest

from tests.fakes import agi_commands
from tests.fakes.agi_channel import Channel, cut_member_list
from tests.fakes.asterisk import FakeAsterisk


def _queue(ast: FakeAsterisk, count: int) -> list[str]:
    """Queue ``q`` with ``count`` dynamic members of 19 bytes each (``Local/NNNN@agents/n``)."""
    ast.set_config_text("queues_gitops.conf", "[q]\n")
    ast.reload("app_queue.so")
    interfaces = [f"Local/{n:04d}@agents/n" for n in range(count)]
    for interface in interfaces:
        assert ast.queue_add("q", interface) == "ADDED"
    return interfaces


def _ask(ast: FakeAsterisk, line: str) -> str:
    chan = Channel("PJSIP/a-00000001", "a", "", "from-sip", "s", "1.a")
    (reply,) = agi_commands.answer(ast, chan, line)
    assert reply.startswith("200 result=1 ("), reply
    return reply.removeprefix("200 result=1 (").removesuffix(")")


@pytest.mark.parametrize(
    ("interfaces", "size", "expected"),
    [
        (["abc", "de"], 16, "abc,de"),  # fits
        (["abcd", "efgh"], 8, "abcd,ef"),  # size - 1 bytes kept, the last one cut
        (["abcd", "ef", "gh"], 9, "abcd,ef"),  # length 7 >= size - 2: the loop stops
        (["abcd", "e", "fg"], 9, "abcd,e,f"),  # 6 < 7: one more, cut to 8
        ([], 8, ""),
    ],
)
def test_the_list_is_cut_like_strncat_into_a_fixed_buffer(
    interfaces: list[str], size: int, expected: str
) -> None:
    assert cut_member_list(interfaces, size) == expected


def test_get_variable_reads_into_1024_bytes(fake_asterisk: FakeAsterisk) -> None:
    interfaces = _queue(fake_asterisk, 60)  # 60 * 20 - 1 = 1199 bytes untruncated
    value = _ask(fake_asterisk, "GET VARIABLE QUEUE_MEMBER_LIST(q)")
    assert len(value) == 1023
    assert ",".join(interfaces).startswith(value)


def test_get_full_variable_reads_into_4096_bytes(fake_asterisk: FakeAsterisk) -> None:
    interfaces = _queue(fake_asterisk, 220)  # 4399 bytes untruncated
    value = _ask(fake_asterisk, "GET FULL VARIABLE ${QUEUE_MEMBER_LIST(q)}")
    assert len(value) == 4095
    assert ",".join(interfaces).startswith(value)
    assert _ask(fake_asterisk, "GET VARIABLE QUEUE_MEMBER_LIST(q)") == value[:1023]


def test_a_short_list_is_whole(fake_asterisk: FakeAsterisk) -> None:
    interfaces = _queue(fake_asterisk, 3)
    assert _ask(fake_asterisk, "GET VARIABLE QUEUE_MEMBER_LIST(q)") == ",".join(interfaces)
