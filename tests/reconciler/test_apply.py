from collections.abc import Sequence

import pytest

from provisioner.apply import Outcome, Renderer, apply_job, approved_from, execute, plan_job
from provisioner.diff import NOT_LOADED
from provisioner.errors import ApplyError, PlanError, SafetyError, TargetError
from provisioner.model import (
    Agent,
    Inventory,
    Queue,
    QueueMember,
    QueueMembership,
    SecretRef,
    Settings,
)
from provisioner.render.objects import ConfigObject
from provisioner.safety import Thresholds
from provisioner.targets import Job
from provisioner.targets.base import StateRecord
from tests.reconciler.memory import MemoryTarget
from tests.reconciler.objects import agent_objects, aor, member, queue

INVENTORY = Inventory(Settings(), (), (), (), revision="rev1")


def _job(target: MemoryTarget, inventory: Inventory = INVENTORY) -> Job:
    return Job("memory", target, inventory)


def _fixed(objects: Sequence[ConfigObject]) -> Renderer:
    return lambda inventory: tuple(objects)


def _apply(target: MemoryTarget, desired: Sequence[ConfigObject], force: bool = False) -> Outcome:
    job = _job(target)
    approved = approved_from(plan_job(job, _fixed(desired)))
    return apply_job(job, approved, _fixed(desired), thresholds=Thresholds(), force=force)


def test_apply_writes_reloads_affected_modules_verifies_and_records() -> None:
    target = MemoryTarget()
    desired = agent_objects("1001")
    outcome = _apply(target, desired)
    assert outcome.ok and outcome.written == 3
    assert outcome.reloaded == ("pjsip_gitops.conf",)
    assert target.calls == [
        "read",  # the plan shown
        "lock",
        "read",  # the plan again, under the lock
        "write 3",
        "reload pjsip_gitops.conf",
        "verify 3",
        "record",
        "unlock",
    ]
    assert target.record.revision == "rev1"
    assert target.record.managed == {o.key for o in desired}


def test_second_apply_is_a_no_op_that_writes_nothing() -> None:
    target = MemoryTarget()
    desired = [*agent_objects("1001"), queue("sales")]
    _apply(target, desired)
    target.calls.clear()
    outcome = _apply(target, desired)
    assert outcome.written == 0 and outcome.reloaded == ()
    assert target.calls == ["read", "lock", "read", "unlock"]


def test_verification_failure_is_reported() -> None:
    desired = agent_objects("1001")
    target = MemoryTarget(drops={desired[0].key})
    outcome = _apply(target, desired)
    assert not outcome.ok
    assert outcome.failures == ((desired[0].key, "dropped 1001"),)


def test_stale_plan_refused_under_lock_nothing_written() -> None:
    target = MemoryTarget()
    job = _job(target)
    desired = agent_objects("1001")
    approved = approved_from(plan_job(job, _fixed(desired)))
    target.objects.append(queue("hand-made-meanwhile"))
    with pytest.raises(PlanError, match="stale plan"):
        apply_job(job, approved, _fixed(desired), thresholds=Thresholds())
    assert not any(c.startswith("write") for c in target.calls)
    assert target.locked_by is None


def test_lock_taken_refuses() -> None:
    target = MemoryTarget()
    target.locked_by = "ci@other pid 7"
    with pytest.raises(TargetError, match="locked by ci@other pid 7"):
        _apply(target, agent_objects("1001"))
    assert not any(c.startswith("write") for c in target.calls)


def test_threshold_enforced_at_apply_unless_forced() -> None:
    objects = [queue(str(n)) for n in range(10)]
    target = MemoryTarget()
    _apply(target, objects)
    with pytest.raises(SafetyError, match=r"50\.00% is over 30\.00% \(5/10\)"):
        _apply(target, objects[:5])
    assert _apply(target, objects[:5], force=True).written == 5


def test_write_failure_saves_no_record_and_does_not_reload() -> None:
    target = MemoryTarget()
    target.fail_write = "UpdateConfig failed"
    with pytest.raises(TargetError, match="UpdateConfig failed"):
        _apply(target, agent_objects("1001"))
    assert "record" not in target.calls
    assert not any(c.startswith("reload") for c in target.calls)


def test_live_member_changes_applied_without_config_changes() -> None:
    agent = Agent(
        id="1001",
        name="A",
        extension="1001",
        pin_hash="x",
        secret=SecretRef("env", "X"),
        queues=(QueueMembership("sales", 2),),
    )
    inventory = Inventory(
        Settings(),
        (agent,),
        (),
        (Queue("sales", members=(QueueMember("1001", 2),)), Queue("support")),
        revision="rev1",
    )
    target = MemoryTarget(members=[member("sales", "1001", 0), member("support", "1001")])
    job = _job(target, inventory)
    plan = plan_job(job, _fixed([]))
    got = [(m.action, m.queue) for m in plan.members]
    assert got == [("penalty", "sales"), ("remove", "support")]
    outcome = execute(target, plan)
    assert outcome.members == 2 and outcome.written == 0
    assert "members 2" in target.calls and not any(c.startswith("reload") for c in target.calls)


def test_delete_reloads_only_the_file_touched() -> None:
    target = MemoryTarget()
    _apply(target, [*agent_objects("1001"), queue("a"), queue("b")])
    target.calls.clear()
    outcome = _apply(target, [*agent_objects("1001"), queue("a"), aor("1002")])
    assert outcome.reloaded == ("pjsip_gitops.conf", "queues_gitops.conf")
    assert "verify 1" in target.calls  # the created aor; deletes are not verified


def test_reload_failure_says_what_was_written_and_what_to_do() -> None:
    target = MemoryTarget()
    target.fail_reload = "connection lost"
    with pytest.raises(ApplyError) as caught:
        _apply(target, [*agent_objects("1001"), queue("sales")])
    message = str(caught.value)
    assert "connection lost" in message
    assert "written but not reloaded" in message
    assert "res_pjsip.so, app_queue.so" in message
    assert "record" not in target.calls


def test_a_verification_failure_is_remembered_until_a_verification_passes() -> None:
    desired = agent_objects("1001")
    target = MemoryTarget(drops={desired[0].key})
    assert not _apply(target, desired).ok
    assert target.record == StateRecord(
        "rev1", frozenset(o.key for o in desired), frozenset({desired[0].key})
    )
    # the file holds the object as desired, but Asterisk does not: still a change
    plan = plan_job(_job(target), _fixed(desired))
    assert [(c.action, c.key, c.reason) for c in plan.changes] == [
        ("update", desired[0].key, NOT_LOADED)
    ]
    target.calls.clear()
    again = _apply(target, desired)  # written, reloaded and verified again: fails again
    assert not again.ok and again.written == 1
    assert target.calls[3:6] == ["write 1", "reload pjsip_gitops.conf", "verify 1"]
    assert target.record.unverified == {desired[0].key}
    target.drops.clear()  # fixed in Asterisk (e.g. a module it needed is now loaded)
    assert _apply(target, desired).ok
    assert target.record.unverified == frozenset()
    target.calls.clear()
    assert _apply(target, desired).written == 0
    assert target.calls == ["read", "lock", "read", "unlock"]  # a no-op writes nothing again


def test_a_failed_object_removed_by_hand_is_cleared_from_the_record() -> None:
    desired = agent_objects("1001")
    target = MemoryTarget(drops={desired[0].key})
    _apply(target, desired)
    target.objects = [o for o in target.objects if o.key != desired[0].key]
    plan = plan_job(_job(target), _fixed(desired[1:]))
    assert plan.changes == () and plan.record_outdated
    execute(target, plan)
    assert target.record.unverified == frozenset()
