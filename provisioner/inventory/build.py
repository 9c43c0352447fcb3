"""Schema-valid plain data -> the frozen model (defaults merged, secrets as references)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields, replace
from typing import Any

from provisioner.model import (
    CHANNEL_KINDS,
    Agent,
    AgiServer,
    ApiToken,
    ChannelSetting,
    FeatureCodes,
    Lockout,
    LogLevel,
    PauseReason,
    Permissions,
    Phone,
    Queue,
    QueueMembership,
    Scope,
    SecretRef,
    SecretSource,
    Server,
    Settings,
    Source,
    Supervisor,
    Voice,
)

Raw = Mapping[str, Any]
_TUPLE_FIELDS = ("transports", "codecs")
SECRET_SOURCES: tuple[SecretSource, ...] = ("env", "file", "derive")


def voice_overrides(raw: Raw | None) -> dict[str, Any]:
    """The fields a ``voice`` mapping sets, converted to the model's types."""
    if not raw:
        return {}
    fields: dict[str, Any] = dict(raw)
    for name in _TUPLE_FIELDS:
        if name in fields:
            fields[name] = tuple(fields[name])
    if "nat" in fields:
        nat = fields["nat"]
        fields["nat"] = (nat,) if isinstance(nat, str) else tuple(nat)
    for name in ("call_group", "pickup_group"):
        if name in fields:
            fields[name] = str(fields[name])
    return fields


def merged_voice(defaults: Voice, raw: Raw | None) -> Voice:
    overrides = voice_overrides(raw)
    return replace(defaults, **overrides) if overrides else defaults


def secret_ref(raw: Raw | None, kind: str, ident: str) -> SecretRef:
    """The declared secret source, or derivation from the label ``<kind>/<id>``."""
    if not raw:
        return SecretRef("derive", f"{kind}/{ident}")
    for source in SECRET_SOURCES:
        if source in raw:
            return SecretRef(source, str(raw[source]))
    raise ValueError(f"no secret source in {sorted(raw)}")


def _channels(raw: Raw | None) -> tuple[ChannelSetting, ...]:
    if not raw:
        return ()
    return tuple(
        ChannelSetting(
            kind=kind,
            enabled=bool(raw[kind].get("enabled", True)),
            capacity=int(raw[kind].get("capacity", 1)),
        )
        for kind in CHANNEL_KINDS
        if kind in raw
    )


def _permissions(raw: Raw | None) -> Permissions:
    if not raw:
        return Permissions()
    reasons = raw.get("pause_reasons")
    return Permissions(
        pause=bool(raw.get("pause", True)),
        pause_reasons=tuple(reasons) if reasons is not None else None,
        logout=bool(raw.get("logout", True)),
        choose_interface=bool(raw.get("choose_interface", True)),
        spy=bool(raw.get("spy", False)),
    )


def agent(raw: Raw, defaults: Voice, source: Source) -> Agent:
    ident = raw["id"]
    return Agent(
        id=ident,
        name=raw["name"],
        extension=raw["extension"],
        pin_hash=raw["pin"],
        secret=secret_ref(raw.get("secret"), "agent", ident),
        hot_desk=bool(raw.get("hot_desk", False)),
        phone=raw.get("phone"),
        mobile=raw.get("mobile"),
        default_interface=raw.get("default_interface", "internal"),
        queues=tuple(
            QueueMembership(queue=m["queue"], penalty=int(m.get("penalty", 0)))
            for m in raw.get("queues") or ()
        ),
        voice=merged_voice(defaults, raw.get("voice")),
        channels=_channels(raw.get("channels")),
        permissions=_permissions(raw.get("permissions")),
        client_logs=client_log_level(raw.get("client_logs")),
        login_paused=raw.get("login_paused"),
        source=source,
    )


def client_log_level(raw: Any) -> LogLevel | None:
    """``client_logs``: ``true`` is ``info``, ``{level: ...}`` that level, else off."""
    if isinstance(raw, Mapping):
        level: LogLevel = raw.get("level", "info")
        return level
    return "info" if raw is True else None


def phone(raw: Raw, defaults: Voice, source: Source) -> Phone:
    ident = raw["id"]
    return Phone(
        id=ident,
        extension=raw["extension"],
        secret=secret_ref(raw.get("secret"), "phone", ident),
        name=raw.get("name", ""),
        site=raw.get("site", ""),
        voice=merged_voice(defaults, raw.get("voice")),
        source=source,
    )


_QUEUE_SCALARS = tuple(
    f.name for f in fields(Queue) if f.name not in ("name", "members", "extra_numbers", "source")
)


def queue(raw: Raw, source: Source) -> Queue:
    """A queue without members: they are computed once every agent is known."""
    values = {k: raw[k] for k in _QUEUE_SCALARS if k in raw}
    for name in ("announce_position", "announce_holdtime"):  # YAML reads yes/no as booleans
        if isinstance(values.get(name), bool):
            values[name] = "yes" if values[name] else "no"
    if "extra_numbers" in raw:
        values["extra_numbers"] = tuple(raw["extra_numbers"])
    return Queue(name=raw["name"], source=source, **values)


def _names(raw: Any) -> tuple[str, ...] | None:
    return tuple(raw) if raw is not None else None


def server(raw: Raw) -> Server:
    return Server(
        name=raw["name"],
        target=raw["target"],
        secret_env=raw.get("secret_env"),
        agents=_names(raw.get("agents")),
        phones=_names(raw.get("phones")),
        queues=_names(raw.get("queues")),
    )


def scope(raw: Raw) -> Scope:
    return Scope(
        all=bool(raw.get("all", False)),
        queues=tuple(raw.get("queues") or ()),
        agents=tuple(raw.get("agents") or ()),
    )


def supervisor(raw: Raw) -> Supervisor:
    return Supervisor(id=raw["id"], name=raw["name"], pin_hash=raw["pin"], scope=scope(raw))


def token(raw: Raw) -> ApiToken:
    return ApiToken(id=raw["id"], hash=raw["hash"], scope=scope(raw))


def agi_servers(raw: Raw | list[Raw] | None) -> tuple[AgiServer, ...]:
    """``agi``: one server (a mapping) or several, tried in order (a list)."""
    if raw is None:
        return (AgiServer(),)
    return tuple(AgiServer(**item) for item in ([raw] if isinstance(raw, Mapping) else raw))


def settings(raw: Raw | None, source: Source | None = None) -> Settings:
    """Settings from the ``settings`` mapping (``None`` when there is no settings file)."""
    base = Settings() if source is None else Settings(source=source)
    if not raw:
        return base
    reasons = sorted(raw.get("pause_reasons") or (), key=lambda r: r["code"])
    outbound = raw.get("outbound") or {}
    return Settings(
        defaults=merged_voice(Voice(), raw.get("defaults")),
        pause_reasons=tuple(
            PauseReason(code=r["code"], name=r["name"], description=r.get("description", ""))
            for r in reasons
        ),
        feature_codes=FeatureCodes(**(raw.get("feature_codes") or {})),
        agi=agi_servers(raw.get("agi")),
        lockout=Lockout(**(raw.get("lockout") or {})),
        master_key_env=(raw.get("secrets") or {}).get("master_key_env", base.master_key_env),
        outbound_context=outbound.get("context", base.outbound_context),
        outbound_trunk=outbound.get("trunk"),
        servers=tuple(server(s) for s in raw.get("servers") or ()),
        supervisors=tuple(supervisor(s) for s in raw.get("supervisors") or ()),
        tokens=tuple(token(t) for t in raw.get("tokens") or ()),
        source=base.source,
    )
