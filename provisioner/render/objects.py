"""What the renderer produces and the targets hold: Asterisk config categories.

A ``ConfigObject`` is one category of one managed file, exactly as Asterisk's config parser
sees it (and as AMI ``GetConfig`` returns it): a name and an ordered list of ``key=value``
lines, keys may repeat (``allow=``, ``exten=``). Its identity is ``(file, kind, name)``:
PJSIP endpoint and aor named alike are two objects.
"""

from __future__ import annotations

from dataclasses import dataclass

PJSIP_FILE = "pjsip_gitops.conf"
QUEUES_FILE = "queues_gitops.conf"
EXTENSIONS_FILE = "extensions_gitops.conf"
MANAGED_FILES: tuple[str, ...] = (PJSIP_FILE, QUEUES_FILE, EXTENSIONS_FILE)

# What makes an option (or AMI header) a secret, whatever its case: ``password`` (what the
# renderer writes), and what a hand edit may add: ``Password``, ``md5_cred``, chan_sip's and
# AMI's ``secret``/``md5secret``, ``oauth_secret``, ``refresh_token``, ``MD5Cred``... Their
# values are never shown in plans, saved plans, drift or logs.
SENSITIVE_WORDS: tuple[str, ...] = ("password", "secret", "md5", "cred", "token")


def is_sensitive(key: str) -> bool:
    """Whether option (or header) ``key`` holds a secret: it contains a ``SENSITIVE_WORDS``
    word, ignoring case. Errs toward hiding: a harmless option named so is hidden too."""
    folded = key.lower()
    return any(word in folded for word in SENSITIVE_WORDS)


ObjectKey = tuple[str, str, str]  # (file, kind, name)


@dataclass(frozen=True, slots=True)  # slots: 45k of them at 10k agents, desired and actual
class ConfigObject:
    file: str  # one of MANAGED_FILES
    kind: str  # pjsip "type=" value (endpoint, aor, auth, identify, transport), "queue", "context"
    name: str  # category name
    options: tuple[tuple[str, str], ...]  # ordered key=value lines, "type=" included for pjsip
    owner: str = ""  # what produced it: "agent:1001", "phone:desk-101", "queue:sales", ...

    @property
    def key(self) -> ObjectKey:
        return (self.file, self.kind, self.name)

    def get(self, key: str) -> str | None:
        """The last value of ``key`` (Asterisk's own rule for single-valued options)."""
        value = None
        for k, v in self.options:
            if k == key:
                value = v
        return value

    def redacted(self) -> ConfigObject:
        """A copy safe to show: sensitive values replaced by ``(sensitive)``."""
        options = tuple((k, "(sensitive)" if is_sensitive(k) else v) for k, v in self.options)
        return ConfigObject(self.file, self.kind, self.name, options, self.owner)
