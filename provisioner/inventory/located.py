"""Placing problems on the YAML node they are about.

``locate_findings`` gives cross-reference findings (file and field path) their line and column.
``locate_refusals`` does the same for what the renderer refuses (``rules.findings``): each
refusal names its owner and a field relative to it, and is placed at that field when the YAML
writes it, else at the nearest node that exists (the item or its ``voice``), saying where the
value came from (``settings.defaults`` and its line, or the built-in default).
Both parse again only the files that have something to place.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from provisioner.errors import Problem
from provisioner.inventory import schema
from provisioner.inventory.context import Context, Entry, Finding
from provisioner.inventory.files import InventoryFile
from provisioner.inventory.yamlparse import Path as FieldPath
from provisioner.inventory.yamlparse import locate
from provisioner.model import Source
from provisioner.render.rules import RuleFinding

# settings fields of the model written elsewhere in settings.yaml
SETTINGS_PATHS: dict[FieldPath, FieldPath] = {
    ("outbound_context",): ("outbound", "context"),
    ("outbound_trunk",): ("outbound", "trunk"),
}
BUILT_IN = " (the built-in default)"


def locate_findings(findings: Sequence[Finding], files: Iterable[InventoryFile]) -> list[Problem]:
    """Problems with line and column, parsing again only the files that have findings."""
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_file[finding.file].append(finding)
    data = {f.name: f.data for f in files}
    problems: list[Problem] = []
    for name, found in by_file.items():
        where = locate(data.get(name, b""), [f.path for f in found])
        for f in found:
            loc = where[f.path]
            problems.append(Problem(name, loc.line, loc.column, schema.dotted(f.path), f.message))
    return problems


@dataclass(frozen=True)
class _Site:
    """Where a refusal goes: the finding to place, and the default its value came from."""

    finding: Finding
    default: FieldPath | None = None  # under "settings", when inherited from settings.defaults


def locate_refusals(
    refusals: Sequence[RuleFinding], context: Context, files: Sequence[InventoryFile]
) -> list[Problem]:
    """The renderer's refusals at the line of their field in the inventory's YAML.

    A refusal whose owner the context does not know keeps its owner's source.
    """
    entries = _entries_by_source(context)
    problems: list[Problem] = []
    sites: list[_Site] = []
    for refusal in refusals:
        site = _site(refusal, context, entries)
        if site is None:
            problems.append(refusal.problem())
        else:
            sites.append(site)
    defaults = _default_lines(sites, context, files)
    placed = [_with_origin(site, defaults) for site in sites]
    return problems + locate_findings(placed, files)


def _entries_by_source(context: Context) -> dict[tuple[str, Source], Entry[Any]]:
    kinds: dict[str, Sequence[Entry[Any]]] = {
        "agents": context.agents,
        "phones": context.phones,
        "queues": context.queues,
    }
    return {(kind, e.obj.source): e for kind, found in kinds.items() for e in found}


def _site(
    refusal: RuleFinding, context: Context, entries: Mapping[tuple[str, Source], Entry[Any]]
) -> _Site | None:
    if refusal.kind == "settings":
        return _settings_site(refusal, context)
    entry = entries.get((refusal.kind, refusal.source))
    if entry is None:
        return None
    finding = entry.finding(refusal.message, *refusal.field)
    if present(entry.raw, refusal.field):
        return _Site(finding)
    if refusal.kind != "queues" and refusal.field[:1] == ("voice",):
        default = ("defaults", *refusal.field[1:])
        if context.settings_file is not None and present(context.settings_raw, default):
            return _Site(finding, ("settings", *default))
    return _Site(Finding(finding.file, finding.path, finding.message + BUILT_IN))


def _settings_site(refusal: RuleFinding, context: Context) -> _Site | None:
    if context.settings_file is None:
        return None
    raw = context.settings_raw
    field = _settings_path(refusal.field, context)
    message = refusal.message if present(raw, field) else refusal.message + BUILT_IN
    return _Site(Finding(context.settings_file, ("settings", *field), message))


def _settings_path(field: FieldPath, context: Context) -> FieldPath:
    """The model's settings field as written in the settings file."""
    if field[:1] == ("pause_reasons",) and len(field) > 1 and isinstance(field[1], int):
        reason = context.settings.pause_reasons[field[1]]
        written = context.settings_raw.get("pause_reasons") or ()
        for index, raw in enumerate(written):
            if isinstance(raw, Mapping) and raw.get("name") == reason.name:
                return ("pause_reasons", index, *field[2:])
        return ("pause_reasons",)
    return SETTINGS_PATHS.get(field, field)


def present(raw: Any, path: FieldPath) -> bool:
    """Whether the plain YAML data ``raw`` writes a value at ``path``."""
    node = raw
    for part in path:
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return False
        elif not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


def _default_lines(
    sites: Sequence[_Site], context: Context, files: Sequence[InventoryFile]
) -> dict[FieldPath, str]:
    """``file:line`` of each settings.defaults value a refusal inherits."""
    wanted = {s.default for s in sites if s.default is not None}
    name = context.settings_file
    if not wanted or name is None:
        return {}
    data = next((f.data for f in files if f.name == name), b"")
    where = locate(data, wanted)
    return {path: f"{name}:{where[path].line}" for path in wanted}


def _with_origin(site: _Site, defaults: Mapping[FieldPath, str]) -> Finding:
    if site.default is None:
        return site.finding
    origin = f" (inherited from {schema.dotted(site.default)} at {defaults[site.default]})"
    return Finding(site.finding.file, site.finding.path, site.finding.message + origin)
