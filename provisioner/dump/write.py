"""Write the dumped inventory and its report: staged, checked, then moved into place.

Everything is written into a temporary directory beside ``--out`` and loaded back with the
inventory's own loader (schema, cross-references, render rules). An agent, phone or queue
the inventory refuses (a name it forbids, an extension taken twice...) is left out with a
report entry quoting the loader's sentence, and the rest is written again, until it loads.
Then the rendered objects are compared with the live ones (``compare``), the report is
written, and the directory is moved to ``--out`` in one rename: a failure at any point
leaves ``--out`` as it was.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from provisioner.dump import compare
from provisioner.dump.build import SecretMode, build
from provisioner.dump.map import Candidate, Draft
from provisioner.dump.report import Counts, Entry, text
from provisioner.dump.yamltext import inventory_files
from provisioner.errors import DumpError, InventoryError, Problem
from provisioner.inventory import load_inventory
from provisioner.model import Inventory, SecretRef, Server
from provisioner.render import render
from provisioner.render.objects import ConfigObject

logger = logging.getLogger(__name__)

REPORT = "dump-report.txt"
MAX_ROUNDS = 6
_ITEM = re.compile(r"^(agents|phones|queues)\[(\d+)\](?:\.queues\[(\d+)\])?")
FILE_NOTES = {
    "agents": "Every pin is locked (no PIN matches it) until set with `provisioner hash-pin`. "
    "SIP passwords: see dump-report.txt.",
    "phones": "SIP passwords: see dump-report.txt.",
    "queues": "Members are not listed here: agents list their queues (agents/*.yaml).",
}


@dataclass(frozen=True)
class Staged:
    path: Path  # the temporary directory holding the inventory and the report
    inventory: Inventory  # as the inventory loader reads it back
    entries: tuple[Entry, ...]
    counts: Counts


def check_out(out: Path, force: bool) -> None:
    """Refuse an ``--out`` that is a file, holds a git repository, or is not empty (unless
    ``force``), before anything is read."""
    if out.exists() and not out.is_dir():
        raise DumpError(f"--out {out} is a file: give a directory")
    if out.resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        raise DumpError(f"--out {out} is the current directory or above it: give a new one")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if (out / ".git").exists():
        raise DumpError(
            f"--out {out} holds a git repository: dump into a directory of its own, "
            f"e.g. {out / 'inventory'}"
        )
    if not force:
        raise DumpError(
            f"--out {out} is not empty: give an empty or new directory, or --force to "
            "replace everything in it"
        )


def stage(draft: Draft, mode: SecretMode, server: Server | None, out: Path, source: str) -> Staged:
    """The inventory and report, written and checked in a temporary directory."""
    parent = out.absolute().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        temp = Path(tempfile.mkdtemp(prefix=f".{out.name}.dump-", dir=parent))
    except OSError as e:
        raise DumpError(f"cannot write beside {out}: {e.strerror}") from e
    try:
        return _stage(temp, draft, mode, server, source)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def _stage(
    temp: Path, draft: Draft, mode: SecretMode, server: Server | None, source: str
) -> Staged:
    entries = list(draft.entries)
    builtin = False
    for _ in range(MAX_ROUNDS):
        inventory, secrets = build(draft, mode, server, builtin_defaults=builtin)
        files = inventory_files(inventory, source, FILE_NOTES)
        _write_tree(temp, {name: content for name, (content, _) in files.items()})
        try:
            loaded = load_inventory(temp, use_cache=False)
        except InventoryError as e:
            owners = {name: found for name, (_, found) in files.items()}
            draft, builtin = _without(draft, e.problems, temp, owners, entries, builtin)
            continue
        break
    else:
        raise DumpError(
            "the dumped inventory still does not load after leaving out what it refused"
        )
    entries += secrets + _comparison(draft, loaded)
    counts = Counts(len(loaded.agents), len(loaded.phones), len(loaded.queues), len(secrets))
    (temp / REPORT).write_text(text(source, counts, entries), encoding="utf-8")
    return Staged(temp, loaded, tuple(entries), counts)


def commit(staged: Staged, out: Path) -> None:
    """Move the staged directory to ``out`` (its old content, if any, goes: --force). On a
    failure ``out`` is put back as it was and the staged directory removed."""
    old: Path | None = None
    try:
        if out.is_dir() and any(out.iterdir()):
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.absolute().parent))
            os.replace(out, old / "content")
        elif out.is_dir():
            out.rmdir()
        staged.path.chmod(0o777 & ~_umask())  # mkdtemp made it 0700: a plain directory now
        os.replace(staged.path, out)
    except OSError as e:
        if old is not None and not out.exists():
            os.replace(old / "content", out)  # put the old content back
        shutil.rmtree(staged.path, ignore_errors=True)
        raise DumpError(f"cannot move the dump into {out}: {e.strerror}") from e
    finally:
        if old is not None and out.exists():
            shutil.rmtree(old, ignore_errors=True)
    logger.info("wrote the dumped inventory into %s", out)


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


def _write_tree(root: Path, files: dict[str, str]) -> None:
    for child in root.iterdir():
        shutil.rmtree(child) if child.is_dir() else child.unlink()
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")


def _without(
    draft: Draft,
    problems: list[Problem],
    root: Path,
    owners: dict[str, list[str]],
    entries: list[Entry],
    builtin: bool,
) -> tuple[Draft, bool]:
    """``draft`` without what the loader refused (each left out with an entry)."""
    agents_out: set[str] = set()
    queues_out: set[str] = set()
    memberships_out: set[tuple[str, int]] = set()
    prefix = root.as_posix() + "/"
    for found in problems:  # named as they will be in --out
        problem = replace(found, message=found.message.replace(prefix, ""))
        file = problem.file.removeprefix(prefix)
        match = _ITEM.match(problem.path)
        if file == "settings.yaml" and not builtin:
            builtin = True  # the shared defaults: fall back to the built-in ones
            continue
        if match is None or file not in owners:
            shown = replace(problem, file=file)
            hint = ": check --server and --target" if file == "settings.yaml" else ""
            raise DumpError(f"the dumped inventory does not load: {shown}{hint}")
        name = owners[file][int(match.group(2))]
        if match.group(3) is not None:
            memberships_out.add((name, int(match.group(3))))
        elif match.group(1) == "queues":
            queues_out.add(name)
        else:
            agents_out.add(name)
        entries.append(_refused(match.group(1), name, draft, problem))
    return _filtered(draft, agents_out, queues_out, memberships_out), builtin


def _refused(kind: str, name: str, draft: Draft, problem: Problem) -> Entry:
    field = problem.path.split(".", 1)[1] if "." in problem.path else ""
    why = f"not mapped: the inventory refuses it ({field + ': ' if field else ''}{problem.message})"
    if kind == "queues":
        section = next((q.section for q in draft.queues if q.queue.name == name), None)
        return Entry("object", f"queue {name}", section.where if section else "", "", "", why)
    device = next((c.device for c in draft.candidates if c.id == name), None)
    where = device.endpoint.where if device else ""
    return Entry("object", f"endpoint {name}", where, "", "", why + "; its aor and auth stay too")


def _filtered(
    draft: Draft, devices: set[str], queues: set[str], memberships: set[tuple[str, int]]
) -> Draft:
    candidates: list[Candidate] = []
    for candidate in draft.candidates:
        if candidate.id in devices:
            continue
        kept = tuple(
            m
            for i, m in enumerate(candidate.queues)
            if (candidate.id, i) not in memberships and m.queue not in queues
        )
        candidates.append(replace(candidate, queues=kept))
    kept_queues = [q for q in draft.queues if q.queue.name not in queues]
    return Draft(candidates, kept_queues, draft.entries)


def _comparison(draft: Draft, inventory: Inventory) -> list[Entry]:
    """What the managed objects will differ in from the live ones they replace."""
    objects = render(inventory, _no_secret)
    by_owner: dict[str, list[ConfigObject]] = {}
    for obj in objects:
        by_owner.setdefault(obj.owner, []).append(obj)
    entries: list[Entry] = []
    for candidate in draft.candidates:
        rendered = by_owner.get(f"{candidate.kind}:{candidate.id}")
        if rendered is not None:
            entries += compare.device_entries(candidate.device, rendered)
    for queue in draft.queues:
        rendered_queue = by_owner.get(f"queue:{queue.queue.name}")
        if rendered_queue:
            entries += compare.object_entries("queue", queue.section, rendered_queue[0])
    return entries


def _no_secret(ref: SecretRef) -> str:
    """Passwords are never read: the rendered auth holds a placeholder, never compared."""
    del ref
    return "not-a-password"
