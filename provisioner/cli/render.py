"""`provisioner render`: write the managed config files of the inventory into a directory.

Writes pjsip_gitops.conf, queues_gitops.conf and extensions_gitops.conf, each atomically
(a temporary file in the same directory, then a rename). The files hold SIP passwords: they
are created readable by their owner only.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from provisioner.errors import ProvisionerError, TargetError
from provisioner.inventory import load_inventory
from provisioner.inventory.secrets import resolve_secret
from provisioner.model import Inventory, SecretRef
from provisioner.render import render
from provisioner.render.text import split_by_file, to_text


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "render", help="write the managed Asterisk config files into a directory"
    )
    p.add_argument("--inventory", default="inventory", metavar="DIR", help="inventory directory")
    p.add_argument("--server", metavar="NAME", help="render only what this server serves")
    p.add_argument("--out", required=True, metavar="DIR", help="directory to write into")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inventory = server_part(load_inventory(args.inventory), args.server)

    def secret(ref: SecretRef) -> str:
        return resolve_secret(ref, inventory.settings)

    objects = render(inventory, secret)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise TargetError(f"cannot create {out}: {e.strerror}") from e
    for file, file_objects in split_by_file(objects).items():
        write_atomically(out / file, to_text(file, file_objects))
        print(f"wrote {out / file} ({len(file_objects)} categories)")
    return 0


def server_part(inventory: Inventory, name: str | None) -> Inventory:
    if name is None:
        return inventory
    server = inventory.settings.server(name)
    if server is not None:
        return inventory.for_server(server)
    known = ", ".join(s.name for s in inventory.settings.servers) or "none"
    raise ProvisionerError(f"no server named {name!r} in the inventory (servers: {known})")


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename; on failure the old file stays."""
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as e:
        raise TargetError(f"cannot write in {path.parent}: {e.strerror}") from e
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except OSError as e:
        Path(temp).unlink(missing_ok=True)
        raise TargetError(f"cannot write {path}: {e.strerror}") from e
