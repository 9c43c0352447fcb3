"""AMI framing, encoding and redaction, on wire text taken from the transcripts."""

from __future__ import annotations

import pytest

from provisioner.targets.ami.errors import AmiProtocolError
from provisioner.targets.ami.protocol import Framer, encode_action, redact_headers
from provisioner.targets.ami.record import StoredRecord, parse_tree, record_actions
from provisioner.targets.ami.state import parse_config
from provisioner.targets.base import StateRecord


def wire(*lines: str) -> bytes:
    return "".join(f"{line}\r\n" for line in lines).encode()


def test_stray_bare_newline_before_terminator_is_tolerated() -> None:
    # ami-06 / ami-09: "Message: Unable to retrieve endpoint 1002\n" then "\r\n\r\n".
    data = b"Response: Error\r\nActionID: e1\r\nMessage: Unable to retrieve endpoint 1002\n\r\n\r\n"
    data += wire("Response: Success", "ActionID: e2", "Ping: Pong", "")
    messages = Framer().feed(data)
    assert [m.action_id for m in messages] == ["e1", "e2"]
    assert messages[0].get("Message") == "Unable to retrieve endpoint 1002"


def test_messages_split_across_reads_are_reassembled() -> None:
    data = wire("Response: Success", "ActionID: g1", "Category-000000: 1001", "")
    framer = Framer()
    got = [m for i in range(len(data)) for m in framer.feed(data[i : i + 1])]
    assert len(got) == 1
    assert got[0].get("Category-000000") == "1001"


def test_banner_is_read_as_a_line_before_messages() -> None:
    framer = Framer()
    framer.append(b"Asterisk Call Manager/11.0.0\r\nResponse: Success\r\nActionID: l\r\n\r\n")
    assert framer.take_line() == "Asterisk Call Manager/11.0.0"
    assert [m.action_id for m in framer.pop_messages()] == ["l"]


def test_empty_values_and_values_with_colons_survive() -> None:
    (message,) = Framer().feed(wire("Event: EndpointList", "OutboundAuths: ", "Uri: sip:a@b:5", ""))
    assert message.get("OutboundAuths") == ""
    assert message.get("Uri") == "sip:a@b:5"


def test_a_line_that_is_not_a_header_is_a_protocol_error() -> None:
    with pytest.raises(AmiProtocolError):
        Framer().feed(b"garbage without colon\r\n\r\n")


def test_encode_refuses_line_breaks_in_values() -> None:
    with pytest.raises(AmiProtocolError, match="line break"):
        encode_action("DBPut", "x", [("Val", "a\r\nAction: Logoff")])


def test_encode_keeps_special_characters() -> None:
    raw = encode_action("UpdateConfig", "u1", [("Value-000000", '"Agent One" <1001>;x=y')])
    assert raw.endswith(b'Value-000000: "Agent One" <1001>;x=y\r\n\r\n')


def test_redaction_of_login_updateconfig_and_config_lines() -> None:
    headers = [
        ("Secret", "gitops-secret"),
        ("Var-000003", "password"),
        ("Value-000003", "s3cret-1001"),
        ("Var-000004", "username"),
        ("Value-000004", "1001"),
        ("Line-000002-000003", "password=s3cret-1001"),
        ("Password", "alice-secret"),
    ]
    text = repr(redact_headers(headers))
    assert "s3cret" not in text and "gitops-secret" not in text and "alice-secret" not in text
    assert ("Value-000004", "1001") in redact_headers(headers)


def test_redaction_goes_by_what_the_option_is_in_any_case() -> None:
    headers = [
        ("Var-000001", "MD5_Cred"),
        ("Value-000001", "hand-md5"),
        ("Var-000002", "Password"),
        ("Match-000002", "old-pw"),
        ("Line-000002-000004", "md5_cred = line-md5"),
        ("Line-000002-000005", "SECRET=line-secret"),
        ("MD5Cred", "detail-md5"),
        ("OAuthSecret", "detail-oauth"),
    ]
    text = repr(redact_headers(headers))
    for value in ("hand-md5", "old-pw", "line-md5", "line-secret", "detail-md5", "detail-oauth"):
        assert value not in text


