"""Voice settings Asterisk would refuse or that would be unsafe, checked where they are set.

A problem in a value inherited from ``settings.defaults`` is reported once, at the defaults;
an endpoint is only blamed for a problem involving a field it sets itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from provisioner.inventory.context import Context, Entry, Finding
from provisioner.model import Voice

SECURE_TRANSPORTS = frozenset({"tls", "wss"})
NAT_COMBINABLE = frozenset({"force_rport", "comedia"})

Issue = tuple[tuple[str, ...], str]  # (fields involved, message)


def _nat(voice: Voice) -> list[Issue]:
    if len(voice.nat) > 1 and not set(voice.nat) <= NAT_COMBINABLE:
        alone = ", ".join(sorted(set(voice.nat) - NAT_COMBINABLE))
        message = (
            f"nat {alone} cannot be combined with other values: only force_rport and "
            f"comedia combine; yes, no, never and route stand alone"
        )
        return [(("nat",), message)]
    return []


def _encryption(voice: Voice) -> list[Issue]:
    if not voice.encryption:
        return []
    clear = [t for t in voice.transports if t not in SECURE_TRANSPORTS]
    if not clear:
        return []
    message = (
        f"encryption (SRTP) over {', '.join(clear)} would send the media keys in clear "
        f"(SDES keys travel in the SDP): use tls, or wss for WebRTC"
    )
    return [(("encryption", "transports"), message)]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _host(voice: Voice) -> list[Issue]:
    host = voice.host
    if host != "dynamic" and not _is_ip(host):
        return [(("host",), f"host '{host}' is neither 'dynamic' nor an IP address")]
    if host != "dynamic" and voice.type == "user":
        message = (
            "a fixed host with type user cannot be reached (a user is only matched by "
            "username): use type peer or friend"
        )
        return [(("type", "host"), message)]
    if host == "dynamic" and voice.type == "peer":
        message = "a peer is matched and reached by its address: set a fixed host IP or use friend"
        return [(("type", "host"), message)]
    if host == "dynamic" and voice.port is not None:
        return [(("port", "host"), "port only applies to a fixed host; remove it or set host")]
    return []


def _webrtc(voice: Voice) -> list[Issue]:
    web = [t for t in voice.transports if t in ("ws", "wss")]
    sip = [t for t in voice.transports if t not in ("ws", "wss")]
    if web and sip:
        message = (
            f"a WebRTC transport ({', '.join(web)}) cannot be mixed with {', '.join(sip)} "
            f"on one endpoint: WebRTC endpoints need their own"
        )
        return [(("transports",), message)]
    if web and voice.host != "dynamic":
        return [(("host", "transports"), "a WebRTC endpoint registers: host must be dynamic")]
    return []


def voice_issues(voice: Voice) -> list[Issue]:
    return [*_nat(voice), *_encryption(voice), *_host(voice), *_webrtc(voice)]


def _blame(issues: list[Issue], own: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field to point at, message) for each issue involving a field set in ``own``."""
    blamed: list[tuple[str, str]] = []
    for involved, message in issues:
        set_here = [f for f in involved if f in own]
        if set_here:
            blamed.append((set_here[0], message))
    return blamed


def _entry_findings(entry: Entry[Any]) -> list[Finding]:
    own = entry.raw.get("voice") or {}
    if not own:  # nothing set here: whatever is wrong was reported at the defaults
        return []
    blamed = _blame(voice_issues(entry.obj.voice), own)
    return [entry.finding(message, "voice", field) for field, message in blamed]


def voices(context: Context) -> list[Finding]:
    defaults_raw = context.settings_raw.get("defaults") or {}
    findings = [
        finding
        for field, message in _blame(voice_issues(context.settings.defaults), defaults_raw)
        for finding in context.settings_finding(message, "defaults", field)
    ]
    if "settings" in context.incomplete:
        return findings  # the defaults endpoints inherit are in the broken settings file
    for agent in context.agents:
        findings.extend(_entry_findings(agent))
    for phone in context.phones:
        findings.extend(_entry_findings(phone))
    return findings
