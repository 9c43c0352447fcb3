"""End to end: the AstDB session of an agent who left this server's part of the inventory is
forgotten by apply, key by key, and nothing of any other agent goes with it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.cli_helpers import start
from tests.reconciler.test_cli_ami import AMI_SECRET, AmiCli
from tests.reconciler.test_cli_ami import cli as cli  # the same CLI fixture

SESSION_KEYS = ("dial", "device", "interface", "phone", "paused", "queues", "since")


def _log_in(ast: FakeAsterisk, agent: str, phone: str) -> None:
    """The keys the AGI login writes (docs/runtime-contract.md), and the phone's claim."""
    values = {
        "dial": f"PJSIP/{phone}",
        "device": f"PJSIP/{phone}",
        "interface": "hotdesk",
        "phone": phone,
        "paused": "lunch",
        "queues": "sales",
        "since": "1795000000",
    }
    for key, value in values.items():
        ast.db_put(f"gitops/agent/{agent}", key, value)
    ast.db_put(f"gitops/phone/{phone}", "agent", agent)


def _session(ast: FakeAsterisk, agent: str) -> dict[str, str]:
    return ast.db_tree(f"gitops/agent/{agent}")


def _agent(like: dict[str, Any], agent_id: str, extension: str) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(json.dumps(like))  # no shared values: no YAML aliases
    return {**copy, "id": agent_id, "name": f"Agent {agent_id}", "extension": extension}


def _dels(server: FakeAmiServer) -> list[str]:
    """The AstDB deletions sent, but the apply lock's own (``gitops/state/lock``)."""
    deleted = [
        f"{h.get('Family')}/{h.get('Key')}"
        for a, h in server.requests
        if a.lower() in {"dbdel", "dbdeltree"}
    ]
    return [d for d in deleted if not d.startswith("gitops/state/")]


