"""``python -m agi`` / ``asterisk-gitops-agi``: the FastAGI server's command line.

The only module of the package that prints. SIGTERM/SIGINT stop the server gracefully
(no new sessions, running ones finish within --shutdown-grace); SIGHUP reloads the inventory.
``asterisk-gitops-agi install-prompts --sounds-dir DIR`` installs the shipped prompts.
"""

from __future__ import annotations

import argparse
import logging
import resource
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType

from agi import prompts
from agi.context import Options
from agi.listen import check_listen
from agi.server import AgiServer, ServerConfig
from fastagi.errors import ConfigError
from provisioner.cli.daemon import add_options, configure_logging, host_port
from provisioner.cli.numbers import at_least, seconds, seconds_or_zero
from provisioner.errors import ProvisionerError
from provisioner.inventory import load_inventory
from provisioner.model import Inventory
from provisioner.redact import printable
from runtime.reload import InventoryHolder, Reloader


def parse_listen(text: str) -> tuple[str, int]:
    found = host_port(text)
    if found is None:
        raise ConfigError(f"--listen wants HOST:PORT, got {text!r}")
    return found


def inventory_reader(server: str | None) -> Callable[[Path], Inventory]:
    """Reads the working tree as it is (no parse cache: the daemon never writes into the
    tree), and keeps only what one Asterisk server serves when ``server`` names it."""

    def read(root: Path) -> Inventory:
        inventory = load_inventory(root, use_cache=False)
        if server is None:
            return inventory
        chosen = inventory.settings.server(server)
        if chosen is not None:
            return inventory.for_server(chosen)
        known = ", ".join(s.name for s in inventory.settings.servers) or "none"
        raise ConfigError(f"--server {server}: no such server in settings (known: {known})")

    return read


DESCRIPTION = (
    "The FastAGI server of asterisk-gitops (also: python -m agi): logs agents in and out"
    " and pauses them when they dial feature codes. SIGTERM/SIGINT stop it gracefully,"
    " SIGHUP reloads the inventory."
)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="asterisk-gitops-agi",
        description=DESCRIPTION,
    )
    p.add_argument(
        "--inventory",
        type=Path,
        metavar="DIR",
        help="the inventory checkout (same files `provisioner validate` reads); required",
    )
    p.add_argument(
        "--listen",
        default="127.0.0.1:4573",
        metavar="HOST:PORT",
        help="where Asterisk connects; must match settings.agi in the inventory"
        " (default: %(default)s)",
    )
    p.add_argument(
        "--server",
        metavar="NAME",
        help="serve only the part of the inventory this Asterisk server serves"
        " (default: all servers)",
    )
    p.add_argument(
        "--max-sessions",
        type=at_least(1),
        default=1000,
        metavar="N",
        help="sessions served at once; past it a call is refused (default: %(default)s)",
    )
    p.add_argument(
        "--idle-timeout",
        type=seconds,
        default=60.0,
        metavar="S",
        help="drop a session whose Asterisk side says nothing for S seconds (default: %(default)s)",
    )
    p.add_argument(
        "--env-timeout",
        type=seconds,
        default=2.0,
        metavar="S",
        help="a new connection must send its whole AGI environment within S seconds; only "
        "then does it take a session slot (default: %(default)s)",
    )
    p.add_argument(
        "--shutdown-grace",
        type=seconds_or_zero,
        default=10.0,
        metavar="S",
        help="on SIGTERM, how long running sessions get to finish (default: %(default)s)",
    )
    add_options(p, "log every session (default: warnings only)")
    commands = p.add_subparsers(dest="command", metavar="COMMAND", title="other commands")
    install = commands.add_parser(
        "install-prompts",
        help="install the prompts the server plays that Asterisk's stock sounds lack",
        description="Copy the shipped prompts into SOUNDS/gitops/, where Asterisk finds"
        " them for every channel language. Files already current are left alone.",
    )
    install.add_argument(
        "--sounds-dir",
        type=Path,
        required=True,
        metavar="SOUNDS",
        help="Asterisk's sounds directory: astdatadir of asterisk.conf + /sounds"
        " (Debian packages: /usr/share/asterisk/sounds; source installs:"
        " /var/lib/asterisk/sounds); required",
    )
    install.add_argument(
        "--check",
        action="store_true",
        help="change nothing; exit 1 if a prompt is missing or not current (default: off)",
    )
    return p


def install_prompts(args: argparse.Namespace) -> int:
    if args.check:
        lacking = prompts.missing(args.sounds_dir)
        for name in lacking:
            print(f"missing or not current: {args.sounds_dir / name}.{prompts.FORMAT}")
        if not lacking:
            print(f"all {len(prompts.SHIPPED)} prompts are installed in {args.sounds_dir}")
        return 1 if lacking else 0
    written = prompts.install(args.sounds_dir)
    for path in written:
        print(f"installed {path}")
    print(f"{len(written)} prompt(s) installed, {len(prompts.SHIPPED) - len(written)} current")
    return 0


def config_from(args: argparse.Namespace) -> ServerConfig:
    host, port = parse_listen(args.listen)
    return ServerConfig(
        host=host,
        port=port,
        max_sessions=args.max_sessions,
        idle_timeout=args.idle_timeout,
        env_timeout=args.env_timeout,
        shutdown_grace=args.shutdown_grace,
        reload_interval=args.reload_interval,
        options=Options(),
    )


def raise_file_limit(config: ServerConfig) -> None:
    """Every session, greeting connection and queued refusal holds a socket: raise the soft
    limit on open files (often 1024) towards what the configuration needs, up to the hard
    limit, and warn when even that is too low (accept would fail under load)."""
    needed = config.max_sessions + config.max_greeting + config.refuse_backlog + 64
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    if soft != resource.RLIM_INFINITY and soft < needed:
        logging.getLogger("agi").warning(
            "open files are limited to %d, fewer than the %d --max-sessions %d needs: raise "
            "LimitNOFILE (systemd) or lower --max-sessions",
            soft,
            needed,
            config.max_sessions,
        )


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    raise_file_limit(config)
    holder = InventoryHolder(args.inventory, inventory_reader(args.server))
    check_listen(config.host, config.port, holder.directory.inventory.settings.agi)
    server = AgiServer(config, holder)
    reloader = Reloader(holder, config.reload_interval)
    stop = threading.Event()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def on_hup(signum: int, frame: FrameType | None) -> None:
        reloader.request()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGHUP, on_hup)
    reloader.start()
    thread = threading.Thread(target=server.serve_forever, name="agi-accept", daemon=True)
    thread.start()
    host, port = server.address
    logging.getLogger("agi").warning("FastAGI server listening on %s:%d", host, port)
    stop.wait()
    reloader.stop()
    return 0 if server.stop() else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None and args.inventory is None:
        parser.error("the following arguments are required: --inventory")
    try:
        configure_logging(args.verbose, args.debug, args.client_log_dir)
        return install_prompts(args) if args.command == "install-prompts" else run(args)
    except (ConfigError, ProvisionerError, prompts.PromptError, OSError) as e:
        print(f"error: {printable(str(e))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
