"""The AstDB layout of docs/runtime-contract.md: agent sessions, phone holders, lockouts."""

from __future__ import annotations

from dataclasses import dataclass

from agi.channel import Channel


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
# ``since`` goes first: from then on the session reads as logged out.
SESSION_KEYS = ("since", "queues", "phone", "paused", "interface", "dial", "device")
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

    @property
    def logged_in(self) -> bool:
        return bool(self.since)


def read_session(channel: Channel, agent_id: str, *, full: bool = False) -> Session:
    family = agent_family(agent_id)
    since = channel.database_get(family, "since")
    queues = recorded_queues(channel, agent_id)
    phone = channel.database_get(family, "phone") or ""
    if not full:
        return Session(since=since, phone=phone, queues=queues)
    return Session(
        since=since,
        phone=phone,
        queues=queues,
        interface=channel.database_get(family, "interface") or "",
        paused=channel.database_get(family, "paused") or "",
    )


def recorded_queues(channel: Channel, agent_id: str) -> tuple[str, ...]:
    """The queues the agent's login recorded (``gitops/agent/<id>/queues``)."""
    text = channel.database_get(agent_family(agent_id), "queues") or ""
    return tuple(q for q in text.split(",") if q)


def write_binding(channel: Channel, agent_id: str, binding: Binding) -> None:
    """Where to ring the agent: written before joining queues (the member dials it)."""
    family = agent_family(agent_id)
    channel.database_put(family, "dial", binding.dial)
    channel.database_put(family, "device", binding.device)
    channel.database_put(family, "interface", binding.interface)
    if binding.phone:
        channel.database_put(family, "phone", binding.phone)
    else:
        channel.database_del(family, "phone")
    channel.database_del(family, "paused")


def commit_session(channel: Channel, agent_id: str, queues: tuple[str, ...], now: float) -> None:
    family = agent_family(agent_id)
    channel.database_put(family, "queues", ",".join(queues))
    channel.database_put(family, "since", str(int(now)))


def _delete(channel: Channel, family: str, keys: tuple[str, ...]) -> None:
    for key in keys:
        channel.database_del(family, key)


def clear_session(channel: Channel, agent_id: str) -> None:
    _delete(channel, agent_family(agent_id), SESSION_KEYS)


def locked_until(channel: Channel, agent_id: str) -> float:
    value = channel.database_get(lockout_family(agent_id), "until") or "0"
    try:
        return float(value)
    except ValueError:
        return 0.0


def record_failure(
    channel: Channel, agent_id: str, attempts: int, seconds: int, now: float
) -> bool:
    """Count a wrong PIN; True when this one locks the agent out."""
    family = lockout_family(agent_id)
    text = channel.database_get(family, "failures") or "0"
    failures = (int(text) if text.isdigit() else 0) + 1
    if failures < attempts:
        channel.database_put(family, "failures", str(failures))
        return False
    channel.database_put(family, "until", str(int(now) + seconds))
    channel.database_del(family, "failures")
    return True


def clear_failures(channel: Channel, agent_id: str) -> None:
    _delete(channel, lockout_family(agent_id), LOCKOUT_KEYS)
