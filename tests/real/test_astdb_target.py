"""The ``ami+astdb://`` target on Asterisk 22 whose sorcery.conf keeps PJSIP objects in AstDB.

A second sandbox, started by this module's fixture the way ``Sandbox.start`` does, then
restarted with ``sorcery.conf`` mapping endpoint, aor, auth and identify to
``res_sorcery_astdb`` (family ``pjsip``): what docs/scaling.md tells an operator to do.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from provisioner.targets.ami.client import Action, AmiClient
from tests.real.sandbox import AMI_SECRET, AMI_USER, Sandbox
from tests.reconciler.cli_helpers import start
from tests.reconciler.test_cli_ami import AmiCli

SORCERY = """[res_pjsip]
endpoint=astdb,pjsip
aor=astdb,pjsip
auth=astdb,pjsip

[res_pjsip_endpoint_identifier_ip]
identify=astdb,pjsip
"""


@pytest.fixture(scope="module")
def astdb_sandbox(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """An Asterisk whose PJSIP objects live in AstDB (``sandbox`` first: it is the one that
    skips, or fails where the real suite is compulsory, when there is no Asterisk)."""
    started = Sandbox.start(tmp_path_factory.mktemp("asterisk-astdb"))
    try:
        (started.etc / "sorcery.conf").write_text(SORCERY)
        started.restart()
        yield started
    finally:
        started.stop()


class AstDbCli(AmiCli):
    timeout = "30"  # a real Asterisk, maybe busy


@pytest.fixture
def cli(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    astdb_sandbox: Sandbox,
) -> Iterator[AstDbCli]:
    cli = start(AstDbCli, tmp_path, capsys, monkeypatch, GITOPS_AMI_SECRET=AMI_SECRET)
    cli.url = astdb_sandbox.ami_url.replace("ami://", "ami+astdb://")
    yield cli
    astdb_sandbox.rx("database deltree pjsip")
    astdb_sandbox.rx("database deltree gitops")


def stored(sandbox: Sandbox, kind: str, name: str) -> dict[str, str]:
    out = sandbox.rx(f"database get pjsip/{kind} {name}")
    value = out.split("Value:", 1)[1].strip()
    fields: dict[str, str] = json.loads(value)
    return fields


def test_apply_keeps_pjsip_objects_in_astdb_and_asterisk_serves_them(
    cli: AstDbCli, astdb_sandbox: Sandbox
) -> None:
    mark = astdb_sandbox.log_size()
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 0, err + out
    assert "Apply complete!" in out  # verified: PJSIPShowEndpoint found each endpoint
    assert stored(astdb_sandbox, "endpoint", "1001")["callerid"] == '"Ann Smith" <1001>'
    shown = astdb_sandbox.rx("pjsip show endpoint 1001")
    assert "Ann Smith" in shown and "1001/1001" in shown.replace(" ", "")  # aor and auth
    assert "[1001]" not in astdb_sandbox.managed_file("pjsip_gitops.conf").read_text()
    assert "Reloading module 'res_pjsip.so'" not in astdb_sandbox.log_text(mark)
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0


def test_one_change_is_live_at_once_without_a_reload(cli: AstDbCli, astdb_sandbox: Sandbox) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    agents = cli.agents()
    agents[0]["name"] = "Ann Smyth"
    cli.save_agents(agents)
    mark = astdb_sandbox.log_size()
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 0, err + out
    assert "Ann Smyth" in astdb_sandbox.rx("pjsip show endpoint 1001")
    assert "Reloading module" not in astdb_sandbox.log_text(mark)
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0


def test_a_value_asterisk_refuses_fails_verification(cli: AstDbCli, astdb_sandbox: Sandbox) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    fields = stored(astdb_sandbox, "endpoint", "1002")
    fields["media_encryption"] = "bogus"  # a hand edit Asterisk cannot load
    put = (("Family", "pjsip/endpoint"), ("Key", "1002"), ("Val", json.dumps(fields)))
    with AmiClient("127.0.0.1", astdb_sandbox.ami_port, AMI_USER, AMI_SECRET) as ami:
        ami.request(Action("DBPut", put))
    assert "Unable to find object 1002" in astdb_sandbox.rx("pjsip show endpoint 1002")
    code, out, _ = cli.ami("plan", "--detailed-exitcode")
    assert code == 2 and "media_encryption: bogus -> no" in out
    assert cli.ami("apply", "--auto-approve")[0] == 0  # made whole again, and live
    assert "Unable to find" not in astdb_sandbox.rx("pjsip show endpoint 1002")
