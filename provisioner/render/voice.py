"""The mapping of seed voice settings to PJSIP option values (docs/voice-mapping.md).

The one table both directions read: ``render`` turns a ``Voice`` into options with the
functions here, and ``provisioner dump`` reads options back into voice settings with their
``*_read`` counterparts and the same constants. Plain functions: no I/O, no validation
(``rules`` refuses what these cannot map). Every value returned is one Asterisk 22 accepts.
"""

from __future__ import annotations

import re
from ipaddress import ip_address

from provisioner.model import CODECS, Codec, NatValue, TransportName, Voice

WEB_TRANSPORTS: frozenset[TransportName] = frozenset({"ws", "wss"})
WEBRTC_CODECS: frozenset[str] = frozenset({"opus", "ulaw", "alaw", "g722"})
DEFAULT_PORTS: dict[TransportName, int] = {"udp": 5060, "tcp": 5060, "tls": 5061}
QUALIFY_SECONDS = "60"
VIDEO_CODEC = "h264"  # what ``video: true`` adds to allow=
# endpoint options copied from the voice field of the same name, both ways
GROUP_OPTIONS: tuple[str, ...] = ("call_group", "pickup_group")
# endpoint options of a WebRTC client beside media_encryption=dtls (before it, after it)
WEBRTC_OPTION = ("webrtc", "yes")
WEBRTC_CERT_OPTION = ("dtls_auto_generate_cert", "yes")
# aor options of a registering (dynamic) device, before qualify_frequency
DYNAMIC_AOR_OPTIONS: tuple[tuple[str, str], ...] = (
    ("max_contacts", "1"),
    ("remove_existing", "yes"),
)
NAT_OPTIONS: tuple[str, str, str] = ("force_rport", "rtp_symmetric", "rewrite_contact")

# nat value(s) -> (force_rport, rtp_symmetric, rewrite_contact)
NAT_MAP: dict[frozenset[NatValue], tuple[str, str, str]] = {
    frozenset({"yes"}): ("yes", "yes", "yes"),
    frozenset({"force_rport", "comedia"}): ("yes", "yes", "yes"),
    frozenset({"force_rport"}): ("yes", "no", "yes"),
    frozenset({"comedia"}): ("no", "yes", "no"),
    frozenset({"route"}): ("yes", "no", "yes"),
    frozenset({"no"}): ("no", "no", "no"),
    frozenset({"never"}): ("no", "no", "no"),
}
NO_NAT: frozenset[frozenset[NatValue]] = frozenset({frozenset({"no"}), frozenset({"never"})})
# The nat setting each (force_rport, rtp_symmetric, rewrite_contact) of NAT_MAP reads back
# as: settings that render alike (yes and force_rport,comedia; route and force_rport; never
# and no) read as the one chan_sip users mean today.
NAT_READ: dict[tuple[str, str, str], tuple[NatValue, ...]] = {
    ("yes", "yes", "yes"): ("force_rport", "comedia"),
    ("yes", "no", "yes"): ("force_rport",),
    ("no", "yes", "no"): ("comedia",),
    ("no", "no", "no"): ("no",),
}


def is_web(voice: Voice) -> bool:
    """A WebRTC endpoint (browser client over ws/wss)."""
    return bool(voice.transports) and voice.transports[0] in WEB_TRANSPORTS


def is_fixed(voice: Voice) -> bool:
    return voice.host != "dynamic"


def nat_key(nat: tuple[NatValue, ...]) -> frozenset[NatValue] | None:
    """The mapping key of a nat setting, or None for a combination with no meaning."""
    key = frozenset(nat)
    if len(key) != len(nat) or key not in NAT_MAP:
        return None
    return key


def nat_options(voice: Voice) -> tuple[tuple[str, str], ...]:
    key = nat_key(voice.nat)
    assert key is not None, "rules.check refuses this nat combination"
    return tuple(zip(NAT_OPTIONS, NAT_MAP[key], strict=True))


