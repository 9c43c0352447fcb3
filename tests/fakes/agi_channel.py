"""The channel an AGI call runs on, and dialplan variables and functions read on it.

Covers what the transcripts read: channel variables, ``CHANNEL``/``UNIQUEID``/``EXTEN``/
``CONTEXT``, ``CALLERID()``, ``CHANNEL(endpoint)``, ``DEVICE_STATE()``,
``PJSIP_DIAL_CONTACTS()``, ``PJSIP_ENDPOINT()``, ``PJSIP_AOR()``, ``QUEUE_MEMBER()``,
``QUEUE_MEMBER_LIST()``, ``DB()``, ``DB_EXISTS()``, and func_lock's ``LOCK()``,
``TRYLOCK()`` and ``UNLOCK()`` (tests/fakes/func_lock.py; owned by this ``Channel``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.events import DEVICE_STATE_NAMES
from tests.fakes.pjsip_fields import AOR_FIELDS


@dataclass
class Channel:
    """Mutable state of the calling channel during one AGI session."""

    name: str
    callerid: str
    callerid_name: str
    context: str
    exten: str
    uniqueid: str
    variables: dict[str, str] = field(default_factory=dict)
    dtmf: list[str] = field(default_factory=list)
    hung_up: bool = False
    heard: list[str] = field(default_factory=list)  # sound files streamed to the caller
    agi_status: str = "SUCCESS"  # what AGI() leaves in AGISTATUS when the script ends

    @property
    def device(self) -> str:
        """``PJSIP/alice-00000000`` -> ``PJSIP/alice`` (the interface of the channel)."""
        return self.name.rsplit("-", 1)[0] if "-" in self.name else self.name

    def builtin(self, name: str) -> str | None:
        values = {
            "CHANNEL": self.name,
            "UNIQUEID": self.uniqueid,
            "EXTEN": self.exten,
            "CONTEXT": self.context,
            "CALLERID(num)": self.callerid,
            "CALLERID(name)": self.callerid_name,
        }
        return values.get(name)


Function = Callable[[FakeAsterisk, Channel, list[str]], "str | None"]
VAR_BUF_SIZE = 4096  # main/pbx_private.h: the buffer ${FUNC()} substitution reads into
GET_VARIABLE_SIZE = 1024  # res_agi.c handle_getvariable's tempstr[1024]


def read(ast: FakeAsterisk, chan: Channel, name: str, size: int = VAR_BUF_SIZE) -> str | None:
    """A variable or ``FUNC(args)``; None when unset or when the function fails. ``size`` is
    the caller's buffer (``QUEUE_MEMBER_LIST()`` cuts its list to fit it)."""
    builtin = chan.builtin(name)
    if builtin is not None:
        return builtin
    if name.endswith(")") and "(" in name:
        func, _, rest = name.partition("(")
        handler = FUNCTIONS.get(func.strip().upper())
        args = [a.strip() for a in rest[:-1].split(",")]
        value = handler(ast, chan, args) if handler is not None else None
        if value is not None and func.strip().upper() == "QUEUE_MEMBER_LIST":
            return cut_member_list(value.split(",") if value else [], size)
        return value
    return chan.variables.get(name)


def write(ast: FakeAsterisk, chan: Channel, name: str, value: str) -> None:
    """``SET VARIABLE``/``Set()``: a channel variable, or ``DB(family/key)`` in AstDB."""
    func, _, rest = name.partition("(")
    if func.strip().upper() == "DB" and rest.endswith(")"):
        family, _, key = rest[:-1].strip().rpartition("/")
        ast.db_put(family, key, value)
        return
    chan.variables[name] = value


