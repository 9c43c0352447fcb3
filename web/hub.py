"""Fan-out of live updates to every open event stream, on the service's event loop.

A change is published from any thread (the AMI reader, a worker): it is encoded once, then
put in the queue of every subscriber allowed to see that agent. A subscriber that does not
read (a stalled browser) loses its stream when its queue is full rather than holding memory:
it reconnects and gets a fresh snapshot.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

QUEUE_SIZE = 256
CLOSED = ""  # put in a queue to end its stream


@dataclass(eq=False)
class Subscriber:
    sees: Callable[[str], bool]  # agent id -> allowed
    queue: asyncio.Queue[str] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))


class Hub:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._subscribers: set[Subscriber] = set()
        self.published = 0

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    @property
    def count(self) -> int:
        return len(self._subscribers)

    def subscribe(self, sees: Callable[[str], bool]) -> Subscriber:
        subscriber = Subscriber(sees)
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def close_all(self) -> None:
        """From any thread: end every stream (the service is stopping)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._close_all)

    def _close_all(self) -> None:
        for subscriber in list(self._subscribers):
            self._subscribers.discard(subscriber)
            while not subscriber.queue.empty():
                subscriber.queue.get_nowait()
            subscriber.queue.put_nowait(CLOSED)

    def publish(self, agent: str, row: dict[str, Any]) -> None:
        """From any thread: send ``row`` (an agent's live row) to whoever may see it."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        text = f"event: agent\ndata: {json.dumps(row, separators=(',', ':'))}\n\n"
        loop.call_soon_threadsafe(self._deliver, agent, text)

    def _deliver(self, agent: str, text: str) -> None:
        self.published += 1
        for subscriber in list(self._subscribers):
            if not subscriber.sees(agent):
                continue
            try:
                subscriber.queue.put_nowait(text)
            except asyncio.QueueFull:
                logger.warning("an event stream does not keep up: closed")
                self._subscribers.discard(subscriber)
                subscriber.queue.get_nowait()
                subscriber.queue.put_nowait(CLOSED)
