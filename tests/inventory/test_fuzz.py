"""Fuzz: any bytes in an inventory file become problems, never a crash."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from provisioner.inventory.files import KINDS, InventoryFile
from provisioner.inventory.load import check_file

YAMLISH = st.lists(
    st.sampled_from(
        [
            "agents:\n",
            "  - id: ann\n",
            '    name: "A\\Lnn"\n',
            "    extension: 0100\n",
            "    pin: 1234\n",
            "    queues: [{queue: sales, penalty: 1}]\n",
            "    voice: {callerid: '\"x\" <1>'}\n",
            "  - &a {id: b}\n",
            "  - *a\n",
            "---\n",
            "settings: {lockout: {attempts: 3}}\n",
            "\t- bad indent\n",
            "  - {",
            "\xa0\u2028\x85\n",
        ]
    ),
    max_size=12,
).map("".join)


@given(st.one_of(st.binary(max_size=2000), YAMLISH.map(str.encode)), st.sampled_from(KINDS))
def test_any_bytes_are_checked_without_a_crash(data: bytes, kind: str) -> None:
    checked = check_file(InventoryFile(name=f"{kind}.yaml", kind=kind, data=data))
    for line, column, _path, message in checked.findings:
        assert line >= 1 and column >= 1 and message
