"""Property-based: any value the renderer accepts is read back unchanged by the target
parser, both parser paths agree on any text, and both agree with the fake's model of
config.c (itself checked against the real Asterisk in tests/real/test_config_lines.py)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import assume, given
from hypothesis import strategies as st

from provisioner.errors import RenderError, TargetError
from provisioner.model import Voice
from provisioner.render import render
from provisioner.render.objects import PJSIP_FILE, QUEUES_FILE, ConfigObject
from provisioner.render.rules import findings
from provisioner.render.text import AST_BLANKS, parse, parse_lines, split_by_file, to_text
from tests.fakes.config_text import parse_config
from tests.render.sample import fake_secret, inventory

ANY_CHAR = st.characters(blacklist_categories=("Cs",))
VALUE = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00"))
VALUES = VALUE.map(lambda v: v.strip(AST_BLANKS))
KEYS = st.from_regex(r"[A-Za-z0-9_.-]{1,12}", fullmatch=True)
NAMES = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r\x00[];"),
    min_size=1,
    max_size=20,
).map(lambda v: v.strip(AST_BLANKS))


@given(st.lists(st.tuples(NAMES, st.lists(st.tuples(KEYS, VALUES), max_size=6)), max_size=5))
def test_whatever_to_text_writes_parse_reads_back(
    categories: list[tuple[str, list[tuple[str, str]]]],
) -> None:
    objects = tuple(
        ConfigObject(QUEUES_FILE, "queue", name, tuple(options), "queue:x")
        for name, options in categories
    )
    try:
        text = to_text(QUEUES_FILE, objects)
    except RenderError:
        assume(False)
    assert parse(QUEUES_FILE, text) == objects
    assert parse_lines(QUEUES_FILE, text) == objects


LINES = st.one_of(
    st.builds(lambda k, v: f"{k}={v}", KEYS, st.text(ANY_CHAR, max_size=12)),
    st.builds(lambda n: f"[{n}]", st.text(ANY_CHAR, min_size=1, max_size=8)),
    st.builds(lambda c: f"; owner: {c}", st.text(ANY_CHAR, max_size=8)),
    st.sampled_from(["type=aor", "type=endpoint", "exten => 1,1,NoOp()", "", "  ", "x=a\\;b"]),
    st.text(ANY_CHAR, max_size=10),
)
BREAKS = st.sampled_from(["\n", "\n", "\n", "\r\n", "\r", "\u2028", "\x85", "\x0c"])


def _outcome(file: str, text: str) -> object:
    try:
        return parse(file, text)
    except TargetError as e:
        return f"TargetError: {e}"


def _lines_outcome(file: str, text: str) -> object:
    try:
        return parse_lines(file, text)
    except TargetError as e:
        return f"TargetError: {e}"


@given(st.lists(st.tuples(LINES, BREAKS), max_size=12), st.sampled_from([PJSIP_FILE, QUEUES_FILE]))
def test_both_parser_paths_and_the_fake_read_any_text_alike(
    lines: list[tuple[str, str]], file: str
) -> None:
    text = "".join(line + brk for line, brk in lines)
    ours = _outcome(file, text)
    assert ours == _lines_outcome(file, text)
    if isinstance(ours, tuple) and "#" not in text:
        fake = parse_config(file, text)
        assert [(o.name, o.options) for o in ours] == [
            (c.name, tuple((v.key, v.value) for v in c.variables)) for c in fake.categories
        ]


DISPLAY = st.text(ANY_CHAR, min_size=1, max_size=40)


@given(DISPLAY, DISPLAY, st.one_of(st.none(), st.text(ANY_CHAR, max_size=40)))
def test_inventory_text_validate_accepts_renders_and_reads_back(
    agent_name: str, phone_name: str, callerid: str | None
) -> None:
    base = inventory()
    agents = (replace(base.agents[0], name=agent_name, voice=Voice(callerid=callerid)),)
    phones = (replace(base.phones[0], name=phone_name),)
    changed = replace(base, agents=(*agents, *base.agents[1:]), phones=(*phones, *base.phones[1:]))
    assume(not findings(changed))  # what validate refuses never reaches render
    for file, objects in split_by_file(render(changed, fake_secret)).items():
        assert parse(file, to_text(file, objects)) == objects
