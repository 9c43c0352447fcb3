"""provisioner dump against the real Asterisk 22: the round trip and a hand-written takeover.

1. Apply the example inventory (pbx-paris' part), dump it over AMI, validate the dump, plan
   it against the same Asterisk: no change to any PJSIP object or queue (the dialplan holds
   what PJSIP does not: recordings, spy permissions, mobile numbers; the report says so).
   Apply it, plan again: nothing left.
2. A hand-written configuration (templates, an include, a value PJSIP refuses) loaded in the
   sandbox: dumped over AMI and from the config directory alike, then taken over as
   docs/adopt.md says (managed files rendered beside, the hand-written include removed, one
   reload): every endpoint stays loaded and plan finds nothing to change.

Each test starts from empty managed files and no gitops AstDB tree, and leaves the sandbox as
it found it (config files, AstDB's gitops tree).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from provisioner.cli import main
from provisioner.inventory import load_inventory
from provisioner.inventory.secrets import missing_secrets, resolve_secret
from provisioner.model import NO_SOURCE
from provisioner.targets.ami.client import Action
from tests.real.runtime import ami, db_put
from tests.real.sandbox import AMI_SECRET, MANAGED, Sandbox

EXAMPLE = Path(__file__).resolve().parents[2] / "inventory"
TOUCHED = ("pjsip.conf", "queues.conf", *MANAGED)
HAND_PJSIP = """\
; written by hand, years ago
[agent-tpl](!)
type=endpoint
context=from-sip
disallow=all
allow=ulaw,alaw
rtp_symmetric=yes
force_rport=yes
rewrite_contact=yes
direct_media=no
[agent-aor](!)
type=aor
max_contacts=1
remove_existing=yes
qualify_frequency=60

[ann](agent-tpl)
callerid="Ann Martin" <1001>
auth=ann
aors=ann
[ann](agent-aor)
[ann]
type=auth
auth_type=userpass
username=ann
password=Ann-Hand-Pw-1

[bob](agent-tpl)
callerid="Bob Stone" <1002>
allow=!alaw,g722
auth=bob
aors=bob
[bob](agent-aor)
[bob]
type=auth
auth_type=userpass
username=bob
password=Bob-Hand-Pw-2

[desk-7](agent-tpl)
callerid="Desk 7" <207>
auth=desk-7
aors=desk-7
[desk-7](agent-aor)
[desk-7]
type=auth
auth_type=userpass
username=desk-7
password=Desk-Hand-Pw-7

; a typo: PJSIP drops this endpoint at load
[broken](agent-tpl)
callerid="Bro Ken" <1009>
media_encryption=bogus
"""
HAND_QUEUES = (
    "[sales]\nstrategy=rrmemory\ntimeout=20\nmember => PJSIP/ann,0\nmember => PJSIP/bob,1\n"
)
PASSWORDS = {"ann": "Ann-Hand-Pw-1", "bob": "Bob-Hand-Pw-2", "desk-7": "Desk-Hand-Pw-7"}


@pytest.fixture
def fresh(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The sandbox with empty managed files and no gitops AstDB tree (other tests leave what
    they applied), put back as it was after the test (files, AstDB, loaded modules)."""
    saved = {name: (sandbox.etc / name).read_text() for name in TOUCHED}
    with ami(sandbox) as client:
        reply = client.request(Action("DBGetTree", (("Family", "gitops"),)), check=False)
    tree = [(e.get("Key"), e.get("Val")) for e in reply.events if e.event == "DBGetTreeResponse"]
    for name in MANAGED:
        (sandbox.etc / name).write_text("")
    sandbox.rx("database deltree gitops")
    _reload(sandbox)
    try:
        yield sandbox
    finally:
        for name, text in saved.items():
            (sandbox.etc / name).write_text(text)
        for extra in ("pjsip_hand.conf", "queues_hand.conf"):
            (sandbox.etc / extra).unlink(missing_ok=True)
        sandbox.rx("database deltree gitops")
        with ami(sandbox) as client:
            for key, value in tree:
                family, _, name = key.strip("/").rpartition("/")
                db_put(client, family, name, value)
        _reload(sandbox)


def _reload(sandbox: Sandbox) -> None:
    for command in ("module reload res_pjsip.so", "module reload app_queue.so", "dialplan reload"):
        sandbox.rx(command)


def _live_endpoints(sandbox: Sandbox) -> set[str]:
    with ami(sandbox) as client:
        reply = client.request(Action("PJSIPShowEndpoints"))
    return {e.get("ObjectName") for e in reply.events if e.event == "EndpointList"}


