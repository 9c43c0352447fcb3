"""What the cross-reference checks read, and what they report."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from provisioner.inventory.yamlparse import Path as FieldPath
from provisioner.model import Agent, Phone, Queue, Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Finding:
    """A problem before it is located: which file, which field, what is wrong."""

    file: str
    path: FieldPath
    message: str


@dataclass(frozen=True)
class Entry(Generic[T]):
    """One declared object with where it came from (file and index in its list)."""

    obj: T
    file: str
    path: FieldPath  # e.g. ("agents", 3)
    raw: Mapping[str, Any]

    def at(self, *parts: str | int) -> FieldPath:
        return (*self.path, *parts)

    def finding(self, message: str, *parts: str | int) -> Finding:
        return Finding(self.file, self.at(*parts), message)


@dataclass(frozen=True)
class Context:
    settings: Settings
    settings_file: str | None  # None: no settings file (defaults) or a broken one
    agents: tuple[Entry[Agent], ...]
    phones: tuple[Entry[Phone], ...]
    queues: tuple[Entry[Queue], ...]
    settings_raw: Mapping[str, Any] = field(default_factory=dict)  # the settings mapping
    # every id declared, even by entries with schema errors (so references to them resolve)
    known: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # kinds with a file that could not be read: "unknown X" checks are skipped for them
    incomplete: frozenset[str] = frozenset()

    def settings_finding(self, message: str, *parts: str | int) -> list[Finding]:
        if self.settings_file is None:
            return []
        return [Finding(self.settings_file, ("settings", *parts), message)]

    def is_known(self, kind: str, name: str) -> bool:
        return kind in self.incomplete or name in self.known.get(kind, frozenset())
