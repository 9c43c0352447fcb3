"""What the renderer cannot render correctly, reported as inventory problems.

``provisioner validate`` runs these checks after the schema and cross-reference checks, so
anything the renderer would refuse is reported with its file and line before any plan.
``render`` runs them too and raises ``RenderError`` rather than write a value Asterisk drops.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass, fields

from provisioner.errors import Problem
from provisioner.model import Agent, Inventory, Phone, Queue, Settings, Source, Voice
from provisioner.render.dialplan import RESERVED_CONTEXTS
from provisioner.render.queues import (
    ANNOUNCE_HOLDTIME,
    ANNOUNCE_POSITION,
    CALLER_HEARS,
    STRATEGIES,
)
from provisioner.render.text import byte_length
from provisioner.render.voice_rules import CONTEXT_NAME, voice_findings

ENDPOINT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
EXTENSION = re.compile(r"^[0-9]{1,20}$")
FEATURE_CODE = re.compile(r"^[*#0-9]{1,10}$")
MOBILE = re.compile(r"^\+?[0-9]{3,20}$")
QUEUE_NUMBER = re.compile(r"^\+?[0-9]{1,20}$")
HOST = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|[0-9A-Fa-f:]{2,39})$")
MUSICCLASS = re.compile(r"^[A-Za-z0-9_.-]{1,79}$")
# Extension names with a meaning of their own in any context (agent ids name extensions).
SPECIAL_EXTENSIONS = frozenset({"a", "e", "h", "i", "o", "s", "t", "T", "fax", "talk"})
# A display name becomes callerid="<name>" <extension> (pjsip.conf) and an AGI argument.
DISPLAY_NAME_REFUSED = re.compile(r'["\\;\x00-\x1f\x7f]')
DISPLAY_NAME_RULE = (
    'a display name is written as callerid="<name>" <extension>, so it cannot hold'
    " '\"' (ends the quoted name), '\\' (an escape in quoted names and AGI arguments),"
    " ';' (starts a comment in Asterisk's config files) or a line break or other control"
    " character (ends the config line)"
)
# Lengths Asterisk keeps: res_pjsip's callerid handler splits the value into cid_name[80]
# and cid_num[80], app_queue keeps a member name in membername[80] (ast_copy_string: the rest
# is cut silently). A display name is both.
NAME_BYTES = 79
# The directory target writes a server's part to dir:PATH/<server name>/: one path component
# (NAME_MAX), in a path of at most PATH_MAX - 1 bytes.
FILE_NAME_BYTES = 255
PATH_BYTES = 4095
# Asterisk finds config sections (config.c's does_category_match) with strcasecmp.
_ASCII_FOLD = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
QUEUE_NUMBERS = (
    "timeout",
    "retry",
    "wrapuptime",
    "maxlen",
    "weight",
    "announce_frequency",
    "max_wait",
)
QUEUE_CHOICES = (
    ("caller_hears", CALLER_HEARS),
    ("announce_position", ANNOUNCE_POSITION),
    ("announce_holdtime", ANNOUNCE_HOLDTIME),
)

Finding = tuple[str, str]
FieldPath = tuple[str | int, ...]


@dataclass(frozen=True)
class RuleFinding:
    """A refusal before it is placed in a file: whose field it is and what is wrong.

    ``field`` is relative to its owner (``("voice", "nat")`` for an agent, or
    ``("feature_codes", "login")`` for the settings); the inventory loader turns it into the
    line of that field in the YAML. ``problem()`` places it at the owner's ``source``.
    """

    kind: str  # "agents", "phones", "queues" or "settings"
    owner: str  # the agent or phone id, the queue name; "" for the settings
    source: Source  # where the owner was declared
    field: FieldPath
    message: str

    @property
    def path(self) -> str:
        """The field path by owner id, e.g. ``agents[id=ann].voice.nat``."""
        head = "settings" if self.kind == "settings" else f"{self.kind}[{self._key()}]"
        text = head
        for part in self.field:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text

    def _key(self) -> str:
        return f"{'name' if self.kind == 'queues' else 'id'}={self.owner}"

    def problem(self) -> Problem:
        src = self.source
        return Problem(src.file, src.line, src.column, self.path, self.message)


def check(inventory: Inventory) -> list[Problem]:
    """Every problem that would stop ``inventory`` from rendering, at its owner's source."""
    return [finding.problem() for finding in findings(inventory)]


def findings(inventory: Inventory) -> list[RuleFinding]:
    """Every refusal, by owner and relative field (``check`` without the placing)."""
    found: list[RuleFinding] = []
    voices = _VoiceFindings()
    for agent in inventory.agents:
        items = _agent_findings(agent, inventory.settings, voices)
        found += _owned("agents", agent.id, agent.source, items)
    for phone in inventory.phones:
        found += _owned("phones", phone.id, phone.source, _phone_findings(phone, voices))
    for queue in inventory.queues:
        found += _owned("queues", queue.name, queue.source, _queue_findings(queue))
    settings = inventory.settings
    found += _owned("settings", "", settings.source, _settings_findings(settings))
    found += _collisions(inventory)
    return found


