"""Reading AMI answers into the target's values, and the AstDB layout of the record and lock.

AstDB layout (family ``gitops/state``, see docs/ami-target.md):

- ``gitops/state/revision`` = the applied git revision,
- ``gitops/state/managed/<file>/<kind>/<name>`` = ``1`` for each object the tool owns, one
  key per object, so one changed agent costs a constant number of ``DBPut``/``DBDel``,
- ``gitops/state/lock`` = ``<expiry unix seconds> <token> <holder>``.

One ``DBGetTree gitops/state`` reads all of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from provisioner.render.objects import ConfigObject, ObjectKey
from provisioner.render.text import kind_of
from provisioner.targets.ami.protocol import Message
from provisioner.targets.base import LiveMember, StateRecord

STATE_FAMILY = "gitops/state"
REVISION_KEY = "revision"
LOCK_KEY = "lock"
MANAGED_FAMILY = f"{STATE_FAMILY}/managed"
NO_KIND = "-"  # AstDB path element for an object without a kind


def parse_config(file: str, response: Message) -> list[ConfigObject]:
    """A ``GetConfig`` answer -> the categories of ``file``, in order, same names kept apart.

    The kind follows the renderer's rule (``kind_of``); a PJSIP category without ``type=``
    raises TargetError."""
    categories: list[tuple[str, list[tuple[str, str]]]] = []
    number = ""  # Asterisk lists the lines of a category right after it
    lines: list[tuple[str, str]] = []
    for key, value in response.headers:
        if key[:5] == "Line-":
            if key[5:11] == number:
                option, _, option_value = value.partition("=")
                if "\\;" in option_value:
                    option_value = option_value.replace("\\;", ";")
                lines.append((option, option_value))
        elif key[:9] == "Category-":
            number, lines = key[9:], []
            categories.append((value, lines))
    objects = []
    for name, options in categories:
        kind = kind_of(file, name, options)
        objects.append(ConfigObject(file, kind, name, tuple(options)))
    return objects


def managed_location(key: ObjectKey) -> tuple[str, str]:
    """AstDB (family, key) of one managed object."""
    file, kind, name = key
    return f"{MANAGED_FAMILY}/{file}/{kind or NO_KIND}", name


@dataclass(frozen=True)
class StoredState:
    """What ``DBGetTree gitops/state`` returned."""

    record: StateRecord
    lock: str | None


def parse_tree(events: Iterable[Message]) -> StoredState:
    revision: str | None = None
    lock: str | None = None
    managed: set[ObjectKey] = set()
    for event in events:
        path = event.get("Key").strip("/")
        value = event.get("Val")
        if path == f"{STATE_FAMILY}/{REVISION_KEY}":
            revision = value or None
        elif path == f"{STATE_FAMILY}/{LOCK_KEY}":
            lock = value
        elif path.startswith(MANAGED_FAMILY + "/"):
            parts = path[len(MANAGED_FAMILY) + 1 :].split("/", 2)
            if len(parts) == 3:
                file, kind, name = parts
                managed.add((file, "" if kind == NO_KIND else kind, name))
    return StoredState(StateRecord(revision, frozenset(managed)), lock)


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
