"""`provisioner export channels`: the inventory's non-voice channels for the channel platform
(issue 15 item 7), which Asterisk has no equivalent for."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from provisioner.cli import main
from provisioner.export import channels_data
from provisioner.inventory import load_inventory
from provisioner.model import (
    Agent,
    ChannelSetting,
    Inventory,
    Queue,
    QueueMember,
    SecretRef,
    Settings,
)
from provisioner.render import render
from tests.example_repo import REPO, ExampleRepo
from tests.render.sample import fake_secret

EXAMPLE = REPO / "inventory"


def _export(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["export", "channels", "--inventory", str(EXAMPLE), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _agents(out: str) -> dict[str, dict[str, Any]]:
    data = json.loads(out)
    assert data["format_version"] == 1 and data["revision"]
    return {a["id"]: a for a in data["agents"]}


def test_json_lists_every_agent_with_the_channels_they_handle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _export(capsys)
    assert (code, err) == (0, "")
    agents = _agents(out)
    assert len(agents) == 9
    assert agents["chloe"] == {
        "id": "chloe",
        "name": "Chloé Durand",
        "extension": "1003",
        "queues": [{"queue": "sales", "penalty": 2}],
        "channels": {"chat": {"capacity": 3}, "mail": {"capacity": 5}},
    }
    # iris: sms 4, openchannel 1, and fax listed but disabled: not handled
    assert agents["iris"]["channels"] == {"sms": {"capacity": 4}, "openchannel": {"capacity": 1}}
    assert agents["ann"]["channels"] == {}  # voice only


def test_no_secret_leaves_in_an_export(capsys: pytest.CaptureFixture[str]) -> None:
    _, json_out, _ = _export(capsys)
    _, csv_out, _ = _export(capsys, "--format", "csv")
    for text in (json_out, csv_out):
        assert "pbkdf2" not in text and "pin" not in text and "secret" not in text
        assert "derive" not in text


def test_csv_has_a_row_per_agent_and_enabled_channel(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _export(capsys, "--format", "csv", "--server", "pbx-lyon")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["agent"], r["channel"], r["capacity"], r["queues"]) for r in rows] == [
        ("iris", "sms", "4", "support:2"),
        ("iris", "openchannel", "1", "support:2"),
    ]


def test_server_part_and_unknown_server(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _export(capsys, "--server", "pbx-paris")
    assert code == 0 and sorted(_agents(out)) == ["ann", "bruno", "chloe", "david", "emma"]
    code, out, err = _export(capsys, "--server", "pbx-rome")
    assert code == 1 and out == ""
    assert (
        err == "error: no server named 'pbx-rome' in the inventory (servers: pbx-paris, pbx-lyon)\n"
    )


def test_out_file_and_a_git_revision(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    repo = ExampleRepo(tmp_path, "dir:unused", capsys)
    first = repo.repo.head.commit.hexsha
    repo.edit(
        "agents/sales.yaml",
        "chat: {enabled: true, capacity: 3}",
        "chat: {enabled: true, capacity: 6}",
    )
    repo.commit("chloe takes more chats")
    repo.close()
    out = tmp_path / "channels.json"
    args = ["export", "channels", "--inventory", str(repo.inventory), "--out", str(out)]
    assert main([*args, "--ref", first]) == 0
    assert capsys.readouterr().out == ""
    old = _agents(out.read_text())
    assert main(args) == 0
    new = _agents(out.read_text())
    assert old["chloe"]["channels"]["chat"] == {"capacity": 3}
    assert new["chloe"]["channels"]["chat"] == {"capacity": 6}


def test_channels_are_not_rendered_into_asterisk() -> None:
    # the decision of docs/inventory.md: no Asterisk object comes from them
    inventory = load_inventory(EXAMPLE, use_cache=False)
    text = repr([o.options for o in render(inventory, fake_secret)]).lower()
    assert not any(kind in text for kind in ("whatsapp", "openchannel", "'chat'", "capacity"))


def test_queue_side_members_count_as_the_agents_queues() -> None:

    ann = Agent("ann", "Ann", "1001", "x", SecretRef("env", "X"))
    ann = replace(ann, channels=(ChannelSetting("mail", True, 2),))
    inventory = Inventory(Settings(), (ann,), (), (Queue("vip", members=(QueueMember("ann", 3),)),))
    (agent,) = channels_data(inventory)["agents"]
    assert agent["queues"] == [{"queue": "vip", "penalty": 3}]
    assert agent["channels"] == {"mail": {"capacity": 2}}
