"""app_queue as the transcripts show it: queues from config, static and dynamic members.

The AMI event bodies (``QueueMemberAdded`` etc. with ``MemberName``/``Interface``) and the
``QueueStatus`` member body (``QueueMember`` with ``Name``/``Location``) differ, as they do in
Asterisk (ami-10).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from tests.fakes.config import Category

logger = logging.getLogger(__name__)

STRATEGIES = frozenset(
    {
        "ringall",
        "leastrecent",
        "fewestcalls",
        "random",
        "rrmemory",
        "rrordered",
        "linear",
        "wrandom",
    }
)
# ast_device_state numbers, as QueueMember "Status" shows them
NOT_INUSE, INVALID, UNAVAILABLE = 1, 4, 5


@dataclass
class Member:
    """A queue member (mutable runtime state)."""

    interface: str
    name: str
    state_interface: str
    penalty: int = 0
    paused: bool = False
    reason: str = ""
    dynamic: bool = True
    login_time: int = 0
    last_pause: int = 0
    wrapuptime: int = 0
    ringinuse: bool = False


@dataclass
class Queue:
    """A queue, its parameters and its members keyed by interface."""

    name: str
    strategy: str = "ringall"
    maxlen: int = 0
    servicelevel: int = 0
    weight: int = 0
    ringinuse: bool = True
    options: dict[str, str] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)

    def sorted_members(self) -> list[Member]:
        return [self.members[key] for key in sorted(self.members)]


def _int(queue: str, option: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        logger.warning("queue %s: %s=%r is not a number, using 0", queue, option, value)
        return 0


def build_queue(category: Category, now: int, old: Queue | None) -> Queue:
    """A queue from its category; dynamic members of the previous version survive a reload."""
    queue = Queue(category.name)
    for option, value in category.lines:
        queue.options[option] = value
        if option == "strategy":
            if value.lower() in STRATEGIES:
                queue.strategy = value.lower()
            else:
                logger.warning(
                    "queue %s: unknown strategy %r, falling back to ringall", queue.name, value
                )
        elif option == "maxlen":
            queue.maxlen = _int(queue.name, option, value)
        elif option == "servicelevel":
            queue.servicelevel = _int(queue.name, option, value)
        elif option == "weight":
            queue.weight = _int(queue.name, option, value)
        elif option == "ringinuse":
            queue.ringinuse = value.lower() in ("yes", "true", "1", "on", "y", "t")
        elif option == "member":
            member = _static_member(value, now, queue.ringinuse)
            queue.members[member.interface] = member
    if old is not None:
        for member in old.members.values():
            if member.dynamic and member.interface not in queue.members:
                queue.members[member.interface] = member
    return queue


def _static_member(value: str, now: int, ringinuse: bool) -> Member:
    """``member => interface[,penalty[,membername[,state_interface[,ringinuse[,wrapuptime]]]]]``."""
    parts = [p.strip() for p in value.split(",")]
    parts += [""] * (4 - len(parts))
    interface = parts[0]
    return Member(
        interface=interface,
        name=parts[2] or interface,
        state_interface=parts[3] or interface,
        penalty=int(parts[1]) if parts[1].isdigit() else 0,
        dynamic=False,
        login_time=now,
        ringinuse=ringinuse,
    )


def member_fields(queue: Queue, member: Member, status: int) -> list[tuple[str, str]]:
    """The body of QueueMemberAdded/Pause/Penalty/Removed events."""
    return [
        ("Queue", queue.name),
        ("MemberName", member.name),
        ("Interface", member.interface),
        ("StateInterface", member.state_interface),
        *_member_state(member, status),
        ("Ringinuse", "1" if member.ringinuse else "0"),
        ("Wrapuptime", str(member.wrapuptime)),
    ]


def status_member_fields(queue: Queue, member: Member, status: int) -> list[tuple[str, str]]:
    """The body of a QueueMember event inside a QueueStatus list."""
    return [
        ("Queue", queue.name),
        ("Name", member.name),
        ("Location", member.interface),
        ("StateInterface", member.state_interface),
        *_member_state(member, status),
        ("Wrapuptime", str(member.wrapuptime)),
    ]


def _member_state(member: Member, status: int) -> list[tuple[str, str]]:
    return [
        ("Membership", "dynamic" if member.dynamic else "static"),
        ("Penalty", str(member.penalty)),
        ("CallsTaken", "0"),
        ("LastCall", "0"),
        ("LastPause", str(member.last_pause)),
        ("LoginTime", str(member.login_time)),
        ("InCall", "0"),
        ("Status", str(status)),
        ("Paused", "1" if member.paused else "0"),
        ("PausedReason", member.reason),
    ]


def params_fields(queue: Queue) -> list[tuple[str, str]]:
    """The body of a QueueParams event."""
    return [
        ("Queue", queue.name),
        ("Max", str(queue.maxlen)),
        ("Strategy", queue.strategy),
        ("Calls", "0"),
        ("Holdtime", "0"),
        ("TalkTime", "0"),
        ("Completed", "0"),
        ("Abandoned", "0"),
        ("ServiceLevel", str(queue.servicelevel)),
        ("ServicelevelPerf", "0.0"),
        ("ServicelevelPerf2", "0.0"),
        ("Weight", str(queue.weight)),
    ]
