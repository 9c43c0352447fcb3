"""The one Protocol every target (directory, AMI) implements, and the values it exchanges.

A target does I/O and nothing else: it reads the actual state, writes changes the reconciler
decided on, reloads, verifies and records. It never decides what to change.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Literal, Protocol

from provisioner.errors import TargetError
from provisioner.render.objects import (
    EXTENSIONS_FILE,
    PJSIP_FILE,
    QUEUES_FILE,
    ConfigObject,
    ObjectKey,
)

# AstDB families of the runtime contract (docs/runtime-contract.md)
AGENT_FAMILY = "gitops/agent"  # gitops/agent/<agent>/{dial,device,interface,...}
PHONE_FAMILY = "gitops/phone"  # gitops/phone/<phone>/agent: the hot-desk claim
CLAIM_KEY = "agent"
# the Asterisk module that reads each managed file: what a reload of that file reloads
RELOAD_MODULES: dict[str, str] = {
    PJSIP_FILE: "res_pjsip.so",
    QUEUES_FILE: "app_queue.so",
    EXTENSIONS_FILE: "pbx_config.so",
}


class PartialWriteError(TargetError):
    """A write that stopped after changing part of the target: the files in ``written`` were
    written whole, ``partly`` (if any) is the file it stopped in when some of its changes may
    have landed. The reconciler reloads those and remembers their objects as unverified."""

    def __init__(self, text: str, *, written: tuple[str, ...], partly: str | None) -> None:
        super().__init__(text)
        self.written = written
        self.partly = partly

    @property
    def touched(self) -> tuple[str, ...]:
        """Every file that may hold changes not yet reloaded."""
        return self.written if self.partly is None else (*self.written, self.partly)


@dataclass(frozen=True)
class ObjectChange:
    """Create, update or delete one config category. ``before``/``after`` hold real values:
    they never leave the process (plans and logs use ``ConfigObject.redacted``)."""

    action: Literal["create", "update", "delete"]
    before: ConfigObject | None
    after: ConfigObject | None
    # why the object must be written again although nothing in it may differ (it failed the
    # read-back verification of an earlier apply); "" for an ordinary change
    reason: str = ""

    @property
    def key(self) -> ObjectKey:
        obj = self.after if self.after is not None else self.before
        assert obj is not None
        return obj.key


def by_file(changes: Sequence[ObjectChange]) -> dict[str, list[ObjectChange]]:
    """The changes of each file, files and changes in the order given (a target's write)."""
    grouped: dict[str, list[ObjectChange]] = {}
    for change in changes:
        grouped.setdefault(change.key[0], []).append(change)
    return grouped


@dataclass(frozen=True)
class LiveMember:
    """A queue member as Asterisk reports it (``QueueStatus`` ``QueueMember`` event)."""

    queue: str
    interface: str  # Location / Interface
    name: str  # Name / MemberName
    state_interface: str
    penalty: int
    paused: bool
    reason: str
    dynamic: bool  # Membership: dynamic (runtime login) vs static/realtime


@dataclass(frozen=True)
class MemberChange:
    """A change to a live (logged-in) queue member so it follows the inventory."""

    action: Literal["add", "remove", "penalty", "forget"]
    queue: str
    interface: str
    penalty: int = 0
    reason: str = ""  # why, for the plan: "agent 1001 left queue sales in the inventory"
    # "forget": the agent whose AstDB session is deleted (queue and interface are ""), and
    # the exact ``(family, key)`` entries to delete one by one (never a tree: see
    # docs/runtime-contract.md); "add": the agent who joins
    agent: str = ""
    keys: tuple[tuple[str, str], ...] = ()
    # "add" (QueueAdd, as the AGI login adds): member name, state interface ("" = none),
    # paused (with its reason) when the agent is, and the AstDB entries
    # ``(family, key, value)`` written once the member is added (the session's ``queues``)
    name: str = ""
    state_interface: str = ""
    paused: bool = False
    pause_reason: str = ""
    puts: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class AgentSession:
    """The AstDB session of an agent as the target holds it (written by the AGI login):
    ``keys`` under ``gitops/agent/<agent>/`` and the phones whose claim
    ``gitops/phone/<phone>/agent`` names the agent."""

    agent: str
    keys: tuple[str, ...]
    claims: tuple[str, ...] = ()
    values: tuple[tuple[str, str], ...] = ()  # (key, value) of the session's keys

    def value(self, key: str) -> str:
        """The value of one of the session's keys ("" when absent)."""
        return next((v for k, v in self.values if k == key), "")

    def entries(self) -> tuple[tuple[str, str], ...]:
        """The exact ``(family, key)`` AstDB entries of the session and its phone claims."""
        own = tuple((f"{AGENT_FAMILY}/{self.agent}", name) for name in self.keys)
        return own + tuple((f"{PHONE_FAMILY}/{phone}", CLAIM_KEY) for phone in self.claims)


@dataclass(frozen=True)
class StateRecord:
    """What the target remembers of the last apply: the revision, what we own, and which of
    it did not pass verification (a revision recorded with ``unverified`` objects was written
    but not wholly applied)."""

    revision: str | None
    managed: frozenset[ObjectKey]
    # managed objects written by the last apply that failed its read-back verification (not
    # live in Asterisk): planned as changes until an apply writes and verifies them
    unverified: frozenset[ObjectKey] = frozenset()


@dataclass(frozen=True)
class ActualState:
    objects: tuple[ConfigObject, ...]  # every category of the managed files
    record: StateRecord
    members: tuple[LiveMember, ...] = ()  # live queue members (empty where not known)
    sessions: tuple[AgentSession, ...] = ()  # AstDB agent sessions (empty where not known)


class Target(Protocol):
    """A place configuration is applied to."""

    @property
    def name(self) -> str:
        """How the target is shown to people, e.g. ``dir:asterisk-config/pbx1``."""
        ...

    def read(self) -> ActualState:
        """The actual state. Raises TargetError when it cannot be read."""
        ...

    def content_digest(self) -> str | None:
        """A digest of everything ``read`` reads, when the target can make one more cheaply
        than it reads (the plan cache keys on it), else None."""
        ...

    def read_part(self, names: Collection[tuple[str, str]]) -> ActualState:
        """The actual state as ``read`` has it, but of the config objects only the categories
        named by ``names`` ((file, name), any case, any kind): what apply reads again under
        the lock. The record, live members and sessions are read whole."""
        ...

    def lock(self, holder: str) -> AbstractContextManager[None]:
        """Exclusive apply lock; raises TargetError naming the holder when taken."""
        ...

    def write(self, changes: Sequence[ObjectChange]) -> None:
        """Apply config changes: all-or-nothing per file, atomic where the target allows.
        Raises PartialWriteError when it stops after changing some files."""
        ...

    def reload(self, files: Collection[str]) -> None:
        """Reload the Asterisk modules of the given managed files (no-op for a directory)."""
        ...

    def verify(self, keys: Collection[ObjectKey]) -> dict[ObjectKey, str]:
        """Read back what was written: the objects missing or dropped, with the reason."""
        ...

    def change_members(self, changes: Sequence[MemberChange]) -> None:
        """Update live queue members (QueueAdd, QueueRemove, QueuePenalty) and forget the
        sessions of agents no longer served (DBDel of each key)."""
        ...

    def save_record(self, record: StateRecord) -> None:
        """Remember the applied revision and the managed objects."""
        ...
