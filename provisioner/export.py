"""What the inventory says about the channels Asterisk does not carry (chat, mail, SMS,
WhatsApp, open channels, fax), exported for the platform that does.

Asterisk has no equivalent: app_queue hands one call at a time to a member and nothing else
enters a queue; a conversation capacity ("3 chats at once") has no counterpart in any module
the renderer drives. So ``channels:`` is never rendered; it is exported as data (docs/
inventory.md, "Other channels"). Plain functions of the model; no secret is ever included
(no PIN hash, no secret source).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from provisioner.model import Agent, Inventory

FORMAT_VERSION = 1
CSV_COLUMNS = ("agent", "name", "extension", "channel", "capacity", "queues")


def channels_data(inventory: Inventory) -> dict[str, Any]:
    """Every agent of ``inventory`` with the channels they handle (enabled ones only, in
    schema order) and their queues (skills, with penalties), agents sorted by id."""
    queues = _queues(inventory)
    return {
        "format_version": FORMAT_VERSION,
        "revision": inventory.revision,
        "agents": [_agent(agent, queues.get(agent.id, [])) for agent in inventory.agents],
    }


def _queues(inventory: Inventory) -> dict[str, list[tuple[str, int]]]:
    """Agent id -> (queue, penalty) of every queue they are in: their own list and the
    queues' ``members`` alike (the model's queues hold both)."""
    found: dict[str, list[tuple[str, int]]] = {}
    for queue in inventory.queues:
        for member in queue.members:
            found.setdefault(member.agent, []).append((queue.name, member.penalty))
    return found


def _agent(agent: Agent, queues: list[tuple[str, int]]) -> dict[str, Any]:
    return {
        "id": agent.id,
        "name": agent.name,
        "extension": agent.extension,
        "queues": [{"queue": queue, "penalty": penalty} for queue, penalty in queues],
        "channels": {c.kind: {"capacity": c.capacity} for c in agent.channels if c.enabled},
    }


def channels_json(inventory: Inventory) -> str:
    return json.dumps(channels_data(inventory), ensure_ascii=False, indent=2) + "\n"


def channels_csv(inventory: Inventory) -> str:
    """One row per agent and enabled channel; ``queues`` is ``queue:penalty`` joined by
    spaces. Agents without any channel have no row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    memberships = _queues(inventory)
    for agent in inventory.agents:
        queues = " ".join(f"{q}:{p}" for q, p in memberships.get(agent.id, []))
        for channel in (c for c in agent.channels if c.enabled):
            row = (agent.id, agent.name, agent.extension, channel.kind, channel.capacity, queues)
            writer.writerow(row)
    return out.getvalue()
