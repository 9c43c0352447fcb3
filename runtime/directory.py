"""Lookups the runtime needs, built once per loaded inventory (dicts, never scans)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from provisioner.model import Agent, Inventory, PauseReason, Phone


@dataclass(frozen=True)
class Directory:
    inventory: Inventory
    agents_by_number: Mapping[str, Agent]  # agent id and extension
    phones_by_extension: Mapping[str, Phone]
    assigned: Mapping[str, tuple[str, ...]]  # phone id -> ids of the agents it is assigned to
    reasons: Mapping[int, PauseReason]
    reasons_by_name: Mapping[str, PauseReason]

    @classmethod
    def build(cls, inventory: Inventory) -> Directory:
        by_number: dict[str, Agent] = {a.extension: a for a in inventory.agents}
        by_number.update({a.id: a for a in inventory.agents})  # an id wins over an extension
        assigned: dict[str, list[str]] = {}
        for agent in inventory.agents:
            if agent.phone is not None:
                assigned.setdefault(agent.phone, []).append(agent.id)
        return cls(
            inventory=inventory,
            agents_by_number=by_number,
            phones_by_extension={p.extension: p for p in inventory.phones},
            assigned={phone: tuple(ids) for phone, ids in assigned.items()},
            reasons={r.code: r for r in inventory.settings.pause_reasons},
            reasons_by_name={r.name: r for r in inventory.settings.pause_reasons},
        )

    def agent(self, agent_id: str) -> Agent | None:
        return self.inventory.agent(agent_id)

    def phone(self, phone_id: str) -> Phone | None:
        return self.inventory.phone(phone_id)

    def agent_by_number(self, digits: str) -> Agent | None:
        return self.agents_by_number.get(digits) if digits else None

    def phone_by_extension(self, digits: str) -> Phone | None:
        return self.phones_by_extension.get(digits) if digits else None

    def reason(self, code_text: str) -> PauseReason | None:
        return self.reasons.get(int(code_text)) if code_text.isdigit() else None

    def reason_named(self, name: str) -> PauseReason | None:
        return self.reasons_by_name.get(name)
