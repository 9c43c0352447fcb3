"""Runtime state on the real sandbox over AMI: agent sessions as the AGI login writes them,
calls placed with ``Originate`` and the dialplan steps they ran (from ``Newexten`` events,
whose ``AppData`` Asterisk has already variable-substituted)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from provisioner.targets.ami.client import Action, AmiClient, Reply
from provisioner.targets.base import AGENT_FAMILY
from runtime.astdb import SESSION_KEYS
from tests.real.sandbox import AMI_SECRET, AMI_USER, Sandbox


@contextmanager
def ami(sandbox: Sandbox, *, events: bool = False) -> Iterator[AmiClient]:
    with AmiClient("127.0.0.1", sandbox.ami_port, AMI_USER, AMI_SECRET, events=events) as client:
        yield client


def db_put(client: AmiClient, family: str, key: str, value: str) -> None:
    client.request(Action("DBPut", (("Family", family), ("Key", key), ("Val", value))))


def db_get(client: AmiClient, family: str, key: str) -> str | None:
    reply = client.request(Action("DBGet", (("Family", family), ("Key", key))), check=False)
    if not reply.ok:
        return None
    return next((e.get("Val") for e in reply.events if e.event == "DBGetResponse"), None)


@dataclass(frozen=True)
class Login:
    """What the AGI login writes for one agent (docs/runtime-contract.md)."""

    agent: str
    name: str
    interface: str  # internal, phone, hotdesk, mobile
    dial: str
    device: str  # state interface, "" for a mobile number
    queues: tuple[tuple[str, int], ...]  # (queue, penalty)
    phone: str = ""
    paused: str = ""  # pause reason


BRUNO_AT_DESK = Login(  # the example's hot-desk agent at the Paris phone desk-paris-102
    "bruno",
    "Bruno Petit",
    "hotdesk",
    "PJSIP/desk-paris-102",
    "PJSIP/desk-paris-102",
    (("sales", 1),),
    phone="desk-paris-102",
)


def log_in(client: AmiClient, login: Login) -> None:
    """The login's writes, in its order: binding, queue members, then ``queues`` and
    ``since`` (the commit point); a pause as PauseQueueMember in every queue."""
    family = f"{AGENT_FAMILY}/{login.agent}"
    for key, value in (
        ("dial", login.dial),
        ("device", login.device),
        ("interface", login.interface),
        ("phone", login.phone),
    ):
        if value:
            db_put(client, family, key, value)
    interface = f"Local/{login.agent}@gitops-agents"
    for queue, penalty in login.queues:
        headers = [("Queue", queue), ("Interface", interface), ("MemberName", login.name)]
        headers += [("Penalty", str(penalty))]
        if login.device:
            headers.append(("StateInterface", login.device))
        client.request(Action("QueueAdd", tuple(headers)))
    db_put(client, family, "queues", ",".join(q for q, _ in login.queues))
    db_put(client, family, "since", str(int(time.time())))
    if login.paused:
        pause = (("Interface", interface), ("Paused", "true"), ("Reason", login.paused))
        client.request(Action("QueuePause", pause))
        db_put(client, family, "paused", login.paused)


def forget_everyone(client: AmiClient, agents: tuple[str, ...], queues: tuple[str, ...]) -> None:
    """Log ``agents`` out by hand: leave ``queues``, delete their session keys one by one."""
    for agent in agents:
        for queue in queues:
            remove = (("Queue", queue), ("Interface", f"Local/{agent}@gitops-agents"))
            client.request(Action("QueueRemove", remove), check=False)
        for key in SESSION_KEYS:
            family = f"{AGENT_FAMILY}/{agent}"
            client.request(Action("DBDel", (("Family", family), ("Key", key))), check=False)


@dataclass(frozen=True)
class Step:
    priority: str
    application: str
    data: str  # substituted by Asterisk


def call(client: AmiClient, exten: str, context: str, timeout: float = 10.0) -> list[Step]:
    """Place a call into ``exten@context`` (a Local channel whose other end waits) and return
    the dialplan steps it ran, once it hung up. ``client`` must be logged in with events."""
    originate = (
        ("Channel", f"Local/{exten}@{context}"),
        ("Application", "Wait"),
        ("Data", "1"),
        ("Async", "true"),
    )
    client.unsolicited.clear()
    reply: Reply = client.request(Action("Originate", originate))
    assert reply.ok, reply.message
    prefix = f"Local/{exten}@{context}-"
    steps: list[Step] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        while client.unsolicited:
            event = client.unsolicited.popleft()
            channel = event.get("Channel")
            if not (channel.startswith(prefix) and channel.endswith(";2")):
                continue
            if event.event == "Newexten":
                priority = event.get("Priority")
                steps.append(Step(priority, event.get("Application"), event.get("AppData")))
            elif event.event == "Hangup":
                return steps
        client.request(Action("Ping"))  # reads what Asterisk sent meanwhile
        time.sleep(0.05)
    raise AssertionError(f"the call to {exten}@{context} did not end within {timeout} s: {steps}")


def dialled(steps: list[Step]) -> list[str]:
    """The dial strings of the ``Dial()`` steps a call ran (without the ring time)."""
    return [s.data.split(",")[0] for s in steps if s.application == "Dial"]
