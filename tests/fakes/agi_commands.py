"""AGI commands as res_agi answers them (agi-01 ... agi-07).

``answer(ast, chan, line)`` returns the reply lines for one command line: ``200 result=...``,
``510 Invalid or unknown command`` or the multi-line ``520`` usage answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tests.fakes import agi_apps
from tests.fakes.agi_channel import GET_VARIABLE_SIZE, Channel, read, substitute, write
from tests.fakes.asterisk import FakeAsterisk

Command = Callable[[FakeAsterisk, Channel, list[str]], str]
USAGE: Mapping[tuple[str, ...], str] = {
    ("GET", "DATA"): (
        "Stream the given <replaceable>file</replaceable>, and receive DTMF data.\n"
        "Returns the digits received from the channel at the other end."
    ),
}
MIN_ARGS: Mapping[tuple[str, ...], int] = {
    ("GET", "DATA"): 3,
    ("STREAM", "FILE"): 4,
    ("SET", "VARIABLE"): 4,
    ("GET", "VARIABLE"): 3,
    ("GET", "FULL", "VARIABLE"): 4,
    ("WAIT", "FOR", "DIGIT"): 4,
    ("SAY", "DIGITS"): 4,
    ("SAY", "NUMBER"): 4,
    ("VERBOSE",): 2,
    ("EXEC",): 2,
    ("DATABASE", "GET"): 4,
    ("DATABASE", "PUT"): 5,
    ("DATABASE", "DEL"): 4,
    ("DATABASE", "DELTREE"): 3,
}


# res_agi's commands[] table: only these run once the channel is hung up ("dead");
# any other command answers 511.
DEAD_SAFE = frozenset(
    {("DATABASE", "GET"), ("DATABASE", "PUT"), ("DATABASE", "DEL"), ("DATABASE", "DELTREE")}
    | {("EXEC",), ("GET", "FULL", "VARIABLE"), ("GET", "VARIABLE"), ("NOOP",)}
    | {("SET", "VARIABLE"), ("VERBOSE",)}
)
# Commands that wait on the channel: a caller hanging up during one makes it answer -1.
BLOCKING = frozenset(
    {("GET", "DATA"), ("STREAM", "FILE"), ("WAIT", "FOR", "DIGIT"), ("SAY", "DIGITS")}
    | {("SAY", "NUMBER"), ("SAY", "ALPHA")}
)
BLOCKING_APPS = frozenset({"wait", "playback", "background", "read", "record"})
DEAD = "511 Command Not Permitted on a dead channel or intercept routine"


def parse_args(line: str) -> list[str]:
    """Split like res_agi: on blanks, ``"..."`` groups (quotes dropped), ``\\`` escapes."""
    args: list[str] = []
    current: list[str] = []
    quoted = escaped = started = False
    for char in line.strip():
        if escaped:
            current.append(char)
            escaped, started = False, True
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted, started = not quoted, True
        elif char in " \t" and not quoted:
            if started:
                args.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
    if started:
        args.append("".join(current))
    return args


def _result(code: int | str, value: str | None = None, extra: str = "") -> str:
    text = f"200 result={code}"
    if value is not None:
        text += f" ({value})"
    return text + (f" {extra}" if extra else "")


def answer_cmd(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    return _result(0)


def channel_status(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    return _result(6)


def verbose(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    return _result(1)


def noop(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    return _result(0)


def hangup(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    chan.hung_up = True
    return _result(1)


def set_variable(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    write(ast, chan, args[2], args[3])
    return _result(1)


def get_variable(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    value = read(ast, chan, args[2], GET_VARIABLE_SIZE)
    return _result(0) if value is None else _result(1, value)


def get_full_variable(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    return _result(1, substitute(ast, chan, args[3]))


def get_data(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    """Digits from the scripted caller: ``1001``, ``#`` (empty entry) or nothing (timeout).

    A prompt that does not exist answers ``-1`` before any digit is read (app.c's
    ``ast_app_getdata_full`` returns the failed ``ast_streamfile``, real-agi-01); an empty
    prompt reads digits without playing anything."""
    prompt = args[2]
    if prompt and not ast.sound_exists(prompt):
        return _result(-1)
    if prompt:
        chan.heard.append(prompt)
    maximum = int(args[4]) if len(args) > 4 and args[4].isdigit() else 1024
    if not chan.dtmf:
        return _result("", "timeout")
    entry = chan.dtmf.pop(0)
    digits = entry.split("#", 1)[0]
    if "#" in entry or len(digits) >= maximum:
        return _result(digits[:maximum])
    return _result(digits, "timeout")


def wait_for_digit(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    if not chan.dtmf or not chan.dtmf[0]:
        if chan.dtmf:
            chan.dtmf.pop(0)
        return _result(0)
    digit, rest = chan.dtmf[0][0], chan.dtmf[0][1:]
    if rest:
        chan.dtmf[0] = rest
    else:
        chan.dtmf.pop(0)
    return _result(ord(digit))


def stream_file(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    """A missing file answers ``-1 endpos=0`` and, as res_agi's RESULT_FAILURE, leaves the
    session running but ``AGISTATUS=FAILURE`` when the script ends (real-agi-01)."""
    if args[2] not in ast.sounds:
        chan.agi_status = "FAILURE"
        return _result(-1, None, "endpos=0")
    chan.heard.append(args[2])
    return _result(0, None, f"endpos={ast.sounds[args[2]]}")


def say(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    return _result(0)


def exec_app(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    return _result(agi_apps.execute(ast, chan, args[1], args[2] if len(args) > 2 else ""))


def database_get(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    value = ast.db_get(args[2], args[3])
    return _result(0) if value is None else _result(1, value)


def database_put(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    ast.db_put(args[2], args[3], args[4])
    return _result(1)


def database_del(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    ast.db_del(args[2], args[3])
    return _result(1)  # agi-01: 1 even when the key did not exist


def database_deltree(ast: FakeAsterisk, chan: Channel, args: list[str]) -> str:
    ast.db_deltree(args[2], args[3] if len(args) > 3 else "")
    return _result(1)


COMMANDS: Mapping[tuple[str, ...], Command] = {
    ("ANSWER",): answer_cmd,
    ("CHANNEL", "STATUS"): channel_status,
    ("VERBOSE",): verbose,
    ("NOOP",): noop,
    ("HANGUP",): hangup,
    ("SET", "VARIABLE"): set_variable,
    ("GET", "VARIABLE"): get_variable,
    ("GET", "FULL", "VARIABLE"): get_full_variable,
    ("GET", "DATA"): get_data,
    ("WAIT", "FOR", "DIGIT"): wait_for_digit,
    ("STREAM", "FILE"): stream_file,
    ("SAY", "DIGITS"): say,
    ("SAY", "NUMBER"): say,
    ("SAY", "ALPHA"): say,
    ("EXEC",): exec_app,
    ("SET", "CONTEXT"): noop,
    ("SET", "EXTENSION"): noop,
    ("SET", "PRIORITY"): noop,
    ("DATABASE", "GET"): database_get,
    ("DATABASE", "PUT"): database_put,
    ("DATABASE", "DEL"): database_del,
    ("DATABASE", "DELTREE"): database_deltree,
}


def find(args: list[str]) -> tuple[tuple[str, ...], Command] | None:
    """The longest command whose words start the line (case-insensitive, like res_agi)."""
    words = tuple(a.upper() for a in args)
    for size in (3, 2, 1):
        key = words[:size]
        if len(key) == size and key in COMMANDS:
            return key, COMMANDS[key]
    return None


def blocks(line: str) -> bool:
    """Whether the command waits on the channel (a hang-up during it interrupts it)."""
    args = parse_args(line)
    found = find(args)
    if found is None:
        return False
    if found[0] == ("EXEC",):
        return len(args) > 1 and args[1].lower() in BLOCKING_APPS
    return found[0] in BLOCKING


def interrupted(line: str) -> list[str]:
    """The answer of a blocking command the caller hung up during (agi-03)."""
    key = find(parse_args(line))
    return ["200 result=-1 endpos=0"] if key and key[0] == ("STREAM", "FILE") else ["200 result=-1"]


def answer(ast: FakeAsterisk, chan: Channel, line: str) -> list[str]:
    """Reply lines for one command line."""
    args = parse_args(line)
    found = find(args)
    if found is None:
        return ["510 Invalid or unknown command"]
    key, command = found
    if chan.hung_up and key not in DEAD_SAFE:
        return [DEAD]
    if len(args) < MIN_ARGS.get(key, 0):
        usage = USAGE.get(key, "Usage: " + " ".join(key) + " <arguments>")
        return [
            "520-Invalid command syntax.  Proper usage follows:",
            *usage.split("\n"),
            "520 End of proper usage.",
        ]
    return [command(ast, chan, args)]
