"""The AGI runtime's small exception family.

``AgiError`` is the base. A handler never catches more than it can act on: a ``Hangup`` ends
the session (after the handler's own clean-up), a ``ProtocolError`` means the peer did not
speak AGI as Asterisk does, a ``CommandError`` means Asterisk refused a command.
"""

from __future__ import annotations


class AgiError(Exception):
    """Base of every error raised by the AGI runtime."""


class Hangup(AgiError):
    """The caller hung up (``HANGUP`` line, ``511`` dead channel) or the connection ended."""


class ConnectionLost(Hangup):
    """The socket closed or timed out: no further command can be sent at all."""


class ProtocolError(AgiError):
    """The peer sent something that is not AGI (garbage, truncated environment)."""


class CommandError(AgiError):
    """Asterisk answered a command with an error (510, 520, unexpected code)."""


class ConfigError(AgiError):
    """The server cannot start with the options given (bad address, missing inventory)."""


class JoinError(AgiError):
    """A queue refused the agent during login (the login is rolled back)."""


class LockUnavailable(CommandError):
    """Asterisk did not answer ``TRYLOCK`` with 0 or 1 (func_lock missing or not allowed)."""
