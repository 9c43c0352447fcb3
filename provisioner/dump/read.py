"""Where ``provisioner dump`` reads from: a directory of Asterisk config files, or AMI.

``--target`` accepts ``dir:PATH`` (Asterisk's config directory: ``pjsip.conf``,
``queues.conf`` and ``extensions.conf`` with their includes), ``ami://USER@HOST:PORT``
(secret from ``GITOPS_AMI_SECRET``) or the name of a server of an existing inventory's
``settings.servers`` (its target and ``secret_env``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from provisioner.dump import conffile
from provisioner.errors import ProvisionerError, TargetError
from provisioner.model import Server
from provisioner.targets import AMI_SECRET_ENV, ami_secret, shown
from provisioner.targets.snapshot import Context, Section, Snapshot, redacted

logger = logging.getLogger(__name__)

PJSIP = "pjsip.conf"
QUEUES = "queues.conf"
EXTENSIONS = "extensions.conf"


class Source(Protocol):
    """A place ``provisioner dump`` reads an Asterisk's configuration from."""

    @property
    def name(self) -> str: ...

    def read(self) -> Snapshot:
        """Everything there is to map; raises ProvisionerError when it cannot be read."""
        ...


@dataclass(frozen=True)
class Opened:
    """The source to read and the server entry the written inventory gets (if any)."""

    source: Source
    server: Server | None


class DirectorySource:
    """Asterisk's config directory, read the way Asterisk reads it (``conffile``)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    @property
    def name(self) -> str:
        return f"dir:{self.path}"

    def read(self) -> Snapshot:
        if not self.path.is_dir():
            raise TargetError(f"{self.name}: there is no directory {self.path}")
        notes: list[str] = []
        pjsip = self._load(PJSIP, notes, required=True)
        queues = self._load(QUEUES, notes, required=False)
        extensions = self._load(EXTENSIONS, notes, required=False)
        assert pjsip is not None
        templates = [(c.name, f"{c.file}:{c.line}") for c in pjsip.categories if c.template]
        return Snapshot(
            source=self.name,
            pjsip=_sections(pjsip),
            queues=_sections(queues) if queues else (),
            contexts=tuple(
                Context(c.name, len(c.options), f"{c.file}:{c.line}")
                for c in (extensions.visible() if extensions else [])
            ),
            templates=tuple(templates),
            notes=tuple(notes),
        )

    def _load(self, file: str, notes: list[str], *, required: bool) -> conffile.Config | None:
        if not (self.path / file).is_file():
            if required:
                raise TargetError(f"{self.name}: there is no {file} to read")
            notes.append(f"{self.name} has no {file}")
            return None
        try:
            config = conffile.load(self.path, file)
        except conffile.ConfigError as e:
            raise TargetError(f"{self.name}: {e}") from e
        notes.extend(str(n) for n in config.notes)
        return config


def _sections(config: conffile.Config) -> tuple[Section, ...]:
    return tuple(
        Section(c.name, redacted(c.options), f"{c.file}:{c.line}", tuple(c.templates))
        for c in config.visible()
    )


def open_source(
    spec: str,
    server_name: str | None,
    servers: Mapping[str, Server],
    env: Mapping[str, str],
    *,
    timeout: float = 10.0,
) -> Opened:
    """The source ``--target spec`` names; ``servers`` are an existing inventory's (for a
    server name), ``server_name`` the name the written inventory gives it (``--server``)."""
    if spec in servers:
        known = servers[spec]
        if server_name not in (None, spec):
            raise ProvisionerError(f"--target {spec} is a server already: drop --server")
        secret_env = known.secret_env or AMI_SECRET_ENV
        source = _source(known.target, secret_env, env, timeout)
        ami = known.target.startswith("ami://")
        return Opened(source, Server(spec, known.target, secret_env if ami else None))
    if not spec.startswith(("dir:", "ami://")):
        known_names = f" (servers: {', '.join(servers)})" if servers else ""
        raise TargetError(
            f"unknown target {shown(spec)!r}: use dir:PATH (Asterisk's config directory), "
            f"ami://USER@HOST:PORT or a server name of --inventory{known_names}"
        )
    source = _source(spec, AMI_SECRET_ENV, env, timeout)
    if server_name is None:
        return Opened(source, None)
    ami = spec.startswith("ami://")
    return Opened(source, Server(server_name, spec, AMI_SECRET_ENV if ami else None))


def _source(spec: str, secret_env: str, env: Mapping[str, str], timeout: float) -> Source:
    if spec.startswith("dir:"):
        path = spec.removeprefix("dir:")
        if not path:
            raise TargetError("the target 'dir:' needs a path, e.g. dir:/etc/asterisk")
        return DirectorySource(path)
    secret = ami_secret(spec, secret_env, env)
    from provisioner.targets.ami.source import AmiSource  # the only module speaking AMI

    return AmiSource(spec, secret, timeout=timeout)
