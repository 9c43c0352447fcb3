"""Every seed voice setting value -> the PJSIP options documented in docs/voice-mapping.md."""

from __future__ import annotations

from dataclasses import replace

import pytest

from provisioner.model import CODECS, Inventory, NatValue, Settings, TransportName, Voice
from provisioner.render import render
from provisioner.render.objects import EXTENSIONS_FILE, ConfigObject
from tests.render.sample import agent, fake_secret


def _render_voice(voice: Voice) -> dict[str, ConfigObject]:
    """The PJSIP objects of one agent with ``voice``, by kind."""
    # A user endpoint cannot be rung: such an agent works on a phone.
    where = "phone" if voice.type == "user" else "internal"
    one = agent("1001", voice=voice, default_interface=where)
    inv = Inventory(settings=Settings(), agents=(one,), phones=(), queues=())
    return {o.kind: o for o in render(inv, fake_secret) if o.owner == "agent:1001"}


def _options(obj: ConfigObject, *keys: str) -> tuple[str | None, ...]:
    return tuple(obj.get(k) for k in keys)


@pytest.mark.parametrize(
    ("transports", "webrtc", "encryption"),
    [
        (("udp",), None, "no"),
        (("tcp", "udp"), None, "no"),
        (("tls",), None, "no"),
        (("ws",), "yes", "dtls"),
        (("wss", "ws"), "yes", "dtls"),
    ],
)
def test_ws_wss_make_the_endpoint_webrtc_and_no_transport_is_pinned(
    transports: tuple[TransportName, ...], webrtc: str | None, encryption: str
) -> None:
    """Pinning one transport would break a phone registered over another of its list."""
    endpoint = _render_voice(Voice(transports=transports))["endpoint"]
    assert _options(endpoint, "transport", "webrtc", "media_encryption") == (
        None,
        webrtc,
        encryption,
    )
    if webrtc:
        assert endpoint.get("direct_media") == "no"
        assert endpoint.get("dtls_auto_generate_cert") == "yes"


@pytest.mark.parametrize(
    ("nat", "expected"),
    [
        (("yes",), ("yes", "yes", "yes", "no")),
        (("no",), ("no", "no", "no", "yes")),
        (("force_rport",), ("yes", "no", "yes", "no")),
        (("comedia",), ("no", "yes", "no", "no")),
        (("force_rport", "comedia"), ("yes", "yes", "yes", "no")),
        (("comedia", "force_rport"), ("yes", "yes", "yes", "no")),
        (("never",), ("no", "no", "no", "yes")),
        (("route",), ("yes", "no", "yes", "no")),
    ],
)
def test_nat_values(nat: tuple[NatValue, ...], expected: tuple[str, ...]) -> None:
    endpoint = _render_voice(Voice(nat=nat))["endpoint"]
    keys = ("force_rport", "rtp_symmetric", "rewrite_contact", "direct_media")
    assert _options(endpoint, *keys) == expected


@pytest.mark.parametrize(
    "change",
    [
        {"recording": "wav"},
        {"chanspy": True},
        {"encryption": True, "transports": ("tls",)},
    ],
)
def test_direct_media_is_off_whenever_asterisk_needs_the_audio(change: dict[str, object]) -> None:
    voice = replace(Voice(nat=("no",)), **change)  # type: ignore[arg-type]
    assert _render_voice(voice)["endpoint"].get("direct_media") == "no"


@pytest.mark.parametrize(
    ("type_", "host", "kinds", "identify_by"),
    [
        ("user", "dynamic", {"endpoint", "auth"}, "username"),
        ("peer", "dynamic", {"endpoint", "aor", "auth"}, "username"),
        ("friend", "dynamic", {"endpoint", "aor", "auth"}, "username"),
        ("peer", "192.0.2.7", {"endpoint", "aor", "identify"}, "ip"),
        ("friend", "192.0.2.7", {"endpoint", "aor", "auth", "identify"}, "username,ip"),
    ],
)
def test_type_and_host_decide_which_objects_exist(
    type_: str, host: str, kinds: set[str], identify_by: str
) -> None:
    voice = Voice(type=type_, host=host)  # type: ignore[arg-type]
    objects = _render_voice(voice)
    assert set(objects) == kinds
    endpoint = objects["endpoint"]
    assert endpoint.get("identify_by") == identify_by
    assert endpoint.get("aors") == ("1001" if "aor" in kinds else None)
    assert endpoint.get("auth") == ("1001" if "auth" in kinds else None)
    assert all(o.name == "1001" for o in objects.values())


