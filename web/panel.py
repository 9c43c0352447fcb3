"""What the web panel's pages show, from the live rows and the inventory: labels, where calls
ring, pending requests, the supervisor's filter and counts, the notice after an action.

Pure functions of presentation, tested without a browser. Nothing here decides what an agent
may do: the choices and pause reasons come from the runtime (``web.operations``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from provisioner.model import Agent, Inventory
from runtime.context import Outcome
from runtime.state import STATES
from web.sessions import Notice

STATE_LABELS: Mapping[str | None, str] = {
    "available": "Available",
    "ringing": "Ringing",
    "on_call": "On a call",
    "paused": "Paused",
    "logged_out": "Logged out",
    None: "Unknown",
}
INTERFACE_LABELS: Mapping[str, str] = {
    "internal": "Internal line",
    "phone": "Desk phone",
    "hotdesk": "Hot desk",
    "mobile": "Mobile",
}


def duration(seconds: float) -> str:
    """``4:05``, ``1:02:03``: as the page's timers show it (``panel.js`` counts on)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def clock(unix: float | None) -> dict[str, str]:
    """A moment for a ``<time>`` element: ISO (the browser shows it in its time zone) and
    the server's own rendering in UTC until then."""
    if not unix:
        return {"iso": "", "text": ""}
    moment = time.gmtime(unix)
    return {
        "iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", moment),
        "text": time.strftime("%H:%M UTC", moment),
    }


def phone_label(inventory: Inventory, phone_id: str | None) -> str:
    phone = inventory.phone(phone_id) if phone_id else None
    if phone is None:
        return phone_id or ""
    return f"{phone.name or phone.id} ({phone.extension})"


def choice_label(inventory: Inventory, agent: Agent, kind: str) -> str:
    """An interface an agent may choose at login, as the agent reads it."""
    if kind == "phone":
        return f"My desk phone: {phone_label(inventory, agent.phone)}"
    if kind == "mobile":
        return f"My mobile: {agent.mobile}"
    return f"My internal line ({agent.extension})"


def where(inventory: Inventory, row: Mapping[str, Any]) -> str:
    """Where a logged-in agent's calls ring (never the mobile number: a supervisor reads it)."""
    interface = row.get("interface") or ""
    label = INTERFACE_LABELS.get(interface, interface)
    if row.get("phone"):
        return f"{label}: {phone_label(inventory, row['phone'])}"
    return label


def pending_text(pending: str | None) -> str:
    if not pending:
        return ""
    if pending == "logout":
        return "Log out when the call ends"
    return f"Pause ({pending.removeprefix('pause:')}) when the call ends"


def state_text(row: Mapping[str, Any]) -> str:
    """``Paused: lunch``, ``On a call (paused: lunch)``..."""
    state = row.get("state")
    label = STATE_LABELS.get(state, str(state))
    if row.get("paused") and state == "paused":
        return f"{label}: {row.get('reason') or 'no reason'}"
    if row.get("paused"):
        return f"{label} (paused: {row.get('reason') or 'no reason'})"
    return label


def rows_json(rows: Iterable[Mapping[str, Any]]) -> Markup:
    """The rows a page was rendered from, for ``panel.js`` to compare events with: JSON for
    a ``<script type="application/json">`` (never run; ``<``, ``>``, ``&`` escaped in it)."""
    text = json.dumps(list(rows), separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


# -- the supervisor's table ------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    queue: str = ""
    state: str = ""

    @classmethod
    def of(cls, query: Mapping[str, str], queues: Sequence[str]) -> Filter:
        """From the page's query; an unknown queue or state filters nothing."""
        queue, state = query.get("queue", ""), query.get("state", "")
        return cls(queue if queue in queues else "", state if state in STATES else "")

    def keeps(self, agent: Agent, row: Mapping[str, Any]) -> bool:
        if self.queue and self.queue not in queues_of(agent):
            return False
        return not self.state or row.get("state") == self.state

    @property
    def query(self) -> dict[str, str]:
        return {k: v for k, v in (("queue", self.queue), ("state", self.state)) if v}


def queues_of(agent: Agent) -> tuple[str, ...]:
    return tuple(m.queue for m in agent.queues)


@dataclass(frozen=True)
class QueueCount:
    queue: str
    counts: Mapping[str, int]  # state -> agents of the queue in it

    def __getitem__(self, state: str) -> int:
        return self.counts.get(state, 0)


def counts(agents: Sequence[tuple[Agent, Mapping[str, Any]]]) -> list[QueueCount]:
    """Per queue (of the inventory's memberships), how many agents are in each state."""
    found: dict[str, dict[str, int]] = {}
    for agent, row in agents:
        for queue in queues_of(agent):
            per_state = found.setdefault(queue, {})
            state = row.get("state") or "logged_out"
            per_state[state] = per_state.get(state, 0) + 1
    return [QueueCount(q, found[q]) for q in sorted(found)]


# -- after an action -------------------------------------------------------------------


def notice(outcome: Outcome, done: str, who: str = "") -> Notice:
    """What the page says after an action: ``done`` when it was, when the request waits
    for the end of a call that (``who``: ``You are``, ``Ann Martin is``), else the rule's
    sentence."""
    if outcome.status == "ok":
        return Notice("ok", done)
    if outcome.status == "pending" and who:
        what = f"the pause ({outcome.reason})" if outcome.reason else "the logout"
        return Notice("pending", f"{who} on a call: {what} takes effect when it ends.")
    return refused(outcome.detail or outcome.status.replace("_", " "))


def refused(detail: str) -> Notice:
    return Notice("error", sentence(detail))


def sentence(text: str) -> str:
    """``phone 201 is in use`` -> ``Phone 201 is in use.``"""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
