"""extensions.conf contexts, following docs/runtime-contract.md.

All contexts are ``gitops-*`` and include-only: the agents' own context (``voice.context``)
stays the operator's and holds ``include => gitops-internal``. Every extension is written as
``exten => EXT,PRIORITY,APP`` (no ``same =>``), so a category reads the same from a file and
from AMI ``GetConfig``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from provisioner.model import Agent, Inventory, Queue, Settings
from provisioner.render import voice as v
from provisioner.render.objects import EXTENSIONS_FILE, ConfigObject
from provisioner.render.pjsip import SPY_GROUP, Device

INTERNAL = "gitops-internal"
FEATURES = "gitops-features"
RESULT = "gitops-result"
AGENTS = "gitops-agents"
EXTENSIONS = "gitops-extensions"
SPY = "gitops-spy"
SPY_ALLOWED = "gitops-spy-allowed"
QUEUES = "gitops-queues"
RESERVED_CONTEXTS: frozenset[str] = frozenset(
    {INTERNAL, FEATURES, RESULT, AGENTS, EXTENSIONS, SPY, SPY_ALLOWED, QUEUES}
)
# The HTTP service's lock channel waits at ``lock@gitops-result``: a context only reached by
# Goto from the feature codes, never included, so no phone can dial it.
LOCK_EXTEN = "lock"
LOCK_WAIT = 86400  # seconds a lock channel lives before the service opens a new one
# Stock sounds only (asterisk-core-sounds-en 1.6.1): they exist wherever Asterisk's English
# sounds do, even where the runtime's own prompts were never installed.
ERROR_PROMPT = "im-sorry&please-try-call-later"
DENIED_PROMPT = "cannot-complete-as-dialed"
NO_TARGET_PROMPT = "ss-noservice"
RING_SECONDS = 30

Line = tuple[str, str]
_LABEL = re.compile(r"^([a-z]+):([A-Z].*)$")


def extension(exten: str, steps: Sequence[str]) -> list[Line]:
    """``exten => EXT,1,...`` then ``n`` priorities; a step ``label:App(...)`` is labelled."""
    lines: list[Line] = []
    for index, step in enumerate(steps):
        priority = "1" if index == 0 else "n"
        labelled = _LABEL.match(step) if ":" in step else None
        if labelled is not None:
            priority, step = f"{priority}({labelled.group(1)})", labelled.group(2)
        lines.append(("exten", f"{exten},{priority},{step}"))
    return lines


def context(name: str, lines: Iterable[Line], owner: str) -> ConfigObject:
    return ConfigObject(EXTENSIONS_FILE, "context", name, tuple(lines), owner)


def contexts(inventory: Inventory, devices: Sequence[Device]) -> list[ConfigObject]:
    """Every gitops context (empty ones left out), in a fixed order."""
    settings = inventory.settings
    spies = [a for a in inventory.agents if a.permissions.spy]
    found = [
        context(AGENTS, _agents_lines(inventory.agents), "agents"),
        context(EXTENSIONS, _extension_lines(devices), "extensions"),
        context(QUEUES, _queue_lines(inventory.queues), "queues"),
        context(INTERNAL, _internal_lines(devices, inventory.queues), "features"),
        context(FEATURES, _feature_lines(settings, bool(spies)), "features"),
        context(RESULT, _result_lines(), "features"),
        context(settings.outbound_context, _outbound_lines(inventory), "outbound"),
        context(SPY_ALLOWED, _spy_allowed_lines(spies), "spy"),
        context(SPY, _spy_lines(inventory.agents) if spies else [], "spy"),
    ]
    return [c for c in found if c.options]


def _internal_lines(devices: Sequence[Device], queues: Sequence[Queue]) -> list[Line]:
    lines = [("include", FEATURES)]
    if any(v.has_aor(d.voice) for d in devices):
        lines.append(("include", EXTENSIONS))
    if any(q.numbers for q in queues):
        lines.append(("include", QUEUES))
    return lines


# After AGI() to one server, try the next only when that one was never reached: AGISTATUS
# is FAILURE (connection refused or timed out) and no GITOPS_STATUS was set (a server sets it
# before its first prompt and never leaves FAILURE after that; docs/runtime-contract.md).
NEXT_SERVER = '$["${AGISTATUS}" != "FAILURE" | "${GITOPS_STATUS}" != ""]'


def _agi_steps(settings: Settings, script: str, argument: str = "") -> list[str]:
    """One ``AGI()`` per server of ``settings.agi``, in order, then the result."""
    steps: list[str] = []
    for index, server in enumerate(settings.agi):
        host = f"[{server.host}]" if ":" in server.host else server.host
        data = f"agi://{host}:{server.port}/{script}" + (f",{argument}" if argument else "")
        if index:
            steps.append(f"GotoIf({NEXT_SERVER}?{RESULT},s,1)")
        steps.append(f"AGI({data})")
    return [*steps, f"Goto({RESULT},s,1)"]


def _feature(exten: str, settings: Settings, script: str, argument: str = "") -> list[Line]:
    return extension(exten, ["Answer()", *_agi_steps(settings, script, argument)])


def _feature_lines(settings: Settings, spy: bool) -> list[Line]:
    codes = settings.feature_codes
    lines: list[Line] = []
    lines += _feature(codes.login, settings, "login")
    lines += _feature(codes.logout, settings, "logout")
    lines += _feature(codes.pause, settings, "pause")
    lines += _feature(f"_{codes.pause}.", settings, "pause", f"${{EXTEN:{len(codes.pause)}}}")
    lines += _feature(codes.login_paused, settings, "login-paused")
    paused_code = f"${{EXTEN:{len(codes.login_paused)}}}"
    lines += _feature(f"_{codes.login_paused}.", settings, "login-paused", paused_code)
    lines += _feature(codes.unpause, settings, "unpause")
    lines += _feature(codes.status, settings, "status")
    if spy:
        lines += _spy_feature(codes.spy)
    return lines


def _queue_lines(queues: Sequence[Queue]) -> list[Line]:
    """Every number of every queue: answer, wait in the queue, hang up when it gives up."""
    lines: list[Line] = []
    for queue in queues:
        options = "r" if queue.caller_hears == "ringing" else ""
        arguments = [queue.name, options]
        if queue.max_wait:
            arguments += ["", "", str(queue.max_wait)]
        steps = ["Answer()", f"Queue({','.join(arguments).rstrip(',')})", "Hangup()"]
        for number in queue.numbers:
            lines += extension(number, steps)
    return lines


def _result_lines() -> list[Line]:
    """After AGI(): silence only when the AGI server answered and spoke; a failed or
    unreachable AGI server (AGISTATUS) or an error status plays an error prompt. And the
    lock channel's extension."""
    lock = extension(LOCK_EXTEN, ["Answer()", f"Wait({LOCK_WAIT})", "Hangup()"])
    return lock + extension(
        "s",
        [
            'GotoIf($["${AGISTATUS}" != "SUCCESS"]?failed)',
            'GotoIf($["${GITOPS_STATUS}" = ""]?failed)',
            'GotoIf($["${GITOPS_STATUS}" = "error"]?failed)',
            "Hangup()",
            f"failed:Playback({ERROR_PROMPT})",
            "Hangup()",
        ],
    )


