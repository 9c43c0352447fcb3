"""Characters other tools read as line breaks, which Asterisk's config files do not, are
refused at validate in any text of the inventory, at the field's line."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import problems_of

PIN = "pbkdf2_sha256$60000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g="
# YAML escapes of each (in double quotes): \L U+2028, \P U+2029, \N U+0085
ESCAPES = {
    "\\L": "line separator (U+2028)",
    "\\P": "paragraph separator (U+2029)",
    "\\N": "next line (U+0085)",
    "\\v": "vertical tab (U+000B)",
    "\\f": "form feed (U+000C)",
    "\\x1c": "information separator (U+001C)",
    "\\r": "carriage return (U+000D)",
}
FIELDS = {
    "name": ("agents.yaml", 'agents:\n  - id: ann\n    name: "A{c}nn"\n'),
    "voice.callerid": (
        "agents.yaml",
        'agents:\n  - id: ann\n    name: Ann\n    voice:\n      callerid: "\\"A{c}\\" <1001>"\n',
    ),
    "description": (
        "settings.yaml",
        'settings:\n  pause_reasons:\n    - {{code: 1, name: lunch, description: "a{c}b"}}\n',
    ),
    "site": ("phones.yaml", 'phones:\n  - id: p1\n    extension: "2001"\n    site: "a{c}b"\n'),
}


@pytest.mark.parametrize("escape", sorted(ESCAPES))
@pytest.mark.parametrize("field", sorted(FIELDS))
def test_a_line_break_asterisk_does_not_know_is_refused(
    tmp_path: Path, escape: str, field: str
) -> None:
    file, text = FIELDS[field]
    if file == "agents.yaml":
        text = text.replace("    name:", f"    extension: '1001'\n    pin: {PIN}\n    name:")
    (tmp_path / file).write_text(text.format(c=escape))
    problems = [p for p in problems_of(tmp_path) if "line break" in p.message]
    assert len(problems) == 1, [str(p) for p in problems_of(tmp_path)]
    (problem,) = problems
    assert problem.file.endswith(file) and problem.path.endswith(field.split(".")[-1])
    assert problem.line == 1 + text.format(c=escape).split(f"{escape}")[0].count("\n")
    assert ESCAPES[escape] in problem.message
