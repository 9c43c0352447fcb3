"""The state record in AstDB: the applied revision and the objects the tool owns.

Layout (family ``gitops/state``):

- ``revision`` = the applied git revision;
- ``buckets`` = N, the number of ownership buckets;
- ``managed/<i>`` (0 <= i < N) = the owned objects whose key hashes to bucket i, as
  ``<file code>/<kind>/<name>`` entries joined by ``;`` (``;`` cannot be in a category name);
  an entry marked ``!`` (``!p/endpoint/1003``) failed the read-back verification of the last
  apply (``StateRecord.unverified``), so flagging or clearing it rewrites one bucket.

An object always lands in the same bucket (CRC-32 of its entry, modulo N), so one changed
agent rewrites at most three buckets whatever the inventory size, and a first apply of
10000 agents writes some 600 values instead of 30000 keys. A value must stay well within
the 1022 bytes of an AMI line: when a bucket would outgrow ``MAX_BUCKET_BYTES``, N doubles
and every bucket is rewritten (once per doubling). One ``DBGetTree gitops/state`` reads it
all, together with the lock.
"""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field

from provisioner.render.objects import EXTENSIONS_FILE, PJSIP_FILE, QUEUES_FILE, ObjectKey
from provisioner.targets.ami.client import Action
from provisioner.targets.ami.protocol import Message
from provisioner.targets.ami.state import LOCK_KEY, REVISION_KEY, STATE_FAMILY, key_under
from provisioner.targets.base import StateRecord

BUCKETS_KEY = "buckets"
MANAGED_FAMILY = f"{STATE_FAMILY}/managed"
INITIAL_BUCKETS = 16
MAX_BUCKET_BYTES = 900
ENTRY_SEPARATOR = ";"
NO_KIND = "-"
UNVERIFIED_MARK = "!"  # before an entry: the object failed verification (no file code has it)
_FILE_CODES = {PJSIP_FILE: "p", QUEUES_FILE: "q", EXTENSIONS_FILE: "e"}
_CODE_FILES = {code: file for file, code in _FILE_CODES.items()}


@dataclass(frozen=True)
class StoredRecord:
    """The record as AstDB holds it: revision, bucket count and bucket values."""

    revision: str | None = None
    buckets: int = 0  # 0: nothing stored yet
    values: Mapping[int, str] = field(default_factory=dict)

    @property
    def record(self) -> StateRecord:
        managed: set[ObjectKey] = set()
        unverified: set[ObjectKey] = set()
        for value in self.values.values():
            for entry in value.split(ENTRY_SEPARATOR):
                if entry.startswith(UNVERIFIED_MARK):
                    key = decode_entry(entry[1:])
                    unverified.add(key)
                    managed.add(key)
                elif entry:
                    managed.add(decode_entry(entry))
        return StateRecord(self.revision, frozenset(managed), frozenset(unverified))


@dataclass(frozen=True)
class StoredState:
    """What ``DBGetTree gitops/state`` returned: the record and the lock's value."""

    stored: StoredRecord
    lock: str | None

    @property
    def record(self) -> StateRecord:
        return self.stored.record


def encode_entry(key: ObjectKey) -> str:
    file, kind, name = key
    return f"{_FILE_CODES.get(file, file)}/{kind or NO_KIND}/{name}"


def decode_entry(entry: str) -> ObjectKey:
    code, _, rest = entry.partition("/")
    kind, _, name = rest.partition("/")
    return (_CODE_FILES.get(code, code), "" if kind == NO_KIND else kind, name)


def parse_tree(events: Iterable[Message]) -> StoredState:
    revision: str | None = None
    lock: str | None = None
    buckets = 0
    values: dict[int, str] = {}
    for event in events:
        path = event.get("Key").strip("/")
        value = event.get("Val")
        name = key_under(path, STATE_FAMILY)
        if name == REVISION_KEY:
            revision = value or None
        elif name == LOCK_KEY:
            lock = value
        elif name == BUCKETS_KEY and value.isdigit():
            buckets = int(value)
        elif name.startswith("managed/") and name[8:].isdigit():
            values[int(name[8:])] = value
    return StoredState(StoredRecord(revision, buckets, values), lock)


def layout(
    managed: Iterable[ObjectKey], buckets: int, unverified: Collection[ObjectKey] = ()
) -> tuple[int, dict[int, str]]:
    """The bucket count (``buckets`` or more) and values that hold ``managed``, the entries
    of ``unverified`` marked (an entry's bucket does not depend on its mark)."""
    entries = sorted((encode_entry(key), key in unverified) for key in managed)
    count = max(buckets, INITIAL_BUCKETS)
    while True:
        grouped: dict[int, list[str]] = {}
        for entry, failed in entries:
            shown = UNVERIFIED_MARK + entry if failed else entry
            grouped.setdefault(zlib.crc32(entry.encode()) % count, []).append(shown)
        values = {i: ENTRY_SEPARATOR.join(group) for i, group in grouped.items()}
        if all(len(v.encode()) <= MAX_BUCKET_BYTES for v in values.values()):
            return count, values
        count *= 2


def record_actions(old: StoredRecord, new: StateRecord) -> tuple[list[Action], StoredRecord]:
    """The DBPut/DBDel that turn ``old`` into ``new`` (only what differs), and the result."""
    count, values = layout(new.managed, old.buckets, new.unverified)
    actions = [
        db_put(f"{MANAGED_FAMILY}", str(i), value)
        for i, value in sorted(values.items())
        if old.values.get(i) != value
    ]
    actions += [db_del(MANAGED_FAMILY, str(i)) for i in sorted(set(old.values) - set(values))]
    if count != old.buckets:
        actions.append(db_put(STATE_FAMILY, BUCKETS_KEY, str(count)))
    if new.revision != old.revision:
        if new.revision is None:
            actions.append(db_del(STATE_FAMILY, REVISION_KEY))
        else:
            actions.append(db_put(STATE_FAMILY, REVISION_KEY, new.revision))
    return actions, StoredRecord(new.revision, count, values)


def db_put(family: str, key: str, value: str) -> Action:
    return Action("DBPut", (("Family", family), ("Key", key), ("Val", value)))


def db_del(family: str, key: str) -> Action:
    return Action("DBDel", (("Family", family), ("Key", key)))
