"""AmiTarget's live queue members, apply lock and state record in AstDB (fake over TCP)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from provisioner.errors import TargetError
from provisioner.render.objects import QUEUES_FILE
from provisioner.targets.ami import AmiTarget
from provisioner.targets.base import LiveMember, MemberChange, StateRecord
from tests.fakes.ami_server import FakeAmiServer
from tests.fakes.asterisk import FakeAsterisk
from tests.reconciler.ami_helpers import SECRET, agent_objects, creates, queue

MEMBER = "Local/1001@gitops-agents"


@pytest.fixture
def target(ami_server: FakeAmiServer) -> Iterator[AmiTarget]:
    with AmiTarget(ami_server.url, SECRET, timeout=5.0) as t:
        yield t


@pytest.fixture
def queue_with_member(target: AmiTarget, fake_asterisk: FakeAsterisk) -> None:
    target.write(creates([queue("sales"), queue("support")]))
    target.reload([QUEUES_FILE])
    for name in ("sales", "support"):
        added = fake_asterisk.queue_add(
            name, MEMBER, member_name="Ann", state_interface="PJSIP/1001", penalty=1
        )
        assert added == "ADDED"


@pytest.mark.usefixtures("queue_with_member")
def test_read_reports_live_members(target: AmiTarget) -> None:
    members = target.read().members
    assert LiveMember("sales", MEMBER, "Ann", "PJSIP/1001", 1, False, "", True) in members
    assert {m.queue for m in members} == {"sales", "support"}


@pytest.mark.usefixtures("queue_with_member")
def test_member_penalty_and_removal(target: AmiTarget, fake_asterisk: FakeAsterisk) -> None:
    target.change_members(
        [
            MemberChange("penalty", "sales", MEMBER, penalty=4, reason="penalty changed"),
            MemberChange("remove", "support", MEMBER, reason="left support"),
        ]
    )
    assert [m.penalty for m in fake_asterisk.members("sales")] == [4]
    assert fake_asterisk.members("support") == []


@pytest.mark.usefixtures("queue_with_member")
def test_removing_a_member_that_logged_out_meanwhile_is_not_an_error(
    target: AmiTarget, fake_asterisk: FakeAsterisk
) -> None:
    fake_asterisk.queue_remove("support", MEMBER)
    target.change_members([MemberChange("remove", "support", MEMBER)])
    assert fake_asterisk.members("support") == []


def test_member_change_on_an_unknown_queue_fails(target: AmiTarget) -> None:
    with pytest.raises(TargetError, match="nosuchqueue"):
        target.change_members([MemberChange("remove", "nosuchqueue", MEMBER)])


def test_lock_is_held_then_released(ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk) -> None:
    first = AmiTarget(ami_server.url, SECRET)
    second = AmiTarget(ami_server.url, SECRET)
    with first.lock("ci job 41"):
        assert fake_asterisk.db_get("gitops/state", "lock") is not None
        with pytest.raises(TargetError, match="locked by ci job 41") as caught, second.lock("42"):
            pass
        assert first.name in str(caught.value)
    assert fake_asterisk.db_get("gitops/state", "lock") is None
    with second.lock("ci job 42"):
        pass
    first.close()
    second.close()


def test_lock_is_released_when_the_apply_fails(
    target: AmiTarget, fake_asterisk: FakeAsterisk
) -> None:
    with pytest.raises(RuntimeError), target.lock("ci"):
        raise RuntimeError("apply failed")
    assert fake_asterisk.db_get("gitops/state", "lock") is None


def test_a_stale_lock_is_taken_over_with_a_warning(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk, caplog: pytest.LogCaptureFixture
) -> None:
    fake_asterisk.db_put("gitops/state", "lock", "1000 deadbeef crashed-job")
    caplog.set_level(logging.WARNING)
    with AmiTarget(ami_server.url, SECRET, clock=lambda: 5000.0) as t, t.lock("new job"):
        assert "new job" in (fake_asterisk.db_get("gitops/state", "lock") or "")
    assert "crashed-job" in caplog.text


def test_record_round_trip(ami_server: FakeAmiServer, target: AmiTarget) -> None:
    keys = frozenset(o.key for o in agent_objects("1001"))
    target.read()
    target.save_record(StateRecord("0123abc", keys))
    with AmiTarget(ami_server.url, SECRET) as other:
        assert other.read().record == StateRecord("0123abc", keys)


def test_record_update_costs_requests_for_what_changed_only(
    ami_server: FakeAmiServer, target: AmiTarget
) -> None:
    many = frozenset(o.key for n in range(200) for o in agent_objects(f"4{n:03d}"))
    target.read()
    target.save_record(StateRecord("rev1", many))
    one_more = many | {o.key for o in agent_objects("9999")}
    before = len(ami_server.requests)
    target.save_record(StateRecord("rev2", one_more))
    assert len(ami_server.requests) - before <= 4  # at most 3 buckets, and the revision
    before = len(ami_server.requests)
    target.save_record(StateRecord("rev2", one_more))
    assert len(ami_server.requests) == before


def test_a_long_write_pushes_the_lock_expiry_forward(
    ami_server: FakeAmiServer, fake_asterisk: FakeAsterisk
) -> None:
    now = [1000.0]
    with (
        AmiTarget(ami_server.url, SECRET, lock_ttl=30.0, clock=lambda: now[0]) as target,
        target.lock("ci job"),
    ):
        assert (fake_asterisk.db_get("gitops/state", "lock") or "").startswith("1030 ")
        now[0] += 20.0  # two thirds of the lifetime gone
        target.write(creates([queue("sales")]))
        assert (fake_asterisk.db_get("gitops/state", "lock") or "").startswith("1050 ")
    assert fake_asterisk.db_get("gitops/state", "lock") is None


def test_record_keeps_the_objects_that_failed_verification(
    ami_server: FakeAmiServer, target: AmiTarget
) -> None:
    keys = frozenset(o.key for n in range(100) for o in agent_objects(f"4{n:03d}"))
    failed = frozenset(o.key for o in agent_objects("4007")[:1])
    target.read()
    target.save_record(StateRecord("rev1", keys, failed))
    with AmiTarget(ami_server.url, SECRET) as other:
        assert other.read().record == StateRecord("rev1", keys, failed)
    before = len(ami_server.requests)
    target.save_record(StateRecord("rev1", keys))  # verified since: one bucket rewritten
    sent = [a for a, _ in ami_server.requests[before:] if a in ("DBPut", "DBDel")]
    assert sent == ["DBPut"]  # (the other connection's Logoff may land in between)
    with AmiTarget(ami_server.url, SECRET) as other:
        assert other.read().record == StateRecord("rev1", keys)
