"""Runtime state and the reconciler: logged-in, paused agents are not drift, and live queue
membership follows a committed inventory change without touching anyone's pause."""

from __future__ import annotations

from tests.example_repo import add_vip_queue_for_bruno
from tests.integration.story import PIN, Story, local, status

SALES = "sales"
AGENTS = "agents/sales.yaml"
# AMI actions that change Asterisk
WRITES = frozenset(
    [
        "updateconfig",
        "reload",
        "dbput",
        "dbdel",
        "dbdeltree",
        "queueadd",
        "queueremove",
        "queuepause",
        "queuepenalty",
    ]
)


def _log_in_and_pause(live: Story) -> None:
    """Bruno at the hot desk, Chloé on her mobile, David and Emma internal; two pauses."""
    assert status(live.dial("desk-paris-102", "*71", ["1002#", f"{PIN}#"])) == "ok"
    assert status(live.dial("chloe", "*71", ["3#"])) == "ok"
    assert status(live.dial("david", "*71")) == "ok"
    assert status(live.dial("emma", "*71")) == "ok"
    assert status(live.dial("david", "*735")) == "ok"  # meeting
    assert status(live.dial("emma", "*731")) == "ok"  # lunch


def _sales(live: Story) -> dict[str, tuple[int, bool, str]]:
    return {m.interface: (m.penalty, m.paused, m.reason) for m in live.asterisk.members(SALES)}


def test_logged_in_and_paused_agents_are_not_drift(live: Story) -> None:
    _log_in_and_pause(live)
    assert status(live.dial("desk-paris-101", "*71", ["1001#", "0000#"])) == "bad_pin"
    assert live.asterisk.db_tree("gitops/lockout")  # a wrong PIN is runtime state too
    session = live.asterisk.db_tree("gitops/agent")
    members = _sales(live)
    live.ami.requests.clear()
    plan = live.cli("plan", "--detailed-exitcode")
    assert (plan.code, plan.err) == (0, "")
    assert "No changes." in plan.out
    drift = live.cli("drift")
    assert (drift.code, drift.err) == (0, "")
    assert "no drift" in drift.out
    actions = {action.lower() for action, _ in live.ami.requests}
    assert actions and not actions & WRITES  # plan and drift only read
    assert live.asterisk.db_tree("gitops/agent") == session
    assert live.asterisk.db_tree("gitops/lockout")
    assert _sales(live) == members


def test_live_membership_follows_a_committed_change(live: Story) -> None:
    _log_in_and_pause(live)
    bruno = (
        "    client_logs: true              # verbose logs of his sessions while we troubleshoot\n"
    )
    live.edit(
        AGENTS,
        f"{bruno}    queues:\n      - {{queue: sales, penalty: 1}}\n",
        f"{bruno}    queues: []\n",
    )
    live.edit(AGENTS, "{queue: sales, penalty: 2}", "{queue: sales, penalty: 4}")  # chloe
    live.commit("bruno leaves sales, chloe penalty 4")
    plan = live.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    assert f"remove {local('bruno')} from queue {SALES}" in plan.out
    assert f"penalty 4 for {local('chloe')} in queue {SALES}" in plan.out
    assert "david" not in plan.out and "emma" not in plan.out
    applied = live.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert _sales(live) == {
        local("chloe"): (4, False, ""),
        local("david"): (0, True, "meeting"),  # pauses survive the apply
        local("emma"): (1, True, "lunch"),
    }
    assert live.cli("plan", "--detailed-exitcode").code == 0


def test_deleting_a_logged_in_agent_removes_their_memberships(live: Story) -> None:
    _log_in_and_pause(live)
    text = (live.inventory / AGENTS).read_text()
    live.edit(AGENTS, text[text.index("  - id: david") : text.index("  - id: emma")], "")
    live.edit("settings.yaml", "chloe, david, emma", "chloe, emma")
    live.commit("david leaves the company")
    plan = live.cli("plan")
    assert f"remove {local('david')} from queue {SALES}" in plan.out, plan.err
    applied = live.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert local("david") not in _sales(live)
    assert live.asterisk.endpoint("david") is None
    assert "david" not in live.dialplan().extensions("gitops-agents")
    assert _sales(live)[local("emma")] == (1, True, "lunch")
    assert live.cli("drift").code == 0


def test_agents_leaving_the_inventory_free_their_runtime_state(live: Story) -> None:
    _log_in_and_pause(live)
    live.edit(AGENTS, "queues:\n      - {queue: sales, penalty: 2}", "queues: []")  # chloe
    text = (live.inventory / AGENTS).read_text()
    live.edit(AGENTS, text[text.index("  - id: bruno") : text.index("  - id: chloe")], "")
    live.edit("settings.yaml", "[ann, bruno, chloe", "[ann, chloe")
    live.edit(AGENTS, "  - id: emma\n", "  - id: emma\n    hot_desk: true\n")
    live.commit("bruno leaves (logged in at desk-paris-102), emma hot-desks, chloe in no queue")
    applied = live.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    assert live.holder.reload()  # the AGI server's SIGHUP after the same deploy
    assert {local("bruno"), local("chloe")}.isdisjoint(_sales(live))
    assert status(live.dial("chloe", "*72")) == "ok"  # logout after leaving every queue
    assert live.asterisk.db_tree("gitops/agent/chloe") == {}
    # the phone Bruno held is free for the hot-desk agents still in the inventory
    assert status(live.dial("desk-paris-102", "*71", ["1005#", f"{PIN}#"])) == "ok"
    assert _sales(live)[local("emma")] == (1, False, "")


def test_a_queue_added_in_yaml_reaches_a_logged_in_agent_and_logout_leaves_it(
    live: Story,
) -> None:
    # issue 15 item 3: joined live, paused as he is; the AGI server still runs the old
    # inventory (no vip), so only the session's recorded queues make his logout leave vip
    _log_in_and_pause(live)
    assert status(live.dial("bruno", "*731")) == "ok"  # lunch, in every queue of his
    add_vip_queue_for_bruno(live)
    live.commit("vip queue, Bruno in it")
    plan = live.cli("plan", "--detailed-exitcode")
    assert plan.code == 2, plan.err
    assert "+ queues_gitops.conf: queue 'vip'" in plan.out
    assert f"+ add {local('bruno')} to queue vip (penalty 3, paused: lunch)" in plan.out
    applied = live.cli("apply", "--auto-approve")
    assert applied.code == 0, applied.err
    (vip,) = live.asterisk.members("vip")
    (sales,) = [m for m in live.asterisk.members(SALES) if m.interface == local("bruno")]
    assert (vip.interface, vip.name, vip.penalty) == (local("bruno"), "Bruno Petit", 3)
    assert (vip.state_interface, vip.paused, vip.reason) == (
        sales.state_interface,  # the hot-desk phone he logged in at
        True,
        "lunch",
    )
    assert live.asterisk.db_get("gitops/agent/bruno", "queues") == "sales,vip"
    assert live.cli("plan", "--detailed-exitcode").code == 0

    assert status(live.dial("bruno", "*72")) == "ok"
    assert live.asterisk.members("vip") == []
    assert local("bruno") not in _sales(live)
