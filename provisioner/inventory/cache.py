"""Cache of parsed and schema-checked files, keyed by content.

The key is sha256(file bytes, schema version, format version), so a changed file, a changed
schema or a new release is never served stale data. Entries are ``marshal`` dumps of plain
data (dicts, lists, strings, numbers), written atomically; an unreadable entry is a miss.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import tempfile
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

    def put(self, key: str, value: Checked) -> None:
        if self.directory is None:
            return
        payload = marshal.dumps(_encode(value))
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(payload)
            os.replace(tmp, self._path(key))
        except OSError as e:
            logger.warning("cannot write the cache in %s: %s", self.directory, e)


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
