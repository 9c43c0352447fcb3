"""``url_shown``: whatever the URL looks like, its password never shows."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from provisioner.redact import printable, url_shown

SECRET_MARK = "\u00a7"  # in every generated password, in nothing else
PLAIN = st.text(st.characters(blacklist_characters=f"@:/{SECRET_MARK}"), max_size=12)
HOST = st.text(st.characters(blacklist_characters=f"@{SECRET_MARK}"), max_size=16)
SLASHED = ["ami://", "AMI://", "ami:/", "ami:///", "http://", ""]
# without a slash after it, a scheme cannot be told from a user: all of it is hidden
SCHEMES = st.sampled_from([*SLASHED, "ami:"])


@given(SCHEMES, PLAIN, st.text(max_size=16), HOST)
def test_the_password_never_shows(scheme: str, user: str, password: str, host: str) -> None:
    shown = url_shown(f"{scheme}{user}:{password}{SECRET_MARK}@{host}")
    assert SECRET_MARK not in shown
    assert shown.endswith(f":***@{host}")


@given(st.sampled_from(SLASHED), PLAIN, HOST)
def test_a_url_without_a_password_is_shown_as_it_is(scheme: str, user: str, host: str) -> None:
    text = f"{scheme}{user}@{host}"
    assert url_shown(text) == text


CONTROLS = "".join(map(chr, [*range(0x00, 0x09), *range(0x0A, 0x20), *range(0x7F, 0xA0)]))


@given(st.text())
def test_printable_leaves_no_control_character(text: str) -> None:
    shown = printable(text)
    assert not any(c in CONTROLS + "\u2028\u2029" for c in shown)
    if not any(c in CONTROLS + "\u2028\u2029" for c in text):
        assert shown == text


def test_printable_escapes_as_python_does() -> None:
    assert printable("a\x1b[31mb\rc\u2028d\te") == "a\\x1b[31mb\\x0dc\\u2028d\te"
