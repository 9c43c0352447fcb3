"""What a rule gets (``Context``) and what it answers (``Outcome``), whichever door asked."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Literal

from provisioner.model import Agent
from runtime import clientlog
from runtime.directory import Directory
from runtime.port import Asterisk
from runtime.traced import Traced

Status = Literal[
    "ok",
    "pending",
    "unknown_agent",
    "bad_pin",
    "locked",
    "no_phone",
    "phone_not_registered",
    "phone_in_use",
    "not_logged_in",
    "not_permitted",
    "bad_reason",
    "error",
]


@dataclass(frozen=True)
class Options:
    """Timing of the rules (not part of the inventory)."""

    claim_attempts: int = 3  # TRYLOCKs of a busy lock before giving up
    claim_retry: float = 0.05  # seconds between them
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Outcome:
    """What a rule answers: a status and what the door tells the agent about it."""

    status: Status
    agent: str = ""
    interface: str = ""
    reason: str = ""
    detail: str = ""  # one sentence for the HTTP door and the logs ("" for ok)

    @property
    def ok(self) -> bool:
        return self.status in ("ok", "pending")


@dataclass(frozen=True)
class Context:
    """One session of the rules against one Asterisk: the port, the inventory's lookups,
    the timing, and who asked (``origin``: a channel name, ``web:<user>``...)."""

    port: Asterisk
    directory: Directory
    options: Options = field(default_factory=Options)
    origin: str = ""
    session_id: str = ""  # the call's unique id, or the HTTP request's

    def now(self) -> float:
        return self.options.clock()

    def for_agent(self, agent: Agent) -> Context:
        """This context, its port traced into the agent's client logs at level debug."""
        if not clientlog.shows(agent, "debug") or isinstance(self.port, Traced):
            return self
        note = partial(self.trace, agent, level="debug", echo=False)
        return replace(self, port=Traced(self.port, note))

    def trace(
        self, agent: Agent, message: str, level: clientlog.Level = "info", *, echo: bool = True
    ) -> None:
        """One step of an agent's session, for agents whose client logs show ``level``.

        ``echo`` also sends it to Asterisk's log through the port; clean-up paths pass False
        (on a channel that just hung up the echo would end the clean-up)."""
        if not clientlog.shows(agent, level):
            return
        clientlog.log(agent, level, f"{self.session_id} {agent.id}: {message}")
        if echo:
            self.port.note(f"gitops agent {agent.id}: {message}")
