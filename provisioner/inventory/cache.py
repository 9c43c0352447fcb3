"""Cache of parsed and schema-checked files, keyed by content, and of whole inventories
found valid.

A file's key is sha256(file bytes, schema version, format version), so a changed file, a
changed schema or a new release is never served stale data. Entries are ``marshal`` dumps of
plain data (dicts, lists, strings, numbers), written atomically; an unreadable entry is a
miss. An inventory that passed every check leaves an empty ``<key>.valid`` marker, its key
covering every file's name, kind and key and the provisioner's own code, so the
cross-reference and render checks are skipped only for exactly that inventory and code.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from provisioner.inventory.schema import schema_version

logger = logging.getLogger(__name__)

FORMAT = "inventory-cache-1"
DEFAULT_DIRNAME = ".provisioner-cache"


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

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{key}.marshal"

    def get(self, key: str) -> Checked | None:
        if self.directory is None:
            return None
        try:
            raw = self._path(key).read_bytes()
            value = _decode(marshal.loads(raw))
        except FileNotFoundError:
            value = None
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
        return self.directory is not None and (self.directory / f"{key}.valid").is_file()

    def mark_valid(self, key: str) -> None:
        if self.directory is not None:
            self._write(self.directory / f"{key}.valid", b"")

    def put(self, key: str, value: Checked) -> None:
        if self.directory is None:
            return
        self._write(self._path(key), marshal.dumps(_encode(value)))

    def _write(self, path: Path, payload: bytes) -> None:
        write_atomic(path, payload)


def write_atomic(path: Path, payload: bytes) -> None:
    """Write a cache entry whole or not at all; a failure is a warning (the cache is optional)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(tmp, path)
    except OSError as e:
        logger.warning("cannot write the cache in %s: %s", path.parent, e)


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
