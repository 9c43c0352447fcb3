"""Every cross-reference check, listed explicitly, run in one pass over the context."""

from __future__ import annotations

from collections.abc import Callable

from provisioner.inventory import checks_access as access
from provisioner.inventory import checks_identity as ident
from provisioner.inventory import checks_refs as refs
from provisioner.inventory import checks_voice as voice
from provisioner.inventory.context import Context, Finding

Check = Callable[[Context], list[Finding]]

CHECKS: tuple[Check, ...] = (
    ident.duplicate_ids,
    ident.duplicate_extensions,
    ident.feature_codes,
    ident.pause_reasons,
    ident.shared_secrets,
    ident.own_secrets,
    refs.agent_queues,
    refs.queue_members,
    refs.phones_and_interfaces,
    refs.hot_desk_phones,
    refs.permissions,
    refs.servers,
    refs.served_everywhere_needed,
    access.login_paused,
    access.access,
    voice.voices,
)


def run_all(context: Context) -> list[Finding]:
    """The findings of every check, in check order."""
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(context))
    return findings
