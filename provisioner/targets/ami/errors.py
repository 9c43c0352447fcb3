"""The AMI client's errors: each one sentence that names the target and says what to do.

They are ``TargetError``s, so the CLI reports them like any other target failure.
"""

from __future__ import annotations

from provisioner.errors import TargetError
from provisioner.targets.base import PartialWriteError


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


class AmiWriteError(AmiError, PartialWriteError):
    """An ``UpdateConfig`` failed in ``file``; ``written`` were written before. ``partial``:
    some of ``file``'s requests were applied, or the last one may have been (connection lost
    before its answer); otherwise ``file`` is untouched."""

    def __init__(
        self, text: str, *, file: str, written: tuple[str, ...], partial: bool = False
    ) -> None:
        super().__init__(text, written=written, partly=file if partial else None)
        self.file = file
