"""The fake finds config categories by name ignoring ASCII case, as config.c does.

main/config.c's ``does_category_match`` compares names with ``strcasecmp`` (DelCat, Append,
RenameCat, EmptyCat, Update, Delete, Insert, NewCat's "already exists" check and GetConfig's
Category header all go through it), and ``ast_category_insert`` places NewCat's "before"
category with ``strcasecmp`` too.
"""

from __future__ import annotations

import pytest

from tests.fakes.config import (
    Category,
    ConfigFile,
    UpdateAction,
    UpdateError,
    apply_updates,
    getconfig_lines,
    name_key,
)
from tests.fakes.config_text import parse_config


def _act(action: str, cat: str, var: str = "", value: str = "", match: str = "") -> UpdateAction:
    return UpdateAction(action, cat, var, value, match, "", "")


def _file(*names: str) -> ConfigFile:
    return ConfigFile("pjsip_gitops.conf", [Category(n, [], lineno=1) for n in names])


def _names(config: ConfigFile) -> list[str]:
    return [c.name for c in config.categories]


def test_delcat_of_a_lower_case_name_deletes_the_capitalised_category() -> None:
    config = _file("Ann", "bob")
    apply_updates(config, [_act("DelCat", "ann")])
    assert _names(config) == ["bob"]


def test_append_and_renamecat_reach_a_category_written_in_another_case() -> None:
    config = _file("ANN")
    apply_updates(config, [_act("Append", "ann", "type", "endpoint")])
    apply_updates(config, [_act("RenameCat", "Ann", value="carol")])
    assert [(c.name, c.lines) for c in config.categories] == [("carol", [("type", "endpoint")])]
    apply_updates(config, [_act("Append", "CAROL", "context", "from-sip")])  # new name, any case
    assert config.categories[0].lines == [("type", "endpoint"), ("context", "from-sip")]


def test_newcat_refuses_a_name_that_exists_in_another_case() -> None:
    config = _file("ann")
    with pytest.raises(UpdateError, match="Create category did not complete successfully"):
        apply_updates(config, [_act("NewCat", "Ann")])
    assert _names(config) == ["ann"]
    apply_updates(config, [_act("NewCat", "zed", match="ANN")])  # before [ann], any case
    assert _names(config) == ["zed", "ann"]


def test_allowdups_adds_it_and_both_are_then_matched() -> None:
    config = _file("ann")
    apply_updates(config, [UpdateAction("NewCat", "Ann", "", "", "", "", "allowdups")])
    apply_updates(config, [_act("Append", "aNN", "k", "v")])
    assert [c.lines for c in config.categories] == [[("k", "v")], [("k", "v")]]


def test_a_failed_request_restores_the_name_lookup() -> None:
    config = _file("Ann")
    with pytest.raises(UpdateError, match="Given category does not exist"):
        apply_updates(config, [_act("RenameCat", "ann", value="bob"), _act("DelCat", "zoe")])
    assert _names(config) == ["Ann"]
    apply_updates(config, [_act("DelCat", "ANN")])
    assert _names(config) == []


def test_getconfig_category_matches_ignoring_case() -> None:
    categories = [Category("Ann", []), Category("bob", [])]
    assert getconfig_lines(categories, "ann") == [("Category-000000", "Ann")]


def test_only_ascii_letters_are_folded() -> None:
    assert name_key("Ann-B.2_É") == "ann-b.2_É"


def test_inheritance_and_additions_find_their_category_ignoring_case() -> None:
    text = "[Agent-Phone](!)\ncontext=from-sip\n[1001](agent-PHONE)\ntype=endpoint\n"
    text += "[Ann]\ntype=aor\n[ann](+)\nmax_contacts=1\n"
    config = parse_config("pjsip_gitops.conf", text)
    phone, ann = [c for c in config.categories if not c.template]
    assert phone.lines == [("context", "from-sip"), ("type", "endpoint")]
    assert ann.lines == [("type", "aor"), ("max_contacts", "1")]
    assert len(config.categories) == 3  # "[ann](+)" made no category of its own
