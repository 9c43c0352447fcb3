"""The ``ami+astdb://`` target: PJSIP objects kept in AstDB by sorcery, on the fake Asterisk
in its sorcery_astdb mode (tests/real/test_astdb_target.py runs the same on Asterisk 22)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from provisioner.model import Inventory, SecretRef
from provisioner.render import render
from provisioner.render.objects import ConfigObject
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.cli_helpers import start
from tests.reconciler.test_cli_ami import AMI_SECRET, PJSIP, AmiCli

ENDPOINT = "/pjsip/endpoint/1001"


@pytest.fixture
def astdb_server() -> Iterator[FakeAmiServer]:
    with FakeAmiServer(FakeAsterisk(sorcery_astdb="pjsip")) as server:
        yield server


@pytest.fixture
def cli(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    astdb_server: FakeAmiServer,
) -> AmiCli:
    cli = start(AmiCli, tmp_path, capsys, monkeypatch, GITOPS_AMI_SECRET=AMI_SECRET)
    cli.url = astdb_server.url.replace("ami://", "ami+astdb://")
    return cli


def actions(server: FakeAmiServer, since: int = 0) -> list[str]:
    return [action.lower() for action, _ in server.requests[since:]]


def test_pjsip_objects_go_to_astdb_live_without_a_reload(
    cli: AmiCli, astdb_server: FakeAmiServer
) -> None:
    ast = astdb_server.asterisk
    booted = len(ast.reloads)
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 0, err + out
    assert json.loads(ast.astdb[ENDPOINT])["callerid"] == '"Ann Smith" <1001>'
    assert "type" not in json.loads(ast.astdb["/pjsip/auth/1001"])  # the family says it
    assert "1001" not in ast.config_text("pjsip_gitops.conf")  # the file is not used
    # queues and dialplan stay in files, reloaded; PJSIP objects need no reload
    assert ast.reloads[booted:] == ["app_queue.so", "pbx_config.so"]
    assert ast.pjsip_object("endpoint", "1001") is not None  # verified live
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0


def test_one_change_is_one_dbput_and_no_reload(cli: AmiCli, astdb_server: FakeAmiServer) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    agents = cli.agents()
    agents[0]["name"] = "Ann Smyth"
    cli.save_agents(agents)
    before = len(astdb_server.requests)
    code, _, err = cli.ami("apply", "--auto-approve")
    assert code == 0, err
    sent = actions(astdb_server, before)
    puts = [h["Family"] for a, h in astdb_server.requests[before:] if a.lower() == "dbput"]
    assert [f for f in puts if f.startswith("pjsip")] == ["pjsip/endpoint"]
    assert "updateconfig" not in sent and "reload" not in sent
    ast = astdb_server.asterisk
    assert json.loads(ast.astdb[ENDPOINT])["callerid"] == '"Ann Smyth" <1001>'
    # under the lock, only the agent's objects were read again: one DBGet per kind
    assert sent.count("dbget") >= 4 and sent.count("getconfig") == 2  # queues, dialplan


def test_a_field_given_twice_is_refused_before_anything_is_written(
    cli: AmiCli, astdb_server: FakeAmiServer
) -> None:
    agents = cli.agents()
    agents[1]["voice"] = {"chanspy": True}  # set_var GITOPS_MANAGED and set_var SPYGROUP
    cli.save_agents(agents)
    code, _, err = cli.ami("apply", "--auto-approve")
    assert code == 1
    assert "endpoint 1002 cannot be kept in AstDB: it gives set_var more than once" in err
    assert "nothing written" in err
    assert not [k for k in astdb_server.asterisk.astdb if k.startswith("/pjsip/")]


def test_an_object_asterisk_cannot_load_is_reported_and_kept_unverified(
    cli: AmiCli, astdb_server: FakeAmiServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def render_with_a_bad_value(
        inventory: Inventory, secret: Callable[[SecretRef], str]
    ) -> tuple[ConfigObject, ...]:
        def bad(option: tuple[str, str]) -> tuple[str, str]:
            return ("media_encryption", "bogus") if option[0] == "media_encryption" else option

        return tuple(
            replace(o, options=tuple(map(bad, o.options)))
            if o.key == (PJSIP, "endpoint", "1003")
            else o
            for o in render(inventory, secret)
        )

    monkeypatch.setattr("provisioner.apply.render", render_with_a_bad_value)
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 1 and "Apply FAILED" in out, err
    assert "failed: pjsip_gitops.conf: endpoint '1003'" in err
    assert astdb_server.asterisk.pjsip_object("endpoint", "1003") is None
    assert astdb_server.asterisk.pjsip_object("endpoint", "1001") is not None
    plan = cli.ami("plan", "--detailed-exitcode")
    assert (
        plan[0] == 2 and "~ pjsip_gitops.conf: endpoint '1003' (not loaded by Asterisk" in plan[1]
    )


def test_hand_made_and_hand_edited_keys(cli: AmiCli, astdb_server: FakeAmiServer) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    ast = astdb_server.asterisk
    ast.db_put("pjsip/endpoint", "handmade", '{"context":"x"}')
    fields = json.loads(ast.astdb[ENDPOINT])
    ast.db_put("pjsip/endpoint", "1001", json.dumps({**fields, "context": "elsewhere"}))
    code, out, _ = cli.ami("plan", "--detailed-exitcode")
    assert code == 2
    assert "~ pjsip_gitops.conf: endpoint '1001'" in out and "context: elsewhere -> " in out
    assert "! pjsip_gitops.conf: endpoint 'handmade'" in out
    assert cli.ami("apply", "--auto-approve")[0] == 0
    assert json.loads(ast.astdb[ENDPOINT])["context"] != "elsewhere"
    assert "/pjsip/endpoint/handmade" in ast.astdb  # not ours: left alone


def test_a_deleted_agent_is_a_dbdel(cli: AmiCli, astdb_server: FakeAmiServer) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    cli.save_agents(cli.agents()[1:])
    assert cli.ami("apply", "--auto-approve")[0] == 0
    assert not [k for k in astdb_server.asterisk.astdb if k.endswith("/1001")]
