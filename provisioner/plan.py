"""The plan: what apply would change on one target, as a value that can be shown and saved.

A ``Plan`` holds the real objects (it never leaves the process as is); everything that is
shown or saved goes through ``plan_data``, which is redacted: a secret is ``(sensitive)``,
a changed secret shows as changed without its value. A saved plan holds no secret; applying
it re-plans and refuses when the target (``fingerprint``), the inventory ``revision`` or the
redacted changes (``checksum``) differ from what was reviewed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import marshal
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from provisioner.diff import Diff, FieldChange, field_changes
from provisioner.errors import PlanError
from provisioner.inventory.changes import InventoryChanges
from provisioner.render.objects import ConfigObject, ObjectKey, is_sensitive
from provisioner.targets.base import ActualState, MemberChange, ObjectChange, StateRecord

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
SENSITIVE = "(sensitive)"
JsonDict = dict[str, Any]


@dataclass(frozen=True)
class Plan:
    target: str  # how the target is shown, e.g. "pbx1 (ami://gitops@10.0.0.5:5038)"
    revision: str  # inventory revision the desired state was rendered from
    fingerprint: str  # sha256 of the canonical actual state the plan was made against
    changes: tuple[ObjectChange, ...]
    members: tuple[MemberChange, ...] = ()
    unmanaged: tuple[ObjectKey, ...] = ()
    existing: int = 0  # objects of the target that are ours
    desired: frozenset[ObjectKey] = field(default_factory=frozenset)  # ours after apply
    record_outdated: bool = False  # the target's record of what is ours must be rewritten
    applied: str | None = None  # the revision the target's record says was applied
    # what changed in the YAML since ``applied`` (shown, never part of checksum or
    # fingerprint); None when not asked for or nothing to compare
    inventory_changes: InventoryChanges | None = None
    # sha256 of what apply reads again under the lock: the categories the changes touch and
    # the state record (``basis``); the plan is stale when it differs then
    basis: str = ""

    @property
    def touched(self) -> frozenset[tuple[str, str]]:
        """(file, category name in lower case) of every change: what apply reads again."""
        return touched_names(c.key for c in self.changes)

    @property
    def counts(self) -> tuple[int, int, int]:
        """(to add, to change, to destroy): what the safety thresholds judge. An object only
        written again because it was never verified (``ObjectChange.reason``, same options)
        changes nothing in the target, so it is not counted (``shown`` counts it)."""
        return _tally(c for c in self.changes if not rewrite_only(c))

    @property
    def shown(self) -> tuple[int, int, int]:
        """(to add, to change, to destroy) as shown to people: every change."""
        return _tally(self.changes)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes or self.members)

    @cached_property
    def checksum(self) -> str:
        """sha256 of the canonical redacted config changes (live members excluded: agents
        log in and out between plan and apply, so member changes are recomputed then)."""
        digest = hashlib.sha256(self.target.encode())
        for change in self.changes:
            digest.update(repr(_canonical(change)).encode())
        return digest.hexdigest()


def _tally(changes: Iterable[ObjectChange]) -> tuple[int, int, int]:
    """(creates, updates, deletes) among ``changes``."""
    actions = [c.action for c in changes]
    return actions.count("create"), actions.count("update"), actions.count("delete")


def rewrite_only(change: ObjectChange) -> bool:
    """An unverified object written again exactly as the target already holds it."""
    return (
        bool(change.reason)
        and change.before is not None
        and change.after is not None
        and change.before.options == change.after.options
    )


def make_plan(target: str, revision: str, diff: Diff, actual: ActualState) -> Plan:
    return Plan(
        target=target,
        revision=revision,
        fingerprint=fingerprint(actual),
        changes=diff.changes,
        members=diff.members,
        unmanaged=diff.unmanaged,
        existing=diff.existing,
        desired=diff.desired,
        record_outdated=(
            actual.record.managed != diff.desired or not actual.record.unverified <= diff.desired
        ),
        applied=actual.record.revision,
        basis=basis(actual, touched_names(c.key for c in diff.changes)),
    )


def fingerprint(actual: ActualState) -> str:
    """sha256 of the config objects (in key order) and the state record.

    Live members are left out: they are runtime state, not something a plan is made against.
    The rows are serialised by ``marshal`` version 2, which writes every value in full (later
    versions refer back to objects met before, so the bytes would depend on which strings
    happen to be shared): 0.06 s for 22k objects where ``repr`` took 0.17 s.
    """
    rows = sorted([(o.file, o.kind, o.name, o.options) for o in actual.objects])
    return _digest(rows, actual.record)


def basis(actual: ActualState, names: Collection[tuple[str, str]]) -> str:
    """sha256 of the categories of ``names`` ((file, lower-case name): Asterisk compares
    names ignoring case) and of the state record: what a plan touching those names stands on.
    The same from a whole read and from one of only those names (``Target.read_part``)."""
    rows = sorted(
        [
            (o.file, o.kind, o.name, o.options)
            for o in actual.objects
            if (o.file, o.name.lower()) in names
        ]
    )
    return _digest(rows, actual.record)


def touched_names(keys: Iterable[ObjectKey]) -> frozenset[tuple[str, str]]:
    return frozenset((file, name.lower()) for file, _, name in keys)


def _digest(
    rows: list[tuple[str, str, str, tuple[tuple[str, str], ...]]], record: StateRecord
) -> str:
    digest = hashlib.sha256()
    for start in range(0, len(rows), 1024):  # not all 20 MB of a 10k-agent state at once
        digest.update(marshal.dumps(rows[start : start + 1024], 2))
    managed = sorted(record.managed)
    digest.update(marshal.dumps((record.revision, managed, sorted(record.unverified)), 2))
    return digest.hexdigest()


def _redacted(obj: ConfigObject | None) -> tuple[tuple[str, str], ...] | None:
    return None if obj is None else obj.redacted().options


def _canonical(change: ObjectChange) -> tuple[object, ...]:
    """What a reviewer saw of one change: its redacted objects, and which secrets change."""
    before, after = change.before, change.after
    secrets = tuple(
        sorted(
            key
            for key in {k for obj in (before, after) if obj for k, _ in obj.options}
            if is_sensitive(key) and _values_of(before, key) != _values_of(after, key)
        )
    )
    return (change.action, change.key, _redacted(before), _redacted(after), secrets, change.reason)


def _values_of(obj: ConfigObject | None, key: str) -> tuple[str, ...]:
    return () if obj is None else tuple(v for k, v in obj.options if k == key)


def _shown(field: FieldChange, values: tuple[str, ...]) -> list[str]:
    if field.sensitive:
        return [SENSITIVE] if values else []
    return list(values)


def field_data(field: FieldChange) -> JsonDict:
    return {
        "key": field.key,
        "old": _shown(field, field.old),
        "new": _shown(field, field.new),
        "sensitive": field.sensitive,
    }


def change_data(change: ObjectChange) -> JsonDict:
    file, kind, name = change.key
    obj = change.after if change.after is not None else change.before
    assert obj is not None
    return {
        "action": change.action,
        "file": file,
        "kind": kind,
        "name": name,
        "owner": obj.owner,
        "reason": change.reason,
        "fields": [field_data(f) for f in field_changes(change)],
    }


def member_data(change: MemberChange) -> JsonDict:
    return {
        "action": change.action,
        "queue": change.queue,
        "interface": change.interface,
        "penalty": change.penalty,
        "reason": change.reason,
        "agent": change.agent,
        "keys": [f"{family}/{key}" for family, key in change.keys],
        "name": change.name,
        "state_interface": change.state_interface,
        "paused": change.paused,
        "pause_reason": change.pause_reason,
    }


def plan_data(plan: Plan) -> JsonDict:
    """The redacted, JSON-ready view of a plan (``--format json`` and saved plans)."""
    add, change, destroy = plan.shown
    return {
        "target": plan.target,
        "revision": plan.revision,
        "fingerprint": plan.fingerprint,
        "checksum": plan.checksum,
        "summary": {
            "add": add,
            "change": change,
            "destroy": destroy,
            "members": len(plan.members),
        },
        "changes": [change_data(c) for c in plan.changes],
        "member_changes": [member_data(m) for m in plan.members],
        "unmanaged": [{"file": f, "kind": k, "name": n} for f, k, n in plan.unmanaged],
        "inventory_changes": account.data() if (account := plan.inventory_changes) else None,
    }


def plan_account(plan: Plan) -> list[str]:
    account = plan.inventory_changes
    if account is None:
        return []
    return account.lines(f"Inventory changes since the applied revision {account.old}")


def to_json(plans: Sequence[Plan], options: JsonDict | None = None) -> str:
    """The JSON document of ``--format json`` and of a saved plan (``plan --out``).

    Compact, like ``terraform show -json``: the C encoder only runs without ``indent``, and an
    indented 10k-agent first plan took 2.3 s to encode (pipe it through ``jq`` to read it).
    """
    document: JsonDict = {"format_version": FORMAT_VERSION, "options": options or {}}
    document["targets"] = [plan_data(p) for p in plans]
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"


@dataclass(frozen=True)
class SavedPlan:
    """What a saved plan promises for one target: checked against a fresh plan at apply."""

    target: str
    revision: str
    fingerprint: str
    checksum: str


@dataclass(frozen=True)
class SavedPlanFile:
    plans: tuple[SavedPlan, ...]
    options: JsonDict  # how the plan was made (target spec, server, ref), reused by apply


def save(path: Path, plans: Sequence[Plan], options: JsonDict) -> None:
    """Write the redacted plan; it holds no secret."""
    try:
        path.write_text(to_json(plans, options), encoding="utf-8")
    except OSError as e:
        raise PlanError(f"cannot save the plan to {path}: {e.strerror}") from e
    logger.info("saved plan for %d target(s) to %s", len(plans), path)


def load(path: Path) -> SavedPlanFile:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PlanError(f"cannot read the plan file {path}: {e.strerror}") from e
    except ValueError as e:
        raise PlanError(f"{path} is not a plan file made by 'provisioner plan --out'") from e
    try:
        if document["format_version"] != FORMAT_VERSION:
            raise PlanError(f"{path} was saved by another version; run 'provisioner plan' again")
        plans = tuple(
            SavedPlan(t["target"], t["revision"], t["fingerprint"], t["checksum"])
            for t in document["targets"]
        )
        options = dict(document.get("options") or {})
    except (KeyError, TypeError) as e:
        raise PlanError(f"{path} is not a plan file made by 'provisioner plan --out'") from e
    return SavedPlanFile(plans, options)


def check_saved(saved: SavedPlan, fresh: Plan) -> None:
    """Refuse a stale plan: one sentence saying what changed and what to do."""
    again = "run 'provisioner plan' again and review the new plan"
    if saved.revision != fresh.revision:
        raise PlanError(
            f"{fresh.target}: the saved plan was made from inventory revision "
            f"{saved.revision} but the inventory is now at {fresh.revision}; {again}"
        )
    if saved.fingerprint != fresh.fingerprint:
        raise PlanError(
            f"{fresh.target}: the target changed since the plan was made (stale plan); {again}"
        )
    if saved.checksum != fresh.checksum:
        raise PlanError(
            f"{fresh.target}: the changes differ from the saved plan (checksum mismatch); {again}"
        )
