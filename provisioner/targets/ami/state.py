"""Reading AMI answers into the target's values (config, live members, the lock's value).

Everything the target keeps in AstDB lives under family ``gitops/state``: the lock
(``lock`` = ``<expiry unix seconds> <token> <holder>``, see ``lock.py``) and the state record
(``revision``, ``buckets``, ``managed/<i>``, see ``record.py``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from sys import intern

from provisioner.render.objects import ConfigObject
from provisioner.render.text import kind_of
from provisioner.targets.ami.protocol import Message
from provisioner.targets.base import LiveMember

STATE_FAMILY = "gitops/state"
REVISION_KEY = "revision"
LOCK_KEY = "lock"


def key_under(path: str, family: str) -> str:
    """The rest of an AstDB key ``path`` below ``family`` (exact, case-sensitive), else ""."""
    return path[len(family) + 1 :] if path.startswith(family + "/") else ""


def parse_config(file: str, response: Message) -> list[ConfigObject]:
    """A ``GetConfig`` answer -> the categories of ``file``, in order, same names kept apart.

    The kind follows the renderer's rule (``kind_of``); a PJSIP category without ``type=``
    raises TargetError.

    One pass over up to 400000 headers (10k agents), so the loop does the least per line: one
    slice compares a header with ``Line-<current category number>``, and a PJSIP category's
    kind is its last ``type=`` value, taken while its lines are read. A line met before
    (``type=endpoint``, ``context=from-sip``: most of them) is kept once, and every key
    (``exten``) is one string: the objects of a 10k-agent read weigh half as much.
    """
    pjsip = file.rsplit("/", 1)[-1].startswith("pjsip")
    objects: list[ConfigObject] = []
    name: str | None = None  # no category yet: lines before the first one are dropped
    options: list[tuple[str, str]] = []
    kind: str | None = None
    line_prefix = "Line-"  # Asterisk lists the lines of a category right after it
    seen: dict[str, tuple[str, str]] = {}
    for key, value in response.lines():
        if key[:11] == line_prefix:  # key[:5] == "Line-" and key[5:11] == category number
            pair = seen.get(value)
            if pair is None:
                option, _, option_value = value.partition("=")
                if "\\;" in option_value:
                    option_value = option_value.replace("\\;", ";")
                pair = seen[value] = (intern(option), option_value)
            if pair[0] == "type":
                kind = pair[1]
            options.append(pair)
        elif key[:9] == "Category-":
            if name is not None:  # each object is made as soon as its lines are read
                objects.append(_config_object(file, pjsip, name, options, kind))
            name, options, kind, line_prefix = value, [], None, "Line-" + key[9:]
    if name is not None:
        objects.append(_config_object(file, pjsip, name, options, kind))
    return objects


def _config_object(
    file: str, pjsip: bool, name: str, options: list[tuple[str, str]], kind: str | None
) -> ConfigObject:
    """One category as read; ``kind_of`` decides (and refuses) unless a PJSIP ``type=`` did."""
    if not pjsip or kind is None:
        kind = kind_of(file, name, options)
    return ConfigObject(file, kind, name, tuple(options))


@dataclass(frozen=True)
class LockValue:
    expires: float
    token: str
    holder: str

    def encode(self) -> str:
        return f"{self.expires:.0f} {self.token} {self.holder}"

    @staticmethod
    def decode(value: str) -> LockValue:
        expires, _, rest = value.strip().partition(" ")
        token, _, holder = rest.partition(" ")
        try:
            when = float(expires)
        except ValueError:
            when = 0.0  # unreadable: treat as expired
        return LockValue(when, token, holder or "(unknown holder)")


def parse_members(events: Iterable[Message], queues: set[str]) -> list[LiveMember]:
    """``QueueMember`` events of a ``QueueStatus`` -> the members of the given queues."""
    members: list[LiveMember] = []
    for event in events:
        if event.event != "QueueMember" or event.get("Queue") not in queues:
            continue
        members.append(
            LiveMember(
                queue=event.get("Queue"),
                interface=event.get("Location") or event.get("Interface"),
                name=event.get("Name") or event.get("MemberName"),
                state_interface=event.get("StateInterface"),
                penalty=_int(event.get("Penalty")),
                paused=event.get("Paused").strip() in ("1", "true", "yes"),
                reason=event.get("PausedReason"),
                dynamic=event.get("Membership").strip().lower() == "dynamic",
            )
        )
    return members


def _int(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        return 0
