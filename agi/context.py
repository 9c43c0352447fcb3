"""What a handler gets (``Call``) and what it returns (``Outcome``), on top of the core's."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from fastagi.channel import Channel, Request
from fastagi.port import AgiPort
from provisioner.model import Agent
from runtime import context as core
from runtime.clientlog import Level
from runtime.directory import Directory


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
    # status (*75), said in full
    on_internal: str = "gitops/on-internal"
    at_phone: str = "gitops/at-phone"  # then the phone's extension, digit by digit
    on_mobile: str = "gitops/on-mobile"
    available: str = "gitops/available"
    reason: str = "gitops/reason"  # then the reason code
    for_: str = "for"
    minute: str = "minute"
    minutes: str = "minutes"
    hours: str = "hours"
    seconds: str = "seconds"

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
    claim_attempts: int = 3  # TRYLOCKs of a busy lock (phone, PIN) before giving up
    claim_retry: float = 0.05  # seconds between them
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def core(self) -> core.Options:
        return core.Options(self.claim_attempts, self.claim_retry, self.clock, self.sleep)


@dataclass(frozen=True)
class Outcome(core.Outcome):
    """The core's outcome and what the caller hears (``GITOPS_*`` channel variables)."""

    prompts: tuple[str, ...] = ()  # played after the variables are set; () = the default

    @classmethod
    def of(cls, outcome: core.Outcome, prompts: tuple[str, ...] = ()) -> Outcome:
        return cls(
            outcome.status,
            outcome.agent,
            outcome.interface,
            outcome.reason,
            outcome.detail,
            prompts,
        )

    def variables(self) -> dict[str, str]:
        values = {
            "GITOPS_STATUS": self.status,
            "GITOPS_AGENT": self.agent,
            "GITOPS_INTERFACE": self.interface,
            "GITOPS_REASON": self.reason,
        }
        return {k: v for k, v in values.items() if v or k == "GITOPS_STATUS"}


@dataclass(frozen=True)
class Call:
    channel: Channel
    request: Request
    directory: Directory
    options: Options = field(default_factory=Options)

    @cached_property
    def ctx(self) -> core.Context:
        """The core's context of this call: its port is the call's channel."""
        return core.Context(
            AgiPort(self.channel),
            self.directory,
            self.options.core(),
            origin=self.request.channel,
            session_id=self.request.uniqueid,
        )

    def now(self) -> float:
        return self.options.clock()

    def trace(
        self, agent: Agent, message: str, level: Level = "info", *, echo: bool = True
    ) -> None:
        self.ctx.trace(agent, message, level, echo=echo)
