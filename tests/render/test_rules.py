"""rules.check: what the renderer refuses, located by file, line and field path."""

from __future__ import annotations

from dataclasses import replace

import pytest

from provisioner.errors import RenderError
from provisioner.model import (
    AgiServer,
    FeatureCodes,
    Inventory,
    PauseReason,
    Queue,
    Settings,
    Source,
    Voice,
)
from provisioner.render import render
from provisioner.render.rules import check
from tests.render.sample import agent, fake_secret, inventory, phone


def test_the_sample_inventory_has_no_problem() -> None:
    assert check(inventory()) == []


def _agent_problems(**kw: object) -> list[tuple[str, int, str]]:
    settings = Settings(outbound_trunk="trunk")
    inv = Inventory(settings=settings, agents=(agent("1001", 7, **kw),), phones=(), queues=())
    return [(p.file, p.line, p.path) for p in check(inv)]


@pytest.mark.parametrize(
    ("voice", "field"),
    [
        (Voice(transports=()), "transports"),
        (Voice(transports=("udp", "udp")), "transports"),
        (Voice(transports=("udp", "wss")), "transports"),
        (Voice(transports=("sctp",)), "transports"),  # type: ignore[arg-type]
        (Voice(host="pbx.example.com"), "host"),
        (Voice(transports=("wss",), host="192.0.2.1"), "host"),
        (Voice(port=5070), "port"),
        (Voice(host="192.0.2.1", port=70000), "port"),
        (Voice(nat=("yes", "no")), "nat"),
        (Voice(nat=("never", "comedia")), "nat"),
        (Voice(nat=()), "nat"),
        (Voice(nat=("sometimes",)), "nat"),  # type: ignore[arg-type]
        (Voice(type="user", host="192.0.2.1"), "type"),
        (Voice(codecs=()), "codecs"),
        (Voice(codecs=("ulaw", "ulaw")), "codecs"),
        (Voice(codecs=("speex",)), "codecs"),  # type: ignore[arg-type]
        (Voice(transports=("wss",), codecs=("gsm", "g729")), "codecs"),
        (Voice(encryption=True), "encryption"),
        (Voice(transports=("tcp",), encryption=True), "encryption"),
        (Voice(recording="mp3"), "recording"),  # type: ignore[arg-type]
        (Voice(callerid="Ann; Smith <1001>"), "callerid"),
        (Voice(callerid='"Ann <1001>'), "callerid"),
        (Voice(context="from sip"), "context"),
        (Voice(call_group="64"), "call_group"),
        (Voice(pickup_group="5-3"), "pickup_group"),
        (Voice(pickup_group="1, 2"), "pickup_group"),
    ],
)
def test_voice_values_the_renderer_cannot_express(voice: Voice, field: str) -> None:
    assert _agent_problems(voice=voice, default_interface="phone") == [
        ("inventory/agents.yaml", 7, f"agents[id=1001].voice.{field}")
    ]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"id": "ann smith"}, "id"),
        ({"id": "h"}, "id"),
        ({"extension": "10a"}, "extension"),
        ({"name": 'Ann "the boss"'}, "name"),
        ({"name": "Ann\nSmith"}, "name"),
        ({"mobile": "0044-555"}, "mobile"),
        ({"voice": Voice(type="user")}, "voice.type"),
    ],
)
def test_agent_values_the_renderer_cannot_express(kw: dict[str, object], field: str) -> None:
    ident = str(kw.get("id", "1001"))
    assert _agent_problems(**kw) == [("inventory/agents.yaml", 7, f"agents[id={ident}].{field}")]


def test_a_mobile_number_needs_an_outbound_trunk() -> None:
    inv = Inventory(
        settings=Settings(outbound_trunk=None),
        agents=(agent("1001", 3, mobile="+15550100"),),
        phones=(),
        queues=(),
    )
    (problem,) = check(inv)
    assert (problem.line, problem.path) == (3, "agents[id=1001].mobile")
    assert "outbound_trunk" in problem.message


