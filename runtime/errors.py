"""The runtime core's small exception family.

``CoreError`` is the base. A door's port raises these (or subclasses of them) where the
Asterisk operation failed; the rules catch only what they can act on: an ``Interrupted``
session rolls back and ends, ``Lost`` means no further operation can be sent at all,
``Refused`` means Asterisk refused an operation.
"""

from __future__ import annotations


class CoreError(Exception):
    """Base of every error the runtime core raises or expects from a port."""


class Interrupted(CoreError):
    """The session cannot go on talking to its caller (the caller hung up)."""


class Lost(Interrupted):
    """The connection to Asterisk is gone: no further operation can be sent."""


class Refused(CoreError):
    """Asterisk answered an operation with an error."""


class LockUnavailable(Refused):
    """A func_lock mutex cannot be asked for: TRYLOCK answered neither 0 nor 1 (func_lock
    missing or not allowed), or the door has no channel to hold it on."""


class JoinError(CoreError):
    """A queue refused the agent during login (the login is rolled back)."""


class ConfigRefused(CoreError):
    """A door's configuration or inventory cannot be used (a reload keeps the last good one)."""
