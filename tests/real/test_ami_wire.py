"""What UpdateConfig does with a variable named like a comment, on the real Asterisk: the
AMI target's managed-by note relies on it (finding 7). Recorded as
``tests/real/transcripts/real-ami-01-comment-variable.txt`` (compared every run; replayed
against the fake in ``tests/fakes/test_replay_real_ami.py``)."""

from __future__ import annotations

import os

from provisioner.targets.ami.updates import NOTE_KEY
from tests.fakes.transcripts import normalize
from tests.real.center import Center
from tests.real.probe import TRANSCRIPTS, AmiStep, record_ami

RECORD = os.environ.get("GITOPS_RECORD_TRANSCRIPTS", "") not in ("", "0")
FILE = "gitops_probe.conf"
NAME = "real-ami-01-comment-variable.txt"


def update(*actions: dict[str, str]) -> AmiStep:
    headers = {"SrcFilename": FILE, "DstFilename": FILE}
    for number, action in enumerate(actions):
        headers.update({f"{key}-{number:06d}": value for key, value in action.items()})
    return ("UpdateConfig", headers)


STEPS: list[AmiStep] = [
    update(
        {"Action": "NewCat", "Cat": "probe"},
        {"Action": "Append", "Cat": "probe", "Var": NOTE_KEY, "Value": "queue:probe"},
        {"Action": "Append", "Cat": "probe", "Var": "strategy", "Value": "ringall"},
        {"Action": "Append", "Cat": "probe", "Var": "timeout", "Value": "15"},
    ),
    FILE,
    update({"Action": "Append", "Cat": "probe", "Var": "retry", "Value": "5"}),
    FILE,
    ("GetConfig", {"Filename": FILE}),
    update({"Action": "Delete", "Cat": "probe", "Var": "strategy"}),
    FILE,
]
TITLE = (
    "UpdateConfig: a variable named '; ...' is saved as its line and read back as a comment"
    " of the next line: kept by later saves, not in GetConfig, gone with that line"
)


def test_a_variable_named_like_a_comment_becomes_one(center: Center) -> None:
    (center.sandbox.etc / FILE).write_text("")  # UpdateConfig needs the file to exist
    text = record_ami(center.sandbox, TITLE, STEPS)
    path = TRANSCRIPTS / NAME
    if RECORD:
        path.write_text(text)
    assert [normalize(x) for x in text.splitlines()] == [
        normalize(x) for x in path.read_text().splitlines()
    ]
