"""``load_inventory``: files -> YAML -> schema -> cross-references -> the frozen model."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path
from typing import Any

from provisioner.errors import InventoryError, Problem
from provisioner.gcpause import paused_gc
from provisioner.inventory import build, checks, schema
from provisioner.inventory.cache import (
    Checked,
    FileCache,
    content_key,
    default_directory,
    inventory_key,
    usable,
)
from provisioner.inventory.context import Context, Entry, Finding
from provisioner.inventory.files import (
    InventoryFile,
    read_directory,
    read_revision,
    working_revision,
)
from provisioner.inventory.linebreaks import line_break_findings
from provisioner.inventory.located import locate_findings, locate_refusals
from provisioner.inventory.yamlparse import YamlSyntaxError, locate, parse
from provisioner.model import Agent, Inventory, Queue, QueueMember, Settings, Source
from provisioner.render import rules

logger = logging.getLogger(__name__)

ID_FIELDS = {"agents": "id", "phones": "id", "queues": "name"}
# Problems reported per file: past it, checking that file stops (a 50 MB file of invalid
# items took 300 s and 10 GB to explain every one) and one more problem says so.
MAX_FILE_PROBLEMS = 100


@dataclass(frozen=True)
class LoadedFile:
    file: InventoryFile
    checked: Checked

    @property
    def invalid_items(self) -> frozenset[int] | None:
        """Indexes of items with schema problems; None when the whole file is unusable."""
        bad: set[int] = set()
        for _line, _col, path, _msg in self.checked.findings:
            if len(path) < 2 or not isinstance(path[1], int):
                return None
            bad.add(path[1])
        return frozenset(bad)


def check_file(file: InventoryFile) -> Checked:
    """Parse and schema-check one file on its own (what the cache stores)."""
    try:
        parsed = parse(file.data)
    except YamlSyntaxError as e:
        return Checked(None, (), ((e.line, e.column, (), e.message),), parsed=False)
    if not isinstance(parsed.data, dict):
        message = f"the file must be a mapping that starts with '{file.kind}:'"
        if parsed.data is None:
            message = f"the file is empty: it must start with '{file.kind}:'"
        return Checked(parsed.data, (), ((1, 1, (), message),), parsed=True)
    errors = list(islice(schema.iter_errors(file.kind, parsed.data), MAX_FILE_PROBLEMS + 1))
    where = locate(file.data, [e.path for e in errors]) if errors else {}
    findings = tuple(
        (where[e.path].line, where[e.path].column, e.path, schema.explain(e, where[e.path]))
        for e in errors
    ) + tuple(line_break_findings(file.data, parsed.data))
    if len(findings) > MAX_FILE_PROBLEMS:  # the file is left out whole: its rest is unchecked
        findings = (*sorted(findings)[:MAX_FILE_PROBLEMS], (1, 1, (), _STOPPED))
    return Checked(parsed.data, parsed.item_marks, findings, parsed=True)


_STOPPED = (
    f"stopped after {MAX_FILE_PROBLEMS} problems in this file, the rest of it is not checked: "
    "fix these first"
)


def capped(problems: list[Problem]) -> list[Problem]:
    """At most ``MAX_FILE_PROBLEMS`` problems per file (the first, by line), and then one
    saying how many more there are."""
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_file[problem.file].append(problem)
    kept: list[Problem] = []
    for file, found in by_file.items():
        if len(found) <= MAX_FILE_PROBLEMS + 1:
            kept += found
            continue
        found.sort(key=lambda p: (p.line, p.column, p.path))
        more = len(found) - MAX_FILE_PROBLEMS
        kept += found[:MAX_FILE_PROBLEMS]
        kept.append(Problem(file, 1, 1, "", f"and {more} more problems in this file, not shown"))
    return kept


def _checked(file: InventoryFile, cache: FileCache) -> Checked:
    key = content_key(file.data)
    cached = cache.get(key)
    if cached is not None:
        return cached
    checked = check_file(file)
    cache.put(key, checked)
    return checked


def _file_problems(loaded: LoadedFile) -> list[Problem]:
    return [
        Problem(loaded.file.name, line, col, schema.dotted(path), message)
        for line, col, path, message in loaded.checked.findings
    ]


def _settings(
    loaded: Sequence[LoadedFile],
) -> tuple[Settings, str | None, dict[str, Any], list[Finding]]:
    files = [lf for lf in loaded if lf.file.kind == "settings"]
    extra = [
        Finding(lf.file.name, (), f"a second settings file: {files[0].file.name} is the one used")
        for lf in files[1:]
    ]
    if not files or files[0].checked.findings:
        return Settings(), None, {}, extra
    raw: dict[str, Any] = files[0].checked.data["settings"] or {}
    name = files[0].file.name
    return build.settings(raw, Source(name, 1, 1)), name, raw, extra


def _entries(
    loaded: Sequence[LoadedFile], kind: str, settings: Settings
) -> tuple[list[Entry[Any]], set[str]]:
    entries: list[Entry[Any]] = []
    known: set[str] = set()
    for lf in (lf for lf in loaded if lf.file.kind == kind and lf.checked.parsed):
        items = lf.checked.data.get(kind) if isinstance(lf.checked.data, dict) else None
        if not isinstance(items, list):
            continue
        invalid = lf.invalid_items
        marks = lf.checked.item_marks
        for index, raw in enumerate(items):
            ident = raw.get(ID_FIELDS[kind]) if isinstance(raw, dict) else None
            if isinstance(ident, str):
                known.add(ident)
            if invalid is None or index in invalid:
                continue
            line, col = marks[index] if index < len(marks) else (1, 1)
            source = Source(lf.file.name, line, col)
            entries.append(
                Entry(_build(kind, raw, settings, source), lf.file.name, (kind, index), raw)
            )
    return entries, known


def _build(kind: str, raw: dict[str, Any], settings: Settings, source: Source) -> Any:
    if kind == "agents":
        return build.agent(raw, settings.defaults, source)
    if kind == "phones":
        return build.phone(raw, settings.defaults, source)
    return build.queue(raw, source)


def _context(loaded: Sequence[LoadedFile]) -> tuple[Context, list[Finding]]:
    settings, settings_file, settings_raw, findings = _settings(loaded)
    entries: dict[str, list[Entry[Any]]] = {}
    known: dict[str, frozenset[str]] = {}
    for kind in ID_FIELDS:
        entries[kind], ids = _entries(loaded, kind, settings)
        known[kind] = frozenset(ids)
    incomplete = frozenset(lf.file.kind for lf in loaded if not lf.checked.parsed)
    if settings_file is None and any(lf.file.kind == "settings" for lf in loaded):
        incomplete |= {"settings"}  # a broken settings file: don't guess its contents
    context = Context(
        settings=settings,
        settings_file=settings_file,
        settings_raw=settings_raw,
        agents=tuple(entries["agents"]),
        phones=tuple(entries["phones"]),
        queues=tuple(entries["queues"]),
        known=known,
        incomplete=incomplete,
    )
    return context, findings


def memberships(agents: Sequence[Agent]) -> dict[str, dict[str, int]]:
    """Queue name -> {agent id: penalty} from the agents' own queue lists."""
    by_queue: dict[str, dict[str, int]] = defaultdict(dict)
    for agent in agents:
        for membership in agent.queues:
            by_queue[membership.queue][agent.id] = membership.penalty
    return by_queue


