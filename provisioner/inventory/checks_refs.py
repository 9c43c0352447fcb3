"""Reference checks: queues, phones, interfaces, permissions and servers point at real things."""

from __future__ import annotations

from collections import defaultdict

from provisioner.inventory.context import Context, Entry, Finding
from provisioner.model import AMI_PREFIXES, Agent, Server


def agent_queues(context: Context) -> list[Finding]:
    findings: list[Finding] = []
    for entry in context.agents:
        seen: set[str] = set()
        for i, membership in enumerate(entry.obj.queues):
            name = membership.queue
            if not context.is_known("queues", name):
                findings.append(entry.finding(f"unknown queue '{name}'", "queues", i, "queue"))
            elif name in seen:
                findings.append(entry.finding(f"queue '{name}' is listed twice", "queues", i))
            seen.add(name)
    return findings


def queue_members(context: Context) -> list[Finding]:
    """Queue-side members exist, appear once, and agree with the agents' own penalties."""
    declared = {(e.obj.id, m.queue): m.penalty for e in context.agents for m in e.obj.queues}
    findings: list[Finding] = []
    for entry in context.queues:
        seen: set[str] = set()
        for i, member in enumerate(entry.raw.get("members") or ()):
            agent, penalty = member["agent"], int(member.get("penalty", 0))
            at = ("members", i, "agent")
            if not context.is_known("agents", agent):
                findings.append(entry.finding(f"unknown agent '{agent}'", *at))
            elif agent in seen:
                findings.append(entry.finding(f"agent '{agent}' is listed twice", *at))
            own = declared.get((agent, entry.obj.name))
            if own is not None and own != penalty:
                message = (
                    f"agent '{agent}' has penalty {own} for this queue in their own queue "
                    f"list and {penalty} here: keep one"
                )
                findings.append(entry.finding(message, "members", i, "penalty"))
            seen.add(agent)
    return findings


def phones_and_interfaces(context: Context) -> list[Finding]:
    findings: list[Finding] = []
    holders: dict[str, Entry[Agent]] = {}
    for entry in context.agents:
        agent = entry.obj
        if agent.phone is not None:
            if not context.is_known("phones", agent.phone):
                findings.append(entry.finding(f"unknown phone '{agent.phone}'", "phone"))
            elif agent.phone in holders:
                other = holders[agent.phone].obj
                message = f"phone '{agent.phone}' is already assigned to agent {other.id}"
                findings.append(entry.finding(message, "phone"))
            else:
                holders[agent.phone] = entry
        findings.extend(_interface(entry))
    return findings


def _interface(entry: Entry[Agent]) -> list[Finding]:
    agent = entry.obj
    if agent.hot_desk and agent.phone is not None:
        message = (
            "a hot-desk agent logs in at any phone, so an assigned phone makes no sense: "
            "remove 'phone' or set hot_desk: false"
        )
        return [entry.finding(message, "phone")]
    if agent.default_interface == "mobile" and agent.mobile is None:
        message = "the default interface is mobile but the agent has no mobile number"
        return [entry.finding(message, "default_interface")]
    if agent.default_interface == "phone" and agent.phone is None and not agent.hot_desk:
        message = "the default interface is phone but the agent has no assigned phone"
        return [entry.finding(message, "default_interface")]
    return []


def _serving(servers: tuple[Server, ...], kind: str, name: str) -> list[Server]:
    return [server for server in servers if server.serves(kind, name)]


def hot_desk_phones(context: Context) -> list[Finding]:
    """A hot-desk agent needs a phone to log in at, on a server that serves them."""
    hot = [e for e in context.agents if e.obj.hot_desk]
    if not hot or "phones" in context.incomplete:
        return []
    if not context.phones:
        message = "the agent uses hot desk but the inventory has no phones to log in at"
        return [e.finding(message, "hot_desk") for e in hot]
    servers = context.settings.servers
    if not servers:
        return []
    phone_servers = {s.name for p in context.phones for s in _serving(servers, "phones", p.obj.id)}
    findings: list[Finding] = []
    for entry in hot:
        mine = _serving(servers, "agents", entry.obj.id)
        if mine and not any(s.name in phone_servers for s in mine):
            names = ", ".join(s.name for s in mine)
            message = f"the agent uses hot desk but no phone is served by their server ({names})"
            findings.append(entry.finding(message, "hot_desk"))
    return findings


def permissions(context: Context) -> list[Finding]:
    if "settings" in context.incomplete:
        return []  # the pause reasons are in the broken settings file
    reasons = {r.name for r in context.settings.pause_reasons}
    findings: list[Finding] = []
    for entry in context.agents:
        allowed = entry.obj.permissions.pause_reasons
        if allowed is None:
            continue
        if not entry.obj.permissions.pause and allowed:
            message = "pause reasons are listed but the agent may not pause (pause: false)"
            findings.append(entry.finding(message, "permissions", "pause_reasons"))
        for i, name in enumerate(allowed):
            if name not in reasons:
                known = ", ".join(sorted(reasons)) or "none are defined in settings"
                message = f"unknown pause reason '{name}' (known: {known})"
                findings.append(entry.finding(message, "permissions", "pause_reasons", i))
    return findings


def servers(context: Context) -> list[Finding]:
    findings: list[Finding] = []
    names: set[str] = set()
    for i, server in enumerate(context.settings.servers):
        at = ("servers", i)
        if server.name in names:
            message = f"a second server named '{server.name}'"
            findings.extend(context.settings_finding(message, *at, "name"))
        names.add(server.name)
        if server.target.startswith(AMI_PREFIXES) and server.secret_env is None:
            message = "an ami:// target needs secret_env: the variable holding the AMI password"
            findings.extend(context.settings_finding(message, *at, "target"))
        for kind, singular in (("agents", "agent"), ("phones", "phone"), ("queues", "queue")):
            for j, name in enumerate(getattr(server, kind) or ()):
                if not context.is_known(kind, name):
                    message = f"unknown {singular} '{name}'"
                    findings.extend(context.settings_finding(message, *at, kind, j))
    return findings


def served_everywhere_needed(context: Context) -> list[Finding]:
    """With servers declared, everything is served somewhere, and queue members with it."""
    servers = context.settings.servers
    if not servers:
        return []
    findings: list[Finding] = []
    for kind, entries, key in (
        ("agents", context.agents, "id"),
        ("phones", context.phones, "id"),
        ("queues", context.queues, "name"),
    ):
        for entry in entries:
            name = getattr(entry.obj, key)
            if not _serving(servers, kind, name):
                message = f"no server in settings.servers serves {kind.removesuffix('s')} {name}"
                findings.append(entry.finding(message, key))
    findings.extend(_members_with_their_queue(context))
    return findings


def _members_with_their_queue(context: Context) -> list[Finding]:
    """Every server that serves a queue must serve the agents in it."""
    queue_servers: dict[str, list[Server]] = defaultdict(list)
    for queue in context.queues:
        queue_servers[queue.obj.name] = _serving(context.settings.servers, "queues", queue.obj.name)
    findings: list[Finding] = []
    for entry in context.agents:
        for i, membership in enumerate(entry.obj.queues):
            for server in queue_servers.get(membership.queue, ()):
                if not server.serves("agents", entry.obj.id):
                    message = (
                        f"queue '{membership.queue}' is served by server {server.name}, "
                        f"which does not serve this agent"
                    )
                    findings.append(entry.finding(message, "queues", i, "queue"))
    return findings
