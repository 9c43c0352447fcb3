"""End to end: the real CLI (plan, apply, drift) against the directory target."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from provisioner.cli import main
from provisioner.targets.directory import LOCK_FILE, STATE_FILE
from tests.reconciler.cli_helpers import ENV, FIXTURES, Cli, start


@pytest.fixture
def cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    return start(Cli, tmp_path, capsys, monkeypatch, "basic")


def test_create_apply_then_plan_shows_no_changes(cli: Cli) -> None:
    first = cli("plan", "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "+ pjsip_gitops.conf: endpoint '1001'" in first.out
    assert "+ queues_gitops.conf: queue 'sales'" in first.out
    applied = cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert "Apply complete!" in applied.out
    assert "[1001]" in cli.config_text()
    again = cli("plan", "--detailed-exitcode")
    assert again.code == 0, again.out
    assert "No changes." in again.out
    state = json.loads((cli.config / STATE_FILE).read_text())
    assert ["pjsip_gitops.conf", "auth", "1001"] in state["managed"]


def test_no_op_apply_writes_nothing(cli: Cli) -> None:
    assert cli("apply", "--auto-approve").code == 0
    stamps = {p.name: p.stat().st_mtime_ns for p in cli.config.iterdir()}
    result = cli("apply", "--auto-approve")
    assert result.code == 0 and "No changes." in result.out
    assert {p.name: p.stat().st_mtime_ns for p in cli.config.iterdir()} == stamps


def test_update_every_kind_of_field(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("apply", "--auto-approve").code == 0
    old_password = cli.passwords()
    agents = cli.agents()
    agents[0]["name"] = "Ann Smyth"  # single value: callerid
    agents[1]["voice"] = {"codecs": ["alaw", "ulaw"]}  # ordered multi-codec value
    agents[2]["queues"] = [{"queue": "support", "penalty": 2}, {"queue": "sales"}]
    cli.save_agents(agents)
    queues = cli.edit("queues.yaml")
    queues["queues"][0]["strategy"] = "rrmemory"  # queue option
    cli.save("queues.yaml", queues)
    monkeypatch.setenv("AGENT_1003_SECRET", "rotated-clear-secret")  # secret only
    settings = cli.edit("settings.yaml")
    settings["settings"]["feature_codes"] = {"login": "*81"}  # dialplan: repeated exten
    cli.save("settings.yaml", settings)
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    assert 'callerid: "Ann Smith" <1001> -> "Ann Smyth" <1001>' in plan.out
    assert "allow: ulaw,alaw -> alaw,ulaw" in plan.out
    assert "strategy: leastrecent -> rrmemory" in plan.out
    assert "password: (sensitive) -> (sensitive)" in plan.out
    assert "rotated-clear-secret" not in plan.out
    assert "~ extensions_gitops.conf: context 'gitops-features'" in plan.out
    assert "        + *81,1," in plan.out and "        - *71,1," in plan.out
    assert cli("apply", "--auto-approve").code == 0
    assert cli("plan", "--detailed-exitcode").code == 0
    assert "rotated-clear-secret" in cli.passwords()
    assert cli.passwords() != old_password


def test_delete_removes_only_what_is_ours(cli: Cli) -> None:
    assert cli("apply", "--auto-approve").code == 0
    handmade = "\n[handmade]\ntype=aor\nmax_contacts=1\n"
    path = cli.config / "pjsip_gitops.conf"
    path.write_text(path.read_text() + handmade)
    cli.save_agents([a for a in cli.agents() if a["id"] != "1002"])
    plan = cli("plan")
    assert "- pjsip_gitops.conf: endpoint '1002'" in plan.out
    assert "- pjsip_gitops.conf: aor '1002'" in plan.out
    assert "! pjsip_gitops.conf: aor 'handmade'" in plan.out
    assert "to destroy" in plan.out
    result = cli("apply", "--auto-approve", "--force")
    assert result.code == 0, result.err
    text = cli.config_text()
    assert "[1002]" not in text and "[handmade]" in text


def test_saved_plan_applies_and_stale_plan_is_refused(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert cli("plan", "--out", str(out)).code == 0
    assert cli("apply", str(out)).code == 0
    assert "[1001]" in cli.config_text()
    # a plan made, then the target edited by hand before apply: refused, nothing written
    agents = cli.agents()
    agents[0]["name"] = "Changed"
    cli.save_agents(agents)
    assert cli("plan", "--out", str(out)).code == 0
    path = cli.config / "queues_gitops.conf"
    path.write_text(path.read_text().replace("strategy=leastrecent", "strategy=random"))
    before = cli.config_text()
    stale = cli("apply", str(out))
    assert stale.code == 1
    assert "the target changed since the plan was made (stale plan)" in stale.err
    assert cli.config_text() == before


def test_saved_plan_refused_when_inventory_changed(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    assert cli("plan", "--out", str(out)).code == 0
    agents = cli.agents()
    agents[0]["name"] = "Changed after review"
    cli.save_agents(agents)
    result = cli("apply", str(out))
    assert result.code == 1
    assert "checksum mismatch" in result.err or "inventory revision" in result.err
    assert not (cli.config / "pjsip_gitops.conf").exists()


def test_threshold_refuses_then_force(cli: Cli) -> None:
    assert cli("apply", "--auto-approve").code == 0
    cli.save_agents(cli.agents()[:1])
    refused = cli("apply", "--auto-approve")
    assert refused.code == 1
    assert "is over 30.00%" in refused.err and "use --force" in refused.err
    assert "[1002]" in cli.config_text()
    assert cli("apply", "--auto-approve", "--force").code == 0
    assert "[1002]" not in cli.config_text()


def test_detailed_exitcode_tells_no_change_safe_change_and_unsafe_change(cli: Cli) -> None:
    # issue 15 item 10: 0 no change, 2 safe change, 3 change the thresholds refuse
    assert cli("apply", "--auto-approve").code == 0
    assert cli("plan", "--detailed-exitcode").code == 0
    agents = cli.agents()
    agents[0]["name"] = "Renamed"
    cli.save_agents(agents)
    safe = cli("plan", "--detailed-exitcode")
    assert (safe.code, safe.err) == (2, "")
    cli.save_agents(agents[:1])  # most agents deleted: over the 30% delete threshold
    unsafe = cli("plan", "--detailed-exitcode")
    assert unsafe.code == 3
    assert "warning:" in unsafe.err and "refusing to delete" in unsafe.err
    assert "Plan:" in unsafe.out  # the plan is still shown in full
    assert cli("plan").code == 0  # without the flag: success, the warning only
    # the thresholds of plan are the ones apply will use
    raised = cli("plan", "--detailed-exitcode", "--max-delete-percent", "100")
    assert (raised.code, raised.err) == (2, "")
    assert cli("apply", "--auto-approve", "--max-delete-percent", "100").code == 0
    assert cli("plan", "--detailed-exitcode").code == 0


def test_lock_taken_refuses_naming_holder(cli: Cli) -> None:
    cli.config.mkdir()
    (cli.config / LOCK_FILE).write_text('{"holder": "ci@runner-7 pid 99", "since": 0}')
    result = cli("apply", "--auto-approve")
    assert result.code == 1
    assert "is locked by ci@runner-7 pid 99" in result.err
    assert not (cli.config / "pjsip_gitops.conf").exists()


def test_apply_needs_approval_off_a_terminal(cli: Cli) -> None:
    result = cli("apply")
    assert result.code == 1
    assert "--auto-approve" in result.err
    assert not (cli.config / "pjsip_gitops.conf").exists()


def test_secrets_never_in_outputs_saved_plan_or_logs(
    cli: Cli, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert cli("apply", "--auto-approve").code == 0
    secrets = cli.passwords()
    assert len(secrets) == 4 and ENV["AGENT_1003_SECRET"] in secrets
    cli.save_agents([a for a in cli.agents() if a["id"] != "1001"])
    out = tmp_path / "plan.json"
    shown = [cli("plan", "--format", fmt, "--out", str(out)).out for fmt in ("text", "json")]
    shown.append(cli("plan", "--format", "markdown").out)
    shown.append(out.read_text())
    shown.append(cli("--debug", "apply", "--auto-approve", "--force").out)
    shown.append(caplog.text)
    for text in shown:
        for secret in secrets:
            assert secret not in text


def test_json_and_markdown_formats(cli: Cli) -> None:
    data = json.loads(cli("plan", "--format", "json").out)
    (target,) = data["targets"]
    assert target["summary"]["add"] == len(target["changes"]) > 0
    md = cli("plan", "--format", "markdown").out
    assert md.startswith("<!-- asterisk-gitops:plan -->")
    assert "```diff" in md


def test_errors_are_one_sentence_exit_1(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = cli("plan", "--detailed-exitcode", target="nowhere:x")
    assert bad.code == 1 and bad.err.startswith("error: unknown target 'nowhere:x'")
    monkeypatch.delenv("AGENT_1003_SECRET")
    missing = cli("plan", "--detailed-exitcode")
    assert missing.code == 1 and "AGENT_1003_SECRET" in missing.err
    assert len(missing.err.strip().splitlines()) == 1
    ami = cli("plan", target="ami://gitops@127.0.0.1:1")
    assert ami.code == 1 and "GITOPS_AMI_SECRET" in ami.err


def test_unparsable_target_file_is_reported(cli: Cli) -> None:
    cli.config.mkdir()
    (cli.config / "queues_gitops.conf").write_text("[broken\n")
    result = cli("plan")
    assert result.code == 1
    assert f"dir:{cli.config}" in result.err and "queues_gitops.conf" in result.err


def test_all_needs_servers(cli: Cli) -> None:
    result = cli("plan", target="all")
    assert result.code == 1 and "settings.servers" in result.err


class _Terminal:
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "code", "written"), [("yes", 0, True), ("no", 1, False)])
def test_apply_asks_on_a_terminal(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, answer: str, code: int, written: bool
) -> None:
    asked: list[str] = []
    monkeypatch.setattr("sys.stdin", _Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or answer)
    result = cli("apply")
    assert result.code == code
    assert len(asked) == 1 and "Only 'yes' will be accepted" in result.out
    assert (cli.config / "pjsip_gitops.conf").exists() is written
    if not written:
        assert "apply cancelled: nothing was changed" in result.err


def test_an_object_recorded_as_unverified_is_written_again_until_verified(cli: Cli) -> None:
    assert cli("apply", "--auto-approve").code == 0
    path = cli.config / STATE_FILE
    state = json.loads(path.read_text())
    state["unverified"] = [["pjsip_gitops.conf", "auth", "1001"]]
    path.write_text(json.dumps(state))
    plan = cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    assert "~ pjsip_gitops.conf: auth '1001' (not loaded by Asterisk: " in plan.out
    assert "password" not in plan.out and not any(p in plan.out for p in cli.passwords())
    applied = cli("apply", "--auto-approve")
    assert applied.code == 0 and "1 change(s) written" in applied.out, applied.err
    assert "unverified" not in json.loads(path.read_text())
    assert cli("plan", "--detailed-exitcode").code == 0


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run from ``tmp_path`` (no ./inventory there) with the test secrets; the target args."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return ["--target", f"dir:{tmp_path / 'cfg'}"]


def test_a_saved_plan_remembers_its_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], elsewhere: list[str]
) -> None:
    shutil.copytree(FIXTURES / "basic", tmp_path / "infra" / "inv")
    target = elsewhere
    assert main(["plan", "--inventory", "infra/inv", *target, "--out", "plan.json"]) == 0
    saved = json.loads((tmp_path / "plan.json").read_text())
    assert saved["options"]["inventory"] == "infra/inv"
    capsys.readouterr()
    assert main(["apply", "plan.json"]) == 0, capsys.readouterr().err  # no ./inventory here
    assert "[1001]" in (tmp_path / "cfg" / "pjsip_gitops.conf").read_text()


def test_a_saved_plan_is_refused_for_another_inventory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], elsewhere: list[str]
) -> None:
    shutil.copytree(FIXTURES / "basic", tmp_path / "reviewed")
    shutil.copytree(FIXTURES / "basic", tmp_path / "other")
    target = elsewhere
    assert main(["plan", "--inventory", "reviewed", *target, "--out", "plan.json"]) == 0
    capsys.readouterr()
    assert main(["apply", "plan.json", "--inventory", "other"]) == 1
    err = capsys.readouterr().err
    assert "plan.json was made from the inventory reviewed, not other" in err
    assert not (tmp_path / "cfg" / "pjsip_gitops.conf").exists()
    assert main(["apply", "plan.json", "--inventory", str(tmp_path / "reviewed")]) == 0