def test_getconfig_keeps_same_named_categories_apart() -> None:
    # ami-02 g8: endpoint, aor and auth; endpoint and aor are both named 1001.
    (response,) = Framer().feed(
        wire(
            "Response: Success",
            "ActionID: g8",
            "Category-000000: 1001",
            "Line-000000-000000: type=endpoint",
            'Line-000000-000001: callerid="Agent One" <1001>',
            "Category-000001: 1001",
            "Line-000001-000000: type=aor",
            "Line-000001-000001: max_contacts=1",
            "Category-000002: 1001-auth",
            "Line-000002-000000: type=auth",
            "Line-000002-000001: password=a=b",
            "",
        )
    )
    objects = parse_config("pjsip_gitops.conf", response)
    assert [o.key for o in objects] == [
        ("pjsip_gitops.conf", "endpoint", "1001"),
        ("pjsip_gitops.conf", "aor", "1001"),
        ("pjsip_gitops.conf", "auth", "1001-auth"),
    ]
    assert objects[0].get("callerid") == '"Agent One" <1001>'
    assert objects[2].get("password") == "a=b"


def test_dbgettree_parses_revision_lock_and_managed_buckets() -> None:
    events = Framer().feed(
        wire("Event: DBGetTreeResponse", "Key: /gitops/state/revision", "Val: abc123", "")
        + wire("Event: DBGetTreeResponse", "Key: /gitops/state/lock", "Val: 99 t ci-1", "")
        + wire("Event: DBGetTreeResponse", "Key: /gitops/state/buckets", "Val: 16", "")
        + wire(
            "Event: DBGetTreeResponse",
            "Key: /gitops/state/managed/3",
            "Val: p/endpoint/a/b;q/queue/sales",
            "",
        )
    )
    stored = parse_tree(events)
    assert stored.record.revision == "abc123"
    assert stored.lock == "99 t ci-1"
    assert stored.stored.buckets == 16
    assert stored.record.managed == frozenset(
        {("pjsip_gitops.conf", "endpoint", "a/b"), ("queues_gitops.conf", "queue", "sales")}
    )


def test_the_record_grows_its_buckets_and_round_trips() -> None:
    keys = frozenset(
        ("pjsip_gitops.conf", kind, f"agent-{n:05d}")
        for n in range(3000)
        for kind in ("endpoint", "aor", "auth")
    )
    actions, stored = record_actions(StoredRecord(), StateRecord("r1", keys))
    assert stored.buckets > 16 and stored.record == StateRecord("r1", keys)
    assert all(len(v.encode()) <= 900 for v in stored.values.values())
    assert len(actions) == len(stored.values) + 2  # every bucket, the count, the revision
    one_more = keys | {("queues_gitops.conf", "queue", "new")}
    actions, again = record_actions(stored, StateRecord("r2", one_more))
    assert len(actions) == 2 and again.buckets == stored.buckets  # one bucket, the revision
    assert record_actions(again, StateRecord("r2", one_more))[0] == []


def test_encode_refuses_what_asterisk_would_not_read() -> None:
    with pytest.raises(AmiProtocolError, match="at most 128"):
        encode_action("UpdateConfig", "u1", [(f"H-{n}", "x") for n in range(127)])
    with pytest.raises(AmiProtocolError, match="too long"):
        encode_action("DBPut", "d1", [("Val", "x" * 1100)])
    assert encode_action("Ping", "p", [(f"H-{n}", "x") for n in range(126)])


def test_a_bare_newline_inside_a_message_does_not_split_it() -> None:
    data = b"Response: Error\r\nMessage: odd\n\r\nActionID: e9\r\n\r\n"
    (message,) = Framer().feed(data)
    assert message.action_id == "e9" and message.get("Message") == "odd"


@pytest.mark.parametrize("stray", ["", "\n"])
def test_a_message_of_many_megabytes_is_read_whole_across_its_chunks(stray: str) -> None:
    # parse_message splits a message a megabyte at a time: no header may be cut or lost
    lines = [f"Line-000000-{n:06d}: exten=s,{n},NoOp({'x' * (n % 97)})" for n in range(60000)]
    text = "Response: Success\r\nActionID: big\r\n" + "\r\n".join(lines) + stray + "\r\n\r\n"
    (message,) = Framer().feed(text.encode())
    assert len(text) > 3 << 20
    assert message.headers[2:] == tuple(tuple(line.split(": ", 1)) for line in lines)
