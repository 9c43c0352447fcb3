"""What messages and logs may show: no password written into a URL, no control character.

Text from the network (an AGI peer's ``agi_channel``, an AMI peer's messages) can hold ESC
sequences, carriage returns or line separators that would rewrite a terminal or forge a log
line; ``printable`` escapes them, and ``SafeFormatter`` does it to every log message (not to
tracebacks, which are ours).
"""

from __future__ import annotations

import logging
import re

# A scheme and the slashes after it (``ami://``, ``ami:/``, ``ami:///``): what precedes the
# user. Without a slash, ``ami:user:pw@host`` cannot be told from ``user:pw@host``, so the
# whole part before the first ``:`` is taken as the user and everything after it is hidden.
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:/+")


def url_shown(text: str) -> str:
    """``text`` with the password of a ``scheme://user:password@host`` URL shown as ``***``.

    Malformed URLs too (``ami:/user:pw@host``, ``ami:user:pw@host``, ``user:pw@host``): the
    userinfo is whatever precedes the *last* ``@``, after the scheme and its slashes, and
    everything from its first ``:`` on is hidden. So a password holding ``@``, ``/`` or ``:``
    is hidden whole (at worst a path with ``@`` and ``:`` in it is hidden too: never the
    reverse). A ``dir:`` target is a path, shown as it is.
    """
    userinfo_end = text.rfind("@")
    if userinfo_end < 0 or text[:4].lower() == "dir:":
        return text
    scheme = _SCHEME.match(text)
    start = scheme.end() if scheme else 0
    user, colon, _password = text[start:userinfo_end].partition(":")
    if not colon:
        return text
    return f"{text[:start]}{user}:***{text[userinfo_end:]}"


# C0 controls but the tab, DEL, C1 controls, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\u2028``)."""
    return _CONTROL.sub(_escaped, text)


class SafeFormatter(logging.Formatter):
    """A formatter whose messages never carry a control character (see ``printable``)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)


def safe_logging(level: int, fmt: str) -> None:
    """``logging.basicConfig`` with ``SafeFormatter`` on its stderr handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(SafeFormatter(fmt))
    logging.basicConfig(level=level, handlers=[handler])
