"""PJSIP objects as res_pjsip loads them from config categories on a reload.

An object with an unknown option name or a value its handler refuses is dropped, exactly as
Asterisk's sorcery does (ami-06: ``media_encryption=bogus`` -> the endpoint does not exist
after the reload; Asterisk logs ``Error parsing media_encryption=bogus``). Refused: enum
options (media_encryption, dtmf_mode, 100rel, ...), unsigned integers (max_contacts, ...),
unknown codecs, unknown option names. Not refused, as in res_pjsip's source: booleans (any
non-true word is false) and a transport name that does not exist. Values are kept as res_pjsip
shows them over AMI (``yes`` -> ``true`` for boolean options, ``allow`` -> ``(ulaw|alaw)``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tests.fakes.config import Category, Variable
from tests.fakes.pjsip_fields import (
    AOR_FIELDS,
    AUTH_FIELDS,
    ENDPOINT_FIELDS,
    IDENTIFY_FIELDS,
    TRANSPORT_FIELDS,
)

logger = logging.getLogger(__name__)

TRUE_WORDS = frozenset({"yes", "true", "y", "t", "1", "on"})
FALSE_WORDS = frozenset({"no", "false", "n", "f", "0", "off"})
CODECS = frozenset(
    {"ulaw", "alaw", "gsm", "g722", "g729", "opus", "g726", "ilbc", "speex", "slin", "h264", "vp8"}
)
YESNO_BOOLS = frozenset({"webrtc", "send_connected_line", "trust_connected_line"})
ENUMS: Mapping[str, frozenset[str]] = {
    "media_encryption": frozenset({"no", "sdes", "dtls"}),
    "dtmf_mode": frozenset({"rfc4733", "inband", "info", "auto", "auto_info", "none"}),
    "100rel": frozenset({"no", "yes", "required", "peer_supported"}),
    "timers": frozenset({"no", "yes", "required", "always", "forced"}),
    "direct_media_method": frozenset({"invite", "reinvite", "update"}),
    "connected_line_method": frozenset({"invite", "reinvite", "update"}),
    "redirect_method": frozenset({"user", "uri_core", "uri_pjsip"}),
    "t38_udptl_ec": frozenset({"none", "fec", "redundancy"}),
    "dtls_setup": frozenset({"active", "passive", "actpass"}),
    "auth_type": frozenset({"userpass", "md5", "google_oauth", "digest"}),
    "protocol": frozenset({"udp", "tcp", "tls", "ws", "wss", "flow"}),
}
_DEFAULTS: Mapping[str, Mapping[str, str]] = {
    "endpoint": dict(ENDPOINT_FIELDS),
    "aor": dict(AOR_FIELDS),
    "auth": dict(AUTH_FIELDS),
    "transport": dict(TRANSPORT_FIELDS),
    "identify": dict(IDENTIFY_FIELDS),
}
_EXTRA_OPTIONS: Mapping[str, frozenset[str]] = {
    "endpoint": frozenset({"disallow", "allow", "set_var"}),
    "aor": frozenset(),
    "auth": frozenset(),
    "transport": frozenset(),
    "identify": frozenset(),
}


class InvalidOption(Exception):
    """An option res_pjsip would refuse: the object it belongs to is not created."""


@dataclass(frozen=True)
class PjsipObject:
    """A loaded PJSIP object: its display values (defaults filled in) and its config lines."""

    kind: str
    name: str
    values: Mapping[str, str]
    lines: tuple[tuple[str, str], ...]

    def get(self, option: str) -> str:
        return self.values.get(option, "")

    def names(self, option: str) -> list[str]:
        """A comma-separated reference option (``aors``, ``auth``) as a list of names."""
        return [part.strip() for part in self.get(option).split(",") if part.strip()]


def _bool(option: str, value: str, default: str) -> str:
    """sorcery's bool handler never fails: anything but a true word (ast_true) is false."""
    word = value.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        logger.warning("%s=%s is no boolean: Asterisk silently takes it as 'no'", option, value)
    truth = word in TRUE_WORDS
    if option in YESNO_BOOLS or default in ("yes", "no"):
        return "yes" if truth else "no"
    return "true" if truth else "false"


def _convert(option: str, value: str, default: str) -> str:
    if option in ENUMS:
        if value.strip().lower() not in ENUMS[option]:
            raise InvalidOption(f"Error parsing {option}={value}")
        return value.strip().lower()
    if default in ("true", "false") or option in YESNO_BOOLS:
        return _bool(option, value, default)
    if default.isdigit():
        if not value.strip().isdigit():
            raise InvalidOption(f"Error parsing {option}={value}")
        return str(int(value))
    if option == "qualify_timeout":
        try:
            return f"{float(value):.6f}"
        except ValueError as e:
            raise InvalidOption(f"Error parsing {option}={value}") from e
    if option in ("call_group", "pickup_group"):
        return _groups(value)
    return value


