"""The mapping of seed voice settings to PJSIP option values (docs/voice-mapping.md).

Plain functions of a ``Voice``: no I/O, no validation (``rules`` refuses what these cannot
map). Every value returned is one Asterisk 22 accepts.
"""

from __future__ import annotations

from ipaddress import ip_address

from provisioner.model import NatValue, TransportName, Voice

WEB_TRANSPORTS: frozenset[TransportName] = frozenset({"ws", "wss"})
WEBRTC_CODECS: frozenset[str] = frozenset({"opus", "ulaw", "alaw", "g722"})
DEFAULT_PORTS: dict[TransportName, int] = {"udp": 5060, "tcp": 5060, "tls": 5061}
QUALIFY_SECONDS = "60"

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
    force_rport, rtp_symmetric, rewrite_contact = NAT_MAP[key]
    return (
        ("force_rport", force_rport),
        ("rtp_symmetric", rtp_symmetric),
        ("rewrite_contact", rewrite_contact),
    )


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
        codecs.append("h264")
    return ",".join(codecs)


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
