"""What the renderer writes is what (fake) Asterisk 22 loads: nothing dropped on reload."""

from __future__ import annotations

import logging

import pytest

from provisioner.render import render
from provisioner.render.objects import PJSIP_FILE
from provisioner.render.text import split_by_file, to_text
from tests.fakes.asterisk import FakeAsterisk
from tests.render.sample import fake_secret, inventory


def test_every_rendered_object_survives_a_reload(caplog: pytest.LogCaptureFixture) -> None:
    objects = render(inventory(), fake_secret)
    asterisk = FakeAsterisk()
    for file, file_objects in split_by_file(objects).items():
        asterisk.set_config_text(file, to_text(file, file_objects))
    with caplog.at_level(logging.WARNING):
        asterisk.reload(None)
    # The fake models endpoint, aor, auth and transport objects (not identify).
    wanted = {(o.kind, o.name) for o in objects if o.file == PJSIP_FILE and o.kind != "identify"}
    assert wanted - set(asterisk.pjsip_objects) == set()
    assert "dropped" not in caplog.text
    assert sorted(asterisk.queues) == ["sales", "support"]
    assert asterisk.queues["sales"].strategy == "rrmemory"
    endpoint = asterisk.endpoint("1003")
    assert endpoint is not None and endpoint.get("media_encryption") == "dtls"
