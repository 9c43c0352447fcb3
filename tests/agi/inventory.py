"""A small inventory for the AGI tests, built directly from the model."""

from __future__ import annotations

from provisioner.inventory.pins import MIN_ITERATIONS, hash_pin
from provisioner.model import (
    Agent,
    Inventory,
    Lockout,
    PauseReason,
    Permissions,
    Phone,
    Queue,
    QueueMembership,
    SecretRef,
    Settings,
)

PIN = "1234"
ASSIGNED = ("ph-a", "ph-e")  # the phones assigned to agents (interface 2)
_HASH = hash_pin(PIN, iterations=MIN_ITERATIONS)  # the cheapest the server accepts
_SECRET = SecretRef("derive", "test")


def agent(agent_id: str, extension: str, **fields: object) -> Agent:
    values: dict[str, object] = {
        "name": f"Agent {agent_id}",
        "pin_hash": _HASH,
        "secret": _SECRET,
        "queues": (QueueMembership("support", 1),),
    }
    values.update(fields)
    return Agent(id=agent_id, extension=extension, **values)  # type: ignore[arg-type]


def phone(phone_id: str, extension: str) -> Phone:
    return Phone(id=phone_id, extension=extension, secret=_SECRET)


def build(*, revision: str = "r1", extra: tuple[Agent, ...] = ()) -> Inventory:
    agents = (
        agent(
            "1001",
            "2001",
            name="Ann, Smith",
            phone="ph-a",
            mobile="+441234",
            client_logs="info",
            queues=(QueueMembership("support", 1), QueueMembership("sales", 2)),
        ),
        agent("1002", "2002", hot_desk=True),
        agent("1003", "2003", hot_desk=True, queues=(QueueMembership("sales", 0),)),
        agent("1004", "2004", permissions=Permissions(pause=False, logout=False)),
        agent(
            "1005",
            "2005",
            phone="ph-e",
            default_interface="phone",
            permissions=Permissions(choose_interface=False, pause_reasons=("lunch",)),
        ),
        agent("1006", "2006", queues=(QueueMembership("support", 0), QueueMembership("gone", 0))),
        agent("1007", "2007", hot_desk=True),
        agent("1008", "2008", hot_desk=True),
        *extra,
    )
    return Inventory(
        settings=Settings(
            pause_reasons=(PauseReason(1, "lunch"), PauseReason(2, "break")),
            lockout=Lockout(attempts=3, seconds=300),
        ),
        agents=tuple(sorted(agents, key=lambda a: a.id)),
        phones=(
            phone("ph-a", "3001"),
            phone("ph-b", "3002"),
            phone("ph-c", "3003"),
            phone("ph-e", "3005"),
        ),
        queues=(Queue("sales"), Queue("support")),
        revision=revision,
    )
