"""Keeping a password written into a URL out of messages and logs."""

from __future__ import annotations


def url_shown(text: str) -> str:
    """``text`` with the password of a ``scheme://user:password@host`` URL shown as ``***``.

    The user part ends at the *last* ``@``, so a password holding ``@`` or ``/`` is hidden
    whole (at worst a path with ``@`` and ``:`` in it is hidden too: never the reverse).
    """
    scheme, sep, rest = text.partition("://")
    if not sep:
        return text
    userinfo, at, host = rest.rpartition("@")
    if not at or ":" not in userinfo:
        return text
    return f"{scheme}://{userinfo.partition(':')[0]}:***@{host}"
