"""Objects and changes the AMI target tests write (kept out of the test modules)."""

from __future__ import annotations

import socket
from pathlib import Path

from provisioner.render.objects import EXTENSIONS_FILE, PJSIP_FILE, QUEUES_FILE, ConfigObject
from provisioner.targets.base import ObjectChange

SECRET = "gitops-secret"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "reconciler" / "ami"


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


def endpoint(name: str, *extra: tuple[str, str]) -> ConfigObject:
    options = (
        ("type", "endpoint"),
        ("context", "from-sip"),
        ("disallow", "all"),
        ("allow", "ulaw"),
        ("allow", "alaw"),
        ("aors", name),
        ("auth", f"{name}-auth"),
        *extra,
    )
    return ConfigObject(PJSIP_FILE, "endpoint", name, options, f"agent:{name}")


def aor(name: str, max_contacts: str = "1") -> ConfigObject:
    options = (("type", "aor"), ("max_contacts", max_contacts), ("remove_existing", "yes"))
    return ConfigObject(PJSIP_FILE, "aor", name, options, f"agent:{name}")


def auth(name: str, password: str) -> ConfigObject:
    options = (("type", "auth"), ("auth_type", "userpass"), ("username", name))
    options += (("password", password),)
    return ConfigObject(PJSIP_FILE, "auth", f"{name}-auth", options, f"agent:{name}")


def agent_objects(name: str, password: str = "pw-secret-1") -> list[ConfigObject]:
    return [endpoint(name), aor(name), auth(name, password)]


def queue(name: str, strategy: str = "ringall") -> ConfigObject:
    options = (("strategy", strategy), ("timeout", "15"), ("musicclass", "default"))
    return ConfigObject(QUEUES_FILE, "queue", name, options, f"queue:{name}")


def context(name: str, *lines: str) -> ConfigObject:
    options = tuple(("exten", line) for line in lines)
    return ConfigObject(EXTENSIONS_FILE, "context", name, options, "dialplan")


def creates(objects: list[ConfigObject]) -> list[ObjectChange]:
    return [ObjectChange("create", None, obj) for obj in objects]


def update(before: ConfigObject, after: ConfigObject) -> ObjectChange:
    return ObjectChange("update", before, after)


def delete(obj: ConfigObject) -> ObjectChange:
    return ObjectChange("delete", obj, None)


def without_owner(objects: tuple[ConfigObject, ...] | list[ConfigObject]) -> set[ConfigObject]:
    """What a target can read back: everything but the owner (which lives in comments)."""
    return {ConfigObject(o.file, o.kind, o.name, o.options) for o in objects}
