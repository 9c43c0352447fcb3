"""Display names: refused exactly for what breaks callerid="<name>" <extension>, and said so."""

from __future__ import annotations

import pytest

from provisioner.model import Inventory, Settings
from provisioner.render import render
from provisioner.render.rules import check
from tests.render.sample import agent, fake_secret, phone

RULE_WORDS = (
    "'\"' (ends the quoted name)",
    "'\\' (an escape",
    "';' (starts a comment",
    "line break",
)


def _inventory(agent_name: str = "Ann", phone_name: str = "Desk") -> Inventory:
    return Inventory(
        settings=Settings(),
        agents=(agent("1001", 4, name=agent_name),),
        phones=(phone("desk-1", "2001", 9, name=phone_name),),
        queues=(),
    )


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ('Ann "the boss"', "'\"'"),
        ("Ann; Smith", "';'"),
        ("Ann\\Smith", "'\\'"),
        ("Ann\nSmith", "'\\n'"),
        ("Ann\tSmith", "'\\t'"),
        ('Ann; "Smith"', "'\"', ';'"),
    ],
)
def test_a_refused_name_says_which_characters_and_why(name: str, shown: str) -> None:
    for inventory, path in (
        (_inventory(agent_name=name), "agents[id=1001].name"),
        (_inventory(phone_name=name), "phones[id=desk-1].name"),
    ):
        (problem,) = check(inventory)
        assert problem.path == path
        assert f"holds {shown}: a display name is written as callerid=" in problem.message
        for words in RULE_WORDS:
            assert words in problem.message
        assert "[" not in problem.message.split(": ", 1)[1]  # brackets are not refused


@pytest.mark.parametrize(
    "name", ["Bruno [Petit]", "Chloé Durand", "A & B (sales) <team> #1 * 'x', y", "O'Brien"]
)
def test_brackets_and_other_text_are_accepted_and_rendered(name: str) -> None:
    inventory = _inventory(agent_name=name, phone_name=name)
    assert check(inventory) == []
    callerids = {
        o.name: dict(o.options)["callerid"]
        for o in render(inventory, fake_secret)
        if o.kind == "endpoint"
    }
    assert callerids == {"1001": f'"{name}" <1001>', "desk-1": f'"{name}" <2001>'}


def test_an_empty_agent_name_is_refused_once() -> None:
    (problem,) = check(_inventory(agent_name=" "))
    assert problem.path == "agents[id=1001].name" and "cannot be empty" in problem.message
    assert check(_inventory(phone_name="")) == []  # a phone without a name shows its id
