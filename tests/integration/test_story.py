"""The whole story on the bundled example: apply to a fake Asterisk, then agents dial the
rendered feature codes into our FastAGI server, and every piece agrees with the others."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from agi.routes import ROUTES
from provisioner.inventory import load_inventory
from provisioner.model import Agent, Inventory
from tests.fakes import config_text
from tests.fakes.config import Category
from tests.integration.dialplan import Dialplan
from tests.integration.story import FEATURES, PIN, SERVER, Story, local, status

AGENTS = "gitops-agents"
OUTBOUND = "gitops-outbound"
PJSIP_KINDS = ("endpoint", "aor", "auth", "identify")

# agent -> (endpoint dialing the feature codes, DTMF answered at login, interface expected)
LOGINS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "ann": ("ann", ("2#",), "phone"),  # the menu times out: her default, her assigned desk phone
    "bruno": ("desk-paris-102", ("1002#", f"{PIN}#"), "hotdesk"),  # a free registered phone
    "chloe": ("chloe", ("3#",), "mobile"),  # picks her mobile in the menu
    "david": ("david", (), "internal"),  # only one choice: no menu
    "emma": ("emma", (), "internal"),
}


def paris(story: Story) -> Inventory:
    inventory = load_inventory(story.inventory)
    (server,) = [s for s in inventory.settings.servers if s.name == SERVER]
    return inventory.for_server(server)


def _rendered(story: Story, out: Path) -> dict[str, list[Category]]:
    inventory = str(story.inventory)
    result = story.main("render", "--inventory", inventory, "--server", SERVER, "--out", str(out))
    assert result.code == 0, result.err
    return {
        path.name: config_text.parse_config(path.name, path.read_text()).categories
        for path in sorted(out.iterdir())
    }


def test_apply_loads_every_rendered_object(story: Story, tmp_path: Path) -> None:
    result = story.cli("apply", "--auto-approve")
    assert result.code == 0, result.err
    rendered = _rendered(story, tmp_path / "rendered")
    ast = story.asterisk
    wanted = {(c.get("type"), c.name) for c in rendered["pjsip_gitops.conf"]}
    loaded = {(kind, o.name) for kind in PJSIP_KINDS for o in ast.pjsip_list(kind)}
    assert wanted == loaded  # nothing dropped on reload, nothing extra
    assert {"endpoint", "aor", "auth"} <= {kind for kind, _ in wanted}
    assert {c.name for c in rendered["queues_gitops.conf"]} == set(ast.queues) == {"sales"}
    held = {c.name: c.lines for c in ast.categories("extensions_gitops.conf")}
    contexts = {c.name: c.lines for c in rendered["extensions_gitops.conf"]}
    assert held == contexts  # the dialplan Asterisk holds is the one rendered, line for line
    assert {"res_pjsip.so", "app_queue.so", "pbx_config.so"} <= set(ast.reloads)


def test_feature_codes_reach_the_agi_server_routes(live: Story) -> None:
    inventory = paris(live)
    codes = inventory.settings.feature_codes
    dialplan = live.dialplan()
    assert dialplan.includes["gitops-internal"] == [FEATURES, "gitops-extensions", "gitops-queues"]
    expected = {
        codes.login: ("login", ()),
        codes.logout: ("logout", ()),
        codes.pause: ("pause", ()),
        f"{codes.pause}4": ("pause", ("4",)),
        codes.unpause: ("unpause", ()),
        codes.status: ("status", ()),
    }
    for dialed, (script, args) in expected.items():
        request = dialplan.agi_request(FEATURES, dialed)
        assert (request.script, request.args) == (script, args), dialed
        assert request.script in ROUTES
        first = inventory.settings.agi[0]
        assert (request.host, request.port) == (first.host, first.port)


def _dialable(live: Story, value: str) -> bool:
    """What ``Dial()`` in the agent's extension can reach on this Asterisk."""
    if value.startswith("PJSIP/"):
        return live.asterisk.endpoint(value.removeprefix("PJSIP/")) is not None
    number, at, context = value.removeprefix("Local/").partition("@")
    return bool(at) and context == OUTBOUND and number in live.dialplan().extensions(OUTBOUND)


def _members(live: Story, agent: Agent) -> dict[str, tuple[int, bool, str, str]]:
    found = {}
    for membership in agent.queues:
        for m in live.asterisk.members(membership.queue):
            if m.interface == local(agent.id):
                found[membership.queue] = (m.penalty, m.paused, m.reason, m.state_interface)
    return found


