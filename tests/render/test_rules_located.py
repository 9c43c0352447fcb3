"""Render refusals found by validate are placed at the line of their field in the YAML."""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.errors import InventoryError, Problem
from provisioner.inventory import load_inventory
from provisioner.inventory.context import Context, Entry
from provisioner.inventory.files import InventoryFile
from provisioner.inventory.located import locate_refusals
from provisioner.model import Settings, Source
from provisioner.render.rules import RuleFinding
from tests.render.sample import agent

FIXTURES = Path(__file__).parent.parent / "fixtures" / "render"


def _problems(mode: str) -> list[Problem]:
    with pytest.raises(InventoryError) as caught:
        load_inventory(FIXTURES / mode, use_cache=False)
    return caught.value.problems


def _where(problems: list[Problem]) -> list[tuple[str, int, int, str]]:
    return [(Path(p.file).name, p.line, p.column, p.path) for p in problems]


@pytest.mark.parametrize(
    ("mode", "line", "path"),
    [
        ("refused-nat-combination", 12, "agents[1].voice.nat"),
        ("refused-srtp-over-udp", 13, "agents[1].voice.encryption"),
        ("refused-webrtc-mixed", 12, "agents[1].voice.transports"),
        ("refused-mobile-without-trunk", 11, "agents[1].mobile"),
        ("refused-user-rung-internally", 12, "agents[1].voice.type"),
    ],
)
def test_a_refusal_names_the_line_of_its_field(mode: str, line: int, path: str) -> None:
    assert [(p.line, p.path) for p in _problems(mode)] == [(line, path)]


def test_a_value_inherited_from_settings_defaults_names_the_defaults_line() -> None:
    problems = _problems("refused-inherited-default")
    assert _where(problems) == [
        ("agents.yaml", 2, 5, "agents[0].voice.type"),  # no voice: the item
        ("agents.yaml", 11, 5, "agents[1].voice.type"),  # a voice without type: the voice
        ("phones.yaml", 2, 5, "phones[0].voice.type"),
    ]
    settings = str(FIXTURES / "refused-inherited-default" / "settings.yaml")
    for problem in problems:
        assert problem.message.endswith(f"(inherited from settings.defaults.type at {settings}:8)")


def test_a_settings_refusal_names_the_settings_file_and_line() -> None:
    (problem,) = _problems("refused-agi-host")
    assert _where([problem]) == [("settings.yaml", 7, 5, "settings.agi.host")]
    assert "'agi server' is not a host name" in problem.message


def test_collisions_and_names_are_placed_at_their_field() -> None:
    assert _where(_problems("refused-dashed-ids")) == [
        ("agents.yaml", 7, 5, "agents[1].id"),
        ("agents.yaml", 8, 5, "agents[1].name"),
    ]


def test_a_loaded_settings_knows_its_file() -> None:
    inventory = load_inventory(FIXTURES / "cli-inventory", use_cache=False)
    assert Path(inventory.settings.source.file).name == "settings.yaml"
    assert Settings().source == Source("settings.yaml", 1)


AGENTS = b"agents:\n  - id: ann\n    voice:\n      codecs: [ulaw]\n"


def _context(settings_raw: dict[str, object]) -> Context:
    ann = agent("ann", 2)
    entry = Entry(ann, "agents.yaml", ("agents", 0), {"id": "ann", "voice": {"codecs": ["ulaw"]}})
    return Context(
        settings=Settings(),
        settings_file="settings.yaml" if settings_raw else None,
        agents=(entry,),
        phones=(),
        queues=(),
        settings_raw=settings_raw,
    )


def test_a_built_in_default_is_said_and_placed_at_the_nearest_written_node() -> None:
    refusal = RuleFinding("agents", "ann", agent("ann", 2).source, ("voice", "nat"), "bad nat")
    files = [InventoryFile("agents.yaml", "agents", AGENTS)]
    (problem,) = locate_refusals([refusal], _context({}), files)
    assert (problem.file, problem.line, problem.path) == ("agents.yaml", 3, "agents[0].voice.nat")
    assert problem.message == "bad nat (the built-in default)"


def test_a_refusal_of_an_owner_the_loader_does_not_know_keeps_its_source() -> None:
    stranger = agent("bob", 40)
    refusal = RuleFinding("agents", "bob", stranger.source, ("voice", "nat"), "bad nat")
    (problem,) = locate_refusals([refusal], _context({"agi": {}}), [])
    assert (problem.file, problem.line, problem.path) == (
        "inventory/agents.yaml",
        40,
        "agents[id=bob].voice.nat",
    )
