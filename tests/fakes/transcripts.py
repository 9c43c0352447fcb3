"""Parser for the wire transcripts in ``shared/asterisk/`` and the per-run values to ignore.

Two layouts exist: blocks opened by a bare ``>>>`` (client) or ``<<<`` (server) line, and
(second recording) a ``>>> ``/``<<< `` prefix on every line, with unprefixed empty lines
continuing the current block. ``###``/``#`` lines are notes; ``---- NAME on disk ----`` ...
``---- end ----`` shows a config file's text at that point.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "asterisk"
VOLATILE_KEYS = frozenset(
    {"Timestamp", "EventTV", "SessionTV", "SessionID", "LocalAddress", "RemoteAddress"}
    | {"Uptime", "LastReload", "LoginTime", "LastPause", "ExpirationTime", "CallId"}
    | {"agi_uniqueid", "agi_threadid"}
)
_FILE_START = re.compile(r"^---- (\S+) on disk ----$")


@dataclass(frozen=True)
class Step:
    """``send`` (client lines), ``expect`` (server lines), ``note`` or ``file`` (name in text)."""

    kind: str
    lines: tuple[str, ...]
    text: str = ""


def shared_dir() -> Path | None:
    """The transcripts directory next to the repository, or None when it is absent.

    Absent is only allowed outside CI (a developer's lone checkout): CI lays shared/ beside
    the clone, and there a missing directory must fail the run, not skip every replay.
    """
    if SHARED.is_dir():
        return SHARED.resolve()
    if os.environ.get("CI"):
        raise RuntimeError(f"CI is set but the Asterisk transcripts are missing: {SHARED}")
    return None


def parse(text: str) -> list[Step]:
    lines = [line.removesuffix("\r") for line in text.splitlines()]
    per_line = any(line.startswith((">>> ", "<<< ")) for line in lines)
    return _parse_prefixed(lines) if per_line else _parse_blocks(lines)


def _parse_blocks(lines: list[str]) -> list[Step]:
    steps: list[Step] = []
    kind: str | None = None
    block: list[str] = []

    def flush() -> None:
        if kind is not None:
            steps.append(Step(kind, tuple(block)))

    for line in lines:
        if line in (">>>", "<<<") or line.startswith("#"):
            flush()
            block = []
            kind = {">>>": "send", "<<<": "expect"}.get(line)
            if kind is None:
                steps.append(Step("note", (), line.lstrip("#").strip()))
            continue
        block.append(line)
    flush()
    return [s for s in steps if s.kind == "note" or s.lines]


def _parse_prefixed(lines: list[str]) -> list[Step]:
    steps: list[Step] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        match = _FILE_START.match(line)
        if match:
            end = lines.index("---- end ----", index)
            steps.append(Step("file", tuple(lines[index + 1 : end]), match.group(1)))
            index = end + 1
            continue
        if line.startswith("#"):
            steps.append(Step("note", (), line.lstrip("#").strip()))
        elif line.startswith((">>> ", "<<< ")):
            kind = "send" if line.startswith(">>>") else "expect"
            if steps and steps[-1].kind == kind:
                steps[-1] = Step(kind, (*steps[-1].lines, line[4:]))
            else:
                steps.append(Step(kind, (line[4:],)))
        elif line == "" and steps and steps[-1].kind in ("send", "expect"):
            steps[-1] = Step(steps[-1].kind, (*steps[-1].lines, ""))
        index += 1
    return steps


def split_messages(lines: tuple[str, ...]) -> list[list[str]]:
    """AMI messages of an expect block; an empty line right after a terminator (the stray
    ``\\n`` of PJSIP errors) stays with the message before it."""
    messages: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line == "" and not current and messages:
            messages[-1].append(line)
            continue
        current.append(line)
        if line == "":
            messages.append(current)
            current = []
    if current:
        messages.append(current)
    return messages


def normalize(line: str) -> str:
    """Mask values that change per run (timestamps, ids, ports); ``LastPause: 0`` (never
    paused) is kept, since it is no per-run value."""
    line = line.removesuffix("\r")
    if line.startswith(";! Creation Date:"):
        return ";! Creation Date: <date>"
    if line.startswith("agi_request: "):
        return re.sub(r":\d+/", ":<port>/", line)
    key, sep, value = line.partition(": ")
    if sep and key in VOLATILE_KEYS:
        return f"{key}: {'0' if value == '0' and key == 'LastPause' else '<per-run>'}"
    return line
