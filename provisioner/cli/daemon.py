"""What the two long-running doors (``asterisk-gitops-agi``, ``asterisk-gitops-web``) share
on their command line: ``HOST:PORT`` addresses, the reload, logging and client-log options,
and how logging is set up."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from provisioner.cli.numbers import seconds_or_zero
from provisioner.redact import safe_logging
from runtime import clientlog


def host_port(text: str) -> tuple[str, int] | None:
    """``HOST:PORT`` (``[::1]:PORT`` too) as (host, port); None when it is not one."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) < 65536:
        return None
    return host.strip("[]"), int(port)


def add_options(p: argparse.ArgumentParser, verbose: str) -> None:
    """``--reload-interval``, ``-v``/``--debug`` and ``--client-log-dir``."""
    p.add_argument(
        "--reload-interval",
        type=seconds_or_zero,
        default=2.0,
        metavar="S",
        help="how often the inventory's files are checked for changes, 0: only on SIGHUP"
        " (default: %(default)s)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help=verbose)
    p.add_argument("--debug", action="store_true", help="debug logs (default: off)")
    p.add_argument(
        "--client-log-dir",
        type=Path,
        metavar="DIR",
        help="also write each agent's client logs to DIR/<agent id>.log (default: stderr only)",
    )


def configure_logging(verbose: bool, debug: bool, client_dir: Path | None = None) -> None:
    """WARNING by default, INFO with -v, DEBUG with --debug; client logs (every step of the
    sessions of agents with ``client_logs`` on, at the level their inventory asks) always:
    support turned them on in the inventory for that agent, so no daemon flag may hide them.
    Control characters in messages (from the network: ``agi_channel``...) are escaped."""
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    safe_logging(level, "%(asctime)s %(levelname)s %(name)s: %(message)s")
    clientlog.configure(client_dir)
