"""A FakeAgiCall whose Asterisk side stops at one command: a contender made slow on purpose."""

from __future__ import annotations

import threading
from typing import Any

from tests.fakes.agi_channel import Channel
from tests.fakes.agi_client import AgiResult, FakeAgiCall
from tests.fakes.asterisk import FakeAsterisk


class Dropped(Exception):
    """The gated call dropped its connection where it was told to."""


class GatedCall(FakeAgiCall):
    """Before answering the first command containing ``at``, set ``reached`` and wait for
    ``proceed`` (or, with ``drop``, drop the connection there: the server loses it mid-way).
    ``start()`` runs the call on a thread; ``finish()`` lets it go on and returns its result.
    """

    def __init__(
        self, asterisk: FakeAsterisk, script: str, *, at: str, drop: bool = False, **kw: Any
    ) -> None:
        super().__init__(asterisk, script, **kw)
        self.at = at
        self.drop = drop
        self.reached = threading.Event()
        self.proceed = threading.Event()
        self.results: list[AgiResult] = []
        self.errors: list[BaseException] = []
        self._thread: threading.Thread | None = None

    def _reply(self, chan: Channel, line: str, result: AgiResult) -> list[str]:
        if self.at in line and not self.reached.is_set():
            self.reached.set()
            if self.drop:
                raise Dropped(f"dropped the connection at {line}")
            if not self.proceed.wait(5):
                raise TimeoutError(f"the test never let {line} go on")
        return super()._reply(chan, line, result)

    def start(self, host: str, port: int) -> None:
        """Run the call on a thread and wait until it reaches the gate."""
        self._thread = threading.Thread(target=self._run, args=(host, port), daemon=True)
        self._thread.start()
        if not self.reached.wait(5):
            raise AssertionError(f"the call never sent a command containing {self.at!r}")

    def _run(self, host: str, port: int) -> None:
        try:
            self.results.append(self.run(host, port))
        except (Dropped, TimeoutError) as e:
            self.errors.append(e)

    def finish(self) -> AgiResult | None:
        """Let the call go on; its result (None if it dropped or failed)."""
        self.proceed.set()
        assert self._thread is not None, "start() first"
        self._thread.join(5)
        return self.results[0] if self.results else None
