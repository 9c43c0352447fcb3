"""The dump report: every live object, option and value the inventory does not hold as it is.

Four kinds of entries, each one line naming the object, where it was read, the option and the
value: objects not mapped (left as they are), options left (no inventory setting: the managed
object will not have them), changes (what the managed object will differ in once it replaces
the live one) and notes. Nothing read is dropped without a line here.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Kind = Literal["object", "option", "change", "secret", "note"]

TITLES: dict[Kind, str] = {
    "object": "Not mapped: objects left as they are",
    "option": "Options with no inventory setting: the managed objects will not have them",
    "change": "Changes when the managed objects replace the live ones",
    "secret": "SIP passwords to fill (never read, never written)",
    "note": "Notes",
}


@dataclass(frozen=True)
class Entry:
    kind: Kind
    what: str  # "endpoint 1001", "queue sales", "transport transport-udp", "context default"
    where: str = ""  # "pjsip.conf:12", "pjsip.conf" (over AMI), "" when not from a file
    option: str = ""
    value: str = ""  # the live value, or "live -> managed" for a change
    note: str = ""

    def line(self) -> str:
        head = f"{self.what} ({self.where})" if self.where else self.what
        body = ""
        if self.option:
            body = f"{self.option}={self.value}" if self.kind == "option" else self.option
            if self.kind != "option" and self.value:
                body += f": {self.value}"
        elif self.value:
            body = self.value
        text = f"{head}: {body}" if body else head
        return f"{text}; {self.note}" if self.note else text


@dataclass(frozen=True)
class Counts:
    agents: int
    phones: int
    queues: int
    secrets: int

    def mapped(self) -> str:
        return (
            f"{plural(self.agents, 'agent')}, {plural(self.phones, 'phone')}, "
            f"{plural(self.queues, 'queue')} mapped"
        )


def grouped(entries: Sequence[Entry]) -> list[str]:
    """One line per entry, except that options and changes alike but for the object (the
    same qualify_frequency on 500 aors) share one line, followed by every object's name (in
    order, indented, wrapped)."""
    groups: dict[tuple[str, ...], list[Entry]] = {}
    for index, entry in enumerate(entries):
        kind_of_object, _, _ = entry.what.partition(" ")
        alike = entry.kind in ("option", "change", "secret") and entry.option
        key = (
            (entry.kind, kind_of_object, entry.option, entry.value, entry.note)
            if alike
            else (str(index),)
        )
        groups.setdefault(key, []).append(entry)
    lines: list[str] = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            lines.append(first.line())
            continue
        what = f"{first.what.partition(' ')[0]} ({len(group)} alike)"
        lines.append(Entry(first.kind, what, "", first.option, first.value, first.note).line())
        names = ", ".join(e.what.partition(" ")[2] for e in group)
        lines += textwrap.wrap(names, 96, initial_indent="    ", subsequent_indent="    ")
    return lines


def count(entries: Iterable[Entry], kind: Kind) -> int:
    return sum(1 for e in entries if e.kind == kind)


def summary(counts: Counts, entries: Sequence[Entry]) -> str:
    """The one line the command ends with (also the report's last line)."""
    return (
        f"{counts.mapped()}; {plural(count(entries, 'object'), 'object')} not mapped, "
        f"{plural(count(entries, 'option'), 'option')} left, "
        f"{plural(count(entries, 'change'), 'change')} on adoption, "
        f"{plural(counts.secrets, 'SIP password')} to fill"
    )


def plural(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def text(source: str, counts: Counts, entries: Sequence[Entry]) -> str:
    """The report file: a header, one section per kind (in file order), the counts."""
    lines = [
        "# provisioner dump report",
        f"# source: {source}",
        "# Every object, option and value read that the inventory does not hold as it is.",
        "# No password is written in this report or in the inventory.",
    ]
    for kind, title in TITLES.items():
        chosen = [e for e in entries if e.kind == kind]
        lines += ["", f"== {title} ({len(chosen)})"]
        lines += grouped(chosen) or ["(none)"]
    lines += ["", "== Counts", summary(counts, entries)]
    return "\n".join(lines) + "\n"
