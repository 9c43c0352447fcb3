"""Desired objects vs the actual state of a target: what to create, update, delete.

Pure and typed, no I/O. Objects are matched by their identity ``(file, kind, name)``, so a
PJSIP endpoint and an aor named alike are two objects. An object in the managed files that is
neither desired nor recorded as ours (``StateRecord.managed``) is *unmanaged*: reported,
never deleted. A desired object recorded as having failed verification
(``StateRecord.unverified``) is an update even when nothing in it differs, with the reason
``NOT_LOADED``: it is written, reloaded and verified again until Asterisk holds it. Live
queue members are compared with the inventory's memberships; runtime state (paused, which
device the agent logged in on) is never a difference.

Comparison is plain tuple equality per object (cheap at 10k agents); the field-level view of
an update is computed only for the objects that changed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

from provisioner.errors import RenderError
from provisioner.model import Inventory
from provisioner.render.dialplan import AGENTS
from provisioner.render.objects import MANAGED_FILES, ConfigObject, ObjectKey, is_sensitive
from provisioner.targets.base import (
    AGENT_FAMILY,
    ActualState,
    AgentSession,
    LiveMember,
    MemberChange,
    ObjectChange,
)

# The queue member interface the AGI server adds at login (docs/runtime-contract.md).
_AGENT_INTERFACE = re.compile(rf"^Local/(?P<agent>[^@/]+)@{re.escape(AGENTS)}(?:/n)?$")
# the state interface of a member logged in on an agent's or a phone's endpoint
_PJSIP_DEVICE = re.compile(r"^PJSIP/(?P<endpoint>[^/]+)$")

ORDER_KEY = "(order)"  # pseudo field of an update that only reorders lines
# why an object recorded as unverified is planned (StateRecord.unverified): it failed the
# read-back verification, or the apply stopped before verifying it (partial write, reload)
NOT_LOADED = (
    "not loaded by Asterisk: written by the last apply but not verified (verification failed "
    "or the apply stopped), see its log"
)
_KEY = attrgetter("file", "kind", "name")  # ConfigObject.key, as one C call


@dataclass(frozen=True)
class FieldChange:
    """One option key of an object that differs; values in file order (keys may repeat)."""

    key: str
    old: tuple[str, ...]  # () = absent
    new: tuple[str, ...]
    sensitive: bool = False


@dataclass(frozen=True)
class Diff:
    changes: tuple[ObjectChange, ...]
    members: tuple[MemberChange, ...]
    unmanaged: tuple[ObjectKey, ...]  # in the managed files, not ours: reported, left alone
    existing: int  # objects of the target that are ours (the base of the safety thresholds)
    desired: frozenset[ObjectKey] = frozenset()  # what is ours once the changes are applied


def diff(
    desired: Sequence[ConfigObject], actual: ActualState, inventory: Inventory | None = None
) -> Diff:
    """Every difference between ``desired`` and ``actual``.

    ``inventory`` (the part this target serves) drives the live member changes and the
    sessions to forget; without it neither is planned.
    """
    current, duplicates = _index(actual.objects)
    wanted, twice = _index(desired)
    if twice:
        file, kind, name = twice[0]
        raise RenderError(f"the renderer produced {kind} {name} of {file} twice")
    changes: list[ObjectChange] = []
    unverified = actual.record.unverified
    for key, obj in wanted.items():
        before = current.get(key)
        if before is None:
            changes.append(ObjectChange("create", None, obj))
        elif before.options != obj.options:
            reason = NOT_LOADED if unverified and key in unverified else ""
            changes.append(ObjectChange("update", before, obj, reason))
        elif unverified and key in unverified:
            changes.append(ObjectChange("update", before, obj, NOT_LOADED))  # write it again
    unmanaged = list(duplicates)
    existing = 0
    for key, obj in current.items():
        if key in wanted:
            existing += 1
        elif key in actual.record.managed:
            existing += 1
            changes.append(ObjectChange("delete", obj, None))
        else:
            unmanaged.append(key)
    members = runtime_changes(inventory, actual) if inventory is not None else ()
    return Diff(
        changes=tuple(sorted(changes, key=change_order)),
        members=members,
        unmanaged=tuple(sorted(set(unmanaged), key=key_order)),
        existing=existing,
        desired=frozenset(wanted),
    )


def runtime_changes(inventory: Inventory, actual: ActualState) -> tuple[MemberChange, ...]:
    """The live member changes and the sessions to forget (runtime state, not config)."""
    members = member_changes(inventory, actual.members, actual.sessions)
    return members + forget_changes(inventory, actual.sessions)


def _index(
    objects: Iterable[ConfigObject],
) -> tuple[dict[ObjectKey, ConfigObject], list[ObjectKey]]:
    """Objects by key; a key seen twice (a hand-made duplicate) is reported, first one wins."""
    objects = tuple(objects)
    index: dict[ObjectKey, ConfigObject] = dict(zip(map(_KEY, objects), objects, strict=True))
    if len(index) == len(objects):
        return index, []  # no duplicate: the usual case, without a Python call per object
    index = {}
    duplicates: list[ObjectKey] = []
    for obj in objects:
        if obj.key in index:
            duplicates.append(obj.key)
        else:
            index[obj.key] = obj
    return index, duplicates


_FILE_RANK = {file: rank for rank, file in enumerate(MANAGED_FILES)}
_KIND_RANK = {"transport": 0, "endpoint": 1, "aor": 2, "auth": 3, "identify": 4}
_ACTION_RANK = {"delete": 0, "update": 1, "create": 2}


def key_order(key: ObjectKey) -> tuple[int, str, str, int, str]:
    """Deterministic order: file, then name, then kind (endpoint, aor, auth, identify...)."""
    file, kind, name = key
    return (_FILE_RANK.get(file, 9), file, name, _KIND_RANK.get(kind, 9), kind)


def change_order(change: ObjectChange) -> tuple[tuple[int, str, str, int, str], int]:
    return (key_order(change.key), _ACTION_RANK[change.action])


def grouped_options(obj: ConfigObject | None) -> dict[str, tuple[str, ...]]:
    """An object's values by key, keys and values in file order (none for None)."""
    grouped: dict[str, list[str]] = {}
    if obj is not None:
        for key, value in obj.options:
            grouped.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in grouped.items()}


