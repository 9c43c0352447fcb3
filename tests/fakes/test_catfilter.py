"""UpdateConfig's catfilter as config.c applies it: unanchored POSIX EREs on names and values."""

from __future__ import annotations

import pytest

from tests.fakes.asterisk import FakeAsterisk
from tests.fakes.catfilter import matches, option_filter, strsep
from tests.fakes.config import UpdateAction, UpdateError

PJSIP = "pjsip_gitops.conf"
AOR = [("type", "aor"), ("max_contacts", "1")]
ENDPOINT = [("type", "endpoint"), ("aors", "1001"), ("content_type", "aor-ish")]


def test_options_are_split_outside_quotes_and_unquoted() -> None:
    assert strsep('allowdups, catfilter="type=aor,max_contacts=1" ', ",") == [
        "allowdups",
        'catfilter="type=aor,max_contacts=1"',
    ]
    assert option_filter('catfilter="type=aor,max_contacts=1"') == "type=aor,max_contacts=1"
    assert option_filter("catfilter=type=aor") == "type"  # what ami-09 tripped over
    assert option_filter("catfilter") is None


@pytest.mark.parametrize(
    ("catfilter", "aor", "endpoint"),
    [
        ("type=aor", True, True),  # unanchored: content_type=aor-ish passes too
        ("^type$=^aor$", True, False),
        ("type=^(aor|auth)$", True, False),
        ("ty.e=a.r,max_contacts=[0-9]+", True, False),
        ("type=aor,max_contacts=2", False, False),  # every term must match
        ("type", False, False),  # a term without '=' matches nothing
        ("type=(aor", False, False),  # a regex that does not compile matches nothing
        ("type=aor,", False, False),  # so does an empty term
        ("=", True, True),  # two empty regexes match any variable
        ("", True, True),  # an empty filter is no filter
    ],
)
def test_every_term_is_a_pair_of_unanchored_regexes(
    catfilter: str, aor: bool, endpoint: bool
) -> None:
    assert matches(AOR, False, catfilter) is aor
    assert matches(ENDPOINT, False, catfilter) is endpoint


@pytest.mark.parametrize(
    ("catfilter", "template", "category"),
    [
        (None, False, True),
        ("type=aor", False, True),
        ("type=aor,TEMPLATES=include", True, True),
        ("TEMPLATES=restrict", True, False),
        ("TEMPLATES=bogus", False, False),
        ("templates=include", False, False),  # the TEMPLATES name is case-sensitive
    ],
)
def test_templates_pass_only_when_the_filter_asks(
    catfilter: str | None, template: bool, category: bool
) -> None:
    assert matches(AOR, True, catfilter) is template
    assert matches(AOR, False, catfilter) is category


def _append(options: str) -> list[UpdateAction]:
    return [UpdateAction("Append", "1001", "note", "x", "", "", options)]


def test_update_config_appends_to_every_category_the_regex_lets_through(
    fake_asterisk: FakeAsterisk,
) -> None:
    text = "[1001]\ntype=endpoint\ncontent_type=aor-ish\n[1001]\ntype=aor\n[1001]\ntype=auth\n"
    fake_asterisk.set_config_text(PJSIP, text)
    fake_asterisk.update_config(PJSIP, _append('catfilter="type=aor"'))
    notes = [("note", "x") in c.lines for c in fake_asterisk.categories(PJSIP)]
    assert notes == [True, True, False]


def test_update_config_with_an_anchored_filter_touches_the_aor_only(
    fake_asterisk: FakeAsterisk,
) -> None:
    fake_asterisk.set_config_text(
        PJSIP, "[1001]\ntype=endpoint\ncontent_type=aor\n[1001]\ntype=aor\n"
    )
    fake_asterisk.update_config(PJSIP, _append('catfilter="^type$=^aor$"'))
    notes = [("note", "x") in c.lines for c in fake_asterisk.categories(PJSIP)]
    assert notes == [False, True]


def test_a_filter_nothing_passes_changes_nothing(fake_asterisk: FakeAsterisk) -> None:
    fake_asterisk.set_config_text(PJSIP, "[1001]\ntype=aor\n")
    before = fake_asterisk.config_text(PJSIP)
    with pytest.raises(UpdateError, match="Given category does not exist"):
        fake_asterisk.update_config(PJSIP, _append('catfilter="type=(aor"'))
    assert fake_asterisk.config_text(PJSIP) == before
