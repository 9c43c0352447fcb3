"""Who may act on agents over the HTTP service (supervisors, API tokens), and the pause an
agent's logins start with: every name they use is a real one."""

from __future__ import annotations

from collections.abc import Sequence

from provisioner.inventory.context import Context, Finding
from provisioner.model import ApiToken, Supervisor


def login_paused(context: Context) -> list[Finding]:
    """``login_paused`` names a pause reason the agent may use."""
    if "settings" in context.incomplete:
        return []  # the pause reasons are in the broken settings file
    reasons = {r.name for r in context.settings.pause_reasons}
    findings: list[Finding] = []
    for entry in context.agents:
        agent = entry.obj
        name = agent.login_paused
        if name is None:
            continue
        allowed = agent.permissions.pause_reasons
        if name not in reasons:
            known = ", ".join(sorted(reasons)) or "none are defined in settings"
            message = f"unknown pause reason '{name}' (known: {known})"
        elif not agent.permissions.pause or (allowed is not None and name not in allowed):
            message = f"the agent may not pause for '{name}' (permissions), so cannot log in so"
        else:
            continue
        findings.append(entry.finding(message, "login_paused"))
    return findings


def access(context: Context) -> list[Finding]:
    """Supervisors and tokens: ids unique among them and apart from the agents' ids and
    extensions (a login name means one person), scopes naming known queues and agents."""
    taken = {a.obj.id: "an agent's id" for a in context.agents}
    taken.update({a.obj.extension: "an agent's extension" for a in context.agents})
    findings: list[Finding] = []
    seen: set[str] = set()
    groups: tuple[tuple[str, Sequence[Supervisor | ApiToken]], ...] = (
        ("supervisors", context.settings.supervisors),
        ("tokens", context.settings.tokens),
    )
    for kind, items in groups:
        for i, item in enumerate(items):
            if item.id in seen:
                message = f"'{item.id}' is already a supervisor or token id"
                findings.extend(context.settings_finding(message, kind, i, "id"))
            elif item.id in taken and kind == "supervisors":
                what = taken[item.id]
                message = f"'{item.id}' is {what}: a supervisor logs in by a name of their own"
                findings.extend(context.settings_finding(message, kind, i, "id"))
            seen.add(item.id)
            for field, singular in (("queues", "queue"), ("agents", "agent")):
                for j, name in enumerate(getattr(item.scope, field)):
                    if not context.is_known(field, name):
                        message = f"unknown {singular} '{name}'"
                        findings.extend(context.settings_finding(message, kind, i, field, j))
    return findings
