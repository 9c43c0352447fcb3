"""The inventory in force in a long-running door, reloaded on SIGHUP or when its files
change; a new inventory that does not validate is refused and the last good one stays."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path

from provisioner.errors import ProvisionerError
from provisioner.model import Inventory
from runtime.directory import Directory
from runtime.errors import ConfigRefused

logger = logging.getLogger(__name__)

Loader = Callable[[Path], Inventory]
# What a loader may raise for an inventory it refuses (the doors' own start-up errors too).
Refusal = (ProvisionerError, OSError, ConfigRefused)


class InventoryHolder:
    """The inventory in force; ``reload`` swaps it only for a valid new one."""

    def __init__(self, root: Path, loader: Loader) -> None:
        self.root = root
        self._loader = loader
        self._lock = threading.Lock()
        self._signature = inventory_signature(root)
        self._directory = Directory.build(loader(root))  # an invalid first one stops startup
        self._listeners: list[Callable[[], None]] = []

    @property
    def directory(self) -> Directory:
        return self._directory

    def on_reload(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each inventory taken by ``reload``."""
        self._listeners.append(listener)

    def reload(self) -> bool:
        """Load the inventory again; keep the last good one if the new one is invalid."""
        with self._lock:
            self._signature = inventory_signature(self.root)
            try:
                inventory = self._loader(self.root)
            except Refusal as e:
                logger.error(
                    "inventory reload refused, keeping revision %s: %s",
                    self._directory.inventory.revision,
                    e,
                )
                return False
            self._directory = Directory.build(inventory)
        logger.info(
            "inventory reloaded: revision %s, %d agents", inventory.revision, len(inventory.agents)
        )
        for listener in self._listeners:
            listener()
        return True

    def changed_on_disk(self) -> bool:
        return inventory_signature(self.root) != self._signature


def inventory_signature(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and mtimes of the inventory's files: cheap change detection."""
    entries: list[tuple[str, int, int]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                continue
            entries.append((path, stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


class Reloader(threading.Thread):
    """Reloads the inventory on request (SIGHUP) or when its files change on disk."""

    def __init__(self, holder: InventoryHolder, interval: float) -> None:
        super().__init__(name="inventory-reloader", daemon=True)
        self._holder = holder
        self._interval = interval
        self._wake = threading.Event()
        self._stopping = threading.Event()

    def request(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            asked = self._wake.wait(self._interval if self._interval > 0 else None)
            self._wake.clear()
            if self._stopping.is_set():
                return
            if asked or self._holder.changed_on_disk():
                self._holder.reload()
