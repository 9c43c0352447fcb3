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


def device_objects(device: Device, secret: Callable[[SecretRef], str]) -> tuple[ConfigObject, ...]:
    """The PJSIP objects of ``device``, endpoint first."""
    voice = device.voice
    objects = [_object(device, "endpoint", _endpoint_options(device))]
    if v.has_aor(voice):
        objects.append(_object(device, "aor", _aor_options(device)))
    if v.has_auth(voice):
        objects.append(_object(device, "auth", _auth_options(device, secret)))
    if v.has_identify(voice):
        options = (("endpoint", device.id), ("match", voice.host))
        objects.append(_object(device, "identify", options))
    return tuple(objects)


def _object(device: Device, kind: str, options: Options) -> ConfigObject:
    return ConfigObject(PJSIP_FILE, kind, device.id, (("type", kind), *options), device.owner)


def _endpoint_options(device: Device) -> Options:
    voice = device.voice
    options: list[tuple[str, str]] = [
        ("context", voice.context),
        ("disallow", "all"),
        ("allow", v.allow(voice)),
        ("callerid", callerid(device)),
    ]
    if v.has_aor(voice):
        options.append(("aors", device.id))
    if v.has_auth(voice):
        options.append(("auth", device.id))
    options.append(("identify_by", v.identify_by(voice)))
    options.extend(v.nat_options(voice))
    options.append(("direct_media", v.direct_media(voice)))
    if v.is_web(voice):
        options.append(("webrtc", "yes"))
    options.append(("media_encryption", v.media_encryption(voice)))
    if v.is_web(voice):
        options.append(("dtls_auto_generate_cert", "yes"))
    if voice.call_group:
        options.append(("call_group", voice.call_group))
    if voice.pickup_group:
        options.append(("pickup_group", voice.pickup_group))
    options.append(("set_var", f"GITOPS_MANAGED={device.owner}"))
    if voice.chanspy:
        options.append(("set_var", f"SPYGROUP={SPY_GROUP}"))
    return tuple(options)


def _aor_options(device: Device) -> Options:
    voice = device.voice
    if v.is_fixed(voice):
        return (
            ("contact", v.contact_uri(device.id, voice)),
            ("qualify_frequency", v.QUALIFY_SECONDS),
        )
    return (
        ("max_contacts", "1"),
        ("remove_existing", "yes"),
        ("qualify_frequency", v.QUALIFY_SECONDS),
    )


def _auth_options(device: Device, secret: Callable[[SecretRef], str]) -> Options:
    try:
        password = secret(device.secret)
    except SecretError as e:
        raise SecretError(f"{device.owner}: {e}") from e
    if not password or password != password.strip() or any(c in password for c in "\r\n;\0"):
        raise RenderError(
            f"{device.owner}: its SIP password is empty or holds a line break, ';' or"
            " surrounding spaces, which Asterisk's config files cannot hold"
        )
    return (("auth_type", "userpass"), ("username", device.id), ("password", password))
