"""PJSIP objects of one agent's or phone's own endpoint: endpoint, aor, auth, identify.

All four are named after the agent/phone id (PJSIP tells same-named objects apart by type).
Which of them exist depends on ``voice.type`` and ``voice.host`` (see ``voice.has_*``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from provisioner.errors import RenderError, SecretError
from provisioner.model import Agent, Phone, SecretRef, Voice
from provisioner.render import voice as v
from provisioner.render.objects import PJSIP_FILE, ConfigObject

Options = tuple[tuple[str, str], ...]
SPY_GROUP = "gitops"
SPY_VAR = f"SPYGROUP={SPY_GROUP}"  # set_var= of an endpoint whose calls may be spied on
MANAGED_VAR = "GITOPS_MANAGED"  # set_var=GITOPS_MANAGED=<owner> on every endpoint rendered


@dataclass(frozen=True)
class Device:
    """What the PJSIP objects of an agent's or phone's endpoint are made from."""

    owner: str  # "agent:<id>" / "phone:<id>"
    id: str
    extension: str
    display_name: str
    voice: Voice
    secret: SecretRef


def agent_device(agent: Agent) -> Device:
    return Device(
        f"agent:{agent.id}", agent.id, agent.extension, agent.name, agent.voice, agent.secret
    )


def phone_device(phone: Phone) -> Device:
    name = phone.name or phone.id
    return Device(f"phone:{phone.id}", phone.id, phone.extension, name, phone.voice, phone.secret)


def callerid(device: Device) -> str:
    if device.voice.callerid is not None:
        return device.voice.callerid
    return f'"{device.display_name}" <{device.extension}>'


@dataclass(frozen=True)
class VoiceParts:
    """What a device's PJSIP objects take from its voice alone (the same for every device
    sharing that voice, so ``render`` works it out once per distinct voice)."""

    head: Options  # endpoint options before callerid
    middle: Options  # endpoint options from identify_by to pickup_group
    tail: Options  # endpoint options after the GITOPS_MANAGED variable
    aor: bool
    auth: bool
    identify: bool


def voice_parts(voice: Voice) -> VoiceParts:
    head = (("context", voice.context), ("disallow", "all"), ("allow", v.allow(voice)))
    middle: list[tuple[str, str]] = [("identify_by", v.identify_by(voice))]
    middle.extend(v.nat_options(voice))
    middle.append(("direct_media", v.direct_media(voice)))
    if v.is_web(voice):
        middle.append(v.WEBRTC_OPTION)
    middle.append(("media_encryption", v.media_encryption(voice)))
    if v.is_web(voice):
        middle.append(v.WEBRTC_CERT_OPTION)
    for name in v.GROUP_OPTIONS:
        value: str | None = getattr(voice, name)
        if value:
            middle.append((name, value))
    tail = (("set_var", SPY_VAR),) if voice.chanspy else ()
    return VoiceParts(
        head, tuple(middle), tail, v.has_aor(voice), v.has_auth(voice), v.has_identify(voice)
    )


def device_objects(
    device: Device, secret: Callable[[SecretRef], str], parts: VoiceParts | None = None
) -> tuple[ConfigObject, ...]:
    """The PJSIP objects of ``device``, endpoint first (``parts``: of its voice, if known)."""
    voice = device.voice
    parts = parts or voice_parts(voice)
    objects = [_object(device, "endpoint", _endpoint_options(device, parts))]
    if parts.aor:
        objects.append(_object(device, "aor", _aor_options(device)))
    if parts.auth:
        objects.append(_object(device, "auth", _auth_options(device, secret)))
    if parts.identify:
        options = (("endpoint", device.id), ("match", voice.host))
        objects.append(_object(device, "identify", options))
    return tuple(objects)


def _object(device: Device, kind: str, options: Options) -> ConfigObject:
    return ConfigObject(PJSIP_FILE, kind, device.id, (("type", kind), *options), device.owner)


def _endpoint_options(device: Device, parts: VoiceParts) -> Options:
    options = [*parts.head, ("callerid", callerid(device))]
    if parts.aor:
        options.append(("aors", device.id))
    if parts.auth:
        options.append(("auth", device.id))
    options.extend(parts.middle)
    options.append(("set_var", f"{MANAGED_VAR}={device.owner}"))
    options.extend(parts.tail)
    return tuple(options)


def _aor_options(device: Device) -> Options:
    voice = device.voice
    if v.is_fixed(voice):
        return (
            ("contact", v.contact_uri(device.id, voice)),
            ("qualify_frequency", v.QUALIFY_SECONDS),
        )
    return (*v.DYNAMIC_AOR_OPTIONS, ("qualify_frequency", v.QUALIFY_SECONDS))


def _auth_options(device: Device, secret: Callable[[SecretRef], str]) -> Options:
    try:
        password = secret(device.secret)
    except SecretError as e:
        raise SecretError(f"{device.owner}: {e}") from e
    refusal = password_refusal(password)
    if refusal is not None:
        raise RenderError(f"{device.owner}: its SIP password {refusal}")
    return (("auth_type", "userpass"), ("username", device.id), ("password", password))


def password_refusal(password: str) -> str | None:
    """Why a SIP password cannot be written to pjsip.conf (``is ...``), or None when it can.

    Shared by ``render`` and ``validate``'s secret check. Never includes the password.
    """
    if not password:
        return "is empty"
    if password != password.strip():
        return "has leading or trailing spaces, which Asterisk strips from config values"
    if any(c in password for c in "\r\n\0"):
        return "holds a line break or NUL, which ends a line of Asterisk's config files"
    if ";" in password:
        return "holds ';', which starts a comment in Asterisk's config files"
    return None
