"""The mapped agents, phones and queues as an inventory model: defaults, secrets, PINs.

- ``settings.defaults`` gets the most common transports, nat, codecs and context of the
  endpoints (what templates shared, mostly), so each agent and phone lists only what differs.
- Secrets: no password is read or written. Every endpoint with an auth gets the secret source
  ``--secrets`` says: ``file:PATH`` (a key per endpoint in a file outside git, to fill with
  the current passwords: nothing changes for the phones), ``env`` (``SIP_<ID>`` variables),
  or ``derive`` (passwords derived from the master key: a planned rotation, every phone
  needs its new password).
- PINs: agents had none; each gets a locked hash that no PIN matches (``pins.locked_pin_hash``)
  until someone sets one with ``provisioner hash-pin``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Literal

from provisioner.dump.map import Candidate, Draft
from provisioner.dump.report import Entry
from provisioner.errors import DumpError
from provisioner.inventory.pins import locked_pin_hash
from provisioner.model import Agent, Inventory, Phone, SecretRef, Server, Settings, Voice
from provisioner.render import voice as v
from provisioner.render.voice_rules import voice_findings

SecretKind = Literal["file", "env", "derive"]
DEFAULT_SECRETS = "file:/etc/asterisk-gitops/sip-secrets.yaml"
PROFILE_FIELDS = ("transports", "nat", "codecs", "context")
_ENV_UNSAFE = re.compile(r"[^A-Za-z0-9]")


@dataclass(frozen=True)
class SecretMode:
    """``--secrets``: where the dumped agents' and phones' SIP passwords will come from."""

    kind: SecretKind
    path: str = ""

    @classmethod
    def parse(cls, text: str) -> SecretMode:
        if text == "env":
            return cls("env")
        if text == "derive":
            return cls("derive")
        if text.startswith("file:") and text[5:].strip():
            return cls("file", text[5:].strip())
        raise DumpError(
            f"--secrets {text!r} is not file:PATH, env or derive (default {DEFAULT_SECRETS})"
        )


def defaults_of(voices: list[Voice]) -> Voice:
    """The most common (transports, nat, codecs, context) of ``voices``, if the inventory
    accepts it as defaults; else the built-in defaults."""
    counts = Counter(tuple(getattr(voice, f) for f in PROFILE_FIELDS) for voice in voices)
    if not counts:
        return Voice()
    best = counts.most_common(1)[0][0]
    profile = replace(Voice(), **dict(zip(PROFILE_FIELDS, best, strict=True)))
    return Voice() if voice_findings(profile) else profile


def build(
    draft: Draft, mode: SecretMode, server: Server | None, *, builtin_defaults: bool = False
) -> tuple[Inventory, list[Entry]]:
    """The inventory of ``draft`` and one ``secret`` entry per password to provide."""
    voices = [c.voice for c in draft.candidates]
    defaults = Voice() if builtin_defaults else defaults_of(voices)
    names = _env_names([c.id for c in draft.candidates])
    agents: list[Agent] = []
    phones: list[Phone] = []
    entries: list[Entry] = []
    for candidate in draft.candidates:
        secret = default_secret(candidate.kind, candidate.id)
        if v.has_auth(candidate.voice):  # a peer on a fixed address has no password
            secret = _secret(candidate, mode, names)
            entries.append(_secret_entry(candidate, mode, secret))
        if candidate.kind == "agent":
            agents.append(_agent(candidate, secret))
        else:
            phones.append(_phone(candidate, secret))
    settings = Settings(defaults=defaults, servers=(server,) if server else ())
    inventory = Inventory(
        settings=settings,
        agents=tuple(sorted(agents, key=lambda a: a.id)),
        phones=tuple(sorted(phones, key=lambda p: p.id)),
        queues=tuple(sorted((q.queue for q in draft.queues), key=lambda q: q.name)),
    )
    return inventory, entries


def _agent(candidate: Candidate, secret: SecretRef) -> Agent:
    return Agent(
        id=candidate.id,
        name=candidate.name,
        extension=candidate.extension,
        pin_hash=locked_pin_hash(candidate.id),
        secret=secret,
        queues=candidate.queues,
        voice=candidate.voice,
    )


def _phone(candidate: Candidate, secret: SecretRef) -> Phone:
    return Phone(
        id=candidate.id,
        extension=candidate.extension,
        secret=secret,
        name=candidate.name,
        voice=candidate.voice,
    )


def default_secret(kind: str, device_id: str) -> SecretRef:
    """The secret an agent or phone without ``secret:`` has (derived from its id)."""
    return SecretRef("derive", f"{kind}/{device_id}")


def _secret(candidate: Candidate, mode: SecretMode, env_names: dict[str, str]) -> SecretRef:
    if mode.kind == "file":
        return SecretRef("file", f"{mode.path}#{candidate.id}")
    if mode.kind == "env":
        return SecretRef("env", env_names[candidate.id])
    return default_secret(candidate.kind, candidate.id)


def _env_names(ids: list[str]) -> dict[str, str]:
    """``SIP_<ID>`` per id (other characters as ``_``), made unique with ``_2``, ``_3``..."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for device_id in ids:
        base = "SIP_" + _ENV_UNSAFE.sub("_", device_id).upper()
        name, number = base, 1
        while name in taken:
            number += 1
            name = f"{base}_{number}"
        taken.add(name)
        names[device_id] = name
    return names


def _secret_entry(candidate: Candidate, mode: SecretMode, secret: SecretRef) -> Entry:
    """The password ``candidate`` needs, in a form alike for every endpoint where it can be
    (the report then lists them on one line)."""
    what = f"{candidate.kind} {candidate.id}"
    if mode.kind == "derive":
        note = (
            "a planned rotation: the first apply sets a new password derived from the "
            "master key; the phone needs it before it can register again"
        )
        return Entry("secret", what, "", "derive", "the master key", note)
    if mode.kind == "file":
        note = (
            "one key per endpoint, named after it: fill it with the password the phone uses "
            "today (nothing changes for the phone)"
        )
        return Entry("secret", what, "", "file", mode.path, note)
    note = "fill it with the password the phone uses today (nothing changes for the phone)"
    return Entry("secret", what, "", "env", secret.ref, note)
