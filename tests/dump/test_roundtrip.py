"""A configuration asterisk-gitops rendered dumps back to an inventory that renders it again.

The example inventory's golden files (tests/render/golden/example) stand in for a live
Asterisk's config directory: the dump must map every agent, phone and queue, report no
option left and no change, and render the very same PJSIP and queue objects.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from provisioner.cli import main
from provisioner.inventory import load_inventory
from provisioner.render import render
from provisioner.render.objects import EXTENSIONS_FILE, MANAGED_FILES, ConfigObject
from provisioner.render.text import parse
from tests.render.sample import fake_secret

GOLDEN = Path(__file__).resolve().parent.parent / "render" / "golden" / "example"
MAIN = {"pjsip_gitops.conf": "pjsip.conf", "queues_gitops.conf": "queues.conf"}


def _config_dir(root: Path) -> Path:
    etc = root / "etc"
    etc.mkdir()
    for managed, main_file in MAIN.items():
        shutil.copy(GOLDEN / managed, etc / managed)
        (etc / main_file).write_text(
            f"[general]\n#tryinclude {managed}\n"
            if "queues" in main_file
            else f"#tryinclude {managed}\n"
        )
    return etc


def _without_passwords(objects: list[ConfigObject]) -> list[tuple[object, ...]]:
    return sorted((o.key, o.redacted().options) for o in objects)


def test_the_rendered_example_dumps_to_an_inventory_rendering_the_same_objects(
    tmp_path: Path,
) -> None:
    etc = _config_dir(tmp_path)
    out = tmp_path / "out"
    assert main(["dump", "--target", f"dir:{etc}", "--out", str(out), "--secrets", "env"]) == 0
    dumped = load_inventory(out, use_cache=False)
    golden = [
        obj
        for file in MANAGED_FILES
        if file != EXTENSIONS_FILE
        for obj in parse(file, (GOLDEN / file).read_text())
    ]
    rendered = [o for o in render(dumped, fake_secret) if o.file != EXTENSIONS_FILE]
    assert _without_passwords(rendered) == _without_passwords(golden)
    assert [a.id for a in dumped.agents] == [
        a.id
        for a in load_inventory(
            Path(__file__).resolve().parents[2] / "inventory", use_cache=False
        ).agents
    ]
    report = (out / "dump-report.txt").read_text()
    assert (
        "== Options with no inventory setting: the managed objects will not have them (0)" in report
    )
    assert "== Changes when the managed objects replace the live ones (0)" in report
