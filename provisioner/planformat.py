"""The plan as people read it: Terraform's text (``+ ~ -`` and one summary line per target)
and the Markdown a CI job posts on a pull request, both from the redacted ``plan_data``."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher

from provisioner.diff import grouped_options
from provisioner.plan import (
    SENSITIVE,
    JsonDict,
    Plan,
    change_data,
    member_data,
    plan_account,
)
from provisioner.render.objects import is_sensitive
from provisioner.targets.base import ObjectChange


def _values(values: list[str]) -> str:
    return ", ".join(values) if values else "(none)"


_SIGN = {"create": "+", "update": "~", "delete": "-"}


def _change_lines(change: ObjectChange) -> list[str]:
    """The lines of one change: a heading, then (not for a delete) its fields' lines.

    A create shows every value of its new object, grouped by key in file order: that is
    what its ``change_data`` fields hold, written out here without building them."""
    obj = change.after if change.after is not None else change.before
    assert obj is not None
    owner = f"  ({obj.owner})" if obj.owner else ""
    why = f" ({change.reason})" if change.reason else ""
    lines = [f"  {_SIGN[change.action]} {obj.file}: {obj.kind} {obj.name!r}{why}{owner}"]
    if change.action == "create":
        for key, values in grouped_options(obj).items():
            shown = (SENSITIVE,) if is_sensitive(key) else values
            lines.extend([f"      {key}: {value}" for value in shown])
    elif change.action == "update":
        for item in change_data(change)["fields"]:
            lines.extend(_field_lines(item))
    return lines


def _field_lines(change: JsonDict) -> list[str]:
    """An updated key: ``key: old -> new`` for a single value; for a repeated key
    (``exten``, several ``allow``), the values removed and added."""
    key, old, new = change["key"], change["old"], change["new"]
    if len(old) <= 1 and len(new) <= 1:
        return [f"      {key}: {_values(old)} -> {_values(new)}"]
    lines = [f"      {key}:"]
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag != "equal":
            lines.extend(f"        - {value}" for value in old[i1:i2])
            lines.extend(f"        + {value}" for value in new[j1:j2])
    return lines


def _member_lines(data: JsonDict) -> list[str]:
    if data["action"] == "forget":
        return [f"  - {data['reason']}: {len(data['keys'])} AstDB key(s)"]
    if data["action"] == "add":
        paused = f", paused: {data['pause_reason'] or 'no reason'}" if data["paused"] else ""
        what = (
            f"+ add {data['interface']} to queue {data['queue']} "
            f"(penalty {data['penalty']}{paused})"
        )
    elif data["action"] == "remove":
        what = f"- remove {data['interface']} from queue {data['queue']}"
    else:
        what = f"~ penalty {data['penalty']} for {data['interface']} in queue {data['queue']}"
    return [f"  {what}: {data['reason']}"]


def summary_line(plan: Plan) -> str:
    if not plan.has_changes and plan.unmanaged:
        return (
            f"No changes to apply; {len(plan.unmanaged)} object(s) in the managed files were"
            " not written by asterisk-gitops (listed above)."
        )
    if not plan.has_changes:
        return "No changes. The target matches the inventory."
    add, change, destroy = plan.shown
    line = f"Plan: {add} to add, {change} to change, {destroy} to destroy."
    forgets = sum(1 for m in plan.members if m.action == "forget")
    if len(plan.members) > forgets:
        line = f"{line[:-1]}, {len(plan.members) - forgets} live queue member(s) to update."
    if forgets:
        line = f"{line[:-1]}, {forgets} removed agent session(s) to forget."
    return line


def body_lines(plan: Plan) -> list[str]:
    """The Terraform-style lines of one target's plan, without the heading."""
    lines: list[str] = []
    for change in plan.changes:
        lines.extend(_change_lines(change))
    if plan.members:
        lines.append("")
        lines.append("  Live queue members and agent sessions (runtime state):")
        for member in plan.members:
            lines.extend(_member_lines(member_data(member)))
    if plan.unmanaged:
        lines.append("")
        lines.append(
            f"  Warning: {len(plan.unmanaged)} object(s) in the managed files were not "
            "created by asterisk-gitops; they are left in place:"
        )
        lines.extend(f"  ! {file}: {kind} {name!r}" for file, kind, name in plan.unmanaged)
    return lines


def format_text(plans: Sequence[Plan]) -> str:
    """Human output: one block per target, then its summary line."""
    blocks = []
    for plan in plans:
        lines = [f"Target {plan.target}, inventory revision {plan.revision}:", ""]
        account = plan_account(plan)
        lines.extend([*account, ""] if account else [])
        body = body_lines(plan)
        lines.extend([*body, ""] if body else [])
        lines.append(summary_line(plan))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


MARKDOWN_MARKER = "<!-- asterisk-gitops:plan -->"


# GitHub refuses comments over 65536 characters; the targets' changes share this budget.
MARKDOWN_BUDGET = 60000


def format_markdown(plans: Sequence[Plan], budget: int = MARKDOWN_BUDGET) -> str:
    """A pull-request comment; the hidden marker lets CI find and edit its own comment.

    A plan too long for a comment is cut, saying how many lines the CI log has in full.
    """
    lines = [MARKDOWN_MARKER, "## asterisk-gitops plan", ""]
    share = budget // max(1, len(plans))
    for plan in plans:
        lines.append(f"### `{plan.target}`")
        lines.append("")
        lines.append(f"**{summary_line(plan)}** (inventory revision `{plan.revision}`)")
        account = [line[2:].replace("```", "'''") for line in plan_account(plan)]
        if account:
            lines.extend(["", "<details><summary>Inventory changes (YAML)</summary>", ""])
            lines.extend(["```text", *_within(account, share // 4), "```", "", "</details>"])
        body = [line.removeprefix("  ").replace("```", "'''") for line in body_lines(plan)]
        if body:
            lines.extend(["", "<details open><summary>Changes</summary>", ""])
            lines.extend(["```diff", *_within(body, share), "```", "", "</details>"])
        lines.append("")
    return "\n".join(lines)


def _within(lines: list[str], budget: int) -> list[str]:
    size = 0
    for count, line in enumerate(lines):
        size += len(line) + 1
        if size > budget:
            cut = len(lines) - count
            return [*lines[:count], f"... {cut} more line(s): the full plan is in the CI job log"]
    return lines
