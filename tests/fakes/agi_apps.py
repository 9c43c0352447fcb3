"""Dialplan applications the fake runs for AGI ``EXEC`` (queue apps and a few harmless ones).

An application gets the data string exactly as EXEC passed it (no ``${...}`` expansion) and
returns the number EXEC answers; the queue applications report through channel variables.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping

from tests.fakes.agi_channel import Channel, write
from tests.fakes.asterisk import FakeAsterisk

logger = logging.getLogger(__name__)
App = Callable[[FakeAsterisk, Channel, list[str]], int]
UNKNOWN_APP = -2


def _arg(args: list[str], index: int) -> str:
    return args[index].strip() if index < len(args) else ""


def _int(text: str) -> int:
    return int(text) if text.strip().isdigit() else 0


def add_queue_member(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    """AddQueueMember(queue,interface,penalty,options,membername,stateinterface,wrapuptime)."""
    queue = _arg(args, 0)
    if not queue:
        logger.warning("AddQueueMember requires an argument (queuename[,interface[,...]])")
        return -1
    interface = _arg(args, 1) or chan.device
    options = _arg(args, 3)
    reason = re.search(r"r\(([^)]*)\)", options)
    status = ast.queue_add(
        queue,
        interface,
        member_name=_arg(args, 4),
        state_interface=_arg(args, 5),
        penalty=_int(_arg(args, 2)),
        paused="p" in re.sub(r"r\([^)]*\)", "", options),
        reason=reason.group(1) if reason else "",
        wrapuptime=_int(_arg(args, 6)),
        callid=chan.uniqueid,
    )
    chan.variables["AQMSTATUS"] = status
    return 0


def remove_queue_member(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    """RemoveQueueMember(queue[,interface]): RQMSTATUS REMOVED/NOTINQUEUE/NOSUCHQUEUE/..."""
    queue = _arg(args, 0)
    if not queue:
        return -1
    status = ast.queue_remove(queue, _arg(args, 1) or chan.device, chan.uniqueid)
    chan.variables["RQMSTATUS"] = status
    return 0


def _pause(ast: FakeAsterisk, chan: Channel, args: list[str], paused: bool) -> int:
    interface = _arg(args, 1)
    if not interface:
        logger.warning("(Un)PauseQueueMember requires an interface")
        return -1
    found = ast.queue_pause(_arg(args, 0) or None, interface, paused, _arg(args, 3))
    word = "PAUSED" if paused else "UNPAUSED"
    chan.variables["PQMSTATUS" if paused else "UPQMSTATUS"] = word if found else "NOTFOUND"
    return 0


def pause_queue_member(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    """PauseQueueMember([queue],interface[,options[,reason]]): PQMSTATUS PAUSED/NOTFOUND."""
    return _pause(ast, chan, args, True)


def unpause_queue_member(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    """UnpauseQueueMember([queue],interface[,options[,reason]]): UPQMSTATUS."""
    return _pause(ast, chan, args, False)


def queue_log(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    """QueueLog(queue,uniqueid,agent,event[,additionalinfo]); fewer than four args: -1."""
    if len(args) < 4:
        logger.warning("QueueLog requires arguments (queue,uniqueid,queue_member,event[,info])")
        return -1
    queue, uniqueid, agent, event = (a.strip() for a in args[:4])
    ast.log_queue(queue, uniqueid, agent, event, ",".join(args[4:]))
    return 0


def set_var(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    name, sep, value = ",".join(args).partition("=")
    if sep:
        write(ast, chan, name.strip(), value)
    return 0


def noop(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    return 0


def media(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    """Wait: nothing to do, but a hung-up channel makes it fail."""
    return -1 if chan.hung_up else 0


def playback(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    """Playback(file[&file...][,options]), as app_playback.c: a file that does not exist is
    skipped with a warning and ``PLAYBACKSTATUS=FAILED``, the application still returns 0;
    only a caller hanging up during it makes it return -1 (real-agi-02: that is
    ``FakeAgiCall``'s interrupted command). On a channel already hung up nothing plays and it
    returns 0."""
    if chan.hung_up:
        chan.variables["PLAYBACKSTATUS"] = "FAILED"
        return 0
    failed = False
    for name in (part.strip() for part in _arg(args, 0).split("&")):
        if ast.sound_exists(name):
            chan.heard.append(name)
        else:
            logger.warning("Playback failed on %s for %s", chan.name, name)
            failed = True
    chan.variables["PLAYBACKSTATUS"] = "FAILED" if failed else "SUCCESS"
    return 0


def hangup(ast: FakeAsterisk, chan: Channel, args: list[str]) -> int:
    chan.hung_up = True
    return -1


APPS: Mapping[str, App] = {
    "addqueuemember": add_queue_member,
    "removequeuemember": remove_queue_member,
    "pausequeuemember": pause_queue_member,
    "unpausequeuemember": unpause_queue_member,
    "queuelog": queue_log,
    "set": set_var,
    "noop": noop,
    "verbose": noop,
    "log": noop,
    "wait": media,
    "playback": playback,
    "hangup": hangup,
}


# AST_DECLARE_APP_ARGS sizes: the last argument takes the rest of the data, unparsed.
ARG_COUNTS: Mapping[str, int] = {
    "addqueuemember": 7,
    "removequeuemember": 3,
    "pausequeuemember": 4,
    "unpausequeuemember": 4,
    "set": 1,  # pbx_builtin_setvar takes its data as it is: name=value
}


def separate_args(data: str, limit: int = 0) -> list[str]:
    """Split like app.c's ``__ast_app_separate_args(buf, ',', 1, ...)`` (AST_STANDARD_APP_ARGS):
    no split while ``"..."`` is open or ``(``/``[`` depth is above 0; quotes are dropped; a
    backslash is dropped and the next character taken literally. With ``limit`` (the app's
    argument count) the last argument is the rest of the data as it is."""
    args: list[str] = []
    index = 0
    while index < len(data) and (not limit or len(args) < limit - 1):
        current, index, ended = _one_arg(data, index)
        args.append(current)
        if index >= len(data) and ended:  # a trailing comma: one more, empty argument
            args.append("")
    if index < len(data):
        args.append(data[index:])
    return args


def _one_arg(data: str, index: int) -> tuple[str, int, bool]:
    """One argument from ``index``: its text, where the next starts, whether a comma ended it."""
    out: list[str] = []
    paren = bracket = 0
    quoted = False
    while index < len(data):
        char = data[index]
        index += 1
        if char == "\\":
            if index < len(data):
                out.append(data[index])
                index += 1
            continue
        if char == '"':
            quoted = not quoted
            continue
        if char == "," and not (paren or bracket or quoted):
            return "".join(out), index, True
        paren += (char == "(") - (char == ")" and paren > 0)
        bracket += (char == "[") - (char == "]" and bracket > 0)
        out.append(char)
    return "".join(out), index, False


def execute(ast: FakeAsterisk, chan: Channel, app: str, data: str) -> int:
    """Run one application with EXEC's data string; -2 for an unknown application."""
    handler = APPS.get(app.lower())
    if handler is None:
        logger.warning("EXEC of unknown application %r", app)
        return UNKNOWN_APP
    return handler(ast, chan, separate_args(data, ARG_COUNTS.get(app.lower(), 0)))
