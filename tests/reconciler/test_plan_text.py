"""The text of created objects: written straight from the object, it must say what the
JSON view of the same change says, values grouped by key and secrets hidden."""

from __future__ import annotations

import random

from provisioner.plan import Plan, change_data
from provisioner.planformat import body_lines
from provisioner.render.objects import PJSIP_FILE, ConfigObject
from provisioner.targets.base import ObjectChange

KEYS = ("type", "allow", "password", "set_var", "context")
VALUES = ("ulaw", "alaw", "it's", "a b", "", "s3cret")


def _create(options: tuple[tuple[str, str], ...], owner: str = "agent:1001") -> ObjectChange:
    return ObjectChange("create", None, ConfigObject(PJSIP_FILE, "auth", "1001", options, owner))


def test_a_create_lists_each_key_once_with_its_values_and_hides_the_password() -> None:
    change = _create(
        (("type", "auth"), ("allow", "ulaw"), ("password", "s3cret"), ("allow", "alaw"))
    )
    assert body_lines(Plan("t", "r", "f", (change,))) == [
        "  + pjsip_gitops.conf: auth '1001'  (agent:1001)",
        "      type: auth",
        "      allow: ulaw",
        "      allow: alaw",
        "      password: (sensitive)",
    ]


def test_the_text_of_any_create_is_its_json_fields_written_out() -> None:
    rng = random.Random(7)
    for _ in range(300):
        options = tuple((rng.choice(KEYS), rng.choice(VALUES)) for _ in range(rng.randint(0, 8)))
        change = _create(options, rng.choice(("", "phone:p1")))
        data = change_data(change)
        owner = f"  ({data['owner']})" if data["owner"] else ""
        expected = [f"  + pjsip_gitops.conf: auth '1001'{owner}"]
        expected += [f"      {f['key']}: {value}" for f in data["fields"] for value in f["new"]]
        assert body_lines(Plan("t", "r", "f", (change,))) == expected
