"""Cache of parsed and schema-checked files, keyed by content, and of whole inventories
found valid.

A file's key is sha256(file bytes, schema version, format version), so a changed file, a
changed schema or a new release is never served stale data. Entries are ``marshal`` dumps of
plain data (dicts, lists, strings, numbers), written atomically; an unreadable entry is a
miss. An inventory that passed every check leaves a ``<key>.valid`` marker, its key covering
every file's name, kind and key and the provisioner's own code, so the cross-reference and
render checks are skipped only for exactly that inventory and code.

What the cache says is trusted, so it must not be something a pull request can write:

- it lives outside the checkout (``$GITOPS_CACHE_DIR``, else ``$XDG_CACHE_HOME`` or
  ``~/.cache``, ``/asterisk-gitops``); a directory inside a git work tree is not used;
- every entry and marker carries an HMAC-SHA256 of its name and content under a random key
  made on first use (``key``, mode 0600, in the cache directory, never in git); an entry
  whose HMAC does not match is not authentic: a miss, with a warning.

(The loader refuses an inventory whose repository tracks a file of the cache directory
releases before this one kept beside the inventory, ``.provisioner-cache``.)
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
import marshal
import os
import secrets
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provisioner.inventory.files import git_work_tree
from provisioner.inventory.schema import schema_version

logger = logging.getLogger(__name__)

FORMAT = "inventory-cache-3"  # 3: anyOf/oneOf explained by the fitting alternative
CACHE_ENV = "GITOPS_CACHE_DIR"
KEY_FILE = "key"
_MAC_BYTES = 32
_SUFFIX = ".marshal"  # an inventory file's entry


def default_directory(env: Mapping[str, str] | None = None) -> Path:
    """``$GITOPS_CACHE_DIR``, else ``$XDG_CACHE_HOME/asterisk-gitops``, else
    ``~/.cache/asterisk-gitops``: outside any checkout."""
    environ = os.environ if env is None else env
    named = environ.get(CACHE_ENV)
    if named:
        return Path(named).expanduser()
    base = environ.get("XDG_CACHE_HOME")
    if not base:
        try:
            base = str(Path.home() / ".cache")
        except RuntimeError:  # no home directory (a bare CI container): a private temp dir
            base = tempfile.gettempdir()
    return Path(base) / "asterisk-gitops"


def usable(directory: Path) -> Path | None:
    """``directory``, or None (logged) when it lies in a git work tree: a pull request
    could commit entries there, and the key with them."""
    tree = git_work_tree(directory.absolute())
    if tree is None:
        return directory
    logger.warning(
        "not using the cache %s: it is inside the git checkout %s, where a pull request could "
        "commit entries; set %s to a directory outside any checkout",
        directory,
        tree,
        CACHE_ENV,
    )
    return None


@dataclass(frozen=True)
class Checked:
    """A file after parsing and schema validation: what the cache holds."""

    data: Any
    item_marks: tuple[tuple[int, int], ...]
    # (line, column, path, message) of each problem found in the file alone
    findings: tuple[tuple[int, int, tuple[str | int, ...], str], ...]
    parsed: bool  # False when the YAML itself is broken


def content_key(data: bytes) -> str:
    digest = hashlib.sha256(data)
    digest.update(f"\0{schema_version()}\0{FORMAT}".encode())
    return digest.hexdigest()


def inventory_key(files: Iterable[tuple[str, str, bytes]]) -> str:
    """The key of a whole inventory: its files' (name, kind, data) and this code."""
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{schema_version()}".encode())
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        digest.update(f"\0{path.relative_to(package)}\0".encode())
        digest.update(path.read_bytes())
    for name, kind, data in files:
        digest.update(f"\0{name}\0{kind}\0{len(data)}\0".encode())
        digest.update(data)
    return digest.hexdigest()


