"""What handlers see of a call: the channel interface and the parsed request.

``Channel`` is implemented over the wire by ``fastagi.protocol.AgiChannel``; tests may implement
it in memory. ``Request`` is the AGI environment, parsed once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl


class Channel(Protocol):
    """The AGI commands the handlers use. Every method may raise ``fastagi.errors.Hangup``."""

    @property
    def env(self) -> Mapping[str, str]: ...

    def answer(self) -> None: ...

    def verbose(self, message: str, level: int = 1) -> None: ...

    def set_variable(self, name: str, value: str) -> None: ...

    def get_variable(self, name: str) -> str: ...

    def get_full_variable(self, expression: str) -> str: ...

    def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str: ...

    def play(self, prompts: Sequence[str]) -> None: ...

    def exec_app(self, app: str, args: Sequence[str]) -> int: ...

    def database_get(self, family: str, key: str) -> str | None: ...

    def database_put(self, family: str, key: str, value: str) -> None: ...

    def database_del(self, family: str, key: str) -> None: ...


@dataclass(frozen=True)
class Request:
    """One AGI request: ``agi_network_script`` split into action, path and query."""

    action: str
    path_args: tuple[str, ...] = ()
    query: Mapping[str, str] = field(default_factory=dict)
    args: tuple[str, ...] = ()  # agi_arg_1 ... agi_arg_N
    channel: str = ""
    uniqueid: str = ""

    @property
    def endpoint(self) -> str | None:
        """The PJSIP endpoint that placed the call (``PJSIP/<endpoint>-<seq>``), if any."""
        tech, sep, rest = self.channel.partition("/")
        if tech.upper() != "PJSIP" or not sep:
            return None
        name, dash, _seq = rest.rpartition("-")
        return name if dash and name else None

    def value(self, name: str) -> str:
        """The action's parameter: ``agi_arg_1``, else ``<action>/<value>``, else ``?name=``."""
        for candidate in (*self.args[:1], *self.path_args[:1], self.query.get(name, "")):
            if candidate.strip():
                return candidate.strip()
        return ""


def parse_request(env: Mapping[str, str]) -> Request:
    script = env.get("agi_network_script", "")
    path, _, query_text = script.partition("?")
    parts = tuple(part for part in path.split("/") if part)
    args: list[str] = []
    while f"agi_arg_{len(args) + 1}" in env:
        args.append(env[f"agi_arg_{len(args) + 1}"])
    return Request(
        action=parts[0] if parts else "",
        path_args=parts[1:],
        query=dict(parse_qsl(query_text)),
        args=tuple(args),
        channel=env.get("agi_channel", ""),
        uniqueid=env.get("agi_uniqueid", ""),
    )
