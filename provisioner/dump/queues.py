"""queues.conf categories (and live members) read back into queues and memberships.

The reverse of ``render.queues`` with its table (``QUEUE_OPTIONS``). A value app_queue would
not take (an unknown strategy, a number that is not one) is read as app_queue's default,
which is also what Asterisk runs; ``dump.compare`` reports the difference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from provisioner.dump.report import Entry
from provisioner.model import Queue
from provisioner.render.dialplan import AGENTS
from provisioner.render.queues import QUEUE_OPTIONS, STRATEGIES
from provisioner.targets.base import LiveMember
from provisioner.targets.snapshot import Section

GENERAL = "general"  # queues.conf's own section
ALIASES = {"music": "musicclass", "musiconhold": "musicclass"}  # app_queue's other spellings
_AGENT_INTERFACE = re.compile(rf"^Local/(?P<agent>[^@/]+)@{re.escape(AGENTS)}(?:/n)?$")
_PJSIP_INTERFACE = re.compile(r"^PJSIP/(?P<endpoint>[^/,]+)$")


@dataclass(frozen=True)
class Member:
    """A queue member that names an endpoint (or an agent of asterisk-gitops)."""

    queue: str
    endpoint: str  # the endpoint (or agent id) it rings
    penalty: int
    interface: str  # as Asterisk has it
    live: bool  # a live (dynamic) member rather than a member line of queues.conf


def read_queue(section: Section) -> Queue:
    """The queue a queues.conf category describes (defaults where a value is not one)."""
    queue = Queue(name=section.name)
    values = {ALIASES.get(k, k): v.strip() for k, v in section.options}
    changes: dict[str, Any] = {}
    for name, option in QUEUE_OPTIONS:
        raw = values.get(option)
        if raw is None:
            continue
        if isinstance(getattr(queue, name), int):
            if raw.isdigit():
                changes[name] = int(raw)
        elif name != "strategy" or raw in STRATEGIES:
            changes[name] = raw
    return replace(queue, **changes)


def static_members(section: Section) -> tuple[list[Member], list[Entry]]:
    """The ``member =>`` lines naming a PJSIP endpoint, and a note for every other one."""
    members: list[Member] = []
    notes: list[Entry] = []
    for value in section.values("member"):
        interface, _, rest = value.partition(",")
        penalty_text = rest.partition(",")[0].strip()
        penalty = int(penalty_text) if penalty_text.isdigit() else 0
        endpoint = _endpoint_of(interface.strip())
        if endpoint is None:
            notes.append(_not_agent(section, value, "not a PJSIP endpoint"))
        else:
            members.append(Member(section.name, endpoint, penalty, interface.strip(), False))
    return members, notes


def live_members(members: tuple[LiveMember, ...]) -> list[Member]:
    """The dynamic members that ring an endpoint or an asterisk-gitops agent."""
    found: list[Member] = []
    for member in members:
        if not member.dynamic:
            continue  # a member line of queues.conf: read from the file
        endpoint = _endpoint_of(member.interface)
        if endpoint is not None:
            found.append(Member(member.queue, endpoint, member.penalty, member.interface, True))
    return found


def _endpoint_of(interface: str) -> str | None:
    for pattern, group in ((_AGENT_INTERFACE, "agent"), (_PJSIP_INTERFACE, "endpoint")):
        match = pattern.match(interface)
        if match is not None:
            return match.group(group)
    return None


def _not_agent(section: Section, value: str, why: str) -> Entry:
    return Entry(
        "note",
        f"queue {section.name}",
        section.where,
        "member",
        value,
        f"{why}: no membership in the inventory",
    )


def general_entry(section: Section) -> Entry:
    shown = ", ".join(f"{k}={v}" for k, v in section.options) or "empty"
    return Entry(
        "object",
        "queues.conf [general]",
        section.where,
        "",
        shown,
        "app_queue's own settings stay in queues.conf (keep persistentmembers=yes)",
    )
