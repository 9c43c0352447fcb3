"""A small inventory built in Python that exercises every rendering feature."""

from __future__ import annotations

from dataclasses import replace

from provisioner.model import (
    Agent,
    Inventory,
    PauseReason,
    Permissions,
    Phone,
    Queue,
    QueueMember,
    QueueMembership,
    SecretRef,
    Settings,
    Source,
    Voice,
)

FAKE_PREFIX = "FAKE-NOT-A-SECRET-"


def fake_secret(ref: SecretRef) -> str:
    """A deterministic fake resolver: every password is recognisable in output."""
    return f"{FAKE_PREFIX}{ref.source}-{ref.ref}"


def agent(agent_id: str, line: int = 1, **kw: object) -> Agent:
    base = Agent(
        id=agent_id,
        name=f"Agent {agent_id}",
        extension=agent_id,
        pin_hash="pbkdf2_sha256$1$c2FsdA==$aGFzaA==",
        secret=SecretRef("derive", f"agent-{agent_id}"),
        source=Source("inventory/agents.yaml", line, 5),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def phone(phone_id: str, extension: str, line: int = 1, **kw: object) -> Phone:
    base = Phone(
        id=phone_id,
        extension=extension,
        secret=SecretRef("derive", f"phone-{phone_id}"),
        name=f"Desk {extension}",
        site="hq",
        source=Source("inventory/phones.yaml", line, 5),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def inventory(**settings_kw: object) -> Inventory:
    settings = replace(
        Settings(
            pause_reasons=(PauseReason(1, "lunch"), PauseReason(2, "break")),
            outbound_trunk="trunk-main",
        ),
        **settings_kw,  # type: ignore[arg-type]
    )
    agents = (
        agent("1001", 2, queues=(QueueMembership("sales", 1),)),
        agent(
            "1002",
            10,
            phone="desk-201",
            mobile="+15550100",
            voice=Voice(recording="wav49", chanspy=True, call_group="1,3-5", pickup_group="1"),
            queues=(QueueMembership("sales"), QueueMembership("support", 2)),
        ),
        agent(
            "1003",
            20,
            voice=Voice(transports=("wss",), nat=("yes",), codecs=("opus", "ulaw"), video=True),
            permissions=Permissions(spy=True),
        ),
        agent(
            "1004",
            30,
            voice=Voice(
                transports=("tls", "tcp"), encryption=True, host="192.0.2.10", type="friend"
            ),
        ),
        agent("1005", 40, voice=Voice(host="192.0.2.11", port=5070, type="peer", nat=("no",))),
        agent("1006", 50, voice=Voice(type="user"), default_interface="phone", phone="desk-201"),
    )
    phones = (
        phone("desk-201", "201", 2),
        phone("desk-202", "202", 8, voice=Voice(host="2001:db8::5", type="peer", nat=("never",))),
    )
    queues = (
        Queue(
            "sales",
            strategy="rrmemory",
            members=(QueueMember("1001", 1), QueueMember("1002")),
            source=Source("inventory/queues.yaml", 2, 5),
        ),
        Queue(
            "support",
            timeout=20,
            wrapuptime=10,
            members=(QueueMember("1002", 2),),
            source=Source("inventory/queues.yaml", 12, 5),
        ),
    )
    return Inventory(settings=settings, agents=agents, phones=phones, queues=queues)
