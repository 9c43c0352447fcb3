"""Runtime state read over AMI for the live table of agents (``runtime.state``): the AstDB
sessions (one ``DBGetTree`` of ``gitops/agent``) and app_queue's members (``QueueStatus``).

Plain readings as Asterisk gives them (paths and values, each member's fields): what they
mean is the runtime core's. ``request`` is any door's way to send one action and get its
whole answer (``AmiClient.request``, ``SharedAmi.request``).
"""

from __future__ import annotations

from collections.abc import Callable

from provisioner.targets.ami.client import Action, Reply

Request = Callable[[Action], Reply]
SESSIONS_FAMILY = "gitops/agent"


def sessions(request: Request) -> dict[str, str]:
    """Every key under ``gitops/agent``: ``/gitops/agent/<id>/<key>`` -> value. (A tree read is
    safe: only a *delete* of a tree matches too much, see docs/runtime-contract.md.)"""
    reply = request(Action("DBGetTree", (("Family", SESSIONS_FAMILY),)))
    return {e.get("Key"): e.get("Val") for e in reply.events if e.get("Key")}


def agent_keys(request: Request, agent_id: str) -> dict[str, str]:
    """One agent's session keys, exactly (a tree read of ``gitops/agent/<id>`` also lists
    the agents whose id only differs where this one has ``_``, or by case: filtered out)."""
    family = f"{SESSIONS_FAMILY}/{agent_id}"
    reply = request(Action("DBGetTree", (("Family", family),)))
    prefix = f"/{family}/"
    return {
        e.get("Key"): e.get("Val")
        for e in reply.events
        if e.get("Key").startswith(prefix) and "/" not in e.get("Key")[len(prefix) :]
    }


def members(request: Request, queue: str = "") -> list[dict[str, str]]:
    """The fields of every ``QueueMember`` of ``queue`` (all queues when empty)."""
    headers = (("Queue", queue),) if queue else ()
    reply = request(Action("QueueStatus", headers))
    return [dict(e.headers) for e in reply.events if e.event == "QueueMember"]
