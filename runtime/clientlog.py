"""Client logs: every step of one agent's sessions, at the level the inventory asks.

``client_logs: {level: info}`` (or ``true``, which is ``info``) turns them on for an agent.
They go to the logger ``gitops.client.<agent id>`` whatever the daemon's own level, and,
with ``--client-log-dir DIR``, to ``DIR/<agent id>.log``: one stream per agent that ops can
follow (``tail -f``). Both doors write them the same way. What each level shows:

- ``debug``: also every Asterisk operation of the session and its answer;
- ``info``: every step (identified, interface chosen, queue joined, logged in, paused...);
- ``warning``: refusals (wrong PIN, locked out, phone in use, not permitted...);
- ``error``: failures (a login rolled back, Asterisk refusing, a lock unavailable).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Literal

from provisioner.model import Agent
from provisioner.redact import SafeFormatter

Level = Literal["debug", "info", "warning", "error"]
LEVELS: dict[str, int] = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
}
LOGGER = "gitops.client"  # gitops.client.<agent id>


def shows(agent: Agent, level: Level) -> bool:
    """Whether the agent's client logs include a step of this level."""
    wanted = agent.client_logs
    return wanted is not None and LEVELS[level] >= LEVELS[wanted]


def log(agent: Agent, level: Level, message: str) -> None:
    logging.getLogger(f"{LOGGER}.{agent.id}").log(LEVELS[level], "%s", message)


class AgentFiles(logging.Handler):
    """Writes each agent's client logs to ``<directory>/<agent id>.log`` (appended, one line
    per record, so several processes may write one file). Agent ids are file-name safe (the
    inventory's endpoint id pattern)."""

    def __init__(self, directory: Path) -> None:
        super().__init__(logging.DEBUG)
        self.directory = directory
        self._write = threading.Lock()
        directory.mkdir(parents=True, exist_ok=True)

    def emit(self, record: logging.LogRecord) -> None:
        agent = record.name.removeprefix(f"{LOGGER}.")
        if agent == record.name or "/" in agent or agent.startswith("."):
            return
        try:
            line = self.format(record) + "\n"
            with self._write, (self.directory / f"{agent}.log").open("a") as out:
                out.write(line)
        except (OSError, ValueError):
            self.handleError(record)


def configure(directory: Path | None) -> None:
    """Client logs always pass (whatever the daemon's level); with ``directory`` also into
    one file per agent."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(logging.DEBUG)
    if directory is not None:
        handler = AgentFiles(directory)
        handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
