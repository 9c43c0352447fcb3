"""Placing secret problems: an endpoint's at its ``secret`` field, the master key's in settings.

The model keeps only where each agent or phone starts; the files are parsed again (only those
with a problem) to find the item's index and the line of its ``secret`` field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from provisioner.errors import Problem
from provisioner.inventory import schema
from provisioner.inventory.files import InventoryFile
from provisioner.inventory.located import present
from provisioner.inventory.yamlparse import Location, YamlSyntaxError, locate, parse
from provisioner.inventory.yamlparse import Path as FieldPath
from provisioner.model import Agent, Phone, Settings

MASTER_KEY: FieldPath = ("settings", "secrets", "master_key_env")
_Sites = dict[tuple[int, int], tuple[int, Location]]


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
    sites: dict[tuple[str, str], _Sites] = {}  # each file is parsed once, not once a finding
    return [_place(f, settings, data, sites) for f in found]


def _place(
    finding: SecretFinding,
    settings: Settings,
    data: Mapping[str, bytes],
    sites: dict[tuple[str, str], _Sites],
) -> Problem:
    owner = finding.owner
    if finding.master_key and settings.source.file in data:
        return _master_key_problem(finding.message, settings, data[settings.source.file])
    kind = "agents" if isinstance(owner, Agent) else "phones"
    src = owner.source
    text = data.get(src.file)
    if text is not None and (src.file, kind) not in sites:
        sites[src.file, kind] = _secret_sites(text, kind)
    site = sites.get((src.file, kind), {}).get((src.line, src.column))
    if site is None:
        return Problem(
            src.file, src.line, src.column, f"{kind}[id={owner.id}].secret", finding.message
        )
    index, where = site
    path = schema.dotted((kind, index, "secret"))
    return Problem(src.file, where.line, where.column, path, finding.message)


def _secret_sites(text: bytes, kind: str) -> _Sites:
    """Each item's start (line, column) -> its index and where its ``secret`` field is
    (the first item starting there); empty when the file does not parse."""
    try:
        marks = parse(text).item_marks
    except YamlSyntaxError:
        return {}
    paths: list[FieldPath] = [(kind, index, "secret") for index in range(len(marks))]
    where = locate(text, paths)
    sites: _Sites = {}
    for index, mark in enumerate(marks):
        sites.setdefault(mark, (index, where[paths[index]]))
    return sites


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
        data = parse(text).data
    except YamlSyntaxError:
        return False
    return present(data, path)
