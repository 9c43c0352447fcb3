"""One change on the real Asterisk: under the lock apply reads again only what the plan
touches (``GetConfig`` with a ``Category``) and refuses the plan if that changed meanwhile."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from provisioner.apply import apply_job, approved_from, plan_job, renderer
from provisioner.errors import PlanError
from provisioner.inventory import load_inventory
from provisioner.safety import Thresholds
from provisioner.targets import Job
from provisioner.targets.ami import AmiTarget
from provisioner.targets.ami.client import Action, AmiClient
from tests.real.sandbox import AMI_SECRET, AMI_USER, MANAGED, Sandbox
from tests.reconciler.cli_helpers import ENV, FIXTURES


@pytest.fixture
def clean(sandbox: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox, given back with its managed files and record as they were."""
    before = {name: sandbox.managed_file(name).read_text() for name in MANAGED}
    try:
        yield sandbox
    finally:
        for name, text in before.items():
            sandbox.managed_file(name).write_text(text)
        sandbox.rx("database deltree gitops")
        for module in ("res_pjsip.so", "app_queue.so", "pbx_config.so"):
            sandbox.rx(f"module reload {module}")


def job(sandbox: Sandbox, renamed: str | None = None) -> Job:
    inventory = load_inventory(Path(FIXTURES / "basic"), use_cache=False)
    if renamed is not None:
        agents = (replace(inventory.agents[0], name=renamed), *inventory.agents[1:])
        inventory = replace(inventory, agents=agents)
    target = AmiTarget(sandbox.ami_url, AMI_SECRET, timeout=30)
    return Job(target.name, target, inventory)


def apply(work: Job, monkeypatch: pytest.MonkeyPatch) -> None:
    """Apply ``work`` (forced: the shared sandbox holds whatever the last test applied)."""
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    plan = plan_job(work, renderer())
    approved = approved_from(plan)
    apply_job(work, approved, renderer(), thresholds=Thresholds(), force=True, plan=plan)


def test_one_renamed_agent_is_applied_and_a_meanwhile_edit_makes_it_stale(
    clean: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply(job(clean), monkeypatch)
    apply(job(clean, "Ann Smyth"), monkeypatch)
    assert '"Ann Smyth" <1001>' in clean.managed_file("pjsip_gitops.conf").read_text()
    assert "Ann Smyth" in clean.rx("pjsip show endpoint 1001")
    late = job(clean, "Ann Other")
    plan = plan_job(late, renderer())
    assert [c.key[2] for c in plan.changes] == ["1001"]
    edit = (
        ("SrcFilename", "pjsip_gitops.conf"),
        ("DstFilename", "pjsip_gitops.conf"),
        ("Action-000000", "Update"),
        ("Cat-000000", "1001"),
        ("Var-000000", "context"),
        ("Value-000000", "somewhere-else"),
        ("Options-000000", 'catfilter="type=endpoint"'),
    )
    with AmiClient("127.0.0.1", clean.ami_port, AMI_USER, AMI_SECRET) as ami:
        ami.request(Action("UpdateConfig", edit))  # a hand edit of the touched endpoint
    with pytest.raises(PlanError, match="stale plan"):
        apply_job(late, approved_from(plan), renderer(), thresholds=Thresholds(), plan=plan)
    assert '"Ann Other"' not in clean.managed_file("pjsip_gitops.conf").read_text()
