"""UpdateConfig's ``catfilter`` option as main/config.c and main/manager.c apply it.

manager.c splits ``Options`` with ``ast_strsep(..., ',', AST_STRSEP_STRIP)`` (quotes group,
each token is stripped of blanks and one pair of quotes); a token starting with
``catfilter`` is split on ``=`` the same way and its second piece is the filter. So
``catfilter="type=aor"`` gives the filter ``type=aor``, while the unquoted
``catfilter=type=aor`` gives just ``type`` (no ``=``: it matches nothing).

config.c's ``does_category_match`` splits the filter on ``,``; every ``name=value`` must be
matched by one variable of the category (inherited ones included), where ``name`` and
``value`` are each an unanchored POSIX extended regex (``regcomp(REG_EXTENDED |
REG_NOSUB)``, then ``regexec``): ``type=aor`` also lets through ``content_type=aor_x``.
``TEMPLATES=include`` lets templates through too, ``TEMPLATES=restrict`` only templates.
A term without ``=``, or a regex that does not compile, matches no category.

Python's ``re.search`` stands in for ``regexec``; they differ on what these filters never
use: Perl escapes (``\\d``, ``\\w``...) and ``(?...)`` groups are Python-only, POSIX
classes (``[[:alpha:]]``) and back references inside ERE are glibc-only.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

logger = logging.getLogger(__name__)
_QUOTES = "'\""


def strsep(text: str, sep: str) -> list[str]:
    """``ast_strsep`` with ``AST_STRSEP_STRIP`` over the whole string: split on ``sep``
    outside quotes (a backslash skips the next character), then strip each piece of blanks
    and of one pair of surrounding quotes."""
    pieces: list[str] = []
    stack: list[str] = []
    start = index = 0
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in _QUOTES:
            if stack and stack[-1] == char:
                stack.pop()
            else:
                stack.append(char)
        elif char == sep and not stack:
            pieces.append(text[start:index])
            start = index + 1
        index += 1
    pieces.append(text[start:])
    return [_strip_quoted(p) for p in pieces]


def _strip_quoted(piece: str) -> str:
    """``ast_strip_quoted(s, "'\\"", "'\\"")``: blanks, then one matching pair of quotes."""
    piece = piece.strip()
    if len(piece) >= 2 and piece[0] in _QUOTES and piece[-1] == piece[0]:
        return piece[1:-1]
    if piece[:1] in _QUOTES and len(piece) == 1:
        return ""
    return piece


def option_filter(token: str) -> str | None:
    """The filter of an option token starting with ``catfilter`` (None: no second piece)."""
    pieces = strsep(token, "=")
    return pieces[1] if len(pieces) > 1 else None


def _search(pattern: str, text: str) -> bool | None:
    """``regexec`` of an ERE compiled from ``pattern``; None when it does not compile."""
    try:
        return re.search(pattern, text) is not None
    except re.error as e:
        logger.error("Regular expression %r failed to compile: %s", pattern, e)
        return None


def matches(lines: Iterable[tuple[str, str]], template: bool, catfilter: str | None) -> bool:
    """Whether a category (its ``(name, value)`` pairs, template or not) passes the filter."""
    if not catfilter:
        return not template
    pairs = list(lines)
    found = expressions = 0
    template_ok = False
    for term in strsep(catfilter, ","):
        expressions += 1
        name, *rest = strsep(term, "=")
        if not rest:
            break
        value = rest[0]
        if name == "TEMPLATES":
            if value.lower() == "include":
                template_ok = template_ok or template
                found += 1
            elif value.lower() == "restrict":
                if not template:
                    break
                template_ok = True
                found += 1
            continue
        hit = _term_hit(pairs, name, value)
        if hit is None:
            return False
        found += hit
    return found == expressions and (not template or template_ok)


def _term_hit(pairs: list[tuple[str, str]], name: str, value: str) -> bool | None:
    if _search(name, "") is None or _search(value, "") is None:
        return None
    return any(_search(name, k) and _search(value, v) for k, v in pairs)
