"""End to end against the fake Asterisk: a queue the inventory gives a logged-in agent is
joined live by apply (QueueAdd), as their login would have joined it (issue 15 item 3)."""

from __future__ import annotations

import json

from provisioner.targets.ami import AmiTarget
from provisioner.targets.base import MemberChange
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.ami_helpers import SECRET
from tests.reconciler.test_cli_ami import AmiCli
from tests.reconciler.test_cli_ami import cli as cli  # the same CLI fixture

BOB = "Local/1002@gitops-agents"


def _log_in_bob(ast: FakeAsterisk) -> None:
    """1002 logged in on their own endpoint, paused for lunch (as login and pause leave it)."""
    ast.queue_add(
        "sales", BOB, member_name="Bob Jones", state_interface="PJSIP/1002", paused=True,
        reason="lunch",
    )  # fmt: skip
    session = {"dial": "PJSIP/1002", "device": "PJSIP/1002", "interface": "internal"}
    session |= {"paused": "lunch", "queues": "sales", "since": "1795000000"}
    for key, value in session.items():
        ast.db_put("gitops/agent/1002", key, value)


def _queues_of(ast: FakeAsterisk, interface: str) -> dict[str, tuple[int, str, bool, str, str]]:
    return {
        queue: (m.penalty, m.state_interface, m.paused, m.reason, m.name)
        for queue in ("sales", "support")
        for m in ast.members(queue)
        if m.interface == interface
    }


def test_a_logged_in_agent_joins_a_new_queue_paused_as_they_are(
    cli: AmiCli, ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    assert cli.ami("apply", "--auto-approve")[0] == 0
    _log_in_bob(fake_asterisk)
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0  # logged in and paused: no drift
    agents = cli.agents()
    agents[1]["queues"].append({"queue": "support", "penalty": 2})
    cli.save_agents(agents)

    code, out, err = cli.ami("plan", "--detailed-exitcode")
    assert code == 2, err
    assert (
        f"+ add {BOB} to queue support (penalty 2, paused: lunch): agent 1002 is logged in "
        "and joined queue support in the inventory"
    ) in out
    assert "1 live queue member(s) to update" in out
    (joined,) = json.loads(cli.ami("plan", "--format", "json")[1])["targets"][0]["member_changes"]
    assert {k: joined[k] for k in ("action", "name", "state_interface", "pause_reason")} == {
        "action": "add",
        "name": "Bob Jones",
        "state_interface": "PJSIP/1002",
        "pause_reason": "lunch",
    }

    ami_server.requests.clear()
    code, out, err = cli.ami("apply", "--auto-approve")
    assert code == 0, err
    assert "1 live queue member change(s)" in out
    assert _queues_of(fake_asterisk, BOB) == {
        "sales": (0, "PJSIP/1002", True, "lunch", "Bob Jones"),
        "support": (2, "PJSIP/1002", True, "lunch", "Bob Jones"),
    }
    assert fake_asterisk.db_get("gitops/agent/1002", "queues") == "sales,support"
    assert [a for a, _ in ami_server.requests if a.lower() == "updateconfig"] == []
    assert cli.ami("plan", "--detailed-exitcode")[0] == 0


def test_an_agent_logged_out_while_joining_is_taken_out_again(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    fake_asterisk.set_config_text("queues_gitops.conf", "[sales]\n[support]\n")
    fake_asterisk.reload("app_queue.so")
    fake_asterisk.db_put("gitops/agent/1002", "queues", "sales")  # since gone: logged out
    queues = ("gitops/agent/1002", "queues", "sales,support")
    join = MemberChange("add", "support", BOB, 2, "", agent="1002", name="Bob", puts=(queues,))
    joined_1001 = MemberChange(
        "add", "support", "Local/1001@gitops-agents", 0, "", agent="1001", name="Ann",
        puts=(("gitops/agent/1001", "queues", "sales,support"),),
    )  # fmt: skip
    fake_asterisk.db_put("gitops/agent/1001", "since", "1795000000")  # still logged in
    with AmiTarget(ami_server.url, SECRET, timeout=5.0) as target:
        target.change_members([join, joined_1001])
    assert _queues_of(fake_asterisk, BOB) == {}
    assert fake_asterisk.db_get("gitops/agent/1002", "queues") is None
    assert set(_queues_of(fake_asterisk, "Local/1001@gitops-agents")) == {"support"}
    assert fake_asterisk.db_get("gitops/agent/1001", "queues") == "sales,support"
