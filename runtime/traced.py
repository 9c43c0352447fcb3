"""A port that writes every operation and its answer to an agent's client logs (level
``debug``), around any door's port."""

from __future__ import annotations

from collections.abc import Callable

from runtime.port import Asterisk, Member

Note = Callable[[str], None]


class Traced:
    def __init__(self, port: Asterisk, note: Note) -> None:
        self.inner = port
        self._note = note

    def _said(self, operation: str, answer: object) -> None:
        self._note(f"{operation} -> {answer!r}")

    def db_get(self, family: str, key: str) -> str | None:
        value = self.inner.db_get(family, key)
        self._said(f"db get {family}/{key}", value)
        return value

    def db_put(self, family: str, key: str, value: str) -> None:
        self.inner.db_put(family, key, value)
        self._said(f"db put {family}/{key} {value}", "done")

    def db_del(self, family: str, key: str) -> None:
        self.inner.db_del(family, key)
        self._said(f"db del {family}/{key}", "done")

    def add_member(self, queue: str, member: Member) -> str:
        status = self.inner.add_member(queue, member)
        self._said(f"add {member.interface} to {queue} (paused: {member.paused_reason})", status)
        return status

    def remove_member(self, queue: str, interface: str) -> str:
        status = self.inner.remove_member(queue, interface)
        self._said(f"remove {interface} from {queue}", status)
        return status

    def pause_member(self, interface: str, reason: str) -> str:
        status = self.inner.pause_member(interface, reason)
        self._said(f"pause {interface} ({reason})", status)
        return status

    def unpause_member(self, interface: str) -> str:
        status = self.inner.unpause_member(interface)
        self._said(f"unpause {interface}", status)
        return status

    def function(self, expression: str) -> str:
        value = self.inner.function(expression)
        self._said(expression, value)
        return value

    def try_lock(self, name: str) -> bool:
        got = self.inner.try_lock(name)
        self._said(f"TRYLOCK({name})", got)
        return got

    def unlock(self, name: str) -> bool:
        done = self.inner.unlock(name)
        self._said(f"UNLOCK({name})", done)
        return done

    def note(self, message: str) -> None:
        self.inner.note(message)
