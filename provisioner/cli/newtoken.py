"""`provisioner new-token`: make an API token for the HTTP service; print it once and the hash
the inventory keeps (settings.tokens)."""

from __future__ import annotations

import argparse
from typing import Any

from provisioner.inventory.pins import new_token


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "new-token",
        help="make an API token for an integration of the HTTP service",
        description="Prints a new random token (give it to the integration; it is shown only "
        "once) and its hash to paste as 'hash' of an entry of settings.tokens.",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    del args
    token, digest = new_token()
    print(f"token: {token}")
    print(f"hash:  {digest}")
    return 0
