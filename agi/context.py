"""What a handler gets (``Call``) and what it returns (``Outcome``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from agi.channel import Channel, Request
from agi.directory import Directory
from provisioner.model import Agent

Status = Literal[
    "ok",
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
class Prompts:
    """Sound files played to the agent: stock Asterisk sounds where one says the right thing,
    else the prompts shipped in ``agi/sounds/gitops`` (``agi.prompts`` says which is which)."""

    agent_number: str = "agent-user"
    pin: str = "agent-pass"
    invalid: str = "gitops/login-incorrect"  # stock agent-incorrect asks to try again
    locked: str = "gitops/locked-out"
    logged_in: str = "agent-loginok"
    logged_out: str = "agent-loggedoff"
    interface_menu: str = "gitops/interface-menu"  # 1 internal, 2 phone, 3 mobile
    phone_extension: str = "gitops/phone-extension"
    pause_reason: str = "gitops/pause-reason"
    paused: str = "gitops/paused"
    unpaused: str = "gitops/unpaused"
    no_phone: str = "gitops/no-phone"
    phone_not_registered: str = "gitops/phone-not-registered"
    phone_in_use: str = "gitops/phone-in-use"
    not_permitted: str = "gitops/not-permitted"
    bad_reason: str = "gitops/bad-reason"

    def feedback(self, status: str) -> tuple[str, ...]:
        """What a caller hears for a refusal (``error`` is the dialplan's own prompt)."""
        named = {
            "unknown_agent": self.invalid,
            "bad_pin": self.invalid,
            "not_logged_in": self.logged_out,
        }
        prompt = named.get(status) or getattr(self, status, None)
        return (prompt,) if isinstance(prompt, str) and status != "error" else ()


@dataclass(frozen=True)
class Options:
    """Runtime knobs that are not part of the inventory."""

    prompts: Prompts = field(default_factory=Prompts)
    digit_timeout_ms: int = 5000
    claim_attempts: int = 3  # TRYLOCKs of a busy hot-desk phone's lock before phone_in_use
    claim_retry: float = 0.05  # seconds between them
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class Outcome:
    """The result the dialplan reads back (``GITOPS_*`` channel variables)."""

    status: Status
    agent: str = ""
    interface: str = ""
    reason: str = ""
    prompts: tuple[str, ...] = ()  # played after the variables are set; () = the default

    def variables(self) -> dict[str, str]:
        values = {
            "GITOPS_STATUS": self.status,
            "GITOPS_AGENT": self.agent,
            "GITOPS_INTERFACE": self.interface,
            "GITOPS_REASON": self.reason,
        }
        return {k: v for k, v in values.items() if v or k == "GITOPS_STATUS"}


CLIENT_LOGGER = "agi.client"  # agi.client.<agent id>: the client logs of Call.trace


@dataclass(frozen=True)
class Call:
    channel: Channel
    request: Request
    directory: Directory
    options: Options = field(default_factory=Options)

    def now(self) -> float:
        return self.options.clock()

    def trace(self, agent: Agent, message: str, *, echo: bool = True) -> None:
        """One step of an agent's session, for agents with client logs on.

        ``echo`` also sends it to Asterisk's verbose log; clean-up paths pass False, since a
        VERBOSE on a channel that just hung up would raise ``Hangup`` before the clean-up.
        """
        if not agent.client_logs:
            return
        logging.getLogger(f"{CLIENT_LOGGER}.{agent.id}").info(
            "%s %s: %s", self.request.uniqueid, agent.id, message
        )
        if echo:
            self.channel.verbose(f"gitops agent {agent.id}: {message}", 1)