class FileCache:
    """A directory of cached ``Checked`` files; ``directory=None`` disables it."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.hits = 0
        self.misses = 0
        self._key: bytes | None = None

    def get(self, key: str) -> Checked | None:
        if self.directory is None:
            return None
        try:
            payload = self.read_entry(f"{key}{_SUFFIX}")
            value = None if payload is None else _decode(marshal.loads(payload))
        except (OSError, EOFError, ValueError, TypeError, KeyError) as e:
            logger.warning("ignoring unreadable cache entry %s: %s", key, e)
            value = None
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def known_valid(self, key: str) -> bool:
        """Whether the inventory of ``inventory_key`` ``key`` passed every check before."""
        if self.directory is None:
            return False
        try:
            return self._authentic(self.directory / f"{key}.valid") == b""
        except OSError:
            return False

    def mark_valid(self, key: str) -> None:
        if self.directory is not None:
            self._write(self.directory / f"{key}.valid", b"")

    def put(self, key: str, value: Checked) -> None:
        self.write_entry(f"{key}{_SUFFIX}", marshal.dumps(_encode(value)))

    def read_entry(self, name: str) -> bytes | None:
        """The authentic payload of the entry ``name`` (None: disabled, missing or not
        authentic); for other caches kept in the same directory (the plan cache)."""
        if self.directory is None:
            return None
        try:
            return self._authentic(self.directory / name)
        except FileNotFoundError:
            return None

    def write_entry(self, name: str, payload: bytes) -> None:
        if self.directory is not None:
            self._write(self.directory / name, payload)

    def _authentic(self, path: Path) -> bytes | None:
        """The payload of ``path`` if its HMAC is right (else None, logged)."""
        raw = path.read_bytes()
        mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        secret = self._secret()
        if secret is not None and hmac.compare_digest(mac, _mac(secret, path.name, payload)):
            return payload
        logger.warning("ignoring cache entry %s: not authentic (not written with this key)", path)
        return None

    def _write(self, path: Path, payload: bytes) -> None:
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            secret = self._secret()
            if secret is None:
                return
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(_mac(secret, path.name, payload) + payload)
            os.replace(tmp, path)
        except OSError as e:
            logger.warning("cannot write the cache in %s: %s", path.parent, e)

    def _secret(self) -> bytes | None:
        """The cache's HMAC key: read, or made on first use (None if neither works)."""
        if self._key is None and self.directory is not None:
            try:
                self._key = _read_or_make_key(self.directory / KEY_FILE)
            except OSError as e:
                logger.warning("cache disabled: its key %s: %s", self.directory / KEY_FILE, e)
                self.directory = None
        return self._key


def _mac(secret: bytes, name: str, payload: bytes) -> bytes:
    return hmac.digest(secret, name.encode() + b"\0" + payload, "sha256")


def _read_or_make_key(path: Path) -> bytes:
    """32 random bytes, written once (mode 0600) and linked into place whole, so that a
    concurrent run reads either no key or the complete one."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".key")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(_MAC_BYTES))
            with contextlib.suppress(FileExistsError):  # another run made it first
                os.link(tmp, path)
        finally:
            os.unlink(tmp)
        key = path.read_bytes()
    if len(key) != _MAC_BYTES:
        raise OSError(f"the key is {len(key)} bytes, not {_MAC_BYTES}: delete the cache")
    for mine in (path.parent, path):  # nobody else may have written or be able to write it
        info = mine.stat()
        if info.st_uid != os.getuid() or info.st_mode & 0o022:
            raise OSError(f"{mine} is not private to this user (owner or mode): delete it")
    return key


def _encode(value: Checked) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "data": value.data,
        "marks": value.item_marks,
        "findings": value.findings,
        "parsed": value.parsed,
    }


def _decode(raw: Any) -> Checked | None:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        return None
    return Checked(
        data=raw["data"],
        item_marks=tuple(raw["marks"]),
        findings=tuple(raw["findings"]),
        parsed=bool(raw["parsed"]),
    )
