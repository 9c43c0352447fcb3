"""What a target read for ``provisioner dump``: config categories and live facts.

Values only, filled by a source (``dump.read.DirectorySource``, ``targets.ami.source``) and
read by ``dump.map``. A secret never gets this far: every ``password=``/``md5_cred=`` value,
and whatever is named like a secret, is replaced by ``SENSITIVE`` as the source reads it
(``redacted``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from provisioner.render.objects import is_sensitive
from provisioner.targets.base import LiveMember

SENSITIVE = "(sensitive)"

Options = tuple[tuple[str, str], ...]


# Names that say a value is a secret (an option, or a channel variable of set_var=)
_SECRET_NAME = re.compile(r"pass|secret|token|md5|api_?key", re.IGNORECASE)
# a SIP URI with a password in its user part: sip:user:password@host
_URI_PASSWORD = re.compile(r"^(sips?:[^:@;]*):[^@;]*@", re.IGNORECASE)


def redacted(options: Iterable[tuple[str, str]]) -> Options:
    """``options`` with every secret value replaced by ``SENSITIVE``: passwords, options and
    channel variables named like a secret, the password of a ``sip:user:password@`` URI."""
    return tuple((k, _shown(k, v)) for k, v in options)


def _shown(key: str, value: str) -> str:
    if is_sensitive(key) or _SECRET_NAME.search(key):
        return SENSITIVE
    if key == "set_var":
        name, equals, _ = value.partition("=")
        return f"{name}={SENSITIVE}" if equals and _SECRET_NAME.search(name) else value
    return _URI_PASSWORD.sub(rf"\1:{SENSITIVE}@", value)


@dataclass(frozen=True)
class Section:
    """One category as Asterisk resolves it: templates applied, includes followed."""

    name: str
    options: Options  # in order, inherited ones first; secrets redacted
    where: str  # "pjsip_agents.conf:12" from a directory, "pjsip.conf" over AMI
    templates: tuple[str, ...] = ()  # the templates (or categories) it inherits from

    @property
    def type(self) -> str:
        """PJSIP's kind of this category: its last ``type=`` value ("" when none)."""
        return self.get("type") or ""

    def get(self, key: str) -> str | None:
        """The last value of ``key`` (what a single-valued option ends up as)."""
        found = None
        for k, v in self.options:
            if k == key:
                found = v
        return found

    def values(self, key: str) -> list[str]:
        return [v for k, v in self.options if k == key]


@dataclass(frozen=True)
class Context:
    """A dialplan context: never mapped, listed in the report."""

    name: str
    lines: int
    where: str


@dataclass(frozen=True)
class Snapshot:
    """Everything one read of an Asterisk gave."""

    source: str  # how the source is shown: "dir:/etc/asterisk", "ami://gitops@host:5038"
    pjsip: tuple[Section, ...]  # pjsip.conf with its includes, templates left out
    queues: tuple[Section, ...]  # queues.conf with its includes ([general] included)
    contexts: tuple[Context, ...] = ()  # extensions.conf's contexts
    templates: tuple[tuple[str, str], ...] = ()  # (template name, where) as far as known
    notes: tuple[str, ...] = ()  # what reading noticed: lines skipped, files missing
    live_endpoints: frozenset[str] | None = None  # endpoints Asterisk runs; None: unknown
    members: tuple[LiveMember, ...] = ()  # live queue members (over AMI)
