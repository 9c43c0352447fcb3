"""`provisioner agents` (the live table once, over AMI) and `provisioner new-token`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from provisioner.cli import main
from provisioner.inventory.pins import hash_token
from tests.example import copy_example
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk

ANN = "Local/ann@gitops-agents"


@pytest.fixture
def paris(
    tmp_path: Path,
    ami_server: FakeAmiServer,
    fake_asterisk: FakeAsterisk,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    monkeypatch.setenv("PBX_PARIS_AMI_SECRET", "gitops-secret")
    monkeypatch.setenv("GITOPS_MASTER_KEY", "example-not-secret")
    fake_asterisk.set_config_text("queues_gitops.conf", "[sales]\n")
    fake_asterisk.reload(None)
    return copy_example(tmp_path / "inventory", targets={"pbx-paris": ami_server.url})


def test_agents_prints_the_live_table(
    paris: Path, fake_asterisk: FakeAsterisk, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_asterisk.queue_add(
        "sales", ANN, member_name="Ann Martin", state_interface="PJSIP/desk-paris-101"
    )
    fake_asterisk.queue_pause(None, ANN, True, "lunch")
    for key, value in (
        ("since", "1800000000"),
        ("interface", "phone"),
        ("phone", "desk-paris-101"),
    ):
        fake_asterisk.db_put("gitops/agent/ann", key, value)
    code = main(["agents", "--inventory", str(paris), "--server", "pbx-paris", "--format", "json"])
    rows = {r["agent"]: r for r in json.loads(capsys.readouterr().out)["agents"]}
    assert code == 0
    assert sorted(rows) == ["ann", "bruno", "chloe", "david", "emma"]  # pbx-paris's agents
    ann = rows["ann"]
    assert (ann["state"], ann["reason"], ann["phone"], ann["since"]) == (
        "paused",
        "lunch",
        "desk-paris-101",
        1800000000,
    )
    assert rows["bruno"]["state"] == "logged_out"
    assert main(["agents", "--inventory", str(paris), "--server", "pbx-paris"]) == 0
    text = capsys.readouterr().out.splitlines()
    assert text[0].split() == [
        "AGENT",
        "SERVER",
        "STATE",
        "WHERE",
        "PAUSED",
        "LOGGED",
        "IN",
        "PENDING",
    ]
    assert text[1].split()[:5] == ["ann", "pbx-paris", "paused", "phone", "desk-paris-101"]


def test_agents_refuses_an_unknown_server(paris: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["agents", "--inventory", str(paris), "--server", "nowhere"]) == 1
    assert "no ami:// server of that name" in capsys.readouterr().err


def test_new_token_prints_a_token_and_its_hash(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-token"]) == 0
    token_line, hash_line = capsys.readouterr().out.splitlines()
    token = token_line.removeprefix("token: ")
    assert token.startswith("gitops_") and len(token) > 40
    assert hash_line.split() == ["hash:", hash_token(token)]