class _VoiceFindings:
    """``voice_findings`` of each distinct voice once: most endpoints share a few voices."""

    def __init__(self) -> None:
        self.known: dict[Voice, list[Finding]] = {}

    def __call__(self, voice: Voice) -> Iterator[Finding]:
        found = self.known.get(voice)
        if found is None:
            found = self.known[voice] = voice_findings(voice)
        for field, message in found:
            yield f"voice.{field}", message


def _owned(kind: str, owner: str, source: Source, items: Iterator[Finding]) -> list[RuleFinding]:
    return [
        RuleFinding(kind, owner, source, tuple(_split(field)), message) for field, message in items
    ]


def _split(field: str) -> Iterator[str | int]:
    for part in field.split("."):
        yield int(part) if part.isdigit() else part


def name_key(name: str) -> str:
    """``name`` as Asterisk compares section names (strcasecmp): ASCII letters in lower case.

    ``[Ann]`` and ``[ann]`` are one name to UpdateConfig's DelCat, Append and RenameCat, so
    two endpoints (or two queues) whose names differ only in case cannot both be rendered.
    """
    return name.translate(_ASCII_FOLD)


def _id_findings(value: str) -> Iterator[Finding]:
    if not ENDPOINT_ID.match(value):
        yield "id", f"{value!r}: use letters, digits, '.', '_' or '-' (it names PJSIP objects)"


def _extension_findings(value: str) -> Iterator[Finding]:
    if not EXTENSION.match(value):
        yield "extension", f"{value!r}: an extension is 1 to 20 digits"


def _agent_findings(agent: Agent, settings: Settings, voices: _VoiceFindings) -> Iterator[Finding]:
    yield from _id_findings(agent.id)
    if agent.id in SPECIAL_EXTENSIONS:
        yield "id", f"{agent.id!r} is a special dialplan extension name (it names an extension)"
    yield from _extension_findings(agent.extension)
    if not agent.name.strip():
        yield "name", "a display name cannot be empty: it is the caller ID name and member name"
    else:
        yield from _display_name_findings(agent.name)
    yield from voices(agent.voice)
    if agent.voice.type == "user" and agent.default_interface == "internal":
        yield (
            "voice.type",
            "a user endpoint cannot be called, so the agent cannot be rung on it: use peer or"
            " friend, or another default_interface",
        )
    if agent.mobile is not None:
        if not MOBILE.match(agent.mobile):
            yield "mobile", f"{agent.mobile!r}: expected digits with an optional leading +"
        if settings.outbound_trunk is None:
            yield (
                "mobile",
                "a mobile number needs settings.outbound_trunk (the PJSIP endpoint of the trunk"
                " that dials it)",
            )


def _display_name_findings(name: str) -> Iterator[Finding]:
    """What a display name cannot hold: it is written as ``callerid="<name>" <extension>`` in
    pjsip.conf and passed to AddQueueMember through AGI. Brackets and other text are fine."""
    found = sorted(set(DISPLAY_NAME_REFUSED.findall(name)))
    if found:
        shown = ", ".join(_quoted(c) for c in found)
        yield "name", f"{_quoted(name)} holds {shown}: {DISPLAY_NAME_RULE}"
    size = byte_length(name)
    if size > NAME_BYTES:
        yield (
            "name",
            f"the name is {size} bytes long: Asterisk keeps at most {NAME_BYTES} bytes of a "
            "caller ID name (res_pjsip) and of a queue member name (app_queue), and cuts the "
            "rest; shorten it",
        )


def _quoted(text: str) -> str:
    """``text`` in quotes, escaped only when it holds what cannot be shown (line breaks)."""
    return f"'{text}'" if text.isprintable() else repr(text)


def _phone_findings(phone: Phone, voices: _VoiceFindings) -> Iterator[Finding]:
    yield from _id_findings(phone.id)
    yield from _extension_findings(phone.extension)
    yield from _display_name_findings(phone.name)
    yield from voices(phone.voice)
    if phone.voice.type == "user":
        yield "voice.type", "a phone of type user cannot be called: use peer or friend"


def _queue_findings(queue: Queue) -> Iterator[Finding]:
    if not ENDPOINT_ID.match(queue.name) or queue.name == "general":
        yield "name", f"{queue.name!r} cannot name a queue (letters, digits, . _ -; not general)"
    if queue.strategy not in STRATEGIES:
        yield "strategy", f"{queue.strategy!r}: one of {', '.join(sorted(STRATEGIES))}"
    for name in QUEUE_NUMBERS:
        value = getattr(queue, name)
        if not isinstance(value, int) or value < 0:
            yield name, f"{value!r}: expected a whole number >= 0"
    if not MUSICCLASS.match(queue.musicclass):
        yield "musicclass", f"{queue.musicclass!r} is not a music-on-hold class name"
    for name, choices in QUEUE_CHOICES:
        if getattr(queue, name) not in choices:
            yield name, f"{getattr(queue, name)!r}: one of {', '.join(sorted(choices))}"
    for field, number in queue.numbered():
        if not QUEUE_NUMBER.match(number):
            where = ".".join(map(str, field))
            yield where, f"{number!r} is not a number callers can dial (digits, a leading +)"


