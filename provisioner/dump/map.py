"""Map what was read (a ``Snapshot``) to agents, phones and queues, and report the rest.

Rules, in order, for whether an endpoint is an agent or a phone (docs/adopt.md):

1. ``--agent PATTERN`` / ``--phone PATTERN`` (shell patterns on the endpoint name);
2. an endpoint asterisk-gitops rendered keeps its kind (``set_var=GITOPS_MANAGED=agent:...``);
3. ``--agents-from`` (default ``queue,callerid``): ``queue`` makes a queue member an agent
   (a ``member =>`` line or a live member), ``callerid`` an endpoint whose caller ID name is
   a person's (``is_person``: ``"Ann Martin" <1001>``, not ``"Door phone" <201>``), ``all``
   every one;
4. every other endpoint is a phone.

An endpoint's extension is its name when that is 2-10 digits, else its caller ID number. What
cannot be mapped (no extension, a hostname contact, a transport, a template, a dialplan
context...) becomes a report entry; nothing is dropped without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from typing import Literal

from provisioner.dump.devices import Index, not_mapped
from provisioner.dump.endpoint import Device, Reading, Unmappable, read_device
from provisioner.dump.queues import (
    GENERAL,
    Member,
    general_entry,
    live_members,
    read_queue,
    static_members,
)
from provisioner.dump.report import Entry
from provisioner.model import Queue, QueueMembership, Voice
from provisioner.render.rules import DISPLAY_NAME_REFUSED
from provisioner.targets.snapshot import Section, Snapshot

DeviceKind = Literal["agent", "phone"]
AGENTS_FROM = ("queue", "callerid", "all")
_EXTENSION = re.compile(r"^[0-9]{2,10}$")
_WORD = re.compile(r"^[^\W\d_]+(?:['.-][^\W\d_]+)*\.?$")
# Words of a caller ID name that say it is a place or a device, not a person.
DEVICE_WORDS = frozenset(
    {
        "desk",
        "phone",
        "fax",
        "door",
        "lobby",
        "reception",
        "room",
        "conference",
        "meeting",
        "kitchen",
        "office",
        "hall",
        "test",
        "trunk",
        "gate",
        "printer",
        "intercom",
        "entrance",
        "floor",
        "shop",
        "store",
        "warehouse",
    }
)


@dataclass(frozen=True)
class Rules:
    """How endpoints become agents or phones (``--agents-from``, ``--agent``, ``--phone``)
    and which are left out (``--exclude``)."""

    agents_from: frozenset[str] = frozenset({"queue", "callerid"})
    agents: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """An endpoint that maps, before the inventory's own checks have seen it."""

    kind: DeviceKind
    id: str
    name: str  # agent: display name; phone: "" or its caller ID name
    extension: str
    voice: Voice
    device: Device
    queues: tuple[QueueMembership, ...] = ()


@dataclass(frozen=True)
class QueueCandidate:
    queue: Queue
    section: Section


@dataclass
class Draft:
    candidates: list[Candidate] = field(default_factory=list)
    queues: list[QueueCandidate] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)


def draft(snapshot: Snapshot, rules: Rules) -> Draft:
    """Every agent, phone and queue ``snapshot`` maps to, and entries for the rest."""
    result = Draft()
    index = Index(snapshot.pjsip, result.entries)
    members = _queues(snapshot, result)
    member_of = {m.endpoint for m in members}
    used: set[int] = set()
    readings: list[tuple[Device, Reading]] = []
    for endpoint in index.of_type("endpoint"):
        device = index.device(endpoint, snapshot.live_endpoints, rules.exclude, result.entries)
        if device is None:
            continue
        try:
            readings.append((device, read_device(device, index.protocols)))
        except Unmappable as e:
            result.entries.append(not_mapped(endpoint, f"not mapped: {e}"))
            continue
        used.update(id(s) for s in (device.endpoint, device.aor, device.auth, *device.identifies))
    for device, reading in readings:
        candidate = _candidate(device, reading, endpoint_kind(device, reading, member_of, rules))
        if candidate is None:
            result.entries.append(
                not_mapped(
                    device.endpoint,
                    "not mapped: no extension (its name is not 2-10 digits and its caller ID "
                    "has no such number); add it to the inventory by hand",
                )
            )
            continue
        result.entries += [
            Entry(
                "note",
                f"endpoint {device.endpoint.name}",
                device.endpoint.where,
                name,
                "",
                f"left at its default: {why}",
            )
            for name, why in reading.dropped
        ]
        result.candidates.append(candidate)
    _memberships(result, members)
    result.entries += index.unused(used)
    result.entries += _leftovers(snapshot)
    return result


def endpoint_kind(
    device: Device, reading: Reading, member_of: set[str], rules: Rules
) -> DeviceKind:
    """Agent or phone, by the rules in this module's docstring."""
    name = device.endpoint.name
    if any(fnmatchcase(name, p) for p in rules.agents):
        return "agent"
    if any(fnmatchcase(name, p) for p in rules.phones):
        return "phone"
    if reading.marker.startswith(("agent:", "phone:")):
        return "agent" if reading.marker.startswith("agent:") else "phone"
    if "all" in rules.agents_from or ("queue" in rules.agents_from and name in member_of):
        return "agent"
    display = reading.callerid[0] if reading.callerid else ""
    if "callerid" in rules.agents_from and is_person(display):
        return "agent"
    return "phone"