def _login(live: Story, agent: Agent, endpoint: str, dtmf: Sequence[str], kind: str) -> None:
    result = live.dial(endpoint, "*71", dtmf)
    assert (status(result), result.variables.get("GITOPS_AGENT")) == ("ok", agent.id)
    assert result.variables["GITOPS_INTERFACE"] == kind
    dialplan = live.dialplan()
    assert agent.id in dialplan.extensions(AGENTS)  # the member's Local/ channel lands there
    db = live.asterisk.db_tree(f"gitops/agent/{agent.id}")
    assert f"gitops/agent/{agent.id}/dial" in dialplan.db_keys(AGENTS, agent.id)
    read = {k for k in dialplan.all_db_keys() if k.startswith(f"gitops/agent/{agent.id}/")}
    for key in read:  # the agent's extension, and the spy code when they may be listened to
        assert f"/{key}" in db, f"the dialplan reads {key}, the AGI server never wrote it"
    assert _dialable(live, db[f"/gitops/agent/{agent.id}/dial"])
    members = _members(live, agent)
    assert {q: p for q, (p, *_rest) in members.items()} == {
        m.queue: m.penalty for m in agent.queues
    }
    names = {
        m.name for q in members for m in live.asterisk.members(q) if m.interface == local(agent.id)
    }
    assert names == {agent.name}  # "Chloé Durand" too: EXEC passes it whole
    for _penalty, paused, _reason, device in members.values():
        assert not paused
        assert device == local(agent.id) or _dialable(live, device)


def _pauses(live: Story, agent: Agent, endpoint: str, inventory: Inventory) -> None:
    allowed = agent.permissions.pause_reasons
    for reason in inventory.settings.pause_reasons:
        result = live.dial(endpoint, f"*73{reason.code}")
        if allowed is not None and reason.name not in allowed:
            assert status(result) == "not_permitted"
            assert not any(paused for _, paused, _, _ in _members(live, agent).values())
            continue
        assert (status(result), result.variables.get("GITOPS_REASON")) == ("ok", reason.name)
        assert {(p, r) for _, p, r, _ in _members(live, agent).values()} == {(True, reason.name)}
        assert live.asterisk.db_get(f"gitops/agent/{agent.id}", "paused") == reason.name
        assert status(live.dial(endpoint, "*74")) == "ok"
        assert not any(paused for _, paused, _, _ in _members(live, agent).values())
    reason = next(
        r for r in inventory.settings.pause_reasons if allowed is None or r.name in allowed
    )
    result = live.dial(endpoint, "*73", [f"{reason.code}#"])  # no suffix: prompted for a code
    assert (status(result), result.variables.get("GITOPS_REASON")) == ("ok", reason.name)
    assert {(p, r) for _, p, r, _ in _members(live, agent).values()} == {(True, reason.name)}


@pytest.mark.parametrize("agent_id", sorted(LOGINS))
def test_agent_day_login_pause_unpause_logout(live: Story, agent_id: str) -> None:
    inventory = paris(live)
    (agent,) = [a for a in inventory.agents if a.id == agent_id]
    endpoint, dtmf, kind = LOGINS[agent_id]
    _login(live, agent, endpoint, dtmf, kind)
    assert status(live.dial(endpoint, "*75")) == "ok"
    _pauses(live, agent, endpoint, inventory)
    assert status(live.dial(endpoint, "*72")) == "ok"
    assert _members(live, agent) == {}
    assert live.asterisk.db_tree(f"gitops/agent/{agent.id}") == {}
    assert agent.id not in live.asterisk.db_tree("gitops/phone").values()


@pytest.mark.parametrize(("agent_id", "kind"), [("ann", "phone"), ("chloe", "mobile")])
def test_menu_timeout_rings_the_inventory_default_interface(
    live: Story, agent_id: str, kind: str
) -> None:
    # schemas/agents.schema.json: "Where the agent is rung when logging in without choosing."
    result = live.dial(agent_id, "*71")  # no key pressed at the interface menu
    assert (status(result), result.variables.get("GITOPS_INTERFACE")) == ("ok", kind)


def _dials(dialplan: Dialplan, extension: str) -> str:
    """The device ``gitops-extensions`` rings for a number (``Dial(PJSIP/x,30)``); for an
    agent's number, the agent's own endpoint (logged out; logged in, the number follows the
    agent: ``Dial(${DB_RESULT},30)``, tested on the real Asterisk in tests/real)."""
    own, *follow = dialplan.dial_targets("gitops-extensions", extension)
    assert follow in ([], ["${DB_RESULT},30"])
    return own.split(",")[0]


def test_numbers_mean_the_same_to_the_dialplan_and_the_agi_server(live: Story) -> None:
    dialplan = live.dialplan()
    live.asterisk.set_registered("desk-paris-101")
    for agent in paris(live).agents:  # the agent number keyed at login is their extension
        result = live.dial("desk-paris-101", "*71", [f"{agent.extension}#", f"{PIN}#", "1#"])
        assert status(result) == "ok", agent.id
        assert _dials(dialplan, agent.extension) == f"PJSIP/{result.variables['GITOPS_AGENT']}"
        assert status(live.dial(agent.id, "*72")) == "ok"
    # a hot-desk agent away from a phone keys the phone's extension
    (phone,) = [p for p in paris(live).phones if p.id == "desk-paris-102"]
    result = live.dial("bruno", "*71", [f"{phone.extension}#"])
    assert (status(result), result.variables.get("GITOPS_INTERFACE")) == ("ok", "hotdesk")
    bound = live.asterisk.db_get("gitops/agent/bruno", "dial")
    assert bound == _dials(dialplan, phone.extension) == f"PJSIP/{phone.id}"