def substitute(ast: FakeAsterisk, chan: Channel, text: str) -> str:
    """Expand ``${...}`` (nested too), as ``GET FULL VARIABLE`` does."""
    out: list[str] = []
    index = 0
    while index < len(text):
        if text.startswith("${", index):
            end, depth = index + 2, 1
            while end < len(text) and depth:
                depth += text.startswith("${", end)
                depth -= text[end] == "}"
                end += 1
            inner = substitute(ast, chan, text[index + 2 : end - 1])
            out.append(read(ast, chan, inner) or "")
            index = end
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def _callerid(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    part = args[0].lower() if args else "all"
    if part == "num":
        return chan.callerid
    if part == "name":
        return chan.callerid_name
    return f'"{chan.callerid_name}" <{chan.callerid}>'


def _channel(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    item = args[0].lower() if args else ""
    if item == "endpoint":
        tech, _, rest = chan.device.partition("/")
        return rest if tech.upper() == "PJSIP" else ""
    return {"name": chan.name, "uniqueid": chan.uniqueid, "state": "Up"}.get(item)


def _device_state(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    return DEVICE_STATE_NAMES[ast.device_state(args[0])] if args and args[0] else None


def _dial_contacts(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    if not args or ast.endpoint(args[0]) is None:
        return None
    return "&".join(ast.dial_contacts(args[0]))


def _pjsip_endpoint(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    ep = ast.endpoint(args[0]) if len(args) == 2 else None
    if ep is None or args[1] not in ep.values:
        return None
    return ep.get(args[1])


def _pjsip_aor(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    aor = ast.pjsip_object("aor", args[0]) if len(args) == 2 else None
    if aor is None:
        return None
    if args[1] == "contact":
        return ",".join(c.object_name for c in ast.contacts(aor.name))
    return aor.get(args[1]) if args[1] in dict(AOR_FIELDS) else None


def _queue_member(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    if len(args) < 2 or ast.queue(args[0]) is None:
        return None
    members = ast.members(args[0])
    option = args[1].lower()
    if len(args) > 2 and args[2]:
        member = next((m for m in members if m.interface == args[2]), None)
        if member is None:
            return None
        per_member = {
            "paused": "1" if member.paused else "0",
            "penalty": str(member.penalty),
            "ringinuse": "1" if member.ringinuse else "0",
            "ignorebusy": "1" if member.ringinuse else "0",
        }
        return per_member.get(option)
    states = [(m, ast.member_status(m)) for m in members]
    counts = {
        "logged": sum(1 for _, s in states if s not in (4, 5)),
        "free": sum(1 for m, s in states if s in (0, 1) and not m.paused),
        "ready": sum(1 for m, s in states if s in (0, 1) and not m.paused),
        "count": len(members),
        "paused": sum(1 for m, _ in states if m.paused),
    }
    return str(counts[option]) if option in counts else None


def _queue_member_list(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    if not args or ast.queue(args[0]) is None:
        return None
    return ",".join(m.interface for m in ast.members(args[0]))


def cut_member_list(interfaces: list[str], size: int) -> str:
    """The list as app_queue.c's ``queue_function_queuememberlist`` leaves it in a buffer of
    ``size`` bytes: it ``strncat``s ``,`` and each interface, stops (logging "Truncating
    list") once the untruncated length reaches ``size - 2``, and keeps ``size - 1`` bytes
    (the last interface may be cut in the middle, never to a bare trailing comma)."""
    text = ""
    for index, interface in enumerate(interfaces):
        text += ("," if index else "") + interface
        if len(text.encode()) >= size - 2:
            break
    return text.encode()[: size - 1].decode(errors="ignore")


def _db(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    family, _, key = args[0].rpartition("/") if args else ("", "", "")
    return ast.db_get(family, key) if family and key else None


def _db_exists(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    return "0" if _db(ast, chan, args) is None else "1"


def _lock(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    return "1" if ast.named_locks.acquire(",".join(args), chan, block=True) else "0"


def _trylock(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    return "1" if ast.named_locks.acquire(",".join(args), chan, block=False) else "0"


def _unlock(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    return "1" if ast.named_locks.release(",".join(args), chan) else "0"


def _channels(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str | None:
    """CHANNELS(regex): the names of the channels up (``ast.active_channels``), matching."""
    pattern = re.compile(",".join(args))
    with ast.lock:
        names = sorted(ast.active_channels)
    return " ".join(n for n in names if pattern.search(n))


# func_lock's functions are escalating: AMI's threads may not run them (live_dangerously=no)
ESCALATING = frozenset({"LOCK", "TRYLOCK", "UNLOCK"})

FUNCTIONS: Mapping[str, Function] = {
    "CALLERID": _callerid,
    "CHANNELS": _channels,
    "CHANNEL": _channel,
    "DEVICE_STATE": _device_state,
    "PJSIP_DIAL_CONTACTS": _dial_contacts,
    "PJSIP_ENDPOINT": _pjsip_endpoint,
    "PJSIP_AOR": _pjsip_aor,
    "QUEUE_MEMBER": _queue_member,
    "QUEUE_MEMBER_LIST": _queue_member_list,
    "DB": _db,
    "DB_EXISTS": _db_exists,
    "LOCK": _lock,
    "TRYLOCK": _trylock,
    "UNLOCK": _unlock,
}