def with_members(queue: Queue, from_agents: dict[str, int], queue_side: Any) -> Queue:
    """The queue with its members: its own member list plus the agents' memberships."""
    penalties = {m["agent"]: int(m.get("penalty", 0)) for m in queue_side or ()}
    penalties.update(from_agents)
    members = tuple(QueueMember(a, penalties[a]) for a in sorted(penalties))
    return replace(queue, members=members)


def _inventory(context: Context, revision: str) -> Inventory:
    agents = sorted((e.obj for e in context.agents), key=lambda a: a.id)
    by_queue = memberships(agents)
    queues = [
        with_members(e.obj, by_queue.get(e.obj.name, {}), e.raw.get("members"))
        for e in context.queues
    ]
    return Inventory(
        settings=context.settings,
        agents=tuple(agents),
        phones=tuple(sorted((e.obj for e in context.phones), key=lambda p: p.id)),
        queues=tuple(sorted(queues, key=lambda q: q.name)),
        revision=revision,
    )


def load_inventory(
    root: str | Path = "inventory",
    ref: str | None = None,
    *,
    use_cache: bool = True,
    cache_dir: Path | None = None,
) -> Inventory:
    """Load, validate and build the inventory; raise InventoryError with every problem.

    With ``ref`` the inventory is read at that git revision without checking it out.
    The cache (``cache_dir``, default ``cache.default_directory()``, never inside a git
    checkout) keeps parsed, schema-checked files by content hash, authenticated;
    ``use_cache=False`` bypasses it.
    """
    with paused_gc():
        return _load(Path(root), ref, use_cache, cache_dir)


def _load(root: Path, ref: str | None, use_cache: bool, cache_dir: Path | None) -> Inventory:
    if ref is not None:
        files, problems, revision = read_revision(root, ref)
    else:
        files, problems = read_directory(root)
        revision = ""
    cache = FileCache(usable(cache_dir or default_directory()) if use_cache else None)
    loaded = [LoadedFile(f, _checked(f, cache)) for f in files]
    logger.debug("inventory %s: %d files, %d from cache", root, len(files), cache.hits)
    for lf in loaded:
        problems.extend(_file_problems(lf))
    key = inventory_key((f.name, f.kind, f.data) for f in files) if use_cache else ""
    known_valid = use_cache and not problems and cache.known_valid(key)
    context, findings = _context(loaded)
    if not known_valid:
        findings.extend(checks.run_all(context))
    problems.extend(locate_findings(findings, files))
    if problems:
        raise InventoryError(capped(problems))
    inventory = replace(_inventory(context, revision or working_revision(root)), content_key=key)
    if known_valid:
        return inventory
    refusals = rules.findings(inventory)
    if refusals:  # placed in the YAML only when there is something to place
        problems.extend(locate_refusals(refusals, context, files))
    if problems:
        raise InventoryError(capped(problems))
    cache.mark_valid(key)
    return inventory


def read_files(root: str | Path, ref: str | None = None) -> list[InventoryFile]:
    """The inventory's files at git revision ``ref``, or on disk (problems left out)."""
    root = Path(root)
    return read_revision(root, ref)[0] if ref is not None else read_directory(root)[0]


def parse_files(root: str | Path, files: Sequence[InventoryFile]) -> list[tuple[str, str, Any]]:
    """The parsed YAML of ``files``, ``(name, kind, data)``, through the cache of the
    inventory at ``root``; a file that does not parse is left out.

    Nothing is validated: a revision applied long ago may not pass today's checks, and can
    still be compared with (``provisioner.inventory.changes``).
    """
    with paused_gc():
        cache = FileCache(usable(default_directory()))
        checked = [(f, _checked(f, cache)) for f in files]
    return [(f.name, f.kind, c.data) for f, c in checked if c.parsed]
