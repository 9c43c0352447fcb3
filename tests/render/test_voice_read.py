"""The voice table read both ways: every ``*_read`` gives back what its renderer wrote."""

from __future__ import annotations

import pytest

from provisioner.model import CODECS, Queue, Voice
from provisioner.render import voice as v
from provisioner.render.queues import (
    DIALPLAN_FIELDS,
    FIXED_OPTIONS,
    QUEUE_OPTIONS,
    queue_object,
)


def test_every_nat_rendering_reads_back_as_a_setting_that_renders_it() -> None:
    assert set(v.NAT_READ) == set(v.NAT_MAP.values())
    for triple in v.NAT_MAP.values():
        read = v.nat_read(triple)
        assert read is not None
        key = v.nat_key(read)
        assert key is not None and v.NAT_MAP[key] == triple


def test_pjsip_defaults_have_no_nat_setting() -> None:
    # force_rport=yes, rtp_symmetric=no, rewrite_contact=no: what an endpoint without any
    # of the three has; the inventory cannot express it exactly.
    assert v.nat_read(("yes", "no", "no")) is None


@pytest.mark.parametrize("video", [False, True])
@pytest.mark.parametrize("codecs", [("ulaw",), ("g722", "ulaw", "alaw"), CODECS])
def test_allow_reads_back_codecs_in_order_and_video(codecs: tuple, video: bool) -> None:
    voice = Voice(codecs=codecs, video=video)
    assert v.allow_read(v.allow(voice).split(",")) == (codecs, video, ())


def test_allow_read_keeps_formats_the_inventory_has_no_codec_for() -> None:
    assert v.allow_read(["g726", "ulaw", "vp8"]) == (("ulaw",), False, ("g726", "vp8"))


@pytest.mark.parametrize(
    ("voice", "expected"),
    [
        (Voice(host="10.0.0.9"), ("a", "10.0.0.9", 5060, "udp")),
        (Voice(host="10.0.0.9", port=5062), ("a", "10.0.0.9", 5062, "udp")),
        (Voice(host="10.0.0.9", transports=("tcp",)), ("a", "10.0.0.9", 5060, "tcp")),
        (Voice(host="2001:db8::5", transports=("tls",)), ("a", "2001:db8::5", 5061, "tls")),
    ],
)
def test_contact_reads_back_host_port_and_transport(
    voice: Voice, expected: tuple[str, str, int, str]
) -> None:
    assert v.contact_read(v.contact_uri("a", voice)) == expected


def test_contact_read_takes_hand_written_forms_and_refuses_others() -> None:
    assert v.contact_read("sip:10.0.0.9") == ("", "10.0.0.9", None, "udp")
    assert v.contact_read("sip:x@pbx.example.com:5070;transport=TCP") == (
        "x",
        "pbx.example.com",
        5070,
        "tcp",
    )
    assert v.contact_read("tel:+331234") is None


def test_queue_table_covers_every_queue_setting_in_render_order() -> None:
    settable = {f for f in Queue.__dataclass_fields__ if f not in ("name", "members", "source")}
    assert {name for name, _ in QUEUE_OPTIONS} == settable - set(DIALPLAN_FIELDS)
    assert set(DIALPLAN_FIELDS) <= settable
    rendered = queue_object(Queue(name="q")).options
    assert [k for k, _ in rendered] == [o for _, o in QUEUE_OPTIONS] + [k for k, _ in FIXED_OPTIONS]
