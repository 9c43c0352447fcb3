"""Whether the address the server listens on can be where the dialplan reaches it.

The rendered feature codes dial ``agi://HOST:PORT`` for each server of ``settings.agi``. A
server listening anywhere else starts, but every feature code then fails (connection
refused, or a timeout): so the server refuses to start unless ``--listen`` can be one of
them. It can when the ports are equal and the hosts are equal, resolve to a common address,
or ``--listen`` is a wildcard (``0.0.0.0``, ``::``: every address of this host).
"""

from __future__ import annotations

import socket
from collections.abc import Sequence

from fastagi.errors import ConfigError
from provisioner.model import AgiServer

WILDCARDS = frozenset({"", "0.0.0.0", "::"})


def _addresses(host: str) -> set[str]:
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return set()
    return {str(info[4][0]) for info in found}


def _same_host(listen: str, named: str) -> bool:
    if listen in WILDCARDS or listen.lower() == named.lower():
        return True
    return bool(_addresses(listen) & _addresses(named))


def check_listen(host: str, port: int, servers: Sequence[AgiServer]) -> None:
    """Raise ConfigError unless ``host:port`` can be one of ``servers`` (``settings.agi``)."""
    if any(s.port == port and _same_host(host, s.host) for s in servers):
        return
    named = ", ".join(f"{s.host}:{s.port}" for s in servers)
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    raise ConfigError(
        f"--listen {where} is not where the dialplan calls the FastAGI server (settings.agi:"
        f" {named}); listen on one of those (or on 0.0.0.0 with its port), or change"
        " settings.agi and apply"
    )
