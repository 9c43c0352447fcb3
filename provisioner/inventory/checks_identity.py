"""Uniqueness checks: ids, extensions, feature codes, pause reasons, shared secrets, and
secret sources that would reuse one of the tool's own secrets."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import astuple, fields
from typing import Any

from provisioner.inventory.context import Context, Entry, Finding
from provisioner.model import DEFAULT_AMI_SECRET_ENV, DEFAULT_MASTER_KEY_ENV, SecretRef
from provisioner.render.rules import name_key


def _where(entry: Entry[Any]) -> str:
    source = entry.obj.source
    return f"{source.file}:{source.line}"


def _first_wins(
    items: Iterable[tuple[str, Entry[Any], str]],
    what: str,
    field_name: str,
    fold: Callable[[str], str] = str,
) -> list[Finding]:
    """A finding for every item whose key was already taken by an earlier item.

    Keys are compared as ``fold`` makes them; a key taken only once folded says so.
    """
    seen: dict[str, tuple[str, Entry[Any], str]] = {}
    findings: list[Finding] = []
    for key, entry, label in items:
        first = seen.get(fold(key))
        if first is None:
            seen[fold(key)] = (key, entry, label)
            continue
        other_key, other, other_label = first
        message = f"{what} '{key}' is already used by {other_label} ({_where(other)})"
        findings.append(entry.finding(message + _case_note(key, other_key), field_name))
    return findings


def _case_note(name: str, other: str) -> str:
    """Why two names that are not equal clash: Asterisk finds config sections with strcasecmp."""
    if name == other:
        return ""
    return ": Asterisk compares these names ignoring case, so they name one object"


def duplicate_ids(context: Context) -> list[Finding]:
    """Agent and phone ids share one namespace (PJSIP endpoints); queue names their own.

    Names are compared ignoring ASCII case, as Asterisk finds config sections (strcasecmp).
    """
    endpoints: list[tuple[str, Entry[Any], str]] = [
        *((e.obj.id, e, f"agent {e.obj.id}") for e in context.agents),
        *((e.obj.id, e, f"phone {e.obj.id}") for e in context.phones),
    ]
    findings = _first_wins(endpoints, "the endpoint name", "id", name_key)
    queues = ((e.obj.name, e, f"queue {e.obj.name}") for e in context.queues)
    findings.extend(_first_wins(queues, "the queue name", "name", name_key))
    trunk = context.settings.outbound_trunk
    for name, entry, label in endpoints:
        if trunk is not None and name_key(name) == name_key(trunk):
            message = f"{label} uses the name of the outbound trunk '{trunk}'"
            message += _case_note(name, trunk)
            findings.append(entry.finding(message, "id"))
    return findings


def duplicate_extensions(context: Context) -> list[Finding]:
    """Extensions of agents and phones and the numbers of queues: each dials one thing."""
    numbers: list[tuple[str, Entry[Any], str]] = [
        *((e.obj.extension, e, f"agent {e.obj.id}") for e in context.agents),
        *((e.obj.extension, e, f"phone {e.obj.id}") for e in context.phones),
    ]
    findings = _first_wins(numbers, "the extension", "extension")
    for number, entry, label in numbers:
        what = f"the extension {number} of {label}"
        findings.extend(_feature_code_clash(context, number, what, entry))
    taken = {number: (entry, label) for number, entry, label in reversed(numbers)}
    for entry in context.queues:
        label = f"queue {entry.obj.name}"
        for field, number in entry.obj.numbered():
            what = f"the number {number} of {label}"
            if number in taken:
                first, first_label = taken[number]
                message = f"{what} is already used by {first_label} ({_where(first)})"
                findings.append(entry.finding(message, *field))
            else:
                taken[number] = (entry, label)
            findings.extend(_feature_code_clash(context, number, what, entry, *field))
    return findings


def _feature_code_clash(
    context: Context, number: str, what: str, entry: Entry[Any], *field: str | int
) -> list[Finding]:
    """A number that is a feature code, or that dialling would take for a feature code
    that takes digits after it (``*73`` + reason, ``*76`` + extension)."""
    codes = context.settings.feature_codes
    by_code = dict(zip(astuple(codes), _names(codes), strict=True))
    where = field or ("extension",)
    if number in by_code:
        return [entry.finding(f"{what} is the {by_code[number]} feature code", *where)]
    for name, code in {"pause": codes.pause, "spy": codes.spy}.items():
        if number.startswith(code):
            message = (
                f"{what} starts with the {name} feature code {code}, which takes digits"
                f" after it: dialling it would {name} instead"
            )
            return [entry.finding(message, *where)]
    return []


def _names(codes: object) -> tuple[str, ...]:
    return tuple(f.name for f in fields(codes))  # type: ignore[arg-type]


def feature_codes(context: Context) -> list[Finding]:
    codes = context.settings.feature_codes
    pairs = list(zip(_names(codes), astuple(codes), strict=True))
    findings: list[Finding] = []
    for i, (name, code) in enumerate(pairs):
        for other_name, other in pairs[:i]:
            if code == other:
                message = f"the {name} feature code {code} is also the {other_name} code"
                findings.extend(context.settings_finding(message, "feature_codes", name))
        for other_name, other in pairs:
            takes_digits = other_name in ("pause", "spy")
            if other_name != name and takes_digits and code != other and code.startswith(other):
                message = (
                    f"the {name} feature code {code} starts with the {other_name} code {other}, "
                    f"which takes digits after it"
                )
                findings.extend(context.settings_finding(message, "feature_codes", name))
    return findings


def pause_reasons(context: Context) -> list[Finding]:
    findings: list[Finding] = []
    codes: dict[int, str] = {}
    names: dict[str, int] = {}
    raw_reasons = _raw_reason_indexes(context)
    for reason in context.settings.pause_reasons:
        index = raw_reasons.get((reason.code, reason.name), 0)
        if reason.code in codes:
            message = f"pause reason code {reason.code} is already used by '{codes[reason.code]}'"
            findings.extend(context.settings_finding(message, "pause_reasons", index, "code"))
        if reason.name in names:
            message = (
                f"pause reason name '{reason.name}' is already used by code {names[reason.name]}"
            )
            findings.extend(context.settings_finding(message, "pause_reasons", index, "name"))
        codes.setdefault(reason.code, reason.name)
        names.setdefault(reason.name, reason.code)
    return findings


def _raw_reason_indexes(context: Context) -> dict[tuple[int, str], int]:
    """Index of each pause reason in the settings file (the model keeps them sorted)."""
    raw = context.settings_raw.get("pause_reasons") or []
    return {(r["code"], r["name"]): i for i, r in reversed(list(enumerate(raw)))}


def shared_secrets(context: Context) -> list[Finding]:
    """Two endpoints with the same secret source would share one SIP password.

    Only declared secrets are compared: a default label follows the id, whose uniqueness
    is checked (and reported) on its own.
    """
    endpoints: list[tuple[SecretRef, Entry[Any], str]] = [
        *((e.obj.secret, e, f"agent {e.obj.id}") for e in context.agents if "secret" in e.raw),
        *((e.obj.secret, e, f"phone {e.obj.id}") for e in context.phones if "secret" in e.raw),
    ]
    keyed = ((f"{s.source}:{s.ref}", e, label) for s, e, label in endpoints)
    return [
        Finding(f.file, f.path, f.message + ": each endpoint needs its own SIP password")
        for f in _first_wins(keyed, "the secret", "secret")
    ]


def own_secrets(context: Context) -> list[Finding]:
    """A SIP password from a variable that holds one of the tool's own secrets (the master
    key, an AMI secret) would put that secret on every phone it registers, unseen in a plan."""
    settings = context.settings
    owners = {DEFAULT_AMI_SECRET_ENV: "the AMI secret (of targets without secret_env)"}
    for server in settings.servers:
        if server.secret_env:
            owners[server.secret_env] = f"the AMI secret of server {server.name}"
    owners[DEFAULT_MASTER_KEY_ENV] = "the master key (the default master_key_env)"
    owners[settings.master_key_env] = "the master key"
    entries: list[Entry[Any]] = [*context.agents, *context.phones]
    return [
        e.finding(
            f"the environment variable {e.obj.secret.ref} holds {owners[e.obj.secret.ref]}: a SIP "
            "password must come from a variable of its own",
            "secret",
            "env",
        )
        for e in entries
        if e.obj.secret.source == "env" and e.obj.secret.ref in owners
    ]
