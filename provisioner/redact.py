"""Keeping a password written into a URL out of messages and logs."""

from __future__ import annotations

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
