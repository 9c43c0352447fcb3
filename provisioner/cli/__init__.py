"""The command line: the only layer that prints, and the one place errors are reported.

Each subcommand is a module with ``add_parser(subparsers)`` and ``run(args) -> int``, listed
explicitly in ``COMMANDS``. A ``ProvisionerError`` is reported once, as one sentence on
stderr, with exit code 1 (``--debug`` shows the traceback).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from types import ModuleType

from provisioner import __version__
from provisioner.cli import dump, export, hashpin, plan, render, validate
from provisioner.errors import ProvisionerError

COMMANDS: tuple[ModuleType, ...] = (validate, hashpin, render, plan, export, dump)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="provisioner",
        description="Asterisk contact-center agents, phones and queues as code.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what is done")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except ProvisionerError as e:
        if args.debug:
            logging.exception("failed")
        print(f"error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
