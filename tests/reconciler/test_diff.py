from dataclasses import replace

import pytest

from provisioner.diff import NOT_LOADED, ORDER_KEY, diff, field_changes
from provisioner.errors import RenderError
from provisioner.model import (
    Agent,
    Inventory,
    Phone,
    Queue,
    QueueMember,
    QueueMembership,
    SecretRef,
    Settings,
)
from provisioner.render.objects import ConfigObject
from provisioner.targets.base import ActualState, AgentSession, ObjectChange
from tests.reconciler.objects import (
    SECRET,
    agent_objects,
    aor,
    auth,
    endpoint,
    member,
    queue,
    state,
)


def test_same_named_endpoint_aor_auth_are_three_objects() -> None:
    result = diff(agent_objects("1001"), state([]))
    assert [(c.action, c.key[1], c.key[2]) for c in result.changes] == [
        ("create", "endpoint", "1001"),
        ("create", "aor", "1001"),
        ("create", "auth", "1001"),
    ]


def test_no_difference_is_no_change() -> None:
    objects = [*agent_objects("1001"), queue("sales")]
    result = diff(objects, state(objects))
    assert result.changes == ()
    assert result.unmanaged == ()
    assert result.existing == 4


def test_update_of_one_of_a_same_named_pair_touches_only_it() -> None:
    actual = state(agent_objects("1001"))
    desired = [endpoint("1001"), aor("1001", max_contacts="2"), auth("1001")]
    result = diff(desired, actual)
    assert [(c.action, c.key) for c in result.changes] == [("update", aor("1001").key)]
    (field,) = field_changes(result.changes[0])
    assert (field.key, field.old, field.new) == ("max_contacts", ("1",), ("2",))


def test_deleted_only_when_recorded_as_ours() -> None:
    ours, handmade = agent_objects("1001"), agent_objects("9999")
    result = diff([], state(ours + handmade, managed=ours))
    assert {c.key for c in result.changes} == {o.key for o in ours}
    assert all(c.action == "delete" for c in result.changes)
    assert set(result.unmanaged) == {o.key for o in handmade}


def test_hand_made_duplicate_category_is_reported_not_touched() -> None:
    first = endpoint("1001")
    second = endpoint("1001", context="other")
    result = diff([first], state([first, second], managed=[first]))
    assert result.changes == ()
    assert result.unmanaged == (first.key,)


def test_codec_order_is_a_change() -> None:
    before = endpoint("1001")
    after_options = tuple(
        ("allow", "alaw" if v == "ulaw" else "ulaw") if k == "allow" else (k, v)
        for k, v in before.options
    )
    after = type(before)(before.file, before.kind, before.name, after_options, before.owner)
    (change,) = diff([after], state([before])).changes
    (field,) = field_changes(change)
    assert (field.key, field.old, field.new) == ("allow", ("ulaw", "alaw"), ("alaw", "ulaw"))


def test_moving_lines_between_keys_shows_order_without_values() -> None:
    before = auth("1001")
    after = type(before)(before.file, before.kind, before.name, before.options[::-1])
    (field,) = field_changes(ObjectChange("update", before, after))
    assert field.key == ORDER_KEY
    assert SECRET not in repr(field)
    assert field.old[0] == "type" and field.new[0] == "password"


def test_added_and_removed_keys() -> None:
    before = endpoint("1001", ("callerid", '"Ann" <1001>'))
    after = endpoint("1001", ("media_encryption", "sdes"))
    fields = {f.key: f for f in field_changes(ObjectChange("update", before, after))}
    assert fields["callerid"].new == () and fields["callerid"].old == ('"Ann" <1001>',)
    assert fields["media_encryption"].old == () and fields["media_encryption"].new == ("sdes",)


def test_secret_field_is_marked_sensitive() -> None:
    change = ObjectChange("update", auth("1001"), auth("1001", password="other"))
    (field,) = field_changes(change)
    assert field.key == "password" and field.sensitive


def _agent(agent_id: str, *queues: tuple[str, int]) -> Agent:
    return Agent(
        id=agent_id,
        name=f"Agent {agent_id}",
        extension=agent_id,
        pin_hash="x",
        secret=SecretRef("env", "X"),
        queues=tuple(QueueMembership(q, p) for q, p in queues),
    )


