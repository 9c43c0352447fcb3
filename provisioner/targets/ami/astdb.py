"""PJSIP objects kept in AstDB by Asterisk's sorcery (``res_sorcery_astdb``), over AMI.

With ``sorcery.conf`` on the Asterisk host mapping them (docs/scaling.md)::

    [res_pjsip]
    endpoint=astdb,pjsip
    aor=astdb,pjsip
    auth=astdb,pjsip
    [res_pjsip_endpoint_identifier_ip]
    identify=astdb,pjsip

res_sorcery_astdb keeps each object under one AstDB key: family ``pjsip/<type>``, key the
object's id, value its fields as one JSON object of strings (``type`` is the family). It reads
that key whenever the object is looked up, so a ``DBPut`` is live at once: no file is
rewritten and nothing is reloaded. JSON holds one value per field: an object that gives a
field twice cannot be stored, and is refused before anything is written.

The objects keep their identity (``pjsip_gitops.conf``, kind, name): plans, the record and
verification are those of the file-backed AMI target.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from provisioner.errors import TargetError
from provisioner.render.objects import PJSIP_FILE, ConfigObject
from provisioner.targets.ami.client import Action, Reply
from provisioner.targets.ami.protocol import Message
from provisioner.targets.ami.state import key_under
from provisioner.targets.base import ObjectChange

FAMILY = "pjsip"  # sorcery.conf: <type>=astdb,pjsip
KINDS = ("endpoint", "aor", "auth", "identify")  # what asterisk-gitops renders
NOT_FOUND = "Database entry not found"


def tree() -> Action:
    """Every object of the family: what a plan reads."""
    return Action("DBGetTree", (("Family", FAMILY),))


def lookups(name: str) -> list[Action]:
    """Every object named ``name`` (of each kind the tool renders): what apply reads again."""
    return [Action("DBGet", (("Family", f"{FAMILY}/{kind}"), ("Key", name))) for kind in KINDS]


def parse_tree(events: Iterable[Message]) -> list[ConfigObject]:
    """The objects of a ``DBGetTree pjsip`` answer (keys ``/pjsip/<kind>/<name>``)."""
    objects = []
    for event in events:
        kind, _, name = key_under(event.get("Key").strip("/"), FAMILY).partition("/")
        if kind and name:
            objects.append(stored_object(kind, name, event.get("Val")))
    return objects


def parse_lookups(name: str, replies: Iterable[Reply]) -> list[ConfigObject]:
    """The objects ``lookups(name)`` found (a missing key is no object)."""
    found = []
    for kind, reply in zip(KINDS, replies, strict=True):
        if not reply.ok and reply.message.startswith(NOT_FOUND):
            continue
        if not reply.ok or not reply.events:
            raise TargetError(f"AstDB {FAMILY}/{kind} {name} could not be read ({reply.message})")
        found.append(stored_object(kind, name, reply.events[0].get("Val")))
    return found


def stored_object(kind: str, name: str, value: str) -> ConfigObject:
    """One stored object: ``type`` first, then its fields in stored order. A value that is
    not a JSON object of strings (a hand-made key) is kept as text, so that the plan shows
    it as a change to make whole again (Asterisk cannot load it either)."""
    try:
        pairs = json.loads(value, object_pairs_hook=list)
    except ValueError:
        pairs = None
    if not isinstance(pairs, list):
        return ConfigObject(PJSIP_FILE, kind, name, (("type", kind), ("(not JSON)", value)))
    options = [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in pairs]
    return ConfigObject(PJSIP_FILE, kind, name, (("type", kind), *options))


def writes(change: ObjectChange) -> Action:
    """The one request that makes ``change``: ``DBPut`` of the whole object, or ``DBDel``."""
    if change.after is None:
        assert change.before is not None
        before = change.before
        return Action("DBDel", (("Family", f"{FAMILY}/{before.kind}"), ("Key", before.name)))
    obj = change.after
    return Action(
        "DBPut", (("Family", f"{FAMILY}/{obj.kind}"), ("Key", obj.name), ("Val", value_of(obj)))
    )


def value_of(obj: ConfigObject) -> str:
    """The JSON res_sorcery_astdb reads; TargetError when ``obj`` cannot be stored so."""
    fields = [(k, v) for k, v in obj.options if k != "type"]
    if obj.options[:1] != (("type", obj.kind),) or len(fields) != len(obj.options) - 1:
        raise TargetError(
            f"{obj.kind} {obj.name} cannot be kept in AstDB: its type must be its first line, once"
        )
    keys = [k for k, _ in fields]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        raise TargetError(
            f"{obj.kind} {obj.name} cannot be kept in AstDB: it gives {', '.join(twice)} more "
            "than once, and sorcery keeps one value per field (use the file-backed ami:// "
            "target for it)"
        )
    return json.dumps(dict(fields), ensure_ascii=False, separators=(",", ":"))
