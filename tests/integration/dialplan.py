"""The rendered dialplan as Asterisk holds it: contexts, extensions and what a dialed code runs.

Read from the fake Asterisk's parsed ``extensions_gitops.conf`` (what pbx_config would load
after apply), so a test follows the dialplan Asterisk really got, not the renderer's intent.
Only what the integration tests need: extension lines, pattern matching as pbx.c does it for
the characters our renderer uses, and the ``AGI(agi://...)`` application with ``${EXTEN:n}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.fakes.asterisk import FakeAsterisk

FILE = "extensions_gitops.conf"
_PATTERN = {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]", ".": ".+", "!": ".*"}
_EXTEN_VAR = re.compile(r"\$\{EXTEN:(\d+)\}")
_AGI = re.compile(r"^AGI\(agi://(?P<host>[^/:]+):(?P<port>\d+)/(?P<data>.*)\)$")
_DB_KEY = re.compile(r"\$\{DB(?:_EXISTS)?\((gitops/[^)]+)\)\}")


@dataclass(frozen=True)
class Step:
    """One ``exten => name,priority,Application(data)`` line."""

    exten: str
    priority: str
    app: str  # ``Dial(${DB_RESULT})``: application and its data, as written


@dataclass(frozen=True)
class AgiRequest:
    """What a feature code asks of the FastAGI server: where, which script, which arguments."""

    host: str
    port: int
    script: str
    args: tuple[str, ...]


def _step(value: str) -> Step:
    exten, priority, app = value.split(",", 2)
    return Step(exten, priority, app)


def _matches(exten: str, dialed: str) -> bool:
    if not exten.startswith("_"):
        return exten == dialed
    regex = "".join(_PATTERN.get(c, re.escape(c)) for c in exten[1:])
    return re.fullmatch(regex, dialed) is not None


class Dialplan:
    """The contexts of the managed dialplan file as the fake Asterisk loaded it."""

    def __init__(self, asterisk: FakeAsterisk) -> None:
        self.contexts: dict[str, list[Step]] = {}
        self.includes: dict[str, list[str]] = {}
        for category in asterisk.categories(FILE):
            self.contexts[category.name] = [_step(v) for k, v in category.lines if k == "exten"]
            self.includes[category.name] = [v for k, v in category.lines if k == "include"]

    def extensions(self, context: str) -> set[str]:
        return {step.exten for step in self.contexts.get(context, [])}

    def steps(self, context: str, dialed: str) -> list[Step]:
        """The lines run for ``dialed``: an exact extension wins over a pattern, as in pbx.c."""
        lines = self.contexts.get(context, [])
        exact = [s for s in lines if s.exten == dialed]
        if exact:
            return exact
        names = [s.exten for s in lines if _matches(s.exten, dialed)]
        return [s for s in lines if names and s.exten == names[0]]

    def agi_request(self, context: str, dialed: str) -> AgiRequest:
        """The ``AGI()`` step of ``dialed`` with its arguments expanded as Asterisk would."""
        for step in self.steps(context, dialed):
            found = _AGI.match(step.app)
            if found:
                data = _EXTEN_VAR.sub(lambda m: dialed[int(m.group(1)) :], found["data"])
                script, *args = data.split(",")
                return AgiRequest(found["host"], int(found["port"]), script, tuple(args))
        raise LookupError(f"{dialed} in {context} runs no AGI: {self.steps(context, dialed)}")

    def db_keys(self, context: str, exten: str) -> set[str]:
        """AstDB ``family/key`` paths the extension reads with ``DB()`` or ``DB_EXISTS()``."""
        return {key for s in self.steps(context, exten) for key in _DB_KEY.findall(s.app)}

    def all_db_keys(self) -> set[str]:
        """AstDB paths read anywhere in the managed dialplan (agents, spy, ...)."""
        return {
            k for steps in self.contexts.values() for s in steps for k in _DB_KEY.findall(s.app)
        }

    def dial_targets(self, context: str, exten: str) -> list[str]:
        """The data of each ``Dial()`` step of an extension."""
        return [
            s.app[len("Dial(") : -1]
            for s in self.steps(context, exten)
            if s.app.startswith("Dial(")
        ]
