"""Object changes -> ``UpdateConfig`` requests that Asterisk accepts.

What the transcripts prove (``ami-02``, ``ami-08``, ``ami-09``) and how it is used here;
docs/ami-target.md explains it for operators:

- ``Append``/``DelCat``/``RenameCat`` on a name act on *every* category of that name, and a
  category just created by ``NewCat`` cannot be told apart from its same-named sibling. So a
  new category is built under a unique temporary name and renamed at the end (``u6``,
  ``gitops-2``): ``NewCat tmp``, ``Append tmp k v`` ..., ``RenameCat tmp -> name``.
- One category of a same-named PJSIP pair is addressed with the *quoted* filter
  ``catfilter="type=aor"`` (the unquoted form answers ``Given category does not exist``).
- An update is the create above followed by ``DelCat`` (filtered) of the old category and the
  rename, in one request: options may repeat (``allow=``, ``exten=``) and change order, which
  ``Update`` cannot express. The object moves to the end of its file; Asterisk does not mind.
- A queue or dialplan context that changed a little is edited in place (``Delete`` of the
  lines that went, ``Insert``/``Append`` of the new ones, see ``edit_steps``), so that one
  agent's change to a context listing every agent stays one small request.
- ``;`` in a value is sent as ``\\;`` (Asterisk writes values verbatim to the file, where an
  unescaped ``;`` would start a comment).
- Every category carries a note that it is managed and by which owner, as a comment line
  right after ``[name]``. UpdateConfig has no action that writes a comment, but it writes a
  variable's name verbatim (``name = value``): a variable named ``; managed by ...`` is a
  comment once the file is read again, kept by every later UpdateConfig (it loads with
  comments) and invisible to GetConfig. A comment belongs to the line after it: an edit
  that deletes a category's first line writes the note again (``NOTE_KEY``).

Asterisk also bounds one AMI message: at most 128 header lines (``AST_MAX_MANHEADERS``; more
answers ``Too many lines in message``) of at most 1022 bytes each, and 100000 numbered
actions. So changes are packed into as few requests as fit. The steps that make one object
change visible (its ``DelCat`` and ``RenameCat``) always travel in one request, so every
object changes all at once or not at all. An object too large for one request (a dialplan
context of many agents) is built under its temporary name over several requests and swapped
in by the last one; ``LEFTOVER`` recognises what an interrupted build left behind.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from provisioner.render.objects import PJSIP_FILE, ConfigObject
from provisioner.targets.ami.client import Action
from provisioner.targets.ami.protocol import MAX_HEADER_LINES, Header
from provisioner.targets.base import ObjectChange

MAX_ACTIONS = 100_000  # numbered actions Asterisk reads from one UpdateConfig
BASE_LINES = 4  # Action, ActionID, SrcFilename, DstFilename
MAX_LINES = MAX_HEADER_LINES - BASE_LINES  # lines left for the numbered actions
TEMP_MARK = "~g~"  # + one letter of the kind: ``1001~g~a`` is aor 1001 under construction
OLD_TEMP_MARK = "~gitops-new~"  # what releases before 0.6 used: still recognised as leftover
MAX_CATEGORY = 79  # config.c: ``char name[80]``, longer names are silently cut (ast_copy_string)
KIND_LETTERS = {
    "endpoint": "e",
    "aor": "a",
    "auth": "u",
    "identify": "i",
    "transport": "t",
    "queue": "q",
    "context": "c",
}
_LEFTOVER = re.compile(r"~g~[a-z]$")
# the note's line: "; managed by asterisk-gitops (...): owner = agent:ann"
NOTE_KEY = "; managed by asterisk-gitops (do not edit here, change the inventory): owner"


@dataclass(frozen=True)
class Step:
    """One numbered action of an ``UpdateConfig``."""

    op: str  # NewCat, Append, DelCat, RenameCat; Delete, Insert for edits in place
    cat: str
    var: str | None = None
    value: str | None = None
    options: str | None = None
    match: str | None = None
    line: str | None = None

    @property
    def lines(self) -> int:
        fields = (self.var, self.value, self.options, self.match, self.line)
        return 2 + sum(f is not None for f in fields)


Group = list[Step]  # steps that must land in one request


def is_leftover(name: str) -> bool:
    """A category an interrupted build left under its temporary name (either suffix)."""
    return _LEFTOVER.search(name) is not None or OLD_TEMP_MARK in name


def catfilter(obj: ConfigObject) -> str | None:
    """The quoted filter that picks ``obj`` among same-named categories (PJSIP only)."""
    if obj.file == PJSIP_FILE and obj.kind:
        return f'catfilter="type={obj.kind}"'
    return None


def escape(value: str) -> str:
    """A value as Asterisk's config file must hold it: ``;`` starts a comment unless escaped.

    UpdateConfig saves values verbatim and GetConfig re-reads the file (unescaping ``\\;``),
    so the escape makes a value round-trip; ``state.parse_config`` undoes it symmetrically.
    """
    return value.replace(";", "\\;")


def temporary_name(obj: ConfigObject) -> str:
    """A name no other category has, within Asterisk's 79 bytes (``NewCat`` cuts longer
    names silently and the ``Append`` that follows then finds no category). Ids are letters,
    digits, ``_`` and ``-``, so ``~`` marks it; a name too long for the suffix is cut and a
    hash of it added (``<start>~<8 hex>~g~c``) to keep it unique."""
    suffix = f"{TEMP_MARK}{KIND_LETTERS.get(obj.kind, 'x')}"
    if len(obj.name.encode()) + len(suffix) <= MAX_CATEGORY:
        return obj.name + suffix
    digest = hashlib.sha1(obj.name.encode()).hexdigest()[:8]
    keep = MAX_CATEGORY - len(suffix) - len(digest) - 1
    return f"{obj.name.encode()[:keep].decode(errors='ignore')}~{digest}{suffix}"


def change_groups(change: ObjectChange, budget: int = MAX_LINES) -> list[Group]:
    """The steps of one change, grouped: each group goes in one request, the last one makes
    the change visible."""
    removal: Group = []
    if change.before is not None:
        removal = [Step("DelCat", change.before.name, options=catfilter(change.before))]
    if change.after is None:
        return [removal]
    obj = change.after
    if change.before is not None:
        edit = edit_steps(change.before, obj)
        if edit is not None and _lines(edit) <= budget:
            return [edit]
    temp = temporary_name(obj)
    build = [Step("NewCat", temp), note(temp, obj)]
    build += [Step("Append", temp, key, escape(value)) for key, value in obj.options]
    swap = [*removal, Step("RenameCat", temp, value=obj.name)]
    if _lines(build) + _lines(swap) <= budget:
        return [build + swap]
    return [*_chunks(build, budget), swap]


def note(category: str, obj: ConfigObject, line: str | None = None) -> Step:
    """The managed-by note of ``obj``: appended, or inserted at ``line``."""
    owner = escape(obj.owner or "asterisk-gitops")
    return Step("Insert" if line else "Append", category, NOTE_KEY, owner, line=line)


def edit_steps(before: ConfigObject, after: ConfigObject) -> Group | None:
    """Steps that turn ``before`` into ``after`` line by line, in place: what keeps the change
    of one agent in a dialplan context of ten thousand agents to one small request.

    Lines are removed with ``Delete`` matching their exact value and added with ``Insert`` at
    their position (``Append`` at the end), working from the end of the category backwards so
    that earlier positions stay valid. None (rebuild instead) for PJSIP objects (addressed by
    filter), when a line to remove is not unique (``Delete`` removes every match, case
    insensitively) or empty or holds ``;`` (escaping), when a rebuild is no larger, and when
    nothing differs (an object written again must really be written, so that the reload reads
    it anew).
    """
    if before.file == PJSIP_FILE or before.name != after.name or before.options == after.options:
        return None  # an unchanged object is written again whole (it failed verification)
    old, new = before.options, after.options
    if len({(k.lower(), v.lower()) for k, v in old}) != len(old):
        return None
    steps: Group = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        if any(not v or ";" in v for _, v in old[i1:i2]):
            return None
        steps += [Step("Delete", before.name, key, match=v) for key, v in old[i1:i2]]
        added = new[j1:j2]
        if i2 == len(old):  # the end of the category: appended lines land right there
            steps += [Step("Append", before.name, k, escape(v)) for k, v in added]
        else:
            steps += [
                Step("Insert", before.name, k, escape(v), line=str(i1 + n))
                for n, (k, v) in enumerate(added)
            ]
    if any(tag in ("delete", "replace") and i1 == 0 for tag, i1, *_ in matcher.get_opcodes()):
        steps.append(note(before.name, after, line="0"))  # it went with the first line
    return steps if _lines(steps) < 4 * len(new) + 6 else None


def file_requests(
    file: str,
    changes: Iterable[ObjectChange],
    *,
    leftovers: Iterable[str] = (),
    max_lines: int = MAX_LINES,
    max_actions: int = MAX_ACTIONS,
) -> list[Action]:
    """The ``UpdateConfig`` requests for one file, to be sent in order: leftovers removed
    first, then deletes, updates, creates, packed as full as Asterisk allows (``pack``)."""
    changes = list(changes)
    phases = [[[group] for group in cleanup_groups(leftovers)]]
    for action in ("delete", "update", "create"):
        phases.append([change_groups(c, max_lines) for c in changes if c.action == action])
    return [update_config(file, batch) for batch in pack(phases, max_lines, max_actions)]


def cleanup_groups(names: Iterable[str]) -> list[Group]:
    """Remove leftovers of an interrupted build (unique temporary names: no filter)."""
    return [[Step("DelCat", name)] for name in names]


WINDOW = 32  # the last requests a group may still join (first fit among them)


def pack(
    phases: Sequence[Sequence[Sequence[Group]]], max_lines: int, max_actions: int
) -> list[list[Step]]:
    """Requests as full as Asterisk allows, first fit: each group of a change joins the first
    of the last ``WINDOW`` requests with room for it, never one before the last request of
    the phase before (cleanup, deletes, updates, creates) nor one before the change's own
    previous group. A group is never split, so every object still changes all at once.

    Changes of one phase may land in any order: a new category is built under a temporary
    name of its own and renamed (renaming onto an existing name is allowed), a removal is
    filtered by kind, an edit in place touches its own category only."""
    batches: list[list[Step]] = []
    lines: list[int] = []
    for chains in phases:
        floor = max(0, len(batches) - 1)
        for chain in chains:
            after = floor
            for group in chain:
                size, count = _lines(group), len(group)
                after = next(
                    (
                        n
                        for n in range(max(after, len(batches) - WINDOW), len(batches))
                        if lines[n] + size <= max_lines and len(batches[n]) + count <= max_actions
                    ),
                    len(batches),
                )
                if after == len(batches):
                    batches.append([])
                    lines.append(0)
                batches[after].extend(group)
                lines[after] += size
    return [batch for batch in batches if batch]


def update_config(file: str, steps: Sequence[Step]) -> Action:
    headers: list[Header] = [("SrcFilename", file), ("DstFilename", file)]
    for number, step in enumerate(steps):
        n = f"{number:06d}"
        headers.append((f"Action-{n}", step.op))
        headers.append((f"Cat-{n}", step.cat))
        if step.var is not None:
            headers.append((f"Var-{n}", step.var))
        if step.value is not None:
            headers.append((f"Value-{n}", step.value))
        if step.options is not None:
            headers.append((f"Options-{n}", step.options))
        if step.match is not None:
            headers.append((f"Match-{n}", step.match))
        if step.line is not None:
            headers.append((f"Line-{n}", step.line))
    return Action("UpdateConfig", tuple(headers))


def _lines(steps: Iterable[Step]) -> int:
    return sum(step.lines for step in steps)


def _chunks(steps: list[Step], budget: int) -> list[Group]:
    chunks: list[Group] = [[]]
    lines = 0
    for step in steps:
        if chunks[-1] and lines + step.lines > budget:
            chunks.append([])
            lines = 0
        chunks[-1].append(step)
        lines += step.lines
    return chunks
