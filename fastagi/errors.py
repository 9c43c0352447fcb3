"""The AGI door's small exception family.

``AgiError`` is the base. A handler never catches more than it can act on: a ``Hangup`` ends
the session (after the handler's own clean-up), a ``ProtocolError`` means the peer did not
speak AGI as Asterisk does, a ``CommandError`` means Asterisk refused a command. ``Hangup``,
``ConnectionLost`` and ``CommandError`` are also the runtime core's ``Interrupted``, ``Lost``
and ``Refused``: the rules (``runtime``) act on them as on any door's.
"""

from __future__ import annotations

from runtime.errors import ConfigRefused, Interrupted, Lost, Refused


class AgiError(Exception):
    """Base of every error raised by the AGI runtime."""


class Hangup(AgiError, Interrupted):
    """The caller hung up (``HANGUP`` line, ``511`` dead channel) or the connection ended."""


class ConnectionLost(Hangup, Lost):
    """The socket closed or timed out: no further command can be sent at all."""


class ProtocolError(AgiError):
    """The peer sent something that is not AGI (garbage, truncated environment)."""


class CommandError(AgiError, Refused):
    """Asterisk answered a command with an error (510, 520, unexpected code)."""


class ConfigError(AgiError, ConfigRefused):
    """The server cannot start with the options given (bad address, missing inventory)."""