def _inventory(*agents: Agent) -> Inventory:
    names = sorted({m.queue for a in agents for m in a.queues} | {"sales", "support"})
    queues = tuple(
        Queue(
            name=n,
            members=tuple(
                QueueMember(a.id, m.penalty) for a in agents for m in a.queues if m.queue == n
            ),
        )
        for n in names
    )
    return Inventory(Settings(), tuple(agents), (), queues)


def test_member_left_queue_penalty_changed_or_agent_deleted() -> None:
    inventory = _inventory(_agent("1001", ("sales", 1)), _agent("1002", ("support", 0)))
    members = (
        member("sales", "1001", penalty=3),  # penalty 3 -> 1
        member("support", "1001"),  # 1001 left support
        member("support", "1002"),  # fine
        member("sales", "1003"),  # 1003 deleted
    )
    result = diff([], state([], members=members), inventory)
    got = [(m.action, m.queue, m.interface, m.penalty) for m in result.members]
    assert got == [
        ("penalty", "sales", "Local/1001@gitops-agents", 1),
        ("remove", "sales", "Local/1003@gitops-agents", 0),
        ("remove", "support", "Local/1001@gitops-agents", 0),
    ]
    reasons = " ".join(m.reason for m in result.members)
    assert "1003 is no longer in the inventory" in reasons
    assert "1001 left queue support" in reasons


def test_a_member_logged_in_on_a_device_gone_from_the_inventory_is_removed() -> None:
    inventory = _inventory(*(_agent(a, ("sales", 0)) for a in ("1001", "1002", "1003", "1004")))
    inventory = replace(inventory, phones=(Phone("desk-1", "201", SecretRef("env", "X")),))
    members = (
        replace(member("sales", "1001"), state_interface="PJSIP/desk-9"),  # phone deleted
        replace(member("sales", "1002"), state_interface="PJSIP/desk-1"),  # phone still there
        member("sales", "1003"),  # its own endpoint
        replace(member("sales", "1004"), state_interface=""),  # mobile: no device state
    )
    (change,) = diff([], state([], members=members), inventory).members
    assert (change.action, change.queue, change.interface) == (
        "remove",
        "sales",
        "Local/1001@gitops-agents",
    )
    assert change.reason == (
        "agent 1001 is logged in on PJSIP/desk-9, which is no longer in the inventory "
        "(Asterisk never rings it)"
    )


def test_runtime_state_and_foreign_members_are_not_drift() -> None:
    inventory = _inventory(_agent("1001", ("sales", 0)))
    paused = member("sales", "1001")
    paused = type(paused)(**{**paused.__dict__, "paused": True, "reason": "lunch"})
    static = member("sales", "2000", dynamic=False)
    foreign = type(paused)(**{**paused.__dict__, "interface": "PJSIP/2001"})
    unknown_queue = member("elsewhere", "1001")
    members = (paused, static, foreign, unknown_queue)
    assert diff([], state([], members=members), inventory).members == ()


def test_changes_sorted_deterministically() -> None:
    desired = [queue("b"), *agent_objects("2"), queue("a"), *agent_objects("1")]
    keys = [c.key for c in diff(desired, state([])).changes]
    assert keys == [c.key for c in diff(desired[::-1], state([])).changes]
    assert [k[2] for k in keys] == ["1", "1", "1", "2", "2", "2", "a", "b"]


def test_desired_object_twice_is_a_render_error() -> None:
    with pytest.raises(RenderError, match=r"endpoint 1001 of pjsip_gitops\.conf twice"):
        diff([endpoint("1001"), endpoint("1001", context="x")], state([]))


def _unverified(actual: ActualState, *objects: ConfigObject) -> ActualState:
    record = replace(actual.record, unverified=frozenset(o.key for o in objects))
    return replace(actual, record=record)


def test_an_object_that_failed_verification_is_written_again() -> None:
    objects = agent_objects("1001")
    result = diff(objects, _unverified(state(objects), objects[0]))
    (change,) = result.changes
    assert (change.action, change.key, change.reason) == ("update", objects[0].key, NOT_LOADED)
    assert change.before == change.after == objects[0]
    assert field_changes(change) == ()  # nothing differs: no field, not even (order)


