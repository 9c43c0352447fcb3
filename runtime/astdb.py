"""The AstDB layout of docs/runtime-contract.md: agent sessions, phone holders, lockouts,
pending requests."""

from __future__ import annotations

from dataclasses import dataclass

from runtime.port import Asterisk


def agent_family(agent_id: str) -> str:
    return f"gitops/agent/{agent_id}"


def phone_family(phone_id: str) -> str:
    return f"gitops/phone/{phone_id}"


def lockout_family(agent_id: str) -> str:
    return f"gitops/lockout/{agent_id}"


# Every key an agent's session and lockout have (docs/runtime-contract.md). They are deleted
# one by one, never with DATABASE DELTREE: db.c deletes a tree with
# ``key || '/' LIKE ? || '/' || '%'`` (no ESCAPE), where ``_`` matches any character and case
# is ignored, so DELTREE of agent ``a_b`` would also wipe ``a-b``, ``axb`` and ``A_B``.
# ``since`` goes first: from then on the session reads as logged out. ``pending`` (a pause or
# logout asked for during a call, see ``runtime.pending``) goes with the session.
SESSION_KEYS = (
    "since",
    "queues",
    "phone",
    "paused",
    "paused_since",
    "interface",
    "dial",
    "device",
    "pending",
)
LOCKOUT_KEYS = ("failures", "until")


@dataclass(frozen=True)
class Binding:
    """Where a logged-in agent is rung."""

    interface: str  # internal, phone, hotdesk, mobile
    dial: str  # PJSIP/<endpoint> or Local/<number>@<outbound context>
    device: str  # state interface, "" for a mobile number
    phone: str = ""  # phone id (assigned or hot-desk phone)


@dataclass(frozen=True)
class Session:
    """What AstDB says about an agent's login (``since`` is written last: the commit)."""

    since: str | None
    phone: str = ""
    queues: tuple[str, ...] = ()
    interface: str = ""
    paused: str = ""
    paused_since: str = ""
    pending: str = ""  # "pause:<reason>" or "logout" (runtime.pending)

    @property
    def logged_in(self) -> bool:
        return bool(self.since)


def read_session(port: Asterisk, agent_id: str, *, full: bool = False) -> Session:
    family = agent_family(agent_id)
    since = port.db_get(family, "since")
    queues = recorded_queues(port, agent_id)
    phone = port.db_get(family, "phone") or ""
    if not full:
        return Session(since=since, phone=phone, queues=queues)
    return Session(
        since=since,
        phone=phone,
        queues=queues,
        interface=port.db_get(family, "interface") or "",
        paused=port.db_get(family, "paused") or "",
        paused_since=port.db_get(family, "paused_since") or "",
        pending=port.db_get(family, "pending") or "",
    )


def recorded_queues(port: Asterisk, agent_id: str) -> tuple[str, ...]:
    """The queues the agent's login recorded (``gitops/agent/<id>/queues``)."""
    text = port.db_get(agent_family(agent_id), "queues") or ""
    return tuple(q for q in text.split(",") if q)


def write_binding(port: Asterisk, agent_id: str, binding: Binding) -> None:
    """Where to ring the agent: written before joining queues (the member dials it)."""
    family = agent_family(agent_id)
    port.db_put(family, "dial", binding.dial)
    port.db_put(family, "device", binding.device)
    port.db_put(family, "interface", binding.interface)
    if binding.phone:
        port.db_put(family, "phone", binding.phone)
    else:
        port.db_del(family, "phone")
    for key in ("paused", "paused_since", "pending"):
        port.db_del(family, key)


def record_pause(port: Asterisk, agent_id: str, reason: str, now: float) -> None:
    """The agent is paused for ``reason`` since ``now`` (any pending request is done)."""
    family = agent_family(agent_id)
    port.db_put(family, "paused", reason)
    port.db_put(family, "paused_since", str(int(now)))
    port.db_del(family, "pending")


def record_unpause(port: Asterisk, agent_id: str) -> None:
    _delete(port, agent_family(agent_id), ("paused", "paused_since"))


def commit_session(port: Asterisk, agent_id: str, queues: tuple[str, ...], now: float) -> None:
    family = agent_family(agent_id)
    port.db_put(family, "queues", ",".join(queues))
    port.db_put(family, "since", str(int(now)))


def _delete(port: Asterisk, family: str, keys: tuple[str, ...]) -> None:
    for key in keys:
        port.db_del(family, key)


def clear_session(port: Asterisk, agent_id: str) -> None:
    _delete(port, agent_family(agent_id), SESSION_KEYS)


def locked_until(port: Asterisk, agent_id: str) -> float:
    value = port.db_get(lockout_family(agent_id), "until") or "0"
    try:
        return float(value)
    except ValueError:
        return 0.0


def record_failure(port: Asterisk, agent_id: str, attempts: int, seconds: int, now: float) -> bool:
    """Count a wrong PIN; True when this one locks the agent out."""
    family = lockout_family(agent_id)
    text = port.db_get(family, "failures") or "0"
    failures = (int(text) if text.isdigit() else 0) + 1
    if failures < attempts:
        port.db_put(family, "failures", str(failures))
        return False
    port.db_put(family, "until", str(int(now) + seconds))
    port.db_del(family, "failures")
    return True


def clear_failures(port: Asterisk, agent_id: str) -> None:
    _delete(port, lockout_family(agent_id), LOCKOUT_KEYS)
