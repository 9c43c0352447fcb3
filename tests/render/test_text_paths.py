"""``parse`` has a fast path for plain files; it must read every text exactly as the
line-by-line parse does: the same objects, or the same error."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from provisioner.errors import TargetError
from provisioner.render.objects import EXTENSIONS_FILE, PJSIP_FILE, QUEUES_FILE, ConfigObject
from provisioner.render.text import parse, parse_lines

# Lines as to_text writes them, and odd ones the fast path must hand over.
PLAIN = (
    "; Managed by asterisk-gitops",
    "; owner: agent:1001",
    "; owner:  spaced owner  ",
    "; owner:",
    "; see ; owner: not-this",
    "",
    "[1001]",
    "[q1]",
    "type=endpoint",
    "type=aor",
    "type=",
    "type => identify",
    "exten => 1001,1,Answer()",
    "exten => ",
    "allow=ulaw,alaw",
    'callerid="Ann" <1001>',
    "value=a=b=c",
    "value=\u00e9t\u00e9",
    "value=a\x1fb",
)
ODD = (
    ";owner: x",
    "  ; owner: indented",
    "   ",
    "\t",
    "[ spaced ]",
    "[a;b]",
    "[a](!)",
    "[]",
    "[x] ",
    " [x]",
    "type = auth",
    "type=>endpoint",
    "type =>",
    "exten => 1001,n,Set(X=a\\;b)",
    "exten => > odd",
    "same=>n,Hangup()",
    "allow=ulaw ",
    "allow= ulaw",
    "allow=ulaw\t",
    "password=abc;comment",
    "password=abc ;comment",
    "value=a\u00a0",
    "value=\u00a0a",
    "key with space=1",
    "bad$key=1",
    "no equals here",
    "#include other.conf",
    "=novalue",
)
BREAKS = ("\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u2028", "\u2029", "\x85")
Reader = Callable[[str, str], tuple[ConfigObject, ...]]
FILES = (PJSIP_FILE, QUEUES_FILE, EXTENSIONS_FILE, "sip.conf", "dir/pjsip_gitops.conf")


def _outcome(read: Reader, file: str, text: str) -> tuple[ConfigObject, ...] | str:
    try:
        return read(file, text)
    except TargetError as e:
        return f"TargetError: {e}"


def _text(rng: random.Random) -> str:
    """Mostly plain lines; how many odd lines and line breaks varies from text to text."""
    odd = rng.choice((0.0, 0.0, 0.02, 0.1, 0.5))
    lines = ["; owner: x\n[first]\ntype=aor\n"] if rng.random() < 0.6 else []
    for _ in range(rng.randint(0, 14)):
        line = rng.choice(ODD if rng.random() < odd else PLAIN)
        if line.startswith("[") and rng.random() < 0.7:
            line += "\ntype=auth"  # a PJSIP category needs a type
        lines.append(line)
        lines.append(rng.choice(BREAKS) if rng.random() < odd / 4 else "\n")
    if lines and rng.random() < 0.2:
        lines.pop()  # no line break at the end
    return "".join(lines)


@pytest.mark.parametrize("seed", range(40))
def test_the_fast_path_reads_any_text_as_the_line_by_line_parse(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(100):
        text, file = _text(rng), rng.choice(FILES)
        assert _outcome(parse, file, text) == _outcome(parse_lines, file, text), repr(text)


def test_a_plain_file_is_read_whole() -> None:
    text = (
        "; header\n\n; owner: agent:1001\n[1001]\ntype=endpoint\nallow=ulaw,alaw\n\n"
        "; owner: agent:1001\n[1001]\ntype=aor\nmax_contacts=1\n; trailing comment\n"
    )
    objects = parse(PJSIP_FILE, text)
    assert [(o.kind, o.name, o.owner) for o in objects] == [
        ("endpoint", "1001", "agent:1001"),
        ("aor", "1001", "agent:1001"),
    ]
    assert objects[0].options == (("type", "endpoint"), ("allow", "ulaw,alaw"))
    assert objects == parse_lines(PJSIP_FILE, text)


def test_an_error_in_a_plain_looking_file_names_its_line() -> None:
    text = "; header\n[1001]\ntype=endpoint\n\n[1002]\nallow=ulaw\n"
    with pytest.raises(TargetError, match=r"pjsip_gitops.conf:5: .*\[1002\] has no type= line"):
        parse(PJSIP_FILE, text)