def _groups(value: str) -> str:
    """``1,3-5`` -> ``1,3,4,5``; out-of-range parts are ignored with a warning, like Asterisk."""
    numbers: set[int] = set()
    for part in value.split(","):
        low, _, high = part.strip().partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            logger.warning("ignoring invalid group %r", part)
            continue
        numbers.update(range(int(low), int(high or low) + 1))
    return ",".join(str(n) for n in sorted(numbers) if n < 64)


def _codecs(codecs: list[str], option: str, value: str) -> None:
    for codec in (c.strip().lower() for c in value.split(",")):
        if codec == "all":
            if option == "disallow":
                codecs.clear()
            else:
                codecs.extend(c for c in sorted(CODECS) if c not in codecs)
        elif codec not in CODECS:
            raise InvalidOption(f"Error parsing {option}={value}")
        elif option == "allow" and codec not in codecs:
            codecs.append(codec)
        elif option == "disallow" and codec in codecs:
            codecs.remove(codec)


def build_object(kind: str, category: Category) -> PjsipObject:
    """Build one object or raise InvalidOption naming the offending option."""
    defaults = _DEFAULTS[kind]
    values = dict(defaults)
    codecs: list[str] = []
    set_vars: list[str] = []
    for option, value in category.lines:
        if option == "type":
            continue
        if option in ("allow", "disallow") and kind == "endpoint":
            _codecs(codecs, option, value)
        elif option == "set_var" and kind == "endpoint":
            set_vars.append(value)
        elif option == "contact" and kind == "aor":
            values[option] = ",".join(v for v in (values[option], value.strip()) if v)
        elif option in defaults:
            values[option] = _convert(option, value, defaults[option])
        elif option not in _EXTRA_OPTIONS[kind]:
            raise InvalidOption(f"Could not find option suitable for {kind} named '{option}'")
    if kind == "endpoint":
        values["allow"] = "(" + "|".join(codecs) + ")" if codecs else "(nothing)"
        values["set_var"] = ";".join(set_vars)
    return PjsipObject(kind, category.name, values, tuple(category.lines))


def from_astdb(kind: str, name: str, value: str) -> PjsipObject | None:
    """The object res_sorcery_astdb makes of one AstDB value (a JSON object of strings, the
    last of a field given twice wins), or None when Asterisk cannot retrieve it: not such an
    object, an invalid value. Fields sorcery does not know are dropped silently, as
    sorcery_astdb_filter_objectset does (a config file would refuse the object)."""
    try:
        fields = json.loads(value)
    except ValueError:
        return None
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        return None  # ast_json_to_ast_variables: only strings
    known = {k: v for k, v in fields.items() if k in _DEFAULTS[kind] or k in _EXTRA_OPTIONS[kind]}
    category = Category(name, [Variable("type", kind)])
    category.variables += [Variable(k, v) for k, v in known.items()]
    try:
        obj = build_object(kind, category)
        if kind == "endpoint":
            _check_endpoint(obj, {})
    except InvalidOption as e:
        logger.warning("PJSIP %s %r could not be retrieved from AstDB: %s", kind, name, e)
        return None
    return obj


def load(categories: list[Category]) -> dict[tuple[str, str], PjsipObject]:
    """Load every valid object; invalid ones are logged and dropped, like res_pjsip does."""
    objects: dict[tuple[str, str], PjsipObject] = {}
    checks: Mapping[str, Callable[[PjsipObject, dict[tuple[str, str], PjsipObject]], None]] = {
        "endpoint": _check_endpoint,
    }
    for kind in ("transport", "auth", "aor", "endpoint", "identify"):
        for category in categories:
            if category.get("type") != kind:
                continue
            try:
                obj = build_object(kind, category)
                checks.get(kind, _no_check)(obj, objects)
            except InvalidOption as e:
                logger.warning("PJSIP %s %r dropped on reload: %s", kind, category.name, e)
                continue
            objects[(kind, category.name)] = obj
    return objects


def _no_check(obj: PjsipObject, objects: dict[tuple[str, str], PjsipObject]) -> None:
    return None


def _check_endpoint(obj: PjsipObject, objects: dict[tuple[str, str], PjsipObject]) -> None:
    """res_pjsip's endpoint apply handler: session timer limits. A missing transport is no
    load error (the endpoint loads; calls through it fail), so it is only logged."""
    if int(obj.get("timers_min_se")) < 90:
        raise InvalidOption("Session timer minimum expires time must be 90 or greater")
    if int(obj.get("timers_sess_expires")) < int(obj.get("timers_min_se")):
        raise InvalidOption("Session timer expires must be greater than minimum session expires")
    transport = obj.get("transport")
    if transport and ("transport", transport) not in objects:
        logger.warning("endpoint %s names transport %r, which does not exist", obj.name, transport)
