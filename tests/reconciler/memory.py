"""An in-memory Target that records every call: for testing the orchestration alone."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from provisioner.errors import TargetError
from provisioner.render.objects import ConfigObject, ObjectKey
from provisioner.targets.base import (
    ActualState,
    LiveMember,
    MemberChange,
    ObjectChange,
    StateRecord,
)


class MemoryTarget:
    def __init__(
        self,
        objects: Sequence[ConfigObject] = (),
        members: Sequence[LiveMember] = (),
        drops: Collection[ObjectKey] = (),
    ) -> None:
        self.objects = list(objects)
        self.members = list(members)
        self.record = StateRecord(None, frozenset())
        self.drops = set(drops)  # keys "Asterisk" drops on reload (invalid values)
        self.calls: list[str] = []
        self.locked_by: str | None = None
        self.fail_write: str | None = None
        self.fail_reload: str | None = None

    @property
    def name(self) -> str:
        return "memory:test"

    def read(self) -> ActualState:
        self.calls.append("read")
        return ActualState(tuple(self.objects), self.record, tuple(self.members))

    @contextmanager
    def lock(self, holder: str) -> Iterator[None]:
        if self.locked_by is not None:
            raise TargetError(f"{self.name} is locked by {self.locked_by}")
        self.locked_by = holder
        self.calls.append("lock")
        try:
            yield
        finally:
            self.locked_by = None
            self.calls.append("unlock")

    def write(self, changes: Sequence[ObjectChange]) -> None:
        if self.fail_write:
            raise TargetError(f"{self.name}: {self.fail_write}")
        self.calls.append(f"write {len(changes)}")
        by_key = {o.key: o for o in self.objects}
        for change in changes:
            by_key.pop(change.key, None)
            if change.after is not None:
                by_key[change.key] = change.after
        self.objects = list(by_key.values())

    def reload(self, files: Collection[str]) -> None:
        if self.fail_reload:
            raise TargetError(f"{self.name}: {self.fail_reload}")
        self.calls.append(f"reload {','.join(files)}")

    def verify(self, keys: Collection[ObjectKey]) -> dict[ObjectKey, str]:
        self.calls.append(f"verify {len(keys)}")
        return {k: f"dropped {k[2]}" for k in keys if k in self.drops}

    def change_members(self, changes: Sequence[MemberChange]) -> None:
        self.calls.append(f"members {len(changes)}")
        gone = {(c.queue, c.interface) for c in changes if c.action == "remove"}
        self.members = [m for m in self.members if (m.queue, m.interface) not in gone]

    def save_record(self, record: StateRecord) -> None:
        self.calls.append("record")
        self.record = record
