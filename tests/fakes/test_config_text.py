"""Config text round trips: what Asterisk keeps of a hand-made file when UpdateConfig saves it."""

from __future__ import annotations

import pytest

from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.config import Category, UpdateAction, UpdateError
from tests.fakes.config_text import parse_config

HAND_MADE = """\
; an operator's hand-made file
[1001]
type=endpoint ; the agent's own phone
exten => 100,1,NoOp(x\\;y)

[1001-auth]
type=auth
; end of file
"""


def append(cat: str, var: str, value: str) -> list[UpdateAction]:
    return [UpdateAction("Append", cat, var, value, "", "", "")]


def saved_body(ast: FakeAsterisk) -> list[str]:
    """The saved file without its six-line ``;!`` header."""
    lines = ast.config_text("pjsip_gitops.conf").splitlines()
    assert lines[:2] == [";!", ";! Automatically generated configuration file"]
    return lines[6:]


def test_comments_objects_and_blank_lines_survive_a_save(fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.set_config_text("pjsip_gitops.conf", HAND_MADE)
    fake_asterisk.update_config("pjsip_gitops.conf", append("1001", "context", "from-sip"))
    assert saved_body(fake_asterisk) == [
        "; an operator's hand-made file",
        "[1001]",
        "type = endpoint  ; the agent's own phone",
        "exten => 100,1,NoOp(x\\;y)",
        "context = from-sip",
        "",
        "[1001-auth]",
        "type = auth",
        "; end of file",
    ]


def test_saving_twice_keeps_one_header(fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.set_config_text("pjsip_gitops.conf", HAND_MADE)
    fake_asterisk.update_config("pjsip_gitops.conf", append("1001", "a", "1"))
    once = saved_body(fake_asterisk)
    fake_asterisk.update_config("pjsip_gitops.conf", append("1001-auth", "b", "2"))
    # the end-of-file comment trails "type = auth", so what is appended comes after it
    assert saved_body(fake_asterisk) == [*once, "b = 2"]


def test_values_read_back_unescaped() -> None:
    config = parse_config("x.conf", HAND_MADE)
    [phone, auth] = config.categories
    assert phone.lines == [("type", "endpoint"), ("exten", "100,1,NoOp(x;y)")]
    assert phone.variables[1].object
    assert auth.lines == [("type", "auth")]


def test_what_update_config_creates_has_no_blank_lines(fake_asterisk: FakeAsterisk) -> None:
    actions = [
        UpdateAction("NewCat", "a", "", "", "", "", ""),
        UpdateAction("Append", "a", "k", "v;w", "", "", ""),
        UpdateAction("NewCat", "b", "", "", "", "", ""),
    ]
    fake_asterisk.update_config("pjsip_gitops.conf", actions)
    assert saved_body(fake_asterisk) == ["[a]", "k = v\\;w", "[b]"]
    [a, _] = fake_asterisk.categories("pjsip_gitops.conf")
    assert a.lines == [("k", "v;w")]


TEMPLATED = """\
[agent-phone](!)
type=endpoint
context=from-sip
[1001](agent-phone)
callerid=Ann <1001>
[1001](+)
language=fr
"""


def test_templates_are_invisible_and_inherited_variables_come_first(
    fake_asterisk: FakeAsterisk,
) -> None:
    fake_asterisk.set_config_text("pjsip_gitops.conf", TEMPLATED)
    fake_asterisk.reload("res_pjsip.so")
    [phone] = fake_asterisk.categories("pjsip_gitops.conf")
    assert phone.lines == [
        ("type", "endpoint"),
        ("context", "from-sip"),
        ("callerid", "Ann <1001>"),
        ("language", "fr"),
    ]
    assert [e.name for e in fake_asterisk.pjsip_list("endpoint")] == ["1001"]
    fake_asterisk.update_config("pjsip_gitops.conf", append("1001", "language", "de"))
    assert saved_body(fake_asterisk) == [
        "[agent-phone](!)",
        "type = endpoint",
        "context = from-sip",
        "[1001](agent-phone)",
        "callerid = Ann <1001>",
        "",  # where "[1001](+)" was: config.c re-creates the gap from line numbers
        "language = fr",
        "language = de",
    ]


def shape(categories: list[Category]) -> list[tuple[object, ...]]:
    """Everything a later save depends on, per category and variable."""
    return [
        (
            (c.name, c.lineno, c.precomments, c.sameline, c.trailing, c.template, c.inherits),
            [
                (v.key, v.value, v.lineno, v.precomments, v.sameline, v.trailing)
                for v in c.variables
            ],
        )
        for c in categories
    ]


@pytest.mark.parametrize("text", [HAND_MADE, TEMPLATED, "", "[a]\nk=v\n\n\n\n\n\n\n[b]\n; c\n\n"])
def test_a_saved_file_is_numbered_as_if_read_back(fake_asterisk: FakeAsterisk, text: str) -> None:
    fake_asterisk.set_config_text("pjsip_gitops.conf", text)
    steps = [
        [UpdateAction("NewCat", "n", "", "", "", "", "allowdups")],
        append("n", "x", "1"),
        [UpdateAction("DelCat", "n", "", "", "", "", "")],
    ]
    for actions in steps:
        fake_asterisk.update_config("pjsip_gitops.conf", actions)
        text = fake_asterisk.config_text("pjsip_gitops.conf")
        saved = fake_asterisk.files["pjsip_gitops.conf"]
        assert shape(saved.categories) == shape(parse_config("x", text).categories)


MIXED_STEPS = [
    [UpdateAction("NewCat", "n", "", "", "", "", "allowdups")],
    append("n", "x", "1"),
    [UpdateAction("Insert", "n", "y", "2", "", "0", "")],
    [UpdateAction("NewCat", "m", "", "", "n", "", "")],  # before n
    [UpdateAction("RenameCat", "m", "", "m2", "", "", "")],
    [UpdateAction("Update", "n", "x", "3", "", "", "")],
    [UpdateAction("Delete", "n", "y", "", "", "", "")],
    append("m2", "k", "v"),
    [UpdateAction("DelCat", "n", "", "", "", "", "")],
    [UpdateAction("EmptyCat", "m2", "", "", "", "", "")],
    append("m2", "z", "9"),
]


@pytest.mark.parametrize("text", [HAND_MADE, TEMPLATED, "", "[a]\nk=v\n\n\n\n\n\n\n[b]\n; c\n\n"])
def test_reading_the_file_between_requests_changes_nothing(text: str) -> None:
    """Saves are written out lazily; the text must equal that of a save after each request."""
    eager, lazy = FakeAsterisk(clock=lambda: 0.0), FakeAsterisk(clock=lambda: 0.0)
    for ast in (eager, lazy):
        ast.set_config_text("pjsip_gitops.conf", text)
    for number, actions in enumerate(MIXED_STEPS):
        for ast in (eager, lazy):
            ast.update_config("pjsip_gitops.conf", actions)
        eager.config_text("pjsip_gitops.conf")
        if number % 4 == 3:
            assert lazy.config_text("pjsip_gitops.conf") == eager.config_text("pjsip_gitops.conf")
    assert lazy.config_text("pjsip_gitops.conf") == eager.config_text("pjsip_gitops.conf")


def test_a_failed_request_undoes_every_change_in_place(fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.set_config_text("pjsip_gitops.conf", "[a]\nk=v ; kept\n\n[b]\nx=1\ny=2\n")
    config = fake_asterisk.files["pjsip_gitops.conf"]
    before, objects = shape(config.categories), list(config.categories)
    steps = [
        *append("a", "k2", "v2"),
        UpdateAction("Update", "a", "k", "w", "", "", ""),
        UpdateAction("RenameCat", "b", "", "c", "", "", ""),
        UpdateAction("Insert", "c", "i", "0", "", "1", ""),
        UpdateAction("Delete", "c", "y", "", "", "", ""),
        UpdateAction("DelCat", "a", "", "", "", "", ""),
        UpdateAction("NewCat", "z", "", "", "c", "", ""),
        UpdateAction("EmptyCat", "c", "", "", "", "", ""),
        UpdateAction("Update", "c", "missing", "1", "", "", ""),
    ]
    with pytest.raises(UpdateError, match="Update did not complete successfully"):
        fake_asterisk.update_config("pjsip_gitops.conf", steps)
    assert shape(config.categories) == before
    assert all(a is b for a, b in zip(config.categories, objects, strict=True))
    assert fake_asterisk.config_text("pjsip_gitops.conf").startswith("[a]\nk=v ; kept\n")
    fake_asterisk.update_config("pjsip_gitops.conf", append("b", "z", "3"))  # b is found again
    with pytest.raises(UpdateError, match="Given category does not exist"):
        fake_asterisk.update_config("pjsip_gitops.conf", append("c", "z", "3"))


def test_plus_adds_to_the_first_category_of_that_name(fake_asterisk: FakeAsterisk) -> None:
    # Real Asterisk 22.10.1 (GetConfig of such a pjsip.conf, 2026-12-06):
    #   Category-000003: 1001 / Line-...: type=endpoint ... / rtp_symmetric=yes
    #   Category-000005: 1001 / Line-...: type=auth / ...
    # "[1001](+)" after an endpoint and an auth named 1001 went to the endpoint, the first.
    text = "[1001]\ntype=endpoint\n[1001]\ntype=auth\n[1001](+)\nrtp_symmetric=yes\n"
    fake_asterisk.set_config_text("pjsip_gitops.conf", text)
    endpoint, auth = fake_asterisk.categories("pjsip_gitops.conf")
    assert endpoint.lines == [("type", "endpoint"), ("rtp_symmetric", "yes")]
    assert auth.lines == [("type", "auth")]


def test_getconfig_names_what_a_category_inherits(fake_asterisk: FakeAsterisk) -> None:
    # Real Asterisk: "Category-000003: 1001", "Templates-000003: agent-tpl", then its lines
    fake_asterisk.set_config_text("pjsip_gitops.conf", TEMPLATED)
    lines = fake_asterisk.getconfig_lines("pjsip_gitops.conf")
    assert lines[:3] == [
        ("Category-000000", "1001"),
        ("Templates-000000", "agent-phone"),
        ("Line-000000-000000", "type=endpoint"),
    ]
