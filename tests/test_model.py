from provisioner.model import (
    Agent,
    Inventory,
    Phone,
    Queue,
    SecretRef,
    Server,
    Settings,
)


def _agent(agent_id: str, **kw: object) -> Agent:
    return Agent(
        id=agent_id,
        name=agent_id,
        extension=agent_id,
        pin_hash="x",
        secret=SecretRef("env", "X"),
        **kw,  # type: ignore[arg-type]
    )


def test_interfaces_follow_what_the_agent_has() -> None:
    assert _agent("1").interfaces() == ("internal",)
    assert _agent("2", phone="p1").interfaces() == ("internal", "phone")
    assert _agent("3", phone="p1", mobile="+15550100").interfaces() == (
        "internal",
        "phone",
        "mobile",
    )


def test_for_server_keeps_only_what_the_server_serves() -> None:
    inv = Inventory(
        settings=Settings(),
        agents=(_agent("1"), _agent("2")),
        phones=(Phone(id="p1", extension="201", secret=SecretRef("env", "P")),),
        queues=(Queue(name="sales"), Queue(name="support")),
    )
    part = inv.for_server(Server(name="a", target="dir:x", agents=("2",), queues=("sales",)))
    assert [a.id for a in part.agents] == ["2"]
    assert [p.id for p in part.phones] == ["p1"]
    assert [q.name for q in part.queues] == ["sales"]
    assert part.agent("1") is None and part.agent("2") is not None
