"""Line breaks other tools see where Asterisk sees none, refused in any text of the inventory.

Asterisk's config files end a line at "\\n" only (config.c reads them with fgets). Python's
``str.splitlines``, editors, terminals and log viewers also break lines at "\\r", U+000B,
U+000C, U+001C to U+001E, U+0085, U+2028 and U+2029: a name holding one looks like two lines
to every tool but Asterisk, and an older release of the directory target split its own files
there. YAML writes them as escapes in double quotes (``"\\L"`` is U+2028), or raw inside
quotes. They have no place in an inventory, so the loader reports each at its field, with the
file's other schema problems.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from provisioner.inventory.yamlparse import Path, locate

BREAKS = {
    "\r": "a carriage return (U+000D)",
    "\x0b": "a vertical tab (U+000B)",
    "\x0c": "a form feed (U+000C)",
    "\x1c": "an information separator (U+001C)",
    "\x1d": "an information separator (U+001D)",
    "\x1e": "an information separator (U+001E)",
    "\x85": "a next line (U+0085)",
    "\u2028": "a line separator (U+2028)",
    "\u2029": "a paragraph separator (U+2029)",
}
_IN_TEXT = re.compile(f"[{''.join(BREAKS)}]")
# In the file's bytes: one of them raw, or a backslash (a YAML escape may stand for one).
_MAYBE = re.compile(rb"[\r\x0b\x0c\x1c-\x1e\\]|\xc2\x85|\xe2\x80[\xa8\xa9]")

Finding = tuple[int, int, Path, str]


def line_break_findings(data: bytes, parsed: Any) -> list[Finding]:
    """(line, column, path, message) of every text value of ``parsed`` holding a break."""
    if not _MAYBE.search(data):  # most files: nothing to walk
        return []
    found = dict(_walk(parsed, ()))
    if not found:
        return []
    where = locate(data, found)
    return [
        (where[path].line, where[path].column, path, _message(path, chars))
        for path, chars in found.items()
    ]


def _walk(node: Any, path: Path) -> Iterator[tuple[Path, list[str]]]:
    if isinstance(node, str):
        chars = sorted(set(_IN_TEXT.findall(node)))
        if chars:
            yield path, chars
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def _message(path: Path, chars: list[str]) -> str:
    names = [p for p in path if isinstance(p, str)]
    field = names[-1] if names else "the value"
    return (
        f"{field} holds {', '.join(BREAKS[c] for c in chars)}: a line break Asterisk's config "
        "files do not read as one (a line ends only at a newline there), which other tools "
        "and older releases split the value at; remove it"
    )
