"""The command line: the only layer that prints, and the one place errors are reported.

Each subcommand is a module with ``add_parser(subparsers)`` and ``run(args) -> int``, listed
explicitly in ``COMMANDS``. A ``ProvisionerError`` is reported once, as one sentence on
stderr, with exit code 1 (``--debug`` shows the traceback). Ctrl-C (exit 130) and SIGTERM
(exit 143) unwind the command, so an apply lock is released on the way out.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import FrameType, ModuleType

from provisioner import __version__
from provisioner.cli import agents, dump, export, hashpin, newtoken, plan, render, validate
from provisioner.errors import ProvisionerError
from provisioner.redact import printable, safe_logging

COMMANDS: tuple[ModuleType, ...] = (
    validate,
    hashpin,
    newtoken,
    render,
    plan,
    export,
    dump,
    agents,
)


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


class Terminated(BaseException):
    """SIGTERM (a cancelled CI job, ``systemctl stop``): unwinds like Ctrl-C, so every
    ``finally`` runs and an apply lock is released."""


def _terminate(signum: int, frame: FrameType | None) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: let the clean-up finish
    raise Terminated


@contextmanager
def _sigterm_unwinds() -> Iterator[None]:
    """SIGTERM raises ``Terminated`` in the main thread while the command runs (its default
    action would kill the process on the spot and leave the apply lock behind)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.debug else logging.INFO if args.verbose else logging.WARNING
    safe_logging(level, "%(levelname)s %(name)s: %(message)s")
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        with _sigterm_unwinds():
            return run(args)
    except ProvisionerError as e:
        if args.debug:
            logging.exception("failed")
        print(f"error: {printable(str(e))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Terminated:
        print("error: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM


if __name__ == "__main__":
    sys.exit(main())
