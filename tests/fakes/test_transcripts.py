"""The transcript parser on both layouts, and what the comparison masks (no shared/ needed)."""

from __future__ import annotations

from tests.fakes.transcripts import Step, normalize, parse, split_messages

BLOCKS = """\
<<<
Asterisk Call Manager/11.0.0\r
### Login
>>>
Action: Login
ActionID: l

<<<
Response: Error
ActionID: e3
Message: Unable to retrieve endpoint nope


### next
"""

PREFIXED = """\
# listening 2026-11-24T13:47:39
<<< agi_network: yes
<<< \n>>> ANSWER
<<< 200 result=0
---- pjsip_gitops.conf on disk ----
;!
[alice]
---- end ----
>>> Action: Ping
<<< Response: Success

"""


def test_block_layout() -> None:
    assert parse(BLOCKS) == [
        Step("expect", ("Asterisk Call Manager/11.0.0",)),
        Step("note", (), "Login"),
        Step("send", ("Action: Login", "ActionID: l", "")),
        Step(
            "expect",
            (
                "Response: Error",
                "ActionID: e3",
                "Message: Unable to retrieve endpoint nope",
                "",
                "",
            ),
        ),
        Step("note", (), "next"),
    ]


def test_prefixed_layout_with_a_file_dump() -> None:
    assert parse(PREFIXED) == [
        Step("note", (), "listening 2026-11-24T13:47:39"),
        Step("expect", ("agi_network: yes", "")),
        Step("send", ("ANSWER",)),
        Step("expect", ("200 result=0",)),
        Step("file", (";!", "[alice]"), "pjsip_gitops.conf"),
        Step("send", ("Action: Ping",)),
        Step("expect", ("Response: Success", "")),
    ]


def test_the_stray_newline_stays_with_its_message() -> None:
    lines = ("Response: Error", "Message: x", "", "", "Event: E", "")
    assert split_messages(lines) == [["Response: Error", "Message: x", "", ""], ["Event: E", ""]]


def test_only_per_run_values_are_masked() -> None:
    assert normalize("Timestamp: 1795526567.469815") == normalize("Timestamp: 1.0")
    assert normalize("LastPause: 0") != normalize("LastPause: 1795526616")
    assert normalize("agi_request: agi://127.0.0.1:4573/login") == normalize(
        "agi_request: agi://127.0.0.1:39001/login"
    )
    assert normalize("Paused: 0") != normalize("Paused: 1")