def test_a_changed_object_that_failed_verification_says_so() -> None:
    objects = agent_objects("1001")
    desired = [objects[0], aor("1001", max_contacts="2"), objects[2]]
    result = diff(desired, _unverified(state(objects), objects[1]))
    (change,) = result.changes
    assert change.reason == NOT_LOADED and field_changes(change)[0].key == "max_contacts"


def test_an_object_that_failed_verification_and_is_no_longer_desired_is_deleted() -> None:
    objects = agent_objects("1001")
    result = diff(objects[1:], _unverified(state(objects), objects[0]))
    assert [(c.action, c.key, c.reason) for c in result.changes] == [("delete", objects[0].key, "")]


def test_sessions_of_agents_not_in_the_part_are_forgotten_exactly() -> None:
    inventory = _inventory(_agent("a-b", ("sales", 0)))
    sessions = (
        AgentSession("a-b", ("dial", "phone"), ("p1",)),  # in the part: kept
        AgentSession("a_b", ("dial", "since"), ("p2",)),  # deleted or on another server
    )
    actual = replace(state([]), sessions=sessions)
    (change,) = diff([], actual, inventory).members
    assert (change.action, change.agent) == ("forget", "a_b")
    assert change.keys == (
        ("gitops/agent/a_b", "dial"),
        ("gitops/agent/a_b", "since"),
        ("gitops/phone/p2", "agent"),
    )
    assert change.reason == "forget session of agent a_b (not in this server's part)"
    assert diff([], actual).members == ()  # no inventory part: nothing planned


def _session(agent: str, **values: str) -> AgentSession:
    return AgentSession(agent, tuple(sorted(values)), (), tuple(sorted(values.items())))


def test_a_logged_in_agent_joins_a_queue_the_inventory_gave_them() -> None:
    # issue 15 item 3: as the login would have added them, paused as they are
    agent = replace(_agent("1001", ("sales", 0), ("support", 4)), name="Smith, Ann")
    inventory = _inventory(agent)
    paused = replace(member("sales", "1001"), paused=True, reason="lunch")
    session = _session("1001", since="1700000000", queues="sales", device="PJSIP/desk-1")
    actual = replace(state([], members=(paused,)), sessions=(session,))
    (change,) = diff([], actual, inventory).members
    assert (change.action, change.queue, change.interface, change.penalty) == (
        "add",
        "support",
        "Local/1001@gitops-agents",
        4,
    )
    assert (change.name, change.state_interface) == ("Smith  Ann", "PJSIP/desk-1")
    assert (change.paused, change.pause_reason) == (True, "lunch")
    assert change.puts == (("gitops/agent/1001", "queues", "sales,support"),)
    assert change.reason == "agent 1001 is logged in and joined queue support in the inventory"


def test_only_agents_logged_in_and_in_a_queue_here_join() -> None:
    inventory = _inventory(
        _agent("a", ("sales", 0), ("support", 1)),  # committed login, in sales: joins
        _agent("b", ("sales", 0), ("support", 1)),  # session without since (mid-login)
        _agent("c", ("sales", 0), ("support", 1)),  # a stale session: in no queue here
        _agent("d", ("sales", 0)),  # in every queue of theirs already
    )
    members = (member("sales", "a"), member("sales", "b"), member("sales", "d"))
    sessions = (
        _session("a", since="1", queues="sales,old", device=""),
        _session("b", queues="sales"),
        _session("c", since="1", queues="sales"),
        _session("d", since="1", queues="sales"),
    )
    actual = replace(state([], members=members), sessions=sessions)
    (change,) = diff([], actual, inventory).members
    assert (change.action, change.agent, change.queue) == ("add", "a", "support")
    assert change.state_interface == ""  # a mobile login: no device state
    assert not change.paused
    # the recorded queues keep the ones logout must still leave
    assert change.puts == (("gitops/agent/a", "queues", "sales,old,support"),)
    assert diff([], actual).members == ()  # no inventory part: nothing planned
