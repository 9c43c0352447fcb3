"""Endpoints read back into voice settings (``provisioner.dump.endpoint``).

The table both directions read: whatever ``render`` writes for a voice reads back as a voice
that renders exactly the same objects. Recording is left out: it lives in the dialplan, and
only shows in PJSIP as direct_media=no, which the report then lists as a change.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

from provisioner.dump.endpoint import Device, Unmappable, formats, read_device, split_callerid
from provisioner.model import SecretRef, Voice
from provisioner.render.objects import ConfigObject
from provisioner.render.pjsip import Device as Rendered
from provisioner.render.pjsip import device_objects
from provisioner.render.voice_rules import voice_findings
from provisioner.targets.snapshot import Section

SECRET = SecretRef("derive", "agent/a")


def _rendered(voice: Voice) -> tuple[ConfigObject, ...]:
    device = Rendered("agent:a", "a", "1001", "Ann Martin", voice, SECRET)
    return device_objects(device, lambda ref: "pw")


def _live(objects: tuple[ConfigObject, ...]) -> Device:
    by_kind = {o.kind: Section(o.name, o.options, "pjsip.conf") for o in objects}
    identify = by_kind.get("identify")
    return Device(
        by_kind["endpoint"],
        by_kind.get("aor"),
        by_kind.get("auth"),
        (identify,) if identify else (),
    )


def _voices() -> list[Voice]:
    grid = itertools.product(
        [("udp",), ("tcp", "udp"), ("tls",), ("wss",), ("ws",)],
        ["dynamic", "10.0.0.9", "2001:db8::9"],
        [None, 5062],
        [
            ("yes",),
            ("no",),
            ("force_rport",),
            ("comedia",),
            ("force_rport", "comedia"),
            ("never",),
            ("route",),
        ],
        ["user", "peer", "friend"],
        [("ulaw", "alaw"), ("opus", "g722")],
        [False, True],  # video
        [False, True],  # encryption
        [False, True],  # chanspy
    )
    voices = []
    for transports, host, port, nat, kind, codecs, video, encryption, spy in grid:
        voice = Voice(
            transports=transports,
            host=host,
            port=port,
            nat=nat,
            type=kind,
            codecs=codecs,
            video=video,
            encryption=encryption,
            chanspy=spy,
            call_group="1,3-5" if spy else None,
        )
        if not voice_findings(voice) and not (encryption and transports[0] in ("udp", "tcp")):
            voices.append(voice)
    return voices


def test_every_voice_reads_back_as_one_rendering_the_very_same_objects() -> None:
    voices = _voices()
    assert len(voices) > 1000
    for voice in voices:
        objects = _rendered(voice)
        read = read_device(_live(objects), {}).voice
        assert _rendered(read) == objects, voice


def test_the_nearest_nat_setting_is_read_when_none_renders_the_live_options() -> None:
    endpoint = Section("a", (("type", "endpoint"), ("allow", "ulaw")), "x")  # PJSIP's defaults
    reading = read_device(Device(endpoint, Section("a", (("type", "aor"),), "x")), {})
    # force_rport=yes, rtp_symmetric=no, rewrite_contact=no, direct_media=yes: 'no' renders
    # one value differently (force_rport), 'force_rport' three (rewrite_contact, direct_media)
    assert reading.voice.nat == ("no",)
    assert reading.voice.context == "default"


@pytest.mark.parametrize(
    ("options", "transports", "encryption"),
    [
        ((("webrtc", "yes"), ("media_encryption", "no")), ("wss",), False),
        ((("media_encryption", "sdes"),), ("tls",), True),
        ((("transport", "t-tcp"),), ("tcp",), False),
        ((("transport", "unknown"),), ("udp",), False),
    ],
)
def test_transports_come_from_webrtc_srtp_or_a_pinned_transport(
    options: tuple[tuple[str, str], ...], transports: tuple[str, ...], encryption: bool
) -> None:
    endpoint = Section("a", (("type", "endpoint"), ("allow", "ulaw"), *options), "x")
    voice = read_device(Device(endpoint, Section("a", (("type", "aor"),), "x")), {"t-tcp": "tcp"})
    assert (voice.voice.transports, voice.voice.encryption) == (transports, encryption)


@pytest.mark.parametrize(
    ("aor", "auth", "message"),
    [
        ((("contact", "sip:trunk.example.com"),), True, "is a name, not an IP address"),
        ((("contact", "tel:+33"),), True, "is not a sip: URI"),
        (None, False, "neither an aor nor an auth"),
    ],
)
def test_what_the_inventory_cannot_describe_says_why(
    aor: tuple[tuple[str, str], ...] | None, auth: bool, message: str
) -> None:
    endpoint = Section("a", (("type", "endpoint"), ("allow", "ulaw")), "x")
    device = Device(
        endpoint,
        Section("a", (("type", "aor"), *aor), "x") if aor is not None else None,
        Section("a", (("type", "auth"),), "x") if auth else None,
    )
    with pytest.raises(Unmappable, match=message):
        read_device(device, {})


def test_no_known_codec_cannot_be_mapped() -> None:
    endpoint = Section("a", (("type", "endpoint"), ("allow", "g726")), "x")
    with pytest.raises(Unmappable, match="no codec the inventory knows"):
        read_device(Device(endpoint, Section("a", (("type", "aor"),), "x")), {})


def test_values_the_inventory_refuses_but_can_do_without_are_left_at_their_default() -> None:
    options = (("type", "endpoint"), ("allow", "ulaw"), ("call_group", "1,70"))
    reading = read_device(Device(Section("a", options, "x"), Section("a", (), "x")), {})
    assert reading.voice.call_group is None
    assert [name for name, _ in reading.dropped] == ["call_group"]


def test_allow_and_disallow_lines_leave_formats_in_order() -> None:
    options = (
        ("disallow", "all"),
        ("allow", "ulaw,alaw"),
        ("allow", "!ulaw,g722"),
        ("allow", "ulaw"),
        ("disallow", "alaw"),
    )
    assert formats(Section("a", options, "x")) == ["g722", "ulaw"]


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ('"Ann Martin" <1001>', ("Ann Martin", "1001")),
        ("Bob Stone <1002>", ("Bob Stone", "1002")),
        ("<1003>", ("", "1003")),
        ("1004", ("", "1004")),
        ("Lobby", ("Lobby", "")),
    ],
)
def test_caller_ids_split_as_asterisk_splits_them(text: str, split: tuple[str, str]) -> None:
    assert split_callerid(text) == split


def test_an_endpoint_rendered_by_asterisk_gitops_says_whose_it_is() -> None:
    reading = read_device(_live(_rendered(replace(Voice(), chanspy=True))), {})
    assert reading.marker == "agent:a"
    assert reading.voice.chanspy
