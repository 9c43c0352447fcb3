"""Checks of one ``Voice``: every value the renderer could not turn into valid PJSIP.

Each check returns ``(field, message)`` pairs; ``rules`` adds file, line and path prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from ipaddress import ip_address

from provisioner.model import CODECS, ENDPOINT_TYPES, NAT_VALUES, RECORDINGS, TRANSPORTS, Voice
from provisioner.render import voice as v
from provisioner.render.text import byte_length

Finding = tuple[str, str]  # (field under voice, message)

CONTEXT_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,78}$")
_GROUP_PART = re.compile(r"^(\d{1,2})(?:-(\d{1,2}))?$")
_CALLERID = re.compile(r'^(?:(?:"([^"\\]*)"|([^"<>]*?))\s*<([0-9+*#]{1,32})>|([0-9+*#]{1,32}))$')
# res_pjsip's callerid handler splits the value into cid_name[80] and cid_num[80].
CALLERID_NAME_BYTES = 79
UNSAFE_TEXT = re.compile(r"[;\x00-\x1f\x7f\[\]]")


def voice_findings(voice: Voice) -> list[Finding]:
    return [
        *_transports(voice),
        *_host(voice),
        *_nat(voice),
        *_type(voice),
        *_codecs(voice),
        *_media(voice),
        *_identity(voice),
    ]


def _transports(voice: Voice) -> Iterator[Finding]:
    ts = voice.transports
    if not ts:
        yield "transports", "at least one transport is needed"
        return
    for t in ts:
        if t not in TRANSPORTS:
            yield "transports", f"unknown transport {t!r} (one of {', '.join(TRANSPORTS)})"
    if len(set(ts)) != len(ts):
        yield "transports", "a transport is listed twice"
    web = {t in v.WEB_TRANSPORTS for t in ts}
    if len(web) > 1:
        yield (
            "transports",
            "ws/wss (WebRTC: webrtc=yes, DTLS, ICE) cannot be mixed with udp/tcp/tls on one"
            " endpoint; give the browser client its own agent or phone",
        )


def _host(voice: Voice) -> Iterator[Finding]:
    if voice.host != "dynamic":
        try:
            ip_address(voice.host)
        except ValueError:
            yield "host", f"{voice.host!r} is neither 'dynamic' nor an IP address"
            return
        if v.is_web(voice):
            yield "host", "a WebRTC (ws/wss) client cannot have a fixed address; use 'dynamic'"
    if voice.port is not None:
        if voice.host == "dynamic":
            yield "port", "a port is only used with a fixed host IP"
        elif not 1 <= voice.port <= 65535:
            yield "port", f"{voice.port} is not a port number (1-65535)"


def _nat(voice: Voice) -> Iterator[Finding]:
    unknown = [n for n in voice.nat if n not in NAT_VALUES]
    if unknown:
        yield "nat", f"unknown nat value {unknown[0]!r} (one of {', '.join(NAT_VALUES)})"
    elif v.nat_key(voice.nat) is None:
        yield (
            "nat",
            f"{','.join(voice.nat) or 'nothing'} is not a nat setting PJSIP can express: use one"
            " value, or the combination force_rport,comedia",
        )


def _type(voice: Voice) -> Iterator[Finding]:
    if voice.type not in ENDPOINT_TYPES:
        yield "type", f"unknown type {voice.type!r} (one of {', '.join(ENDPOINT_TYPES)})"
    elif voice.type == "user" and voice.host != "dynamic":
        yield (
            "type",
            "a user is identified by its username and never called, so a fixed host means"
            " nothing; use type peer or friend, or host dynamic",
        )


def _codecs(voice: Voice) -> Iterator[Finding]:
    if not voice.codecs:
        yield "codecs", "at least one codec is needed"
        return
    for codec in voice.codecs:
        if codec not in CODECS:
            yield "codecs", f"unknown codec {codec!r} (one of {', '.join(CODECS)})"
    if len(set(voice.codecs)) != len(voice.codecs):
        yield "codecs", "a codec is listed twice"
    if v.is_web(voice) and not set(voice.codecs) & v.WEBRTC_CODECS:
        yield "codecs", "a WebRTC client needs opus, ulaw, alaw or g722"


def _media(voice: Voice) -> Iterator[Finding]:
    if voice.recording not in RECORDINGS:
        yield "recording", f"unknown recording {voice.recording!r} (one of {', '.join(RECORDINGS)})"
    first = voice.transports[0] if voice.transports else None
    if voice.encryption and first in ("udp", "tcp"):
        yield (
            "encryption",
            "SRTP (media_encryption=sdes) sends its keys in the SDP: list tls first, or use"
            " ws/wss (DTLS)",
        )


def _identity(voice: Voice) -> Iterator[Finding]:
    if voice.callerid is not None:
        yield from _callerid(voice.callerid)
    if not CONTEXT_NAME.match(voice.context):
        yield "context", f"{voice.context!r} is not a dialplan context name"
    for name in ("call_group", "pickup_group"):
        value: str | None = getattr(voice, name)
        if value is not None and not _groups_ok(value):
            yield name, f"{value!r}: expected numbers 0-63, lists and ranges such as 1,3-5"


def _callerid(callerid: str) -> Iterator[Finding]:
    match = _CALLERID.match(callerid)
    if UNSAFE_TEXT.search(callerid) or match is None:
        yield "callerid", 'expected "Name" <number> or a number, without ; or line breaks'
        return
    name = match.group(1) or match.group(2) or ""
    size = byte_length(name)
    if size > CALLERID_NAME_BYTES:
        yield (
            "callerid",
            f"the caller ID name is {size} bytes long: Asterisk keeps at most "
            f"{CALLERID_NAME_BYTES} bytes of it (res_pjsip) and cuts the rest; shorten it",
        )


def _groups_ok(value: str) -> bool:
    parts = value.split(",")
    for part in parts:
        match = _GROUP_PART.match(part)
        if match is None:
            return False
        low = int(match.group(1))
        high = int(match.group(2) or low)
        if not 0 <= low <= high <= 63:
            return False
    return True
