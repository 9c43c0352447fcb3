"""``AmiSource``: what ``provisioner dump`` reads from a live Asterisk, read-only.

Five actions, pipelined, none of which changes anything:

- ``GetConfig`` of ``pjsip.conf``, ``queues.conf`` and ``extensions.conf``: the categories as
  Asterisk's config parser resolves them (includes followed, templates applied: a category's
  inherited lines come first and ``Templates-N`` names what it inherits; templates
  themselves are not listed);
- ``PJSIPShowEndpoints``: the endpoints Asterisk really runs (a category with a value PJSIP
  refuses is in the file but was dropped at load). Not ``PJSIPShowEndpoint``/``PJSIPShowAuths``:
  they show passwords in clear;
- ``QueueStatus``: the live queue members (dynamic members are memberships too).

``GetConfig`` does carry ``password=`` lines: they are replaced by ``(sensitive)`` as they are
read (``snapshot.redacted``) and the client's debug log redacts them too.
"""

from __future__ import annotations

import logging

from provisioner.errors import TargetError
from provisioner.targets.ami.client import Action, AmiClient, Reply, parse_url
from provisioner.targets.ami.protocol import Message
from provisioner.targets.ami.state import parse_members
from provisioner.targets.base import LiveMember
from provisioner.targets.snapshot import Context, Section, Snapshot, redacted

logger = logging.getLogger(__name__)

PJSIP = "pjsip.conf"
QUEUES = "queues.conf"
EXTENSIONS = "extensions.conf"
NOT_FOUND = "Config file not found"
INVALID = "Config file has invalid format"


class AmiSource:
    """A live Asterisk read over AMI for ``provisioner dump``."""

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0) -> None:
        if url.startswith("ami+astdb://"):  # it reads pjsip.conf, not AstDB: say so
            raise TargetError(
                f"{url}: dump reads the PJSIP objects of pjsip.conf, not those kept in AstDB "
                "(ami+astdb://); dump an Asterisk that keeps them in files"
            )
        user, host, port = parse_url(url)
        self._name = f"ami://{user}@{host}:{port}"
        self._client = AmiClient(host, port, user, secret, timeout=timeout, name=self._name)

    @property
    def name(self) -> str:
        return self._name

    def read(self) -> Snapshot:
        files = (PJSIP, QUEUES, EXTENSIONS)
        actions = [Action("GetConfig", (("Filename", f),)) for f in files]
        actions += [Action("PJSIPShowEndpoints"), Action("QueueStatus")]
        try:
            replies = self._client.pipeline(actions)
        finally:
            self._client.close()
        notes: list[str] = []
        pjsip, queues, extensions = (
            self._config(f, r, notes) for f, r in zip(files, replies, strict=False)
        )
        if pjsip is None:
            raise TargetError(f"{self._name} has no {PJSIP}: there is nothing to dump")
        live = self._endpoints(replies[3], notes)
        queue_sections = _sections(QUEUES, queues) if queues is not None else ()
        members = self._members(replies[4], {s.name for s in queue_sections}, notes)
        sections = _sections(PJSIP, pjsip)
        logger.info(
            "%s: read %d PJSIP categories, %d queues.conf categories, %d live endpoints",
            self._name,
            len(sections),
            len(queue_sections),
            len(live or ()),
        )
        return Snapshot(
            source=self._name,
            pjsip=sections,
            queues=queue_sections,
            contexts=_contexts(extensions) if extensions is not None else (),
            templates=tuple(
                (t, PJSIP) for t in dict.fromkeys(t for s in sections for t in s.templates)
            ),
            notes=tuple(notes),
            live_endpoints=live,
            members=tuple(members),
        )

    def _config(self, file: str, reply: Reply, notes: list[str]) -> Message | None:
        if reply.ok:
            return reply.response
        if reply.message == NOT_FOUND:
            notes.append(f"{self._name} has no {file}")
            return None
        if reply.message == INVALID:
            raise TargetError(
                f"{self._name} cannot read its own {file} ({INVALID}): Asterisk refuses the "
                f"file as it is now (its log names the line); fix it, then run dump again"
            )
        self._client.check(reply)
        return None

    def _endpoints(self, reply: Reply, notes: list[str]) -> frozenset[str] | None:
        if not reply.ok:
            notes.append(
                f"{self._name} did not list its live endpoints ({reply.message}): endpoints "
                "Asterisk dropped at load cannot be told apart"
            )
            return None
        return frozenset(e.get("ObjectName") for e in reply.events if e.event == "EndpointList")

    def _members(self, reply: Reply, queues: set[str], notes: list[str]) -> list[LiveMember]:
        if not reply.ok:
            notes.append(f"{self._name} did not list its queue members ({reply.message})")
            return []
        return parse_members(reply.events, queues)


def _sections(file: str, response: Message) -> tuple[Section, ...]:
    """A ``GetConfig`` answer as sections, secrets redacted as they are read."""
    sections: list[Section] = []
    name: str | None = None
    templates: tuple[str, ...] = ()
    options: list[tuple[str, str]] = []
    for key, value in response.headers:
        if key.startswith("Line-"):
            option, _, option_value = value.partition("=")
            options.append((option, option_value))
        elif key.startswith("Category-"):
            if name is not None:
                sections.append(Section(name, redacted(options), file, templates))
            name, templates, options = value, (), []
        elif key.startswith("Templates-"):
            templates = tuple(t.strip() for t in value.split(",") if t.strip())
    if name is not None:
        sections.append(Section(name, redacted(options), file, templates))
    return tuple(sections)


def _contexts(response: Message) -> tuple[Context, ...]:
    return tuple(
        Context(s.name, len(s.options), EXTENSIONS) for s in _sections(EXTENSIONS, response)
    )