def _spy_feature(code: str) -> list[Line]:
    """``*76EXT``: the calling endpoint must be a spy-permitted agent's own endpoint."""
    target = f"${{EXTEN:{len(code)}}}"
    return extension(
        f"_{code}.",
        [
            f"GotoIf($[${{DIALPLAN_EXISTS({SPY_ALLOWED},${{CHANNEL(endpoint)}},1)}}]?allowed)",
            "Answer()",
            f"Playback({DENIED_PROMPT})",
            "Hangup()",
            f"allowed:GotoIf($[${{DIALPLAN_EXISTS({SPY},{target},1)}}]?{SPY},{target},1)",
            "Answer()",
            f"Playback({NO_TARGET_PROMPT})",
            "Hangup()",
        ],
    )


def _agents_lines(agents: Sequence[Agent]) -> list[Line]:
    """``Local/<id>@gitops-agents``: ring the agent where they logged in (AstDB ``dial``)."""
    lines: list[Line] = []
    for agent in agents:
        key = f"gitops/agent/{agent.id}/dial"
        steps = [f"NoOp(gitops agent {agent.id})"]
        if agent.voice.chanspy:
            steps.append(f"Set(__SPYGROUP={SPY_GROUP})")
        steps += _recording(agent.id, agent.voice.recording)
        steps += [
            f"GotoIf($[${{DB_EXISTS({key})}}]?dial)",
            "Hangup(20)",
            "dial:Dial(${DB_RESULT})",
            "Hangup()",
        ]
        lines += extension(agent.id, steps)
    return lines


