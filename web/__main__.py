"""``asterisk-gitops-web`` (also ``python -m web``): the HTTP service's command line.

The only module of the package that prints. SIGTERM/SIGINT stop it (uvicorn's shutdown),
SIGHUP reloads the inventory (so does a change of its files, every ``--reload-interval``).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

import uvicorn

from provisioner.cli.daemon import add_options, configure_logging, host_port
from provisioner.cli.numbers import at_least, seconds
from provisioner.errors import ProvisionerError
from provisioner.inventory import load_inventory
from provisioner.model import Inventory
from provisioner.redact import printable
from provisioner.targets import AMI_SECRET_ENV, ami_secret, ami_servers
from runtime.errors import ConfigRefused
from runtime.reload import InventoryHolder, Reloader
from web.app import build
from web.service import Service, ServiceConfig

DESCRIPTION = (
    "The HTTP service of asterisk-gitops (also: python -m web): a JSON API and an event "
    "stream for agents (log in, pause, unpause, log out) and supervisors, on the rules the "
    "feature codes follow. One AMI connection per Asterisk server. SIGHUP reloads the inventory."
)


class UsageError(ConfigRefused):
    """The options or the inventory do not let the service start."""


class _Server(uvicorn.Server):
    """uvicorn's server; SIGTERM and SIGINT end the open event streams and stop it, and the
    process exits 0 (uvicorn's own handlers raise the signal again once stopped)."""

    def __init__(self, config: uvicorn.Config, service: Service) -> None:
        super().__init__(config)
        self.service = service

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        def stop(signum: int, frame: FrameType | None) -> None:
            self.should_exit = True
            self.service.hub.close_all()

        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, stop)
        yield


def address(text: str, option: str) -> tuple[str, int]:
    found = host_port(text)
    if found is None:
        raise UsageError(f"{option} wants HOST:PORT, got {text!r}")
    return found


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="asterisk-gitops-web", description=DESCRIPTION)
    p.add_argument(
        "--inventory",
        type=Path,
        required=True,
        metavar="DIR",
        help="the inventory checkout; required",
    )
    p.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="where the API listens (default: %(default)s)",
    )
    p.add_argument(
        "--lock-listen",
        default="127.0.0.1:4574",
        metavar="HOST:PORT",
        help="where Asterisk connects back for the lock channel (FastAGI; default: %(default)s)",
    )
    p.add_argument(
        "--lock-advertise",
        default="",
        metavar="HOST",
        help="the address Asterisk reaches the lock listener at, when not --lock-listen's host"
        " (e.g. behind NAT, or a wildcard --lock-listen)",
    )
    p.add_argument(
        "--server",
        action="append",
        metavar="NAME",
        help="serve only this server (repeatable; default: every ami:// server)",
    )
    p.add_argument(
        "--session-idle",
        type=seconds,
        default=900.0,
        metavar="S",
        help="a web session without a request for S seconds expires (default: %(default)s)",
    )
    p.add_argument(
        "--secure-cookies",
        choices=("auto", "always", "never"),
        default="auto",
        help="Secure cookies: auto = when the request came over https (a TLS proxy on this"
        " host setting X-Forwarded-Proto counts) (default: %(default)s)",
    )
    p.add_argument(
        "--threads",
        type=at_least(1),
        default=64,
        metavar="N",
        help="operations on Asterisk at once (default: %(default)s)",
    )
    add_options(p, "log every request and connection (default: warnings and the audit log)")
    return p


def secrets_of(inventory: Inventory, only: Sequence[str] | None) -> dict[str, str]:
    """The AMI secret of each server reached over AMI to serve, from its ``secret_env``."""
    servers = ami_servers(inventory, only)
    return {
        s.name: ami_secret(s.target, s.secret_env or AMI_SECRET_ENV, os.environ) for s in servers
    }


def run(args: argparse.Namespace) -> int:
    host, port = address(args.listen, "--listen")
    lock_host, lock_port = address(args.lock_listen, "--lock-listen")
    holder = InventoryHolder(args.inventory, lambda root: load_inventory(root, use_cache=False))
    config = ServiceConfig(
        session_idle=args.session_idle,
        secure_cookies=args.secure_cookies,
        lock_host=lock_host,
        lock_port=lock_port,
        lock_advertise=args.lock_advertise,
        threads=args.threads,
    )
    try:
        service = Service(holder, config, secrets_of(holder.directory.inventory, args.server))
    except OSError as e:
        raise UsageError(
            f"cannot listen on --lock-listen {args.lock_listen}: {e.strerror or e}"
        ) from e
    holder.on_reload(service.reloaded)
    reloader = Reloader(holder, args.reload_interval)

    def on_hup(signum: int, frame: FrameType | None) -> None:
        reloader.request()

    signal.signal(signal.SIGHUP, on_hup)
    reloader.start()
    level = "debug" if args.debug else "info" if args.verbose else "warning"
    server = _Server(
        uvicorn.Config(
            build(service),
            host=host,
            port=port,
            log_config=None,
            access_log=args.verbose,
            log_level=level,
            timeout_graceful_shutdown=5,  # requests still running after 5 s are cut
        ),
        service,
    )
    logging.getLogger("web").warning(
        "HTTP service on %s:%d, lock listener on %s:%d, servers: %s",
        host,
        port,
        *service.listener.address,
        ", ".join(service.backends),
    )
    server.run()
    reloader.stop()
    return 0 if server.started else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        configure_logging(args.verbose, args.debug, args.client_log_dir)
        return run(args)
    except (ConfigRefused, ProvisionerError, OSError) as e:
        print(f"error: {printable(str(e))}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