def field_changes(change: ObjectChange) -> tuple[FieldChange, ...]:
    """The keys that differ, in the order of the new object (then removed keys).

    Repeated keys (``allow=``, ``exten=``) compare as ordered tuples, so a reordered codec
    list is a change. An update that only moves lines between keys (``allow`` before
    ``disallow``) shows as the pseudo field ``(order)`` listing the keys, never values. An
    object written again unchanged (``ObjectChange.reason``) has no field change.
    """
    before, after = grouped_options(change.before), grouped_options(change.after)
    keys = list(after) + [key for key in before if key not in after]
    fields = [
        FieldChange(key, before.get(key, ()), after.get(key, ()), is_sensitive(key))
        for key in keys
        if before.get(key, ()) != after.get(key, ())
    ]
    if (
        not fields
        and change.before is not None
        and change.after is not None
        and change.before.options != change.after.options
    ):
        old = tuple(key for key, _ in change.before.options)
        new = tuple(key for key, _ in change.after.options)
        fields.append(FieldChange(ORDER_KEY, old, new))
    return tuple(fields)


def agent_of_interface(interface: str) -> str | None:
    """The agent id of a queue member added by the AGI login, else None (not ours)."""
    match = _AGENT_INTERFACE.match(interface)
    return match.group("agent") if match else None


def desired_members(inventory: Inventory) -> dict[str, dict[str, int]]:
    """Queue name -> agent id -> penalty, from the queues' members and the agents' queues."""
    wanted: dict[str, dict[str, int]] = {queue.name: {} for queue in inventory.queues}
    for queue in inventory.queues:
        for member in queue.members:
            wanted[queue.name][member.agent] = member.penalty
    for agent in inventory.agents:
        for membership in agent.queues:
            if membership.queue in wanted:
                wanted[membership.queue].setdefault(agent.id, membership.penalty)
    return wanted


def member_changes(
    inventory: Inventory, members: Iterable[LiveMember], sessions: Iterable[AgentSession] = ()
) -> tuple[MemberChange, ...]:
    """Live (logged-in, dynamic) members of the inventory's queues that must follow it.

    Only members added by the AGI login (``Local/<agent>@gitops-agents``) of queues this
    inventory part defines are considered; static members and other interfaces are not ours.
    A queue deleted from the inventory takes its members with it on reload. A member whose
    state interface is ``PJSIP/<x>`` with ``x`` no endpoint of this part (its phone was
    deleted) is removed too: the device reads INVALID and app_queue never rings it. A
    logged-in agent joins the queues the inventory gave them since (``join_changes``).
    """
    wanted = desired_members(inventory)
    members = tuple(members)
    endpoints = _endpoints(inventory) if members else frozenset()
    changes: list[MemberChange] = []
    for member in members:
        agent = agent_of_interface(member.interface)
        if not member.dynamic or agent is None or member.queue not in wanted:
            continue
        penalty = wanted[member.queue].get(agent)
        change = _member_change(inventory, member, agent, penalty, endpoints)
        if change is not None:
            changes.append(change)
    changes.extend(join_changes(inventory, members, sessions, wanted))
    return tuple(sorted(changes, key=lambda c: (c.queue, c.interface, c.action)))


