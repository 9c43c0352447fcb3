"""Agent sessions in AstDB (docs/runtime-contract.md): read from one ``DBGetTree`` of the
``gitops`` family, forgotten with one ``DBDel`` per key.

Never ``DBDelTree``: Asterisk deletes a tree with ``LIKE`` (``_`` matches any character,
ASCII case is ignored), so the tree of agent ``a_b`` would take ``a-b`` and ``A_B`` with it.
Keys are matched here exactly, case and all.
"""

from __future__ import annotations

from collections.abc import Iterable

from provisioner.targets.ami.protocol import Message
from provisioner.targets.ami.state import key_under
from provisioner.targets.base import AGENT_FAMILY, CLAIM_KEY, PHONE_FAMILY, AgentSession

ROOT_FAMILY = "gitops"  # the one tree read: state record, lock, agent sessions, phone claims


def parse_sessions(events: Iterable[Message]) -> tuple[AgentSession, ...]:
    """Every agent with a key under ``gitops/agent/<id>/`` (names and values), with the
    phones claiming it."""
    keys: dict[str, dict[str, str]] = {}
    claims: dict[str, list[str]] = {}
    for event in events:
        path = event.get("Key").strip("/")
        agent, _, name = key_under(path, AGENT_FAMILY).partition("/")
        if agent and name:
            keys.setdefault(agent, {})[name] = event.get("Val")
            continue
        phone, _, name = key_under(path, PHONE_FAMILY).partition("/")
        holder = event.get("Val")
        if phone and name == CLAIM_KEY and holder:
            claims.setdefault(holder, []).append(phone)
    return tuple(
        AgentSession(
            agent,
            tuple(sorted(values)),
            tuple(sorted(claims.get(agent, ()))),
            tuple(sorted(values.items())),
        )
        for agent, values in sorted(keys.items())
    )
