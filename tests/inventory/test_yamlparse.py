"""YAML reading: 1.2-style scalars, refused constructs, positions."""

from __future__ import annotations

import pytest

from provisioner.inventory.yamlparse import YamlSyntaxError, locate, parse


def test_yaml_11_traps_are_avoided() -> None:
    data = parse(b"a: yes\nb: off\nc: 0100\nd: 1:30\ne: true\nf: ~\ng: 1.5\nh: '7'\n").data
    assert data == {
        "a": "yes",
        "b": "off",
        "c": 100,  # decimal, never octal 64
        "d": "1:30",  # never base 60
        "e": True,
        "f": None,
        "g": 1.5,
        "h": "7",
    }


def test_explicit_str_tag_keeps_text() -> None:
    assert parse(b"ext: !!str 0100\n").data == {"ext": "0100"}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (b"a: 1\nb: 2\na: 3\n", 3, "the key 'a' appears twice"),
        (b"a: &x 1\nb: *x\n", 2, "aliases"),
        (b"a: 1\n---\nb: 2\n", 2, "one YAML document"),
        (b"a: !!python/name:os.system x\n", 1, "not supported"),
        (b"a: [1, 2\nb: 3\n", 2, "the YAML is broken here"),
        (b"a:\n\t- 1\n", 2, "the YAML is broken here"),
    ],
)
def test_refused_yaml_names_the_line(text: bytes, line: int, words: str) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse(text)
    assert caught.value.line == line
    assert words in caught.value.message


def test_item_marks_point_at_each_top_level_item() -> None:
    parsed = parse(b"agents:\n  - id: a\n\n  - id: b\n  - {id: c}\n")
    assert parsed.item_marks == ((2, 5), (4, 5), (5, 5))


def test_locate_places_fields_at_their_key_and_missing_ones_at_the_parent() -> None:
    text = b"agents:\n  - id: a\n    voice:\n      nat: [yes, maybe]\n    extension: 0100\n"
    where = locate(
        text,
        [
            ("agents", 0, "voice", "nat", 1),
            ("agents", 0, "extension"),
            ("agents", 0, "voice", "codecs"),
            ("agents", 3),
        ],
    )
    assert (
        where[("agents", 0, "voice", "nat", 1)].line,
        where[("agents", 0, "voice", "nat", 1)].column,
    ) == (4, 18)
    assert where[("agents", 0, "extension")].raw == "0100"
    assert where[("agents", 0, "extension")].line == 5
    assert where[("agents", 0, "voice", "codecs")].line == 3
    assert where[("agents", 3)].line == 1


@pytest.mark.parametrize(
    ("data", "line", "column", "words"),
    [
        (b"queues:\n  - name: caf\xe9\n", 2, 14, "byte 0xe9 at offset 21 is not valid UTF-8"),
        (b"\xe9queues:\n", 1, 1, "byte 0xe9 at offset 0"),
        # a stray UTF-16 mark makes libyaml read UTF-8 text as one odd string
        (b"\xff\xfequeues:\n  - name: a\n", 1, 1, "it starts with a UTF-16 byte order mark"),
        ("queues:\n".encode("utf-16"), 1, 1, "it starts with a UTF-16 byte order mark"),
    ],
)
def test_text_that_is_not_utf8_says_so_and_where(
    data: bytes, line: int, column: int, words: str
) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse(data)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert "the file is not UTF-8 text" in caught.value.message and words in caught.value.message


def test_utf8_with_or_without_a_byte_order_mark_is_read() -> None:
    text = "queues:\n  - name: Chloé\n"
    assert parse(text.encode()).data == {"queues": [{"name": "Chloé"}]}
    assert parse(b"\xef\xbb\xbf" + text.encode()).data == {"queues": [{"name": "Chloé"}]}
