"""AMI events and the small publish/subscribe hub the fake Asterisk raises them through."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# ast_devstate_str / ast_devstate2str
DEVICE_STATE_NAMES: Mapping[int, str] = {
    0: "UNKNOWN",
    1: "NOT_INUSE",
    2: "INUSE",
    3: "BUSY",
    4: "INVALID",
    5: "UNAVAILABLE",
    6: "RINGING",
    7: "RINGINUSE",
    8: "ONHOLD",
}
DEVICE_STATE_TEXT: Mapping[int, str] = {
    0: "Unknown",
    1: "Not in use",
    2: "In use",
    3: "Busy",
    4: "Invalid",
    5: "Unavailable",
    6: "Ringing",
    7: "Ring+Inuse",
    8: "On Hold",
}


@dataclass(frozen=True)
class AmiEvent:
    """An unsolicited event: name, privilege class (``agent``, ``call``, ...) and fields."""

    name: str
    category: str
    fields: tuple[tuple[str, str], ...]

    def get(self, key: str) -> str | None:
        for name, value in self.fields:
            if name == key:
                return value
        return None


Subscriber = Callable[[AmiEvent], None]


class EventHub:
    """Delivers each published event to every subscriber, in publication order."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._subscribers: list[Subscriber] = []
        self.history: list[AmiEvent] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns the function that removes it."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def publish(self, event: AmiEvent) -> None:
        with self._lock:
            self.history.append(event)
            for subscriber in list(self._subscribers):
                subscriber(event)
