"""An in-memory Target that records every call: for testing the orchestration alone."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager

from provisioner.errors import TargetError
from provisioner.render.objects import MANAGED_FILES, ConfigObject, ObjectKey
from provisioner.targets.base import (
    ActualState,
    LiveMember,
    MemberChange,
    ObjectChange,
    PartialWriteError,
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
        self.fail_record: str | None = None
        # (file, partly): the write stops at that file, having written the files before it
        # and, if partly, the changes of that file too
        self.fail_in: tuple[str, bool] | None = None

    @property
    def name(self) -> str:
        return "memory:test"

    def read(self) -> ActualState:
        self.calls.append("read")
        return ActualState(tuple(self.objects), self.record, tuple(self.members))

    def content_digest(self) -> str | None:
        return None

    def read_part(self, names: Collection[tuple[str, str]]) -> ActualState:
        self.calls.append("read part")
        objects = tuple(o for o in self.objects if (o.file, o.name.lower()) in names)
        return ActualState(objects, self.record, tuple(self.members))

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
        if self.fail_in is not None:
            changes = self._until_failure(changes, *self.fail_in)
        self._write(changes)
        if self.fail_in is not None:
            file, partly = self.fail_in
            written = tuple(f for f in MANAGED_FILES[: MANAGED_FILES.index(file)])
            raise PartialWriteError(
                f"{self.name} rejected a change to {file}",
                written=written,
                partly=file if partly else None,
            )

    def _until_failure(
        self, changes: Sequence[ObjectChange], file: str, partly: bool
    ) -> list[ObjectChange]:
        last = MANAGED_FILES.index(file) + (1 if partly else 0)
        return [c for c in changes if c.key[0] in MANAGED_FILES[:last]]

    def _write(self, changes: Sequence[ObjectChange]) -> None:
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
        if self.fail_record:
            raise TargetError(f"{self.name}: {self.fail_record}")
        self.calls.append("record")
        self.record = record
