"""Read-back verification: is every written object live in Asterisk after the reload?

``UpdateConfig`` does not validate values and a reload answers Success even when PJSIP then
drops an object (``ami-06``). So each created or changed object is looked up live, with a
number of requests proportional to the objects checked, never to the inventory:

- endpoint X: ``PJSIPShowEndpoint X`` (``Unable to retrieve endpoint X`` = dropped);
- aor/auth: the ``AorDetail``/``AuthDetail`` events of ``PJSIPShowEndpoint`` of an endpoint
  that references them (usually already asked for); otherwise one ``PJSIPShowAors`` /
  ``PJSIPShowAuths`` listing;
- more than ``LIST_ABOVE`` PJSIP objects (a first apply): one ``PJSIPShowEndpoints`` /
  ``PJSIPShowAors`` / ``PJSIPShowAuths`` listing per kind instead;
- queue Q: ``QueueStatus Q`` (its ``QueueParams``), whose ``Strategy`` must be the one
  written, since Asterisk silently falls back to ``ringall`` for an unknown strategy; past
  ``LIST_ABOVE`` queues one ``QueueStatus`` of all of them.

Dialplan contexts are not checked live.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from provisioner.render.objects import PJSIP_FILE, QUEUES_FILE, ConfigObject, ObjectKey
from provisioner.targets.ami.client import Action, AmiClient, Reply

_DETAIL_EVENTS = {"aor": "AorDetail", "auth": "AuthDetail"}
_KINDS = ("endpoint", "aor", "auth")
_LISTINGS = {
    "endpoint": ("PJSIPShowEndpoints", "EndpointList"),
    "aor": ("PJSIPShowAors", "AorList"),
    "auth": ("PJSIPShowAuths", "AuthList"),
}
LIST_ABOVE = 64  # more objects of a file to check than this: one listing instead
_REFERENCES = {"aor": ("aors",), "auth": ("auth", "outbound_auth")}


def dropped(kind: str, name: str) -> str:
    return f"Asterisk dropped {kind} {name} after reload (invalid value?); see its log"


def verify(
    client: AmiClient, keys: Collection[ObjectKey], objects: Mapping[ObjectKey, ConfigObject]
) -> dict[ObjectKey, str]:
    """The keys not live in Asterisk, each with the reason."""
    pjsip = [k for k in keys if k[0] == PJSIP_FILE and k[1] in _KINDS]
    queues = [k for k in keys if k[0] == QUEUES_FILE]
    if len(pjsip) > LIST_ABOVE:
        failures = _pjsip_by_listing(client, pjsip)
    else:
        failures = _pjsip_one_by_one(client, pjsip, objects)
    if len(queues) > LIST_ABOVE:  # one listing of every queue instead
        replies = client.pipeline([Action("QueueStatus")]) * len(queues)
    else:
        replies = client.pipeline([Action("QueueStatus", (("Queue", k[2]),)) for k in queues])
    for key, reply in zip(queues, replies, strict=True):
        reason = _queue_problem(key, reply, objects.get(key))
        if reason:
            failures[key] = reason
    return failures


def _pjsip_one_by_one(
    client: AmiClient, pjsip: Collection[ObjectKey], objects: Mapping[ObjectKey, ConfigObject]
) -> dict[ObjectKey, str]:
    endpoints = sorted({k[2] for k in pjsip if k[1] == "endpoint"} | _referrers(pjsip, objects))
    actions = [Action("PJSIPShowEndpoint", (("Endpoint", e),)) for e in endpoints]
    live = dict(zip(endpoints, client.pipeline(actions), strict=True))
    failures: dict[ObjectKey, str] = {}
    for key in pjsip:
        if key[1] == "endpoint" and not _endpoint_live(client, live[key[2]]):
            failures[key] = dropped("endpoint", key[2])
    failures.update(_check_details(client, pjsip, live))
    return failures


def _pjsip_by_listing(client: AmiClient, pjsip: Collection[ObjectKey]) -> dict[ObjectKey, str]:
    """Many objects (a first apply): one listing per kind costs fewer requests."""
    kinds = sorted({k[1] for k in pjsip})
    replies = client.pipeline([Action(_LISTINGS[kind][0]) for kind in kinds])
    seen = {
        (kind, name)
        for kind, reply in zip(kinds, replies, strict=True)
        for name in _listed(kind, reply)
    }
    return {k: dropped(k[1], k[2]) for k in pjsip if (k[1], k[2]) not in seen}


def _listed(kind: str, reply: Reply) -> set[str]:
    """The names in a PJSIPShow* listing (an error such as ``No AORs found`` lists none)."""
    event_name = _LISTINGS[kind][1]
    return {e.get("ObjectName") for e in reply.events if e.event == event_name}


def _referrers(keys: Collection[ObjectKey], objects: Mapping[ObjectKey, ConfigObject]) -> set[str]:
    """Endpoints (known from the written state) that reference the aors/auths to check."""
    wanted = {(k[1], k[2]) for k in keys if k[1] in _REFERENCES}
    if not wanted:
        return set()
    found: set[str] = set()
    for obj in objects.values():
        if obj.file != PJSIP_FILE or obj.kind != "endpoint":
            continue
        for kind, options in _REFERENCES.items():
            for option in options:
                names = {n.strip() for n in (obj.get(option) or "").split(",")}
                if any((kind, n) in wanted for n in names):
                    found.add(obj.name)
    return found


def _endpoint_live(client: AmiClient, reply: Reply) -> bool:
    if reply.ok:
        return True
    if reply.message.startswith("Unable to retrieve endpoint"):
        return False
    client.check(reply)  # any other error is a failure to verify, not a dropped object
    return False


def _check_details(
    client: AmiClient, keys: Collection[ObjectKey], replies: Mapping[str, Reply]
) -> dict[ObjectKey, str]:
    seen: set[tuple[str, str]] = set()
    for reply in replies.values():
        for event in reply.events if reply.ok else ():
            for kind, name in _DETAIL_EVENTS.items():
                if event.event == name:
                    seen.add((kind, event.get("ObjectName")))
    unresolved = [k for k in keys if k[1] in _DETAIL_EVENTS and (k[1], k[2]) not in seen]
    kinds = sorted({k[1] for k in unresolved})
    listings = client.pipeline([Action(_LISTINGS[kind][0]) for kind in kinds])
    for kind, reply in zip(kinds, listings, strict=True):
        seen.update((kind, name) for name in _listed(kind, reply))
    return {k: dropped(k[1], k[2]) for k in unresolved if (k[1], k[2]) not in seen}


def _queue_problem(key: ObjectKey, reply: Reply, written: ConfigObject | None) -> str | None:
    name = key[2]
    events = reply.events if reply.ok else ()
    params = [e for e in events if e.event == "QueueParams" and e.get("Queue") == name]
    if not params:
        return f"Asterisk has no queue {name} after reload (invalid value?); see its log"
    wanted = (written.get("strategy") if written else None) or ""
    live = params[0].get("Strategy")
    if wanted and live.lower() != wanted.strip().lower():
        return (
            f"Asterisk did not accept strategy={wanted} for queue {name} (it uses {live}); "
            "see its log"
        )
    return None
