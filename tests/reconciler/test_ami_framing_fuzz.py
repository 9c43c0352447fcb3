"""Fuzz: AMI framing against random bytes, and any messages split anywhere."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from provisioner.targets.ami.errors import AmiProtocolError
from provisioner.targets.ami.protocol import Framer, Message

KEY = st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,15}", fullmatch=True)
VALUE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"))
HEADERS = st.lists(st.tuples(KEY, VALUE), min_size=1, max_size=8)


def _feed_all(framer: Framer, data: bytes, cuts: list[int]) -> list[Message]:
    messages: list[Message] = []
    start = 0
    for cut in [*sorted({min(c, len(data)) for c in cuts}), len(data)]:
        messages += framer.feed(data[start:cut])
        start = cut
    return messages


@given(st.binary(max_size=4096), st.lists(st.integers(0, 4096), max_size=8))
def test_random_bytes_give_messages_or_a_protocol_error(data: bytes, cuts: list[int]) -> None:
    try:
        messages = _feed_all(Framer(), data, cuts)
    except AmiProtocolError:
        return
    assert all(isinstance(m, Message) for m in messages)


@given(st.lists(HEADERS, max_size=5), st.lists(st.integers(0, 2000), max_size=10))
def test_messages_split_anywhere_are_read_back(
    messages: list[list[tuple[str, str]]], cuts: list[int]
) -> None:
    wire = b"".join(
        "".join(f"{k}: {v}\r\n" for k, v in headers).encode() + b"\r\n" for headers in messages
    )
    read = _feed_all(Framer(), wire, cuts)
    assert [m.headers for m in read] == [tuple(h) for h in messages]
