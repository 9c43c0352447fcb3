"""The sandbox itself: it boots, answers AMI with the secret it documents, and logs."""

from __future__ import annotations

from provisioner.targets.ami.client import Action, AmiClient
from tests.real.sandbox import AMI_SECRET, AMI_USER, Sandbox


def test_ami_answers_with_the_sandbox_user(sandbox: Sandbox) -> None:
    with AmiClient("127.0.0.1", sandbox.ami_port, AMI_USER, AMI_SECRET) as ami:
        reply = ami.request(Action("CoreSettings"))
    assert reply.response.get("AsteriskVersion").startswith("22.")


def test_managed_files_start_empty_and_included(sandbox: Sandbox) -> None:
    assert sandbox.managed_file("pjsip_gitops.conf").is_file()
    assert "pjsip_gitops.conf" in (sandbox.etc / "pjsip.conf").read_text()
    assert "Asterisk Ready" in sandbox.log_text() or "fully booted" in sandbox.rx(
        "core waitfullybooted"
    )
