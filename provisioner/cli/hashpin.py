"""`provisioner hash-pin`: read a PIN without echo (or from stdin) and print its salted hash."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from provisioner.errors import ProvisionerError
from provisioner.inventory.pins import check_pin, hash_pin


def add_parser(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "hash-pin",
        help="hash an agent PIN for the inventory (the PIN is read without echo)",
        description="Prints pbkdf2_sha256$... to paste as an agent's 'pin'. Reads the PIN "
        "from the terminal without echo, or one line from stdin when it is not a terminal.",
    )
    p.set_defaults(run=run)


def _read_pin() -> str:
    if sys.stdin.isatty():
        try:
            pin = getpass.getpass("PIN: ")
            again = getpass.getpass("PIN again: ")
        except EOFError as e:  # Ctrl-D at the prompt
            print(file=sys.stderr)
            raise ProvisionerError("no PIN given") from e
        if again != pin:
            raise ProvisionerError("the two PINs differ")
        return pin
    return sys.stdin.readline().strip()


def run(args: argparse.Namespace) -> int:
    del args
    pin = _read_pin()
    check_pin(pin)
    print(hash_pin(pin))
    return 0
