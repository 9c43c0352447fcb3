"""Placing secret problems: an endpoint's at its ``secret`` field, the master key's in settings.

The model keeps only where each agent or phone starts; the files are parsed again (only those
with a problem) to find the item's index and the line of its ``secret`` field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.errors import Problem
from provisioner.inventory import schema
from provisioner.inventory.files import InventoryFile
from provisioner.inventory.yamlparse import Path as FieldPath
from provisioner.inventory.yamlparse import YamlSyntaxError, locate, parse
from provisioner.model import Agent, Phone, Settings, Source

MASTER_KEY: FieldPath = ("settings", "secrets", "master_key_env")


@dataclass(frozen=True)
class SecretFinding:
    """A secret problem before it is placed: whose and what.

    ``master_key``: the settings' master key is missing (``owner`` is the first endpoint that
    needs it, where the problem goes when the inventory has no settings file).
    """

    owner: Agent | Phone
    message: str
    master_key: bool = False


def place_secret_findings(
    found: Sequence[SecretFinding], settings: Settings, files: Sequence[InventoryFile]
) -> list[Problem]:
    """Problems at the line of each finding's field; at its owner's source without ``files``."""
    data = {f.name: f.data for f in files}
    return [_place(f, settings, data) for f in found]


def _place(finding: SecretFinding, settings: Settings, data: Mapping[str, bytes]) -> Problem:
    owner = finding.owner
    if finding.master_key and settings.source.file in data:
        return _master_key_problem(finding.message, settings, data[settings.source.file])
    kind = "agents" if isinstance(owner, Agent) else "phones"
    src = owner.source
    text = data.get(src.file)
    index = _item_index(text, src) if text is not None else None
    if text is None or index is None:
        return Problem(
            src.file, src.line, src.column, f"{kind}[id={owner.id}].secret", finding.message
        )
    path: FieldPath = (kind, index, "secret")
    where = locate(text, [path])[path]
    return Problem(src.file, where.line, where.column, schema.dotted(path), finding.message)


def _item_index(text: bytes, source: Source) -> int | None:
    try:
        marks = parse(text).item_marks
    except YamlSyntaxError:
        return None
    mark = (source.line, source.column)
    return marks.index(mark) if mark in marks else None


def _master_key_problem(message: str, settings: Settings, text: bytes) -> Problem:
    """At ``master_key_env`` when written, else at the nearest node above it (``settings:``)."""
    where = locate(text, [MASTER_KEY])[MASTER_KEY]
    if _written(text, MASTER_KEY):
        path = schema.dotted(MASTER_KEY)
    else:
        path = "settings"
        message += f" (the default of {schema.dotted(MASTER_KEY)}, which this file does not set)"
    return Problem(settings.source.file, where.line, where.column, path, message)


def _written(text: bytes, path: FieldPath) -> bool:
    try:
        node: Any = parse(text).data
    except YamlSyntaxError:
        return False
    for part in path:
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True
