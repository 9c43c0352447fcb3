"""Choosing targets from ``--target`` / ``--server`` and the inventory's servers.

``--target`` accepts:

- ``dir:PATH`` (the default, ``dir:asterisk-config``): with several servers in the inventory
  each server gets ``PATH/<server-name>/`` and only its part;
- ``ami://USER@HOST:PORT``: a live Asterisk; with several servers, ``--server NAME`` says
  whose part it serves. ``ami+astdb://USER@HOST:PORT``: the same, its PJSIP objects kept in
  AstDB by sorcery (docs/scaling.md). The AMI secret comes from the environment (the server's
  ``secret_env``, else ``GITOPS_AMI_SECRET``), never from the command line;
- a server name from ``settings.servers``: that server's configured target and part;
- ``all``: every server of ``settings.servers`` at its configured target.

Target modules are imported when a target of their kind is opened: importing
``provisioner.targets.base`` stays light.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from provisioner.errors import TargetError
from provisioner.model import AMI_PREFIXES, DEFAULT_AMI_SECRET_ENV, Inventory, Server
from provisioner.redact import url_shown
from provisioner.targets.base import Target

DEFAULT_TARGET = "dir:asterisk-config"
AMI_SECRET_ENV = DEFAULT_AMI_SECRET_ENV
ALL_SERVERS = "all"


@dataclass(frozen=True)
class Job:
    """One target and the part of the inventory it serves."""

    label: str  # how plans and errors name it, e.g. "pbx1 (dir:asterisk-config/pbx1)"
    target: Target
    inventory: Inventory
    server: str | None = None  # the server of settings.servers whose part this is


def select(
    inventory: Inventory,
    spec: str | None,
    server: str | None,
    env: Mapping[str, str],
    *,
    timeout: float = 10.0,
) -> tuple[Job, ...]:
    """The jobs ``--target spec`` and ``--server server`` designate."""
    servers = {s.name: s for s in inventory.settings.servers}
    if server is not None and server not in servers:
        raise TargetError(
            f"there is no server named {server!r} in settings.servers{_known(servers)}"
        )
    chosen = [servers[server]] if server is not None else list(servers.values())
    spec = spec or DEFAULT_TARGET
    if spec in servers and server is not None and server != spec:
        raise TargetError(f"--target {spec} is a server already: drop --server {server}")
    if spec in servers or (spec == ALL_SERVERS and servers):
        picked = [servers[spec]] if spec in servers else chosen
        return tuple(_server_job(inventory, s, env, timeout) for s in picked)
    if spec == ALL_SERVERS:
        raise TargetError(
            "--target all needs servers in settings.servers; there are none: "
            "use dir:PATH or ami://USER@HOST:PORT"
        )
    if spec.startswith("dir:"):
        return _dir_jobs(inventory, spec, chosen if servers else [])
    if spec.startswith(AMI_PREFIXES):
        if not servers:
            target = open_target(spec, AMI_SECRET_ENV, env, timeout=timeout)
            return (Job(target.name, target, inventory),)
        if len(chosen) > 1:
            raise TargetError(
                f"the inventory has {len(chosen)} servers{_known(servers)}: say which part "
                f"{shown(spec)} serves with --server NAME, or use --target NAME or --target all"
            )
        return (_server_job(inventory, chosen[0], env, timeout, spec),)
    raise TargetError(
        f"unknown target {shown(spec)!r}: use dir:PATH, ami://USER@HOST:PORT, "
        f"a server name or 'all'{_known(servers)}"
    )


def _known(servers: Mapping[str, Server]) -> str:
    return f" (servers: {', '.join(servers)})" if servers else " (none is defined)"


def _dir_jobs(inventory: Inventory, spec: str, servers: list[Server]) -> tuple[Job, ...]:
    path = spec.removeprefix("dir:")
    if not path:
        raise TargetError("the target 'dir:' needs a path, e.g. dir:asterisk-config")
    from provisioner.targets.directory import DirectoryTarget

    if not servers:
        target = DirectoryTarget(path)
        return (Job(target.name, target, inventory),)
    jobs = []
    for server in servers:
        target = DirectoryTarget(Path(path) / server.name)
        label = f"{server.name} ({target.name})"
        jobs.append(Job(label, target, inventory.for_server(server), server.name))
    return tuple(jobs)


def _server_job(
    inventory: Inventory,
    server: Server,
    env: Mapping[str, str],
    timeout: float,
    spec: str | None = None,
) -> Job:
    target = open_target(
        spec or server.target, server.secret_env or AMI_SECRET_ENV, env, timeout=timeout
    )
    label = f"{server.name} ({target.name})"
    return Job(label, target, inventory.for_server(server), server.name)


def open_target(
    spec: str, secret_env: str, env: Mapping[str, str], *, timeout: float = 10.0
) -> Target:
    """The target of one ``dir:PATH`` or ``ami://USER@HOST:PORT`` spec."""
    if spec.startswith("dir:") and spec != "dir:":
        from provisioner.targets.directory import DirectoryTarget

        return DirectoryTarget(spec.removeprefix("dir:"))
    if not spec.startswith(AMI_PREFIXES):
        raise TargetError(f"unknown target {shown(spec)!r}: use dir:PATH or ami://USER@HOST:PORT")
    secret = ami_secret(spec, secret_env, env)
    from provisioner.targets.ami.target import AmiTarget  # only when an AMI target is used

    return AmiTarget(spec, secret, timeout=timeout)


def ami_servers(inventory: Inventory, names: Sequence[str] | None = None) -> list[Server]:
    """The servers of settings.servers reached over AMI (``ami://`` or ``ami+astdb://``), only
    those ``names`` when given; TargetError when a name is not one of them or none is left."""
    servers = [s for s in inventory.settings.servers if s.target.startswith(AMI_PREFIXES)]
    if names:
        unknown = sorted(set(names) - {s.name for s in servers})
        if unknown:
            known = ", ".join(s.name for s in servers) or "none"
            raise TargetError(
                f"--server {', '.join(unknown)}: no ami:// server of that name ({known})"
            )
        servers = [s for s in servers if s.name in names]
    if not servers:
        raise TargetError("settings.servers names no ami:// (or ami+astdb://) server")
    return servers


def ami_secret(spec: str, secret_env: str, env: Mapping[str, str]) -> str:
    """The AMI secret of the ``ami://`` target ``spec`` from the environment variable
    ``secret_env`` (never the command line); TargetError for a bad URL or a missing secret."""
    _check_ami_url(spec)
    secret = env.get(secret_env)
    if not secret:
        raise TargetError(
            f"{shown(spec)}: the AMI secret is not set: export it in the environment variable "
            f"{secret_env} (never on the command line)"
        )
    return secret


def shown(spec: str) -> str:
    """``spec`` as messages and logs may show it: a password in its userinfo becomes ``***``."""
    return url_shown(spec)


def _check_ami_url(spec: str) -> None:
    name = shown(spec)
    if name != spec:
        raise TargetError(
            f"{name} is not a valid target: use ami://USER@HOST:PORT (the secret comes from "
            "the environment, not the URL)"
        )
    try:
        url = urlsplit(spec)
        port = url.port
    except ValueError as e:
        raise TargetError(f"{spec} is not a valid target: {e}; use ami://USER@HOST:PORT") from e
    missing = [
        part
        for part, present in (("user", url.username), ("host", url.hostname), ("port", port))
        if not present
    ]
    if missing:
        raise TargetError(
            f"{spec} is not a valid target: the {' and the '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing; use ami://USER@HOST:PORT"
        )