def test_phone_problems_name_the_phone_file_and_line() -> None:
    inv = Inventory(
        settings=Settings(),
        agents=(),
        phones=(phone("desk-1", "201", 9, voice=Voice(type="user")),),
        queues=(),
    )
    assert [(p.file, p.line, p.path) for p in check(inv)] == [
        ("inventory/phones.yaml", 9, "phones[id=desk-1].voice.type")
    ]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"strategy": "roundrobin"}, "strategy"),
        ({"name": "general"}, "name"),
        ({"timeout": -1}, "timeout"),
        ({"maxlen": -5}, "maxlen"),
        ({"musicclass": "my class"}, "musicclass"),
    ],
)
def test_queue_values_the_renderer_cannot_express(kw: dict[str, object], field: str) -> None:
    queue = replace(Queue("sales", source=Source("inventory/queues.yaml", 4, 3)), **kw)  # type: ignore[arg-type]
    inv = Inventory(settings=Settings(), agents=(), phones=(), queues=(queue,))
    problem = check(inv)[0]
    assert (problem.file, problem.line, problem.column) == ("inventory/queues.yaml", 4, 3)
    assert problem.path == f"queues[name={queue.name}].{field}"


@pytest.mark.parametrize(
    ("settings", "path"),
    [
        (Settings(feature_codes=FeatureCodes(login="*7a")), "settings.feature_codes.login"),
        (Settings(feature_codes=FeatureCodes(logout="*71")), "settings.feature_codes.login"),
        (Settings(outbound_context="gitops-agents"), "settings.outbound_context"),
        (Settings(outbound_trunk="trunk main"), "settings.outbound_trunk"),
    ],
)
def test_settings_values_the_renderer_cannot_express(settings: Settings, path: str) -> None:
    inv = Inventory(settings=settings, agents=(), phones=(), queues=())
    assert path in [p.path for p in check(inv)]


def test_two_endpoints_or_extensions_named_alike_are_refused() -> None:
    inv = Inventory(
        settings=Settings(),
        agents=(agent("1001", 2), agent("1002", 8, extension="201")),
        phones=(phone("1001", "301", 4), phone("desk-2", "201", 6)),
        queues=(),
    )
    found = {(p.file, p.line, p.path) for p in check(inv)}
    assert found == {
        ("inventory/phones.yaml", 4, "phones[id=1001].id"),
        ("inventory/phones.yaml", 6, "phones[id=desk-2].extension"),
    }


def test_render_refuses_what_check_refuses_and_renders_nothing() -> None:
    inv = replace(inventory(), agents=(agent("1001", 12, voice=Voice(nat=("yes", "no"))),))
    with pytest.raises(RenderError, match=r"inventory/agents.yaml:12:5: agents\[id=1001\]"):
        render(inv, fake_secret)


def test_agent_ids_that_differ_only_by_dashes_are_refused() -> None:
    """Asterisk ignores '-' in extension names: both would be one gitops-agents extension."""
    inv = Inventory(
        settings=Settings(),
        agents=(agent("ann-b", 2, extension="1"), agent("annb", 8, extension="2")),
        phones=(),
        queues=(),
    )
    assert [(p.line, p.path) for p in check(inv)] == [(8, "agents[id=annb].id")]


def test_settings_problems_without_a_loader_are_placed_at_the_settings_source() -> None:
    settings = Settings(
        agi=(AgiServer(host="agi server"),),
        pause_reasons=(PauseReason(code=-1, name="lunch"),),
        source=Source("inventory/settings.yaml", 1),
    )
    inv = Inventory(settings=settings, agents=(), phones=(), queues=())
    assert [(p.file, p.line, p.path) for p in check(inv)] == [
        ("inventory/settings.yaml", 1, "settings.agi.host"),
        ("inventory/settings.yaml", 1, "settings.pause_reasons[0].code"),
    ]


def test_queue_numbers_taken_or_undiallable_are_refused_without_a_loader() -> None:
    queues = (
        Queue("sales", number="2001", extra_numbers=("5x5",)),
        Queue("support", number="600", extra_numbers=("600",)),
    )
    agents = (agent("2001"),)
    settings = Settings(source=Source("inventory/settings.yaml", 1))
    inv = Inventory(settings=settings, agents=agents, phones=(), queues=queues)
    assert sorted(p.path for p in check(inv)) == [
        "queues[name=sales].extra_numbers[0]",
        "queues[name=sales].number",
        "queues[name=support].extra_numbers[0]",
    ]