def _plan(inventory: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(["plan", "--inventory", str(inventory), "--target", "pbx", "--format", "json"]) == 0
    [target] = json.loads(capsys.readouterr().out)["targets"]
    changes: list[dict[str, object]] = target["changes"]
    return changes


def _env_name(device_id: str) -> str:
    return "SIP_" + re.sub(r"[^A-Za-z0-9]", "_", device_id).upper()


def test_an_applied_inventory_dumps_back_to_the_same_pjsip_objects_and_queues(
    fresh: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("GITOPS_MASTER_KEY", "example-not-secret")
    monkeypatch.setenv("PBX_PARIS_AMI_SECRET", AMI_SECRET)
    monkeypatch.setenv("GITOPS_AMI_SECRET", AMI_SECRET)
    url = fresh.ami_url
    applied = ["--target", url, "--server", "pbx-paris", "--auto-approve"]
    assert main(["apply", "--inventory", str(EXAMPLE), *applied]) == 0
    out = tmp_path / "dumped"
    dump = ["dump", "--target", url, "--server", "pbx", "--out", str(out), "--secrets", "env"]
    assert main(dump) == 0
    report = (out / "dump-report.txt").read_text()
    assert "(0)\n(none)" in report.split("== Options with no inventory setting")[1][:120]
    assert "(0)\n(none)" in report.split("== Changes when the managed")[1][:120]
    # only the dialplan holds them (in the order of the file: the AMI target fills each
    # UpdateConfig first fit, so a small context may be made before a large one)
    (contexts,) = [line for line in report.splitlines() if line.startswith("contexts gitops-")]
    assert {"gitops-agents", "gitops-extensions"} <= set(contexts.split(";")[0][9:].split(", "))

    example = load_inventory(EXAMPLE, use_cache=False)
    paris = example.for_server(example.settings.servers[0])
    dumped = load_inventory(out, use_cache=False)
    assert [a.id for a in dumped.agents] == [a.id for a in paris.agents]
    assert [p.id for p in dumped.phones] == [p.id for p in paris.phones]
    # a queue's numbers and Queue() options live in the dialplan (gitops-queues), not read back
    in_dialplan = {"number": None, "extra_numbers": (), "max_wait": 0, "caller_hears": "music"}
    bare = [replace(q, members=(), source=NO_SOURCE, **in_dialplan) for q in paris.queues]
    assert [replace(q, members=(), source=NO_SOURCE) for q in dumped.queues] == bare
    for device in (*paris.agents, *paris.phones):  # today's passwords, from outside git
        monkeypatch.setenv(_env_name(device.id), resolve_secret(device.secret, example.settings))
    assert missing_secrets(dumped, root=out) == []
    assert main(["validate", "--inventory", str(out)]) == 0

    changes = _plan(out, capsys)
    assert changes, "the dialplan differs: recordings, spy and mobile numbers are not in PJSIP"
    assert {c["file"] for c in changes} == {"extensions_gitops.conf"}
    assert main(["apply", "--inventory", str(out), "--target", "pbx", "--auto-approve"]) == 0
    capsys.readouterr()
    assert main(["plan", "--inventory", str(out), "--target", "pbx", "--detailed-exitcode"]) == 0


def test_a_hand_written_configuration_is_taken_over_without_a_change(
    fresh: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    etc = fresh.etc
    (etc / "pjsip_hand.conf").write_text(HAND_PJSIP)
    (etc / "queues_hand.conf").write_text(HAND_QUEUES)
    for main_file, hand in (("pjsip.conf", "pjsip_hand.conf"), ("queues.conf", "queues_hand.conf")):
        text = (etc / main_file).read_text()
        (etc / main_file).write_text(f"{text}\n#tryinclude {hand}\n")
    _reload(fresh)
    before = _live_endpoints(fresh)
    assert {"ann", "bob", "desk-7"} <= before and "broken" not in before
    monkeypatch.setenv("GITOPS_AMI_SECRET", AMI_SECRET)
    secrets = tmp_path / "secrets" / "sip.yaml"  # outside any git repository
    over_ami, from_dir = tmp_path / "ami", tmp_path / "dir"
    common = ["--server", "pbx", "--secrets", f"file:{secrets}"]
    assert main(["dump", "--target", fresh.ami_url, "--out", str(over_ami), *common]) == 0
    assert main(["dump", "--target", f"dir:{etc}", "--out", str(from_dir), *common]) == 0
    ami_report = (over_ami / "dump-report.txt").read_text()
    assert "endpoint broken (pjsip.conf); not loaded by Asterisk" in ami_report
    assert (
        "Ann-Hand-Pw" not in ami_report
        and "Ann-Hand-Pw" not in (from_dir / "dump-report.txt").read_text()
    )
    by_ami, by_dir = (load_inventory(d, use_cache=False) for d in (over_ami, from_dir))
    assert [a.id for a in by_ami.agents] == ["ann", "bob"]
    assert [p.id for p in by_ami.phones] == ["desk-7"]
    assert [(a.id, a.voice, a.queues) for a in by_ami.agents] == [
        (a.id, a.voice, a.queues) for a in by_dir.agents if a.id != "broken"
    ]

    # docs/adopt.md: passwords filled outside git, managed files rendered beside the
    # hand-written ones, the hand-written include removed, one reload
    secrets.parent.mkdir()
    secrets.write_text("".join(f"{k}: {v}\n" for k, v in PASSWORDS.items()))
    secrets.chmod(0o600)
    assert missing_secrets(by_ami, root=over_ami) == []
    assert main(["render", "--inventory", str(over_ami), "--out", str(etc)]) == 0
    for main_file, hand in (("pjsip.conf", "pjsip_hand.conf"), ("queues.conf", "queues_hand.conf")):
        text = (etc / main_file).read_text().replace(f"#tryinclude {hand}\n", "")
        (etc / main_file).write_text(text)
    since = fresh.log_size()
    _reload(fresh)
    assert _live_endpoints(fresh) == before
    assert not [p for p in fresh.problems(since) if "duplicate" in p or "ann" in p]
    assert _plan(over_ami, capsys) == []
