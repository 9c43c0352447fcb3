"""The bundled example inventory validates and builds the model the other parts rely on."""

from __future__ import annotations

from provisioner.inventory import load_inventory
from provisioner.inventory.pins import verify_pin
from provisioner.inventory.secrets import missing_secrets

from .conftest import EXAMPLE


def test_example_inventory_is_valid_and_complete() -> None:
    inventory = load_inventory(EXAMPLE, use_cache=False)
    assert len(inventory.agents) >= 8
    assert len(inventory.phones) == 4
    assert [q.name for q in inventory.queues] == ["billing", "sales", "support"]
    assert [a.id for a in inventory.agents] == sorted(a.id for a in inventory.agents)
    assert {p.site for p in inventory.phones} == {"paris", "lyon"}
    assert len(inventory.settings.servers) == 2
    assert len(inventory.settings.pause_reasons) >= 4


def test_example_exercises_every_feature() -> None:
    inventory = load_inventory(EXAMPLE, use_cache=False)
    agents = inventory.agents
    assert any(a.hot_desk for a in agents) and any(not a.hot_desk for a in agents)
    assert any(a.mobile for a in agents)
    assert any(a.voice.host != "dynamic" for a in agents)
    assert any("wss" in a.voice.transports and a.voice.encryption for a in agents)
    assert any(a.voice.transports == ("tls",) and a.voice.encryption for a in agents)
    assert any(a.voice.recording != "inactive" for a in agents)
    assert any(a.permissions.spy for a in agents)
    assert any(a.client_logs for a in agents)
    assert any(a.channels for a in agents)
    assert all(verify_pin("1234", a.pin_hash) for a in agents)


def test_defaults_are_merged_and_members_computed() -> None:
    inventory = load_inventory(EXAMPLE, use_cache=False)
    bruno = inventory.agent("bruno")
    assert bruno is not None
    assert bruno.voice.codecs == ("g722", "ulaw", "alaw")  # his own
    assert bruno.voice.nat == ("force_rport", "comedia")  # from settings.defaults
    david = inventory.agent("david")
    assert david is not None and david.voice.nat == ("no",)  # `nat: no` stays a string
    sales = inventory.queue("sales")
    assert sales is not None
    assert [m.agent for m in sales.members] == sorted(m.agent for m in sales.members)
    assert {m.agent: m.penalty for m in sales.members}["chloe"] == 2


def test_servers_split_the_example() -> None:
    inventory = load_inventory(EXAMPLE, use_cache=False)
    paris, lyon = inventory.settings.servers
    assert {a.id for a in inventory.for_server(paris).agents}.isdisjoint(
        {a.id for a in inventory.for_server(lyon).agents}
    )


def test_example_secrets_resolve_with_the_demo_master_key() -> None:
    inventory = load_inventory(EXAMPLE, use_cache=False)
    assert missing_secrets(inventory, {"GITOPS_MASTER_KEY": "example-not-secret"}) == []
    (problem,) = missing_secrets(inventory, {})
    assert "GITOPS_MASTER_KEY is not set" in problem.message
