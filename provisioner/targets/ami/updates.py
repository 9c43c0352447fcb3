"""Object changes -> ``UpdateConfig`` requests (one per file, split past 100000 actions).

What the transcripts prove (``/work/shared/asterisk/ami-02``, ``ami-08``, ``ami-09``) and how
it is used here; docs/ami-target.md explains it for operators:

- ``Append``/``DelCat``/``RenameCat`` on a name act on *every* category of that name, and a
  category just created by ``NewCat`` cannot be told apart from its same-named sibling. So a
  new category is built under a unique temporary name and renamed at the end (``u6``,
  ``gitops-2``): ``NewCat tmp``, ``Append tmp k v`` ..., ``RenameCat tmp -> name``.
- One category of a same-named PJSIP pair is addressed with the *quoted* filter
  ``catfilter="type=aor"`` (the unquoted form answers ``Given category does not exist``).
- An update is ``DelCat`` (filtered) + the create above: options may repeat (``allow=``,
  ``exten=``) and change order, which ``Update`` cannot express. The object moves to the end
  of the file, which Asterisk does not care about.
- ``;`` in a value is sent as ``\\;`` (Asterisk writes values verbatim to the file, where an
  unescaped ``;`` would start a comment).
- Within a request, deletes come first, then updates, then creates; the actions of one
  object are never split between two requests.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from provisioner.render.objects import PJSIP_FILE, ConfigObject
from provisioner.targets.ami.client import Action
from provisioner.targets.ami.protocol import Header
from provisioner.targets.base import ObjectChange

MAX_ACTIONS = 100_000  # Asterisk's limit of numbered actions in one UpdateConfig
TEMP_MARK = "~gitops-new~"
_ORDER = {"delete": 0, "update": 1, "create": 2}


@dataclass(frozen=True)
class Step:
    """One numbered action of an ``UpdateConfig``."""

    op: str  # NewCat, Append, DelCat, RenameCat
    cat: str
    var: str | None = None
    value: str | None = None
    options: str | None = None


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
    return f"{obj.name}{TEMP_MARK}{obj.kind or 'category'}"


def create_steps(obj: ConfigObject) -> list[Step]:
    temp = temporary_name(obj)
    steps = [Step("NewCat", temp)]
    steps.extend(Step("Append", temp, key, escape(value)) for key, value in obj.options)
    steps.append(Step("RenameCat", temp, value=obj.name))
    return steps


def delete_steps(obj: ConfigObject) -> list[Step]:
    return [Step("DelCat", obj.name, options=catfilter(obj))]


def change_steps(change: ObjectChange) -> list[Step]:
    """The steps of one change, kept together in one request."""
    steps: list[Step] = []
    if change.action in ("delete", "update"):
        assert change.before is not None
        steps.extend(delete_steps(change.before))
    if change.action in ("create", "update"):
        assert change.after is not None
        steps.extend(create_steps(change.after))
    return steps


def file_requests(
    file: str, changes: Iterable[ObjectChange], max_actions: int = MAX_ACTIONS
) -> list[Action]:
    """The ``UpdateConfig`` requests for one file: one unless it needs > ``max_actions``."""
    ordered = sorted(changes, key=lambda c: _ORDER[c.action])
    batches: list[list[Step]] = [[]]
    for change in ordered:
        steps = change_steps(change)
        if batches[-1] and len(batches[-1]) + len(steps) > max_actions:
            batches.append([])
        batches[-1].extend(steps)
    return [update_config(file, batch) for batch in batches if batch]


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
    return Action("UpdateConfig", tuple(headers))
