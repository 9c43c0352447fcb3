"""Who is asking: server-side sessions (a cookie), CSRF tokens, API tokens, and what each
principal may see and do.

- **Agents** log in with their agent number (id or extension) and PIN, the same hashes and
  lockout as the feature codes; they act on themselves only.
- **Supervisors** (``settings.supervisors``) log in with their id and PIN; they see and act
  on the agents of their scope (force logout, pause, unpause).
- **Integrations** send ``Authorization: Bearer <token>``; the token's SHA-256 is looked up
  in ``settings.tokens``; scoped like supervisors; no session, no cookie, no CSRF token
  (nothing a browser sends by itself).

A session lives in the service's memory: a random id in an ``HttpOnly``, ``SameSite=Strict``
cookie (``Secure`` behind TLS), dropped after ``idle`` seconds without a request; a restart
logs everyone out of the web (not out of their queues). Every state change made with a
session must carry the session's CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from provisioner.inventory.pins import hash_token
from provisioner.model import Agent, ApiToken, Inventory, Scope

Kind = Literal["agent", "supervisor", "token"]
COOKIE = "gitops_session"
CSRF_HEADER = "x-csrf-token"
MAX_SESSIONS = 20000


@dataclass(frozen=True)
class Principal:
    kind: Kind
    id: str
    name: str
    scope: Scope = field(default_factory=Scope)  # supervisors and tokens

    @property
    def label(self) -> str:
        """How the logs name who did something: ``agent ann``, ``supervisor sophie``..."""
        return f"{self.kind} {self.id}"

    def sees(self, agent: Agent) -> bool:
        if self.kind == "agent":
            return agent.id == self.id
        return self.scope.covers(agent)


@dataclass
class WebSession:
    id: str
    principal: Principal
    csrf: str
    last_seen: float


class SessionStore:
    def __init__(self, idle: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle = idle
        self._clock = clock
        self._sessions: OrderedDict[str, WebSession] = OrderedDict()
        self._lock = threading.Lock()

    def create(self, principal: Principal) -> WebSession:
        session = WebSession(
            secrets.token_urlsafe(32), principal, secrets.token_urlsafe(24), self._clock()
        )
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > MAX_SESSIONS:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: str, *, touch: bool = True) -> WebSession | None:
        """The live session of that id (its idle time restarts); None when unknown or
        expired (then forgotten)."""
        now = self._clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if now - session.last_seen > self.idle:
                del self._sessions[session_id]
                return None
            if touch:
                session.last_seen = now
                self._sessions.move_to_end(session_id)
            return session

    def drop(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)


def token_principal(inventory: Inventory, token: str) -> Principal | None:
    wanted = hash_token(token)
    found: ApiToken | None = next(
        (t for t in inventory.settings.tokens if secrets.compare_digest(t.hash, wanted)), None
    )
    return None if found is None else Principal("token", found.id, found.id, found.scope)


def cookie(session: WebSession, secure: bool) -> str:
    """The ``Set-Cookie`` value of a session."""
    flags = "; Secure" if secure else ""
    return f"{COOKIE}={session.id}; Path=/; HttpOnly; SameSite=Strict{flags}"


def cleared_cookie(secure: bool) -> str:
    flags = "; Secure" if secure else ""
    return f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{flags}"