def _recording(name: str, recording: str) -> list[str]:
    if recording == "inactive":
        return []
    stamp = "${STRFTIME(${EPOCH},,%Y%m%d-%H%M%S)}"
    return [f"MixMonitor(gitops-{name}-{stamp}-${{UNIQUEID}}.{recording},b)"]


def _extension_lines(devices: Sequence[Device]) -> list[Line]:
    """Dialling a phone's extension rings the phone; an agent's follows the agent."""
    lines: list[Line] = []
    for device in sorted(devices, key=lambda d: d.extension):
        if not v.has_aor(device.voice):
            continue
        steps = _recording(device.id, device.voice.recording)
        own = f"Dial(PJSIP/{device.id},{RING_SECONDS})"
        if device.owner.startswith("agent:"):
            steps += _follow_steps(device.id, own, device.voice.chanspy)
        else:
            steps += [own, "Hangup()"]
        lines += extension(device.extension, steps)
    return lines


def _follow_steps(agent_id: str, own: str, chanspy: bool) -> list[str]:
    """Logged in (AstDB ``since``, the login's commit point, and ``dial``): ring the dial
    string the login recorded, which the agent's queue member (``gitops-agents``) rings too;
    logged out: the agent's own endpoint (``own``)."""
    family = f"gitops/agent/{agent_id}"
    spy = [f"Set(__SPYGROUP={SPY_GROUP})"] if chanspy else []
    return [
        f"GotoIf($[${{DB_EXISTS({family}/since)}}]?follow)",
        f"own:{own}",
        "Hangup()",
        f"follow:GotoIf($[!${{DB_EXISTS({family}/dial)}}]?own)",
        *spy,
        f"Dial(${{DB_RESULT}},{RING_SECONDS})",
        "Hangup()",
    ]


def _outbound_lines(inventory: Inventory) -> list[Line]:
    """Only the mobile numbers of the inventory can be dialled through the trunk."""
    trunk = inventory.settings.outbound_trunk
    numbers = sorted({a.mobile for a in inventory.agents if a.mobile is not None})
    if trunk is None:
        return []
    lines: list[Line] = []
    for number in numbers:
        lines += extension(number, [f"Dial(PJSIP/{number}@{trunk})", "Hangup()"])
    return lines


def _spy_allowed_lines(spies: Sequence[Agent]) -> list[Line]:
    lines: list[Line] = []
    for agent in spies:
        lines += extension(agent.id, [f"NoOp(agent {agent.id} may spy)"])
    return lines


def _spy_lines(agents: Sequence[Agent]) -> list[Line]:
    """``*76EXT`` targets: agents whose calls may be listened to, on the device they are
    logged in on (AstDB ``device``), else their own endpoint."""
    lines: list[Line] = []
    for agent in sorted((a for a in agents if a.voice.chanspy), key=lambda a: a.extension):
        device = f"${{DB(gitops/agent/{agent.id}/device)}}"
        found = "${GITOPS_SPY_DEVICE}"
        target = f'${{IF($["{found}" = ""]?PJSIP/{agent.id}:{found})}}'
        steps = [
            f"Set(GITOPS_SPY_DEVICE={device})",
            f"ChanSpy({target}-,qg({SPY_GROUP}))",
            "Hangup()",
        ]
        lines += extension(agent.extension, steps)
    return lines