def test_dynamic_host_registers_one_contact() -> None:
    aor = _render_voice(Voice(host="dynamic"))["aor"]
    assert _options(aor, "max_contacts", "remove_existing", "contact") == ("1", "yes", None)


@pytest.mark.parametrize(
    ("host", "port", "transports", "contact"),
    [
        ("192.0.2.7", None, ("udp",), "sip:1001@192.0.2.7:5060"),
        ("192.0.2.7", 5070, ("udp", "tcp"), "sip:1001@192.0.2.7:5070"),
        ("192.0.2.7", None, ("tls", "tcp"), "sip:1001@192.0.2.7:5061;transport=tls"),
        ("2001:db8::7", None, ("tcp",), "sip:1001@[2001:db8::7]:5060;transport=tcp"),
    ],
)
def test_fixed_host_gets_a_static_contact_and_an_identify(
    host: str, port: int | None, transports: tuple[TransportName, ...], contact: str
) -> None:
    objects = _render_voice(Voice(host=host, port=port, transports=transports))
    assert objects["aor"].get("contact") == contact
    assert objects["aor"].get("max_contacts") is None
    assert _options(objects["identify"], "endpoint", "match") == ("1001", host)


@pytest.mark.parametrize("codec", CODECS)
def test_each_codec_is_allowed_after_disallow_all(codec: str) -> None:
    endpoint = _render_voice(Voice(codecs=(codec,)))["endpoint"]  # type: ignore[arg-type]
    assert _options(endpoint, "disallow", "allow") == ("all", codec)


def test_codec_order_is_kept_and_video_adds_h264_last() -> None:
    voice = Voice(codecs=("g722", "opus", "ulaw"), video=True)
    assert _render_voice(voice)["endpoint"].get("allow") == "g722,opus,ulaw,h264"
    assert _render_voice(replace(voice, video=False))["endpoint"].get("allow") == "g722,opus,ulaw"


@pytest.mark.parametrize(
    ("transports", "encryption"), [(("tls",), "sdes"), (("wss",), "dtls"), (("ws",), "dtls")]
)
def test_encryption_is_sdes_over_tls_and_dtls_for_webrtc(
    transports: tuple[TransportName, ...], encryption: str
) -> None:
    endpoint = _render_voice(Voice(transports=transports, encryption=True))["endpoint"]
    assert endpoint.get("media_encryption") == encryption


def test_caller_id_context_and_groups() -> None:
    voice = Voice(
        callerid='"Ann Smith" <2001>', context="agents-in", call_group="1,3-5", pickup_group="2"
    )
    endpoint = _render_voice(voice)["endpoint"]
    assert _options(endpoint, "callerid", "context", "call_group", "pickup_group") == (
        '"Ann Smith" <2001>',
        "agents-in",
        "1,3-5",
        "2",
    )


def test_caller_id_defaults_to_name_and_extension_and_groups_are_left_out() -> None:
    endpoint = _render_voice(Voice())["endpoint"]
    assert endpoint.get("callerid") == '"Agent 1001" <1001>'
    assert endpoint.get("call_group") is None and endpoint.get("pickup_group") is None


def test_chanspy_marks_the_endpoint_calls_with_the_spy_group() -> None:
    spied = _render_voice(Voice(chanspy=True))["endpoint"]
    plain = _render_voice(Voice())["endpoint"]
    assert ("set_var", "SPYGROUP=gitops") in spied.options
    assert ("set_var", "SPYGROUP=gitops") not in plain.options
    assert ("set_var", "GITOPS_MANAGED=agent:1001") in plain.options


@pytest.mark.parametrize("recording", ["wav", "wav49", "gsm"])
def test_recording_formats_become_mixmonitor_files(recording: str) -> None:
    inv = Inventory(
        settings=Settings(),
        agents=(agent("1001", voice=Voice(recording=recording)),),  # type: ignore[arg-type]
        phones=(),
        queues=(),
    )
    objects = {o.name: o for o in render(inv, fake_secret) if o.file == EXTENSIONS_FILE}
    for name in ("gitops-agents", "gitops-extensions"):
        monitors = [x for k, x in objects[name].options if "MixMonitor(" in x]
        assert len(monitors) == 1
        assert f"}}.{recording},b)" in monitors[0]


def test_inactive_recording_records_nothing() -> None:
    inv = Inventory(settings=Settings(), agents=(agent("1001"),), phones=(), queues=())
    assert not any("MixMonitor" in v for o in render(inv, fake_secret) for _, v in o.options)
