"""The provisioning loop on the real Asterisk: what apply wrote loads cleanly and is live,
a second plan is empty, hand edits show in drift (issue 9, finding 5) and apply repairs them,
and the files apply wrote over AMI say what manages each category (finding 7)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provisioner.model import SecretRef
from provisioner.render import render
from provisioner.render.objects import EXTENSIONS_FILE, ConfigObject
from provisioner.targets.ami import AmiTarget
from provisioner.targets.ami.client import Action
from provisioner.targets.base import ObjectChange
from tests.real.center import SERVER, Center
from tests.real.sandbox import AMI_SECRET


def _rendered(center: Center) -> tuple[ConfigObject, ...]:
    server = center.inventory.settings.server(SERVER)
    assert server is not None

    def no_secret(ref: SecretRef) -> str:
        return "not-compared"

    return render(center.inventory.for_server(server), no_secret)


def test_apply_loads_the_rendered_files_without_a_warning(center: Center) -> None:
    assert "Apply complete!" in center.apply_output, center.apply_output
    assert center.sandbox.problems(center.apply_log_start, center.setup_log_end) == []


def test_every_rendered_object_is_live(center: Center) -> None:
    objects = _rendered(center)
    ami = center.ami
    aors = {e.get("ObjectName") for e in ami.request(Action("PJSIPShowAors")).events}
    auths = {e.get("ObjectName") for e in ami.request(Action("PJSIPShowAuths")).events}
    identifies: set[str] = set()
    for obj in objects:
        if obj.kind == "endpoint":
            reply = ami.request(Action("PJSIPShowEndpoint", (("Endpoint", obj.name),)))
            identifies |= {e.get("ObjectName") for e in reply.events if "Identify" in e.event}
    for obj in objects:
        if obj.kind == "aor":
            assert obj.name in aors
        elif obj.kind == "auth":
            assert obj.name in auths
        elif obj.kind == "identify":
            assert obj.name in identifies
        elif obj.kind == "queue":
            reply = ami.request(Action("QueueStatus", (("Queue", obj.name),)))
            params = [e for e in reply.events if e.event == "QueueParams"]
            assert [p.get("Strategy") for p in params] == [obj.get("strategy")]
        elif obj.kind == "context":
            shown = center.sandbox.rx(f"dialplan show {obj.name}")
            assert f"[ Context '{obj.name}' created by 'pbx_config' ]" in shown
            for key, value in obj.options:
                name = value.split(",", 1)[0]
                wanted = f"'{name}' =>" if key == "exten" else f"Include =>        '{value}'"
                assert wanted in shown, (obj.name, value)
    kinds = {obj.kind for obj in objects}
    assert {"endpoint", "aor", "auth", "identify", "queue", "context"} <= kinds


def test_a_plan_after_apply_has_nothing_to_do(center: Center) -> None:
    done = center.provisioner("plan", "--detailed-exitcode")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No changes. The target matches the inventory." in done.stdout


def _update(center: Center, *actions: dict[str, str]) -> None:
    """A hand edit of queues_gitops.conf over AMI, as an operator's script would make it."""
    headers = [("SrcFilename", "queues_gitops.conf"), ("DstFilename", "queues_gitops.conf")]
    for number, action in enumerate(actions):
        headers += [(f"{name}-{number:06d}", value) for name, value in action.items()]
    headers.append(("Reload", "app_queue.so"))
    center.ami.request(Action("UpdateConfig", tuple(headers)))


@pytest.fixture
def repaired(center: Center) -> Iterator[Center]:
    """Whatever a test edits by hand is put back: the category it added removed, apply."""
    yield center
    _update(center, {"Action": "DelCat", "Cat": "handmade", "Options": "ignoreerror"})
    done = center.provisioner("apply", "--auto-approve")
    assert done.returncode == 0, done.stdout + done.stderr
    assert center.provisioner("plan", "--detailed-exitcode").returncode == 0


def test_a_hand_edit_shows_in_drift_and_apply_repairs_it(repaired: Center) -> None:
    center = repaired
    _update(center, {"Action": "Update", "Cat": "sales", "Var": "strategy", "Value": "random"})
    drift = center.provisioner("drift")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "applying the recorded revision again would change" in drift.stdout
    assert "strategy: random -> rrmemory" in drift.stdout
    assert center.provisioner("apply", "--auto-approve").returncode == 0
    assert center.provisioner("drift").returncode == 0


def test_drift_of_a_category_added_by_hand_says_so(repaired: Center) -> None:
    center = repaired
    _update(
        center,
        {"Action": "NewCat", "Cat": "handmade"},
        {"Action": "Append", "Cat": "handmade", "Var": "strategy", "Value": "ringall"},
    )
    drift = center.provisioner("drift")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    assert "objects were added to the managed files by hand" in drift.stdout
    assert "! queues_gitops.conf: queue 'handmade'" in drift.stdout
    assert "would change" not in drift.stdout and "No changes. The target" not in drift.stdout


NOTE = "; managed by asterisk-gitops (do not edit here, change the inventory): owner = "


def test_every_live_category_says_it_is_managed_and_by_which_owner(center: Center) -> None:
    """Finding 7, on the files apply wrote over AMI (after the hand edits above and the
    apply that repaired them): the line after each ``[name]`` is the managed-by note."""
    owners = {(o.file, o.name): o.owner for o in _rendered(center)}
    for file in ("pjsip_gitops.conf", "queues_gitops.conf", "extensions_gitops.conf"):
        lines = center.sandbox.managed_file(file).read_text().splitlines()
        headers = [i for i, line in enumerate(lines) if line.startswith("[")]
        assert headers, file
        for index in headers:
            name = lines[index][1:].split("]", 1)[0]
            assert lines[index + 1] == NOTE + owners[(file, name)], (file, name)
        assert sum(line.startswith(NOTE) for line in lines) == len(headers), file


def test_the_note_survives_an_edit_that_deletes_the_first_line(center: Center) -> None:
    before = ConfigObject(EXTENSIONS_FILE, "context", "gitops-note-test", LINES, "test")
    after = ConfigObject(EXTENSIONS_FILE, "context", "gitops-note-test", LINES[1:], "test")
    with AmiTarget(center.sandbox.ami_url, AMI_SECRET, timeout=20) as target:
        target.write([ObjectChange("create", None, before)])
        target.write([ObjectChange("update", before, after)])
        text = center.sandbox.managed_file(EXTENSIONS_FILE).read_text()
        live = [o for o in target.read().objects if o.name == "gitops-note-test"]
        target.write([ObjectChange("delete", after, None)])
    category = text.split("[gitops-note-test]\n", 1)[1].split("\n[", 1)[0]
    assert category.startswith(f"{NOTE}test\n"), category
    assert category.count(NOTE) == 1
    assert [o.options for o in live] == [after.options]  # GetConfig: no trace of the note


LINES = (("exten", "1,1,NoOp(one)"), ("exten", "2,1,NoOp(two)"))
