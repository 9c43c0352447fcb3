"""An in-memory Asterisk behind the ``fastagi.channel.Channel`` interface, for handler logic tests.

Queue applications and AstDB behave as in the transcripts (AQMSTATUS ADDED / MEMBERALREADY /
NOSUCHQUEUE, RQMSTATUS REMOVED / NOTINQUEUE, PQMSTATUS PAUSED / NOTFOUND, ...).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fastagi.errors import Hangup


@dataclass
class Member:
    penalty: str
    name: str
    state: str
    paused: str = ""


@dataclass
class MemoryAsterisk:
    queues: dict[str, dict[str, Member]] = field(default_factory=dict)
    db: dict[str, str] = field(default_factory=dict)
    registered: set[str] = field(default_factory=set)
    channels: set[str] = field(default_factory=set)  # channels up, for CHANNELS(regex)
    lock: threading.Lock = field(default_factory=threading.Lock)
    mutexes: dict[str, tuple[object, int]] = field(default_factory=dict)  # func_lock: owner, count
    func_lock: bool = True  # False: TRYLOCK and UNLOCK are unknown functions (answer "")

    def trylock(self, name: str, owner: object) -> bool:
        with self.lock:
            held, count = self.mutexes.get(name, (owner, 0))
            if held is not owner:
                return False
            self.mutexes[name] = (owner, count + 1)
            return True

    def unlock(self, name: str, owner: object) -> bool:
        with self.lock:
            held, count = self.mutexes.get(name, (None, 0))
            if held is not owner:
                return False
            if count > 1:
                self.mutexes[name] = (owner, count - 1)
            else:
                del self.mutexes[name]
            return True

    def destroyed(self, owner: object) -> None:
        with self.lock:
            for name in [n for n, (held, _) in self.mutexes.items() if held is owner]:
                del self.mutexes[name]

    def members(self, queue: str) -> dict[str, Member]:
        return self.queues[queue]

    def db_tree(self, prefix: str) -> dict[str, str]:
        return {k: v for k, v in self.db.items() if k.startswith(prefix)}


_FUNCTION = re.compile(r"^\$\{(?P<name>[A-Z_]+)\((?P<arg>[^)]*)\)\}$")


class MemoryChannel:
    def __init__(
        self,
        asterisk: MemoryAsterisk,
        env: Mapping[str, str],
        dtmf: Sequence[str] = (),
        hangup_after: int | None = None,
    ) -> None:
        self.asterisk = asterisk
        self._env = dict(env)
        self.dtmf = list(dtmf)
        self.hangup_after = hangup_after
        self.commands: list[str] = []
        self.variables: dict[str, str] = {}
        self.hung_up = False

    @property
    def env(self) -> Mapping[str, str]:
        return self._env

    def _command(self, text: str, *, caller: bool = False) -> None:
        """Like res_agi: the caller hangs up during command ``hangup_after + 1``; a command
        that waits on the caller fails, any other completes; after that, only commands that
        need no caller run (the protocol adapter raises Hangup for the others)."""
        if self.hung_up and caller:
            raise Hangup(f"{text}: the caller has hung up")
        self.commands.append(text)
        if self.hangup_after is not None and len(self.commands) == self.hangup_after + 1:
            self.hung_up = True
            if caller:
                raise Hangup(f"scripted hang-up during {text}")

    def answer(self) -> None:
        self._command("ANSWER", caller=True)

    def verbose(self, message: str, level: int = 1) -> None:
        self._command(f"VERBOSE {message}")

    def set_variable(self, name: str, value: str) -> None:
        self._command(f"SET VARIABLE {name} {value}")
        self.variables[name] = value

    def get_variable(self, name: str) -> str:
        self._command(f"GET VARIABLE {name}")
        return self.variables.get(name, "")

    def get_full_variable(self, expression: str) -> str:
        self._command(f"GET FULL VARIABLE {expression}")
        match = _FUNCTION.match(expression)
        name, arg = match.group("name", "arg") if match else ("", "")
        if name in ("TRYLOCK", "UNLOCK") and self.asterisk.func_lock:
            done = getattr(self.asterisk, name.lower())(arg, self)
            return "1" if done else "0"
        if name == "PJSIP_DIAL_CONTACTS" and arg in self.asterisk.registered:
            return f"PJSIP/{arg}/sip:x"
        if name == "CHANNELS":
            return " ".join(sorted(c for c in self.asterisk.channels if re.search(arg, c)))
        if name == "QUEUE_MEMBER_LIST":  # app_queue cuts the list near its 4096-byte buffer
            return ",".join(self.asterisk.queues.get(arg, {}))[:4095]
        return ""

    def destroy(self) -> None:
        """The call is over: the channel's func_lock locks are freed."""
        self.asterisk.destroyed(self)

    def get_data(self, prompt: str, timeout_ms: int, max_digits: int) -> str:
        self._command(f"GET DATA {prompt}", caller=True)
        return self.dtmf.pop(0) if self.dtmf else ""

    def play(self, prompts: Sequence[str]) -> None:
        if prompts:
            self._command(f"EXEC Playback {'&'.join(prompts)}", caller=True)

    def exec_app(self, app: str, args: Sequence[str]) -> int:
        self._command(f"EXEC {app} {','.join(args)}")
        with self.asterisk.lock:
            getattr(self, f"_app_{app}")(list(args) + [""] * 6)
        return 0

    def _app_AddQueueMember(self, a: list[str]) -> None:
        queue = self.asterisk.queues.get(a[0])
        if queue is None:
            self.variables["AQMSTATUS"] = "NOSUCHQUEUE"
        elif a[1] in queue:
            self.variables["AQMSTATUS"] = "MEMBERALREADY"
        else:  # options p (paused) and r(reason), as app_queue reads them
            reason = re.search(r"r\(([^)]*)\)", a[3])
            paused = (reason.group(1) if reason else "") or "paused" if "p" in a[3] else ""
            queue[a[1]] = Member(a[2], a[4], a[5], paused)
            self.variables["AQMSTATUS"] = "ADDED"

    def _app_RemoveQueueMember(self, a: list[str]) -> None:
        queue = self.asterisk.queues.get(a[0])
        found = queue is not None and queue.pop(a[1], None) is not None
        self.variables["RQMSTATUS"] = "REMOVED" if found else "NOTINQUEUE"

    def _set_paused(self, a: list[str], reason: str, variable: str, done: str) -> None:
        hits = [q[a[1]] for q in self.asterisk.queues.values() if a[1] in q]
        for member in hits:
            member.paused = reason
        self.variables[variable] = done if hits else "NOTFOUND"

    def _app_PauseQueueMember(self, a: list[str]) -> None:
        self._set_paused(a, a[3] or "paused", "PQMSTATUS", "PAUSED")

    def _app_UnpauseQueueMember(self, a: list[str]) -> None:
        self._set_paused(a, "", "UPQMSTATUS", "UNPAUSED")

    def database_get(self, family: str, key: str) -> str | None:
        self._command(f"DATABASE GET {family} {key}")
        return self.asterisk.db.get(f"{family}/{key}")

    def database_put(self, family: str, key: str, value: str) -> None:
        self._command(f"DATABASE PUT {family} {key} {value}")
        self.asterisk.db[f"{family}/{key}"] = value

    def database_del(self, family: str, key: str) -> None:
        self._command(f"DATABASE DEL {family} {key}")
        self.asterisk.db.pop(f"{family}/{key}", None)