def join_changes(
    inventory: Inventory,
    members: Iterable[LiveMember],
    sessions: Iterable[AgentSession],
    wanted: dict[str, dict[str, int]],
) -> list[MemberChange]:
    """Logged-in agents join the inventory's queues they are not in yet, as their login adds
    them: same interface, member name and penalty, the session's state interface, paused
    with the same reason when they are paused. The session's recorded ``queues`` grows, so
    their logout leaves the new queue too (docs/runtime-contract.md).

    Logged in: the session has ``since`` (the login's commit point) and the agent is a live
    member here. A session alone (left behind, stale) never puts an agent in a queue; an
    agent in no queue at all joins at their next login.
    """
    live: dict[str, list[LiveMember]] = {}
    for member in members:
        agent_id = agent_of_interface(member.interface)
        if member.dynamic and agent_id is not None:
            live.setdefault(agent_id, []).append(member)
    changes: list[MemberChange] = []
    for session in sessions:
        agent, joined = inventory.agent(session.agent), live.get(session.agent)
        if agent is None or not joined or not session.value("since"):
            continue
        queues = {m.queue for m in joined}
        missing = sorted(q for q, penalties in wanted.items() if agent.id in penalties)
        missing = [q for q in missing if q not in queues]
        recorded = [q for q in session.value("queues").split(",") if q]
        record = ",".join(dict.fromkeys([*recorded, *missing]))
        puts = ((f"{AGENT_FAMILY}/{agent.id}", "queues", record),)
        paused = next((m for m in joined if m.paused), None)
        changes.extend(
            MemberChange(
                "add",
                queue,
                joined[0].interface,
                wanted[queue][agent.id],
                f"agent {agent.id} is logged in and joined queue {queue} in the inventory",
                agent=agent.id,
                name=member_name(agent.name),
                state_interface=session.value("device"),
                paused=paused is not None,
                pause_reason=paused.reason if paused is not None else "",
                puts=puts,
            )
            for queue in missing
        )
    return changes


def member_name(name: str) -> str:
    """The member name the AGI login gives AddQueueMember (agi/queues.py): a comma cannot be
    passed to the application, it becomes a blank; everything else arrives as written."""
    return name.replace(",", " ")


def _endpoints(inventory: Inventory) -> frozenset[str]:
    """The PJSIP endpoints of an inventory part: every agent's own and every phone's."""
    return frozenset(a.id for a in inventory.agents) | frozenset(p.id for p in inventory.phones)


def _member_change(
    inventory: Inventory,
    member: LiveMember,
    agent: str,
    penalty: int | None,
    endpoints: frozenset[str],
) -> MemberChange | None:
    """What must change for one of our live members (``penalty``: the one desired, None
    when the agent is not to be in that queue)."""
    queue, interface = member.queue, member.interface
    if penalty is None:
        if inventory.agent(agent) is None:
            reason = f"agent {agent} is no longer in the inventory"
        else:
            reason = f"agent {agent} left queue {queue} in the inventory"
        return MemberChange("remove", queue, interface, 0, reason)
    device = _PJSIP_DEVICE.match(member.state_interface)
    if device is not None and device.group("endpoint") not in endpoints:
        reason = (
            f"agent {agent} is logged in on {member.state_interface}, which is no longer in "
            "the inventory (Asterisk never rings it)"
        )
        return MemberChange("remove", queue, interface, 0, reason)
    if penalty != member.penalty:
        reason = f"agent {agent} penalty {member.penalty} -> {penalty} in queue {queue}"
        return MemberChange("penalty", queue, interface, penalty, reason)
    return None


def forget_changes(
    inventory: Inventory, sessions: Iterable[AgentSession]
) -> tuple[MemberChange, ...]:
    """Forget the AstDB session (and phone claims) of every agent not in this part: deleted
    from the inventory or moved to another server. Runtime state, like member changes."""
    return tuple(
        MemberChange(
            "forget",
            "",
            "",
            0,
            f"forget session of agent {session.agent} (not in this server's part)",
            agent=session.agent,
            keys=session.entries(),
        )
        for session in sessions
        if inventory.agent(session.agent) is None
    )
