"""End to end: the real CLI (plan, apply, drift) against the AMI protocol fake."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import git
import pytest

from provisioner.model import Inventory, SecretRef
from provisioner.render import render
from provisioner.render.objects import ConfigObject
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.ami_helpers import closed_port
from tests.reconciler.cli_helpers import Cli, start

AMI_SECRET = "gitops-secret"
PJSIP = "pjsip_gitops.conf"
QUEUES = "queues_gitops.conf"
LOCAL = "Local/{}@gitops-agents"


class AmiCli(Cli):
    url = ""
    timeout = "2"

    def ami(self, *args: str) -> tuple[int, str, str]:
        result = self(*args, "--timeout", self.timeout, target=self.url)
        return result.code, result.out, result.err


@pytest.fixture
def cli(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    ami_server: FakeAmiServer,
) -> AmiCli:
    cli = start(AmiCli, tmp_path, capsys, monkeypatch, GITOPS_AMI_SECRET=AMI_SECRET)
    cli.url = ami_server.url
    return cli


def _writes(server: FakeAmiServer) -> list[str]:
    return [a for a, _ in server.requests if a.lower() in {"updateconfig", "reload", "dbput"}]


def test_create_verify_and_idempotence(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    code, out, err = cli.ami("plan", "--detailed-exitcode")
    assert code == 2, err
    assert "+ pjsip_gitops.conf: endpoint '1001'" in out
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 0, err
    assert "Apply complete!" in out
    assert fake_asterisk.endpoint("1001") is not None
    assert fake_asterisk.queue("sales") is not None
    ami_server.requests.clear()
    code, out, _ = cli.ami("plan", "--detailed-exitcode")
    assert code == 0 and "No changes." in out
    code, _, _ = cli.ami("apply", "--auto-approve")
    assert code == 0
    assert _writes(ami_server) == []  # a no-op apply writes nothing, reloads nothing


def test_update_and_delete_same_named_objects(cli: AmiCli, fake_asterisk: FakeAsterisk) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    agents = cli.agents()
    agents[0]["name"] = "Ann Smyth"
    agents[1]["voice"] = {"codecs": ["alaw", "ulaw"]}
    cli.save_agents([agents[0], agents[1]])  # 1003 deleted
    code, out, err = cli.ami("plan")
    assert 'callerid: "Ann Smith" <1001> -> "Ann Smyth" <1001>' in out
    assert "- pjsip_gitops.conf: aor '1003'" in out
    code, out, err = cli.ami("apply", "--auto-approve", "--force")
    assert code == 0, err
    text = fake_asterisk.config_text(PJSIP)
    assert "Ann Smyth" in text and "[1003]" not in text
    assert text.count("[1001]") == 3  # endpoint, aor and auth named alike, all kept
    assert fake_asterisk.endpoint("1003") is None
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0


def test_verification_failure_when_asterisk_drops_an_object(
    cli: AmiCli,
    ami_server: FakeAmiServer,
    fake_asterisk: FakeAsterisk,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def render_with_a_bad_value(
        inventory: Inventory, secret: Callable[[SecretRef], str]
    ) -> tuple[ConfigObject, ...]:
        # what a renderer bug or an option Asterisk no longer accepts would produce
        return tuple(
            replace(o, options=(*o.options, ("media_encryption", "bogus")))
            if o.key == (PJSIP, "endpoint", "1003")
            else o
            for o in render(inventory, secret)
        )

    monkeypatch.setattr("provisioner.apply.render", render_with_a_bad_value)
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 1
    assert "Apply FAILED" in out
    assert "failed: pjsip_gitops.conf: endpoint '1003'" in err
    assert fake_asterisk.endpoint("1003") is None
    assert fake_asterisk.endpoint("1001") is not None
    # not forgotten: until Asterisk holds it, every plan shows it and every apply fails
    code, out, err = cli.ami("plan", "--detailed-exitcode")
    assert code == 2, err
    assert "~ pjsip_gitops.conf: endpoint '1003' (not loaded by Asterisk: " in out
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in out
    (change,) = json.loads(cli.ami("plan", "--format", "json")[1])["targets"][0]["changes"]
    assert change["reason"].startswith("not loaded by Asterisk") and change["fields"] == []
    ami_server.requests.clear()
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 1 and "Apply FAILED" in out
    assert "failed: pjsip_gitops.conf: endpoint '1003'" in err
    assert [a for a in _writes(ami_server) if a != "DBPut"] == ["UpdateConfig", "Reload"]
    assert cli.ami("plan", "--detailed-exitcode")[0] == 2
    monkeypatch.setattr("provisioner.apply.render", render)  # fixed: Asterisk loads it
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 0 and "Apply complete!" in out, err
    assert fake_asterisk.endpoint("1003") is not None
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0


def test_live_queue_members_follow_the_inventory(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    fake_asterisk.queue_add("sales", LOCAL.format("1001"), penalty=1, paused=True, reason="lunch")
    fake_asterisk.queue_add("support", LOCAL.format("1001"))
    fake_asterisk.queue_add("sales", LOCAL.format("1002"))
    fake_asterisk.queue_add("support", LOCAL.format("1003"), penalty=2)
    fake_asterisk.queue_add("support", "PJSIP/someone-else")
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0  # pause state is not drift
    agents = cli.agents()
    agents[0]["queues"] = [{"queue": "sales", "penalty": 4}]  # left support, new penalty
    cli.save_agents([agents[0], agents[2]])  # 1002 deleted
    code, out, err = cli.ami("plan", "--detailed-exitcode")
    assert code == 2, err
    assert "penalty 4 for Local/1001@gitops-agents in queue sales" in out
    assert "remove Local/1001@gitops-agents from queue support" in out
    assert "remove Local/1002@gitops-agents from queue sales" in out
    assert cli.ami("apply", "--auto-approve", "--force")[0] == 0
    sales = {m.interface: m for m in fake_asterisk.members("sales")}
    support = {m.interface for m in fake_asterisk.members("support")}
    assert set(sales) == {LOCAL.format("1001")} and sales[LOCAL.format("1001")].penalty == 4
    assert sales[LOCAL.format("1001")].paused  # runtime state untouched
    assert support == {LOCAL.format("1003"), "PJSIP/someone-else"}


def test_stale_saved_plan_is_refused(
    cli: AmiCli, fake_asterisk: FakeAsterisk, tmp_path: Path
) -> None:
    out = str(tmp_path / "plan.json")
    assert cli.ami("plan", "--out", out)[0] == 0
    fake_asterisk.set_config_text(QUEUES, "[handmade]\nstrategy=ringall\n")
    code, _, err = cli.ami("apply", out)
    assert code == 1 and "stale plan" in err
    assert fake_asterisk.config_text(PJSIP).strip() == ""


def test_lock_held_elsewhere_is_refused(cli: AmiCli, fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.db_put("gitops/state", "lock", f"{int(time.time()) + 600} t0k ci@other pid 5")
    code, _, err = cli.ami("apply", "--auto-approve")
    assert code == 1 and "ci@other pid 5" in err
    assert fake_asterisk.config_text(PJSIP).strip() == ""


def test_drift_after_a_hand_edit(cli: AmiCli, fake_asterisk: FakeAsterisk) -> None:
    repo = git.Repo.init(cli.root)
    repo.git.add("inventory")
    actor = git.Actor("Test", "test@example.invalid")
    repo.index.commit("inventory", author=actor, committer=actor)
    assert cli.ami("apply", "--auto-approve")[0] == 0
    assert cli.ami("drift")[0] == 0
    text = fake_asterisk.config_text(QUEUES)
    text = text.replace("strategy = leastrecent", "strategy = random")
    fake_asterisk.set_config_text(QUEUES, text)
    code, out, _ = cli.ami("drift")
    assert code == 2 and "strategy: random -> leastrecent" in out


def test_failures_are_one_sentence_naming_the_target(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    def failure() -> str:
        code, out, err = cli.ami("apply", "--auto-approve")
        assert code == 1, out
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ")
        assert fake_asterisk.config_text(PJSIP).strip() == ""  # nothing half-applied
        return err

    url = cli.url
    cli.url = f"ami://gitops@127.0.0.1:{closed_port()}"
    assert "is unreachable" in failure()
    cli.url = url
    ami_server.faults.refuse_login()
    assert f"{url} refused the login" in failure()
    ami_server.faults.clear()
    ami_server.faults.fail_update_config("Save of config failed")
    assert "Save of config failed" in failure()
    ami_server.faults.clear()
    ami_server.faults.delay("GetConfig", 0.6)
    cli.timeout = "0.2"
    assert "did not answer GetConfig within 0.2 s" in failure()
    cli.timeout = "2"
    ami_server.faults.clear()
    with fake_asterisk.lock:
        del fake_asterisk.files[QUEUES]
    assert QUEUES in failure()


def test_secrets_never_in_ami_logs_or_outputs(
    cli: AmiCli, fake_asterisk: FakeAsterisk, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 0, err
    secrets = [
        line.split("=", 1)[1]
        for line in fake_asterisk.config_text(PJSIP).splitlines()
        if line.startswith("password")
    ]
    assert len(secrets) == 4
    shown = out + err + caplog.text + cli.ami("plan", "--format", "json")[1]
    for secret in [*secrets, AMI_SECRET]:
        assert secret not in shown


def test_two_servers_each_get_their_part_concurrently(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = FakeAsterisk(), FakeAsterisk()
    with FakeAmiServer(first) as pbx1, FakeAmiServer(second) as pbx2:
        secrets = {"PBX1_SECRET": AMI_SECRET, "PBX2_SECRET": AMI_SECRET}
        cli = start(Cli, tmp_path, capsys, monkeypatch, "two-servers", **secrets)
        settings = cli.edit("settings.yaml")
        servers = settings["settings"]["servers"]
        servers[0].update(target=pbx1.url, secret_env="PBX1_SECRET")
        servers[1].update(target=pbx2.url, secret_env="PBX2_SECRET")
        cli.save("settings.yaml", settings)
        result = cli("apply", "--auto-approve", target="all")
        assert result.code == 0, result.err
        assert first.endpoint("1001") is not None and first.endpoint("1003") is None
        assert second.endpoint("1003") is not None and second.endpoint("1001") is None
        assert first.queue("sales") is not None and second.queue("sales") is None
        assert cli("plan", "--detailed-exitcode", target="all").code == 0


def test_a_member_logged_in_on_a_deleted_phone_is_removed(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    on_desk = LOCAL.format("1001")
    fake_asterisk.queue_add("sales", on_desk, state_interface="PJSIP/desk-101", penalty=1)
    fake_asterisk.queue_add("sales", LOCAL.format("1002"), state_interface="PJSIP/1002")
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0  # both devices exist
    cli.save("phones.yaml", {"phones": []})
    code, out, err = cli.ami("plan", "--detailed-exitcode")
    assert code == 2, err
    assert "- pjsip_gitops.conf: endpoint 'desk-101'" in out
    assert (
        f"- remove {on_desk} from queue sales: agent 1001 is logged in on PJSIP/desk-101, "
        "which is no longer in the inventory (Asterisk never rings it)"
    ) in out
    assert "Local/1002" not in out
    assert cli.ami("apply", "--auto-approve", "--force")[0] == 0
    assert {m.interface for m in fake_asterisk.members("sales")} == {LOCAL.format("1002")}
    code, out, err = cli.ami("plan", "--detailed-exitcode")
    assert code == 0, out + err
