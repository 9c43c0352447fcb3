"""The typed model of an inventory: frozen dataclasses, built only from validated input.

Everything downstream (render, reconciler, AGI runtime) reads these types and nothing else.
Defaults from ``settings.defaults`` are already merged in: a ``Voice`` here is complete.
Secrets are never held in clear text here: a ``SecretRef`` says where a secret comes from,
and a PIN is held only as its salted hash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

TransportName = Literal["udp", "tcp", "ws", "wss", "tls"]
NatValue = Literal["yes", "no", "force_rport", "comedia", "never", "route"]
EndpointType = Literal["user", "peer", "friend"]
Codec = Literal["ulaw", "alaw", "gsm", "g722", "g729", "opus"]
Recording = Literal["inactive", "wav", "wav49", "gsm"]
InterfaceKind = Literal["internal", "phone", "mobile"]
LogLevel = Literal["debug", "info", "warning", "error"]
ChannelKind = Literal["chat", "mail", "sms", "whatsapp", "openchannel", "fax"]
SecretSource = Literal["env", "file", "derive"]

TRANSPORTS: tuple[TransportName, ...] = ("udp", "tcp", "ws", "wss", "tls")
NAT_VALUES: tuple[NatValue, ...] = ("yes", "no", "force_rport", "comedia", "never", "route")
ENDPOINT_TYPES: tuple[EndpointType, ...] = ("user", "peer", "friend")
CODECS: tuple[Codec, ...] = ("ulaw", "alaw", "gsm", "g722", "g729", "opus")
RECORDINGS: tuple[Recording, ...] = ("inactive", "wav", "wav49", "gsm")
INTERFACE_KINDS: tuple[InterfaceKind, ...] = ("internal", "phone", "mobile")
CHANNEL_KINDS: tuple[ChannelKind, ...] = ("chat", "mail", "sms", "whatsapp", "openchannel", "fax")


@dataclass(frozen=True)
class Source:
    """Where an object was declared: used in every error about it."""

    file: str
    line: int
    column: int = 1


NO_SOURCE = Source(file="<none>", line=0, column=0)


@dataclass(frozen=True)
class SecretRef:
    """Where a SIP password comes from. Never the password itself.

    env: ``ref`` is an environment variable name.
    file: ``ref`` is a path to a file outside the repository (one secret per file, or
          ``path#key`` for a key in a YAML/JSON mapping file).
    derive: ``ref`` is a label; the secret is HMAC-SHA256(master key, label), the master key
          coming from the environment variable named in ``settings.secrets.master_key_env``.
    """

    source: SecretSource
    ref: str


@dataclass(frozen=True)
class Voice:
    """Per-endpoint voice settings, defaults already applied.

    ``nat`` holds one value or a chan_sip-style combination such as
    ``("force_rport", "comedia")``; see docs/voice-mapping.md for what each becomes.
    """

    transports: tuple[TransportName, ...] = ("udp",)
    host: str = "dynamic"  # "dynamic" or a fixed IP address
    port: int | None = None  # for a fixed host; None = 5060
    nat: tuple[NatValue, ...] = ("force_rport", "comedia")
    type: EndpointType = "friend"
    codecs: tuple[Codec, ...] = ("ulaw", "alaw")
    callerid: str | None = None  # e.g. '"Ann Smith" <1001>'; None = derived from name/extension
    context: str = "from-sip"
    call_group: str | None = None  # "1,3-5" (0-63)
    pickup_group: str | None = None
    chanspy: bool = False  # calls of this endpoint may be listened to by permitted spies
    video: bool = False  # allow h264
    recording: Recording = "inactive"
    encryption: bool = False  # SRTP


@dataclass(frozen=True)
class QueueMembership:
    queue: str
    penalty: int = 0


@dataclass(frozen=True)
class ChannelSetting:
    """A non-voice channel of an agent (chat, mail, ...): enabled and how many at once."""

    kind: ChannelKind
    enabled: bool = False
    capacity: int = 1


@dataclass(frozen=True)
class Permissions:
    pause: bool = True
    pause_reasons: tuple[str, ...] | None = None  # reason names allowed; None = all
    logout: bool = True
    choose_interface: bool = True
    spy: bool = False


@dataclass(frozen=True)
class Agent:
    id: str  # username: the PJSIP endpoint/aor/auth name of the agent's own endpoint
    name: str  # display name
    extension: str
    pin_hash: str  # "pbkdf2_sha256$<iterations>$<salt b64>$<hash b64>"
    secret: SecretRef
    hot_desk: bool = False
    phone: str | None = None  # id of the assigned phone (hot desk off, interface "phone")
    mobile: str | None = None  # outside number (E.164 digits, optional leading +)
    default_interface: InterfaceKind = "internal"
    queues: tuple[QueueMembership, ...] = ()
    voice: Voice = field(default_factory=Voice)
    channels: tuple[ChannelSetting, ...] = ()
    permissions: Permissions = field(default_factory=Permissions)
    client_logs: LogLevel | None = None  # client logs at this level and above; None = off
    login_paused: str | None = None  # pause reason every login starts paused with
    source: Source = NO_SOURCE

    def interfaces(self) -> tuple[InterfaceKind, ...]:
        """The interfaces this agent can be rung on when hot desk is off, in menu order."""
        kinds: list[InterfaceKind] = ["internal"]
        if self.phone is not None:
            kinds.append("phone")
        if self.mobile is not None:
            kinds.append("mobile")
        return tuple(kinds)


@dataclass(frozen=True)
class Phone:
    id: str  # PJSIP endpoint/aor/auth name of the phone
    extension: str
    secret: SecretRef
    name: str = ""
    site: str = ""  # site/location label
    voice: Voice = field(default_factory=Voice)
    source: Source = NO_SOURCE


@dataclass(frozen=True)
class QueueMember:
    agent: str
    penalty: int = 0


@dataclass(frozen=True)
class Queue:
    name: str
    strategy: str = "ringall"  # app_queue strategies: ringall, leastrecent, fewestcalls, ...
    timeout: int = 15  # seconds a member is rung
    retry: int = 5  # seconds before ringing members again
    wrapuptime: int = 0  # seconds after a call before the member is rung again
    maxlen: int = 0  # 0 = unlimited callers waiting
    weight: int = 0
    announce_frequency: int = 0
    musicclass: str = "default"
    members: tuple[QueueMember, ...] = ()  # from the agents' queues, sorted by agent id
    number: str | None = None  # what callers dial to reach the queue
    extra_numbers: tuple[str, ...] = ()  # more numbers reaching it (e.g. public DIDs)
    max_wait: int = 0  # seconds a caller waits before Queue() gives up; 0 = no limit
    caller_hears: str = "music"  # "music" (the musicclass) or "ringing" while waiting
    announce_position: str = "no"  # app_queue announce-position: yes, no, more, limit
    announce_holdtime: str = "no"  # app_queue announce-holdtime: yes, no, once
    source: Source = NO_SOURCE

    @property
    def numbers(self) -> tuple[str, ...]:
        """Every number callers dial to reach the queue, its own number first."""
        return tuple(number for _, number in self.numbered())

    def numbered(self) -> tuple[tuple[tuple[str | int, ...], str], ...]:
        """Each number with its field: ``("number",)``, ``("extra_numbers", i)``."""
        own = ((("number",), self.number),) if self.number else ()
        return own + tuple((("extra_numbers", i), n) for i, n in enumerate(self.extra_numbers))


@dataclass(frozen=True)
class PauseReason:
    code: int  # numeric code keyed after the pause feature code, e.g. *73 + 2
    name: str  # sent to Asterisk as the pause Reason
    description: str = ""


@dataclass(frozen=True)
class FeatureCodes:
    login: str = "*71"
    logout: str = "*72"
    pause: str = "*73"  # *73 prompts for a reason; *73<code> pauses with that reason
    unpause: str = "*74"
    status: str = "*75"
    spy: str = "*76"  # *76<extension>
    login_paused: str = "*77"  # *77 or *77<code>: log in already paused


@dataclass(frozen=True)
class AgiServer:
    host: str = "127.0.0.1"
    port: int = 4573


@dataclass(frozen=True)
class Lockout:
    attempts: int = 3  # wrong PINs before the agent is locked out
    seconds: int = 300  # how long the lockout lasts


@dataclass(frozen=True)
class Server:
    """One Asterisk server and what it serves. ``agents`` etc. = None means all of them."""

    name: str
    target: str  # "ami://USER@HOST:PORT" (secret from ``secret_env``) or "dir:PATH"
    secret_env: str | None = None
    agents: tuple[str, ...] | None = None
    phones: tuple[str, ...] | None = None
    queues: tuple[str, ...] | None = None

    @cached_property
    def _served(self) -> dict[str, frozenset[str] | None]:
        # sets: a server's lists may hold thousands of names
        lists = {"agents": self.agents, "phones": self.phones, "queues": self.queues}
        return {kind: None if names is None else frozenset(names) for kind, names in lists.items()}

    def serves(self, kind: str, name: str) -> bool:
        """Whether this server serves the agent, phone or queue (``kind``) called ``name``."""
        names = self._served[kind]
        return names is None or name in names


@dataclass(frozen=True)
class Scope:
    """The agents a supervisor or an API token may act on."""

    all: bool = False
    queues: tuple[str, ...] = ()
    agents: tuple[str, ...] = ()

    def covers(self, agent: Agent) -> bool:
        if self.all or agent.id in self.agents:
            return True
        return any(m.queue in self.queues for m in agent.queues)


@dataclass(frozen=True)
class Supervisor:
    id: str  # login name of the HTTP service
    name: str
    pin_hash: str  # as Agent.pin_hash
    scope: Scope = field(default_factory=Scope)


@dataclass(frozen=True)
class ApiToken:
    id: str  # the integration's name
    hash: str  # "sha256:<hex>" of the token; never the token
    scope: Scope = field(default_factory=Scope)


# The environment variables the tool reads its own secrets from when the inventory names none.
DEFAULT_MASTER_KEY_ENV = "GITOPS_MASTER_KEY"
DEFAULT_AMI_SECRET_ENV = "GITOPS_AMI_SECRET"
AMI_PREFIXES = ("ami://", "ami+astdb://")  # targets reached over AMI (ami+astdb: PJSIP in AstDB)


@dataclass(frozen=True)
class Settings:
    defaults: Voice = field(default_factory=Voice)
    pause_reasons: tuple[PauseReason, ...] = ()
    feature_codes: FeatureCodes = field(default_factory=FeatureCodes)
    # where the dialplan reaches the FastAGI server; several are tried in order
    agi: tuple[AgiServer, ...] = (AgiServer(),)
    lockout: Lockout = field(default_factory=Lockout)
    master_key_env: str = DEFAULT_MASTER_KEY_ENV
    outbound_context: str = "gitops-outbound"  # where mobile numbers are dialled through
    outbound_trunk: str | None = None  # PJSIP endpoint of the trunk for mobile numbers
    servers: tuple[Server, ...] = ()
    supervisors: tuple[Supervisor, ...] = ()
    tokens: tuple[ApiToken, ...] = ()
    # the settings file, for problems the loader cannot place more precisely (not compared)
    source: Source = field(default=Source(file="settings.yaml", line=1), compare=False)

    def server(self, name: str) -> Server | None:
        """The server of ``servers`` with that name, if any."""
        return next((s for s in self.servers if s.name == name), None)


@dataclass(frozen=True)
class Inventory:
    settings: Settings
    agents: tuple[Agent, ...]  # sorted by id
    phones: tuple[Phone, ...]  # sorted by id
    queues: tuple[Queue, ...]  # sorted by name
    revision: str = "working-tree"  # git commit sha when read with --ref or from a clean tree
    # sha256 of the files (and the code) it was loaded from, when the inventory cache knows
    # it: what the plan cache keys a target's plan on. "" when unknown (built in code).
    content_key: str = field(default="", compare=False, repr=False)

    @cached_property
    def _agents(self) -> dict[str, Agent]:
        return {a.id: a for a in self.agents}

    @cached_property
    def _phones(self) -> dict[str, Phone]:
        return {p.id: p for p in self.phones}

    @cached_property
    def _queues(self) -> dict[str, Queue]:
        return {q.name: q for q in self.queues}

    def agent(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def phone(self, phone_id: str) -> Phone | None:
        return self._phones.get(phone_id)

    def queue(self, name: str) -> Queue | None:
        return self._queues.get(name)

    def for_server(self, server: Server) -> Inventory:
        """The part of the inventory one server serves."""
        return Inventory(
            settings=self.settings,
            agents=tuple(a for a in self.agents if server.serves("agents", a.id)),
            phones=tuple(p for p in self.phones if server.serves("phones", p.id)),
            queues=tuple(q for q in self.queues if server.serves("queues", q.name)),
            revision=self.revision,
            content_key=self.content_key,
        )
