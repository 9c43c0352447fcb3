"""ConfigObjects built by hand for the reconciler's unit tests."""

from __future__ import annotations

from provisioner.render.objects import PJSIP_FILE, QUEUES_FILE, ConfigObject
from provisioner.targets.base import ActualState, LiveMember, StateRecord

SECRET = "s3cr3t-Pa55w0rd-xyz"


def endpoint(name: str, *extra: tuple[str, str], context: str = "from-sip") -> ConfigObject:
    options = (
        ("type", "endpoint"),
        ("context", context),
        ("disallow", "all"),
        ("allow", "ulaw"),
        ("allow", "alaw"),
        ("auth", name),
        ("aors", name),
        *extra,
    )
    return ConfigObject(PJSIP_FILE, "endpoint", name, options, f"agent:{name}")


def aor(name: str, max_contacts: str = "1") -> ConfigObject:
    options = (("type", "aor"), ("max_contacts", max_contacts))
    return ConfigObject(PJSIP_FILE, "aor", name, options, f"agent:{name}")


def auth(name: str, password: str = SECRET) -> ConfigObject:
    options = (("type", "auth"), ("auth_type", "userpass"), ("username", name))
    options += (("password", password),)
    return ConfigObject(PJSIP_FILE, "auth", name, options, f"agent:{name}")


def queue(name: str, strategy: str = "ringall") -> ConfigObject:
    options = (("strategy", strategy), ("timeout", "15"))
    return ConfigObject(QUEUES_FILE, "queue", name, options, f"queue:{name}")


def agent_objects(name: str) -> list[ConfigObject]:
    return [endpoint(name), aor(name), auth(name)]


def state(
    objects: list[ConfigObject],
    managed: list[ConfigObject] | None = None,
    members: tuple[LiveMember, ...] = (),
    revision: str | None = "r1",
) -> ActualState:
    keys = frozenset(o.key for o in (objects if managed is None else managed))
    return ActualState(tuple(objects), StateRecord(revision, keys), members)


def member(queue: str, agent: str, penalty: int = 0, dynamic: bool = True) -> LiveMember:
    return LiveMember(
        queue=queue,
        interface=f"Local/{agent}@gitops-agents",
        name=f"Agent {agent}",
        state_interface=f"PJSIP/{agent}",
        penalty=penalty,
        paused=False,
        reason="",
        dynamic=dynamic,
    )
