"""The plan cache: a target's plan with nothing to change, remembered by what made it.

A plan is a pure function of the inventory part (its files and the code: the inventory
cache's key, ``Inventory.content_key``), the server whose part it is, the secrets the
render resolves and the target's content. When a target can digest its content more
cheaply than it reads it (``Target.content_digest``: the directory target hashes its files'
bytes), a plan that found nothing to change is kept under the digest of all of these, and
the next plan with the same digest is that plan again without rendering, reading or
comparing (a 10k-agent directory target: 0.03 s instead of 0.7 s).

Nothing secret is written: the entry holds the plan's fingerprint, its counts and object
keys; the secrets enter only the entry's name, through an HMAC keyed by them (the master
key, each environment or file secret's value), so an entry can neither be found nor made
without them. Only plans with no change at all are kept (no config change, no live member
change, a record that need not be rewritten): anything else is planned afresh.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import marshal
import os
from collections.abc import Mapping
from pathlib import Path

from provisioner.errors import SecretError
from provisioner.inventory.cache import FileCache
from provisioner.inventory.secrets import resolve_secret
from provisioner.model import Inventory
from provisioner.plan import Plan
from provisioner.render.objects import ObjectKey
from provisioner.targets import Job

logger = logging.getLogger(__name__)

FORMAT = "plan-cache-2"
SUFFIX = ".plan"


class PlanCache:
    """No-change plans in ``directory`` (None: disabled)."""

    def __init__(self, directory: Path | None, env: Mapping[str, str] | None = None) -> None:
        self.directory = directory
        self._entries = FileCache(directory)  # authenticated like the inventory cache's
        self._env = os.environ if env is None else env
        self._before: dict[str, str | None] = {}  # each job's key when ``get`` looked

    def get(self, job: Job) -> Plan | None:
        """The kept plan for ``job``, or None (then plan it, and ``put`` the plan)."""
        key = self._before[job.label] = self._key(job)
        if key is None:
            return None
        name = f"{key}{SUFFIX}"
        try:
            payload = self._entries.read_entry(name)
            if payload is None:
                return None
            plan = _plan(job, marshal.loads(payload))
        except (OSError, EOFError, ValueError, TypeError, KeyError) as e:
            logger.warning("ignoring unreadable plan cache entry %s: %s", name, e)
            return None
        logger.info("%s: nothing changed since the plan kept as %s", job.label, name)
        return plan

    def put(self, job: Job, plan: Plan) -> None:
        """Keep ``plan`` if it changes nothing and the target's content is still what ``get``
        saw (a hand edit made while the plan was being made is not kept as planned)."""
        if plan.changes or plan.members or plan.record_outdated:
            return
        key = self._key(job)
        if key is None or key != self._before.pop(job.label, None):
            return
        data = {
            "format": FORMAT,
            "fingerprint": plan.fingerprint,
            "basis": plan.basis,
            "applied": plan.applied,
            "existing": plan.existing,
            "unmanaged": sorted(plan.unmanaged),
            "desired": sorted(plan.desired),
        }
        self._entries.write_entry(f"{key}{SUFFIX}", marshal.dumps(data))

    def _key(self, job: Job) -> str | None:
        """The entry's name, or None when this job's plan cannot be kept."""
        if self.directory is None or not job.inventory.content_key:
            return None
        content = job.target.content_digest()
        material = _secret_material(job.inventory, self._env)
        if content is None or material is None:
            return None
        parts = (FORMAT, job.inventory.content_key, job.label, job.server or "", content)
        return hmac.new(material, "\0".join(parts).encode(), "sha256").hexdigest()


def _plan(job: Job, data: dict[str, object]) -> Plan:
    if data["format"] != FORMAT:
        raise ValueError("another format")
    existing, applied = data["existing"], data["applied"]
    if not isinstance(existing, int) or not isinstance(applied, str | None):
        raise TypeError("not a plan cache entry")
    return Plan(
        target=job.label,
        revision=job.inventory.revision,
        fingerprint=str(data["fingerprint"]),
        changes=(),
        unmanaged=tuple(_keys(data["unmanaged"])),
        existing=existing,
        desired=frozenset(_keys(data["desired"])),
        basis=str(data["basis"]),
        applied=applied,
    )


def _keys(rows: object) -> list[ObjectKey]:
    if not isinstance(rows, list):
        raise TypeError("not a list of object keys")
    return rows  # tuples of three strings, as ``put`` wrote them (marshal keeps tuples)


def _secret_material(inventory: Inventory, env: Mapping[str, str]) -> bytes | None:
    """A key made of every secret the render would resolve (never stored), or None when one
    cannot be resolved (the plan then says so itself)."""
    refs = {a.secret for a in inventory.agents} | {p.secret for p in inventory.phones}
    digest = hashlib.sha256(FORMAT.encode())
    resolved = sorted((r for r in refs if r.source != "derive"), key=lambda r: (r.source, r.ref))
    try:
        for ref in resolved:
            value = resolve_secret(ref, inventory.settings, env)
            digest.update(f"\0{ref.source}\0{ref.ref}\0{value}".encode())
    except SecretError:
        return None
    if any(ref.source == "derive" for ref in refs):
        master = env.get(inventory.settings.master_key_env, "")
        if not master:
            return None
        digest.update(b"\0master\0" + hmac.digest(master.encode(), FORMAT.encode(), "sha256"))
    return digest.digest()
