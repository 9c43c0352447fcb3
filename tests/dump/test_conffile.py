"""Config files read the way Asterisk's config.c reads them (``provisioner.dump.conffile``).

tests/real/test_dump_conffile.py compares the same reader with the real Asterisk's
``GetConfig`` of the same files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from provisioner.dump.conffile import ConfigError, load


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def listed(
    root: Path, name: str = "main.conf"
) -> list[tuple[str, list[str], list[tuple[str, str]]]]:
    return [(c.name, c.templates, c.options) for c in load(root, name).visible()]


def test_templates_are_copied_first_and_not_listed(tmp_path: Path) -> None:
    write(tmp_path, {"main.conf": "[t](!)\na=1\n[t2](!,t)\nb=2\n[x](t2)\nc=3\n"})
    assert listed(tmp_path) == [("x", ["t2"], [("a", "1"), ("b", "2"), ("c", "3")])]


def test_plus_adds_to_the_first_category_of_that_name_ignoring_case(tmp_path: Path) -> None:
    # real Asterisk 22: [1001](+) after an endpoint, aor and auth all named 1001 appends to
    # the endpoint (the first), never to the auth (the last)
    text = (
        "[1001]\ntype=endpoint\n[1001]\ntype=auth\n[1001](+)\nrtp_symmetric=yes\n[A]\n[a](+)\nk=v\n"
    )
    write(tmp_path, {"main.conf": text})
    assert listed(tmp_path) == [
        ("1001", [], [("type", "endpoint"), ("rtp_symmetric", "yes")]),
        ("1001", [], [("type", "auth")]),
        ("A", [], [("k", "v")]),
    ]


def test_plus_with_a_filter_picks_the_category_having_that_variable(tmp_path: Path) -> None:
    text = "[1001]\ntype=endpoint\n[1001]\ntype=aor\n[1001](+type=aor)\nmax_contacts=1\n"
    write(tmp_path, {"main.conf": text})
    assert listed(tmp_path)[1] == ("1001", [], [("type", "aor"), ("max_contacts", "1")])


def test_comments_blocks_escapes_appends_and_objects(tmp_path: Path) -> None:
    text = (
        "[c]\n"
        "own=1\nown+=-more\n"
        "v = spaced value   ; comment\n"
        "esc=a\\;b\n"
        "blk=1 ;-- a block\nstill inside\n--; tail=2\n"
        "exten => 100,1,NoOp()\n"
        "noequals\n"
    )
    write(tmp_path, {"main.conf": text})
    config = load(tmp_path, "main.conf")
    assert config.visible()[0].options == [
        ("own", "1-more"),
        ("v", "spaced value"),
        ("esc", "a;b"),
        ("blk", "1"),
        ("tail", "2"),
        ("exten", "100,1,NoOp()"),
    ]
    assert [str(n) for n in config.notes] == [
        "main.conf:10: no '=' in the line: Asterisk ignores it"
    ]


def test_a_stray_block_end_makes_the_following_lines_comments_as_in_asterisk(
    tmp_path: Path,
) -> None:
    text = "[c]\nname=Ann--; note\nlost=1\n;-- reopens\nback=1\n"
    write(tmp_path, {"main.conf": text})
    # config.c closes a block that is not open: the count goes to -1, the line is kept
    # whole and every line after it is a comment until a ';--' brings it back to 0
    assert listed(tmp_path) == [("c", [], [("name", "Ann--; note"), ("back", "1")])]


def test_an_included_file_goes_on_with_the_current_category(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.conf": "[a]\nk=1\n#include inc.conf\nafter=1\n",
            "inc.conf": "orphan=1\n[b]\nkb=1\n",
        },
    )
    # what real Asterisk does: lines before the included file's first category, and lines
    # of the including file after the #include, stay in the category current before it
    assert listed(tmp_path) == [
        ("a", [], [("k", "1"), ("orphan", "1"), ("after", "1")]),
        ("b", [], [("kb", "1")]),
    ]


def test_includes_expand_globs_in_order_and_name_their_file_and_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.conf": '#include "pjsip.d/*.conf"\n#tryinclude missing.conf\n',
            "pjsip.d/b.conf": "[b]\n",
            "pjsip.d/a.conf": "\n[a]\n",
        },
    )
    found = [(c.name, c.file, c.line) for c in load(tmp_path, "main.conf").visible()]
    assert found == [("a", "pjsip.d/a.conf", 2), ("b", "pjsip.d/b.conf", 1)]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("[a\n", 1, "no closing ']'"),
        ("k=v\n", 1, "a variable before any [category]"),
        ("[a]\n[b](+)\n", 2, "category addition requested, but there is no [b]"),
        ("[a](tmpl)\n", 1, "inheritance from [tmpl] requested"),
        ("[a]\n#include nowhere.conf\n", 2, "'nowhere.conf' was listed as a #include"),
        ("[a](!\n", 1, "no closing ')'"),
    ],
)
def test_a_line_asterisk_refuses_refuses_the_file_with_file_and_line(
    tmp_path: Path, text: str, line: int, message: str
) -> None:
    write(tmp_path, {"main.conf": text})
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, "main.conf")
    assert caught.value.file == "main.conf" and caught.value.line == line
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"main.conf:{line}: ")
    assert str(caught.value).endswith("Asterisk refuses the file")


def test_in_an_included_file_asterisk_stops_reading_that_file_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.conf": "[a]\n#include inc.conf\n[after]\n",
            "inc.conf": "[b]\n[nope](+)\n[c]\n",
        },
    )
    config = load(tmp_path, "main.conf")
    assert [c.name for c in config.visible()] == ["a", "b", "after"]
    assert [str(n) for n in config.notes] == [
        "inc.conf:2: category addition requested, but there is no [nope] before it; "
        "Asterisk stops reading this included file here"
    ]


def test_an_include_loop_stops_at_ten_levels(tmp_path: Path) -> None:
    write(
        tmp_path, {"main.conf": "[a]\n#include loop.conf\n", "loop.conf": "#tryinclude loop.conf\n"}
    )
    config = load(tmp_path, "main.conf")
    assert [c.name for c in config.visible()] == ["a"]
    assert "goes deeper than 10 levels" in str(config.notes[-1])


def test_exec_is_never_run_and_unknown_directives_are_noted(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(tmp_path, {"main.conf": f"[a]\n#exec touch {marker}\n#frobnicate x\n"})
    config = load(tmp_path, "main.conf")
    assert not marker.exists()
    assert ["#exec" in str(n) for n in config.notes] == [True, False]


def test_a_file_that_is_not_utf8_is_an_error_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / "main.conf").write_bytes(b'[a]\ncallerid="Chlo\xe9" <1003>\n')
    with pytest.raises(ConfigError, match=r"main.conf:2: is not UTF-8 text \(byte 0xe9\)"):
        load(tmp_path, "main.conf")


def test_a_line_too_long_for_asterisk_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, {"main.conf": "[a]\nk=" + "x" * 9000 + "\nj=1\n"})
    config = load(tmp_path, "main.conf")
    assert config.visible()[0].options == [("j", "1")]
    assert "longer than 8191 bytes" in str(config.notes[0])


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"there is no pjsip\.conf"):
        load(tmp_path, "pjsip.conf")
