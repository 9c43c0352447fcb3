"""GetConfig parsing and header lookup: the rules the one-pass parser must keep.

Each case is checked against a plain reference reading of the headers (what the parser did
before it was made fast), so a shortcut that changes any result fails here.
"""

from __future__ import annotations

import pytest

from provisioner.errors import TargetError
from provisioner.render.objects import ConfigObject
from provisioner.render.text import kind_of
from provisioner.targets.ami.protocol import Framer, Message, head
from provisioner.targets.ami.state import parse_config

PJSIP = "pjsip_gitops.conf"


def answer(*lines: str) -> Message:
    text = "".join(f"{line}\r\n" for line in ("Response: Success", "ActionID: g", *lines))
    (message,) = Framer().feed(text.encode() + b"\r\n")
    return message


def reference(file: str, response: Message) -> list[ConfigObject]:
    """Categories in order; a line belongs to the category whose number it carries and
    which it follows; the kind is ``kind_of``'s."""
    categories: list[tuple[str, list[tuple[str, str]]]] = []
    number: str | None = None
    for key, value in response.headers:
        if key.startswith("Category-"):
            number = key[len("Category-") :]
            categories.append((value, []))
        elif key.startswith("Line-") and number is not None and key[5:11] == number:
            option, _, option_value = value.partition("=")
            categories[-1][1].append((option, option_value.replace("\\;", ";")))
    return [ConfigObject(file, kind_of(file, n, o), n, tuple(o)) for n, o in categories]


CASES = {
    "type not first, last type wins": (
        "Category-000000: 1001",
        "Line-000000-000000: context=from-sip",
        "Line-000000-000001: type=aor",
        "Line-000000-000002: type=endpoint",
    ),
    "lines before any category and of another category are left out": (
        "Line-000000-000000: type=stray",
        "Line-: type=stray",
        "Category-000000: 1001",
        "Line-000000-000000: type=endpoint",
        "Line-000007-000000: allow=gsm",
        "Category-000001: 1001",
        "Line-000001-000000: type=aor",
        "Line-000000-000001: allow=g722",
    ),
    "escaped semicolons, equals signs, no equals sign, empty category": (
        "Category-000000: 1001-auth",
        "Line-000000-000000: type=auth",
        "Line-000000-000001: password=a\\;b=c",
        "Line-000000-000002: novalue",
        "Line-000000-000003: =empty-key",
        "Category-000001: empty",
        "Line-000001-000000: type=identify",
        "Category-000002: 1002",
        "Line-000002-000000: type=endp\\;oint",
    ),
    "odd numbering is compared as Asterisk wrote it (queues file: no type needed)": (
        "Category-12: short",
        "Line-12: type=aor",
        "Line-12-0: max_contacts=1",
        "Category-1234567: long",
        "Line-1234567-000000: type=aor",
        "Category-: none",
        "Line-: type=auth",
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_parse_config_matches_the_plain_reading(name: str) -> None:
    file = "queues_gitops.conf" if "queues file" in name else PJSIP
    response = answer(*CASES[name])
    assert parse_config(file, response) == reference(file, response)


def test_what_the_reference_cases_read() -> None:
    (endpoint,) = parse_config(PJSIP, answer(*CASES["type not first, last type wins"]))
    assert endpoint.key == (PJSIP, "endpoint", "1001")
    left_out = "lines before any category and of another category are left out"
    endpoint, aor = parse_config(PJSIP, answer(*CASES[left_out]))
    assert (endpoint.options, aor.options) == ((("type", "endpoint"),), (("type", "aor"),))
    escaped = "escaped semicolons, equals signs, no equals sign, empty category"
    auth, empty, last = parse_config(PJSIP, answer(*CASES[escaped]))
    assert auth.get("password") == "a;b=c"
    assert auth.options[2:] == (("novalue", ""), ("", "empty-key"))
    assert (empty.kind, last.kind) == ("identify", "endp;oint")
    odd = "odd numbering is compared as Asterisk wrote it (queues file: no type needed)"
    objects = parse_config("queues_gitops.conf", answer(*CASES[odd]))
    assert [(o.name, o.options) for o in objects] == [
        ("short", (("type", "aor"),)),
        ("long", ()),
        ("none", (("type", "auth"),)),
    ]


def test_a_pjsip_category_without_type_is_refused() -> None:
    response = answer("Category-000000: 1001", "Line-000000-000000: context=x")
    with pytest.raises(TargetError, match=r"category \[1001\] has no type= line"):
        parse_config(PJSIP, response)


def test_queues_and_extensions_take_the_file_kind() -> None:
    response = answer("Category-000000: sales", "Line-000000-000000: type=ignored")
    (queue,) = parse_config("queues_gitops.conf", response)
    (context,) = parse_config("extensions_gitops.conf", response)
    assert (queue.kind, context.kind) == ("queue", "context")
    with pytest.raises(TargetError, match="not a file asterisk-gitops manages"):
        parse_config("sip.conf", response)
    assert parse_config("sip.conf", answer()) == []


def test_header_lookup_ignores_case_and_only_case() -> None:
    message = answer("eventlist: start", "EventListX: no", "Kelvin: yes")
    assert message.get("EventList") == "start"
    assert message.get("EVENTLIST") == "start"
    assert message.get("EventLis") == ""
    assert message.get("kelvin") == "yes"
    # U+212A KELVIN SIGN lowers to "k": the same name for AMI's case-insensitive lookup.
    assert answer("\u212aelvin: sign").get("kelvin") == "sign"
    # U+0130 lowers to two characters: never equal to a name of ASCII letters.
    assert answer("\u0130d: x").get("id") == ""
    assert answer("Na\u0130me: y").get("na\u0130me") == "y"


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_answer_kept_raw_reads_the_same(name: str) -> None:
    # a whole-file GetConfig is kept as received (Action.raw), its lines split only as
    # parse_config reads them: the same objects as from the parsed headers
    file = "queues_gitops.conf" if "queues file" in name else PJSIP
    text = "".join(f"{line}\r\n" for line in ("Response: Success", "ActionID: g", *CASES[name]))
    raw = head(text.removesuffix("\r\n"))
    assert raw.text and raw.headers[:2] == (("Response", "Success"), ("ActionID", "g"))
    assert parse_config(file, raw) == parse_config(file, answer(*CASES[name]))


def test_the_client_keeps_a_large_answer_raw_only_when_asked() -> None:
    lines = "".join(f"Line-000000-{n:06d}: exten=s,{n},NoOp()\r\n" for n in range(9000))
    text = f"Response: Success\r\nActionID: big\r\nCategory-000000: c\r\n{lines}\r\n"
    (kept,) = Framer().feed(text.encode(), lambda action_id: action_id == "big")
    (parsed,) = Framer().feed(text.encode(), lambda action_id: False)
    assert len(kept.headers) == 3 and len(parsed.headers) == 9003
    assert list(kept.lines()) == list(parsed.headers)
