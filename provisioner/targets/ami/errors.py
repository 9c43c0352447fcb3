"""The AMI client's errors: each one sentence that names the target and says what to do.

They are ``TargetError``s, so the CLI reports them like any other target failure.
"""

from __future__ import annotations

from provisioner.errors import TargetError


class AmiError(TargetError):
    """Something went wrong talking to an Asterisk over AMI."""


class AmiUnreachable(AmiError):
    """The host could not be reached (connection refused, unknown host, no route)."""


class AmiAuthError(AmiError):
    """Asterisk refused the login."""


class AmiTimeout(AmiError):
    """Asterisk did not answer an action in time."""


class AmiClosed(AmiError):
    """The connection closed before an answer was complete."""


class AmiProtocolError(AmiError):
    """Asterisk sent something that is not AMI, or a value cannot be sent over AMI."""


class AmiActionError(AmiError):
    """Asterisk answered ``Response: Error`` to an action."""

    def __init__(self, text: str, *, action: str, message: str) -> None:
        super().__init__(text)
        self.action = action
        self.message = message


class AmiWriteError(AmiError):
    """An ``UpdateConfig`` failed; ``file`` is untouched, ``written`` were written before."""

    def __init__(self, text: str, *, file: str, written: tuple[str, ...]) -> None:
        super().__init__(text)
        self.file = file
        self.written = written