def test_deleted_agent_session_is_forgotten_and_others_kept(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    agents = cli.agents()
    kept, doomed = _agent(agents[1], "ann-b", "2001"), _agent(agents[1], "ann_b", "2002")
    cli.save_agents([*agents, kept, doomed])
    code, _, err = cli.ami("apply", "--auto-approve")
    assert code == 0, err
    for agent, phone in (("1001", "p1"), ("1003", "p3"), ("ann-b", "p4"), ("ann_b", "p5")):
        _log_in(fake_asterisk, agent, phone)
    fake_asterisk.db_put("gitops/phone/p6", "agent", "1003")  # a stale claim elsewhere
    cli.save_agents([a for a in agents if a["id"] != "1003"] + [kept])  # 1003, ann_b gone

    code, out, err = cli.ami("plan", "--detailed-exitcode")
    assert code == 2, err
    assert "forget session of agent 1003 (not in this server's part): 9 AstDB key(s)" in out
    assert "forget session of agent ann_b (not in this server's part): 8 AstDB key(s)" in out
    assert "agent 1001 (" not in out and "agent ann-b (" not in out
    code, out, _ = cli.ami("plan", "--format", "json")
    forgets = [m for m in json.loads(out)["targets"][0]["member_changes"] if m["agent"]]
    assert [m["agent"] for m in forgets] == ["1003", "ann_b"]
    assert "gitops/phone/p6/agent" in forgets[0]["keys"]

    ami_server.requests.clear()
    code, _, err = cli.ami("apply", "--auto-approve")
    assert code == 0, err
    deleted = _dels(ami_server)
    assert sorted(deleted) == sorted(
        [f"gitops/agent/1003/{k}" for k in SESSION_KEYS]
        + ["gitops/phone/p3/agent", "gitops/phone/p6/agent"]
        + [f"gitops/agent/ann_b/{k}" for k in SESSION_KEYS]
        + ["gitops/phone/p5/agent"]
    )
    assert _session(fake_asterisk, "1003") == {}
    assert _session(fake_asterisk, "ann_b") == {}
    assert fake_asterisk.db_get("gitops/phone/p3", "agent") is None
    assert fake_asterisk.db_get("gitops/phone/p6", "agent") is None
    assert len(_session(fake_asterisk, "ann-b")) == len(SESSION_KEYS)
    assert len(_session(fake_asterisk, "1001")) == len(SESSION_KEYS)
    assert fake_asterisk.db_get("gitops/phone/p4", "agent") == "ann-b"
    assert fake_asterisk.db_get("gitops/phone/p1", "agent") == "1001"

    ami_server.requests.clear()
    code, out, _ = cli.ami("plan", "--detailed-exitcode")
    assert code == 0 and "No changes." in out
    code, _, _ = cli.ami("apply", "--auto-approve")
    assert code == 0 and _dels(ami_server) == []


def test_session_logged_out_meanwhile_is_not_an_error(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    _log_in(fake_asterisk, "1003", "p3")
    cli.save_agents([a for a in cli.agents() if a["id"] != "1003"])
    assert cli.ami("plan", "--out", "plan.json")[0] == 0
    fake_asterisk.db_del("gitops/agent/1003", "since")  # gone between plan and apply
    code, _, err = cli.ami("apply", "plan.json")  # sessions are not part of the fingerprint
    assert code == 0, err
    assert _session(fake_asterisk, "1003") == {}


def test_agent_moved_to_another_server_is_forgotten_on_the_old_one(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    ami_server: FakeAmiServer,
    fake_asterisk: FakeAsterisk,
) -> None:
    cli = start(AmiCli, tmp_path, capsys, monkeypatch, "two-servers", GITOPS_AMI_SECRET=AMI_SECRET)
    cli.url = ami_server.url
    assert cli.ami("apply", "--auto-approve", "--server", "pbx1")[0] == 0
    _log_in(fake_asterisk, "1001", "p1")
    _log_in(fake_asterisk, "1002", "p2")
    settings = cli.edit("settings.yaml")
    pbx1, pbx2 = settings["settings"]["servers"]
    pbx1["agents"], pbx2["agents"] = ["1001"], ["1002", "1003"]  # 1002 moves to pbx2
    cli.save("settings.yaml", settings)
    agents = cli.agents()
    agents[1]["queues"] = [{"queue": "billing"}]
    cli.save_agents(agents)
    code, out, err = cli.ami("plan", "--server", "pbx1")
    assert code == 0, err
    assert "forget session of agent 1002 (not in this server's part)" in out
    assert "agent 1001 (" not in out
    code, _, err = cli.ami("apply", "--auto-approve", "--server", "pbx1", "--force")
    assert code == 0, err
    assert _session(fake_asterisk, "1002") == {}
    assert fake_asterisk.db_get("gitops/phone/p2", "agent") is None
    assert len(_session(fake_asterisk, "1001")) == len(SESSION_KEYS)


def test_case_differing_keys_are_another_agents() -> None:
    from provisioner.targets.ami.protocol import Message
    from provisioner.targets.ami.sessions import parse_sessions

    def entry(key: str, value: str) -> Message:
        return Message((("Event", "DBGetTreeResponse"), ("Key", key), ("Val", value)))

    sessions = parse_sessions(
        [
            entry("/gitops/agent/ab/dial", "PJSIP/ab"),
            entry("/GITOPS/agent/zz/dial", "PJSIP/zz"),  # LIKE would match: not ours
            entry("/gitops/agent/AB/dial", "PJSIP/AB"),
            entry("/gitops/phone/p1/agent", "ab"),
            entry("/gitops/phone-extension/p1/agent", "ab"),
            entry("/gitops/state/revision", "abc"),
        ]
    )
    assert [(s.agent, s.keys, s.claims) for s in sessions] == [
        ("AB", ("dial",), ()),
        ("ab", ("dial",), ("p1",)),
    ]
    assert [s.value("dial") for s in sessions] == ["PJSIP/AB", "PJSIP/ab"]
    assert sessions[0].value("since") == ""
