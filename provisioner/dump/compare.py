"""What adopting changes: the objects the dumped inventory renders vs the live ones.

Each rendered PJSIP object and queue is compared with the live object it was read from,
value by value, as Asterisk reads them (an option not set counts as its PJSIP or app_queue
default, ``yes``/``true``/``1`` are one value, ``allow=`` lines are the codec list they
leave; ``identify_by`` only counts where an identify matches the endpoint by address). Two
kinds of entries come out: options the managed object will not have (``option``)
and values it will have differently, or objects added or renamed (``change``). A dump of an
Asterisk that asterisk-gitops itself configured gives no entry for its objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from provisioner.dump.endpoint import Device, formats, is_true, split_callerid
from provisioner.dump.report import Entry
from provisioner.render.objects import ConfigObject, is_sensitive
from provisioner.render.pjsip import MANAGED_VAR
from provisioner.targets.snapshot import Section

# Defaults of Asterisk 22 (res_pjsip, app_queue) for the options that matter here.
DEFAULTS: dict[str, dict[str, str]] = {
    "endpoint": {
        "context": "default",
        "identify_by": "username,ip",
        "force_rport": "yes",
        "rtp_symmetric": "no",
        "rewrite_contact": "no",
        "direct_media": "yes",
        "media_encryption": "no",
        "webrtc": "no",
        "dtls_auto_generate_cert": "no",
        "dtmf_mode": "rfc4733",
        "use_avpf": "no",
        "ice_support": "no",
        "rtcp_mux": "no",
        "send_rpid": "no",
        "send_pai": "no",
        "trust_id_inbound": "no",
        "allow_transfer": "yes",
        "one_touch_recording": "no",
        "inband_progress": "no",
        "device_state_busy_at": "0",
        "moh_suggest": "default",
    },
    "aor": {
        "max_contacts": "0",
        "remove_existing": "no",
        "qualify_frequency": "0",
        "default_expiration": "3600",
        "minimum_expiration": "60",
        "maximum_expiration": "7200",
        "authenticate_qualify": "no",
    },
    "auth": {"auth_type": "userpass"},
    "identify": {},
    "queue": {
        "strategy": "ringall",
        "timeout": "15",
        "retry": "5",
        "wrapuptime": "0",
        "maxlen": "0",
        "weight": "0",
        "announce-frequency": "0",
        "musicclass": "default",
        "joinempty": "yes",
        "leavewhenempty": "no",
        "ringinuse": "yes",
        "setinterfacevar": "no",
        "setqueuevar": "no",
        "autofill": "yes",
    },
}
BOOLEANS = frozenset(
    {
        "force_rport",
        "rtp_symmetric",
        "rewrite_contact",
        "direct_media",
        "webrtc",
        "dtls_auto_generate_cert",
        "remove_existing",
        "ringinuse",
        "setinterfacevar",
        "setqueuevar",
        "autofill",
        "use_avpf",
        "ice_support",
        "rtcp_mux",
        "send_rpid",
        "send_pai",
        "trust_id_inbound",
        "allow_transfer",
    }
)
MULTI = frozenset({"set_var", "contact", "match", "member"})
SKIPPED = frozenset({"type", "disallow"})
# Why a value is what it is, for the options people ask about.
NOTES: dict[tuple[str, str], str] = {
    ("endpoint", "transport"): "the inventory never pins a transport: a registered phone is "
    "reached over the one it registered on (docs/voice-mapping.md)",
    ("endpoint", "direct_media"): "follows nat, SRTP, WebRTC, recording and spy in the "
    "inventory (docs/voice-mapping.md)",
    ("endpoint", "outbound_auth"): "outbound authentication (trunks) is not managed",
    ("auth", "username"): "the phone must authenticate with the new user name, or it can no "
    "longer register",
    ("queue", "member"): "static members are not managed: agents join the queue when they "
    "log in (login feature code)",
}
# What a new object means for the device.
NEW: dict[str, str] = {
    "auth": "the device must authenticate from now on, with the password of its secret source",
    "aor": "the device can register (or is reached at its fixed address) from now on",
    "identify": "calls from the device's address are matched to it by address",
}
# Why the inventory writes no object of that kind for the device.
GONE: dict[str, str] = {
    "identify": "the inventory matches a registering device by its user name, never by address",
    "aor": "a user endpoint has no aor: it cannot register nor be called",
    "auth": "a peer on a fixed address is matched by address, without a password",
}
FIXED_NOTE = "the same for every managed object (docs/voice-mapping.md)"
FIXED: frozenset[tuple[str, str]] = frozenset(
    {
        ("aor", "max_contacts"),
        ("aor", "remove_existing"),
        ("aor", "qualify_frequency"),
        ("queue", "joinempty"),
        ("queue", "leavewhenempty"),
        ("queue", "ringinuse"),
        ("queue", "setinterfacevar"),
        ("queue", "setqueuevar"),
        ("queue", "autofill"),
    }
)


def device_entries(device: Device, rendered: Sequence[ConfigObject]) -> list[Entry]:
    """What changes for one agent's or phone's objects (rendered in render's order)."""
    by_kind = {o.kind: o for o in rendered}
    live: dict[str, Section | None] = {
        "endpoint": device.endpoint,
        "aor": device.aor,
        "auth": device.auth,
        "identify": device.identifies[0] if device.identifies else None,
    }
    entries: list[Entry] = []
    for kind, section in live.items():
        entries += object_entries(kind, section, by_kind.get(kind))
    if not device.identifies and "identify" not in by_kind:
        # without an identify, matching by address never happens: identify_by changes nothing
        entries = [e for e in entries if e.option != "identify_by"]
    for extra in device.identifies[1:]:
        entries.append(_gone("identify", extra, "only one identify per endpoint is written"))
    return entries


def object_entries(kind: str, live: Section | None, managed: ConfigObject | None) -> list[Entry]:
    """The entries of one live object against the managed object replacing it."""
    if live is None and managed is None:
        return []
    if live is None:
        assert managed is not None
        return [Entry("change", f"{kind} {managed.name}", "", "", "new object", NEW.get(kind, ""))]
    if managed is None:
        return [_gone(kind, live, GONE.get(kind, "the inventory writes no such object for it"))]
    entries = list(_options(kind, live, managed))
    if live.name != managed.name:
        note = (
            "registrations are kept per aor name: the phone is unreachable until it registers again"
            if kind == "aor"
            else ""
        )
        entries.insert(0, _change(kind, live, "name", f"{live.name} -> {managed.name}", note))
    return entries


def _gone(kind: str, live: Section, why: str) -> Entry:
    return Entry("option", f"{kind} {live.name}", live.where, "", "not written", why)


def _change(kind: str, live: Section, option: str, value: str, note: str = "") -> Entry:
    return Entry("change", f"{kind} {live.name}", live.where, option, value, note)


def _options(kind: str, live: Section, managed: ConfigObject) -> Iterator[Entry]:
    keys = dict.fromkeys(
        k for k, _ in (*live.options, *managed.options) if k not in SKIPPED and not is_sensitive(k)
    )
    for key in keys:
        if key == "allow":
            yield from _allow(kind, live, managed)
        elif key in MULTI:
            yield from _multi(kind, live, managed, key)
        else:
            yield from _single(kind, live, managed, key)


def _allow(kind: str, live: Section, managed: ConfigObject) -> Iterator[Entry]:
    before = ",".join(formats(live))
    after = ",".join(formats(Section(managed.name, managed.options, "")))
    if before != after:
        yield _change(kind, live, "allow", f"{before or '(none)'} -> {after}")


def _multi(kind: str, live: Section, managed: ConfigObject, key: str) -> Iterator[Entry]:
    def values(options: Sequence[tuple[str, str]]) -> list[str]:
        found = [_normal(key, v) for k, v in options if k == key]
        return [v for v in found if not (key == "set_var" and v.startswith(f"{MANAGED_VAR}="))]

    before, after = values(live.options), values(managed.options)
    if before == after:
        return
    note = NOTES.get((kind, key), "")
    if not after:
        for value in before:
            yield Entry("option", f"{kind} {live.name}", live.where, key, value, note)
    else:
        shown = ", ".join(before) or "(none)"
        yield _change(kind, live, key, f"{shown} -> {', '.join(after)}", note)


def _single(kind: str, live: Section, managed: ConfigObject, key: str) -> Iterator[Entry]:
    value = live.get(key)
    if (kind, key) == ("endpoint", "media_encryption") and is_true(live.get("webrtc")):
        value = "dtls"  # webrtc=yes makes it dtls whatever it says (checked on Asterisk 22)
    new = managed.get(key)
    default = DEFAULTS.get(kind, {}).get(key)
    if new is None:
        if value is not None:
            same = default is not None and _normal(key, value) == _normal(key, default)
            note = "same as Asterisk's default: no change" if same else NOTES.get((kind, key), "")
            yield Entry("option", f"{kind} {live.name}", live.where, key, value, note)
        return
    before = value if value is not None else default
    if before is not None and (before == new or _normal(key, before) == _normal(key, new)):
        return
    shown = "(not set)" if before is None else before
    if value is None and before is not None:
        shown = f"{before} (Asterisk's default)"
    note = NOTES.get((kind, key)) or (FIXED_NOTE if (kind, key) in FIXED else "")
    yield _change(kind, live, key, f"{shown} -> {new}", note)


def _normal(key: str, value: str) -> str:
    """A value as Asterisk reads it, for comparing."""
    value = value.strip()
    if key in BOOLEANS:
        return "yes" if is_true(value) else "no"
    if key in ("call_group", "pickup_group"):
        return ",".join(str(n) for n in sorted(_numbers(value)))
    if key == "identify_by":
        return ",".join(sorted(p.strip() for p in value.split(",") if p.strip()))
    if key == "callerid":
        name, number = split_callerid(value)
        return f"{name}\0{number}"
    if key == "match":
        return value.removesuffix("/32").removesuffix("/128")
    return value


def _numbers(value: str) -> set[int]:
    numbers: set[int] = set()
    for part in value.split(","):
        low, _, high = part.strip().partition("-")
        if low.isdigit() and (not high or high.isdigit()):
            numbers.update(range(int(low), int(high or low) + 1))
    return numbers