def is_person(name: str) -> bool:
    """A caller ID name that is a person's: two or more words of letters (``'``, ``.``,
    ``-`` inside a word), the first and last capitalized, none of ``DEVICE_WORDS``."""
    words = name.split()
    return (
        len(words) >= 2
        and all(_WORD.match(w) for w in words)
        and words[0][0].isupper()
        and words[-1][0].isupper()
        and not any(w.lower().strip(".") in DEVICE_WORDS for w in words)
    )


def _candidate(device: Device, reading: Reading, kind: DeviceKind) -> Candidate | None:
    name = device.endpoint.name
    cid_name, cid_number = reading.callerid or ("", "")
    extension = name if _EXTENSION.match(name) else cid_number
    if not _EXTENSION.match(extension):
        return None
    display = cid_name if cid_name and not DISPLAY_NAME_REFUSED.search(cid_name) else ""
    shown = display or name
    voice = reading.voice
    if reading.callerid == (shown, extension):
        voice = replace(voice, callerid=None)  # what the inventory renders anyway
    if kind == "phone" and display == name:
        display = ""
    return Candidate(kind, name, shown if kind == "agent" else display, extension, voice, device)


def _memberships(result: Draft, members: list[Member]) -> None:
    """Queue memberships of the agents; a note for members that are no agent."""
    agents = {c.id: i for i, c in enumerate(result.candidates) if c.kind == "agent"}
    phones = {c.id for c in result.candidates if c.kind == "phone"}
    where_of = {q.queue.name: q.section.where for q in result.queues}
    penalties: dict[str, dict[str, int]] = {}
    for member in members:
        where = where_of.get(member.queue)
        if where is None:
            continue
        if member.endpoint not in agents:
            why = (
                "a phone of the inventory"
                if member.endpoint in phones
                else ("not an endpoint that maps")
            )
            result.entries.append(
                Entry(
                    "note",
                    f"queue {member.queue}",
                    where,
                    "member",
                    member.interface,
                    f"{why}: no membership in the inventory (use --agent to make it an agent)",
                )
            )
            continue
        penalties.setdefault(member.endpoint, {}).setdefault(member.queue, member.penalty)
    queued = {q for found in penalties.values() for q in found}
    result.entries += [
        Entry(
            "note",
            f"queue {name}",
            where,
            "",
            "",
            "no agent is a member (no member line, nobody logged in): list it in the agents' "
            "queues by hand (asterisk-gitops adds members at login, so its queues have none)",
        )
        for name, where in where_of.items()
        if name not in queued
    ]
    for agent, index in agents.items():
        found = penalties.get(agent, {})
        queues_of = tuple(QueueMembership(q, p) for q, p in sorted(found.items()))
        result.candidates[index] = replace(result.candidates[index], queues=queues_of)


def _queues(snapshot: Snapshot, result: Draft) -> list[Member]:
    members: list[Member] = []
    for section in snapshot.queues:
        if section.name.lower() == GENERAL:
            result.entries.append(general_entry(section))
            continue
        result.queues.append(QueueCandidate(read_queue(section), section))
        found, notes = static_members(section)
        members += found
        result.entries += notes
    return members + live_members(snapshot.members)


def _contexts(snapshot: Snapshot) -> list[Entry]:
    """One entry per context of the dialplan, one for all the gitops-* ones."""
    entries: list[Entry] = []
    ours = [c.name for c in snapshot.contexts if c.name.startswith("gitops-")]
    for context in snapshot.contexts:
        if context.name.startswith("gitops-"):
            continue
        lines = f"{context.lines} line{'' if context.lines == 1 else 's'}"
        if context.name in ("general", "globals"):
            what, note = f"extensions.conf [{context.name}]", "the dialplan's own settings stay"
        else:
            what = f"context {context.name}"
            note = "the dialplan stays yours; the managed one goes to extensions_gitops.conf"
        entries.append(Entry("object", what, context.where, "", lines, note))
    if ours:
        entries.append(
            Entry(
                "object",
                f"contexts {', '.join(ours)}",
                "",
                "",
                "",
                "rendered by asterisk-gitops from an earlier inventory: recordings, spy "
                "permissions, mobile numbers, feature codes and the AGI address are set there; "
                "set them in the dumped inventory by hand",
            )
        )
    return entries


def _leftovers(snapshot: Snapshot) -> list[Entry]:
    entries = [
        Entry(
            "object",
            f"template {name}",
            where,
            "",
            "",
            "the inventory has no templates: what it sets was read into every endpoint using "
            "it (the most common values are in settings.defaults)",
        )
        for name, where in snapshot.templates
    ]
    entries += _contexts(snapshot)
    entries += [Entry("note", "reading", "", "", note) for note in snapshot.notes]
    return entries