def _settings_findings(settings: Settings) -> Iterator[Finding]:
    codes = settings.feature_codes
    values = [getattr(codes, f.name) for f in fields(codes)]
    for f in fields(codes):
        value = getattr(codes, f.name)
        if not FEATURE_CODE.match(value):
            yield f"feature_codes.{f.name}", f"{value!r}: use digits, * and # only"
        elif values.count(value) > 1:
            yield f"feature_codes.{f.name}", f"{value!r} is used for two features"
    for index, agi in enumerate(settings.agi):
        at = "agi" if len(settings.agi) == 1 else f"agi.{index}"  # a mapping, or a list
        if not HOST.match(agi.host):
            yield f"{at}.host", f"{agi.host!r} is not a host name or IP address"
        if not 1 <= agi.port <= 65535:
            yield f"{at}.port", f"{agi.port} is not a port number (1-65535)"
    if not CONTEXT_NAME.match(settings.outbound_context):
        yield "outbound_context", f"{settings.outbound_context!r} is not a context name"
    elif settings.outbound_context in RESERVED_CONTEXTS:
        yield "outbound_context", f"{settings.outbound_context!r} is a context the renderer owns"
    trunk = settings.outbound_trunk
    if trunk is not None and not ENDPOINT_ID.match(trunk):
        yield "outbound_trunk", f"{trunk!r} is not a PJSIP endpoint name"
    for index, server in enumerate(settings.servers):
        yield from _server_findings(index, server.name, server.target)
    for index, reason in enumerate(settings.pause_reasons):
        if reason.code < 0:
            yield f"pause_reasons.{index}.code", f"pause reason {reason.name!r}: code must be >= 0"


def _server_findings(index: int, name: str, target: str) -> Iterator[Finding]:
    """A server name is a directory name under a ``dir:`` target, so it must be one."""
    size = byte_length(name)
    if size > FILE_NAME_BYTES:
        yield (
            f"servers.{index}.name",
            f"the name is {size} bytes long: a file name holds at most {FILE_NAME_BYTES} bytes "
            "and a dir: target writes each server's files to PATH/<server name>/",
        )
    if target.startswith("dir:"):
        path = target.removeprefix("dir:")
        longest = max((byte_length(part) for part in path.split("/")), default=0)
        if longest > FILE_NAME_BYTES or byte_length(path) + 1 + size > PATH_BYTES:
            yield (
                f"servers.{index}.target",
                f"the path is too long for a file system: at most {FILE_NAME_BYTES} bytes per "
                f"directory name and {PATH_BYTES} bytes with the server's own directory",
            )


def _collisions(inventory: Inventory) -> list[RuleFinding]:
    """Two endpoints or queues named alike (ignoring case, as Asterisk does), or two
    extensions dialled alike, cannot both be rendered."""
    found: list[RuleFinding] = []
    names: dict[str, str] = {}
    extensions: dict[str, str] = {}
    owners: list[tuple[str, str, str, Source]] = [
        ("agents", a.id, a.extension, a.source) for a in inventory.agents
    ]
    owners += [("phones", p.id, p.extension, p.source) for p in inventory.phones]
    dialled: dict[str, str] = {}  # agent ids as extensions: Asterisk ignores '-' in them
    for kind, ident, exten, source in owners:
        what = f"{kind[:-1]} {ident}"
        checks = [("id", name_key(ident), ident, names), ("extension", exten, exten, extensions)]
        if kind == "agents":
            checks.append(("id", ident.replace("-", ""), ident, dialled))
        for field, key, shown, seen in checks:
            if key in seen:
                message = f"{shown!r} is also the {field} of {seen[key]}{_case_note(field)}"
                found.append(RuleFinding(kind, ident, source, (field,), message))
            else:
                seen[key] = what
    queues: dict[str, str] = {}
    for queue in inventory.queues:
        key = name_key(queue.name)
        if key in queues:
            message = f"{queue.name!r} is also the name of queue {queues[key]}{_case_note('name')}"
            found.append(RuleFinding("queues", queue.name, queue.source, ("name",), message))
        else:
            queues[key] = queue.name
        for path, number in queue.numbered():
            if number in extensions:
                message = f"{number!r} is also the extension or number of {extensions[number]}"
                found.append(RuleFinding("queues", queue.name, queue.source, path, message))
            else:
                extensions[number] = f"queue {queue.name}"
    return found


def _case_note(field: str) -> str:
    return "" if field == "extension" else " (Asterisk compares these names ignoring case)"
