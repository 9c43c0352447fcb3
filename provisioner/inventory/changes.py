"""What changed in the inventory's YAML between two revisions, field by field (deepdiff).

The account a plan shows in its header (applied revision -> the one planned) and drift
shows next to the drift (applied revision -> the checkout): which agent, phone, queue or
setting changed, down to nested values (``agents[ann].queues[sales].penalty: 0 -> 2``).

Records are keyed by their id (agents, phones) or name (queues), and lists of mappings that
have a natural key are keyed by it too (an agent's ``queues`` by queue, a queue's
``members`` by agent, ``settings.pause_reasons`` and ``settings.servers`` by name), so an
insertion or a move between files is no change and a change names what it is about. A list
of plain values (codecs, transports, a server's agents) is shown whole, old and new.
Secrets (``pin``: a PIN hash; ``secret``: where a SIP password comes from) are never shown:
``(sensitive)``, inside added or removed records too.

Files identical at both revisions are not even parsed, and only changed records go through
``DeepDiff`` (equal records are skipped with ``==``): over a 10k-agent inventory a whole
``DeepDiff`` takes seconds, this a few hundredths (bench/bench_inventory_changes.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from provisioner.errors import ProvisionerError
from provisioner.inventory.files import InventoryFile
from provisioner.inventory.load import ID_FIELDS, parse_files, read_files

logger = logging.getLogger(__name__)

SENSITIVE = "(sensitive)"
SECRET_FIELDS = frozenset({"pin", "secret"})  # of agents and phones
RECORDS = ("agents", "phones", "queues")
# lists of mappings inside a record (or settings) keyed by one of their fields
KEYED_LISTS: dict[tuple[str, str], str] = {
    ("agents", "queues"): "queue",
    ("queues", "members"): "agent",
    ("settings", "pause_reasons"): "name",
    ("settings", "servers"): "name",
}
Action = Literal["add", "change", "remove"]
Document = dict[str, dict[str, Any]]  # section -> key -> value (settings: field -> value)
_SIGN = {"add": "+", "change": "~", "remove": "-"}


@dataclass(frozen=True)
class YamlChange:
    """One changed value: ``path`` like ``agents[ann].queues[sales].penalty``; ``old`` and
    ``new`` as YAML flow text, ``""`` when absent, ``(sensitive)`` for a secret."""

    action: Action
    path: str
    old: str
    new: str


@dataclass(frozen=True)
class InventoryChanges:
    """The account from revision ``old`` to ``new``; ``note`` says why there is none."""

    old: str
    new: str
    changes: tuple[YamlChange, ...] = ()
    note: str = ""

    def data(self) -> dict[str, Any]:
        """The JSON view (plans' ``inventory_changes``)."""
        changes = [
            {"action": c.action, "path": c.path, "old": c.old, "new": c.new} for c in self.changes
        ]
        return {"from": self.old, "to": self.new, "note": self.note, "changes": changes}

    def lines(self, heading: str) -> list[str]:
        """``heading`` then one line per change (``~ path: old -> new``), or the note."""
        if self.note:
            return [f"  {heading}: unknown ({self.note})."]
        if not self.changes:
            return [f"  {heading}: none in the YAML."]
        lines = [f"  {heading}:"]
        for change in self.changes:
            value = f"{change.old} -> {change.new}" if change.action == "change" else ""
            value = value or change.new or change.old
            lines.append(f"    {_SIGN[change.action]} {change.path}: {value}")
        return lines


def inventory_changes(
    root: str | Path, old: str, new: str, *, ref: str | None = None, server: str | None = None
) -> InventoryChanges:
    """From revision ``old`` (a commit) to the inventory at ``ref`` (on disk when None),
    whose revision is ``new``; only what concerns ``server`` when given. Never raises: a
    revision that cannot be read gives an account with a ``note`` saying why."""
    if old == "working-tree" or old.endswith("-dirty"):
        note = f"revision {old} was applied from uncommitted files, which cannot be read back"
        return InventoryChanges(old, new, note=note)
    try:
        old_files, new_files = read_files(root, old), read_files(root, ref)
    except ProvisionerError as e:  # informative only: the plan goes on without it
        logger.debug("no account of the inventory changes since %s: %s", old, e)
        shallow = str(e).startswith("unknown git revision")
        hint = "; fetch the full git history (fetch-depth: 0, GIT_DEPTH: 0)" if shallow else ""
        return InventoryChanges(old, new, note=f"{e}{hint}")
    # a file of agents, phones or queues found byte for byte at both revisions (even under
    # another name) holds the same records on both sides: it cannot hold a change, and is
    # neither parsed nor compared (ids are unique across files in a valid inventory)
    same = {(f.kind, f.data) for f in old_files} & {(f.kind, f.data) for f in new_files}
    before, after = (
        document(parse_files(root, [f for f in files if _kept(f, same)]))
        for files in (old_files, new_files)
    )
    return InventoryChanges(old, new, compare(before, after, server))


def _kept(file: InventoryFile, same: set[tuple[str, bytes]]) -> bool:
    return file.kind == "settings" or (file.kind, file.data) not in same


def document(files: Iterable[tuple[str, str, Any]]) -> Document:
    """The files' YAML as one document: the first settings file (its lists keyed), the
    records by id (their own lists are keyed when compared)."""
    doc: Document = {"settings": {}, **{kind: {} for kind in RECORDS}}
    settings_seen = False
    for _name, kind, data in files:
        body = data.get(kind) if isinstance(data, dict) else None
        if kind == "settings" and isinstance(body, dict) and not settings_seen:
            doc["settings"], settings_seen = _keyed("settings", body), True
        elif kind in RECORDS and isinstance(body, list):
            for item in body:
                ident = item.get(ID_FIELDS[kind]) if isinstance(item, dict) else None
                if isinstance(ident, str):
                    doc[kind][ident] = item  # keyed only if it changed (_record_changes)
    return doc


def _keyed(section: str, item: dict[str, Any]) -> dict[str, Any]:
    keyed = dict(item)
    for (where, field), key in KEYED_LISTS.items():
        values = keyed.get(field)
        if where != section or not isinstance(values, list):
            continue
        names = [v.get(key) if isinstance(v, dict) else None for v in values]
        if all(isinstance(n, str | int) for n in names) and len(set(names)) == len(names):
            keyed[field] = {str(n): v for n, v in zip(names, values, strict=True)}
    return keyed


def compare(before: Document, after: Document, server: str | None = None) -> tuple[YamlChange, ...]:
    """Every change from ``before`` to ``after``, in path order; with ``server``, only its
    own entry of ``settings.servers`` and the records it serves at either revision."""
    changes = [
        c
        for c in _changes(["settings"], before["settings"], after["settings"])
        if server is None
        or not c.path.startswith("settings.servers[")
        or c.path.startswith(f"settings.servers[{server}]")
    ]
    for kind in RECORDS:
        shown = _served(before, kind, server) | _served(after, kind, server)
        old, new = before[kind], after[kind]
        for ident in sorted((old.keys() | new.keys()) & shown):
            if old.get(ident) != new.get(ident):
                changes.extend(_record_changes(kind, ident, old.get(ident), new.get(ident)))
    return tuple(changes)


def _served(doc: Document, kind: str, server: str | None) -> set[str]:
    """The ids of ``kind`` that ``server`` serves in ``doc`` (unset list: all)."""
    every = set(doc[kind])
    servers = doc["settings"].get("servers")
    entry = servers.get(server) if server is not None and isinstance(servers, dict) else None
    if not isinstance(entry, dict) or not isinstance(entry.get(kind), list):
        return every
    return {str(name) for name in entry[kind]}


def _record_changes(kind: str, ident: str, old: Any, new: Any) -> list[YamlChange]:
    where = [kind, ident]
    if old is None:
        return [YamlChange("add", _path(where), "", _shown(where, new))]
    if new is None:
        return [YamlChange("remove", _path(where), _shown(where, old), "")]
    return _changes(where, _keyed(kind, old), _keyed(kind, new))


def _changes(where: list[str], old: Any, new: Any) -> list[YamlChange]:
    """The leaves that differ between two values of the path ``where`` (DeepDiff)."""
    from deepdiff import DeepDiff  # 50 ms to import: paid only when something changed

    found: dict[str, YamlChange] = {}
    for levels in DeepDiff(old, new, view="tree").tree.values():
        for level in levels:
            path = list(level.path(output_format="list"))
            while path and isinstance(path[-1], int):  # an item of a plain list: the list
                path.pop()
            full = [*where, *map(str, path)]
            before, after = _at(old, path), _at(new, path)
            action: Action = "change"
            if before is _ABSENT or after is _ABSENT:
                action = "add" if before is _ABSENT else "remove"
            found[_path(full)] = YamlChange(
                action, _path(full), _shown(full, before), _shown(full, after)
            )
    return [found[key] for key in sorted(found)]


class _Absent:
    pass


_ABSENT: Any = _Absent()


def _at(value: Any, path: list[Any]) -> Any:
    """The value at ``path`` (keys and list indexes), or ``_ABSENT``."""
    for step in path:
        found = isinstance(value, Mapping) and step in value
        found = found or (isinstance(value, list) and isinstance(step, int) and step < len(value))
        if not found:
            return _ABSENT
        value = value[step]
    return value


def _path(parts: list[str]) -> str:
    """``agents[ann].queues[sales].penalty``: an id or a keyed item in brackets."""
    section, text = parts[0], parts[0]
    bracket = section in RECORDS
    for part in parts[1:]:
        text += f"[{part}]" if bracket else f".{part}"
        bracket = not bracket and (section, part) in KEYED_LISTS
    return text


def _shown(path: list[str], value: Any) -> str:
    """A value as the inventory writes it (keyed lists back to lists), secrets hidden."""
    if value is _ABSENT:
        return ""
    section = path[0]
    secrets = section in ("agents", "phones")
    if secrets and len(path) > 2 and path[2] in SECRET_FIELDS:
        return SENSITIVE
    if section in RECORDS and len(path) == 2 and isinstance(value, dict):  # a whole record
        value = {
            k: SENSITIVE if secrets and k in SECRET_FIELDS else _as_written(section, k, v)
            for k, v in value.items()
        }
    elif section == "settings" and len(path) == 1 and isinstance(value, dict):
        value = {k: _as_written(section, k, v) for k, v in value.items()}
    else:
        value = _as_written(section, path[-1], value)
    return _flow(value)


def _as_written(section: str, field: str, value: Any) -> Any:
    if (section, field) in KEYED_LISTS and isinstance(value, dict):
        return list(value.values())
    return value


def _flow(value: Any) -> str:
    """YAML flow style on one line, as the value would be written in the inventory."""
    text = yaml.safe_dump(
        value, default_flow_style=True, width=1 << 30, allow_unicode=True, sort_keys=False
    )
    return text.removesuffix("\n").removesuffix("\n...")
