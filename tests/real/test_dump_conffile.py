"""The config reader of ``provisioner dump`` agrees with the real Asterisk's ``GetConfig``.

Each case is written into the sandbox's config directory under a name no module loads, then
read both ways: Asterisk's answer (categories, their ``Templates-`` and lines) must equal
what ``provisioner.dump.conffile`` reads from the same files.
"""

from __future__ import annotations

import pytest

from provisioner.dump.conffile import load
from provisioner.targets.ami.client import Action, AmiClient
from tests.real.sandbox import AMI_SECRET, AMI_USER, Sandbox

CASES: dict[str, dict[str, str]] = {
    "templates": {
        "main": "[t](!)\na=1\n[t2](!,t)\nb=2\n[x](t2)\nc=3\n[y](t,t2)\n",
    },
    "plus": {
        "main": (
            "[1001]\ntype=endpoint\n[1001]\ntype=aor\n[1001]\ntype=auth\n"
            "[1001](+)\nrtp_symmetric=yes\n[1001](+type=aor)\nmax_contacts=1\n[A]\n[a](+)\nk=v\n"
        ),
    },
    "lines": {
        "main": (
            "[c]\nown=1\nown+=-more\nv = spaced value   ; comment\nesc=a\\;b\n"
            "blk=1 ;-- a block\nstill inside\n--; tail=2\nexten => 100,1,NoOp(x\\;y)\n"
            "noequals\n\\;key=v\n"
        ),
    },
    "stray-block-end": {"main": "[c]\nname=Ann--; note\nlost=1\n;-- reopens\nback=1\n"},
    "includes": {
        "main": "[a]\nk=1\n#include dumptest_inc_b.conf\nafter=1\n#tryinclude dumptest_none.conf\n",
        "inc_b": "orphan=1\n[b]\nkb=1\n",
    },
    "included-file-error": {
        "main": "[a]\n#include dumptest_inc_e.conf\n[after]\nx=1\n",
        "inc_e": "[b]\n[nope](+)\n[c]\n",
    },
}


def _getconfig(ami: AmiClient, name: str) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    reply = ami.request(Action("GetConfig", (("Filename", name),)))
    found: list[tuple[str, list[str], list[tuple[str, str]]]] = []
    for key, value in reply.response.headers:
        if key.startswith("Category-"):
            found.append((value, [], []))
        elif key.startswith("Templates-"):
            found[-1][1].extend(t for t in value.split(",") if t)
        elif key.startswith("Line-"):
            option, _, option_value = value.partition("=")
            found[-1][2].append((option, option_value))
    return found


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_reader_lists_what_getconfig_lists(sandbox: Sandbox, case: str) -> None:
    for part, text in CASES[case].items():
        (sandbox.etc / f"dumptest_{part}.conf").write_text(text)
    ours = [
        (c.name, c.templates, c.options) for c in load(sandbox.etc, "dumptest_main.conf").visible()
    ]
    with AmiClient("127.0.0.1", sandbox.ami_port, AMI_USER, AMI_SECRET) as ami:
        assert _getconfig(ami, "dumptest_main.conf") == ours
