"""Resolving SIP passwords from where the inventory says they live (never from git).

- ``env``: an environment variable;
- ``file``: a file outside any git working tree (``path`` or ``path#key`` of a YAML/JSON map);
- ``derive``: HMAC-SHA256(master key, label) as 32 letters and digits, the master key coming
  from the environment variable ``settings.master_key_env``.
"""

from __future__ import annotations

import hmac
import logging
import os
import string
from collections.abc import Mapping
from pathlib import Path

import yaml

from provisioner.errors import Problem, SecretError
from provisioner.inventory.files import InventoryFile, git_work_tree, read_directory, read_revision
from provisioner.inventory.secret_sites import SecretFinding, place_secret_findings
from provisioner.model import Agent, Inventory, Phone, SecretRef, Settings
from provisioner.render.pjsip import password_refusal

logger = logging.getLogger(__name__)

ALPHABET = string.ascii_letters + string.digits  # safe in pjsip.conf: no quoting needed
DERIVED_LENGTH = 32


# Two base-62 digits at once, least significant first: half the big-number divisions.
_BASE = len(ALPHABET)
_DIGIT_PAIRS = tuple(ALPHABET[n % _BASE] + ALPHABET[n // _BASE] for n in range(_BASE * _BASE))


def derive(master_key: str, label: str) -> str:
    """32 letters/digits from HMAC-SHA256(master key, label): ~190 bits, stable per label.

    The number's 32 lowest base-62 digits, least significant first."""
    digest = hmac.digest(master_key.encode(), label.encode(), "sha256")
    number = int.from_bytes(digest, "big")
    pairs = []
    for _ in range(DERIVED_LENGTH // 2):
        number, index = divmod(number, len(_DIGIT_PAIRS))
        pairs.append(_DIGIT_PAIRS[index])
    return "".join(pairs)


def _from_file(ref: str) -> str:
    location, _, key = ref.partition("#")
    path = Path(location).expanduser().absolute()
    repo = git_work_tree(path.parent)
    if repo is not None:
        raise SecretError(
            f"the secret file {path} is inside the git repository {repo}: keep secrets outside it"
        )
    try:
        text = path.read_text(encoding="utf-8")
        shared = path.stat().st_mode & 0o077
    except OSError as e:
        raise SecretError(f"the secret file {path} cannot be read: {e.strerror}") from e
    if shared:
        logger.warning("the secret file %s is readable by other users (chmod 600 it)", path)
    if not key:
        return text.rstrip("\r\n")
    try:
        mapping = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SecretError(f"the secret file {path} is not a YAML/JSON mapping") from e
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if value is None or value == "":
        raise SecretError(f"the secret file {path} has no key '{key}'")
    if not isinstance(value, str):  # never str() it: {'b': 1} would become the password
        what = _NOT_TEXT.get(type(value), "something else")
        hint = ": quote it" if isinstance(value, (int, float)) else ""
        raise SecretError(
            f"the key '{key}' of the secret file {path} holds {what}, not a password{hint}"
        )
    return value


# What a key of a secret file may hold instead of text (YAML reads 0123 as a number).
_NOT_TEXT = {
    dict: "a mapping",
    list: "a list",
    int: "a number",
    float: "a number",
    bool: "a boolean",
}


def resolve_secret(ref: SecretRef, settings: Settings, env: Mapping[str, str] | None = None) -> str:
    """The secret ``ref`` points at; SecretError says which variable, file or key is missing."""
    environ = os.environ if env is None else env
    if ref.source == "env":
        value = environ.get(ref.ref, "")
        if not value:
            raise SecretError(f"the environment variable {ref.ref} is not set")
        return value
    if ref.source == "file":
        return _from_file(ref.ref)
    master = environ.get(settings.master_key_env, "")
    if not master:
        raise SecretError(
            f"the master key variable {settings.master_key_env} is not set "
            f"(needed to derive the secret '{ref.ref}')"
        )
    return derive(master, ref.ref)


def missing_secrets(
    inventory: Inventory,
    env: Mapping[str, str] | None = None,
    *,
    root: Path | None = None,
    ref: str | None = None,
) -> list[Problem]:
    """A problem for every agent or phone whose SIP password cannot be resolved or written.

    A missing master key is reported once, at ``settings.secrets.master_key_env`` (or the
    settings file's start when the default variable is used). With ``root`` (and ``ref``, as
    given to ``load_inventory``) the inventory files are read again to place each problem at
    the line of its ``secret`` field; without, at the agent or phone. Never shows a password.
    """
    environ = dict(os.environ if env is None else env)
    found = _secret_findings(inventory, environ)
    if not found:
        return []
    files = _read_files(root, ref) if root is not None else []
    return place_secret_findings(found, inventory.settings, files)


def _secret_findings(inventory: Inventory, environ: Mapping[str, str]) -> list[SecretFinding]:
    settings = inventory.settings
    found: list[SecretFinding] = []
    endpoints: list[Agent | Phone] = [*inventory.agents, *inventory.phones]
    needing_master = [o for o in endpoints if o.secret.source == "derive"]
    if needing_master and not environ.get(settings.master_key_env):
        message = (
            f"the master key variable {settings.master_key_env} is not set: "
            f"{len(needing_master)} agent(s)/phone(s) derive their SIP password from it"
        )
        found.append(SecretFinding(needing_master[0], message, master_key=True))
    for obj in endpoints:
        if obj.secret.source == "derive":
            continue  # derived passwords are letters and digits
        problem = _secret_message(obj, settings, environ)
        if problem is not None:
            found.append(SecretFinding(obj, problem))
    return found


def _secret_message(obj: Agent | Phone, settings: Settings, env: Mapping[str, str]) -> str | None:
    kind = "agent" if isinstance(obj, Agent) else "phone"
    try:
        password = resolve_secret(obj.secret, settings, env)
    except SecretError as e:
        return f"the SIP password of {kind} {obj.id} is missing: {e}"
    refusal = password_refusal(password)
    if refusal is None:
        return None
    return f"the SIP password of {kind} {obj.id} ({_origin(obj.secret)}) {refusal}"


def _origin(ref: SecretRef) -> str:
    if ref.source == "env":
        return f"from the environment variable {ref.ref}"
    return f"from the file {ref.ref}"


def _read_files(root: Path, ref: str | None) -> list[InventoryFile]:
    if ref is not None:
        return read_revision(root, ref)[0]
    return read_directory(root)[0]
