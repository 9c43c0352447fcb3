"""The AGI scripts the server answers, by the first path segment of ``agi_network_script``."""

from __future__ import annotations

from collections.abc import Mapping

from agi.dispatch import Handler
from agi.handlers import login, logout, pause, status, unpause

ROUTES: Mapping[str, Handler] = {
    "login": login.handle,
    "login-paused": login.handle_paused,
    "logout": logout.handle,
    "pause": pause.handle,
    "unpause": unpause.handle,
    "status": status.handle,
}
