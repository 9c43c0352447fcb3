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
    plan = plan_job(job, _fixed(desired))  # the plan shown, applied as the CLI does
    return apply_job(
        job, approved_from(plan), _fixed(desired), thresholds=Thresholds(), force=force, plan=plan
    )


def test_apply_writes_reloads_affected_modules_verifies_and_records() -> None:
    target = MemoryTarget()
    desired = agent_objects("1001")
    outcome = _apply(target, desired)
    assert outcome.ok and outcome.written == 3
    assert outcome.reloaded == ("pjsip_gitops.conf",)
    assert target.calls == [
        "read",  # the plan shown
        "lock",
        "read part",  # what the plan touches and the record, again under the lock
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
    assert target.calls == ["read", "lock", "read part", "unlock"]


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


def test_under_the_lock_only_what_the_plan_touches_is_read_again() -> None:
    target = MemoryTarget([queue("sales")])
    job = _job(target)
    desired = [*agent_objects("1001"), queue("sales")]
    plan = plan_job(job, _fixed(desired))
    # meanwhile: an object the plan does not touch is edited, and a category named like
    # the agent is made by hand (a touched name, of another kind)
    target.objects[0] = queue("sales", "rrmemory")
    target.objects.append(ConfigObject(aor("1001").file, "identify", "1001", (), ""))
    with pytest.raises(PlanError, match="stale plan"):
        apply_job(job, approved_from(plan), _fixed(desired), thresholds=Thresholds(), plan=plan)
    assert not any(c.startswith("write") for c in target.calls)
    target.objects.pop()  # only the untouched edit remains: the plan still holds
    target.calls.clear()
    outcome = apply_job(
        job, approved_from(plan), _fixed(desired), thresholds=Thresholds(), plan=plan
    )
    assert outcome.written == 3 and target.calls[:2] == ["lock", "read part"]
    assert target.objects[0] == queue("sales", "rrmemory")  # left as the plan never saw it


def test_a_record_changed_before_the_lock_makes_the_plan_stale() -> None:
    target = MemoryTarget()
    job = _job(target)
    plan = plan_job(job, _fixed(agent_objects("1001")))
    target.record = StateRecord("rev0", frozenset())  # another apply came in between
    with pytest.raises(PlanError, match="stale plan"):
        apply_job(
            job,
            approved_from(plan),
            _fixed(agent_objects("1001")),
            thresholds=Thresholds(),
            plan=plan,
        )


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


def test_live_members_are_taken_afresh_under_the_lock() -> None:
    agent = Agent("1001", "A", "1001", "x", SecretRef("env", "X"), (QueueMembership("sales", 2),))
    inventory = Inventory(
        Settings(), (agent,), (), (Queue("sales", members=(QueueMember("1001", 2),)),), "rev1"
    )
    target = MemoryTarget()
    job = _job(target, inventory)
    plan = plan_job(job, _fixed([]))
    assert plan.members == ()
    target.members.append(member("sales", "1001", 0))  # logged in between plan and apply
    outcome = apply_job(job, approved_from(plan), _fixed([]), thresholds=Thresholds(), plan=plan)
    assert outcome.members == 1 and "members 1" in target.calls


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
    assert "written but not reloaded (res_pjsip.so, app_queue.so)" in message
    assert "the next apply writes, reloads and verifies" in message
    # the files now match, but the record says they were never verified: planned again
    desired = {o.key for o in [*agent_objects("1001"), queue("sales")]}
    assert target.record == StateRecord("rev1", frozenset(desired), frozenset(desired))
    target.fail_reload = None
    target.calls.clear()
    again = _apply(target, [*agent_objects("1001"), queue("sales")])
    assert again.ok and again.written == 4
    assert "reload pjsip_gitops.conf,queues_gitops.conf" in target.calls
    assert target.record.unverified == frozenset()


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
    assert target.calls == ["read", "lock", "read part", "unlock"]  # a no-op writes nothing again


def test_a_failed_object_removed_by_hand_is_cleared_from_the_record() -> None:
    desired = agent_objects("1001")
    target = MemoryTarget(drops={desired[0].key})
    _apply(target, desired)
    target.objects = [o for o in target.objects if o.key != desired[0].key]
    plan = plan_job(_job(target), _fixed(desired[1:]))
    assert plan.changes == () and plan.record_outdated
    execute(target, plan)
    assert target.record.unverified == frozenset()


def test_a_write_stopped_in_a_later_file_reloads_what_it_wrote_and_marks_it_unverified() -> None:
    desired = [*agent_objects("1001"), queue("sales")]
    target = MemoryTarget()
    target.fail_in = ("queues_gitops.conf", False)  # pjsip written whole, queues untouched
    with pytest.raises(ApplyError) as caught:
        _apply(target, desired)
    message = str(caught.value)
    assert "rejected a change to queues_gitops.conf" in message
    assert "pjsip_gitops.conf was written and reloaded (res_pjsip.so), not verified" in message
    assert "\n" not in message
    assert target.calls[-3:] == ["record", "reload pjsip_gitops.conf", "unlock"]
    pjsip = {o.key for o in desired[:3]}
    assert target.record.unverified == pjsip  # the queue is simply still to create
    target.fail_in = None
    plan = plan_job(_job(target), _fixed(desired))
    assert sorted((c.action, c.key[1], c.reason) for c in plan.changes) == [
        ("create", "queue", ""),
        ("update", "aor", NOT_LOADED),
        ("update", "auth", NOT_LOADED),
        ("update", "endpoint", NOT_LOADED),
    ]
    target.calls.clear()
    again = _apply(target, desired)
    assert again.ok and again.reloaded == ("pjsip_gitops.conf", "queues_gitops.conf")
    assert "verify 4" in target.calls and target.record.unverified == frozenset()


def test_a_file_written_in_part_is_reloaded_and_its_objects_marked() -> None:
    target = MemoryTarget()
    target.fail_in = ("queues_gitops.conf", True)
    with pytest.raises(ApplyError) as caught:
        _apply(target, [*agent_objects("1001"), queue("sales")])
    assert "reloaded (res_pjsip.so, app_queue.so)" in str(caught.value)
    assert ("queues_gitops.conf", "queue", "sales") in target.record.unverified


def test_deletes_not_yet_written_stay_ours_and_a_file_of_deletes_is_reloaded_again() -> None:
    target = MemoryTarget()
    _apply(target, [*agent_objects("1001"), *agent_objects("1002"), queue("a"), queue("b")])
    target.fail_in = ("queues_gitops.conf", False)
    target.fail_reload = "connection lost"
    with pytest.raises(ApplyError):  # deletes agent 1002 (written) and queue b (not written)
        _apply(target, [*agent_objects("1001"), queue("a")], force=True)
    assert ("queues_gitops.conf", "queue", "b") in target.record.managed
    assert len(target.record.unverified) == 1  # one pjsip object, so pjsip is reloaded again
    target.fail_in = target.fail_reload = None
    target.calls.clear()
    outcome = _apply(target, [*agent_objects("1001"), queue("a")])
    assert outcome.ok and outcome.reloaded == ("pjsip_gitops.conf", "queues_gitops.conf")
    assert {o.key for o in target.objects} == {o.key for o in [*agent_objects("1001"), queue("a")]}


def test_a_record_that_cannot_be_saved_is_said_with_what_to_do_by_hand() -> None:
    target = MemoryTarget()
    target.fail_in = ("queues_gitops.conf", False)
    target.fail_reload = "connection lost"
    target.fail_record = "connection lost"
    with pytest.raises(ApplyError) as caught:
        _apply(target, [*agent_objects("1001"), queue("sales")])
    message = str(caught.value)
    assert "the record of what is unverified could not be saved" in message
    assert "run 'module reload' of res_pjsip.so on the Asterisk host" in message
