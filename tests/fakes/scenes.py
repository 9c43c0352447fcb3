"""The state each transcript was recorded in, rebuilt in a FakeAsterisk for its replay.

First recording (ami-01..08, agi-01..05): endpoint 1001 and queue ``support``; second
recording (ami-09..11, agi-06, agi-07): endpoint ``alice`` and queue ``testq``.
Passwords are read from the transcripts, so no secret is committed with the fixtures.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.fakes.asterisk import FakeAsterisk

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fakes"


def transcript_password(shared: Path, transcript: str) -> str:
    """The first ``Password:`` value an AuthDetail/AuthList shows in that transcript."""
    match = re.search(r"^(?:<<< )?Password: (\S+)$", (shared / transcript).read_text(), re.M)
    if match is None:
        raise LookupError(f"{transcript} shows no auth password")
    return match.group(1)


def load_fixture(ast: FakeAsterisk, fixture: str, target: str, password: str = "") -> None:
    text = (FIXTURES / fixture).read_text().replace("{password}", password)
    ast.set_config_text(target, text)


def first_run(shared: Path, *, queues: bool = True) -> FakeAsterisk:
    """Endpoint/aor/auth 1001 (qualify 30, unregistered) and, optionally, queue support."""
    ast = FakeAsterisk()
    password = transcript_password(shared, "ami-03-pjsip-state.txt")
    load_fixture(ast, "first-run-pjsip_gitops.conf", "pjsip_gitops.conf", password)
    ast.reload("res_pjsip.so", announce=False)
    if queues:
        load_fixture(ast, "first-run-queues_gitops.conf", "queues_gitops.conf")
        ast.reload("app_queue.so", announce=False)
    return ast


def first_run_after_queue_tests(shared: Path) -> FakeAsterisk:
    """As ami-07 found it: the device states ami-04 and ami-06 left behind (badq deleted)."""
    ast = first_run(shared)
    ast.queue_add("support", "Local/1001@agents", member_name="Agent One")
    ast.queue_remove("support", "Local/1001@agents")
    queues = ast.config_text("queues_gitops.conf")
    ast.set_config_text("queues_gitops.conf", queues + "\n[badq]\nstrategy=nosuchstrategy\n")
    ast.reload("app_queue.so", announce=False)
    ast.set_config_text("queues_gitops.conf", queues)
    ast.reload("app_queue.so", announce=False)
    return ast


def second_run(shared: Path, *, pjsip: bool = True) -> FakeAsterisk:
    """Queue testq with its static member and, optionally, endpoint alice (qualify off)."""
    ast = FakeAsterisk(auth_success_events=False)
    if pjsip:
        password = transcript_password(shared, "ami-09-pjsip-objects-second-run.txt")
        load_fixture(ast, "second-run-pjsip_gitops.conf", "pjsip_gitops.conf", password)
        ast.reload("res_pjsip.so", announce=False)
    load_fixture(ast, "second-run-queues_gitops.conf", "queues_gitops.conf")
    ast.reload("app_queue.so", announce=False)
    return ast


def dialplan_300(ast: FakeAsterisk) -> None:
    """What ``Local/300@from-sip`` runs in ami-10: add, pause, unpause, remove Agent 201."""
    member = "Local/201@from-sip"
    ast.queue_add("testq", member, member_name="Agent 201", state_interface=member, penalty=3)
    ast.queue_pause("testq", member, True, "coffee")
    ast.queue_pause("testq", member, False, "back")
    ast.queue_remove("testq", member)