def nat_read(values: tuple[str, str, str]) -> tuple[NatValue, ...] | None:
    """The nat setting that renders these (force_rport, rtp_symmetric, rewrite_contact)
    values (``yes``/``no``), or None when no setting does (e.g. PJSIP's own defaults)."""
    return NAT_READ.get(values)


def direct_media(voice: Voice) -> str:
    """``yes`` only when media may flow phone to phone: no NAT, no WebRTC, no SRTP, and
    nothing in Asterisk needs the audio (recording, ChanSpy)."""
    keeps_media = (
        nat_key(voice.nat) not in NO_NAT
        or is_web(voice)
        or voice.encryption
        or voice.recording != "inactive"
        or voice.chanspy
    )
    return "no" if keeps_media else "yes"


def media_encryption(voice: Voice) -> str:
    """dtls for WebRTC (browsers require it), sdes for SRTP over tls, else no."""
    if is_web(voice):
        return "dtls"
    return "sdes" if voice.encryption else "no"


def allow(voice: Voice) -> str:
    codecs: list[str] = list(voice.codecs)
    if voice.video:
        codecs.append(VIDEO_CODEC)
    return ",".join(codecs)


def allow_read(formats: list[str]) -> tuple[tuple[Codec, ...], bool, tuple[str, ...]]:
    """``allow`` read back: the codecs, whether video (h264) is on, and the formats the
    inventory has no codec for, each in the order given."""
    codecs: list[Codec] = []
    others: list[str] = []
    video = False
    for name in formats:
        known = next((c for c in CODECS if c == name), None)
        if known is not None:
            codecs.append(known)
        elif name == VIDEO_CODEC:
            video = True
        else:
            others.append(name)
    return tuple(codecs), video, tuple(others)


def has_auth(voice: Voice) -> bool:
    """A peer on a fixed address is identified by its IP alone; every other endpoint
    authenticates (a dynamic peer must register, which needs a digest)."""
    return not (voice.type == "peer" and is_fixed(voice))


def has_aor(voice: Voice) -> bool:
    """A user is inbound only: no address of record, it cannot be called nor register."""
    return voice.type != "user"


def has_identify(voice: Voice) -> bool:
    return voice.type != "user" and is_fixed(voice)


def identify_by(voice: Voice) -> str:
    if not has_identify(voice):
        return "username"
    return "username,ip" if has_auth(voice) else "ip"


def host_text(host: str) -> str:
    """A host as it appears in a SIP URI (IPv6 in brackets)."""
    return f"[{host}]" if ip_address(host).version == 6 else host


def contact_uri(user: str, voice: Voice) -> str:
    """The static contact of a fixed host: its port spelled out and, unless it is udp (the
    URI default), its first transport as a URI parameter."""
    first = voice.transports[0]
    port = voice.port if voice.port is not None else DEFAULT_PORTS.get(first, 5060)
    uri = f"sip:{user}@{host_text(voice.host)}:{port}"
    return uri if first == "udp" else f"{uri};transport={first}"


_CONTACT = re.compile(
    r"^sips?:(?:(?P<user>[^@;]*)@)?(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<host>[^:;\[\]]+))"
    r"(?::(?P<port>[0-9]{1,5}))?(?P<params>(?:;[^;]*)*)$"
)


def contact_read(uri: str) -> tuple[str, str, int | None, str] | None:
    """A static contact read back: (user, host, port or None, transport param or "udp"),
    or None when it is not a ``sip:`` URI of that shape."""
    match = _CONTACT.match(uri.strip())
    if match is None:
        return None
    params = dict(p.partition("=")[::2] for p in match.group("params").split(";") if p)
    port = match.group("port")
    host = match.group("v6") or match.group("host")
    return (
        match.group("user") or "",
        host,
        int(port) if port else None,
        params.get("transport", "udp").lower(),
    )
