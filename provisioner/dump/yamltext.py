"""The inventory model as YAML files in the project's layout and style.

``settings.yaml``, ``agents/<team>.yaml`` (a team is an agent's first queue; agents in no
queue go to ``agents/unqueued.yaml``), ``phones.yaml`` and ``queues.yaml``, each starting
with the schema header editors use. Only what differs from a default is written: an agent's
``voice`` lists the fields that differ from ``settings.defaults``, a queue the values that
differ from app_queue's. Output is deterministic (sorted, no timestamps).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import fields

from provisioner.dump.build import default_secret
from provisioner.model import Agent, Inventory, Phone, Queue, SecretRef, Server, Voice
from provisioner.render.queues import QUEUE_OPTIONS

UNQUEUED = "unqueued"
_PLAIN = re.compile(r"^[^\W\d][\w .@/()+'$=-]*(?<! )$")
_RESERVED = frozenset({"true", "false", "null", "~"})
# settings.defaults fields always written (the rest only when not the built-in default)
DEFAULT_FIELDS = ("transports", "nat", "type", "codecs", "context")


def scalar(value: object) -> str:
    """One YAML scalar: plain when unambiguous, else a double-quoted (JSON) string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    if '"' in text and text.isprintable():
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def _value(value: object) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    return scalar(value)


def _flow(pairs: Mapping[str, object]) -> str:
    return "{" + ", ".join(f"{k}: {_value(v)}" for k, v in pairs.items()) + "}"


def header(kind: str, depth: int, comments: Iterable[str]) -> list[str]:
    schema = "../" * depth + f"schemas/{kind}.schema.json"
    return [f"# yaml-language-server: $schema={schema}", *(f"# {c}" for c in comments)]


def voice_fields(voice: Voice, base: Voice) -> dict[str, object]:
    """The fields of ``voice`` that differ from ``base``, in the schema's order."""
    found: dict[str, object] = {}
    for spec in fields(Voice):
        value = getattr(voice, spec.name)
        if value != getattr(base, spec.name):
            found[spec.name] = _voice_value(spec.name, value)
    return found


def _voice_value(name: str, value: object) -> object:
    if name == "nat" and isinstance(value, tuple) and len(value) == 1:
        return value[0]
    return value


def _voice_lines(voice: Voice, base: Voice, indent: str) -> list[str]:
    chosen = voice_fields(voice, base)
    if not chosen:
        return []
    return [f"{indent}voice:", *(f"{indent}  {k}: {_value(v)}" for k, v in chosen.items())]


def _secret_line(secret: SecretRef, default: SecretRef, indent: str) -> list[str]:
    if secret == default:
        return []
    return [f"{indent}secret: {_flow({secret.source: secret.ref})}"]


def agent_lines(agent: Agent, defaults: Voice) -> list[str]:
    lines = [
        f"  - id: {scalar(agent.id)}",
        f"    name: {scalar(agent.name)}",
        f"    extension: {json.dumps(agent.extension)}",
        f"    pin: {scalar(agent.pin_hash)}",
        *_secret_line(agent.secret, default_secret("agent", agent.id), "    "),
    ]
    if agent.queues:
        lines.append("    queues:")
        lines += [
            f"      - {_flow({'queue': m.queue, 'penalty': m.penalty})}" for m in agent.queues
        ]
    return lines + _voice_lines(agent.voice, defaults, "    ")


def phone_lines(phone: Phone, defaults: Voice) -> list[str]:
    lines = [f"  - id: {scalar(phone.id)}", f"    extension: {json.dumps(phone.extension)}"]
    if phone.name:
        lines.append(f"    name: {scalar(phone.name)}")
    lines += _secret_line(phone.secret, default_secret("phone", phone.id), "    ")
    return lines + _voice_lines(phone.voice, defaults, "    ")


def queue_lines(queue: Queue) -> list[str]:
    base = Queue(name=queue.name)
    lines = [f"  - name: {scalar(queue.name)}"]
    for name, _ in QUEUE_OPTIONS:
        value = getattr(queue, name)
        if name == "strategy" or value != getattr(base, name):
            lines.append(f"    {name}: {scalar(value)}")
    return lines


def settings_lines(inventory: Inventory, source: str) -> list[str]:
    settings = inventory.settings
    lines = header("settings", 1, [f"Written by provisioner dump from {source}."])
    lines += ["settings:", "  # Voice settings every agent and phone has unless it sets its own."]
    lines.append("  defaults:")
    for name, value in _defaults(settings.defaults).items():
        lines.append(f"    {name}: {_value(value)}")
    if settings.servers:
        lines += ["", "  servers:"]
        lines += [line for server in settings.servers for line in _server_lines(server)]
    return lines


def _defaults(defaults: Voice) -> dict[str, object]:
    chosen = {n: _voice_value(n, getattr(defaults, n)) for n in DEFAULT_FIELDS}
    return {**chosen, **voice_fields(defaults, Voice())}


def _server_lines(server: Server) -> list[str]:
    lines = [f"    - name: {scalar(server.name)}", f"      target: {scalar(server.target)}"]
    if server.secret_env:
        lines.append(f"      secret_env: {scalar(server.secret_env)}")
    return lines


def team_of(agent: Agent) -> str:
    """The agents file an agent goes to: its first queue (lowest penalty), else unqueued."""
    if not agent.queues:
        return UNQUEUED
    return min(agent.queues, key=lambda m: (m.penalty, m.queue)).queue


def inventory_files(
    inventory: Inventory, source: str, notes: Mapping[str, str]
) -> dict[str, tuple[str, list[str]]]:
    """``{relative path: (text, owners in order)}``: owners are the ids/names of the items
    of the file, for placing a problem the loader reports at ``agents[i]``."""
    defaults = inventory.settings.defaults
    files: dict[str, tuple[str, list[str]]] = {
        "settings.yaml": (_text(settings_lines(inventory, source)), []),
    }
    teams: dict[str, list[Agent]] = {}
    for agent in inventory.agents:
        teams.setdefault(team_of(agent), []).append(agent)
    for team, agents in sorted(teams.items()):
        lines = [*header("agents", 2, [notes["agents"]]), "agents:"]
        for index, agent in enumerate(agents):
            lines += ([""] if index else []) + agent_lines(agent, defaults)
        files[f"agents/{team}.yaml"] = (_text(lines), [a.id for a in agents])
    if inventory.phones:
        lines = [*header("phones", 1, [notes["phones"]]), "phones:"]
        for index, phone in enumerate(inventory.phones):
            lines += ([""] if index else []) + phone_lines(phone, defaults)
        files["phones.yaml"] = (_text(lines), [p.id for p in inventory.phones])
    if inventory.queues:
        lines = [*header("queues", 1, [notes["queues"]]), "queues:"]
        for index, queue in enumerate(inventory.queues):
            lines += ([""] if index else []) + queue_lines(queue)
        files["queues.yaml"] = (_text(lines), [q.name for q in inventory.queues])
    return files


def _text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"
