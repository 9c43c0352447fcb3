"""One live endpoint (with its aor, auth and identify) read back into voice settings.

The reverse of ``render.pjsip`` with the same table (``render.voice``). What a setting cannot
express exactly is read as the nearest setting; ``dump.compare`` then reports every value
the managed object will differ in, so an approximation is never silent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from ipaddress import ip_address
from typing import Any

from provisioner.model import EndpointType, NatValue, TransportName, Voice
from provisioner.render import voice as v
from provisioner.render.pjsip import MANAGED_VAR, SPY_VAR
from provisioner.render.voice_rules import voice_findings
from provisioner.targets.snapshot import Section

# Fields a finding can drop (the endpoint keeps the default); a finding on any other field
# means the endpoint cannot be mapped.
SOFT_FIELDS = frozenset({"callerid", "call_group", "pickup_group"})
TRUE = frozenset({"yes", "true", "y", "t", "1", "on"})  # Asterisk's ast_true
PROTOCOLS: frozenset[str] = frozenset({"udp", "tcp", "tls", "ws", "wss"})
_CALLERID = re.compile(
    r'^\s*(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<plain>[^<"]*?))\s*(?:<(?P<number>[^>]*)>)?\s*$'
)
_NUMBER = re.compile(r"^[0-9+*#-]+$")
NAT_DEFAULTS = {"force_rport": "yes", "rtp_symmetric": "no", "rewrite_contact": "no"}  # PJSIP's


class Unmappable(Exception):
    """The endpoint has no inventory equivalent; the message says why (one clause)."""


@dataclass(frozen=True)
class Device:
    """An endpoint and the objects it uses, as read."""

    endpoint: Section
    aor: Section | None = None
    auth: Section | None = None
    identifies: tuple[Section, ...] = ()


@dataclass(frozen=True)
class Reading:
    voice: Voice
    callerid: tuple[str, str] | None  # (name, number) of callerid=, None when unset
    marker: str  # "agent:<id>" / "phone:<id>" when asterisk-gitops rendered it, else ""
    dropped: tuple[tuple[str, str], ...] = field(default=())  # (field, why) left at default


def is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in TRUE


def split_callerid(text: str) -> tuple[str, str]:
    """(name, number) as Asterisk splits a ``callerid=`` value."""
    match = _CALLERID.match(text)
    if match is None:
        return text.strip(), ""
    number = match.group("number")
    if match.group("quoted") is not None:
        name = match.group("quoted").replace('\\"', '"')
    else:
        name = match.group("plain") or ""
        if number is None and _NUMBER.match(name.strip()):
            return "", name.strip()
    return name.strip(), (number or "").strip()


def formats(endpoint: Section) -> list[str]:
    """The media formats ``disallow=``/``allow=`` lines leave, in order (``!x`` negates)."""
    result: list[str] = []
    for key, value in endpoint.options:
        if key not in ("allow", "disallow"):
            continue
        for raw in (n.strip().lower() for n in value.split(",")):
            name = raw.lstrip("!")
            if not name:
                continue
            remove = (key == "disallow") != raw.startswith("!")
            if name == "all" and remove:
                result.clear()
            elif remove:
                result = [f for f in result if f != name]
            elif name not in result:
                result.append(name)
    return result


def read_device(device: Device, protocols: dict[str, str]) -> Reading:
    """The voice settings of ``device``; ``protocols`` maps transport names to protocols.
    Raises Unmappable when the inventory cannot describe it at all."""
    endpoint = device.endpoint
    codecs, video, _ = v.allow_read(formats(endpoint))
    if not codecs:
        raise Unmappable("it allows no codec the inventory knows (ulaw, alaw, gsm, g722, ...)")
    web = is_true(endpoint.get("webrtc"))
    host, port, contact_transport = _address(device)
    encryption = _encryption(endpoint.get("media_encryption"), web)
    transports = _transports(web, encryption, contact_transport, endpoint, protocols)
    callerid = endpoint.get("callerid")
    voice = Voice(
        transports=transports,
        host=host,
        port=None if port == v.DEFAULT_PORTS.get(transports[0], 5060) else port,
        type=_type(device, host),
        codecs=codecs,
        callerid=callerid or None,
        context=endpoint.get("context") or "default",
        call_group=endpoint.get("call_group") or None,
        pickup_group=endpoint.get("pickup_group") or None,
        chanspy=SPY_VAR in endpoint.values("set_var"),
        video=video,
        encryption=encryption,
    )
    voice = replace(voice, nat=_nat(endpoint, voice))
    voice, dropped = _soft_fixed(voice)
    marker = next(
        (
            value.partition("=")[2]
            for value in endpoint.values("set_var")
            if value.partition("=")[0] == MANAGED_VAR
        ),
        "",
    )
    return Reading(voice, split_callerid(callerid) if callerid else None, marker, dropped)


def _address(device: Device) -> tuple[str, int | None, str | None]:
    """(host, port, transport of the contact): ``dynamic`` unless the aor has a contact."""
    contacts = device.aor.values("contact") if device.aor else []
    if not contacts:
        return "dynamic", None, None
    read = v.contact_read(contacts[0])
    if read is None:
        raise Unmappable(f"its contact {contacts[0]!r} is not a sip: URI")
    _, host, port, transport = read
    try:
        ip_address(host)
    except ValueError:
        raise Unmappable(
            f"its contact host {host!r} is a name, not an IP address (a trunk? the inventory "
            "holds agents and phones only)"
        ) from None
    if transport not in ("udp", "tcp", "tls"):
        raise Unmappable(f"its contact's transport {transport!r} is not udp, tcp or tls")
    return host, port, transport


def _encryption(value: str | None, web: bool) -> bool:
    """SRTP: sdes, or dtls without WebRTC (read as SDES over TLS, the inventory's SRTP)."""
    value = (value or "no").strip().lower()
    return not web and value in ("sdes", "dtls")


def _transports(
    web: bool,
    encryption: bool,
    contact: str | None,
    endpoint: Section,
    protocols: dict[str, str],
) -> tuple[TransportName, ...]:
    """ws/wss render alike (webrtc=yes): read as wss. SRTP needs tls. Otherwise the
    contact's transport, else the protocol of a pinned ``transport=``, else udp."""
    if web:
        return ("wss",)
    if encryption:
        return ("tls",)
    pinned = protocols.get(endpoint.get("transport") or "", "")
    for candidate in (contact, pinned):
        if candidate in ("udp", "tcp", "tls"):
            return (candidate,)  # type: ignore[return-value]
    return ("udp",)


def _nat(endpoint: Section, voice: Voice) -> tuple[NatValue, ...]:
    """The nat setting rendering these options, else the one whose rendering differs from
    them in the fewest of force_rport, rtp_symmetric, rewrite_contact and direct_media
    (``voice`` gives what else direct_media depends on); ties go to force_rport first."""
    live = tuple(
        "yes" if is_true(endpoint.get(o) or NAT_DEFAULTS[o]) else "no" for o in v.NAT_OPTIONS
    )
    exact = v.nat_read((live[0], live[1], live[2]))
    if exact is not None:
        return exact
    direct = "yes" if is_true(endpoint.get("direct_media") or "yes") else "no"

    def distance(item: tuple[tuple[str, str, str], tuple[NatValue, ...]]) -> int:
        rendered, nat = item
        differ = sum(a != b for a, b in zip(rendered, live, strict=True))
        return differ + (v.direct_media(replace(voice, nat=nat)) != direct)

    return min(v.NAT_READ.items(), key=distance)[1]


def _type(device: Device, host: str) -> EndpointType:
    """user: no aor; peer: a fixed host identified by address without auth; else friend."""
    if device.aor is None:
        if device.auth is None:
            raise Unmappable("it has neither an aor nor an auth (nothing can reach it)")
        if host != "dynamic":
            raise Unmappable("it has a fixed address but no aor")
        return "user"
    if device.auth is None and host != "dynamic":
        return "peer"
    return "friend"


def _soft_fixed(voice: Voice) -> tuple[Voice, tuple[tuple[str, str], ...]]:
    """The voice with the fields the inventory refuses but can do without left at their
    defaults; Unmappable for any other refusal (render's own rules decide)."""
    dropped: list[tuple[str, str]] = []
    cleared: dict[str, Any] = {}
    for name, message in voice_findings(voice):
        if name not in SOFT_FIELDS:
            raise Unmappable(f"{name}: {message}")
        dropped.append((name, message))
        cleared[name] = None
    return (replace(voice, **cleared) if cleared else voice), tuple(dropped)
